"""JUnit XML: one test suite per spec, one test case per assertion.

A violation is a <failure> carrying the counterexample; an undecided assertion
is an <error> (nothing was shown either way); a waived violation is <skipped>
with the waiver's reason, so CI test reporters show it without failing.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from ..gate.check import CheckedResult, CheckReport
from ..solve.result import Verdict
from .text import format_counterexample


@dataclass
class Case:
    """One test case, whatever produced it (an assertion, a diff direction)."""

    name: str
    classname: str
    seconds: float = 0.0
    file: str = ""
    line: int | None = None
    failure: tuple[str, str] | None = None  # (message, body)
    error: tuple[str, str] | None = None
    skipped: str | None = None
    out: str = ""


@dataclass
class Suite:
    name: str
    cases: list[Case] = field(default_factory=list)


def document(suites: list[Suite], name: str = "sgverify") -> str:
    root = ET.Element("testsuites", name=name)
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    total_time = 0.0
    for suite in suites:
        counts = _counts(suite.cases)
        seconds = sum(c.seconds for c in suite.cases)
        node = ET.SubElement(root, "testsuite", name=suite.name, time=f"{seconds:.3f}",
                             **{k: str(v) for k, v in counts.items()})
        for case in suite.cases:
            _case(node, case)
        for key in totals:
            totals[key] += counts[key]
        total_time += seconds
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", f"{total_time:.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _counts(cases: list[Case]) -> dict[str, int]:
    return {
        "tests": len(cases),
        "failures": sum(1 for c in cases if c.failure),
        "errors": sum(1 for c in cases if c.error),
        "skipped": sum(1 for c in cases if c.skipped is not None),
    }


def _case(parent: ET.Element, case: Case) -> None:
    attributes = {"name": case.name, "classname": case.classname, "time": f"{case.seconds:.3f}"}
    if case.file:
        attributes["file"] = case.file
    if case.line:
        attributes["line"] = str(case.line)
    node = ET.SubElement(parent, "testcase", **attributes)
    if case.failure:
        ET.SubElement(node, "failure", message=case.failure[0], type="violated").text = case.failure[1]
    if case.error:
        ET.SubElement(node, "error", message=case.error[0], type="unknown").text = case.error[1]
    if case.skipped is not None:
        ET.SubElement(node, "skipped", message=case.skipped)
    if case.out:
        ET.SubElement(node, "system-out").text = case.out


def render(report: CheckReport) -> str:
    suites = []
    for outcome in report.outcomes:
        suite = Suite(outcome.spec.path)
        suite.cases = [_check_case(item) for item in report.by_spec(outcome.spec.path)]
        suites.append(suite)
    return document(suites)


def _classname(path: str) -> str:
    stem = path.rsplit(".", 1)[0] if path.endswith((".yaml", ".yml", ".json")) else path
    return stem.replace("\\", "/").strip("/").replace("/", ".") or "sgverify"


def _check_case(item: CheckedResult) -> Case:
    result, a = item.result, item.result.assertion
    case = Case(a.name, _classname(item.spec_path), result.stats.seconds, a.origin.file or item.spec_path,
                a.origin.line)
    detail = "\n".join(format_counterexample(result.counterexample)) if result.counterexample else ""
    note = item.judgement.note()
    if result.verdict is Verdict.VIOLATED and item.fails:
        message = f"violated: {a.name} [{a.kind.value}]" + (f"; {note}" if note else "")
        case.failure = (message, "\n".join(x for x in (detail, note, f"fingerprint: {item.fingerprint}") if x))
    elif result.verdict is Verdict.VIOLATED:
        case.skipped = note
        case.out = detail + f"\nfingerprint: {item.fingerprint}"
    elif result.verdict is Verdict.UNKNOWN:
        case.error = (f"unknown: {a.name} [{a.kind.value}]", result.reason or "the solver gave no answer")
    return case


def render_diff(result) -> str:
    """Two test cases: no added access, no removed access; a failure where the gate fails."""
    from ..diff.render import change_lines

    suite = Suite("sgverify diff")
    for kind, changes, other, this in result.diff.sections(result.old, result.new):
        case = Case(f"no access {kind.value}", "sgverify.diff")
        body = "\n".join(line for change in changes for line in change_lines(change, other, result.profiles, this))
        if changes and result.gate.fails_on(kind):
            case.failure = (f"{len(changes)} region(s) of access {kind.value}", body)
        elif changes:
            case.out = body
        suite.cases.append(case)
    return document([suite])
