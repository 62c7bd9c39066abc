"""The seed scenarios, end to end: the project's main demo must keep working.

`sgverify check specs/seed/*.yaml` proves every assertion (exit 0), and
`sgverify check specs/article-claims/*.yaml` refutes exactly the two wrong
claims (exit 1), each with the packet from A to B that shows it. The CLI runs
as a real subprocess, as a user would run it. Independently of the verifier,
the brute-force oracle decides every assertion too, so a wrong spec cannot hide
behind a wrong verifier.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from oracle import decide
from sgverify.inputs.native.reader import load_native
from sgverify.spec.parse import load_spec
from sgverify.spec.resolve import resolve_spec

ROOT = Path(__file__).resolve().parent.parent
SEED_SPECS = sorted((ROOT / "specs" / "seed").glob("*.yaml"))
CLAIM_SPECS = sorted((ROOT / "specs" / "article-claims").glob("*.yaml"))

WRONG_CLAIMS = {
    "5: B accepts 443 from A (source 0.0.0.0/32)": {443},
    "6: A reaches B on 80/443 via the sg-type-a egress rule": {80, 443},
}


def run_check(specs: list[Path], *extra: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "sgverify", "check", *map(str, specs), *extra]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


def json_report(specs: list[Path]) -> tuple[int, dict, str]:
    done = run_check(specs, "--format", "json")
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, json.loads(done.stdout), done.stderr


def assertion_names(specs: list[Path]) -> list[str]:
    return [raw.name for path in specs for raw in load_spec(path).assertions]


def test_every_scenario_has_a_network_a_spec_and_claims():
    networks = sorted(p.name for p in (ROOT / "examples" / "seed").glob("*.yaml"))
    assert len(networks) == 6
    assert [p.name for p in SEED_SPECS] == networks
    assert [p.name for p in CLAIM_SPECS] == networks


def test_seed_specs_all_hold():
    code, report, stderr = json_report(SEED_SPECS)
    not_holding = [(r["name"], r["status"]) for r in report["results"] if r["status"] != "holds"]
    assert not_holding == [], stderr
    assert code == 0
    names = assertion_names(SEED_SPECS)
    assert sorted(r["name"] for r in report["results"]) == sorted(names)
    assert report["summary"] == {"total": len(names), "holds": len(names), "violated": 0, "unknown": 0}


def test_seed_text_report_ends_with_a_clean_summary():
    done = run_check(SEED_SPECS)
    assert done.returncode == 0, done.stdout + done.stderr
    total = len(assertion_names(SEED_SPECS))
    assert done.stdout.rstrip().splitlines()[-1] == (
        f"{total} assertions: {total} hold, 0 violated, 0 unknown")
    assert "VIOLATED" not in done.stdout


def test_article_claims_refute_exactly_the_two_wrong_claims():
    code, report, _ = json_report(CLAIM_SPECS)
    assert code == 1
    violated = {r["name"]: r for r in report["results"] if r["status"] == "violated"}
    assert set(violated) == set(WRONG_CLAIMS)
    others = [r for r in report["results"] if r["name"] not in WRONG_CLAIMS]
    assert others and all(r["status"] == "holds" for r in others)
    for name, ports in WRONG_CLAIMS.items():
        cx = violated[name]["counterexample"]
        assert (cx["source"], cx["destination"]) == ("aws-resource-a", "aws-resource-b")
        assert (cx["src_ip"], cx["dst_ip"]) == ("10.0.1.10", "10.0.2.10")
        assert cx["protocol"] == "tcp" and cx["port"] in ports
        # A's egress is what stops the packet in both scenarios.
        assert cx["blocked_by"]["direction"] == "egress"
        assert cx["blocked_by"]["resource"] == "aws-resource-a"


def test_article_claims_text_report_names_the_violations():
    done = run_check(CLAIM_SPECS)
    assert done.returncode == 1, done.stdout + done.stderr
    heads = [line for line in done.stdout.splitlines() if ": VIOLATED: " in line]
    assert sorted(h.split(": VIOLATED: ", 1)[1] for h in heads) == sorted(
        f"{name} [allow]" for name in WRONG_CLAIMS)
    # The mistaken rule is flagged when the network is read.
    assert "0.0.0.0/32" in done.stderr


def _oracle_cases():
    for path in SEED_SPECS + CLAIM_SPECS:
        yield pytest.param(path, id=f"{path.parent.name}/{path.name}")


@pytest.mark.parametrize("spec_path", list(_oracle_cases()))
def test_brute_force_oracle_agrees(spec_path: Path):
    document = load_spec(spec_path)
    network = load_native(document.network).network
    spec, _ = resolve_spec(document, network)
    expected_false = set(WRONG_CLAIMS) if spec_path in CLAIM_SPECS else set()
    for assertion in spec.assertions:
        verdict = decide(network, assertion)
        assert verdict.holds == (assertion.name not in expected_false), (assertion.name, verdict)
