"""The VPC layer of a `Network` written in the native format (see docs/vpc.md).

Each element is one line, or a block whose routes and NACL entries are one
line each, with a comment naming where it was read. A route's `target_kind`
is written only where the reader could not tell it from the target, so the
file stays as short as one written by hand and reads back the same.
"""

from __future__ import annotations

from typing import Any, Mapping

from ...model import Network, Resource
from ...model.topology import AclEntry, NetworkAcl, Route, RouteTable, Topology
from .routing import element_kinds, inferred_kind
from .writing import comment, flow, scalar, service_fields


def topology_lines(topology: Topology, resources: Mapping[str, Resource]) -> list[str]:
    lines: list[str] = []
    if topology.vpcs:
        lines.append("vpcs:")
        for vpc in topology.vpcs.values():
            body = _named({"cidrs": [str(c) for c in vpc.cidrs]}, vpc.name)
            for field in ("region", "account"):
                if getattr(vpc, field):
                    body[field] = getattr(vpc, field)
            lines.append(f"  {scalar(vpc.key)}: {flow(body)}{comment(vpc.origin)}")
    if topology.subnets:
        lines.append("subnets:")
        for subnet in topology.subnets.values():
            body = {"vpc": subnet.vpc, "cidrs": [str(c) for c in subnet.cidrs]}
            for field in ("route_table", "nacl"):
                if getattr(subnet, field) is not None:
                    body[field] = getattr(subnet, field)
            if subnet.map_public_ip:
                body["map_public_ip"] = True
            lines.append(f"  {scalar(subnet.key)}: {flow(_named(body, subnet.name))}{comment(subnet.origin)}")
    if topology.route_tables:
        kinds = element_kinds(topology, resources)
        lines.append("route_tables:")
        for table in topology.route_tables.values():
            lines += _table(table, kinds)
    if topology.nacls:
        lines.append("network_acls:")
        for acl in topology.nacls.values():
            lines += _acl(acl)
    gateways = _gateways(topology)
    if gateways:
        lines.append("gateways:")
        lines += gateways
    if topology.peerings:
        lines.append("peerings:")
        for peering in topology.peerings.values():
            body: dict[str, Any] = {"requester": peering.requester_vpc, "accepter": peering.accepter_vpc}
            if not peering.active:
                body["active"] = False
            lines.append(f"  {scalar(peering.key)}: {flow(_named(body, peering.name))}{comment(peering.origin)}")
    lines += _transit(topology)
    if topology.endpoints:
        lines.append("endpoints:")
        for endpoint in topology.endpoints.values():
            body = {"vpc": endpoint.vpc}
            if endpoint.service:
                body["service"] = endpoint.service
            if endpoint.kind != "Gateway":
                body["type"] = endpoint.kind
            if endpoint.prefix_list is not None:
                body["prefix_list"] = endpoint.prefix_list
            if endpoint.route_tables:
                body["route_tables"] = list(endpoint.route_tables)
            lines.append(f"  {scalar(endpoint.key)}: {flow(_named(body, endpoint.name))}{comment(endpoint.origin)}")
    return lines or ["vpcs: {}  # a VPC layer without elements"]


def _named(body: dict[str, Any], name: str) -> dict[str, Any]:
    if name:
        body["name"] = name
    return body


def _table(table: RouteTable, kinds) -> list[str]:
    out = [f"  {scalar(table.key)}:{comment(table.origin)}", f"    vpc: {scalar(table.vpc)}"]
    if table.is_main:
        out.append("    main: true")
    if table.name:
        out.append(f"    name: {scalar(table.name)}")
    if table.routes:
        out.append("    routes:")
        out += [f"      - {flow(route_fields(route, kinds))}{comment(route.origin)}" for route in table.routes]
    return out


def route_fields(route: Route, kinds) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if route.destination is not None:
        body["destination"] = str(route.destination)
    else:
        body["prefix_list"] = route.prefix_list
    if route.target:
        body["target"] = route.target
    if inferred_kind(route.target, route.blackhole, kinds) is not route.target_kind:
        body["target_kind"] = route.target_kind.value
    if route.blackhole:
        body["blackhole"] = True
    return body


def _acl(acl: NetworkAcl) -> list[str]:
    out = [f"  {scalar(acl.key)}:{comment(acl.origin)}", f"    vpc: {scalar(acl.vpc)}"]
    if acl.is_default:
        out.append("    default: true")
    if acl.name:
        out.append(f"    name: {scalar(acl.name)}")
    for egress in (False, True):
        entries = acl.entries(egress)
        if entries:
            out.append(f"    {'outbound' if egress else 'inbound'}:")
            out += [f"      - {flow(_entry(entry))}{comment(entry.origin, entry.text)}" for entry in entries]
    return out


def _entry(entry: AclEntry) -> dict[str, Any]:
    return {"number": entry.number, "action": entry.action.value, **service_fields(entry.service),
            "cidr": str(entry.cidr)}


