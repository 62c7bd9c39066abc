"""Waivers: an active one waives (reported, exit 0), an expired one fails and says so,
one that matches nothing is a warning; by assertion name or by fingerprint."""

from __future__ import annotations

import datetime as dt
import json
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from clitools import ROOT, invoke
from sgverify.gate.waivers import Disposition, Waiver, judge, unmatched
from sgverify.spec.parse import parse_spec

NETWORK = """\
    security_groups:
      sg-a:
        ingress:
          - {protocol: tcp, ports: 22, source: 0.0.0.0/0}
    resources:
      a: {ips: [10.0.1.10], security_groups: [sg-a]}
    """

ASSERTIONS = """\
    network: net.yaml
    assertions:
      - name: no ssh from the internet
        deny: {from: internet, to: a, protocol: tcp, ports: 22}
      - name: no http from the internet
        deny: {from: internet, to: a, protocol: tcp, ports: 80}
    """


def make_spec(tmp_path: Path, waivers: str = "") -> Path:
    (tmp_path / "net.yaml").write_text(textwrap.dedent(NETWORK), encoding="utf-8")
    path = tmp_path / "spec.yaml"
    path.write_text(textwrap.dedent(ASSERTIONS) + textwrap.dedent(waivers), encoding="utf-8")
    return path


def waiver(match: str, expires: str = "2999-12-31") -> str:
    return f"""\
    waivers:
      - match: {match}
        reason: bastion host, being replaced
        owner: platform-team
        expires: {expires}
    """


def test_without_waiver_the_violation_fails(tmp_path):
    invoke(["check", make_spec(tmp_path)], 1)


def test_active_waiver_by_name_is_reported_but_does_not_fail(tmp_path):
    s = make_spec(tmp_path, waiver("no ssh from the internet"))
    result = invoke(["check", s], 0)
    assert "VIOLATED: no ssh from the internet" in result.stdout
    assert "waived: bastion host, being replaced (owner platform-team, until 2999-12-31)" in result.stdout
    report = json.loads(invoke(["check", s, "--format", "json"], 0).stdout)
    entry = report["results"][0]
    assert entry["status"] == "violated" and entry["waiver"]["status"] == "waived"
    assert report["summary"]["waived"] == 1 and report["summary"]["failing"] == 0


def test_active_waiver_by_fingerprint(tmp_path):
    first = json.loads(invoke(["check", make_spec(tmp_path), "--format", "json"], 1).stdout)
    fingerprint = first["results"][0]["fingerprint"]
    invoke(["check", make_spec(tmp_path, waiver(fingerprint))], 0)


def test_fingerprint_is_stable_and_changes_with_the_question(tmp_path):
    s = make_spec(tmp_path)
    one = json.loads(invoke(["check", s, "--format", "json"], 1).stdout)["results"][0]["fingerprint"]
    two = json.loads(invoke(["check", s, "--format", "json"], 1).stdout)["results"][0]["fingerprint"]
    assert one == two
    s.write_text(s.read_text().replace("ports: 22}", "ports: [22, 23]}"))
    three = json.loads(invoke(["check", s, "--format", "json"], 1).stdout)["results"][0]["fingerprint"]
    assert three != one


def test_expired_waiver_fails_with_a_message_saying_so(tmp_path):
    s = make_spec(tmp_path, waiver("no ssh from the internet", "2000-01-31"))
    result = invoke(["check", s], 1)
    assert "waiver expired on 2000-01-31" in result.stdout
    root = ET.fromstring(invoke(["check", s, "--format", "junit"], 1).stdout)
    failure = root.find("./testsuite/testcase/failure")
    assert "waiver expired on 2000-01-31" in failure.get("message")


def test_unmatched_waiver_is_a_warning(tmp_path):
    s = make_spec(tmp_path, waiver("no http from the internet"))  # that assertion holds
    result = invoke(["check", s], 1)  # the ssh violation still fails
    assert "warning: waiver 'no http from the internet' matches no finding" in result.stderr
    assert "spec.yaml:" in result.stderr


def test_waived_violation_in_sarif_is_suppressed_and_junit_skipped(tmp_path):
    s = make_spec(tmp_path, waiver("no ssh from the internet"))
    log = json.loads(invoke(["check", s, "--format", "sarif"], 0).stdout)
    schema = json.loads((ROOT / "tests" / "schemas" / "sarif-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(log)
    result = log["runs"][0]["results"][0]
    assert result["level"] == "warning"
    assert result["suppressions"][0]["justification"].startswith("waived: bastion host")
    root = ET.fromstring(invoke(["check", s, "--format", "junit"], 0).stdout)
    assert root.get("failures") == "0" and root.get("skipped") == "1"
    markdown = invoke(["check", s, "--format", "markdown"], 0).stdout
    assert "violated (waived)" in markdown


@pytest.mark.parametrize("body, message", [
    ("waivers:\n  - {match: x, reason: r, owner: o}\n", "spec.yaml:8: error: a waiver needs 'expires'"),
    ("waivers:\n  - {match: x, reason: r, owner: o, expires: soon}\n",
     "spec.yaml:8: error: expires must be a date YYYY-MM-DD, not the text 'soon'"),
    ("waivers:\n  - {match: x, owner: o, expires: 2030-01-01}\n", "spec.yaml:8: error: a waiver needs 'reason'"),
    ("waivers:\n  - {match: x, reason: r, owner: o, expires: 2030-01-01, until: 1}\n",
     "spec.yaml:8: error: unknown key 'until'"),
    ("waivers: x\n", "spec.yaml:7: error: waivers must be a list, not the text 'x'"),
])
def test_bad_waivers_are_input_errors_with_their_line(tmp_path, body, message):
    result = invoke(["check", make_spec(tmp_path, body)], 2)
    assert message in result.stderr


class _Finding:
    def __init__(self, name: str, fingerprint: str):
        self.name, self.fingerprint = name, fingerprint


def test_judge_is_generic_over_findings():
    today = dt.date(2026, 6, 1)
    lint = _Finding("open-ssh", "abc123")
    keep = Waiver("abc123", "r", "o", dt.date(2026, 6, 1))  # valid through its last day
    old = Waiver("open-ssh", "r", "o", dt.date(2026, 5, 31))
    assert judge(lint, [keep], today).disposition is Disposition.WAIVED
    assert judge(lint, [old], today).disposition is Disposition.EXPIRED
    assert judge(lint, [old, keep], today).disposition is Disposition.WAIVED
    assert judge(_Finding("other", "zzz"), [keep, old], today).disposition is Disposition.FAILS
    assert [d.message.split("'")[1] for d in unmatched([keep, old], [_Finding("x", "y")])] == ["abc123", "open-ssh"]


def test_spec_document_carries_waivers():
    doc = parse_spec(textwrap.dedent(ASSERTIONS) + textwrap.dedent(waiver("x")), "s.yaml")
    assert doc.waivers == (Waiver("x", "bastion host, being replaced", "platform-team", dt.date(2999, 12, 31),
                                  doc.waivers[0].origin),)
    assert str(doc.waivers[0].origin) == "s.yaml:8"
