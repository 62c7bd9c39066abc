"""The native `route_tables` and `transit_gateways` sections.

    route_tables:
      KEY: {vpc, main, name, routes: [ROUTE]}
      ROUTE: {destination: CIDR | PREFIX-LIST-KEY  (or prefix_list: KEY),
              target: KEY, target_kind: KIND, blackhole: true}
    transit_gateways:
      KEY: {name, described: false,
            attachments: {KEY: {vpc, subnets, route_table, type, name}},
            route_tables: {KEY: {name, propagations: [ATTACHMENT], routes: [TGW-ROUTE]}}}
      TGW-ROUTE: {destination: CIDR, attachment: KEY | blackhole: true}

A route's target kind follows from the element its target names (a gateway,
a peering, a transit gateway, an endpoint, a resource); a target that is not
in the file needs `target_kind`. Route tables are finished once resources are
read, since a route may target one (an appliance).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping

from ...model import Cidr, Resource, parse_address
from ...model.topology import (
    Route,
    RouteTable,
    TargetKind,
    TgwAttachment,
    TgwRoute,
    TgwRouteTable,
    Topology,
    TransitGateway,
)
from ..fields import check_keys, parse_cidr, type_name
from ..suggest import did_you_mean
from ..yamlnodes import YList, YMap
from .values import Values, article

TABLE_KEYS = ("vpc", "main", "routes", "name")
ROUTE_KEYS = ("destination", "prefix_list", "target", "target_kind", "blackhole")
TGW_KEYS = ("name", "described", "attachments", "route_tables")
ATTACHMENT_KEYS = ("vpc", "subnets", "route_table", "type", "name")
TGW_TABLE_KEYS = ("propagations", "routes", "name")
TGW_ROUTE_KEYS = ("destination", "attachment", "blackhole")
TARGET_KINDS = {kind.value: kind for kind in TargetKind}
ATTACHMENT_TYPES = {word: word for word in ("vpc", "vpn", "direct-connect-gateway", "connect", "peering",
                                            "tgw-peering", "network-function")}
_ADDRESS_LIKE = re.compile(r"^[0-9.]+$|^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*$")


# -- what a target names ------------------------------------------------------

def element_kinds(topology: Topology, resources: Mapping[str, Resource]) -> dict[TargetKind, set[str]]:
    """The keys each kind of route target may name in this network."""
    interfaces = set(resources)
    for resource in resources.values():
        interfaces.update(resource.aliases)
    return {
        TargetKind.INTERNET_GATEWAY: set(topology.internet_gateways),
        TargetKind.EGRESS_ONLY_GATEWAY: set(topology.egress_only_gateways),
        TargetKind.NAT_GATEWAY: set(topology.nat_gateways),
        TargetKind.PEERING: set(topology.peerings),
        TargetKind.TRANSIT_GATEWAY: set(topology.transit_gateways),
        TargetKind.GATEWAY_ENDPOINT: set(topology.endpoints),
        TargetKind.INTERFACE: interfaces,
    }


def kinds_named(target: str, kinds: Mapping[TargetKind, set[str]]) -> list[TargetKind]:
    return [kind for kind, keys in kinds.items() if target in keys]


def inferred_kind(target: str, blackhole: bool, kinds: Mapping[TargetKind, set[str]]) -> TargetKind | None:
    """The kind a route written without target_kind gets; None when it needs one."""
    if not target:
        return TargetKind.OTHER if blackhole else None
    found = kinds_named(target, kinds)
    if len(found) == 1:
        return found[0]
    if not found and target == "local":
        return TargetKind.LOCAL
    return None


# -- route tables -------------------------------------------------------------

@dataclass
class _RouteDraft:
    line: int
    destination: Cidr | None
    prefix_list: str | None
    target: str
    target_line: int
    kind: TargetKind | None  # as given with target_kind
    kind_line: int
    blackhole: bool


@dataclass
class TableDraft:
    key: str
    vpc: str
    main: bool
    name: str
    line: int
    routes: list[_RouteDraft] = field(default_factory=list)


def read_route_tables(values: Values, doc: YMap) -> list[TableDraft]:
    out = []
    for key, body, line in values.elements(doc, "route_tables", "route table", TABLE_KEYS):
        what = f"route table {key!r}"
        vpc = values.text(body, "vpc", what, needed=True)
        table = TableDraft(key, vpc, values.flag(body, "main", what, False), values.text(body, "name", what), line)
        routes = body.get("routes")
        if routes is not None and not isinstance(routes, YList):
            values.report.error(body.value_line("routes"), f"routes of {what} must be a list, not {type_name(routes)}")
            routes = None
        for index, item in enumerate(routes or ()):
            if not isinstance(item, YMap):
                values.report.error(routes.item_line(index), f"a route of {what} must be a mapping, "
                                                             f"not {type_name(item)}")
                continue
            route = _route_draft(values, item, what)
            if route is not None:
                table.routes.append(route)
        if vpc:
            out.append(table)
    return out


def _route_draft(values: Values, item: YMap, what: str) -> _RouteDraft | None:
    report = values.report
    check_keys(report, item, ROUTE_KEYS, f"a route of {what}")
    errors_before = len(report.errors)
    destination, prefix_list = _destination(values, item)
    target = values.text(item, "target", "a route")
    kind = values.choice(item, "target_kind", "a route", TARGET_KINDS, TargetKind.OTHER) \
        if "target_kind" in item else None
    blackhole = values.flag(item, "blackhole", "a route", False)
    if not target and "target_kind" not in item and not blackhole and "target" not in item:
        report.error(item.line, "a route needs a target (or target_kind, or blackhole: true)")
    if len(report.errors) > errors_before:
        return None
    return _RouteDraft(item.line, destination, prefix_list, target, item.value_line("target"), kind,
                       item.value_line("target_kind"), blackhole)


def _destination(values: Values, item: YMap) -> tuple[Cidr | None, str | None]:
    report = values.report
    if "destination" in item and "prefix_list" in item:
        report.error(item.key_line("prefix_list"), "a route has one destination: give destination "
                                                   "(a CIDR or a prefix list) or prefix_list, not both")
        return None, None
    if "prefix_list" in item:
        return None, values.text(item, "prefix_list", "a route") or None
    if "destination" not in item:
        report.error(item.line, "a route needs a destination (a CIDR or the key of a prefix list)")
        return None, None
    value, line = item["destination"], item.value_line("destination")
    if not isinstance(value, str) or not value.strip():
        report.error(line, f"a route destination must be a CIDR or a prefix list key, not {type_name(value)}")
        return None, None
    if "/" in value:
        return parse_cidr(value, report, line), None
    if _ADDRESS_LIKE.match(value):
        try:
            family, _ = parse_address(value)
        except ValueError:
            report.error(line, f"route destination {value!r} is not a CIDR")
        else:
            report.error(line, f"a route destination needs a prefix length: write {value}/"
                               f"{family.width} (or name a prefix list)")
        return None, None
    return None, value


def finish_tables(values: Values, drafts: list[TableDraft], kinds: Mapping[TargetKind, set[str]]) -> dict[str, RouteTable]:
    """The route tables, each route's target kind known now that every element is read."""
    out = {}
    for table in drafts:
        routes = [_route(values, route, kinds) for route in table.routes]
        out[table.key] = RouteTable(key=table.key, vpc=table.vpc, routes=tuple(r for r in routes if r),
                                    is_main=table.main, name=table.name, origin=values.origin(table.line))
    return out


