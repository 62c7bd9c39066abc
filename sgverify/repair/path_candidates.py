"""The path-layer edits one counterexample suggests.

A request that must not arrive names, hop by hop, the NACL entries that admitted it
and the routes that carried it: each entry may be narrowed (its block minus the
forbidden addresses, its ports minus the forbidden ones), preceded by deny entries
for the forbidden traffic, or removed; each route may be removed. A connection that
must complete and finds no route (there, or back) may get the route a person writes:
the peer VPC's block to the peering, or the whole address family to the internet
gateway (the one the request came in through, or its VPC's, for a request out).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..explore.repair_candidates import _services_for, endpoint_space, narrowed_service
from ..explore.repair_nacl import _blocks, _private_space
from ..model import Family
from ..model import intervals as iv
from ..model.addresses import Cidr
from ..model.topology import AclAction, AclEntry, Route, TargetKind
from ..spec import Kind
from .path_edits import (COST_ADD_ROUTE, COST_DENY_ENTRY, COST_DENY_EVERY_PEER, COST_NARROW_ENTRY,
                         COST_REMOVE_ENTRY, COST_REMOVE_ROUTE, MAX_ENTRIES, EntryEdit, EntryTarget, RouteEdit,
                         RouteTarget, numbers_beside)


def _always(*_) -> bool:
    return True


@dataclass(frozen=True)
class PathEditable:
    """Which entries and routes a writer can change, and which tables it can add to."""

    entry: object = _always  # (nacl key, AclEntry) -> bool
    route: object = _always  # (table key, Route) -> bool
    table: object = _always  # table key -> bool


@dataclass
class Through:
    """What a delivered request ran through: originals to change, or chosen edits to drop."""

    originals: set = field(default_factory=set)
    added: set = field(default_factory=set)
    candidates: list = field(default_factory=list)


# ---------------------------------------------------------------- a request that must not arrive

def through(network, edited, assertion, cx, chosen, editable: PathEditable) -> Through:
    out = Through()
    for hop in cx.path:
        if hop.reply:
            continue
        if hop.step == "nacl" and hop.outcome == "admits":
            _entry_hop(network, edited, assertion, cx, hop.element, chosen, editable, out)
        elif hop.step == "route" and hop.outcome == "taken" and hop.element.startswith("route "):
            _route_hop(network, edited, hop.element, chosen, editable, out)
    return out


def _entry_hop(network, edited, assertion, cx, element: str, chosen, editable, out: Through) -> None:
    key, _, rest = element.partition(" (")
    direction, _, number = rest.partition(") ")[2].partition(" #")
    acl = edited.topology.nacls.get(key)
    if acl is None or not number.isdigit():
        return
    egress = direction == "outbound"
    entry = next((e for e in acl.entries(egress) if e.number == int(number)), None)
    for edit in chosen:
        if isinstance(edit, EntryEdit) and edit.target.nacl == key and entry in edit.entries:
            out.originals.add(edit.target)  # an edit of it let this through: it must change otherwise
            out.candidates += entry_candidates(network, assertion, edit.target, cx.packet.family)
            return
        if getattr(edit, "nacl", None) == key and entry in getattr(edit, "entries", ()):
            out.added.add(edit)  # an allow entry an earlier round added
            return
    original = network.topology.nacls.get(key)
    if entry is None or original is None or entry not in original.entries(egress) or not editable.entry(key, entry):
        return
    target = EntryTarget(key, entry)
    out.originals.add(target)
    out.candidates += entry_candidates(network, assertion, target, cx.packet.family)


def _route_hop(network, edited, element: str, chosen, editable, out: Through) -> None:
    table, _, text = element[len("route "):].partition(": ")
    for edit in chosen:
        if isinstance(edit, RouteEdit) and edit.table == table and edit.route is not None and str(edit.route) == text:
            out.added.add(edit)
            return
    original = network.topology.route_tables.get(table)
    route = next((r for r in (original.routes if original else ()) if str(r) == text), None)
    if route is None or not editable.route(table, route):
        return
    target = RouteTarget(table, route)
    out.originals.add(target)
    out.candidates.append(RouteEdit(table, target, None, COST_REMOVE_ROUTE, f"remove the route {route} from {table}"))


def forbidden_space(network, assertion, egress: bool, family: Family):
    """The addresses an entry must stop admitting: an inbound entry matches the source, an
    outbound one the destination, each as the NACL sees it (private addresses inside the VPC)."""
    ends = assertion.destinations if egress else assertion.sources
    space = iv.normalize(x for e in ends for x in _private_space(network, e, family, endpoint_space))
    if assertion.kind is Kind.ONLY and not egress:
        return iv.complement(space, family.top)
    return space


def entry_candidates(network, assertion, target: EntryTarget, family: Family) -> list[EntryEdit]:
    entry, acl = target.entry, network.topology.nacls[target.nacl]
    siblings = acl.entries(entry.egress)
    out = []
    rest = iv.subtract(iv.of_cidr(entry.cidr, family), forbidden_space(network, assertion, entry.egress, family),
                       family.top) if entry.cidr.family is family else []
    blocks = [c for lo, hi in rest for c in iv.to_cidrs(lo, hi, family)]
    if rest and rest != iv.of_cidr(entry.cidr, family) and len(blocks) <= MAX_ENTRIES:
        pieces = _pieces(siblings, entry, [replace(entry, cidr=c, text="") for c in blocks])
        if pieces:
            out.append(EntryEdit(target, pieces, COST_NARROW_ENTRY * len(pieces), f"narrow {target.label}'s block"))
    service = narrowed_service(entry.service, assertion)
    if service is not None:
        ranges = [replace(service, ports=(p,)) for p in service.ports]
        pieces = _pieces(siblings, entry, [replace(entry, service=s, text="") for s in ranges])
        if pieces:
            out.append(EntryEdit(target, pieces, COST_NARROW_ENTRY * len(pieces), f"narrow {target.label}'s ports"))
    out += _deny_before(network, assertion, target, family)
    out.append(EntryEdit(target, (), COST_REMOVE_ENTRY, f"remove {target.label}"))
    return out


def _pieces(siblings, entry: AclEntry, pieces: list[AclEntry]) -> tuple[AclEntry, ...]:
    """The pieces of a narrowed entry: the first keeps its number, the others take free
    numbers right after it (the pieces are disjoint, so their order among them is free)."""
    more = numbers_beside(siblings, entry.number, len(pieces) - 1, before=False)
    if more is None:
        return ()
    return tuple([pieces[0]] + [replace(p, number=n) for p, n in zip(pieces[1:], more)])


def _deny_before(network, assertion, target: EntryTarget, family: Family) -> list[EntryEdit]:
    """Deny entries for the forbidden traffic just before the entry that admits it, named as a
    person writes them (see repair_nacl): one per peer block and service."""
    if assertion.kind is not Kind.DENY:
        return []
    entry = target.entry
    ends = assertion.destinations if entry.egress else assertion.sources
    pairs = [(b, s) for s in _services_for(assertion) for b in _blocks(network, ends, family, endpoint_space)]
    if not pairs or len(pairs) > MAX_ENTRIES:
        return []
    siblings = network.topology.nacls[target.nacl].entries(entry.egress)
    numbers = numbers_beside(siblings, entry.number, len(pairs), before=True)
    if numbers is None:
        return []
    denies = tuple(AclEntry(n, entry.egress, AclAction.DENY, cidr, service)
                   for n, (cidr, service) in zip(numbers, pairs))
    cost = sum(COST_DENY_EVERY_PEER if d.cidr.prefix == 0 else COST_DENY_ENTRY for d in denies)
    return [EntryEdit(target, denies + (entry,), cost,
                      f"deny entries before {target.label}")]


# ---------------------------------------------------------------- a connection with no route

def route_candidates(network, cx, editable: PathEditable) -> list[RouteEdit]:
    """A route for a connection dropped for want of one: on the request from the source's
    subnet, or on the reply from the destination's."""
    topology = network.topology
    for hop in cx.path:
        if hop.step != "route" or "dropped" not in hop.outcome:
            continue
        if hop.reply:
            table = hop.element.partition(" for the reply")[0].partition(": ")[0]
            return _reply_route(network, cx, table, editable)
        source = network.resources.get(cx.source.resource or "")
        target = network.resources.get(cx.destination.resource or "")
        subnet = topology.subnets.get(source.subnet_ids[0]) if source and source.subnet_ids else None
        if subnet is None:
            return []
        if target is None:  # an address outside: the internet, through the VPC's gateway
            gateway = topology.internet_gateway_of(subnet.vpc)
            return [] if gateway is None else _to_gateway(topology, topology.route_table_of(subnet),
                                                          gateway.key, cx.packet.family, editable)
        peerings = [k for k, p in sorted(topology.peerings.items()) if p.other(subnet.vpc) == target.vpc]
        return _peering_route(network, topology.route_table_of(subnet), peerings[:1], subnet.vpc,
                              cx.packet.family, cx.packet.dst, editable)
    return []


