"""`sgverify check` from the command line: reports, exit codes, bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from clitools import ROOT, golden, invoke, run

SEED = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "specs" / "seed").glob("*.yaml"))
CLAIMS = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "specs" / "article-claims").glob("*.yaml"))


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


NETWORK = """\
    security_groups:
      sg-a:
        ingress:
          - {protocol: tcp, ports: 443, source: sg-b}
      sg-b:
        egress:
          - {protocol: all, destination: 0.0.0.0/0}
    resources:
      a: {ips: [10.0.1.10], security_groups: [sg-a]}
      b: {ips: [10.0.2.10], security_groups: [sg-b]}
    """


@pytest.fixture
def network(tmp_path: Path) -> Path:
    return write(tmp_path, "net.yaml", NETWORK)


def spec(tmp_path: Path, body: str, network: str = "net.yaml") -> Path:
    return write(tmp_path, "spec.yaml", f"network: {network}\nassertions:\n" + textwrap.dedent(body))


def test_seed_text_report_is_golden(monkeypatch):
    monkeypatch.chdir(ROOT)
    result = invoke(["check", *SEED], 0)
    golden("seed.out", result.stdout)


def test_article_claims_text_report_is_golden(monkeypatch):
    monkeypatch.chdir(ROOT)
    result = invoke(["check", *CLAIMS], 1)
    golden("article-claims.out", result.stdout)


def test_json_report_follows_the_documented_schema(monkeypatch):
    monkeypatch.chdir(ROOT)
    report = json.loads(invoke(["check", *CLAIMS, "--format", "json"], 1).stdout)
    assert report["summary"] == {"total": 17, "holds": 15, "violated": 2, "unknown": 0}
    violated = [r for r in report["results"] if r["status"] == "violated"]
    assert {r["kind"] for r in violated} == {"allow"}
    for result in violated:
        cx = result["counterexample"]
        assert set(cx) >= {"source", "destination", "src_ip", "dst_ip", "protocol", "port", "icmp_type",
                           "icmp_code", "allowed_by", "blocked_by"}
        assert (cx["source"], cx["destination"]) == ("aws-resource-a", "aws-resource-b")
        assert (cx["src_ip"], cx["dst_ip"], cx["protocol"]) == ("10.0.1.10", "10.0.2.10", "tcp")
        assert cx["blocked_by"]["direction"] == "egress" and cx["blocked_by"]["resource"] == "aws-resource-a"
        assert cx["blocked_by"]["nearest"][0]["location"].startswith("examples/seed/")
    holds = [r for r in report["results"] if r["status"] == "holds"]
    assert all(r["counterexample"] is None for r in holds)


def test_deny_violation_names_both_admitting_rules(tmp_path, network):
    s = spec(tmp_path, """\
      - name: b cannot reach a
        deny: {from: b, to: a}
    """)
    report = json.loads(invoke(["check", s, "--format", "json"], 1).stdout)
    cx = report["results"][0]["counterexample"]
    assert (cx["protocol"], cx["port"]) == ("tcp", 443)
    assert [(r["group"], r["direction"], r["index"]) for r in cx["allowed_by"]] == [
        ("sg-b", "egress", 0), ("sg-a", "ingress", 0)]
    assert cx["allowed_by"][1]["location"] == f"{tmp_path / 'net.yaml'}:4"


def test_output_file_and_stats(tmp_path, network):
    s = spec(tmp_path, """\
      - name: b reaches a on https
        allow: {from: b, to: a, protocol: tcp, ports: 443}
    """)
    out = tmp_path / "report.json"
    result = invoke(["check", s, "--format", "json", "--output", out, "--stats"], 0)
    assert result.stdout == ""
    report = json.loads(out.read_text())
    assert report["results"][0]["status"] == "holds"
    assert report["results"][0]["stats"]["queries"] >= 1
    encoded = report["results"][0]["stats"]["solver"]["IPv4"]
    # a and b are two single addresses: at least their two atoms and the rest of the line
    assert encoded["address atoms"] >= 3
    assert encoded["destination classes"] == 1
    assert encoded["rlimit count"] > 0  # z3's own figures, read only when asked for


def test_network_option_overrides_the_spec(tmp_path, network):
    s = spec(tmp_path, """\
      - name: b reaches a on https
        allow: {from: b, to: a, protocol: tcp, ports: 443}
    """, network="missing.yaml")
    invoke(["check", s, "--network", network], 0)


def test_timeout_gives_unknown_and_exit_3(tmp_path, network):
    s = spec(tmp_path, """\
      - name: b reaches a on https
        allow: {from: b, to: a, protocol: tcp, ports: 443}
    """)
    result = run(["check", s, "--timeout", "0.000001"], 3)
    assert ": unknown: b reaches a on https [allow] (timeout" in result.stdout


# -- bad input: one line per problem, with file:line, exit 2, no traceback ----

def test_missing_spec_file(tmp_path):
    result = run(["check", tmp_path / "nope.yaml"], 2)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "nope.yaml" in lines[0]


def test_missing_network(tmp_path):
    s = spec(tmp_path, """\
      - name: x
        deny: {from: any, to: any}
    """, network="absent.yaml")
    result = run(["check", s], 2)
    assert "absent.yaml" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_no_network_anywhere(tmp_path):
    s = write(tmp_path, "spec.yaml", "assertions:\n  - {name: x, deny: {from: any, to: any}}\n")
    result = run(["check", s], 2)
    assert "no `network:`" in result.stderr


def test_unknown_endpoint_is_located_with_a_suggestion(tmp_path, network):
    s = spec(tmp_path, """\
      - name: typo
        deny: {from: bb, to: a}
    """)
    result = run(["check", s], 2)
    line = result.stderr.strip().splitlines()[0]
    assert f"{s}:4" in line and "'bb'" in line and "b" in line


def test_every_problem_of_every_spec_is_reported_at_once(tmp_path, network):
    bad_network = write(tmp_path, "bad.yaml", """\
        security_groups:
          sg-a:
            ingress:
              - {protocol: tcp, ports: 70000, source: 10.0.0.0/8}
              - {protocol: tpc, source: 10.0.0.0/8}
        resources: {}
        """)
    s1 = spec(tmp_path, """\
      - name: x
        deny: {from: any, to: any}
    """, network="bad.yaml")
    s2 = write(tmp_path, "other.yaml", "network: net.yaml\nassertions:\n  - {name: y, deny: {from: nobody, to: a}}\n")
    result = run(["check", s1, s2], 2)
    lines = result.stderr.strip().splitlines()
    assert any(f"{bad_network}:4" in line and "70000" in line for line in lines)
    assert any(f"{bad_network}:5" in line and "tpc" in line for line in lines)
    assert any(f"{s2}:3" in line and "nobody" in line for line in lines)
    assert all(line.startswith("sgverify: ") for line in lines)


def test_bad_timeout_is_a_usage_error(tmp_path, network):
    s = spec(tmp_path, "  - {name: x, deny: {from: any, to: a}}\n")
    result = run(["check", s, "--timeout", "-1"], 2)
    assert "--timeout" in result.stderr


def test_not_yaml_at_all(tmp_path):
    s = write(tmp_path, "spec.yaml", "assertions: [unclosed\n")
    result = run(["check", s], 2)
    assert f"{s}:" in result.stderr


def test_help_lists_every_command_and_a_named_command_loads_alone():
    """A run names its command: only that command's module is imported (the others' imports
    cost every run); help and a mistyped name still see every command."""
    from sgverify.cli.app import COMMANDS

    listed = run(["--help"], 0).stdout
    assert all(f" {name} " in listed for name in COMMANDS)
    assert "Did you mean 'diff'?" in run(["dif"], 2).stderr
    probe = ("import sys; from sgverify.cli.app import _register; _register(['diff', '-o', 'x']); "
             "print(sorted(m for m in sys.modules if m.startswith('sgverify.cli.') and m != 'sgverify.cli.app'))")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    loaded = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120)
    expected = ["sgverify.cli.diff", "sgverify.cli.exitcodes", "sgverify.cli.options"]
    assert loaded.stdout.strip() == str(expected), loaded.stderr
