"""What a check run produced, per spec: the values every report format reads."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import Diagnostic
from ..solve.result import Result, Verdict
from ..spec import Spec


@dataclass(frozen=True)
class SpecOutcome:
    spec: Spec
    network_source: str
    results: tuple[Result, ...]
    warnings: tuple[Diagnostic, ...] = ()
    vpc_layer: bool = True  # False: the network has none, verdicts are by security groups alone


@dataclass(frozen=True)
class Summary:
    total: int
    holds: int
    violated: int
    unknown: int

    @classmethod
    def of(cls, outcomes) -> "Summary":
        results = [r for o in outcomes for r in o.results]
        count = lambda v: sum(1 for r in results if r.verdict is v)  # noqa: E731
        return cls(len(results), count(Verdict.HOLDS), count(Verdict.VIOLATED), count(Verdict.UNKNOWN))
