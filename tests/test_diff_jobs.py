"""diff --jobs N: the same diff, in every format, for every N."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings

from clitools import ROOT, run
from sgverify.diff import diff_networks
from sgverify.diff.profiles import merge_profiles
from test_diff_profiles import pairs_with_profiles
from test_scale_regions import network_pairs

# Each example forks two workers: fewer examples than the other property tests.
SETTINGS = settings(max_examples=max(10, int(os.environ.get("SGVERIFY_EXAMPLES", "60")) // 4), deadline=None,
                    suppress_health_check=list(HealthCheck))
BEFORE, AFTER = str(ROOT / "examples/diff/before.yaml"), str(ROOT / "examples/diff/after.yaml")


@SETTINGS
@given(network_pairs())
def test_two_and_three_workers_give_the_serial_diff(pair):
    old, new = pair
    serial = diff_networks(old, new)
    assert diff_networks(old, new, jobs=2) == serial
    assert diff_networks(old, new, jobs=3, prune=False) == serial


@SETTINGS
@given(pairs_with_profiles())
def test_workers_give_the_serial_diff_by_profile(pair):
    profiles = merge_profiles(*pair)
    serial = diff_networks(profiles.old, profiles.new)
    assert diff_networks(profiles.old, profiles.new, jobs=2) == serial


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "markdown"])
def test_the_command_writes_the_same_report_with_two_jobs(fmt):
    serial = run(["diff", BEFORE, AFTER, "--format", fmt], 1)
    workers = run(["diff", BEFORE, AFTER, "--format", fmt, "--jobs", "2"], 1)
    assert workers.stdout == serial.stdout and workers.stderr == serial.stderr
    assert "10.0.1.10" in serial.stdout  # rows with addresses are part of what is compared


@pytest.mark.parametrize("value", ["0", "-1", "many"])
def test_bad_jobs_value_is_one_line_and_exit_2(value):
    done = run(["diff", BEFORE, AFTER, "--jobs", value], 2)
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        f"sgverify: error: --jobs expects a whole number of processes, at least 1; got {value!r}"]
