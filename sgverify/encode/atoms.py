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
segment's membership kept as a bitmask of set numbers.
"""

from __future__ import annotations

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


def partition(sets: Sequence[Sequence[Interval]], top: int) -> Atoms:
    """Atoms of [0, top] for interval sets (merged or not)."""
    toggles: dict[int, int] = {}
    for index, intervals in enumerate(sets):
        bit = 1 << index
        for position in _boundaries(intervals, top):
            toggles[position] = toggles.get(position, 0) ^ bit
    atom_of: dict[int, int] = {}  # signature (bitmask of sets) -> atom
    first: list[list[int]] = []
    signature, start = 0, 0
    # One pass over the boundaries, once per query and family over thousands
    # of them: an atom that has its two lowest addresses already needs only a
    # lookup. A boundary whose flips cancel (two touching intervals of one
    # set) changes nothing and is skipped.
    for position, flip in sorted(toggles.items()):
        if not flip:
            continue
        if position > start:
            atom = atom_of.get(signature)
            if atom is None or len(first[atom]) < 2:
                _add_segment(atom_of, first, signature, start, position - 1)
        signature ^= flip
        start = position
    _add_segment(atom_of, first, signature, start, top)
    return Atoms(_members(atom_of, len(sets)), tuple(tuple(lows) for lows in first))


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
