"""Render a gated check run in any report format.

text and json are the core reports, unchanged for runs without waivers; the
gate only adds what it knows: each violation's fingerprint (json), and which
violations a waiver covers or failed to cover because it expired.
"""

from __future__ import annotations

import json

from ..report import jsonout, junit, markdown, sarif, text
from ..solve.result import Verdict
from .check import CheckReport

FORMATS = ("text", "json", "sarif", "junit", "markdown")


def render_check(report: CheckReport, fmt: str, with_stats: bool = False) -> str:
    if fmt == "text":
        return _text(report)
    if fmt == "json":
        return _json(report, with_stats)
    if fmt == "sarif":
        return sarif.render(report)
    if fmt == "junit":
        return junit.render(report)
    if fmt == "markdown":
        return markdown.render(report)
    raise ValueError(f"unknown report format {fmt!r}")


def _text(report: CheckReport) -> str:
    out = text.render(list(report.outcomes))
    notes = [f"{item.result.assertion.origin}: {item.judgement.note()}: {item.name}"
             for item in report.items if item.verdict is Verdict.VIOLATED and item.judgement.note()]
    if notes:
        out += "\n".join(notes) + "\n"
        if report.waived:
            out += f"{report.waived} violated assertion(s) waived; {report.failing} fail\n"
    return out


def _json(report: CheckReport, with_stats: bool) -> str:
    data = json.loads(jsonout.render(list(report.outcomes), with_stats))
    for entry, item in zip(data["results"], report.items):
        if item.verdict is not Verdict.VIOLATED:
            continue
        entry["fingerprint"] = item.fingerprint
        waiver = item.judgement.waiver
        if waiver is not None:
            entry["waiver"] = {"status": item.judgement.disposition.value, "match": waiver.match,
                               "reason": waiver.reason, "owner": waiver.owner,
                               "expires": waiver.expires.isoformat(), "location": str(waiver.origin)}
    if any(item.judgement.waiver for item in report.items) or report.warnings:
        data["summary"]["waived"] = report.waived
        data["summary"]["failing"] = report.failing
        data["waiver_warnings"] = [str(w) for w in report.warnings]
    return json.dumps(data, indent=2) + "\n"
