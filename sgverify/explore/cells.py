"""Matrix cells from each side's filter, without building regions.

A cell needs only the services delivered between two places (certainly, and
for some free choice) and whether some address of the row sends none of them.
The region engine gets there through boxes of addresses x services, a few
milliseconds a pair; a matrix of 1,000 resources has a million pairs.

Here each distinct set of groups gets one summary per direction
(`SideFilter`), cut to the asked traffic: per address segment, the services
its CIDR and prefix-list rules admit; per referenced group, the services its
members get; what unknown peers and opaque groups may add. A cell is then a
few lookups and interval intersections, per address of each side.

The summary answers only pairs where a packet's source and destination can
never be one address: two different resources with concrete addresses and
none in common, or a concrete resource and unmanaged addresses (whose space
leaves out every concrete address). Every other pair (symbolic resources,
shared addresses, a resource with itself) goes to the region engine; the tests
compare both on random networks, cell by cell.
"""

from __future__ import annotations

from collections import Counter
from typing import Callable

from ..model import Direction, Family, Network
from ..model import intervals as iv
from ..model.service import SERVICE_TOP
from ..regions import Principal, address_space
from ..regions.compiled import compiled
from .sides import FAMILIES, NOTHING, SideFilter, Span, Spans


class FastCells:
    """Cells of the pairs a `SideFilter` can answer (None for every other pair).

    `make(certain, possible_only, partial)` builds a cell; equal cells are
    made once and shared.
    """

    def __init__(self, network: Network, traffic: Span | None, make: Callable = lambda *cell: cell):
        self.network = network
        self.traffic = traffic
        self.spans = Spans()
        self._make = make
        self._made: dict[tuple, object] = {}
        self._filters: dict[tuple[frozenset[str], Direction], tuple[SideFilter, dict]] = {}
        self._by_principal: dict[Principal, tuple | None] = {}
        self._group_sets: dict[frozenset[str], frozenset[str]] = {}
        self._plan: _Plan | None = None
        self._rows: dict[int, tuple] = {}  # id of an egress side -> (plan, its answer per column)
        self._alike: dict[tuple, tuple[SideFilter, dict]] = {}
        self._interned: dict[tuple, tuple] = {}
        self._combined: dict[tuple[int, int], object] = {}
        self._own: dict[str, tuple] = {}  # name -> (per family (address, private)..., groups)
        self._spaces: dict[tuple, tuple] = {}
        self._unmanaged: dict[tuple, tuple] = {}
        self._shared = sharing_an_address(network)

    def row(self, source: Principal, destinations: list[Principal]) -> list:
        """The cells of one row, None where the region engine must answer."""
        own = self._sides(source) if source.is_resource else None
        if own is None:
            return [self.cell(source, d) for d in destinations]
        plan = self._columns(destinations)
        name = source.name
        # A million cells: per column only list lookups; each egress side's answers toward
        # every column are kept, and each ingress side answers toward this row once.
        outgoing = self._outgoing(own.egress, plan)
        incoming = [self._toward(side, name) for side in plan.ingress_sides] + [NOTHING]
        pairs = list(zip(map(id, outgoing), map(id, [incoming[k] for k in plan.ingress_of])))
        combined = self._combined
        out = [combined.get(pair) for pair in pairs]
        answered_otherwise = plan.special | plan.named.get(name, set())
        for index in [i for i, found in enumerate(out) if found is None]:
            if index not in answered_otherwise:
                out[index] = self._combine(outgoing[index], incoming[plan.ingress_of[index]])
        for index in plan.special:
            peer, _, principal = plan.columns[index]
            out[index] = self._with_unmanaged(name, own.egress[0], principal, True) if peer is None else None
        for index in plan.named.get(name, ()):
            out[index] = self._self(name)
        return out

    def _columns(self, destinations: list[Principal]) -> "_Plan":
        """The columns, read once: the same list comes for every row."""
        if self._plan is None or self._plan.destinations is not destinations:
            self._plan = _Plan(destinations, [(d.name if d.is_resource else None,
                                               self._sides(d) if d.is_resource else None, d) for d in destinations])
        return self._plan

    def _outgoing(self, side: tuple[SideFilter, dict], plan: "_Plan") -> list:
        """Per column, what the egress side admits toward it (NOTHING for the
        columns the row answers otherwise)."""
        key = id(side)
        found = self._rows.get(key)
        if found is None or found[0] is not plan:
            values = [NOTHING if peer is None or sides is None else self._toward(side, peer)
                      for peer, sides, _ in plan.columns]
            found = self._rows[key] = (plan, values)
        return found[1]

    def cell(self, source: Principal, destination: Principal):
        """One cell, or None if the region engine must answer it."""
        own = self._sides(source) if source.is_resource else None
        if own is not None:
            return self._pair(source.name, own, destination)
        if not source.is_resource and destination.is_resource and self._sides(destination) is not None:
            return self._with_unmanaged(destination.name, self._sides(destination).ingress[0], source, False)
        return None

    def _pair(self, name: str, own: "_Sides", destination: Principal):
        """A cell of the row of plain resource `name` (what row() computes per column)."""
        sides = self._sides(destination) if destination.is_resource else None
        if sides is None:
            return None if destination.is_resource else self._with_unmanaged(name, own.egress[0], destination, True)
        if destination.name == name:
            return self._self(name)
        egress, ingress = self._toward(own.egress, destination.name), self._toward(sides.ingress, name)
        found = self._combined.get((id(egress), id(ingress)))
        return found if found is not None else self._combine(egress, ingress)

    def admits(self, source: Principal, destination: Principal) -> tuple | None:
        """Per family: (the source's addresses, the destination's addresses, what the
        source's egress admits toward each destination address, what the destination's
        ingress admits from each source address); addresses as (value, private), admits
        as (certain, possible). None for a pair the summaries cannot answer (as for cells)."""
        if not (source.is_resource and destination.is_resource) or source.name == destination.name:
            return None
        sending, receiving = self._sides(source), self._sides(destination)
        if sending is None or receiving is None:
            return None
        egress = self._toward(sending.egress, destination.name)
        ingress = self._toward(receiving.ingress, source.name)
        return tuple(zip(self._own[source.name][0], self._own[destination.name][0], egress, ingress))

    def _sides(self, principal: Principal) -> "_Sides | None":
        """The sides of a concrete resource, not narrowed, sharing no address
        with another; else None."""
        found = self._by_principal.get(principal, False)
        if found is False:
            found = self._by_principal[principal] = self._sides_of(principal)
        return found

    def _sides_of(self, principal: Principal) -> "_Sides | None":
        if principal.within is not None or principal.public_only or principal.excluding:
            return None
        name = principal.name
        resource = self.network.resources.get(name)
        if resource is None or resource.symbolic or name in self._shared:
            return None
        private = set(resource.ips)
        groups = frozenset(resource.groups)
        groups = self._group_sets.setdefault(groups, groups)  # one object: a cheap key in SideFilter.at
        per_family = tuple(tuple((v, (f, v) in private) for v in sorted(set(resource.addresses(f))))
                           for f in FAMILIES)
        self._own[name] = (per_family, groups)
        return _Sides(self, name, groups)

    def _side(self, name: str, groups: frozenset[str], direction: Direction) -> tuple[SideFilter, dict]:
        """A group set's filter in one direction, with its answers per peer so far."""
        key = (groups, direction)
        found = self._filters.get(key)
        if found is None:
            rules = compiled(self.network).side_rules(name, direction)
            summary = SideFilter(self.network, rules, direction, self.traffic, self.spans)
            found = self._filters[key] = self._alike.setdefault(summary.content, (summary, {}))
        return found

    def _toward(self, side: tuple[SideFilter, dict], peer: str) -> tuple:
        """Per family, per address of `peer`, what the side admits from (or to) it.
        Equal answers are one object, so combinations of them are computed once."""
        summary, known = side
        found = known.get(peer)
        if found is None:
            value = summary.toward(*self._own[peer])
            found = known[peer] = self._interned.setdefault(value, value)
        return found

    def _combine(self, egress: tuple, ingress: tuple):
        """Services some (source address, destination address) pair gets, per family
        (the caller looks in `_combined` first)."""
        found = self._combined[(id(egress), id(ingress))] = self._result(*_meet_addresses(self.spans, egress, ingress))
        return found

    def _self(self, name: str):
        """A resource with at most one address per family sends itself no packet."""
        per_family, _ = self._own[name]
        return self._result(NOTHING, NOTHING, False) if all(len(a) <= 1 for a in per_family) else None

    def _with_unmanaged(self, resource: str, side: SideFilter, unmanaged: Principal, outbound: bool):
        """A cell between a resource and unmanaged addresses. `side` is the
        resource's egress (outbound) or ingress; the unmanaged side filters nothing."""
        # The cell depends on the resource only through which families it has addresses in.
        present = tuple(bool(addresses) for addresses in self._own[resource][0])
        key = (id(side), outbound, present, id(unmanaged))
        found = self._unmanaged.get(key)
        if found is None or found[0] is not unmanaged:  # the entry keeps the principal alive
            found = self._unmanaged[key] = (unmanaged, self._unmanaged_cell(side, unmanaged, outbound, present))
        return found[1]

    def _unmanaged_cell(self, side: SideFilter, unmanaged: Principal, outbound: bool, present: tuple[bool, ...]):
        certain = possible = NOTHING
        partial = False
        for family, addresses in zip(FAMILIES, present):
            space = address_space(self.network, unmanaged, family)
            add_possible, senders = NOTHING, []
            if addresses and space:
                add_certain, add_possible, senders = self._toward_space(side, family, unmanaged, space)
                certain = self.spans.union(certain, add_certain)
                possible = self.spans.union(possible, add_possible)
            if outbound:  # every address of the resource sends, or none does
                partial = partial or (bool(addresses) and not add_possible)
            else:  # the unmanaged addresses the ingress admits with some service
                partial = partial or bool(iv.subtract(space, senders, family.top))
        return self._result(certain, possible, partial)

    def _toward_space(self, side: SideFilter, family: Family, principal: Principal, space) -> tuple:
        # Keyed by the principal's id (hashing one hashes all its blocks); the
        # entry keeps the principal alive, so the id cannot be reused meanwhile.
        key = (id(side), family is Family.V4, id(principal))
        found = self._spaces.get(key)
        if found is None or found[0] is not principal:
            found = self._spaces[key] = (principal, side.toward_space(family, space))
        return found[1]

    def _result(self, certain: Span, possible: Span, partial: bool):
        key = (certain, possible, partial and bool(possible))  # one empty cell, however reached
        found = self._made.get(key)
        if found is None:
            found = self._made[key] = self._make(
                certain, tuple(iv.subtract(list(possible), list(certain), SERVICE_TOP)), bool(possible) and partial)
        return found


