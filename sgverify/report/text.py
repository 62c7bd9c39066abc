"""Plain-text report: one compiler-style line per assertion, details under violations.

    specs/x.yaml:9: VIOLATED: C cannot reach A [deny]
        counterexample: tcp 10.0.3.10:* -> 10.0.1.10:443  aws-resource-c -> aws-resource-a
        allowed by: egress sg-type-c[0] {protocol: all, destination: 0.0.0.0/0}  net.yaml:12
"""

from __future__ import annotations

from ..solve.result import Counterexample, Result, Side, Verdict
from .outcome import SpecOutcome, Summary
from .rules import rule_line

INDENT = "    "


def side_name(side: Side) -> str:
    return side.resource or side.external or "unmanaged"


def format_counterexample(cx: Counterexample) -> list[str]:
    flow = f"{side_name(cx.source)} -> {side_name(cx.destination)}"
    blocked = cx.blocked_by is not None or bool(cx.failed_at)
    lines = [f"counterexample: {cx.packet}  {flow}" + ("  (blocked)" if blocked else "")]
    if cx.client_port is not None:
        lines.append(f"client port: {cx.client_port}")
    if cx.allowed_by:
        lines.append("allowed by: " + rule_line(cx.allowed_by[0]))
        lines += ["            " + rule_line(rule) for rule in cx.allowed_by[1:]]
    for block in (cx.blocked_by, cx.also_blocked_by):
        if block is None:
            continue
        groups = ", ".join(block.groups) or "no security groups"
        lines.append(f"blocked by: {block.direction.value} of {block.resource} ({groups}): no rule admits it")
        if block.nearest:
            lines.append("nearest rules:")
            lines += [INDENT + rule_line(rule) for rule in block.nearest]
    if cx.path:
        lines.append("path:")
        lines += [INDENT + str(hop) for hop in cx.path]
    if cx.failed_at:
        lines.append(f"fails at: {cx.failed_at}")
    lines += [f"assuming: {text}" for text in cx.assumptions]
    return lines


def format_result(result: Result) -> list[str]:
    a = result.assertion
    where = f"{a.origin}: " if str(a.origin) else ""
    status = {Verdict.HOLDS: "holds", Verdict.VIOLATED: "VIOLATED", Verdict.UNKNOWN: "unknown"}[result.verdict]
    head = f"{where}{status}: {a.name} [{a.kind.value}]"
    if result.verdict is Verdict.UNKNOWN and result.reason:
        head += f" ({result.reason})"
    body = format_counterexample(result.counterexample) if result.counterexample else []
    return [head] + [INDENT + line for line in body]


def render(outcomes: list[SpecOutcome]) -> str:
    lines: list[str] = []
    for outcome in outcomes:
        for result in outcome.results:
            lines += format_result(result)
    s = Summary.of(outcomes)
    lines.append(f"{s.total} assertions: {s.holds} hold, {s.violated} violated, {s.unknown} unknown")
    return "\n".join(lines) + "\n"
