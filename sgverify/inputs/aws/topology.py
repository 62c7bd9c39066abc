"""AWS describe output -> the VPC path layer (`Topology`).

VPCs, subnets, internet, egress-only and NAT gateways, peerings and gateway
endpoints are read here; route tables (routes.py), network ACLs (acls.py) and
transit gateways (transit.py) in their own modules. An element the input
does not show is absent, never assumed: what it would decide is a free choice
of the path layer (see docs/vpc.md).

AWS facts encoded here (see docs/aws.md):
- a VPC's blocks are the associated entries of CidrBlockAssociationSet and
  Ipv6CidrBlockAssociationSet (a block being associated or removed is not);
- an internet gateway is attached while its attachment is `available`
  (describe-internet-gateways) or `attached`;
- a NAT gateway carries traffic while it is pending or available; a deleted
  or failed one is not read. With several addresses, which one a connection
  leaves from is unknown;
- a peering carries traffic only while its Status.Code is `active`;
- a gateway endpoint (S3, DynamoDB) is the route target of its service's
  AWS-managed prefix list, named after the service.
"""

from __future__ import annotations

from typing import Mapping

from ...model import Cidr, Family, PrefixList
from ...model.topology import (
    EgressOnlyGateway,
    InternetGateway,
    NatGateway,
    Peering,
    Subnet,
    TargetKind,
    Topology,
    Vpc,
    VpcEndpoint,
)
from .acls import build_nacls
from .documents import Described
from .enis import Item, name_tag
from .routes import build_route_tables
from .rules import Problems, parse_cidr
from .transit import build_transit
from .values import address, flag, items, origin, state, text, texts

_NAT_CARRYING = {None, "pending", "available"}  # None: a state not shown
_ENDPOINT_GONE = {"deleting", "deleted", "rejected", "failed", "expired"}


def build_topology(described: Described, subnet_blocks: Mapping[str, tuple[Cidr, ...]],
                   prefix_lists: Mapping[str, PrefixList], problems: Problems) -> Topology:
    vpcs = {key: _vpc(key, item, described.region, problems) for key, item in described.table("Vpcs").items()}
    tables, table_of = build_route_tables(described, {k: v.cidrs for k, v in vpcs.items()}, problems)
    nacls, nacl_of = build_nacls(described, problems)
    subnets = {}
    for key, item in described.subnets.items():
        vpc = text(item, "VpcId", problems)
        if vpc is not None:
            subnets[key] = Subnet(key=key, vpc=vpc, cidrs=subnet_blocks.get(key, ()),
                                  route_table=table_of.get(key), nacl=nacl_of.get(key),
                                  map_public_ip=bool(flag(item, "MapPublicIpOnLaunch", problems)),
                                  name=name_tag(item.data.get("Tags")), origin=origin(item))
    gateways, attachments, tgw_tables = build_transit(described, prefix_lists, problems)
    return Topology(
        vpcs=vpcs, subnets=subnets, route_tables=tables, nacls=nacls,
        internet_gateways=_internet_gateways(described, problems),
        egress_only_gateways=_egress_only(described, problems),
        nat_gateways=_nat_gateways(described, problems),
        peerings=_peerings(described, problems),
        transit_gateways=gateways, tgw_attachments=attachments, tgw_route_tables=tgw_tables,
        endpoints=_endpoints(described, tables, problems))


def _vpc(key: str, item: Item, region: str, problems: Problems) -> Vpc:
    blocks: list[Cidr] = []
    sets = (("CidrBlockAssociationSet", "CidrBlock", "CidrBlockState", Family.V4),
            ("Ipv6CidrBlockAssociationSet", "Ipv6CidrBlock", "Ipv6CidrBlockState", Family.V6))
    for list_key, block_key, state_key, family in sets:
        if list_key not in item.data and family is Family.V4 and item.data.get("CidrBlock") is not None:
            # Output without the association set shows only the primary block.
            blocks.append(parse_cidr(item.data["CidrBlock"], family, f"{item.where}.CidrBlock", problems))
            continue
        for entry in items(item, list_key, problems):
            if state(entry.data.get(state_key)) in (None, "associated"):
                blocks.append(parse_cidr(entry.data.get(block_key), family, f"{entry.where}.{block_key}",
                                         problems))
    return Vpc(key=key, cidrs=tuple(dict.fromkeys(b for b in blocks if b is not None)),
               name=name_tag(item.data.get("Tags")), region=region,
               account=str(item.data.get("OwnerId") or ""), origin=origin(item))


def _attached(item: Item, states: tuple[str, ...], problems: Problems) -> list[str]:
    vpcs = []
    for entry in items(item, "Attachments", problems):
        vpc = text(entry, "VpcId", problems)
        if vpc is not None and state(entry.data.get("State")) in states:
            vpcs.append(vpc)
    if len(vpcs) > 1:
        problems.error(item.where, f"attached to {len(vpcs)} VPCs ({', '.join(vpcs)}): a gateway has one")
    return vpcs


