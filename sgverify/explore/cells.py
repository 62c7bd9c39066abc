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

from bisect import bisect_left, bisect_right
from collections import Counter
from typing import Callable

from ..model import CidrPeer, Direction, Family, GroupPeer, Network, PrefixListPeer, Rule, UnknownPeer
from ..model import intervals as iv
from ..model.addresses import UNFILTERED_SERVICES
from ..model.service import SERVICE_TOP
from ..regions import Principal, address_space
from ..regions.compiled import compiled

FAMILIES = (Family.V4, Family.V6)
Span = tuple[tuple[int, int], ...]
NOTHING: Span = ()
EVERYTHING: Span = ((0, SERVICE_TOP),)


class Spans:
    """Interned service spans and their unions: a matrix repeats the same few.

    Unions and intersections are remembered by the ids of their operands, so
    every span handed in must be one this object interned (it keeps those
    alive, and an id is never reused while its object lives).
    """

    def __init__(self) -> None:
        self._known: dict[Span, Span] = {}
        self._unions: dict[tuple[int, int], Span] = {}
        self._meets: dict[tuple[int, int], Span] = {}

    def intern(self, intervals) -> Span:
        value = tuple(iv.normalize(intervals))
        return self._known.setdefault(value, value)

    def union(self, a: Span, b: Span) -> Span:
        if not a or a is b:
            return b
        if not b:
            return a
        key = (id(a), id(b))
        found = self._unions.get(key)
        if found is None:
            found = self._unions[key] = self.intern(a + b)
        return found

    def meet(self, a: Span, b: Span) -> Span:
        if not a or not b:
            return NOTHING
        if a is b:
            return a
        key = (id(a), id(b))
        found = self._meets.get(key)
        if found is None:
            found = self._meets[key] = self.intern(iv.intersect(list(a), list(b)))
        return found


