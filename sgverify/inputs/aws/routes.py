"""describe-route-tables -> model `RouteTable`s and the subnets they are associated with.

AWS facts encoded here (see docs/aws.md):
- a route's destination is exactly one of DestinationCidrBlock,
  DestinationIpv6CidrBlock and DestinationPrefixListId;
- its target is named by its field: GatewayId (`local`, igw-, vgw-, vpce-),
  NatGatewayId, VpcPeeringConnectionId, TransitGatewayId, NetworkInterfaceId
  or InstanceId (an appliance; an instance route shows both, the interface is
  the target), EgressOnlyInternetGatewayId; carrier, local and core-network
  gateways are not modelled (a free choice);
- State `blackhole` drops what the route matches (its target is gone);
- the `local` route of each VPC block is implicit in the model, so it is not
  read as a route; a `local` route for anything else is kept;
- an association is `Main` (the VPC's main table) or names a subnet; an edge
  association (a gateway's ingress routing) is not modelled, with a warning.
"""

from __future__ import annotations

from typing import Mapping

from ...model import Cidr, Family
from ...model.topology import Route, RouteTable, TargetKind
from ..fields import type_name
from .documents import Described
from .enis import Item, name_tag
from .rules import Problems, parse_cidr
from .values import at, flag, items, origin, state, text

_DESTINATIONS = ("DestinationCidrBlock", "DestinationIpv6CidrBlock", "DestinationPrefixListId")
# Target field -> kind; GatewayId is told apart by its id's prefix.
_TARGET_FIELDS = {
    "NatGatewayId": TargetKind.NAT_GATEWAY,
    "VpcPeeringConnectionId": TargetKind.PEERING,
    "TransitGatewayId": TargetKind.TRANSIT_GATEWAY,
    "NetworkInterfaceId": TargetKind.INTERFACE,
    "InstanceId": TargetKind.INTERFACE,
    "EgressOnlyInternetGatewayId": TargetKind.EGRESS_ONLY_GATEWAY,
    "CarrierGatewayId": TargetKind.OTHER,
    "LocalGatewayId": TargetKind.OTHER,
    "CoreNetworkArn": TargetKind.OTHER,
}
_GATEWAY_PREFIXES = {
    "igw-": TargetKind.INTERNET_GATEWAY,
    "vgw-": TargetKind.VPN_GATEWAY,
    "vpce-": TargetKind.GATEWAY_ENDPOINT,
}


def build_route_tables(described: Described, vpc_blocks: Mapping[str, tuple[Cidr, ...]],
                       problems: Problems) -> tuple[dict[str, RouteTable], dict[str, str]]:
    """The route tables by id, and each associated subnet's table id."""
    tables: dict[str, RouteTable] = {}
    associated: dict[str, str] = {}
    mains: dict[str, str] = {}
    for table_id, item in described.table("RouteTables").items():
        vpc = text(item, "VpcId", problems)
        routes = []
        for entry in items(item, "Routes", problems):
            route = _route(entry, problems)
            if route is not None and not _implicit_local(route, vpc_blocks.get(vpc or "")):
                routes.append(route)
        is_main = False
        for association in items(item, "Associations", problems):
            if state(association.data.get("AssociationState")) not in (None, "associated", "associating"):
                continue
            is_main |= _associate(association, table_id, associated, problems)
        if vpc is None:
            continue
        if is_main:
            if vpc in mains:
                problems.error(item.where, f"VPC {vpc} has two main route tables: {mains[vpc]} and {table_id}")
            mains.setdefault(vpc, table_id)
        tables[table_id] = RouteTable(key=table_id, vpc=vpc, routes=tuple(routes), is_main=is_main,
                                      name=name_tag(item.data.get("Tags")), origin=origin(item))
    return tables, associated


def _associate(association: Item, table_id: str, associated: dict[str, str], problems: Problems) -> bool:
    """Record one association; True when it makes the table its VPC's main table."""
    if flag(association, "Main", problems):
        return True
    subnet = text(association, "SubnetId", problems, required=False)
    gateway = text(association, "GatewayId", problems, required=False)
    if subnet is not None:
        other = associated.setdefault(subnet, table_id)
        if other != table_id:
            problems.error(association.where, f"subnet {subnet} is associated with two route tables: "
                                              f"{other} and {table_id}")
    elif gateway is not None:
        problems.warn(association.where, f"edge association of {gateway} with {table_id} is not modelled: "
                                         "traffic entering through that gateway is not routed by it")
    else:
        problems.error(association.where, "an association needs Main true, a SubnetId or a GatewayId")
    return False


def _implicit_local(route: Route, blocks: tuple[Cidr, ...] | None) -> bool:
    return (route.target_kind is TargetKind.LOCAL and not route.blackhole and blocks is not None
            and route.destination in blocks)


def _route(item: Item, problems: Problems) -> Route | None:
    before = len(problems.errors)
    destination, prefix_list = _destination(item, problems)
    blackhole = _blackhole(item, problems)
    target = _target(item, blackhole, problems)
    if len(problems.errors) > before or target is None:
        return None
    kind, key = target
    return Route(target_kind=kind, target=key, destination=destination, prefix_list=prefix_list,
                 blackhole=blackhole, origin=origin(item))


def _destination(item: Item, problems: Problems) -> tuple[Cidr | None, str | None]:
    present = [k for k in _DESTINATIONS if item.data.get(k) is not None]
    if len(present) != 1:
        problems.error(item.where, f"a route needs exactly one of {', '.join(_DESTINATIONS)} "
                                   f"(found {len(present)})")
        return None, None
    key = present[0]
    if key == "DestinationPrefixListId":
        return None, text(item, key, problems)
    family = Family.V4 if key == "DestinationCidrBlock" else Family.V6
    return parse_cidr(item.data[key], family, at(item, key), problems), None


def _blackhole(item: Item, problems: Problems) -> bool:
    value = item.data.get("State")
    if value is None or value == "active":
        return False
    if value == "blackhole":
        return True
    problems.error(at(item, "State"), f"State must be active or blackhole, not {type_name(value)}")
    return False


def _target(item: Item, blackhole: bool, problems: Problems) -> tuple[TargetKind, str] | None:
    found: dict[str, tuple[TargetKind, str]] = {}
    for key, kind in _TARGET_FIELDS.items():
        value = text(item, key, problems, required=False)
        if value is not None:
            found[key] = (kind, value)
    gateway = text(item, "GatewayId", problems, required=False)
    if gateway is not None:
        found["GatewayId"] = _gateway(gateway)
    if "NetworkInterfaceId" in found:
        found.pop("InstanceId", None)  # an instance route names the instance and its interface
    if len(found) > 1:
        problems.error(item.where, f"a route needs one target, not {len(found)}: {', '.join(found)}")
        return None
    if not found:
        if blackhole:
            return TargetKind.OTHER, ""  # its target is gone; it drops what it matches
        problems.error(item.where, "a route needs a target (GatewayId, NatGatewayId, VpcPeeringConnectionId, "
                                   "TransitGatewayId, NetworkInterfaceId...)")
        return None
    (kind, key), = found.values()
    return kind, "" if kind is TargetKind.LOCAL else key


def _gateway(gateway: str) -> tuple[TargetKind, str]:
    if gateway == "local":
        return TargetKind.LOCAL, "local"
    for prefix, kind in _GATEWAY_PREFIXES.items():
        if gateway.startswith(prefix):
            return kind, gateway
    return TargetKind.OTHER, gateway  # a kind not modelled: the topology checks warn of it
