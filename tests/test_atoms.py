"""Address atoms against a point-by-point reading of the same sets."""

from __future__ import annotations

import os

from hypothesis import example, given, settings
from hypothesis import strategies as st

from sgverify.encode import atoms
from sgverify.encode.atoms import partition

EXAMPLES = int(os.environ.get("SGVERIFY_EXAMPLES", 150))
TOP = 63
interval = st.tuples(st.integers(0, TOP), st.integers(0, TOP)).map(sorted).map(tuple)
# unsorted, overlapping and touching intervals too: partition must merge what needs it
interval_sets = st.lists(st.lists(interval, max_size=6), max_size=5)


def _signature(sets, point: int) -> int:
    return sum(1 << i for i, s in enumerate(sets) if any(lo <= point <= hi for lo, hi in s))


@settings(max_examples=EXAMPLES, deadline=None)
@given(interval_sets, st.sampled_from([True, False, None]))
# One-address gaps and one-address intervals: an atom's second address then comes
# from the next segment of the same stretch.
@example([[(1, 5), (7, 9)]], True)
@example([[(3, 3), (5, 9)], [(0, 40)]], True)
def test_atoms_are_the_classes_of_points_with_the_same_memberships(sets, search_largest):
    """Sweeping every set, or searching the largest, give the same exact atoms."""
    atoms = partition(sets, TOP, search_largest)
    by_signature: dict[int, list[int]] = {}
    for point in range(TOP + 1):
        by_signature.setdefault(_signature(sets, point), []).append(point)
    assert atoms.count == len(by_signature)
    signature_of_atom = [_signature(sets, lows[0]) for lows in atoms.first]
    assert sorted(signature_of_atom) == sorted(by_signature)
    for atom, signature in enumerate(signature_of_atom):
        assert list(atoms.first[atom]) == by_signature[signature][:2]
    for i in range(len(sets)):
        assert list(atoms.members[i]) == [a for a, sig in enumerate(signature_of_atom) if sig >> i & 1]


def test_touching_intervals_of_one_set_make_one_atom():
    atoms = partition([[(0, 9), (10, 19)], [(5, 5)]], TOP)
    # points 0-4 and 6-19 are in set 0 only, 5 in both, 20-63 in neither
    assert atoms.count == 3
    assert atoms.first == ((0, 1), (5,), (20, 21))


def test_sweeping_and_searching_number_the_atoms_alike():
    """Atom numbers are in the order of their lowest address either way: the formula,
    and so the counterexample z3 finds, do not depend on the path taken."""
    sets = [[(0, 9), (20, 29), (40, 49)], [(5, 24)], [(45, 60)]]
    assert partition(sets, TOP, True) == partition(sets, TOP, False)
    assert partition(sets, TOP, True).first[:3] == ((0, 1), (5, 6), (10, 11))


def _brute_atoms(sets):
    """(signature, its two lowest points) per atom, in the order of their lowest point."""
    by_signature: dict[int, list[int]] = {}
    for point in range(TOP + 1):
        by_signature.setdefault(_signature(sets, point), []).append(point)
    return sorted(((points[0], points[:2], signature) for signature, points in by_signature.items()))


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.lists(st.lists(interval, max_size=12), min_size=1, max_size=4), interval_sets, st.data())
@example([[(0, 0), (2, 2), (4, 63)]], [[(1, 3)]], None)
def test_sets_swept_together_and_remembered_give_the_same_atoms(large, small, data):
    """Large sets swept once (a group) and looked up between the other sets' boundaries:
    the atoms are the classes of points, numbered as a sweep of all the sets numbers them,
    whether the group is new or remembered from another query with other small sets."""
    order = data.draw(st.permutations(range(len(large) + len(small)))) if data is not None else None
    for others in (small, small[:1], []):
        sets = [*large, *others]
        if order is not None and len(order) == len(sets):
            sets = [sets[i] for i in order]
        grouped = [i for i, s in enumerate(sets) if any(s is g for g in large)]
        atoms_grouped = partition(sets, TOP, grouped=grouped)
        assert atoms_grouped == partition(sets, TOP, False, ())  # the plain sweep, numbering included
        found = [(lows[0], list(lows), _signature(sets, lows[0])) for lows in atoms_grouped.first]
        assert found == [(low, lows, signature) for low, lows, signature in _brute_atoms(sets)]
        for i in range(len(sets)):
            assert list(atoms_grouped.members[i]) == [a for a, (_, _, sig) in enumerate(found) if sig >> i & 1]


def test_large_sets_with_a_few_small_ones_are_grouped_and_remembered():
    step = 4
    members = [(lo, lo + 1) for lo in range(0, 4 * atoms.GROUP_MIN, step)]
    others = [(lo + 1, lo + 2) for lo in range(0, 4 * atoms.GROUP_MIN, step)]
    for small in ([(5, 5)], [(9, 12), (100, 300)]):
        sets = [members, others, small]
        assert atoms._large_sets(sets) == (0, 1)
        assert partition(sets, 4 * atoms.GROUP_MIN) == partition(sets, 4 * atoms.GROUP_MIN, False, ())
    assert atoms._large_sets([members, [(lo, lo) for lo in range(0, 2 * atoms.GROUP_REST + 4, 2)]]) == ()
