"""SARIF 2.1.0: one result per violation (and per added-access region).

ruleId is the assertion name; the primary location is the rule at fault in its
own file (native YAML, .tf, CloudFormation template...), with the spec's
assertion and the other rules involved as related locations; the message holds
the counterexample. Waived findings stay in the log, marked as suppressed.
"""

from __future__ import annotations

import json

from .. import __version__
from ..gate.check import CheckedResult, CheckReport
from ..solve.result import Verdict
from ..spec import Kind
from .locations import rule_locations, sarif_location
from .text import format_counterexample

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "sgverify/v1"


def log(runs_results: list[dict], rules: list[dict], notifications: list[dict]) -> str:
    run = {
        "tool": {"driver": {"name": "sgverify", "version": __version__, "semanticVersion": __version__,
                            "rules": rules}},
        "results": runs_results,
        "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notifications}],
        "columnKind": "unicodeCodePoints",
    }
    return json.dumps({"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2) + "\n"


def sarif_result(rule_id: str, rule_index: int, level: str, message: str, locations: list[dict],
                 related: list[dict], fingerprint: str, suppressed_because: str = "") -> dict:
    out: dict = {
        "ruleId": rule_id,
        "ruleIndex": rule_index,
        "level": level,
        "message": {"text": message},
        "locations": locations[:1],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
    }
    others = locations[1:] + related
    if others:
        out["relatedLocations"] = [dict(loc, id=i) for i, loc in enumerate(others)]
    if suppressed_because:
        out["suppressions"] = [{"kind": "external", "status": "accepted", "justification": suppressed_because}]
    return out


def notification(text: str, level: str = "warning") -> dict:
    return {"level": level, "message": {"text": text}}


class RuleTable:
    """The reportingDescriptors of a run: one per distinct rule id, in first-seen order."""

    def __init__(self) -> None:
        self.rules: list[dict] = []
        self.index: dict[str, int] = {}

    def add(self, rule_id: str, description: str, level: str = "error") -> int:
        if rule_id not in self.index:
            self.index[rule_id] = len(self.rules)
            self.rules.append({"id": rule_id, "name": _pascal(rule_id),
                               "shortDescription": {"text": description or rule_id},
                               "defaultConfiguration": {"level": level}})
        return self.index[rule_id]


def _pascal(text: str) -> str:
    words = "".join(c if c.isalnum() else " " for c in text).split()
    return "".join(w[:1].upper() + w[1:] for w in words) or "Assertion"


def render(report: CheckReport) -> str:
    table = RuleTable()
    results = []
    for item in report.items:
        if item.verdict is Verdict.HOLDS:
            continue
        a = item.result.assertion
        index = table.add(item.name, f"{a.kind.value}: from {_names(a.sources)} to {_names(a.destinations)}, "
                                     f"{a.traffic}")
        results.append(_check_result(item, index))
    notes = [notification(str(w)) for w in report.warnings]
    notes += [notification(str(w)) for o in report.outcomes for w in o.warnings]
    return log(results, table.rules, notes)


def _names(endpoints) -> str:
    return ", ".join(str(e) for e in endpoints)


def _check_result(item: CheckedResult, index: int) -> dict:
    result, a = item.result, item.result.assertion
    spec_location = sarif_location(a.origin, f"assertion {a.name!r}")
    spec_locations = [spec_location] if spec_location else []
    cx = result.counterexample
    at_fault: list[dict] = []
    if cx is not None and a.kind is not Kind.ALLOW:
        at_fault = rule_locations(cx.allowed_by)  # the rules that let the packet through
    elif cx is not None:
        # Nothing admits the packet: point at the rules nearest to admitting it.
        for block in (cx.blocked_by, cx.also_blocked_by):
            if block is not None:
                at_fault += [loc for loc in rule_locations(block.nearest) if loc not in at_fault]
    locations = at_fault + spec_locations
    message = _message(item)
    level = "error" if item.fails else "warning"
    return sarif_result(item.name, index, level, message, locations, [], item.fingerprint,
                        suppressed_because=item.judgement.note() if item.waived else "")


def _message(item: CheckedResult) -> str:
    result, a = item.result, item.result.assertion
    if result.verdict is Verdict.UNKNOWN:
        head = f"could not be decided: {a.name} [{a.kind.value}]" + (f" ({result.reason})" if result.reason else "")
    else:
        head = f"violated: {a.name} [{a.kind.value}]"
    lines = [head]
    if result.counterexample is not None:
        lines += format_counterexample(result.counterexample)
    note = item.judgement.note()
    if note:
        lines.append(note)
    lines.append(f"fingerprint: {item.fingerprint}")
    return "\n".join(lines)


def render_diff(result) -> str:
    """One result per region of difference; the failing kind at level error, the other warning."""
    from ..diff.explain import change_fingerprint, elsewhere, profile_lines, rules_of
    from ..diff.render import headline

    table = RuleTable()
    results = []
    for kind, changes, other, this in result.diff.sections(result.old, result.new):
        rule_id = f"{kind.value}-access"
        level = "error" if result.gate.fails_on(kind) else "warning"
        index = table.add(rule_id, f"access {kind.value} between the two networks", level)
        for change in changes:
            lines = [f"{kind.value} access: {headline(change, profiles=result.profiles, this=this)}"]
            lines += profile_lines(change, result.profiles)
            packet = change.region.witness()
            if packet is not None:
                lines.append(f"witness: {packet}")
            why = elsewhere(change, other)
            if why:
                lines.append(why)
            lines += [f"depends on: {d}" for d in change.region.depends_on]
            locations = rule_locations(rules_of(change.region))
            related = rule_locations(rules_of(change.other))
            results.append(sarif_result(rule_id, index, level, "\n".join(lines), locations, related,
                                        change_fingerprint(change)))
    notes = [notification(str(w)) for w in result.warnings]
    return log(results, table.rules, notes)
