"""The native format's VPC layer (see docs/vpc.md).

    vpcs:          {KEY: {cidrs, name, region, account}}
    subnets:       {KEY: {vpc, cidrs, route_table, nacl, map_public_ip, name}}
    gateways:      {KEY: {type: internet, vpc, name}
                        | {type: egress-only, vpc, name}
                        | {type: nat, subnet, private_ip, public_ip, connectivity, name}}
    peerings:      {KEY: {requester, accepter, active, name}}
    endpoints:     {KEY: {vpc, service, type, prefix_list, route_tables, name}}
    route_tables, transit_gateways: see routing.py;  network_acls: see acls.py

A file has a VPC layer when it has any of these sections (even empty); then a
resource's `subnet`/`subnets` name subnet keys. Keys that name nothing in the
file are absent elements, free choices: the format-independent checks warn
about each one.
"""

from __future__ import annotations

from typing import Mapping

from ...model import Resource
from ...model.topology import (
    EgressOnlyGateway,
    InternetGateway,
    NatGateway,
    Peering,
    Subnet,
    Topology,
    Vpc,
    VpcEndpoint,
)
from ..fields import Report
from ..yamlnodes import YMap
from .acls import read_acls
from .routing import element_kinds, finish_tables, read_route_tables, read_transit_gateways
from .values import Values, article

SECTIONS = ("vpcs", "subnets", "route_tables", "network_acls", "gateways", "peerings", "transit_gateways",
            "endpoints")
VPC_KEYS = ("cidrs", "name", "region", "account")
SUBNET_KEYS = ("vpc", "cidrs", "route_table", "nacl", "map_public_ip", "name")
GATEWAY_TYPES = {"internet": ("type", "vpc", "name"), "egress-only": ("type", "vpc", "name"),
                 "nat": ("type", "subnet", "private_ip", "public_ip", "connectivity", "name")}
GATEWAY_KEYS = ("type", "vpc", "subnet", "private_ip", "public_ip", "connectivity", "name")
PEERING_KEYS = ("requester", "accepter", "active", "name")
ENDPOINT_KEYS = ("vpc", "service", "type", "prefix_list", "route_tables", "name")
ENDPOINT_TYPES = {word: word for word in ("Gateway", "Interface", "GatewayLoadBalancer")}
CONNECTIVITY = {"public": True, "private": False}


def has_vpc_layer(doc: YMap) -> bool:
    return any(key in doc for key in SECTIONS)


