"""One small solver interface: satisfiability with unknown as a first-class answer.

Validity is written once, as "the negation is unsatisfiable": an assertion is
proved by showing that no violating packet exists. A timeout or a solver that
gives up is UNKNOWN, never a proof.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import z3


class Sat(Enum):
    SAT = "sat"
    UNSAT = "unsat"
    UNKNOWN = "unknown"


@dataclass
class Answer:
    status: Sat
    model: z3.ModelRef | None = None
    reason: str = ""
    statistics: dict | None = None


def check(formula: z3.BoolRef, timeout: float | None = None, statistics: bool = False) -> Answer:
    ctx = formula.ctx
    # z3's general SMT core, not the QF_BV tactic pipeline. The formulas only
    # compare small bit-vectors (atom, identity and service numbers); measured
    # on every benchmark workload (generated estates and ClassBench), the core
    # took a third to a half of the pipeline's time per query, same verdicts.
    solver = z3.SimpleSolver(ctx=ctx)
    if timeout is not None:
        solver.set("timeout", max(1, int(timeout * 1000)))
    solver.add(formula)
    result = solver.check()
    stats = _statistics(solver) if statistics else None
    if result == z3.sat:
        return Answer(Sat.SAT, solver.model(), statistics=stats)
    if result == z3.unsat:
        return Answer(Sat.UNSAT, statistics=stats)
    return Answer(Sat.UNKNOWN, reason=solver.reason_unknown() or "solver gave up", statistics=stats)


def is_valid(formula: z3.BoolRef, timeout: float | None = None) -> Sat:
    """UNSAT of the negation = valid (returned as Sat.UNSAT); SAT = refuted; else unknown."""
    return check(z3.Not(formula), timeout).status


def _statistics(solver: z3.Solver) -> dict:
    stats = solver.statistics()
    return {key: stats.get_key_value(key) for key in stats.keys()}
