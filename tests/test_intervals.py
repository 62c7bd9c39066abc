"""The interval algebra every table is built on, against plain sets of integers."""

from __future__ import annotations

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from sgverify.model import Family
from sgverify.model import intervals as iv
from sgverify.model.addresses import format_address

TOP = 255


def as_set(intervals) -> set[int]:
    return {v for lo, hi in intervals for v in range(lo, hi + 1)}


def canonical(intervals) -> bool:
    """Sorted, disjoint, not adjacent, each non-empty."""
    return all(lo <= hi for lo, hi in intervals) and all(
        a[1] + 1 < b[0] for a, b in zip(intervals, intervals[1:]))


@st.composite
def interval_sets(draw, most: int = 40):
    raw = draw(st.lists(st.tuples(st.integers(0, TOP), st.integers(0, 6)), max_size=most))
    return iv.normalize((lo, min(TOP, lo + length)) for lo, length in raw)


@settings(max_examples=400, deadline=None)
@given(interval_sets(), interval_sets(most=3))
def test_intersect_and_subtract_equal_set_operations(a, b):
    # A set of many intervals against one of a few takes the binary-search path.
    for x, y in ((a, b), (b, a), (a, a)):
        both = iv.intersect(x, y)
        assert as_set(both) == as_set(x) & as_set(y) and canonical(both)
        rest = iv.subtract(x, y, TOP)
        assert as_set(rest) == as_set(x) - as_set(y) and canonical(rest)


@settings(max_examples=200, deadline=None)
@given(interval_sets(), st.integers(0, TOP), st.integers(0, TOP))
def test_intersect_with_one_range_and_contains(a, lo, hi):
    lo, hi = min(lo, hi), max(lo, hi)
    assert as_set(iv.intersect(a, [(lo, hi)])) == as_set(a) & set(range(lo, hi + 1))
    assert iv.contains(a, lo) == (lo in as_set(a))
    assert as_set(iv.complement(a, TOP)) == set(range(TOP + 1)) - as_set(a)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, TOP), max_size=60))
def test_points_become_runs(points):
    runs = iv.of_points(points)
    assert as_set(runs) == set(points) and canonical(runs)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.integers(0, TOP), st.integers(0, TOP), st.booleans()), max_size=40))
def test_normalize_is_the_union_of_the_pieces(raw):
    # Pieces may overlap, touch, repeat or be empty (lo > hi), and may arrive
    # as lists mixed with tuples or as a generator; the result is canonical
    # tuples whatever came in.
    pieces = [[lo, hi] if as_list else (lo, hi) for lo, hi, as_list in raw]
    expected = {v for lo, hi, _ in raw for v in range(lo, hi + 1)}
    for given_as in (pieces, iter(pieces)):
        merged = iv.normalize(given_as)
        assert as_set(merged) == expected and canonical(merged)
        assert all(type(piece) is tuple for piece in merged)


def test_one_cidr_is_its_block_in_its_own_family_only():
    from sgverify.model import Cidr, Family

    v4, v6 = Cidr.parse("10.1.0.0/16"), Cidr.parse("2001:db8::/32")
    assert iv.of_cidr(v4, Family.V4) == [(0x0A010000, 0x0A01FFFF)]
    assert iv.of_cidr(v4, Family.V6) == []
    assert iv.of_cidr(v6, Family.V6) == [(0x20010DB8 << 96, (0x20010DB8 << 96) | ((1 << 96) - 1))]
    assert iv.of_cidr(v6, Family.V4) == []


@settings(max_examples=400, deadline=None)
@given(interval_sets(), interval_sets(most=3), interval_sets())
def test_meets_is_whether_the_sets_share_a_point(a, b, c):
    shared = bool(as_set(a) & as_set(b))
    assert iv.meets(a, b) is shared
    assert iv.meets(b, a) is shared
    assert iv.meets(tuple(a), tuple(b)) is shared  # spans are tuples
    assert iv.meets(a, c) is bool(as_set(a) & as_set(c))  # two long sets: one walk along both


@settings(max_examples=500, deadline=None)
@given(interval_sets(), interval_sets(), interval_sets(most=3))
def test_within_is_an_empty_difference(a, b, few):
    for x, y in ((a, b), (few, a), (a, few), (few, iv.union(few, a))):  # both walks: long-long, short-long
        assert iv.within(x, y) == (not iv.subtract(x, y, TOP))


_WORDS = st.sampled_from([0, 0, 0, 1, 0xFFFF, 0x0DB8, 0xFD00]) | st.integers(0, 0xFFFF)


@settings(max_examples=2000, deadline=None)
@given(st.lists(_WORDS, min_size=8, max_size=8), st.integers(0, (1 << 32) - 1))
def test_addresses_are_written_as_the_standard_library_writes_them(words, v4):
    """RFC 5952 for IPv6 (the longest run of zero words as ::, the first of equal runs)."""
    value = 0
    for word in words:
        value = value << 16 | word
    assert format_address(Family.V6, value) == str(ipaddress.IPv6Address(value))
    assert format_address(Family.V4, v4) == str(ipaddress.IPv4Address(v4))
    assert format_address(Family.V6, 0xFFFF << 32 | v4) == str(ipaddress.IPv6Address(0xFFFF << 32 | v4))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([0, 1]) | st.integers(0, TOP - 60), st.integers(16, 60)),
                min_size=1, max_size=2), st.data())
def test_within_a_few_ranges_is_decided_at_their_edges(raw, data):
    """Many ranges against a few (the walk over the few's gaps): every other point of
    the few, plus perhaps one point just outside one of them."""
    few = iv.normalize((lo, min(TOP, lo + length)) for lo, length in raw)
    inside = [p for lo, hi in few for p in range(lo, hi + 1, 2)]
    edges = [p for lo, hi in few for p in (lo - 1, hi + 1) if 0 <= p <= TOP]
    many = iv.of_points(sorted(set(inside + data.draw(st.lists(st.sampled_from(edges), max_size=1)))))
    assert len(many) > 8 * len(few)
    assert iv.within(many, few) == (not iv.subtract(many, few, TOP))
