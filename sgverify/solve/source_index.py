"""Which source ends a destination's groups may admit, found without asking each.

An `only` or `deny` to one resource asks, of every end of a large network,
whether the destination's rules could admit it (path_sides.Admitted). Most
cannot; this index finds the few that may by the groups their resources
carry, by a public address whose value is not known, and by their addresses
in one sorted list, so the per-end check runs only on those. It over-approximates
(an end's whole space, not the part a query counts): the exact check follows.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict

from ..model.ends import EndKind
from ..model.legs import Legs

WIDE = 1 << 16  # intervals at least this long are few (outside hosts, stand-ins): kept apart


class SourceIndex:
    def __init__(self, legs: Legs, ends):
        network = legs.network
        self.ids: set[int] = set()
        self.by_group: dict[str, set[int]] = defaultdict(set)
        self.free_public: set[int] = set()
        self.wide: list[tuple[int, int, int]] = []
        narrow: list[tuple[int, int, int]] = []
        for end in ends:
            key = id(end)
            self.ids.add(key)
            if end.kind is EndKind.RESOURCE:
                for group in network.resources[end.resource].groups:
                    self.by_group[group].add(key)
            if end.public is not None:
                if end.public.fixed:
                    narrow.append((end.public.value, end.public.value, key))
                else:
                    self.free_public.add(key)
            for lo, hi in end.space:
                (self.wide if hi - lo >= WIDE else narrow).append((lo, hi, key))
        narrow.sort()
        self.narrow = narrow
        self.starts = [lo for lo, _, _ in narrow]

    def candidates(self, admitted) -> set[int] | None:
        """Ids of the ends the Admitted filter may pass; None when it passes any."""
        if admitted.anyone:
            return None
        found = set(self.free_public)
        for group in admitted.groups:
            found |= self.by_group.get(group, set())
        for lo, hi in admitted.addresses:
            # a narrow interval meeting [lo, hi] starts after lo - WIDE and at or before hi
            first, last = bisect_left(self.starts, lo - WIDE + 1), bisect_right(self.starts, hi)
            found.update(key for _, end_hi, key in self.narrow[first:last] if end_hi >= lo)
            found.update(key for a, b, key in self.wide if a <= hi and b >= lo)
        return found
