"""One report for many networks: each verdict names the network it is about.

A run over many networks (`--network` repeated, a glob, a folder of
snapshots) checks each network and reports them together, in the order the
networks were named. Each network is named by its path, with the account and
Region its snapshot records; a network analysed together with others (joined
by a peering or a transit gateway, see run/components.py) is named with
them: `a.json (account 1..., eu-west-1) joined with b.json (account 2...,
eu-west-1)`. A network that could not be read or resolved is in the report
too, as an error entry: a report never leaves a network out without saying
so.

A run over one network keeps the single-network reports (report/text.py and
the others), byte for byte; these renderers are only for runs over many.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass

from ..errors import Diagnostic
from ..gate.check import CheckReport
from ..gate.fingerprint import fingerprint
from ..solve.result import Verdict
from .outcome import SpecOutcome, Summary
from .text import format_result


@dataclass(frozen=True)
class NetworkName:
    path: str
    account: str = ""
    region: str = ""
    # The networks this one was analysed together with (its component's other files), in order.
    joined: tuple["NetworkName", ...] = ()

    @property
    def own_label(self) -> str:
        """`snaps/a.json (account 111122223333, eu-west-1)`; the path alone when the input does not say."""
        where = ", ".join(x for x in (self.account and f"account {self.account}", self.region) if x)
        return f"{self.path} ({where})" if where else self.path

    @property
    def label(self) -> str:
        """The own label, then `joined with` each network analysed together with this one."""
        if not self.joined:
            return self.own_label
        return f"{self.own_label} joined with {', '.join(n.own_label for n in self.joined)}"

    def as_dict(self) -> dict:
        return {"name": self.label, **self._fields(),
                "joined_with": [{"name": n.own_label, **n._fields()} for n in self.joined]}

    def _fields(self) -> dict:
        return {"path": self.path, "account": self.account or None, "region": self.region or None}


@dataclass(frozen=True)
class NetworkCheck:
    """A network's check: its outcomes, or the errors that kept it from being checked."""

    name: NetworkName
    outcomes: tuple[SpecOutcome, ...] = ()
    errors: tuple[Diagnostic, ...] = ()
    outside: tuple[str, ...] = ()  # elements it refers to that are in no file it was read from
    seconds: float = 0.0
    notes: tuple[str, ...] = ()  # said once on stderr: e.g. why it was not joined with its peers

    @property
    def checked(self) -> bool:
        return not self.errors


# -- text -----------------------------------------------------------------

def render_text(checks: list[tuple[NetworkCheck, CheckReport]]) -> str:
    lines: list[str] = []
    for check, report in checks:
        on = f" on network {check.name.label}"
        if not check.checked:
            lines += [f"{d} (network {check.name.label} not checked)" for d in check.errors]
            continue
        for item in report.items:
            head, *body = format_result(item.result)
            lines += [head + on, *body]
        lines += [f"{item.result.assertion.origin}: {item.judgement.note()}: {item.name}{on}"
                  for item in report.items if item.verdict is Verdict.VIOLATED and item.judgement.note()]
    unread = sum(1 for check, _ in checks if not check.checked)
    lines.append(f"{len(checks)} networks: {len(checks) - unread} checked, {unread} not checked"
                 f"{_joined_note([check.name for check, _ in checks])}")
    s = Summary.of([o for check, _ in checks for o in check.outcomes])
    lines.append(f"{s.total} assertions: {s.holds} hold, {s.violated} violated, {s.unknown} unknown")
    waived = sum(report.waived for _, report in checks)
    if waived:
        lines.append(f"{waived} violated assertion(s) waived; {sum(r.failing for _, r in checks)} fail")
    return "\n".join(lines) + "\n"


def _joined_note(names: list[NetworkName]) -> str:
    """`; 2 of them analysed together (1 group joined by peerings or transit gateways)`, or ""."""
    groups = {frozenset([n.path, *(j.path for j in n.joined)]) for n in names if n.joined}
    if not groups:
        return ""
    joined = sum(len(group) for group in groups)
    return (f"; {joined} of them analysed together ({len(groups)} group{'s' if len(groups) > 1 else ''} "
            f"joined by peerings or transit gateways)")