class _Sides:
    """A plain resource's (summary, answers so far) per direction, each built when
    first asked: a diff's summary pairs need one side of each resource, a matrix both."""

    __slots__ = ("_cells", "_name", "_groups", "_egress", "_ingress")

    def __init__(self, cells: FastCells, name: str, groups: frozenset[str]):
        self._cells, self._name, self._groups = cells, name, groups
        self._egress: tuple[SideFilter, dict] | None = None
        self._ingress: tuple[SideFilter, dict] | None = None

    @property
    def egress(self) -> tuple[SideFilter, dict]:
        if self._egress is None:
            self._egress = self._cells._side(self._name, self._groups, Direction.EGRESS)
        return self._egress

    @property
    def ingress(self) -> tuple[SideFilter, dict]:
        if self._ingress is None:
            self._ingress = self._cells._side(self._name, self._groups, Direction.INGRESS)
        return self._ingress


class _Plan:
    """The columns of a matrix, as FastCells.row reads them for every row."""

    def __init__(self, destinations: list[Principal], columns: list[tuple]):
        self.destinations = destinations
        self.columns = columns  # (resource name or None, its sides or None, principal)
        # Columns no pair of summaries answers: unmanaged places and resources that are
        # not plain (`special`), and in each row the row's own column (`named`).
        sides_at: dict[int, int] = {}
        self.ingress_sides: list[tuple] = []
        self.ingress_of: list[int] = []  # per column: index into ingress_sides, or -1
        for _, sides, _ in columns:
            if sides is None:
                self.ingress_of.append(-1)
                continue
            index = sides_at.get(id(sides.ingress))
            if index is None:
                index = sides_at[id(sides.ingress)] = len(self.ingress_sides)
                self.ingress_sides.append(sides.ingress)
            self.ingress_of.append(index)
        self.special = {i for i, (_, sides, _) in enumerate(columns) if sides is None}
        self.named: dict[str, set[int]] = {}  # a resource's own columns (its cell with itself)
        for index, (peer, sides, _) in enumerate(columns):
            if sides is not None:
                self.named.setdefault(peer, set()).add(index)


def _meet_addresses(spans: Spans, egress: tuple, ingress: tuple) -> tuple[Span, Span, bool]:
    """(certain, possible, some source address sends nothing) over every address pair."""
    meet, union = spans.meet, spans.union
    certain = possible = NOTHING
    partial = False
    for to_destination, from_source in zip(egress, ingress):
        for source_certain, source_possible in from_source:
            sends = False
            for destination_certain, destination_possible in to_destination:
                certain = union(certain, meet(destination_certain, source_certain))
                both = meet(destination_possible, source_possible)
                if both:
                    possible = union(possible, both)
                    sends = True
            partial = partial or not sends
    return certain, possible, partial


def sharing_an_address(network: Network) -> frozenset[str]:
    """Resources with a concrete address that another resource has too."""
    owners: Counter = Counter()
    for resource in network.resources.values():
        for value in set(resource.ips + resource.public_ips):
            owners[value] += 1
    shared = {value for value, count in owners.items() if count > 1}
    if not shared:
        return frozenset()
    return frozenset(r.name for r in network.resources.values() if shared & set(r.ips + r.public_ips))