class TopologyReading:
    """Every section but the route tables' targets, which need the resources (finish)."""

    def __init__(self, report: Report, doc: YMap):
        self.values = values = Values(report)
        self.vpcs = {key: vpc for key, vpc in self._vpcs(doc)}
        self.subnets = {key: subnet for key, subnet in self._subnets(doc)}
        self.nacls = read_acls(values, doc)
        self.internet: dict[str, InternetGateway] = {}
        self.egress_only: dict[str, EgressOnlyGateway] = {}
        self.nat: dict[str, NatGateway] = {}
        self._gateways(doc)
        self.peerings = {key: peering for key, peering in self._peerings(doc)}
        self.transit = read_transit_gateways(values, doc)
        self.endpoints = {key: endpoint for key, endpoint in self._endpoints(doc)}
        self.tables = read_route_tables(values, doc)

    def finish(self, resources: Mapping[str, Resource]) -> Topology:
        topology = Topology(vpcs=self.vpcs, subnets=self.subnets, nacls=self.nacls,
                            internet_gateways=self.internet, egress_only_gateways=self.egress_only,
                            nat_gateways=self.nat, peerings=self.peerings,
                            transit_gateways=self.transit.gateways, tgw_attachments=self.transit.attachments,
                            tgw_route_tables=self.transit.tables, endpoints=self.endpoints)
        tables = finish_tables(self.values, self.tables, element_kinds(topology, resources))
        return Topology(vpcs=topology.vpcs, subnets=topology.subnets, route_tables=tables, nacls=topology.nacls,
                        internet_gateways=topology.internet_gateways,
                        egress_only_gateways=topology.egress_only_gateways, nat_gateways=topology.nat_gateways,
                        peerings=topology.peerings, transit_gateways=topology.transit_gateways,
                        tgw_attachments=topology.tgw_attachments, tgw_route_tables=topology.tgw_route_tables,
                        endpoints=topology.endpoints)

    def _vpcs(self, doc: YMap):
        values = self.values
        for key, body, line in values.elements(doc, "vpcs", "VPC", VPC_KEYS):
            what = f"VPC {key!r}"
            cidrs = values.cidrs(body, "cidrs", what)
            name, region = values.text(body, "name", what), values.text(body, "region", what)
            account = values.text(body, "account", what)
            if cidrs is not None:
                yield key, Vpc(key=key, cidrs=cidrs, name=name, region=region, account=account,
                               origin=values.origin(line))

    def _subnets(self, doc: YMap):
        values = self.values
        for key, body, line in values.elements(doc, "subnets", "subnet", SUBNET_KEYS):
            what = f"subnet {key!r}"
            vpc = values.text(body, "vpc", what, needed=True)
            cidrs = values.cidrs(body, "cidrs", what)
            route_table = values.optional(body, "route_table", what)
            nacl = values.optional(body, "nacl", what)
            public = values.flag(body, "map_public_ip", what, False)
            name = values.text(body, "name", what)
            if vpc and cidrs is not None:
                yield key, Subnet(key=key, vpc=vpc, cidrs=cidrs, route_table=route_table, nacl=nacl,
                                  map_public_ip=public, name=name, origin=values.origin(line))

    def _gateways(self, doc: YMap) -> None:
        values = self.values
        report = values.report
        for key, body, line in values.elements(doc, "gateways", "gateway", GATEWAY_KEYS):
            what = f"gateway {key!r}"
            kind = values.choice(body, "type", what, {t: t for t in GATEWAY_TYPES}, None)
            if kind is None:
                continue
            errors_before = len(report.errors)
            for field in body:
                if field in GATEWAY_KEYS and field not in GATEWAY_TYPES[kind]:
                    report.error(body.key_line(field), f"{field} is not a key of {what}: {article(kind)} {kind} gateway "
                                                       f"takes {', '.join(GATEWAY_TYPES[kind][1:])}")
            name, origin = values.text(body, "name", what), values.origin(line)
            if kind == "internet":
                vpc = values.optional(body, "vpc", what)  # none: detached
                if len(report.errors) == errors_before:
                    self.internet[key] = InternetGateway(key=key, vpc=vpc, name=name, origin=origin)
            elif kind == "egress-only":
                vpc = values.text(body, "vpc", what, needed=True)
                if len(report.errors) == errors_before:
                    self.egress_only[key] = EgressOnlyGateway(key=key, vpc=vpc, name=name, origin=origin)
            else:
                subnet = values.text(body, "subnet", what, needed=True)
                private_ip = values.ipv4(body, "private_ip", what)
                public_ip = values.ipv4(body, "public_ip", what)
                public = values.choice(body, "connectivity", what, CONNECTIVITY, True)
                if public is False and "public_ip" in body:
                    report.error(body.key_line("public_ip"), f"{what} is a private NAT gateway: it has "
                                                             f"no public_ip")
                if len(report.errors) == errors_before and public is not None:
                    self.nat[key] = NatGateway(key=key, subnet=subnet, private_ip=private_ip,
                                               public_ip=public_ip, public=public, name=name, origin=origin)

    def _peerings(self, doc: YMap):
        values = self.values
        for key, body, line in values.elements(doc, "peerings", "peering", PEERING_KEYS):
            what = f"peering {key!r}"
            requester = values.text(body, "requester", what, needed=True)
            accepter = values.text(body, "accepter", what, needed=True)
            active = values.flag(body, "active", what, True)
            name = values.text(body, "name", what)
            if requester and accepter:
                yield key, Peering(key=key, requester_vpc=requester, accepter_vpc=accepter, active=active,
                                   name=name, origin=values.origin(line))

    def _endpoints(self, doc: YMap):
        values = self.values
        for key, body, line in values.elements(doc, "endpoints", "endpoint", ENDPOINT_KEYS):
            what = f"endpoint {key!r}"
            vpc = values.text(body, "vpc", what, needed=True)
            kind = values.choice(body, "type", what, ENDPOINT_TYPES, "Gateway")
            service = values.text(body, "service", what)
            prefix_list = values.optional(body, "prefix_list", what)
            tables = values.keys(body, "route_tables", what)
            name = values.text(body, "name", what)
            if vpc and kind is not None:
                yield key, VpcEndpoint(key=key, vpc=vpc, service=service, kind=kind, prefix_list=prefix_list,
                                       route_tables=tables, name=name, origin=values.origin(line))
