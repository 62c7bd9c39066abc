"""Sets of integers as sorted, disjoint, non-adjacent [lo, hi] intervals.

Addresses and services are both integer lines, so one small algebra serves
CIDR unions, group memberships, endpoint sets and rule merging.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from operator import itemgetter
from typing import Iterable

from .addresses import Cidr, Family
from .service import merge_intervals

Intervals = list[tuple[int, int]]


def normalize(intervals: Iterable[tuple[int, int]]) -> Intervals:
    return merge_intervals(intervals)


def union(a: Intervals, b: Intervals) -> Intervals:
    return merge_intervals(list(a) + list(b))


def intersect(a: Intervals, b: Intervals) -> Intervals:
    if len(a) < len(b):
        a, b = b, a
    if len(b) * 8 < len(a):
        return _intersect_small(a, b)
    if len(b) == 1:  # a few intervals against one range: a rule's services against the asked ones
        lo, hi = b[0]
        return [(max(x, lo), min(y, hi)) for x, y in a if x <= hi and y >= lo]
    return _intersect_walk(a, b)


def _intersect_walk(a: Intervals, b: Intervals) -> Intervals:
    # One walk along both, as iterators: indexing both lists at every step took twice as long.
    out: Intervals = []
    if not a or not b:
        return out
    ia, ib = iter(a), iter(b)
    alo, ahi = next(ia)
    blo, bhi = next(ib)
    try:
        while True:
            lo = alo if alo > blo else blo
            hi = ahi if ahi < bhi else bhi
            if lo <= hi:
                out.append((lo, hi))
            if ahi < bhi:
                alo, ahi = next(ia)
            else:
                blo, bhi = next(ib)
    except StopIteration:
        return out


def _intersect_small(large: Intervals, small: Intervals) -> Intervals:
    # Binary search per interval of the small set: a query's space is often a
    # single address, intersected with sets of thousands of intervals. What
    # lies wholly inside is copied as a slice (whole-space queries at 100k
    # rules copy about 100,000 intervals).
    out: Intervals = []
    for lo, hi in small:
        first = bisect_left(large, lo, key=_upper)  # the first ending at or after lo
        end = bisect_right(large, hi, key=_lower)  # past the last starting at or before hi
        if first >= end:
            continue
        if end - first == 1:
            out.append((max(lo, large[first][0]), min(hi, large[first][1])))
            continue
        out.append((max(lo, large[first][0]), large[first][1]))
        out.extend(large[first + 1:end - 1])
        out.append((large[end - 1][0], min(hi, large[end - 1][1])))
    return out


def meets(a: Intervals, b: Intervals) -> bool:
    """Whether the two sets share a point: `bool(intersect(a, b))` without building it
    (attribution asks this of every rule of a side, for every region of a diff)."""
    if len(a) > len(b):
        a, b = b, a
    if len(a) * 8 > len(b):  # about as many: one walk along both
        return _meets_walk(a, b)
    for lo, hi in a:  # each interval of the smaller set, looked up in the larger
        first = bisect_left(b, lo, key=_upper)  # the first ending at or after lo
        if first < len(b) and b[first][0] <= hi:
            return True
    return False


def within(a: Intervals, b: Intervals) -> bool:
    """Whether every point of `a` is in `b` (`not subtract(a, b)` without building it: a
    report asks it of large member sets, most of which fail at once)."""
    if len(b) * 8 < len(a):  # b has few intervals: no interval of a may meet a gap between them
        return not a or (bool(b) and not meets(a, complement(b, _BEYOND)))
    if len(a) * 8 > len(b):  # about as many: one walk along both
        return _within_walk(a, b)
    for lo, hi in a:
        found = bisect_right(b, lo, key=_lower) - 1  # the last interval of b starting at or before lo
        if found < 0 or b[found][1] < hi:
            return False
    return True


def _meets_walk(a: Intervals, b: Intervals) -> bool:
    """meets by one walk along both, as iterators: a diff's rows ask it of a group's
    thousands of members against a side's thousands of ranges that miss them all, and
    indexing both lists at every step took three times as long."""
    ia, ib = iter(a), iter(b)
    try:
        alo, ahi = next(ia)
        blo, bhi = next(ib)
        while True:
            if ahi < blo:
                alo, ahi = next(ia)
            elif bhi < alo:
                blo, bhi = next(ib)
            else:
                return True
    except StopIteration:
        return False


def _within_walk(a: Intervals, b: Intervals) -> bool:
    """within by one walk along both, as iterators (twice as fast as indexing)."""
    ib = iter(b)
    blo = bhi = None
    try:
        for lo, hi in a:
            if bhi is None or bhi < lo:
                blo, bhi = next(ib)
                while bhi < lo:
                    blo, bhi = next(ib)
            if blo > lo or bhi < hi:
                return False
    except StopIteration:
        return False
    return True


_BEYOND = 1 << 144  # past the top of every line (IPv6 addresses, services)


_lower = itemgetter(0)  # an interval's ends, as keys (called in C)
_upper = itemgetter(1)


def complement(a: Intervals, top: int) -> Intervals:
    out: Intervals = []
    cursor = 0
    for lo, hi in a:
        if lo > cursor:
            out.append((cursor, lo - 1))
        cursor = hi + 1
    if cursor <= top:
        out.append((cursor, top))
    return out


def subtract(a: Intervals, b: Intervals, top: int) -> Intervals:
    return intersect(a, complement(b, top))


def contains(a: Intervals, value: int) -> bool:
    # Binary search: interval sets for large groups hold thousands of entries.
    lo, hi = 0, len(a) - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        if value < a[mid][0]:
            hi = mid - 1
        elif value > a[mid][1]:
            lo = mid + 1
        else:
            return True
    return False


def of_cidr(cidr: Cidr, family: Family) -> Intervals:
    """One CIDR's block in `family` (none in the other family): nothing to
    merge, and asked for every rule."""
    return [(cidr.first, cidr.last)] if cidr.family is family else []


def of_cidrs(cidrs: Iterable[Cidr], family: Family) -> Intervals:
    return normalize((c.first, c.last) for c in cidrs if c.family is family)


def of_points(points: Iterable[int]) -> Intervals:
    """Runs of consecutive integers (sets of addresses hold up to 100,000 points)."""
    values = sorted(set(points))
    out: Intervals = []
    if not values:
        return out
    start = previous = values[0]
    for value in values[1:]:
        if value != previous + 1:
            out.append((start, previous))
            start = value
        previous = value
    out.append((start, previous))
    return out


def size(a: Intervals) -> int:
    # Summed in C: a report compares the sizes of sets of thousands of ranges, row after row.
    return sum(map(_upper, a)) - sum(map(_lower, a)) + len(a)


def to_cidrs(lo: int, hi: int, family: Family) -> list[Cidr]:
    """The fewest CIDR blocks whose union is exactly [lo, hi]."""
    out: list[Cidr] = []
    width = family.width
    while lo <= hi:
        # Largest aligned block starting at lo that does not pass hi.
        span = (lo & -lo).bit_length() - 1 if lo else width
        while span > 0 and lo + (1 << span) - 1 > hi:
            span -= 1
        out.append(Cidr(family, lo, width - span))
        lo += 1 << span
    return out
