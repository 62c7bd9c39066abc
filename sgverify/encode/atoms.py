"""Address atoms: the coarsest partition of the address line that every set
a query mentions respects (no z3 here).

A query looks at an address only through membership in interval sets (group
members, rule blocks, endpoints, which profile owns it) and through
"source != destination". Two addresses in the same atom belong to exactly the
same sets, so the formula cannot tell them apart: encoding the atom's number
instead of the 32- or 128-bit address is exact, and the formula no longer
grows with the number of intervals (a 20,000-member group is one Boolean
defined over a handful of atoms). "source != destination" survives as: equal
atoms must hold at least two addresses.

The partition is one sweep over the sets' boundaries, with each address
segment's membership kept as a bitmask of set numbers; a set holding nearly
all the intervals is searched, not swept (see _Largest).
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from typing import Sequence

from ..model.intervals import normalize

Interval = tuple[int, int]


@dataclass(frozen=True)
class Atoms:
    """members[i]: the atoms making up set i (sorted); first[a]: the lowest two
    addresses of atom a (one if it has only one); count: number of atoms."""

    members: tuple[tuple[int, ...], ...]
    first: tuple[tuple[int, ...], ...]

    @property
    def count(self) -> int:
        return len(self.first)

    @property
    def roomy(self) -> tuple[int, ...]:
        """Atoms with at least two addresses."""
        return tuple(a for a, lows in enumerate(self.first) if len(lows) > 1)

    def addresses(self, src_atom: int, dst_atom: int) -> tuple[int, int]:
        """A concrete (source, destination) pair in the two atoms, distinct."""
        src = self.first[src_atom][0]
        dst_choices = self.first[dst_atom]
        dst = dst_choices[1] if dst_choices[0] == src else dst_choices[0]
        return src, dst


def partition(sets: Sequence[Sequence[Interval]], top: int, search_largest: bool | None = None) -> Atoms:
    """Atoms of [0, top] for interval sets (merged or not).

    search_largest: look the largest set up instead of sweeping it (see _Largest);
    None: when it holds nearly all the intervals, the only case where that pays.
    """
    big = max(range(len(sets)), key=lambda i: len(sets[i]), default=None)
    if search_largest is None:
        search_largest = big is not None and len(sets[big]) > SEARCH_RATIO * sum(len(s) for s in sets)
    if not search_largest:
        big = None
    toggles: dict[int, int] = {}
    for index, intervals in enumerate(sets):
        if index != big:
            bit = 1 << index
            for position in _boundaries(intervals, top):
                toggles[position] = toggles.get(position, 0) ^ bit
    largest = _Largest(sets[big], 1 << big) if big is not None else None
    atom_of: dict[int, int] = {}  # signature (bitmask of sets) -> atom
    first: list[list[int]] = []
    signature, start = 0, 0
    # One pass over the boundaries (of every set but the largest, if it is
    # searched), once per query and family. A boundary whose flips cancel (two
    # touching intervals of one set) changes nothing and is skipped.
    for position, flip in sorted(toggles.items()):
        if not flip:
            continue
        if position > start:
            if largest is not None:
                largest.add_stretch(atom_of, first, signature, start, position - 1)
            else:  # inline: an atom with its two lowest addresses needs only this lookup
                atom = atom_of.get(signature)
                if atom is None or len(first[atom]) < 2:
                    _add_segment(atom_of, first, signature, start, position - 1)
        signature ^= flip
        start = position
    if largest is not None:
        largest.add_stretch(atom_of, first, signature, start, top)
    else:
        _add_segment(atom_of, first, signature, start, top)
    return Atoms(_members(atom_of, len(sets)), tuple(tuple(lows) for lows in first))


# The search costs several times a sweep per boundary of the other sets: it pays
# only when the largest set holds nearly all the intervals (measured: 3-4x slower
# at half of them, 2x faster at 94%).
SEARCH_RATIO = 0.9


class _Largest:
    """The largest set, looked up by binary search instead of swept.

    Sets a query mentions are mostly a few intervals, but one may hold tens of
    thousands (every address no resource holds, on an estate with a resource
    per address): sweeping its boundaries cost more than the rest of the
    query. Between two boundaries of the other sets, points inside it and
    points outside it are the only two classes, and an atom needs only its two
    lowest addresses, so the first two segments of each are enough.
    """

    def __init__(self, intervals: Sequence[Interval], bit: int):
        self.intervals = _separated(intervals)
        self.highs = [hi for _, hi in self.intervals]
        self.bit = bit

    def add_stretch(self, atom_of: dict[int, int], first: list[list[int]], signature: int, lo: int, hi: int) -> None:
        """Add the segments of [lo, hi] (one signature of the other sets) that may
        give an atom one of its two lowest addresses, in address order."""
        inside, outside = self._segments(lo, hi)
        marked = [(a, b, signature | self.bit) for a, b in inside] + [(a, b, signature) for a, b in outside]
        for a, b, key in sorted(marked):
            _add_segment(atom_of, first, key, a, b)

    def _segments(self, lo: int, hi: int) -> tuple[list[Interval], list[Interval]]:
        """The first two segments of [lo, hi] inside the set, and the first two outside."""
        intervals = self.intervals
        inside: list[Interval] = []
        outside: list[Interval] = []
        cursor = lo
        index = bisect_left(self.highs, lo)
        while cursor <= hi and (len(inside) < 2 or len(outside) < 2):
            if index == len(intervals) or intervals[index][0] > hi:
                outside.append((cursor, hi))
                break
            low, high = intervals[index]
            if low > cursor:
                outside.append((cursor, low - 1))
            inside.append((max(low, cursor), min(high, hi)))
            cursor = high + 1
            index += 1
        return inside[:2], outside[:2]


def _separated(intervals: Sequence[Interval]) -> list[Interval]:
    """The intervals sorted, with a gap between any two (merged only if needed)."""
    last = -2
    for lo, hi in intervals:
        if lo <= last + 1 or hi < lo:
            return normalize(intervals)
        last = hi
    return list(intervals)


def _boundaries(intervals: Sequence[Interval], top: int) -> list[int]:
    """Where membership of a set flips: each lo and each hi + 1 below top.

    Toggling is right only for sorted, non-overlapping intervals; touching
    ones are fine (their two flips cancel). Most sets arrive merged, and
    merging thousands of intervals again per query showed in profiles, so a
    set is merged only when it needs it.
    """
    out: list[int] = []
    last = -1
    for lo, hi in intervals:
        if lo <= last or hi < lo:
            return _boundaries(normalize(intervals), top)
        out.append(lo)
        if hi < top:
            out.append(hi + 1)
        last = hi
    return out


def _add_segment(atom_of: dict[int, int], first: list[list[int]], signature: int, lo: int, hi: int) -> None:
    """Give the atom of `signature` (made if new) its lowest addresses from [lo, hi]."""
    atom = atom_of.get(signature)
    if atom is None:
        atom = atom_of[signature] = len(first)
        first.append([])
    lows = first[atom]
    if len(lows) < 2:
        lows.append(lo)
        if len(lows) < 2 and hi > lo:
            lows.append(lo + 1)


def _members(atom_of: dict[int, int], set_count: int) -> tuple[tuple[int, ...], ...]:
    members: list[list[int]] = [[] for _ in range(set_count)]
    for signature, atom in atom_of.items():
        while signature:
            low = signature & -signature
            members[low.bit_length() - 1].append(atom)
            signature ^= low
    return tuple(tuple(sorted(m)) for m in members)
