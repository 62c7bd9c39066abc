"""The choice of a smallest edit as a weighted MaxSMT problem (the only z3 of repairs).

Candidates are numbered edits with a cost. A selection must satisfy every
learned clause (select one of these candidates or drop one of those) and differ from every
selection already refuted, and it picks at most one edit per rule; among
those, z3's Optimize minimises the total cost.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import z3


def cheapest_selection(costs: Sequence[int], exclusive: Iterable[Sequence[int]],
                       clauses: Iterable[tuple[Sequence[int], Sequence[int]]], refuted: Iterable[frozenset[int]],
                       timeout_ms: int = 10_000) -> frozenset[int] | None:
    """The cheapest set of candidate indices meeting the constraints, or None if there is none."""
    ctx = z3.Context()
    picks = [z3.Bool(f"c{i}", ctx) for i in range(len(costs))]
    opt = z3.Optimize(ctx=ctx)
    opt.set("timeout", timeout_ms)
    for group in exclusive:
        if len(group) > 1:
            opt.add(z3.AtMost(*[picks[i] for i in group], 1))
    for positive, negative in clauses:
        # Select one of `positive` or drop one of `negative`.
        literals = [picks[i] for i in positive] + [z3.Not(picks[i]) for i in negative]
        opt.add(z3.Or(literals or [z3.BoolVal(False, ctx)]))
    for selection in refuted:
        # Not this exact selection again.
        opt.add(z3.Or([z3.Not(p) if i in selection else p for i, p in enumerate(picks)]
                      or [z3.BoolVal(False, ctx)]))
    for i, cost in enumerate(costs):
        opt.add_soft(z3.Not(picks[i]), cost)
    if opt.check() != z3.sat:
        return None
    model = opt.model()
    return frozenset(i for i, p in enumerate(picks) if z3.is_true(model.eval(p, model_completion=True)))
