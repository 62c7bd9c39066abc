"""The repair search of `fix`, over both layers: security-group rules (explore/repair.py
offers those edits) and the path (NACL entries and routes, path_candidates.py).

Each round applies the cheapest selection of candidates, checks every assertion on
the edited network with the real verifier, and learns from the first counterexample:
a request that must not arrive asks that one of the rules, entries or routes it ran
through change (or that an edit which let it through be dropped); a connection that
must complete offers the additions that would let it. A selection that writes two
entries with one rule number is never tried. Only a network on which every
assertion was proved is returned.
"""

from __future__ import annotations

from ..explore.repair import (Fix, NoFix, admitting, apply, choose_edits, named, original_rule,
                              path_candidates, rule_candidates, run_search, same, unchangeable)
from ..explore.repair_candidates import Edit, Editable, block_candidates
from ..spec import Kind
from .path_candidates import PathEditable, route_candidates, through
from .path_edits import apply_path, is_path_edit, numbers_valid

MAX_ROUNDS = 25


def apply_all(network, edits):
    return apply(apply_path(network, [e for e in edits if is_path_edit(e)]),
                 [e for e in edits if not is_path_edit(e)])


def search(network, assertions, rounds: int = MAX_ROUNDS, editable: Editable = Editable(),
           path: PathEditable = PathEditable()) -> Fix | NoFix:
    return run_search(
        network, assertions, rounds, apply_all,
        lambda edited, failure, chosen, candidates, clauses:
            _learn(network, edited, failure, chosen, candidates, clauses, editable, path),
        lambda candidates, clauses, refuted: _valid_choice(network, candidates, clauses, refuted),
        lambda failure: (f"none of the edits of rules, NACL entries or routes tried makes {named(failure.assertion)} "
                         f"hold together with every other assertion{_why_stuck(failure, network, editable)}"))


def _why_stuck(failure, network, editable: Editable) -> str:
    """Why the last counterexample left nothing to try, when it can say."""
    cx = failure.counterexample
    if failure.assertion.kind is Kind.ALLOW and cx.failed_at and cx.blocked_by is None:
        return (f"; the path drops it at {cx.failed_at}, and no NACL entry or route the input writes "
                f"can be added there to let it through")
    return unchangeable(failure, network, editable)


def _valid_choice(network, candidates, clauses, refuted, tries: int = 50):
    """The cheapest selection whose NACLs keep valid, unique rule numbers."""
    for _ in range(tries):
        chosen = choose_edits(candidates, clauses, refuted)
        if chosen is None or numbers_valid(apply_path(network, [e for e in chosen if is_path_edit(e)])):
            return chosen
        refuted.append(frozenset(chosen))
    return None


def _learn(network, edited, failure, chosen, candidates, clauses, editable: Editable, path: PathEditable) -> str:
    cx, assertion = failure.counterexample, failure.assertion
    new: list = []
    if assertion.kind is not Kind.ALLOW:  # a request that must not arrive did
        originals, added = set(), set()
        for rule in admitting(cx, edited):
            original = original_rule(network, rule, [e for e in chosen if isinstance(e, Edit)])
            if original is not None and editable.rule(original):
                originals.add(original)
                new += block_candidates(network, assertion, original)
            added |= {e for e in chosen if isinstance(e, Edit) and e.target is None
                      and any(same(rule, r) for r in e.rules)}
        if network.topology is not None and cx.path:
            found = through(network, edited, assertion, cx, chosen, path)
            originals |= found.originals
            added |= found.added
            new += found.candidates
        clauses.append((frozenset(originals), frozenset(added)))
    else:
        blocks = [b for b in (cx.blocked_by, cx.also_blocked_by) if b is not None]
        offered, why = rule_candidates(edited, assertion, blocks, editable)
        if why:
            return why
        new += offered
        if not blocks:
            new += path_candidates(edited, assertion, cx, editable)
            if edited.topology is not None:
                new += route_candidates(edited, cx, path)
            if not new and not chosen:  # else other selections of what was offered may still pass
                return (f"is dropped on the path ({cx.failed_at or 'not by a security group'}), "
                        f"where the search cannot add an entry or a route")
    for edit in new:
        if edit not in candidates:
            candidates.append(edit)
    return ""