# -- json -----------------------------------------------------------------

def render_json(checks: list[tuple[NetworkCheck, str]]) -> str:
    """`checks`: each network with its own JSON report (gate/render.py), None when not checked."""
    networks, results, waiver_warnings = [], [], []
    totals = {"total": 0, "holds": 0, "violated": 0, "unknown": 0}
    for check, text in checks:
        entry = {**check.name.as_dict(), "status": "checked" if check.checked else "error",
                 "errors": [str(d) for d in check.errors], "outside_references": list(check.outside)}
        if text is not None:
            data = json.loads(text)
            entry["summary"] = data["summary"]
            results += [{**result, "network": check.name.label} for result in data["results"]]
            waiver_warnings += data.get("waiver_warnings", [])
            for key in totals:
                totals[key] += data["summary"][key]
        networks.append(entry)
    unread = sum(1 for check, _ in checks if not check.checked)
    summary = {**totals, "networks": len(checks), "networks_not_checked": unread}
    out = {"networks": networks, "results": results, "summary": summary}
    if waiver_warnings:
        out["waiver_warnings"] = waiver_warnings
    return json.dumps(out, indent=2) + "\n"


# -- sarif ----------------------------------------------------------------

def merge_sarif(logs: list[tuple[NetworkName, str | None]], errors: dict[str, list[str]]) -> str:
    """One SARIF log with one run from each network's own log (None: not checked).

    One run, not one per network: code scanning takes one run per tool. Each
    result carries its network in `properties` and in its message, and its
    fingerprint covers the network, so the same finding in two accounts is two
    alerts. `errors` maps a network path to why it was not checked.
    """
    merged: dict | None = None
    rules: dict[str, int] = {}  # rule id -> its index in the merged run
    rule_list, results, notes = [], [], []
    for name, text in logs:
        for reason in errors.get(name.path, []):
            notes.append({"level": "error", "message": {"text": f"network {name.label} not checked: {reason}"}})
        if text is None:
            continue
        log = json.loads(text)
        run = log["runs"][0]
        merged = merged or log
        own_rules = run["tool"]["driver"]["rules"]
        for result in run["results"]:
            rule = own_rules[result["ruleIndex"]]
            if rule["id"] not in rules:
                rules[rule["id"]] = len(rules)
                rule_list.append(rule)
            result["ruleIndex"] = rules[rule["id"]]
            result["message"]["text"] = f"network {name.label}: {result['message']['text']}"
            result["properties"] = {**result.get("properties", {}), **_properties(name)}
            result["partialFingerprints"] = {key: fingerprint(value, name.account or name.path, name.region)
                                             for key, value in result["partialFingerprints"].items()}
            results.append(result)
        for invocation in run.get("invocations", []):
            for note in invocation.get("toolExecutionNotifications", []):
                notes.append(dict(note, message={"text": f"network {name.label}: {note['message']['text']}"}))
    if merged is None:  # no network could be checked: an empty run that says why
        from .sarif import log as empty_log

        merged = json.loads(empty_log([], [], []))
    run = merged["runs"][0]
    run["tool"]["driver"]["rules"] = rule_list
    run["results"] = results
    run["invocations"] = [{"executionSuccessful": not errors, "toolExecutionNotifications": notes}]
    return json.dumps(merged, indent=2) + "\n"


def _properties(name: NetworkName) -> dict:
    joined = {"joined_with": [n.path for n in name.joined]} if name.joined else {}
    return {"network": name.path, **({"account": name.account} if name.account else {}),
            **({"region": name.region} if name.region else {}), **joined}


# -- junit ----------------------------------------------------------------

