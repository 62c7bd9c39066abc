"""The diff's text and JSON reports are made and written one change at a time, and
address sets are described by comparing block counts before any text is written.
All must give exactly what the plain way gives: the whole report through one
json.dumps, text and listings as read here by hand, and files with every piece."""

from __future__ import annotations

import json
import re
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sgverify.diff import diff_networks
from sgverify.diff.explain import fill_resource_holes
from sgverify.diff.gate import DiffGate, FailOn
from sgverify.diff.render import change_dict, render_json, render_text
from sgverify.diff.run import DiffRequest, render_diff, run_diff
from sgverify.inputs.native.reader import parse_network
from sgverify.model import Cidr, Family
from sgverify.model import intervals as iv
from sgverify.model.addresses import parse_address
from sgverify.regions.render import cidrs_of, describe_addresses
from clitools import run

OLD = """\
    security_groups:
      sg-a:
        ingress:
          - {protocol: tcp, ports: 443, source: sg-b}
          - {protocol: tcp, ports: 8000-8100, source: 0.0.0.0/0}
          - {protocol: udp, ports: 53, source: "2600::/64"}
        egress:
          - {protocol: all, destination: 0.0.0.0/0}
      sg-b:
        egress:
          - {protocol: tcp, ports: 443, destination: 10.0.0.0/16}
    resources:
      a: {ips: [10.0.1.10, "2600::10"], security_groups: [sg-a]}
      b: {ips: [10.0.2.10], security_groups: [sg-b]}
    """

EDITS = {
    "added and removed": [("ports: 8000-8100, source: 0.0.0.0/0", "ports: 8000-8200, source: 10.0.0.0/8")],
    "added only": [("ports: 8000-8100, source: 0.0.0.0/0", "ports: 8000-8200, source: 0.0.0.0/0")],
    "removed only": [('- {protocol: udp, ports: 53, source: "2600::/64"}', "")],
    "nothing": [],
}


def network(text: str, path: str):
    return parse_network(textwrap.dedent(text), path).network


def plain_json(diff, gate, old, new) -> str:
    """The report as one structure through one json.dumps: the reference."""
    return json.dumps({
        "old": diff.old_source, "new": diff.new_source,
        "traffic": str(diff.traffic) if diff.traffic else None,
        "fail_on": gate.fail_on.value,
        "view": "sides" if diff.by_side else "pairs",
        "added": [change_dict(c, old, None, new) for c in diff.added],
        "removed": [change_dict(c, new, None, old) for c in diff.removed],
        "summary": {
            "added": len(diff.added),
            "added_possible": sum(1 for c in diff.added if not c.certain),
            "removed": len(diff.removed),
            "removed_possible": sum(1 for c in diff.removed if not c.certain),
            "failing": gate.failing, "passed": gate.failing == 0,
        },
    }, indent=2) + "\n"


@pytest.mark.parametrize("case", sorted(EDITS))
def test_json_written_change_by_change_is_the_plain_dump(case):
    text = OLD
    for before, after in EDITS[case]:
        assert before in text
        text = text.replace(before, after)
    old, new = network(OLD, "old.yaml"), network(text, "new.yaml")
    diff = diff_networks(old, new)
    assert bool(diff.added) == (case in ("added and removed", "added only"))
    assert bool(diff.removed) == (case in ("added and removed", "removed only"))
    for fail_on in (FailOn.added, FailOn.any):
        gate = DiffGate(diff, fail_on)
        written = render_json(diff, gate, old, new)
        assert written == plain_json(diff, gate, old, new)
        assert json.loads(written)["summary"]["added"] == len(diff.added)


def blocks(*cidrs: str):
    out = []
    for text in cidrs:
        address, _, length = text.partition("/")
        family, value = parse_address(address)
        size = 1 << (family.width - int(length))
        out.append((value, value + size - 1))
    return iv.normalize(out)


def test_listing_with_a_limit_names_the_first_blocks_and_counts_the_rest():
    three = blocks("10.0.0.0/24", "10.0.2.0/24", "10.0.4.0/24")
    assert describe_addresses(three, Family.V4) == "10.0.0.0/24, 10.0.2.0/24, 10.0.4.0/24"
    assert describe_addresses(three, Family.V4, limit=2) == "10.0.0.0/24, 10.0.2.0/24 (+1 more)"
    assert describe_addresses(three, Family.V4, limit=3) == "10.0.0.0/24, 10.0.2.0/24, 10.0.4.0/24"
    assert describe_addresses([], Family.V4) == "nothing"


