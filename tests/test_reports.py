"""Report formats: SARIF valid against the official 2.1.0 schema, JUnit read back,
Markdown for pull requests, several --format/--output pairs, soft-fail."""

from __future__ import annotations

import json
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from clitools import ROOT, invoke, run

SCHEMA = json.loads((ROOT / "tests" / "schemas" / "sarif-2.1.0.json").read_text(encoding="utf-8"))
CLAIMS = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "specs" / "article-claims").glob("*.yaml"))

NETWORK = """\
    security_groups:
      sg-a:
        ingress:
          - {protocol: tcp, ports: 443, source: sg-b}
          - {protocol: tcp, ports: 22, source: 0.0.0.0/0}
      sg-b:
        egress:
          - {protocol: all, destination: 0.0.0.0/0}
    resources:
      a: {ips: [10.0.1.10], security_groups: [sg-a]}
      b: {ips: [10.0.2.10], security_groups: [sg-b]}
    """

SPEC = """\
    network: net.yaml
    assertions:
      - name: no ssh from the internet
        deny: {from: internet, to: a, protocol: tcp, ports: 22}
      - name: b reaches a on https
        allow: {from: b, to: a, protocol: tcp, ports: 443}
      - name: b reaches a on http
        allow: {from: b, to: a, protocol: tcp, ports: 80}
    """


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    write(tmp_path, "net.yaml", NETWORK)
    return write(tmp_path, "spec.yaml", SPEC)


def validate_sarif(text: str) -> dict:
    log = json.loads(text)
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    return log


def test_vendored_schema_is_the_official_sarif_2_1_0_schema():
    assert SCHEMA["id"].endswith("/sarif-schema-2.1.0.json")
    assert SCHEMA["properties"]["version"]["enum"] == ["2.1.0"]
    jsonschema.Draft4Validator.check_schema(SCHEMA)


def test_schema_rejects_a_broken_log():
    # The validation below would prove nothing if the schema accepted anything.
    with pytest.raises(jsonschema.ValidationError):
        validate_sarif(json.dumps({"version": "2.1.0", "runs": [{"results": [{"level": "fatal"}]}]}))


