"""The diff gate: which differences fail the run (`--fail-on`)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from ..gate.exit import decide
from .engine import ChangeKind, NetworkDiff


class FailOn(str, Enum):
    added = "added"  # the "no new access" gate (default)
    removed = "removed"
    any = "any"

    def kinds(self) -> tuple[ChangeKind, ...]:
        if self is FailOn.added:
            return (ChangeKind.ADDED,)
        if self is FailOn.removed:
            return (ChangeKind.REMOVED,)
        return (ChangeKind.ADDED, ChangeKind.REMOVED)


@dataclass(frozen=True)
class DiffGate:
    diff: NetworkDiff
    fail_on: FailOn = FailOn.added

    def fails_on(self, kind: ChangeKind) -> bool:
        return kind in self.fail_on.kinds()

    @property
    def failing(self) -> int:
        # Possible changes count as much as certain ones: a pass must be a proof.
        return sum(len(changes) for kind, changes in ((ChangeKind.ADDED, self.diff.added),
                                                     (ChangeKind.REMOVED, self.diff.removed))
                   if self.fails_on(kind))

    def exit_code(self, soft_fail: bool = False) -> int:
        return decide(self.failing, 0, soft_fail)

    def summary_line(self) -> str:
        verdict = "FAILED" if self.failing else "passed"
        return (f"{len(self.diff.added)} added, {len(self.diff.removed)} removed region(s); "
                f"gate on {self.fail_on.value}: {verdict}")