def _gateways(topology: Topology) -> list[str]:
    out = []
    for gateway in topology.internet_gateways.values():
        body: dict[str, Any] = {"type": "internet"}
        if gateway.vpc is not None:
            body["vpc"] = gateway.vpc
        out.append(f"  {scalar(gateway.key)}: {flow(_named(body, gateway.name))}{comment(gateway.origin)}")
    for gateway in topology.egress_only_gateways.values():
        body = {"type": "egress-only", "vpc": gateway.vpc}
        out.append(f"  {scalar(gateway.key)}: {flow(_named(body, gateway.name))}{comment(gateway.origin)}")
    for nat in topology.nat_gateways.values():
        body = {"type": "nat", "subnet": nat.subnet}
        if nat.private_ip is not None:
            body["private_ip"] = _ipv4(nat.private_ip)
        if nat.public_ip is not None:
            body["public_ip"] = _ipv4(nat.public_ip)
        if not nat.public:
            body["connectivity"] = "private"
        out.append(f"  {scalar(nat.key)}: {flow(_named(body, nat.name))}{comment(nat.origin)}")
    return out


def _ipv4(value: int) -> str:
    return ".".join(str((value >> shift) & 0xFF) for shift in (24, 16, 8, 0))


def _transit(topology: Topology) -> list[str]:
    keys = list(dict.fromkeys([*topology.transit_gateways,
                               *(a.transit_gateway for a in topology.tgw_attachments.values()),
                               *(t.transit_gateway for t in topology.tgw_route_tables.values())]))
    if not keys:
        return []
    out = ["transit_gateways:"]
    for key in keys:
        gateway = topology.transit_gateways.get(key)
        if gateway is None:
            out += [f"  {scalar(key)}:  # not in the input: only its attachments and route tables are",
                    "    described: false"]
        else:
            out.append(f"  {scalar(key)}:{comment(gateway.origin)}")
            if gateway.name:
                out.append(f"    name: {scalar(gateway.name)}")
        attachments = [a for a in topology.tgw_attachments.values() if a.transit_gateway == key]
        if attachments:
            out.append("    attachments:")
        for attachment in attachments:
            body: dict[str, Any] = {}
            if attachment.vpc is not None:
                body["vpc"] = attachment.vpc
            if attachment.subnets:
                body["subnets"] = list(attachment.subnets)
            if attachment.route_table is not None:
                body["route_table"] = attachment.route_table
            if attachment.kind != "vpc":
                body["type"] = attachment.kind
            out.append(f"      {scalar(attachment.key)}: {flow(_named(body, attachment.name))}"
                       f"{comment(attachment.origin)}")
        tables = [t for t in topology.tgw_route_tables.values() if t.transit_gateway == key]
        if tables:
            out.append("    route_tables:")
        for table in tables:
            out.append(f"      {scalar(table.key)}:{comment(table.origin)}")
            if table.name:
                out.append(f"        name: {scalar(table.name)}")
            if table.propagations:
                out.append(f"        propagations: {flow(list(table.propagations))}")
            if table.routes:
                out.append("        routes:")
            for route in table.routes:
                body = {"destination": str(route.destination)}
                if route.attachment is not None:
                    body["attachment"] = route.attachment
                if route.blackhole:
                    body["blackhole"] = True
                out.append(f"          - {flow(body)}{comment(route.origin)}")
    return out


# -- resources and what cannot be written ------------------------------------------

def placement_fields(resource: Resource, topology: Topology | None) -> dict[str, Any]:
    """A resource's subnet (keys with a VPC layer, else blocks), its blocks where
    they are not its subnets' and its VPC where the reader could not tell it
    from the subnets."""
    body: dict[str, Any] = {}
    if topology is None:
        if resource.subnets:
            body["subnet"] = [str(c) for c in resource.subnets]
        if resource.vpc:
            body["vpc"] = resource.vpc
        return body
    if len(resource.subnet_ids) == 1:
        body["subnet"] = resource.subnet_ids[0]
    elif resource.subnet_ids:
        body["subnets"] = list(resource.subnet_ids)
    if resource.subnets != _subnets_blocks(resource, topology):
        body["blocks"] = [str(c) for c in resource.subnets]
    if resource.vpc and resource.vpc != _subnets_vpc(resource, topology):
        body["vpc"] = resource.vpc
    return body


def _subnets_blocks(resource: Resource, topology: Topology) -> tuple:
    return tuple(dict.fromkeys(c for k in resource.subnet_ids if k in topology.subnets
                               for c in topology.subnets[k].cidrs))


def _subnets_vpc(resource: Resource, topology: Topology) -> str:
    vpcs = {topology.subnets[k].vpc for k in resource.subnet_ids if k in topology.subnets}
    return vpcs.pop() if len(vpcs) == 1 else ""


def topology_problems(network: Network) -> list[str]:
    """What the native format cannot write about this network's VPC layer."""
    topology = network.topology
    out: list[str] = []
    if topology is None:
        out += [f"resource {r.name!r} is in subnets {', '.join(r.subnet_ids)} but the input has no VPC layer; "
                f"the native format names subnets by key only in a file with one"
                for r in network.resources.values() if r.subnet_ids]
        return out
    seen: dict[str, str] = {}
    for what, found in (("internet gateway", topology.internet_gateways),
                        ("egress-only gateway", topology.egress_only_gateways),
                        ("NAT gateway", topology.nat_gateways)):
        for key in found:
            if key in seen:
                out.append(f"{what} {key!r} has the key of {seen[key]} {key!r}; the native format keeps "
                           f"gateways in one section, by key")
            seen.setdefault(key, what)
    return out