def test_sarif_one_result_per_violation_at_the_rule_at_fault(spec, tmp_path):
    log = validate_sarif(invoke(["check", spec, "--format", "sarif"], 1).stdout)
    results = log["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["no ssh from the internet", "b reaches a on http"]
    assert {r["level"] for r in results} == {"error"}
    ssh = results[0]
    # A deny violated: the ingress rule that admits ssh, in the network file, at its line.
    physical = ssh["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"].endswith("net.yaml")
    assert physical["region"]["startLine"] == 5
    assert "counterexample: tcp" in ssh["message"]["text"] and ":22" in ssh["message"]["text"]
    assert ssh["partialFingerprints"]["sgverify/v1"]
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert [rules[r["ruleIndex"]]["id"] for r in results] == [r["ruleId"] for r in results]
    # The spec's assertion is a related place too.
    lines = {loc["physicalLocation"]["region"]["startLine"] for loc in ssh.get("relatedLocations", [])}
    assert 3 in lines


def test_sarif_allow_violation_points_at_the_nearest_rules(spec):
    log = validate_sarif(invoke(["check", spec, "--format", "sarif"], 1).stdout)
    http = log["runs"][0]["results"][1]
    assert http["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("net.yaml")


def test_sarif_of_the_article_claims_is_valid_and_names_the_typo_rule():
    done = run(["check", *CLAIMS, "--format", "sarif"], 1)
    log = validate_sarif(done.stdout)
    results = log["runs"][0]["results"]
    assert len(results) == 2
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"] for r in results for loc in r["locations"]}
    assert "examples/seed/5-outbound-to-office.yaml" in uris


def test_sarif_when_everything_holds_has_no_results(tmp_path):
    write(tmp_path, "net.yaml", NETWORK)
    s = write(tmp_path, "spec.yaml", "network: net.yaml\nassertions:\n"
                                      "  - {name: ok, allow: {from: b, to: a, protocol: tcp, ports: 443}}\n")
    log = validate_sarif(invoke(["check", s, "--format", "sarif"], 0).stdout)
    assert log["runs"][0]["results"] == []


def test_junit_reads_back_one_case_per_assertion(spec):
    root = ET.fromstring(invoke(["check", spec, "--format", "junit"], 1).stdout)
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("3", "2", "0")
    cases = root.findall("./testsuite/testcase")
    assert [c.get("name") for c in cases] == ["no ssh from the internet", "b reaches a on https",
                                             "b reaches a on http"]
    failure = cases[0].find("failure")
    assert failure is not None and "counterexample: tcp" in failure.text
    assert cases[1].find("failure") is None
    assert cases[0].get("line") == "3" and cases[0].get("file").endswith("spec.yaml")


def test_junit_unknown_is_an_error(spec, tmp_path):
    sarif = tmp_path / "r.sarif"
    done = invoke(["check", spec, "--format", "sarif", "-o", sarif, "--format", "junit",
                   "--timeout", "0.000001"], 3)
    root = ET.fromstring(done.stdout)
    # Undecided assertions are warnings in SARIF, and the log stays valid.
    log = validate_sarif(sarif.read_text())
    assert log["runs"][0]["results"] and {r["level"] for r in log["runs"][0]["results"]} == {"warning"}
    errors = root.findall("./testsuite/testcase/error")
    assert errors and all(e.get("message").startswith("unknown:") for e in errors)


def test_markdown_summary_table_and_details(spec):
    text = invoke(["check", spec, "--format", "markdown"], 1).stdout
    assert text.startswith("### sgverify check failed")
    assert "3 assertions: 1 hold, 2 violated, 0 unknown" in text
    assert "| ❌ violated | no ssh from the internet |" in text
    assert text.count("<details>") == 2 and "counterexample: tcp" in text


def test_markdown_escapes_table_cells(tmp_path):
    write(tmp_path, "net.yaml", NETWORK)
    s = write(tmp_path, "spec.yaml", "network: net.yaml\nassertions:\n"
                                      "  - {name: 'a|b <x>', deny: {from: internet, to: a}}\n")
    text = invoke(["check", s, "--format", "markdown"], 1).stdout
    assert "| a\\|b &lt;x&gt; |" in text


def test_several_formats_in_one_run(spec, tmp_path):
    sarif, junit = tmp_path / "r.sarif", tmp_path / "r.xml"
    result = invoke(["check", spec, "--format", "sarif", "--output", sarif, "--format", "junit",
                     "--output", junit, "--format", "text"], 1)
    assert "VIOLATED: no ssh from the internet" in result.stdout
    validate_sarif(sarif.read_text())
    assert ET.fromstring(junit.read_text()).get("failures") == "2"


def test_pairs_that_do_not_match_are_usage_errors(spec, tmp_path):
    result = invoke(["check", spec, "--format", "sarif", "--format", "junit"], 2)
    assert "only one report can go to stdout" in result.stderr
    result = invoke(["check", spec, "--format", "sarif", "-o", tmp_path / "a", "-o", tmp_path / "b"], 2)
    assert "give one --format per --output" in result.stderr


def test_json_and_text_keep_their_shape(spec):
    report = json.loads(invoke(["check", spec, "--format", "json"], 1).stdout)
    assert set(report) == {"results", "summary"}
    assert report["summary"] == {"total": 3, "holds": 1, "violated": 2, "unknown": 0}
    assert "fingerprint" in report["results"][0] and "fingerprint" not in report["results"][1]
    text = invoke(["check", spec], 1).stdout
    assert text.splitlines()[-1] == "3 assertions: 1 hold, 2 violated, 0 unknown"


def test_soft_fail_reports_but_exits_0(spec):
    result = invoke(["check", spec, "--soft-fail"], 0)
    assert "VIOLATED: no ssh from the internet" in result.stdout


def test_soft_fail_keeps_exit_2_for_bad_input(tmp_path):
    s = write(tmp_path, "spec.yaml", "network: missing.yaml\nassertions:\n  - {name: x, deny: {from: any, to: any}}\n")
    invoke(["check", s, "--soft-fail"], 2)


def test_a_pairing_slip_is_refused_not_written(spec, tmp_path):
    out = tmp_path / "r.sarif"
    result = invoke(["check", spec, "--format", "text", "--format", "sarif", "--output", out], 2)
    assert "is paired with --format text, but its name says sarif" in result.stderr
    assert not out.exists()
