"""A check run judged by the gate: each result with its fingerprint and waiver.

Only a violation is a finding a waiver can waive. An unknown result is never
waived (it is not a finding, it is an open question), and a result that holds
needs no waiver: a waiver that matches nothing is reported as a warning.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..errors import Diagnostic
from ..report.outcome import SpecOutcome, Summary
from ..solve.result import Result, Verdict
from ..spec.parse import load_spec
from .fingerprint import assertion_fingerprint
from .waivers import NOT_WAIVED, Judgement, Waiver, judge, unmatched
from .exit import decide


@dataclass(frozen=True)
class CheckedResult:
    result: Result
    spec_path: str
    fingerprint: str
    judgement: Judgement = NOT_WAIVED

    @property
    def name(self) -> str:
        return self.result.assertion.name

    @property
    def verdict(self) -> Verdict:
        return self.result.verdict

    @property
    def fails(self) -> bool:
        return self.verdict is Verdict.VIOLATED and self.judgement.fails

    @property
    def waived(self) -> bool:
        return self.verdict is Verdict.VIOLATED and not self.judgement.fails


@dataclass(frozen=True)
class CheckReport:
    outcomes: tuple[SpecOutcome, ...]
    items: tuple[CheckedResult, ...]
    warnings: tuple[Diagnostic, ...] = ()  # about waivers

    @property
    def summary(self) -> Summary:
        return Summary.of(self.outcomes)

    @property
    def failing(self) -> int:
        return sum(1 for item in self.items if item.fails)

    @property
    def waived(self) -> int:
        return sum(1 for item in self.items if item.waived)

    @property
    def unknown(self) -> int:
        return sum(1 for item in self.items if item.verdict is Verdict.UNKNOWN)

    def by_spec(self, path: str) -> list[CheckedResult]:
        return [item for item in self.items if item.spec_path == path]

    def exit_code(self, soft_fail: bool = False) -> int:
        return decide(self.failing, self.unknown, soft_fail)


def gate_check(outcomes: list[SpecOutcome], today: dt.date | None = None,
               waivers: dict[str, tuple[Waiver, ...]] | None = None) -> CheckReport:
    """Judge every result of a check run against its spec's waivers.

    `waivers` maps a spec path to its waivers; by default each spec's own
    `waivers:` are read from the spec file.
    """
    today = today or dt.date.today()
    items: list[CheckedResult] = []
    warnings: list[Diagnostic] = []
    for outcome in outcomes:
        path = outcome.spec.path
        spec_waivers = waivers[path] if waivers is not None else load_spec(path).waivers
        checked = [CheckedResult(r, path, assertion_fingerprint(r.assertion)) for r in outcome.results]
        findings = [c for c in checked if c.verdict is Verdict.VIOLATED]
        items += [
            CheckedResult(c.result, path, c.fingerprint, judge(c, spec_waivers, today)) if c in findings else c
            for c in checked
        ]
        warnings += unmatched(spec_waivers, findings)
    return CheckReport(tuple(outcomes), tuple(items), tuple(warnings))
