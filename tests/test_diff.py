"""Semantic diff: known differences found exactly (checked with Z3), rewrites that
change nothing give an empty diff, and the gate's exit codes."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import z3

from clitools import ROOT, invoke, on_a_terminal, run
from sgverify.diff import ChangeKind, diff_networks
from sgverify.diff.align import align
from sgverify.diff.engine import principals
from sgverify.diff.explain import describe_side, rules_of
from sgverify.diff.gate import FailOn
from sgverify.diff.run import DiffRequest, run_diff
from sgverify.encode.regions import _Encoder, _in_boxes
from sgverify.encode.terms import all_of
from sgverify.inputs.native.reader import parse_network
from sgverify.model import Direction, Family
from sgverify.regions import Certainty, Principal, added_regions
from sgverify.solve.solver import Sat, check

BASE = """\
    security_groups:
      sg-a:
        ingress:
          - {protocol: tcp, ports: 443, source: sg-b}
          - {protocol: tcp, ports: 22, source: 10.0.0.0/24}
          - {protocol: tcp, ports: 8000-8100, source: 0.0.0.0/0}
        egress:
          - {protocol: all, destination: 0.0.0.0/0}
      sg-a2:
        ingress:
          - {protocol: udp, ports: 53, source: 10.0.0.0/8}
      sg-b:
        egress:
          - {protocol: tcp, ports: 443, destination: 10.0.0.0/16}
    resources:
      a: {ips: [10.0.1.10, "2600::10"], security_groups: [sg-a, sg-a2]}
      b: {ips: [10.0.2.10], security_groups: [sg-b]}
    """


def net(text: str, path: str = "net.yaml"):
    return parse_network(textwrap.dedent(text), path).network


def variant(*edits: tuple[str, str]):
    text = BASE
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    return net(text, "new.yaml")


# ---------------------------------------------------------------- exactness, checked by Z3

def delivered(e: _Encoder, network, source, destination):
    if any(p.is_resource and p.name not in network.resources for p in (source, destination)):
        return z3.BoolVal(False, e.ctx)
    return all_of([e.is_principal(e.src, source), e.is_principal(e.dst, destination),
                   e.side_ok(source, destination, Direction.EGRESS),
                   e.side_ok(destination, source, Direction.INGRESS)], e.ctx)


def assert_exact(old, new, diff, *, free: bool = False):
    """For every pair and family: the added regions are exactly delivered(new) and not delivered(old),
    the removed ones exactly the reverse. With free choices: certain rows = new with none and old
    with all; all rows = new with all and old with none."""
    for kind, before, after in ((ChangeKind.ADDED, old, new), (ChangeKind.REMOVED, new, old)):
        changes = diff.added if kind is ChangeKind.ADDED else diff.removed
        for src in principals(old, new):
            for dst in principals(old, new):
                if not (src.is_resource or dst.is_resource):
                    continue
                for family in Family:
                    rows = [c.region for c in changes if (c.region.source, c.region.destination,
                                                            c.region.family) == (src, dst, family)]
                    cases = [(False, True, [r for r in rows if r.certainty is Certainty.CERTAIN]),
                             (True, False, rows)] if free else [(False, False, rows)]
                    for after_free, before_free, expected in cases:
                        ctx = z3.Context()
                        e_after = _Encoder(after, family, after_free, ctx)
                        e_before = _Encoder(before, family, before_free, ctx)
                        gained = z3.And(delivered(e_after, after, src, dst),
                                        z3.Not(delivered(e_before, before, src, dst)))
                        boxes = [r.box for r in expected]
                        formula = z3.And(e_after.src != e_after.dst, z3.Xor(gained, _in_boxes(e_after, boxes)))
                        answer = check(formula, 60)
                        assert answer.status is Sat.UNSAT, (kind, src, dst, family, answer.status)


def summary(changes):
    return sorted((str(c.region.source), str(c.region.destination), c.region.describe_sources(),
                   c.region.service_text, c.region.family.value, c.region.certainty.value) for c in changes)


def test_one_rule_widened():
    old = net(BASE)
    new = variant(("ports: 22, source: 10.0.0.0/24", "ports: 22, source: 10.0.0.0/16"))
    diff = diff_networks(old, new)
    assert not diff.removed
    # b's egress sends only 443, so the one new source principal is the unmanaged space;
    # one row for it, never one per address or port.
    assert [(str(c.region.source), str(c.region.destination), c.region.service_text) for c in diff.added] == [
        ("unmanaged", "a", "tcp/22")]
    assert describe_side(diff.added[0]) == "10.0.0.0/16 except 10.0.0.0/24, 10.0.1.10/32, 10.0.2.10/32"
    witness = diff.added[0].region.witness()
    assert witness.port == 22 and 0x0A000000 <= witness.src <= 0x0A00FFFF
    assert not 0x0A000000 <= witness.src <= 0x0A0000FF
    assert [r.label for r in rules_of(diff.added[0].region)] == ["sg-a ingress[1]"]
    assert_exact(old, new, diff)


@pytest.mark.parametrize("label, edits", [
    ("rules reordered", [("""          - {protocol: tcp, ports: 443, source: sg-b}
          - {protocol: tcp, ports: 22, source: 10.0.0.0/24}""", """          - {protocol: tcp, ports: 22, source: 10.0.0.0/24}
          - {protocol: tcp, ports: 443, source: sg-b}""")]),
    ("port range split", [("ports: 8000-8100, source: 0.0.0.0/0}", "ports: 8000-8049, source: 0.0.0.0/0}\n"
                           "          - {protocol: tcp, ports: 8050-8100, source: 0.0.0.0/0}")]),
    ("duplicate rule", [("ports: 443, source: sg-b}", "ports: 443, source: sg-b}\n"
                         "          - {protocol: tcp, ports: 443, source: sg-b}")]),
    ("group replaced by the CIDRs it covers", [("ports: 443, source: sg-b}", "ports: 443, source: 10.0.2.10/32}")]),
    ("rule moved between groups of the same resource", [
        ("          - {protocol: udp, ports: 53, source: 10.0.0.0/8}\n", ""),
        ("          - {protocol: all, destination: 0.0.0.0/0}\n      sg-a2:\n        ingress:\n",
         "          - {protocol: all, destination: 0.0.0.0/0}\n      sg-a2:\n        ingress:\n"
         "          - {protocol: udp, ports: 53, source: 10.0.0.0/8}\n")]),
    ("CIDR split in two halves", [("ports: 22, source: 10.0.0.0/24}", "ports: 22, source: 10.0.0.0/25}\n"
                                   "          - {protocol: tcp, ports: 22, source: 10.0.0.128/25}")]),
])
def test_rewrites_that_change_nothing_give_an_empty_diff(label, edits):
    old, new = net(BASE), variant(*edits)
    assert new.groups != old.groups  # the rewrite happened
    diff = diff_networks(old, new)
    assert diff.empty, [str(c.region) for c in diff.added + diff.removed]


def test_rule_moved_to_another_group_really_moved():
    text = BASE.replace("          - {protocol: udp, ports: 53, source: 10.0.0.0/8}\n", "")
    text = text.replace("        ingress:\n          - {protocol: tcp, ports: 443, source: sg-b}",
                        "        ingress:\n          - {protocol: udp, ports: 53, source: 10.0.0.0/8}\n"
                        "          - {protocol: tcp, ports: 443, source: sg-b}", 1)
    new = net(text, "new.yaml")
    assert len(new.groups["sg-a"].ingress) == 4 and not new.groups["sg-a2"].ingress
    assert diff_networks(net(BASE), new).empty


def test_egress_opened():
    old = net(BASE)
    new = variant(("          - {protocol: tcp, ports: 443, destination: 10.0.0.0/16}",
                   "          - {protocol: all, destination: 0.0.0.0/0}"))
    diff = diff_networks(old, new)
    assert not diff.removed
    rows = {(str(c.region.source), str(c.region.destination), c.region.service_text) for c in diff.added}
    # b -> a: a's ingress admits b on 443 (already delivered), 22 from 10.0.0.0/24 (not b),
    # 8000-8100 from anywhere (new), udp/53 from 10/8 (new).
    assert ("b", "a", "tcp/8000-8100 udp/53") in rows
    assert all(src == "b" for src, _, _ in rows)
    assert_exact(old, new, diff)


def test_ipv6_added():
    old = net(BASE)
    new = variant(("          - {protocol: tcp, ports: 8000-8100, source: 0.0.0.0/0}",
                   "          - {protocol: tcp, ports: 8000-8100, source: 0.0.0.0/0}\n"
                   "          - {protocol: tcp, ports: 443, source: \"::/0\"}"))
    diff = diff_networks(old, new)
    assert {(c.region.family, c.region.service_text, str(c.region.destination)) for c in diff.added} == {
        (Family.V6, "tcp/443", "a")}
    assert_exact(old, new, diff)


def test_removed_access_and_both_directions():
    old = net(BASE)
    new = variant(("ports: 8000-8100, source: 0.0.0.0/0}", "ports: 8000-8100, source: 10.0.0.0/8}"))
    diff = diff_networks(old, new)
    assert not diff.added
    assert {str(c.region.source) for c in diff.removed} == {"unmanaged"}
    assert {c.region.service_text for c in diff.removed} == {"tcp/8000-8100"}
    assert_exact(old, new, diff)
    reverse = diff_networks(new, old)
    assert summary(reverse.added) == summary(diff.removed)


def test_resource_only_in_new_is_all_added():
    old = net(BASE)
    new = net(textwrap.dedent(BASE) + "  c: {ips: [10.0.9.9], security_groups: [sg-b]}\n", "new.yaml")
    diff = diff_networks(old, new)
    assert {str(c.region.source) for c in diff.added} == {"c"}
    # 10.0.9.9 was an unmanaged address and is now c: what reached it as unmanaged is removed.
    c_address = ((0x0A000909, 0x0A000909),)
    for change in diff.removed:
        r = change.region
        assert (r.destinations if not r.destination.is_resource else r.sources) == c_address
    assert_exact(old, new, diff)


# ---------------------------------------------------------------- what may be added is never dropped

OPAQUE = BASE.replace("    resources:\n", "      sg-partner: {opaque: true}\n    resources:\n")


def with_partner_rule(text: str) -> str:
    return text.replace("          - {protocol: tcp, ports: 443, source: sg-b}",
                        "          - {protocol: tcp, ports: 443, source: sg-b}\n"
                        "          - {protocol: tcp, ports: 9000, source: sg-partner}")


def test_opaque_group_named_in_both_gives_no_difference():
    # The same partner group on both sides is one real group: unchanged rules add nothing,
    # though each network alone may or may not deliver from its (unknown) members.
    old = net(with_partner_rule(OPAQUE))
    new = net(with_partner_rule(OPAQUE).replace("ports: 8000-8100, source: 0.0.0.0/0}",
                                                "ports: 8000-8050, source: 0.0.0.0/0}\n"
                                                "          - {protocol: tcp, ports: 8051-8100, source: 0.0.0.0/0}"),
              "new.yaml")
    assert diff_networks(old, new).empty
    # With the two memberships independent, the engine alone could not prove it.
    assert added_regions(old, new, Principal.unmanaged(), Principal.resource("a"), Family.V4)


def test_opaque_group_newly_referenced_is_possible_added_access():
    old, new = net(OPAQUE), net(with_partner_rule(OPAQUE), "new.yaml")
    diff = diff_networks(old, new)
    assert diff.added and all(c.region.certainty is Certainty.POSSIBLE for c in diff.added)
    assert {c.region.service_text for c in diff.added} == {"tcp/9000"}
    assert any("sg-partner" in d for c in diff.added for d in c.region.depends_on)
    assert_exact(old, new, diff, free=True)


def test_unknown_rule_part_is_possible_added_access():
    old = net(BASE)
    new = variant(("          - {protocol: tcp, ports: 443, source: sg-b}",
                   "          - {protocol: tcp, ports: 443, source: sg-b}\n"
                   "          - {protocol: tcp, ports: 3306, source: {unknown: known after apply}}"))
    diff = diff_networks(old, new)
    assert diff.added and all(c.region.certainty is Certainty.POSSIBLE for c in diff.added)
    assert_exact(old, new, diff, free=True)


def test_symbolic_resource_in_new_counts_all_its_subnet():
    old = net(BASE)
    new = net(textwrap.dedent(BASE) + "  asg: {subnet: 10.0.7.0/24, security_groups: [sg-b]}\n", "new.yaml")
    diff = diff_networks(old, new)
    sources = {str(c.region.source) for c in diff.added}
    assert "asg" in sources
    assert_exact(old, new, diff)


# ---------------------------------------------------------------- matching across formats

def test_alias_matching_makes_formats_comparable():
    pairs = [(path, ROOT / "examples" / "terraform" / "seed" / path.stem)
             for path in sorted((ROOT / "examples" / "seed").glob("*.yaml"))]
    pairs = [(native, terraform) for native, terraform in pairs if terraform.exists()]
    assert len(pairs) == 6
    for native, terraform in pairs:  # through the library: the same path the command takes
        assert run_diff(DiffRequest(str(native), str(terraform), fail_on=FailOn.any)).gate.failing == 0
    done = run(["diff", *pairs[0], "--fail-on", "any", "--format", "json"], 0)  # and once as a user would
    assert json.loads(done.stdout)["summary"]["passed"] is True


def test_align_renames_only_unambiguous_matches():
    old = net(BASE)
    new = net(BASE.replace("      a: {ips", "      web-a: {aliases: [a], ips"), "new.yaml")
    assert set(align(old, new).resources) == {"a", "b"}
    assert diff_networks(old, align(old, new)).empty


# ---------------------------------------------------------------- the command and its gate

@pytest.fixture
def pair(tmp_path: Path):
    old = tmp_path / "old.yaml"
    old.write_text(textwrap.dedent(BASE), encoding="utf-8")

    def make(*edits):
        text = BASE
        for a, b in edits:
            text = text.replace(a, b)
        new = tmp_path / "new.yaml"
        new.write_text(textwrap.dedent(text), encoding="utf-8")
        return old, new

    return make


WIDEN = ("ports: 22, source: 10.0.0.0/24", "ports: 22, source: 0.0.0.0/0")
NARROW = ("ports: 8000-8100, source: 0.0.0.0/0}", "ports: 8000-8100, source: 10.0.0.0/8}")


def test_gate_exit_codes(pair):
    old, new = pair(WIDEN)
    invoke(["diff", old, new], 1)
    invoke(["diff", old, new, "--fail-on", "removed"], 0)
    invoke(["diff", old, new, "--fail-on", "any"], 1)
    invoke(["diff", old, new, "--soft-fail"], 0)
    old, new = pair(NARROW)
    invoke(["diff", old, new], 0)
    invoke(["diff", old, new, "--fail-on", "removed"], 1)
    old, new = pair()
    invoke(["diff", old, new, "--fail-on", "any"], 0)


def test_gate_fails_on_possible_added_access(pair):
    old, new = pair(("          - {protocol: tcp, ports: 443, source: sg-b}",
                     "          - {protocol: tcp, ports: 443, source: sg-b}\n"
                     "          - {protocol: tcp, ports: 3306, source: {unknown: known after apply}}"))
    report = json.loads(invoke(["diff", old, new, "--format", "json"], 1).stdout)
    assert report["summary"]["added"] == report["summary"]["added_possible"] > 0


def test_filters_from_to_protocol_ports(pair):
    old, new = pair(WIDEN, NARROW)
    report = json.loads(invoke(["diff", old, new, "--to", "a", "--protocol", "tcp", "--ports", "22",
                                "--fail-on", "any", "--format", "json"], 1).stdout)
    assert report["removed"] == [] and {c["services"] for c in report["added"]} == {"tcp/22"}
    report = json.loads(invoke(["diff", old, new, "--from", "b", "--format", "json"], 0).stdout)
    assert report["added"] == [] and report["removed"] == []
    text = invoke(["diff", old, new, "--from", "203.0.113.0/24", "--ports", "22"], 1).stdout
    assert "203.0.113.0/24" in text


def test_diff_reports(pair, tmp_path):
    import jsonschema
    import xml.etree.ElementTree as ET

    old, new = pair(WIDEN, NARROW)
    sarif, junit = tmp_path / "d.sarif", tmp_path / "d.xml"
    result = invoke(["diff", old, new, "-f", "sarif", "-o", sarif, "-f", "junit", "-o", junit,
                     "-f", "markdown"], 1)
    assert result.stdout.startswith("### sgverify diff failed") and "| ❌ | added |" in result.stdout
    schema = json.loads((ROOT / "tests" / "schemas" / "sarif-2.1.0.json").read_text())
    log = json.loads(sarif.read_text())
    jsonschema.Draft4Validator(schema).validate(log)
    results = log["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"added-access", "removed-access"}
    added = [r for r in results if r["ruleId"] == "added-access"]
    assert all(r["level"] == "error" for r in added)
    assert added[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("new.yaml")
    root = ET.fromstring(junit.read_text())
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert cases["no access added"].find("failure") is not None
    assert cases["no access removed"].find("failure") is None


@pytest.mark.parametrize("args, message", [
    (["missing.yaml", "{new}"], "does not exist"),
    (["{old}", "{new}", "--ports", "abc"], "port"),
    (["{old}", "{new}", "--from", "nosuch"], "unknown name 'nosuch'"),
    (["{old}", "{new}", "--protocol", "icmp", "--ports", "22"], "ports apply only to tcp and udp"),
])
def test_bad_input_exits_2(pair, args, message):
    old, new = pair()
    result = invoke(["diff", *[a.format(old=old, new=new) for a in args]], 2)
    assert message in result.stderr


def test_example_pair_shows_its_three_changes():
    done = run(["diff", "examples/diff/before.yaml", "examples/diff/after.yaml", "--format", "json"], 1)
    report = json.loads(done.stdout)
    assert report["removed"] == []
    added = {(c["source"], c["destination"], c["services"], c["family"]) for c in report["added"]}
    assert ("unmanaged", "web", "tcp/22", "ipv4") in added  # ssh open to the world
    assert ("unmanaged", "web", "tcp/443", "ipv6") in added  # https over IPv6
    assert ("db", "unmanaged", "all", "ipv4") in added  # the database sends anything anywhere


# ---------------------------------------------------------------- `baseline:` in a spec

def baseline_spec(tmp_path: Path, network: str, baseline: str, extra: str = "") -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(f"network: {ROOT / 'examples' / 'diff' / network}\n"
                    f"baseline: {ROOT / 'examples' / 'diff' / baseline}\n"
                    "assertions:\n  - {name: db closed to the internet, deny: {from: internet, to: db}}\n"
                    + extra, encoding="utf-8")
    return path


def test_baseline_unchanged_holds(tmp_path):
    result = invoke(["check", baseline_spec(tmp_path, "before.yaml", "before.yaml")], 0)
    assert "spec.yaml:2: holds: no access added since the baseline" in result.stdout


def test_baseline_with_added_access_is_a_violated_assertion(tmp_path):
    s = baseline_spec(tmp_path, "after.yaml", "before.yaml")
    report = json.loads(invoke(["check", s, "--format", "json"], 1).stdout)
    entry = report["results"][1]
    assert (entry["name"], entry["status"], entry["location"]) == (
        "no access added since the baseline", "violated", f"{s}:2")
    assert "7 region(s) of access added" in entry["reason"]
    assert entry["counterexample"]["allowed_by"]


def test_baseline_removed_access_only_holds(tmp_path):
    invoke(["check", baseline_spec(tmp_path, "before.yaml", "after.yaml")], 0)


def test_baseline_finding_can_be_waived(tmp_path):
    waiver = ("waivers:\n  - {match: no access added since the baseline, reason: reviewed change,"
              " owner: sec, expires: 2999-01-01}\n")
    invoke(["check", baseline_spec(tmp_path, "after.yaml", "before.yaml", waiver)], 0)


def test_missing_baseline_is_an_input_error(tmp_path):
    result = invoke(["check", baseline_spec(tmp_path, "after.yaml", "nosuch.yaml")], 2)
    assert "nosuch.yaml" in result.stderr


def test_unmanaged_rows_inside_an_external_are_named_after_it(tmp_path):
    before = ROOT / "examples" / "diff" / "before.yaml"
    after = tmp_path / "after.yaml"
    after.write_text(before.read_text().replace("ports: 22, source: 203.0.113.0/24",
                                                "ports: [22, 2222], source: 203.0.113.0/24"))
    report = json.loads(invoke(["diff", before, after, "--format", "json"], 1).stdout)
    assert [(c["source"], c["source_external"], c["sources"], c["services"]) for c in report["added"]] == [
        ("unmanaged", "office", "203.0.113.0/24", "tcp/2222")]
    text = invoke(["diff", before, after], 1).stdout
    assert "unmanaged (office) [203.0.113.0/24] -> web [10.0.1.10/32] tcp/2222 IPv4" in text


def test_native_network_against_a_terraform_plan_of_the_same_groups():
    done = run(["diff", "examples/seed/3-inbound-from-sg.yaml", "examples/terraform/plan/seed-3-existing.json",
                "--fail-on", "any", "--format", "json"], 0)
    report = json.loads(done.stdout)
    assert report["added"] == [] and report["removed"] == []
    # And the plan against a different scenario is not empty: the comparison is real.
    done = run(["diff", "examples/seed/1-inbound-world-web.yaml", "examples/terraform/plan/seed-3-existing.json",
                "--fail-on", "removed", "--format", "json"], 1)
    assert json.loads(done.stdout)["removed"]


def test_progress_bar_on_a_terminal_and_none_when_piped(pair):
    old, new = pair(WIDEN)
    done, drawn = on_a_terminal(["diff", old, new])
    assert done.returncode == 1  # new access: the gate fails
    assert b"diff" in drawn and b"/" in drawn  # the bar: its description and done/total
    piped = run(["diff", old, new], 1)
    assert piped.stdout == done.stdout.decode()
    assert "\x1b" not in piped.stderr and "diff" not in piped.stderr


def test_a_diff_of_very_many_pairs_suggests_profiles_before_comparing(monkeypatch):
    from sgverify.diff import run as diff_run

    example = [str(ROOT / "examples/diff/before.yaml"), str(ROOT / "examples/diff/after.yaml")]

    def notes(*extra: str) -> list[str]:
        return [line for line in invoke(["diff", *example, *extra], 1).stderr.splitlines() if "note:" in line]

    monkeypatch.setattr(diff_run, "MANY_PAIRS", 1)
    found = notes()
    assert len(found) == 1 and "pairs of resources; --by-profile compares" in found[0]
    assert notes("--by-profile") == []
    monkeypatch.setattr(diff_run, "MANY_PAIRS", 10 ** 9)
    assert notes() == []