def _route(values: Values, draft: _RouteDraft, kinds: Mapping[TargetKind, set[str]]) -> Route | None:
    found = kinds_named(draft.target, kinds) if draft.target else []
    kind = draft.kind
    if kind is not None and found and kind not in found:
        values.report.error(draft.kind_line, f"route target {draft.target!r} is {_kinds(found)} in this file, "
                                             f"not {kind.value}")
        return None
    if kind is None:
        kind = inferred_kind(draft.target, draft.blackhole, kinds)
    if kind is None:
        if len(found) > 1:
            values.report.error(draft.target_line, f"route target {draft.target!r} names {_kinds(found)}: "
                                                   f"say which with target_kind")
        else:
            known = sorted(set().union(*kinds.values()))
            values.report.error(draft.target_line, f"route target {draft.target!r} is not in the file"
                                                   f"{did_you_mean(draft.target, known)}; give its target_kind "
                                                   f"({', '.join(TARGET_KINDS)}) to keep it as a free choice")
        return None
    return Route(target_kind=kind, target=draft.target, destination=draft.destination,
                 prefix_list=draft.prefix_list, blackhole=draft.blackhole, origin=values.origin(draft.line))


def _kinds(found: list[TargetKind]) -> str:
    return " and ".join(f"{article(kind.value)} {kind.value}" for kind in found)


# -- transit gateways -----------------------------------------------------------