def test_a_whole_minus_a_few_blocks_is_written_against_the_whole():
    everything = [(0, Family.V4.top)]
    holes = blocks("1.2.3.4/32", "1.2.3.6/32", "1.2.3.8/32")
    rest = iv.subtract(everything, holes, Family.V4.top)
    assert describe_addresses(rest, Family.V4) == "0.0.0.0/0 except 1.2.3.4/32, 1.2.3.6/32, 1.2.3.8/32"
    assert describe_addresses(rest, Family.V4, limit=2) == "0.0.0.0/0 except 1.2.3.4/32, 1.2.3.6/32 (+1 more)"
    assert describe_addresses(everything, Family.V4) == "0.0.0.0/0"


def test_the_plain_listing_stays_when_the_except_form_is_no_shorter():
    # Everything but 64.0.0.0/2 is two blocks, and so is "0.0.0.0/0 except 64.0.0.0/2".
    rest = iv.subtract([(0, Family.V4.top)], blocks("64.0.0.0/2"), Family.V4.top)
    assert describe_addresses(rest, Family.V4) == "0.0.0.0/2, 128.0.0.0/1"
    # One block fewer in the except form: it wins.
    rest = iv.subtract([(0, Family.V4.top)], blocks("64.0.0.0/3"), Family.V4.top)
    assert describe_addresses(rest, Family.V4) == "0.0.0.0/0 except 64.0.0.0/3"


def test_text_of_one_removed_rule_as_read_by_hand():
    text = OLD.replace(*EDITS["removed only"][0])
    old, new = network(OLD, "old.yaml"), network(text, "new.yaml")
    diff = diff_networks(old, new)
    lines = render_text(diff, DiffGate(diff, FailOn.added), old, new).split("\n")
    # The unmanaged part of 2600::/64 (all but a's own address, which is never
    # unmanaged, so the row need not name it) lost udp/53 to a; b has no IPv6
    # address. The rule is the third ingress rule of sg-a, line 6.
    assert lines[:8] == [
        "diff old.yaml -> new.yaml",
        "added access (delivered in new, not in old): none",
        "removed access (delivered in old, not in new): 1 region(s)",
        "    unmanaged [2600::/64] -> a [2600::10/128] udp/53 IPv6",
        "        witness: udp [2600::]:* -> [2600::10]:53",
        "        old: ingress sg-a[2] {protocol: udp, ports: 53, source: 2600::/64}  old.yaml:6",
        "        old: unmanaged filters nothing on the way out",
        "        new: blocked by ingress of a (sg-a): no rule admits it",
    ]
    assert re.fullmatch(r" {8}fingerprint: [0-9a-f]{16}", lines[8])
    assert lines[9:] == ["0 added, 1 removed region(s); gate on added: passed", ""]


@pytest.mark.parametrize("case", ["added and removed", "nothing"])
def test_the_command_writes_every_piece_of_each_report(tmp_path, case):
    """Text and JSON reach the file and stdout a change at a time; what arrives is the
    report as rendered whole."""
    text = OLD
    for before, after in EDITS[case]:
        text = text.replace(before, after)
    old_path, new_path = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old_path.write_text(textwrap.dedent(OLD))
    new_path.write_text(textwrap.dedent(text))
    out = tmp_path / "diff.json"
    done = run(["diff", old_path, new_path, "-f", "json", "-o", out, "-f", "text"], 1 if EDITS[case] else 0)
    result = run_diff(DiffRequest(str(old_path), str(new_path)))
    assert out.read_text(encoding="utf-8") == render_diff(result, "json")
    assert done.stdout == render_diff(result, "text")
    assert json.loads(out.read_text())["summary"]["added"] == len(result.diff.added)


def test_a_reader_that_goes_away_ends_the_run_quietly(tmp_path):
    """`sgverify diff ... | head`: once stdout's reader is gone the rest of the report
    cannot be written; that is exit 141 (as SIGPIPE), not a traceback."""
    import os
    import subprocess
    import sys

    from clitools import ROOT

    old_path, new_path = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old_path.write_text(textwrap.dedent(OLD))
    new_path.write_text(textwrap.dedent(OLD.replace(*EDITS["added only"][0])))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for fmt in ("text", "json"):
        process = subprocess.Popen([sys.executable, "-m", "sgverify", "diff", old_path, new_path, "-f", fmt],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT)
        process.stdout.close()  # gone before the first line is written
        stderr = process.stderr.read().decode()
        assert process.wait(timeout=300) == 141, stderr
        assert stderr == ""


def _v4(text: str) -> int:
    return parse_address(text)[1]


def _block(text: str) -> list:
    return iv.of_cidrs([Cidr.parse(text)], Family.V4)