def _internet_gateways(described: Described, problems: Problems) -> dict[str, InternetGateway]:
    out = {}
    for key, item in described.table("InternetGateways").items():
        vpcs = _attached(item, ("available", "attached"), problems)
        out[key] = InternetGateway(key=key, vpc=vpcs[0] if vpcs else None,
                                   name=name_tag(item.data.get("Tags")), origin=origin(item))
    return out


def _egress_only(described: Described, problems: Problems) -> dict[str, EgressOnlyGateway]:
    out = {}
    for key, item in described.table("EgressOnlyInternetGateways").items():
        vpcs = _attached(item, ("attached", "available"), problems)
        if vpcs:  # a detached one carries nothing; routes to it are blackholes
            out[key] = EgressOnlyGateway(key=key, vpc=vpcs[0], name=name_tag(item.data.get("Tags")),
                                         origin=origin(item))
    return out


def _nat_gateways(described: Described, problems: Problems) -> dict[str, NatGateway]:
    out = {}
    for key, item in described.table("NatGateways").items():
        if state(item.data.get("State")) not in _NAT_CARRYING:
            continue
        subnet = text(item, "SubnetId", problems)
        kind = text(item, "ConnectivityType", problems, required=False) or "public"
        if kind not in ("public", "private"):
            problems.error(f"{item.where}.ConnectivityType", f"ConnectivityType must be public or private, "
                                                             f"not {kind!r}")
        addresses = [(address(a, "PrivateIp", Family.V4, problems), address(a, "PublicIp", Family.V4, problems))
                     for a in items(item, "NatGatewayAddresses", problems)
                     if state(a.data.get("Status"), "Status") in (None, "succeeded", "associating",
                                                                  "assigning")]
        private_ip = public_ip = None
        if len(addresses) == 1:
            private_ip, public_ip = addresses[0]
        elif len(addresses) > 1:
            problems.warn(item.where, f"{key} has {len(addresses)} addresses: which one a connection leaves "
                                      "from is a free choice")
        if subnet is not None:
            out[key] = NatGateway(key=key, subnet=subnet, private_ip=private_ip, public_ip=public_ip,
                                  public=kind != "private", name=name_tag(item.data.get("Tags")),
                                  origin=origin(item))
    return out


def _peerings(described: Described, problems: Problems) -> dict[str, Peering]:
    out = {}
    for key, item in described.table("VpcPeeringConnections").items():
        sides = []
        for side in ("RequesterVpcInfo", "AccepterVpcInfo"):
            info = item.data.get(side)
            if not isinstance(info, dict):
                problems.error(item.where, f"missing {side}")
                continue
            sides.append(text(Item(item.file, f"{item.path}.{side}", info), "VpcId", problems))
        if len(sides) == 2 and None not in sides:
            active = state(item.data.get("Status"), "Code") == "active"
            out[key] = Peering(key=key, requester_vpc=sides[0], accepter_vpc=sides[1], active=active,
                               name=name_tag(item.data.get("Tags")), origin=origin(item))
    return out


def _endpoints(described: Described, tables, problems: Problems) -> dict[str, VpcEndpoint]:
    by_service = {}
    for pl_id, item in described.prefix_lists.items():
        name = item.data.get("PrefixListName")
        if isinstance(name, str) and name:
            by_service.setdefault(name, pl_id)
    routed = {}  # endpoint -> the prefix list its routes carry
    for table in tables.values():
        for route in table.routes:
            if route.target_kind is TargetKind.GATEWAY_ENDPOINT and route.prefix_list:
                routed.setdefault(route.target, route.prefix_list)
    out = {}
    for key, item in described.table("VpcEndpoints").items():
        kind = text(item, "VpcEndpointType", problems)
        if state(item.data.get("State")) in _ENDPOINT_GONE or kind is None:
            continue
        if kind == "GatewayLoadBalancer":
            problems.warn(item.where, f"{key} is a Gateway Load Balancer endpoint, which is not modelled: "
                                      "what routes to it deliver is a free choice")
            continue
        if kind != "Gateway":
            continue  # an interface endpoint is a network interface, read as one
        vpc = text(item, "VpcId", problems)
        service = text(item, "ServiceName", problems) or ""
        if vpc is not None:
            out[key] = VpcEndpoint(key=key, vpc=vpc, service=service, kind=kind,
                                   prefix_list=by_service.get(service) or routed.get(key),
                                   route_tables=texts(item, "RouteTableIds", problems),
                                   name=name_tag(item.data.get("Tags")), origin=origin(item))
    return out
