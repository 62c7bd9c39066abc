"""What one set of groups admits in one direction, summarised once.

A matrix (and a diff) asks the same sides about many peers. `SideFilter`
cuts a side's CIDR and prefix-list rules into address segments, keeps its
group rules per referenced group, and answers "what does this side admit
with that peer" by lookups; `Spans` interns the service sets involved, so
their unions and intersections are computed once. cells.py builds matrix
cells from them.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from ..model import CidrPeer, Direction, Family, GroupPeer, Network, PrefixListPeer, Rule, UnknownPeer
from ..model import intervals as iv
from ..model.addresses import UNFILTERED_SERVICES
from ..model.service import SERVICE_TOP
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
        # Asked about every pair of a matrix: kept to lookups.
        out = []
        memo, segments = self._at, self._segments
        for number, addresses in enumerate(per_family):
            if not addresses:
                out.append(())
                continue
            starts, values = segments[number] or self._segments_of(number)
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