class SideFilter:
    """What one set of groups admits in one direction, cut to the asked services.

    Per family, the CIDR and prefix-list rules (with, for egress, the
    never-filtered link-local blocks) become segments of the address line,
    each with the services it admits certainly and possibly. Group rules are
    kept per referenced group; unknown peers, and groups with unknown members,
    add only possible services.
    """

    def __init__(self, network: Network, rules: tuple[Rule, ...], direction: Direction,
                 traffic: Span | None, spans: Spans):
        self.spans = spans
        self.groups: dict[str, tuple[Span, Span]] = {}
        self.unknown = NOTHING  # services admitted from any peer for some choice
        self.opaque = NOTHING  # services for members of groups whose members are unknown
        facts = compiled(network)
        blocks: dict[Family, dict[tuple, tuple[Span, Span]]] = {f: {} for f in FAMILIES}
        full = spans.intern(traffic if traffic is not None else EVERYTHING)
        if direction is Direction.EGRESS:
            for family in FAMILIES:
                blocks[family][tuple(iv.of_cidrs(UNFILTERED_SERVICES, family))] = (full, full)
        for rule in rules:
            services = facts.services(rule)
            services = spans.intern(services if traffic is None else iv.intersect(list(services), list(traffic)))
            if not services:
                continue
            certain = NOTHING if rule.service_unknown else services
            peer = rule.peer
            if isinstance(peer, (CidrPeer, PrefixListPeer)):
                for family in FAMILIES:
                    key = tuple(facts.peer_blocks(rule, family))
                    if key:
                        self._add(blocks[family], key, certain, services)
            elif isinstance(peer, GroupPeer):
                self._add(self.groups, peer.group, certain, services)
                known = network.groups.get(peer.group)
                if known is not None and known.opaque:
                    self.opaque = spans.union(self.opaque, services)
            elif isinstance(peer, UnknownPeer):
                self.unknown = spans.union(self.unknown, services)
        self.blocks = {f: tuple(sorted(b.items())) for f, b in blocks.items()}
        # Group sets whose rules admit the same, once cut to the traffic, share one summary.
        self.content = (direction, tuple(self.blocks.values()), tuple(sorted(self.groups.items())),
                        self.unknown, self.opaque)
        self._segments: list[tuple | None] = [None] * len(FAMILIES)  # per family: (starts, admits)
        self._at: dict[tuple, tuple[Span, Span]] = {}

    def _add(self, table: dict, key, certain: Span, possible: Span) -> None:
        old_certain, old_possible = table.get(key, (NOTHING, NOTHING))
        table[key] = (self.spans.union(old_certain, certain), self.spans.union(old_possible, possible))

    # -- a concrete peer -------------------------------------------------------

    def toward(self, per_family: tuple, groups: frozenset[str]) -> tuple:
        """Per family, per (address, private) of a resource in `groups`, the
        (certain, possible) services admitted with it as the peer."""
        out = []
        for number, addresses in enumerate(per_family):
            if not addresses:
                out.append(())
                continue
            starts, values = self._segments_of(number)
            memo = self._at
            admits = []
            for address, private in addresses:
                index = bisect_right(starts, address) - 1
                key = (number, index, groups if private else None)  # references match private addresses only
                found = memo.get(key)
                if found is None:
                    found = memo[key] = self._with_groups(values[index], groups if private else ())
                admits.append(found)
            out.append(tuple(admits))
        return tuple(out)

    def _with_groups(self, segment: tuple[Span, Span], groups) -> tuple[Span, Span]:
        certain, possible = segment
        for group in groups:
            admits = self.groups.get(group)
            if admits is not None:
                certain = self.spans.union(certain, admits[0])
                possible = self.spans.union(possible, admits[1])
        return certain, self.spans.union(possible, self.unknown)

    def _segments_of(self, number: int):
        found = self._segments[number]
        if found is None:
            found = self._segments[number] = self._cut(FAMILIES[number])
        return found

    def _cut(self, family: Family):
        """The address line cut at every block edge, with what each piece admits."""
        points = {0}
        for intervals, _ in self.blocks[family]:
            for lo, hi in intervals:
                points.add(lo)
                if hi < family.top:
                    points.add(hi + 1)
        starts = sorted(points)
        certain: list[Span] = [NOTHING] * len(starts)
        possible: list[Span] = [NOTHING] * len(starts)
        union = self.spans.union
        for intervals, (add_certain, add_possible) in self.blocks[family]:
            for lo, hi in intervals:
                for index in range(bisect_left(starts, lo), bisect_right(starts, hi)):
                    certain[index] = union(certain[index], add_certain)
                    possible[index] = union(possible[index], add_possible)
        return starts, list(zip(certain, possible))

    # -- unmanaged peers --------------------------------------------------------

    def toward_space(self, family: Family, space: iv.Intervals) -> tuple[Span, Span, iv.Intervals]:
        """(certain, possible, the addresses of `space` admitted with some service) for
        unmanaged addresses in `space` as the peer (never a group member)."""
        certain = possible = NOTHING
        admitted: list[tuple[int, int]] = []
        for intervals, (add_certain, add_possible) in self.blocks[family]:
            hit = iv.intersect(list(intervals), space)
            if hit:
                certain = self.spans.union(certain, add_certain)
                possible = self.spans.union(possible, add_possible)
                admitted += hit
        anyone = self.spans.union(self.unknown, self.opaque)
        if anyone:
            possible = self.spans.union(possible, anyone)
            admitted = list(space)
        return certain, possible, iv.normalize(admitted)


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
        self._plan: tuple | None = None
        self._alike: dict[tuple, tuple[SideFilter, dict]] = {}
        self._interned: dict[tuple, tuple] = {}
        self._combined: dict[tuple[int, int], object] = {}
        self._own: dict[str, tuple] = {}  # name -> (per family (address, private)..., groups)
        self._spaces: dict[tuple, tuple] = {}
        self._shared = _sharing_an_address(network)

    def row(self, source: Principal, destinations: list[Principal]) -> list:
        """The cells of one row, None where the region engine must answer."""
        own = self._sides(source) if source.is_resource else None
        if own is None:
            return [self.cell(source, d) for d in destinations]
        egress_summary, to_peer = own[0]
        name = source.name
        combined, combine = self._combined, self._combine
        out = []
        for peer, sides, principal in self._columns(destinations):
            if sides is None:
                out.append(self._with_unmanaged(name, egress_summary, principal, True) if peer is None else None)
            elif peer == name:
                out.append(self._self(name))
            else:
                egress = to_peer.get(peer) or self._toward(own[0], peer)
                ingress = sides[1][1].get(name) or self._toward(sides[1], name)
                found = combined.get((id(egress), id(ingress)))
                out.append(found if found is not None else combine(egress, ingress))
        return out

    def _columns(self, destinations: list[Principal]) -> list[tuple]:
        """(resource name or None if unmanaged, its sides or None, principal) per
        destination; the same list comes for every row, so it is read once."""
        if self._plan is None or self._plan[0] is not destinations:
            self._plan = (destinations, [(d.name if d.is_resource else None,
                                          self._sides(d) if d.is_resource else None, d) for d in destinations])
        return self._plan[1]

    def cell(self, source: Principal, destination: Principal):
        """One cell, or None if the region engine must answer it."""
        if source.is_resource and self._sides(source) is not None:
            return self.row(source, [destination])[0]
        if not source.is_resource and destination.is_resource and self._sides(destination) is not None:
            return self._with_unmanaged(destination.name, self._sides(destination)[1][0], source, False)
        return None

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
        egress = self._toward(sending[0], destination.name)
        ingress = self._toward(receiving[1], source.name)
        return tuple(zip(self._own[source.name][0], self._own[destination.name][0], egress, ingress))

    def _sides(self, principal: Principal) -> tuple | None:
        """(egress, ingress) of a concrete resource, not narrowed, sharing no
        address with another; else None."""
        found = self._by_principal.get(principal, False)
        if found is False:
            found = self._by_principal[principal] = self._sides_of(principal)
        return found

    def _sides_of(self, principal: Principal) -> tuple | None:
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
        return self._side(name, groups, Direction.EGRESS), self._side(name, groups, Direction.INGRESS)

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
        per_family, _ = self._own[resource]
        certain = possible = NOTHING
        partial = False
        for family, addresses in zip(FAMILIES, per_family):
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
        key = (certain, possible, partial)
        found = self._made.get(key)
        if found is None:
            found = self._made[key] = self._make(
                certain, tuple(iv.subtract(list(possible), list(certain), SERVICE_TOP)), bool(possible) and partial)
        return found


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


def _sharing_an_address(network: Network) -> frozenset[str]:
    """Resources with a concrete address that another resource has too."""
    owners: Counter = Counter()
    for resource in network.resources.values():
        for value in set(resource.ips + resource.public_ips):
            owners[value] += 1
    shared = {value for value, count in owners.items() if count > 1}
    if not shared:
        return frozenset()
    return frozenset(r.name for r in network.resources.values() if shared & set(r.ips + r.public_ips))