def _reply_route(network, cx, table: str | None, editable) -> list[RouteEdit]:
    topology = network.topology
    if table not in topology.route_tables or any(h.element.startswith("NAT gateway") for h in cx.path):
        return []
    vpc, family = topology.route_tables[table].vpc, cx.packet.family
    for hop in reversed([h for h in cx.path if not h.reply]):
        words = hop.element.split()
        if hop.element.startswith("peering "):
            return _peering_route(network, table, words[1:2], vpc, family, cx.packet.src, editable)
        if hop.element.startswith("internet gateway ") and words[2] in topology.internet_gateways:
            return _to_gateway(topology, table, words[2], family, editable)
    return []


def _to_gateway(topology, table: str | None, gateway: str, family: Family, editable) -> list[RouteEdit]:
    """The whole address family to the internet gateway, as a person routes a public subnet."""
    if table not in topology.route_tables:
        return []
    everything = Cidr.parse("0.0.0.0/0" if family is Family.V4 else "::/0")
    return _added(topology, table, Route(TargetKind.INTERNET_GATEWAY, gateway, everything), editable)


def _peering_route(network, table: str | None, peerings, vpc: str, family: Family, address: int,
                   editable) -> list[RouteEdit]:
    """The far VPC's block holding `address`, to the active peering (of `peerings`) that joins
    the table's VPC to it."""
    topology = network.topology
    if table not in topology.route_tables:
        return []
    for key in peerings:
        peering = topology.peerings.get(key)
        far = topology.vpcs.get(peering.other(vpc) or "") if peering is not None else None
        if far is None or not peering.active:
            continue
        block = next((c for c in far.blocks(family) if c.contains(family, address)), None)
        if block is not None:
            return _added(topology, table, Route(TargetKind.PEERING, key, block), editable)
    return []


def _added(topology, table: str, route: Route, editable) -> list[RouteEdit]:
    routes = topology.route_tables[table].routes
    if not editable.table(table) or any(r.destination == route.destination for r in routes):
        return []  # a route for that block exists: it goes elsewhere, and changing it is not offered
    return [RouteEdit(table, None, route, COST_ADD_ROUTE, f"add the route {route} to {table}")]
