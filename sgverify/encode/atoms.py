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

from bisect import bisect_left, bisect_right
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


def partition(sets: Sequence[Sequence[Interval]], top: int, search_largest: bool | None = None,
              grouped: Sequence[int] | None = None) -> Atoms:
    """Atoms of [0, top] for interval sets (merged or not).

    search_largest: look the largest set up instead of sweeping it (see _Largest);
    None: when it holds nearly all the intervals, the only case where that pays.
    grouped: the numbers of the sets swept together once and remembered (see _Group);
    None: the large sets, when the largest is not searched and the others are small.
    """
    big = max(range(len(sets)), key=lambda i: len(sets[i]), default=None)
    if search_largest is None:
        search_largest = big is not None and len(sets[big]) > SEARCH_RATIO * sum(len(s) for s in sets)
        if grouped is None and not search_largest:
            grouped = _large_sets(sets)
    looked_up: _Largest | _GroupLookup | None = None
    if grouped:
        looked_up = _GroupLookup(_group([sets[i] for i in grouped], top), tuple(grouped))
    elif search_largest and big is not None:
        looked_up = _Largest(sets[big], 1 << big)
    toggles = _toggles(sets, top, looked_up.numbers if looked_up is not None else ())
    atom_of: dict[int, int] = {}  # signature (bitmask of sets) -> atom
    first: list[list[int]] = []
    signature, start = 0, 0
    # One pass over the boundaries (of every set but those looked up), once per query and
    # family. A boundary whose flips cancel (two touching intervals of one set) changes
    # nothing and is skipped.
    for position, flip in sorted(toggles.items()):
        if not flip:
            continue
        if position > start:
            if looked_up is not None:
                looked_up.add_stretch(atom_of, first, signature, start, position - 1)
            else:  # inline: an atom with its two lowest addresses needs only this lookup
                atom = atom_of.get(signature)
                if atom is None or len(first[atom]) < 2:
                    _add_segment(atom_of, first, signature, start, position - 1)
        signature ^= flip
        start = position
    if looked_up is not None:
        looked_up.add_stretch(atom_of, first, signature, start, top)
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
        self.numbers = (bit.bit_length() - 1,)  # the set's number among the query's

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


# Sets of GROUP_MIN intervals or more (group members, the addresses of many profiles) come
# back in query after query with a few small ones that differ: they are swept together once,
# and each query looks up their segments between the small sets' boundaries.
GROUP_MIN = 256
GROUP_REST = 128  # at most this many intervals in the other sets
GROUPS_HELD = 8


def _large_sets(sets: Sequence[Sequence[Interval]]) -> tuple[int, ...]:
    large = tuple(i for i, intervals in enumerate(sets) if len(intervals) >= GROUP_MIN)
    rest = sum(len(intervals) for intervals in sets) - sum(len(sets[i]) for i in large)
    return large if large and rest <= GROUP_REST else ()


_GROUPS: dict[tuple, "_Group"] = {}  # by top and the grouped sets' intervals


def _group(sets: list[Sequence[Interval]], top: int) -> "_Group":
    key = (top, tuple(s if isinstance(s, tuple) else tuple(s) for s in sets))
    found = _GROUPS.pop(key, None)  # taken out and put back: the least recently used go first
    if found is None:
        found = _Group(key[1], top)
        if len(_GROUPS) >= GROUPS_HELD:
            del _GROUPS[next(iter(_GROUPS))]
    _GROUPS[key] = found
    return found


class _RealSignature(dict):
    """A group signature (bit j: the j-th grouped set) as a signature of the query's sets."""

    def __init__(self, grouped: tuple[int, ...]):
        super().__init__()
        self.bits = [1 << i for i in grouped]

    def __missing__(self, local: int) -> int:
        out = sum(bit for j, bit in enumerate(self.bits) if local >> j & 1)
        self[local] = out
        return out


class _GroupLookup:
    """A remembered group, for one query: which of its sets are grouped, and their bits."""

    def __init__(self, group: "_Group", grouped: tuple[int, ...]):
        self.group, self.numbers, self.real = group, grouped, _RealSignature(grouped)

    def add_stretch(self, atom_of: dict[int, int], first: list[list[int]], signature: int, lo: int, hi: int) -> None:
        self.group.add_stretch(atom_of, first, signature, lo, hi, self.real)


class _Group:
    """Sets swept together once: their segments (where each starts, which of the sets hold
    it) and, per combination of the sets, the segments it holds, for finding the first two
    segments of each combination between two addresses by binary search."""

    def __init__(self, sets: Sequence[Sequence[Interval]], top: int):
        self.starts, self.signatures, self.top = [0], [0], top
        for position, flip in sorted(_toggles(sets, top).items()):
            if not flip:
                continue
            if position == 0:
                self.signatures[0] = flip
                continue
            self.starts.append(position)
            self.signatures.append(self.signatures[-1] ^ flip)
        self.segments: dict[int, list[int]] = {}
        for number, signature in enumerate(self.signatures):
            self.segments.setdefault(signature, []).append(number)

    def _end(self, number: int) -> int:
        return self.starts[number + 1] - 1 if number + 1 < len(self.starts) else self.top

    def add_stretch(self, atom_of: dict[int, int], first: list[list[int]], signature: int, lo: int, hi: int,
                    real: _RealSignature) -> None:
        """Add the segments of [lo, hi] (one signature of the other sets) that may give an
        atom one of its two lowest addresses, in address order."""
        starts = self.starts
        low, high = bisect_right(starts, lo) - 1, bisect_right(starts, hi) - 1
        if high - low < len(self.segments):  # few segments: every one of them
            for number in range(low, high + 1):
                _add_segment(atom_of, first, signature | real[self.signatures[number]],
                             max(starts[number], lo), min(self._end(number), hi))
            return
        marked = []
        for local, numbers in self.segments.items():
            at = bisect_left(numbers, low)
            for number in numbers[at:at + 2]:  # the first segment, and the next one if it is needed
                if number > high:
                    break
                a, b = max(starts[number], lo), min(self._end(number), hi)
                marked.append((a, b, local))
                if b > a:
                    break
        for a, b, local in sorted(marked):
            _add_segment(atom_of, first, signature | real[local], a, b)


def _separated(intervals: Sequence[Interval]) -> list[Interval]:
    """The intervals sorted, with a gap between any two (merged only if needed)."""
    last = -2
    for lo, hi in intervals:
        if lo <= last + 1 or hi < lo:
            return normalize(intervals)
        last = hi
    return list(intervals)


def _toggles(sets: Sequence[Sequence[Interval]], top: int, skipped: Sequence[int] = ()) -> dict[int, int]:
    """Where membership flips, for every set not `skipped`: position -> the bits of the sets
    flipping there (0 where the flips of two touching intervals of one set cancel)."""
    toggles: dict[int, int] = {}
    for index, intervals in enumerate(sets):
        if index not in skipped:
            bit = 1 << index
            for position in _boundaries(intervals, top):
                toggles[position] = toggles.get(position, 0) ^ bit
    return toggles


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
