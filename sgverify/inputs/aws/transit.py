"""Transit gateways: describe-transit-gateways, -attachments, -vpc-attachments, -route-tables,
search-transit-gateway-routes and get-transit-gateway-route-table-propagations -> the model.

AWS facts encoded here (see docs/aws.md):
- an attachment carries traffic while it is pending, available or modifying;
  one being created, rejected or deleted carries none and is not read;
- describe-transit-gateway-attachments gives an attachment's kind, resource
  and associated route table; describe-transit-gateway-vpc-attachments the
  subnets of a VPC attachment. An attachment whose association or subnets
  the input does not show is left out, with a warning: what passes through it
  is then a free choice. Only the gateway's owner sees an attachment's
  association, so a missing `Association` means "not associated" only when
  the input lists the gateway and shows no other account attaching;
- a route table's routes come only from search-transit-gateway-routes, which
  shows static, propagated and blackhole routes alike (a route with several
  attachments is one route to each). Without that output, or when it says
  more routes were available than shown, the table is left out (a free
  choice), never taken as empty.
"""

from __future__ import annotations

from typing import Mapping

from ...model import Cidr, Family, PrefixList
from ...model.topology import TgwAttachment, TgwRoute, TgwRouteTable, TransitGateway
from .documents import Described
from .enis import Item, name_tag
from .rules import Problems, parse_cidr
from .values import at, items, origin, state, text, texts

CARRYING = {None, "pending", "available", "modifying"}  # None: a state not shown
_GONE = {"deleting", "deleted"}


def build_transit(described: Described, prefix_lists: Mapping[str, PrefixList], problems: Problems
                  ) -> tuple[dict[str, TransitGateway], dict[str, TgwAttachment], dict[str, TgwRouteTable]]:
    gateways = {}
    for key, item in described.table("TransitGateways").items():
        if state(item.data.get("State")) not in _GONE:
            gateways[key] = TransitGateway(key=key, name=name_tag(item.data.get("Tags")), origin=origin(item))
    attachments = _attachments(described, gateways_listed(described), problems)
    tables = _route_tables(described, prefix_lists, problems)
    return gateways, attachments, tables


def gateways_listed(described: Described) -> dict[str, str | None]:
    """Transit gateways the input lists (a shared one included), by their owner account."""
    return {key: item.data.get("OwnerId") for key, item in described.table("TransitGateways").items()}


def _attachments(described: Described, gateways: Mapping[str, str | None],
                 problems: Problems) -> dict[str, TgwAttachment]:
    general = described.table("TransitGatewayAttachments")
    of_vpcs = described.table("TransitGatewayVpcAttachments")
    out: dict[str, TgwAttachment] = {}
    for key in dict.fromkeys([*general, *of_vpcs]):
        built = _attachment(key, general.get(key), of_vpcs.get(key), gateways, problems)
        if built is not None:
            out[key] = built
    return out


def _owners_view(item: Item, gateway: str, gateways: Mapping[str, str | None]) -> bool:
    """Whether the input shows the attachment as the gateway's owner sees it:
    only the owner sees its association (the route table is the owner's), so
    in another account's describe output a missing `Association` says nothing."""
    if gateway not in gateways:
        return False
    owner, attacher = gateways[gateway] or item.data.get("TransitGatewayOwnerId"), item.data.get("ResourceOwnerId")
    return not (owner and attacher and owner != attacher)


def _attachment(key: str, item: Item | None, vpc_item: Item | None, gateways: Mapping[str, str | None],
                problems: Problems) -> TgwAttachment | None:
    first = item or vpc_item
    if state(first.data.get("State")) not in CARRYING:
        return None
    gateway = text(first, "TransitGatewayId", problems)
    if item is not None and vpc_item is not None and vpc_item.data.get("TransitGatewayId") != gateway:
        problems.error(vpc_item.where, f"{key} is of transit gateway {vpc_item.data.get('TransitGatewayId')} "
                                       f"here but of {gateway} at {item.where}")
        return None
    kind = text(item, "ResourceType", problems) if item is not None else "vpc"
    if gateway is None or kind is None:
        return None
    vpc = None
    if kind == "vpc":
        vpc = text(vpc_item, "VpcId", problems) if vpc_item is not None else text(item, "ResourceId", problems)
    missing = []
    if item is None:
        missing.append("its route table association (describe-transit-gateway-attachments)")
    if kind == "vpc" and vpc_item is None:
        missing.append("its subnets (describe-transit-gateway-vpc-attachments)")
    association = item.data.get("Association") if item is not None else None
    if item is not None and association is None and not _owners_view(item, gateway, gateways):
        missing.append("its route table association (seen only by the transit gateway's owner)")
    if missing:
        problems.warn(first.where, f"{key}: {' and '.join(missing)} not in the input: the attachment is "
                                   "left out, so what passes through it is a free choice")
        return None
    table = None
    if state(association) in ("associated", "associating"):
        table = text(Item(item.file, f"{item.path}.Association", association), "TransitGatewayRouteTableId",
                     problems)
    subnets = texts(vpc_item, "SubnetIds", problems) if vpc_item is not None else ()
    return TgwAttachment(key=key, transit_gateway=gateway, vpc=vpc, subnets=subnets, route_table=table,
                         kind=kind, name=name_tag(first.data.get("Tags")), origin=origin(first))


