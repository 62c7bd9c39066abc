"""Waivers: a reviewed exception for one finding, with a reason, an owner and an end.

    waivers:
      - match: web is open to the world      # an assertion name or a finding fingerprint
        reason: public website, by design
        owner: web-team
        expires: 2027-01-31                  # the last day the waiver counts

Matching is generic: a waiver matches any finding whose name or fingerprint
equals its `match`, whatever produced the finding (a check, a diff, a lint).
A waived finding is still reported; it just does not fail the run. Once the
date has passed the waiver no longer counts and the report says it expired.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum
from typing import Iterable, Protocol

from ..errors import Diagnostic, Severity
from ..inputs.fields import Report, check_keys, type_name
from ..inputs.yamlnodes import YList, YMap
from ..model import Origin

WAIVER_KEYS = ("match", "reason", "owner", "expires")


class Waivable(Protocol):
    """Anything a waiver can name: a finding with a name and a fingerprint."""

    @property
    def name(self) -> str: ...

    @property
    def fingerprint(self) -> str: ...


@dataclass(frozen=True)
class Waiver:
    match: str
    reason: str
    owner: str
    expires: dt.date
    origin: Origin = Origin()

    def matches(self, finding: Waivable) -> bool:
        return self.match in (finding.name, finding.fingerprint)

    def expired(self, today: dt.date) -> bool:
        return today > self.expires

    def __str__(self) -> str:
        return f"{self.reason} (owner {self.owner}, until {self.expires.isoformat()})"


class Disposition(Enum):
    FAILS = "fails"  # no waiver: the finding fails the run
    WAIVED = "waived"  # an active waiver: reported, does not fail
    EXPIRED = "expired"  # only expired waivers match: fails, and says so


@dataclass(frozen=True)
class Judgement:
    disposition: Disposition
    waiver: Waiver | None = None

    @property
    def fails(self) -> bool:
        return self.disposition is not Disposition.WAIVED

    def note(self) -> str:
        """One line for reports; empty when no waiver is involved."""
        if self.waiver is None:
            return ""
        if self.disposition is Disposition.WAIVED:
            return f"waived: {self.waiver}"
        return (f"waiver expired on {self.waiver.expires.isoformat()} ({self.waiver.origin}): "
                f"{self.waiver.reason}; renew it or fix the finding")


NOT_WAIVED = Judgement(Disposition.FAILS)


def judge(finding: Waivable, waivers: Iterable[Waiver], today: dt.date) -> Judgement:
    """An active matching waiver waives; else an expired one is named; else it fails."""
    matching = [w for w in waivers if w.matches(finding)]
    active = [w for w in matching if not w.expired(today)]
    if active:
        return Judgement(Disposition.WAIVED, active[0])
    if matching:
        return Judgement(Disposition.EXPIRED, max(matching, key=lambda w: w.expires))
    return NOT_WAIVED


def unmatched(waivers: Iterable[Waiver], findings: Iterable[Waivable]) -> list[Diagnostic]:
    """A warning for each waiver that matches no finding (stale, or a typo)."""
    findings = list(findings)
    return [
        Diagnostic(Severity.WARNING, str(w.origin),
                   f"waiver {w.match!r} matches no finding (nothing to waive: remove it, or check the "
                   f"assertion name or fingerprint)")
        for w in waivers if not any(w.matches(f) for f in findings)
    ]


def read_waivers(report: Report, doc: YMap) -> tuple[Waiver, ...]:
    """The spec's `waivers:` list; one error per problem, with its line."""
    if "waivers" not in doc or doc["waivers"] is None:
        return ()
    items = doc["waivers"]
    if not isinstance(items, YList):
        report.error(doc.value_line("waivers"), f"waivers must be a list, not {type_name(items)}")
        return ()
    out = []
    for index, item in enumerate(items):
        if not isinstance(item, YMap):
            report.error(items.item_line(index), f"a waiver must be a mapping with {', '.join(WAIVER_KEYS)}, "
                                                 f"not {type_name(item)}")
            continue
        waiver = _waiver(report, item)
        if waiver is not None:
            out.append(waiver)
    return tuple(out)


def _waiver(report: Report, item: YMap) -> Waiver | None:
    check_keys(report, item, WAIVER_KEYS, "a waiver")
    errors = len(report.errors)
    texts = {}
    for key in ("match", "reason", "owner"):
        value = item.get(key)
        if not isinstance(value, str) or not value.strip():
            where = item.value_line(key) if key in item else item.line
            report.error(where, f"a waiver needs {key!r} as non-empty text"
                                + ("" if key not in item else f", not {type_name(value)}"))
        else:
            texts[key] = value.strip()
    expires = _date(report, item)
    if len(report.errors) > errors or expires is None:
        return None
    return Waiver(texts["match"], texts["reason"], texts["owner"], expires, Origin(report.path, item.line))


def _date(report: Report, item: YMap) -> dt.date | None:
    if "expires" not in item:
        report.error(item.line, "a waiver needs 'expires' (a date YYYY-MM-DD): every exception should end")
        return None
    raw = item["expires"]
    try:
        return dt.date.fromisoformat(str(raw).strip()) if isinstance(raw, str) else _bad_date(raw)
    except ValueError:
        report.error(item.value_line("expires"), f"expires must be a date YYYY-MM-DD, not {type_name(raw)}")
        return None


def _bad_date(raw) -> dt.date:
    raise ValueError(raw)
