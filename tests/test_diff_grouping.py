"""A diff asked for no grouping chooses it on a large estate: by profile and by side.

What it reports must still be exact and must hold the per-resource answer: every
packet a pair of resources gains or loses (the per-resource pair view, checked
against Z3 and the evaluator elsewhere) is in a side row of the profile holding
one of its ends, so the gate fails whenever the per-resource gate fails. The
two views themselves are checked in test_diff_profiles.py and test_diff_sides.py;
here, the composition the command chooses, on small networks standing for
large ones, and the choice itself.
"""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import HealthCheck, given, settings

from clitools import ROOT, invoke
from sgverify.diff import run as diff_run
from sgverify.diff.engine import diff_networks
from sgverify.diff.gate import DiffGate, FailOn
from sgverify.diff.profiles import merge_profiles
from sgverify.diff.run import DiffRequest, run_diff
from sgverify.regions import Principal
from test_diff_profiles import pairs_with_profiles
from test_diff_sides import _covered, _points
from test_scale_regions import network_pairs

EXAMPLES = int(os.environ.get("SGVERIFY_EXAMPLES", "60"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
EXAMPLE = [str(ROOT / "examples/diff/before.yaml"), str(ROOT / "examples/diff/after.yaml")]


def _chosen_view_holds_the_per_resource_view(old, new) -> None:
    profiles = merge_profiles(old, new)
    chosen = diff_networks(profiles.old, profiles.new, by_side=True)
    each = diff_networks(old, new)
    index = {m: name for name, members in profiles.members.items() for m in members}

    def merged(end: Principal) -> Principal:
        return Principal.resource(index[end.name]) if end.is_resource and end.name in index else end

    rows = chosen.added + chosen.removed
    for change in each.added + each.removed:
        r = change.region
        for point in _points(r):
            assert _covered(rows, change.kind, r.family, point, merged(r.source), merged(r.destination)), \
                (change, point)
    for fail_on in FailOn:
        assert DiffGate(chosen, fail_on).failing or not DiffGate(each, fail_on).failing


@SETTINGS
@given(network_pairs())
def test_the_chosen_view_holds_every_packet_of_the_per_resource_view(pair):
    _chosen_view_holds_the_per_resource_view(*pair)


@SETTINGS
@given(pairs_with_profiles())
def test_the_chosen_view_holds_the_per_resource_view_where_profiles_merge(pair):
    _chosen_view_holds_the_per_resource_view(*pair)


@pytest.fixture
def large(monkeypatch):
    """The example pair (a handful of resources) counts as a large estate."""
    monkeypatch.setattr(diff_run, "LARGE_ESTATE", 2)


def _report(*extra: str) -> tuple[dict, list[str]]:
    done = invoke(["diff", *EXAMPLE, "--format", "json", *extra], 1)
    return json.loads(done.stdout), [line for line in done.stderr.splitlines() if "note:" in line]


def test_a_large_estate_is_compared_by_profile_and_side_and_says_so_once(large):
    chosen, notes = _report()
    asked, asked_notes = _report("--by-profile", "--by-side")
    assert chosen == asked and asked_notes == []
    assert chosen["view"] == "sides"
    assert len(notes) == 1 and "comparing by profile and by side" in notes[0] and "--per-resource" in notes[0]


def test_per_resource_keeps_pairs_and_a_named_view_is_kept(large):
    pairs, notes = _report("--per-resource")
    assert pairs["view"] == "pairs" and notes == []
    by_side, notes = _report("--by-side")  # rows per side of each resource, as asked
    assert by_side["view"] == "sides" and notes == []
    assert not any(row["destination"].startswith("profile ") or row["source"].startswith("profile ")
                   for row in by_side["added"] + by_side["removed"])


def test_from_or_to_keeps_pairs_per_resource(large):
    request = DiffRequest(*EXAMPLE, destinations=("web",))
    result = run_diff(request)
    assert not result.diff.by_side and result.profiles is None


def test_a_small_estate_keeps_pairs_per_resource():
    pairs, notes = _report()
    assert pairs["view"] == "pairs" and notes == []