@dataclass
class TransitParts:
    gateways: dict[str, TransitGateway] = field(default_factory=dict)
    attachments: dict[str, TgwAttachment] = field(default_factory=dict)
    tables: dict[str, TgwRouteTable] = field(default_factory=dict)


def read_transit_gateways(values: Values, doc: YMap) -> TransitParts:
    parts = TransitParts()
    for key, body, line in values.elements(doc, "transit_gateways", "transit gateway", TGW_KEYS):
        what = f"transit gateway {key!r}"
        described = values.flag(body, "described", what, True)
        name = values.text(body, "name", what)
        if described:
            parts.gateways[key] = TransitGateway(key=key, name=name, origin=values.origin(line))
        elif name:
            values.report.error(body.key_line("name"), f"{what} is not described (described: false), "
                                                       f"so it has no name here")
        for child, item, child_line in values.children(body, "attachments", f"attachments of {what}",
                                                       "attachment", ATTACHMENT_KEYS):
            attachment = _attachment(values, key, child, item, child_line)
            if attachment is not None and _unique(values, parts.attachments, child, "attachment", child_line):
                parts.attachments[child] = attachment
        for child, item, child_line in values.children(body, "route_tables", f"route_tables of {what}",
                                                       "transit gateway route table", TGW_TABLE_KEYS):
            table = _tgw_table(values, key, child, item, child_line)
            if _unique(values, parts.tables, child, "transit gateway route table", child_line):
                parts.tables[child] = table
    return parts


def _unique(values: Values, found: Mapping, key: str, what: str, line: int) -> bool:
    if key in found:
        other = found[key]
        values.report.error(line, f"{what} {key!r} is also under transit gateway {other.transit_gateway!r} "
                                  f"(line {other.origin.line}); keys are unique")
        return False
    return True


def _attachment(values: Values, tgw: str, key: str, body: YMap, line: int) -> TgwAttachment | None:
    what = f"attachment {key!r}"
    errors_before = len(values.report.errors)
    kind = values.choice(body, "type", what, ATTACHMENT_TYPES, "vpc")
    vpc = values.optional(body, "vpc", what)
    if kind == "vpc" and vpc is None and "vpc" not in body:
        values.report.error(body.line, f"{what} is a VPC attachment, so it needs vpc")
    subnets = values.keys(body, "subnets", what)
    route_table = values.optional(body, "route_table", what)
    name = values.text(body, "name", what)
    if len(values.report.errors) > errors_before or kind is None:
        return None
    return TgwAttachment(key=key, transit_gateway=tgw, vpc=vpc, subnets=subnets, route_table=route_table,
                         kind=kind, name=name, origin=values.origin(line))


def _tgw_table(values: Values, tgw: str, key: str, body: YMap, line: int) -> TgwRouteTable:
    what = f"transit gateway route table {key!r}"
    routes = body.get("routes")
    found: list[TgwRoute] = []
    if routes is not None and not isinstance(routes, YList):
        values.report.error(body.value_line("routes"), f"routes of {what} must be a list, not {type_name(routes)}")
        routes = None
    for index, item in enumerate(routes or ()):
        if not isinstance(item, YMap):
            values.report.error(routes.item_line(index), f"a route of {what} must be a mapping, not {type_name(item)}")
            continue
        route = _tgw_route(values, item, what)
        if route is not None:
            found.append(route)
    return TgwRouteTable(key=key, transit_gateway=tgw, routes=tuple(found),
                         propagations=values.keys(body, "propagations", what),
                         name=values.text(body, "name", what), origin=values.origin(line))


def _tgw_route(values: Values, item: YMap, what: str) -> TgwRoute | None:
    report = values.report
    check_keys(report, item, TGW_ROUTE_KEYS, f"a route of {what}")
    errors_before = len(report.errors)
    destination = values.cidr(item, "destination", "a transit gateway route")
    attachment = values.optional(item, "attachment", "a transit gateway route")
    blackhole = values.flag(item, "blackhole", "a transit gateway route", False)
    if "attachment" in item and blackhole:
        report.error(item.key_line("blackhole"), "a transit gateway route goes to an attachment or is a "
                                                 "blackhole, not both")
    elif "attachment" not in item and not blackhole:
        report.error(item.line, "a transit gateway route needs an attachment (or blackhole: true)")
    if len(report.errors) > errors_before or destination is None:
        return None
    return TgwRoute(destination=destination, attachment=attachment, blackhole=blackhole,
                    origin=values.origin(item.line))