def merge_junit(documents: list[tuple[NetworkName, str | None]], errors: dict[str, list[str]]) -> str:
    """One JUnit document: each network's suites, named `NETWORK: SUITE`; a network
    not checked is a suite with one test case in error."""
    import xml.etree.ElementTree as ET

    from .junit import Case, Suite, document

    root = ET.fromstring(document([]).split("\n", 1)[1])
    for name, text in documents:
        if text is None:
            suite = Suite(f"{name.label}: not checked")
            suite.cases = [Case("read the network", "sgverify.networks", file=name.path,
                                error=("not checked", "\n".join(errors.get(name.path, []))))]
            text = document([suite])
        for suite_node in ET.fromstring(text.split("\n", 1)[1]):
            if not suite_node.get("name", "").endswith(": not checked"):
                suite_node.set("name", f"{name.label}: {suite_node.get('name')}")
            root.append(suite_node)
    for key in ("tests", "failures", "errors", "skipped"):
        root.set(key, str(sum(int(s.get(key, "0")) for s in root)))
    root.set("time", f"{sum(float(s.get('time', '0')) for s in root):.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


# -- lint -----------------------------------------------------------------

def render_lint_text(linted) -> str:
    """`linted`: each network's NetworkLint (run/many.py), in order."""
    lines: list[str] = []
    counts: Counter = Counter()
    for entry in linted:
        lines += [f"{d} (network {entry.name.label} not checked)" for d in entry.errors]
        lines += [f"{f.location or '-'}: {f.severity.value}: {f.id}: {f.message} [{f.fingerprint}] "
                  f"on network {entry.name.label}" for f in entry.findings]
        counts.update(f.severity.value for f in entry.findings)
    unread = sum(1 for entry in linted if entry.errors)
    lines.append(f"{len(linted)} networks: {len(linted) - unread} checked, {unread} not checked"
                 f"{_joined_note([entry.name for entry in linted])}")
    lines.append(", ".join(f"{counts[level]} {level}" for level in ("error", "warning", "info")))
    return "\n".join(lines) + "\n"


def render_lint_json(linted) -> str:
    networks, findings = [], []
    for entry in linted:
        networks.append({**entry.name.as_dict(), "status": "error" if entry.errors else "checked",
                         "errors": [str(d) for d in entry.errors], "findings": len(entry.findings),
                         "outside_references": list(entry.outside)})
        findings += [{**asdict(f), "severity": f.severity.value, "network": entry.name.label}
                     for f in entry.findings]
    unread = sum(1 for entry in linted if entry.errors)
    summary = {"networks": len(linted), "networks_not_checked": unread, "findings": len(findings)}
    return json.dumps({"networks": networks, "findings": findings, "summary": summary}, indent=2) + "\n"


# -- diff -----------------------------------------------------------------

def render_diff_text(pairs) -> str:
    """`pairs`: each pair's PairDiff (run/many_diff.py): its own report under a line naming it."""
    out: list[str] = []
    for pair in pairs:
        if pair.errors:
            out += [f"{d} (network {pair.name.label} not compared)\n" for d in pair.errors]
            continue
        out.append(f"== network {pair.name.label}: {pair.old} -> {pair.new}\n")
        out.append(pair.reports["text"])
    # A group of joined networks is one report and one entry, and counts as each of its networks.
    failing = sum(_size(pair) for pair in pairs if pair.fails)
    unread = sum(_size(pair) for pair in pairs if pair.errors)
    total = sum(_size(pair) for pair in pairs)
    out.append(f"{total} networks: {total - unread} compared, {unread} not compared; "
               f"{failing} with differences the gate fails on{_joined_note([p.name for p in pairs])}\n")
    return "".join(out)


def _size(entry) -> int:
    return 1 + len(entry.name.joined)


def render_diff_json(pairs) -> str:
    networks = []
    for pair in pairs:
        entry = {**pair.name.as_dict(), "old": pair.old, "new": pair.new,
                 "status": "error" if pair.errors else "compared", "errors": [str(d) for d in pair.errors],
                 "fails": pair.fails, "outside_references": list(pair.outside)}
        if not pair.errors:
            entry["report"] = json.loads(pair.reports["json"])
        networks.append(entry)
    unread = sum(_size(pair) for pair in pairs if pair.errors)
    summary = {"networks": sum(_size(pair) for pair in pairs), "networks_not_compared": unread,
               "networks_failing": sum(_size(pair) for pair in pairs if pair.fails)}
    return json.dumps({"networks": networks, "summary": summary}, indent=2) + "\n"