def _route_tables(described: Described, prefix_lists: Mapping[str, PrefixList],
                  problems: Problems) -> dict[str, TgwRouteTable]:
    out: dict[str, TgwRouteTable] = {}
    listed = described.table("TransitGatewayRouteTables")
    for key, item in listed.items():
        if state(item.data.get("State")) in _GONE:
            continue
        gateway = text(item, "TransitGatewayId", problems)
        found = described.tgw_routes.get(key)
        if found is None:
            problems.warn(item.where, f"routes of {key} not in the input (search-transit-gateway-routes): "
                                      "the table is left out, what it routes is a free choice")
            continue
        if not found.complete:
            problems.warn(found.where, f"search-transit-gateway-routes showed only some routes of {key} "
                                       "(AdditionalRoutesAvailable): the table is left out, what it routes "
                                       "is a free choice")
            continue
        routes = _routes(key, found.items, prefix_lists, problems)
        if gateway is None or routes is None:
            continue
        propagations = []
        for entry in _objects(described.tgw_propagations.get(key, []), problems):
            if state(entry.data.get("State")) == "enabled":
                attachment = text(entry, "TransitGatewayAttachmentId", problems)
                if attachment is not None:
                    propagations.append(attachment)
        out[key] = TgwRouteTable(key=key, transit_gateway=gateway, routes=tuple(routes),
                                 propagations=tuple(dict.fromkeys(propagations)),
                                 name=name_tag(item.data.get("Tags")), origin=origin(item))
    for key, found in described.tgw_routes.items():
        if key not in listed:
            problems.warn(found.where, f"routes of {key} are given but the table is not "
                                       "(describe-transit-gateway-route-tables): they are not read")
    return out


def _objects(entries: list[Item], problems: Problems) -> list[Item]:
    out = []
    for entry in entries:
        if isinstance(entry.data, dict):
            out.append(entry)
        else:
            problems.error(entry.where, "expected an object")
    return out


def _routes(table: str, entries: list[Item], prefix_lists: Mapping[str, PrefixList],
            problems: Problems) -> list[TgwRoute] | None:
    """The table's routes; None when some destination is unknown (the table is then left out)."""
    routes: list[TgwRoute] = []
    unknown = False
    for entry in _objects(entries, problems):
        route_state = state(entry.data.get("State"))
        if route_state in _GONE:
            continue
        destinations = _destinations(table, entry, prefix_lists, problems)
        if destinations is None:
            unknown = True
            continue
        if not destinations:
            continue  # reported
        if route_state == "blackhole":
            routes += [TgwRoute(d, None, True, origin(entry)) for d in destinations]
            continue
        targets = [text(a, "TransitGatewayAttachmentId", problems)
                   for a in items(entry, "TransitGatewayAttachments", problems)]
        targets = [t for t in dict.fromkeys(targets) if t]
        if not targets:
            problems.error(entry.where, "an active route needs an attachment in TransitGatewayAttachments "
                                        "(or State blackhole)")
            continue
        routes += [TgwRoute(d, t, False, origin(entry)) for d in destinations for t in targets]
    return None if unknown else routes


def _destinations(table: str, entry: Item, prefix_lists: Mapping[str, PrefixList],
                  problems: Problems) -> tuple[Cidr, ...] | None:
    cidr, pl_id = entry.data.get("DestinationCidrBlock"), entry.data.get("PrefixListId")
    if (cidr is None) == (pl_id is None):
        problems.error(entry.where, "a transit gateway route needs exactly one of DestinationCidrBlock and "
                                    "PrefixListId")
        return ()
    if cidr is not None:
        family = Family.V6 if isinstance(cidr, str) and ":" in cidr else Family.V4
        found = parse_cidr(cidr, family, at(entry, "DestinationCidrBlock"), problems)
        return () if found is None else (found,)
    listed = prefix_lists.get(pl_id) if isinstance(pl_id, str) else None
    if listed is None:
        problems.warn(at(entry, "PrefixListId"), f"{table} routes prefix list {pl_id}, whose entries are not "
                                                 "in the input: the table is left out, what it routes is a "
                                                 "free choice")
        return None
    return listed.cidrs
