"""Markdown: a short summary table plus details, for a pull-request comment."""

from __future__ import annotations

from ..gate.check import CheckedResult, CheckReport
from ..solve.result import Verdict
from .text import format_counterexample

MARK = {"fails": "❌", "waived": "⚠️", "unknown": "❓", "holds": "✅"}


def cell(text: str) -> str:
    """Text safe inside a table cell: no pipes, no line breaks, no HTML."""
    return (str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
            .replace("<", "&lt;").replace(">", "&gt;"))


def fenced(lines: list[str]) -> list[str]:
    fence = "```"
    while any(fence in line for line in lines):
        fence += "`"
    return [fence + "text", *lines, fence]


def details(summary: str, lines: list[str]) -> list[str]:
    return ["<details>", f"<summary>{cell(summary)}</summary>", "", *fenced(lines), "", "</details>", ""]


def _state(item: CheckedResult) -> str:
    if item.verdict is Verdict.HOLDS:
        return "holds"
    if item.verdict is Verdict.UNKNOWN:
        return "unknown"
    return "fails" if item.fails else "waived"


def _status(item: CheckedResult) -> str:
    state = _state(item)
    text = {"fails": "violated", "waived": "violated (waived)", "unknown": "unknown", "holds": "holds"}[state]
    if item.verdict is Verdict.VIOLATED and item.judgement.waiver is not None and item.fails:
        text = "violated (waiver expired)"
    return f"{MARK[state]} {text}"


def render(report: CheckReport) -> str:
    s = report.summary
    head = "passed" if report.failing == 0 and report.unknown == 0 else "failed"
    lines = [f"### sgverify check {head}", "",
             f"{s.total} assertions: {s.holds} hold, {s.violated} violated"
             + (f" ({report.waived} waived)" if report.waived else "") + f", {s.unknown} unknown", ""]
    shown = [item for item in report.items if item.verdict is not Verdict.HOLDS]
    if not shown:
        lines += ["Every assertion holds.", ""]
    else:
        lines += ["| Result | Assertion | Where |", "| --- | --- | --- |"]
        lines += [f"| {_status(i)} | {cell(i.name)} | `{cell(str(i.result.assertion.origin))}` |" for i in shown]
        lines.append("")
        for item in shown:
            lines += details(item.name, _detail(item))
    lines += [f"> {cell(str(w))}" for w in report.warnings]
    return "\n".join(lines).rstrip("\n") + "\n"


def _detail(item: CheckedResult) -> list[str]:
    result, a = item.result, item.result.assertion
    out = [f"{a.kind.value}: from {', '.join(map(str, a.sources))} to {', '.join(map(str, a.destinations))}, "
           f"{a.traffic}"]
    if result.reason:
        out.append(f"reason: {result.reason}")
    if result.counterexample is not None:
        out += format_counterexample(result.counterexample)
    if item.judgement.note():
        out.append(item.judgement.note())
    if item.verdict is Verdict.VIOLATED:
        out.append(f"fingerprint: {item.fingerprint}")
    return out


def render_diff(result) -> str:
    """Summary table of every region of difference, then each region's details."""
    from ..diff.explain import describe_side
    from ..diff.render import change_lines, family_name

    diff, gate = result.diff, result.gate
    verdict = "failed" if gate.failing else "passed"
    lines = [f"### sgverify diff {verdict}", "",
             f"`{cell(diff.old_source)}` → `{cell(diff.new_source)}`: {len(diff.added)} added, "
             f"{len(diff.removed)} removed region(s); gate on {gate.fail_on.value}"
             + ("; by side (what each resource's rules admit with any address)" if diff.by_side else ""), ""]
    rows = [(kind, change, other, this) for kind, changes, other, this in diff.sections(result.old, result.new)
            for change in changes]
    if not rows:
        return "\n".join(lines + ["The two networks deliver exactly the same packets."]) + "\n"
    lines += ["| | Change | To | From | Services | Family |", "| --- | --- | --- | --- | --- | --- |"]
    for kind, change, _, this in rows:
        r = change.region
        mark = "❌" if gate.fails_on(kind) else "ℹ️"
        what = kind.value + ("" if change.certain else " (possible)")
        sources = describe_side(change, True, result.profiles, this)
        # An unmanaged destination (a side row's "any address") is its addresses, as a source is.
        to = cell(r.destination) if r.destination.is_resource else \
            f"{cell(describe_side(change, False, result.profiles, this))} ({cell(r.destination)})"
        lines.append(f"| {mark} | {what} | {to} | {cell(sources)} "
                     f"({cell(r.source)}) | {cell(r.service_text)} | {family_name(change)} |")
    lines.append("")
    for kind, change, other, this in rows:
        lines += details(f"{kind.value}: {change.region.destination} from {change.region.source}",
                         change_lines(change, other, result.profiles, this))
    return "\n".join(lines).rstrip("\n") + "\n"