def test_resource_holes_in_an_unmanaged_side_are_filled_by_hand():
    resources = iv.of_points(_v4(a) for a in ("10.0.0.0", "10.0.0.5", "10.0.3.7", "10.1.0.0", "10.1.0.1"))
    unmanaged = iv.subtract(_block("10.0.0.0/16"), resources, Family.V4.top)
    # The holes at 10.0.0.5 and 10.0.3.7 and the run at the start (10.0.0.0) are filled;
    # the run just after the block (10.1.0.0/31) is not: it would add a block, not save one.
    assert fill_resource_holes(unmanaged, resources, Family.V4) == _block("10.0.0.0/16")
    # A hole that is not only resources' addresses stays: 10.0.0.5 (a resource) and 10.0.0.6
    # (not in the row) leave 10.0.0.0-4 (the first filled), then 10.0.0.7 on.
    partly = iv.subtract(unmanaged, [(_v4("10.0.0.6"), _v4("10.0.0.6"))], Family.V4.top)
    assert cidrs_of(fill_resource_holes(partly, resources, Family.V4), Family.V4)[:4] == \
        tuple(map(Cidr.parse, ("10.0.0.0/30", "10.0.0.4/32", "10.0.0.7/32", "10.0.0.8/29")))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 63), st.integers(0, 63)), max_size=5),
       st.lists(st.integers(0, 63), max_size=12))
def test_filling_resource_holes_keeps_the_same_unmanaged_addresses(blocks, points):
    resources = iv.of_points(points)
    spans = iv.subtract(iv.normalize((min(a, b), max(a, b)) for a, b in blocks), resources, Family.V4.top)
    filled = fill_resource_holes(spans, resources, Family.V4)
    assert iv.subtract(filled, resources, Family.V4.top) == spans
    assert len(cidrs_of(filled, Family.V4)) <= len(cidrs_of(spans, Family.V4))


def test_the_cache_of_large_listings_holds_a_bounded_number_of_intervals():
    from sgverify.regions.render import _SizedCache

    computed = []
    cache = _SizedCache(lambda intervals, family: computed.append(intervals) or len(intervals), total=5)
    first, second = ((1, 1), (3, 3), (5, 5)), ((7, 7), (9, 9))
    assert cache(first, Family.V4) == 3 and cache(second, Family.V4) == 2 and cache(first, Family.V4) == 3
    assert computed == [first, second] and cache.held == 5  # both fit: the second ask of `first` was a hit
    third = ((11, 11),)
    assert cache(third, Family.V4) == 1  # 6 intervals: the least recently used (`second`) goes
    assert cache.held == 4 and cache(second, Family.V4) == 2 and computed[-1] == second


def test_a_rows_fingerprint_is_the_hash_of_what_it_is():
    """A waiver names a row by its fingerprint, so the text hashed must not drift: the kind,
    the two ends, the family, the certainty and every interval of the three dimensions."""
    import hashlib

    from sgverify.diff.explain import change_fingerprint

    old = network(OLD, "old.yaml")
    new = network(OLD.replace("ports: 8000-8100, source: 0.0.0.0/0", "ports: 8000-8200, source: 10.0.0.0/8"),
                  "new.yaml")
    diff = diff_networks(old, new)
    assert diff.added and diff.removed
    for change in (*diff.added, *diff.removed, *diff.added):  # the added ones again: their texts are kept
        r = change.region
        dimensions = [",".join(f"{lo}-{hi}" for lo, hi in spans) for spans in (r.sources, r.destinations, r.services)]
        text = "\x1f".join([f"{change.kind.value}-access", str(r.destination), str(r.source), str(r.family.value),
                            r.certainty.value, *dimensions])
        assert change_fingerprint(change) == hashlib.sha256(text.encode()).hexdigest()[:16]


def test_interval_texts_are_written_once_and_held_up_to_a_bound(monkeypatch):
    from sgverify.regions import render

    written = []
    texts = render.IntervalTexts(lambda interval: written.append(interval) or "%d-%d" % interval)
    monkeypatch.setattr(render, "INTERVAL_TEXTS_HELD", 2)
    assert [texts[i] for i in ((1, 2), (1, 2), (3, 4))] == ["1-2", "1-2", "3-4"] and written == [(1, 2), (3, 4)]
    assert texts[(5, 6)] == "5-6" and len(texts) == 1  # past the bound: the texts held are let go first
    assert texts[(1, 2)] == "1-2" and written[-1] == (1, 2)
    assert render.block_texts([(0x0A000000, 0x0A000002), (0x0A000009, 0x0A000009)], Family.V4) == [
        "10.0.0.0/31", "10.0.0.2/32", "10.0.0.9/32"]
