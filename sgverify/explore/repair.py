"""Suggest the smallest change that makes a spec hold (`check --suggest-fix`, `fix`).

Candidate edits come from counterexamples (repair_candidates.py, and
repair_nacl.py for the path layer): remove a rule that admits a forbidden
packet, narrow it (its CIDR minus the forbidden block, or its ports minus the
forbidden ones), or add a rule (or NACL entry) admitting a required packet. A
z3 Optimize (encode/repair.py) picks the cheapest selection consistent with
what has been learned; the edited network is then re-verified against EVERY
assertion of the spec with the real verifier. Any failure teaches a clause (a
delivered packet: some rule that admitted it must change, or an added rule
that admitted it must go) and refutes the selection; the loop is bounded and
says so plainly when it finds nothing. A fix is only reported after the
verifier proved every assertion on the edited network.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace

from ..encode.repair import cheapest_selection
from ..model import Direction, Network, Rule
from ..solve.prove import CompiledNetwork, check_assertion
from ..solve.result import Verdict
from ..spec import Assertion, Kind
from .repair_candidates import Edit, Editable, _services_for, add_candidates, block_candidates, endpoint_space

MAX_ROUNDS = 25

@dataclass(frozen=True)
class Fix:
    edits: tuple[Edit, ...]
    network: Network  # the edited network, on which every assertion was proved


@dataclass(frozen=True)
class NoFix:
    """Why the search found nothing, in one line."""

    reason: str


# ---------------------------------------------------------------- applying edits

def apply(network: Network, edits) -> Network:
    from .repair_nacl import NaclEdit, apply_nacl

    for edit in edits:
        if isinstance(edit, NaclEdit):
            network = apply_nacl(network, edit)
    groups = dict(network.groups)
    for edit in edits:
        if not isinstance(edit, Edit):
            continue
        group = groups[edit.group]
        rules = list(group.rules(edit.direction))
        if edit.target is None:
            rules += list(edit.rules)
        else:
            at = [same(r, edit.target) for r in rules].index(True)
            rules[at:at + 1] = list(edit.rules)
        rules = [replace(r, index=i) for i, r in enumerate(rules)]
        field = "ingress" if edit.direction is Direction.INGRESS else "egress"
        groups[edit.group] = replace(group, **{field: tuple(rules)})
    return replace(network, groups=groups)


def same(a: Rule, b: Rule) -> bool:
    """The same rule, whatever its position (edits renumber a group's rules)."""
    return (a.group, a.direction, a.peer, a.service, a.service_unknown, a.origin) == \
        (b.group, b.direction, b.peer, b.service, b.service_unknown, b.origin)


def original_rule(network: Network, rule: Rule, edits) -> Rule | None:
    """The rule of the unedited network that `rule` (of the edited one) stands for."""
    for edit in edits:
        if any(r.group == rule.group and r.direction is rule.direction and r.peer == rule.peer
               and r.service == rule.service for r in edit.rules):
            return edit.target
    for r in network.groups[rule.group].rules(rule.direction):
        if r.peer == rule.peer and r.service == rule.service and r.service_unknown == rule.service_unknown:
            return r
    return None


# ---------------------------------------------------------------- the search

def suggest_fix(network: Network, assertions, rounds: int = MAX_ROUNDS) -> Fix | None:
    """The cheapest proven set of edits making every assertion hold, or None."""
    found = search_fix(network, assertions, rounds)
    return found if isinstance(found, Fix) else None


def search_fix(network: Network, assertions, rounds: int = MAX_ROUNDS,
               editable: Editable = Editable()) -> Fix | NoFix:
    """The cheapest proven set of edits making every assertion hold, or why there is none.

    Only rules `editable.rule` accepts are changed, and rules are added only to
    groups `editable.group` accepts."""
    return run_search(
        network, assertions, rounds, apply,
        lambda edited, failure, chosen, candidates, clauses:
            _learn(network, failure, chosen, candidates, clauses, edited, editable),
        choose_edits,
        lambda failure: (f"no removal, narrowing or addition of rules makes {named(failure.assertion)} hold "
                         f"without breaking another assertion{unchangeable(failure, network, editable)}"))


def run_search(network: Network, assertions, rounds: int, apply_edits, learn, choose, exhausted) -> Fix | NoFix:
    """The search every repair runs: prove each assertion on the edited network;
    learn from the first counterexample which edits could help (`learn` says
    why none can, or ""); choose the cheapest selection not yet refuted; and
    say, with `exhausted`, why there is none when every selection fails."""
    candidates: list = []
    clauses: list[tuple[frozenset, frozenset]] = []  # (originals, added edits): change one
    refuted: list[frozenset] = []
    chosen: tuple = ()
    failure = None
    for _ in range(rounds):
        edited = apply_edits(network, chosen)
        failure = first_failure(edited, assertions)
        if failure is None:
            return Fix(chosen, edited)
        if failure.counterexample is None:
            return NoFix(f"{named(failure.assertion)} is unknown ({failure.reason or 'the solver gave up'}): "
                         f"no fix can be proved")
        refuted.append(frozenset(chosen))
        stuck = learn(edited, failure, chosen, candidates, clauses)
        if stuck:
            return NoFix(f"{named(failure.assertion)} {stuck}")
        chosen = choose(candidates, clauses, refuted)
        if chosen is None:
            return NoFix(exhausted(failure))
    return NoFix(f"search bound reached ({rounds} rounds): the last edits tried still broke "
                 f"{named(failure.assertion)}")


def named(assertion: Assertion) -> str:
    where = f" ({assertion.origin})" if str(assertion.origin) else ""
    return f"{assertion.name!r}{where}"


def unchangeable(failure, network: Network, editable: Editable) -> str:
    """Why this counterexample left the search nothing to try, when it can say."""
    cx = failure.counterexample
    if cx.blocked_by is None and not admitting(cx, network):
        hops = [str(h.element) for h in cx.path if h.outcome == "taken"][:1]
        return (f"; {cx.source.address} -> {cx.destination.address} is delivered whatever the rules say"
                + (f" ({hops[0]})" if hops else ""))
    if cx.failed_at and cx.blocked_by is None:
        return f"; the path drops it at {cx.failed_at}, and only security-group rules are edited"
    fixed = [r for r in admitting(cx, network) if r.group in network.groups and not editable.rule(r)]
    if not fixed:
        return ""
    return "; rules that cannot be edited as text: " + ", ".join(f"{r.label} ({r.origin})" for r in fixed)


def admitting(cx, network: Network) -> tuple[Rule, ...]:
    """The rules that admit a delivered packet: the counterexample's, else those its path
    names at the security-group hops of the request."""
    if cx.allowed_by:
        return cx.allowed_by
    out = []
    for hop in cx.path:
        if hop.step in ("egress", "ingress") and hop.outcome == "admits" and not hop.reply:
            group, _, rest = str(hop.element).partition(" ")
            direction, _, index = rest.partition("[")
            number = index.split("]")[0]
            if group in network.groups and direction in ("ingress", "egress") and number.isdigit():
                rules = network.groups[group].rules(Direction(direction))
                if int(number) < len(rules):
                    out.append(rules[int(number)])
    return tuple(out)


def first_failure(network: Network, assertions):
    compiled = CompiledNetwork(network)
    for assertion in assertions:
        result = check_assertion(compiled, assertion)
        if result.verdict is not Verdict.HOLDS:
            return result
    return None


def _learn(network, failure, chosen, candidates, clauses, edited, editable: Editable = Editable()) -> str:
    """Add the counterexample's candidates and clause; for a dropped connection that no
    added rule or entry could let through, say why (the search can never make it pass)."""
    cx, assertion = failure.counterexample, failure.assertion
    new: list = []
    if assertion.kind is not Kind.ALLOW:  # a forbidden packet got through
        originals, added = set(), set()
        for rule in admitting(cx, edited):
            original = original_rule(network, rule, chosen)
            if original is not None and editable.rule(original):
                originals.add(original)
                new += block_candidates(network, assertion, original)
            added |= {e for e in chosen if isinstance(e, Edit) and e.target is None
                      and any(same(rule, r) for r in e.rules)}
        clauses.append((frozenset(originals), frozenset(added)))
    else:
        blocks = [b for b in (cx.blocked_by, cx.also_blocked_by) if b is not None]
        offered, why = rule_candidates(edited, assertion, blocks, editable)
        if why:
            return why
        new += offered
        if not blocks:
            new += path_candidates(edited, assertion, cx, editable)
            if not new:
                return (f"is dropped on the path ({cx.failed_at or 'not by a security group'}), "
                        f"where the search cannot add an entry")
    for edit in new:
        if edit not in candidates:
            candidates.append(edit)
    return ""


def rule_candidates(edited, assertion, blocks, editable: Editable) -> tuple[list, str]:
    """Rules to add where groups drop a required connection, or why one cannot be added."""
    new: list = []
    for block in blocks:
        offered = add_candidates(edited, assertion, block, editable)
        if not offered:
            return [], (f"needs a rule on the {block.direction.value} of {block.resource} "
                        f"({', '.join(block.groups) or 'no groups'}), and none can be added there "
                        f"(its groups are not described in the input, or not written as text)")
        new += offered
    return new, ""


def path_candidates(network, assertion, cx, editable: Editable) -> list:
    from .repair_nacl import denying_hop, nacl_candidates

    hop = denying_hop(cx)
    if hop is None or not editable.nacl(hop[0]):
        return []
    return nacl_candidates(network, assertion, cx, endpoint_space, _services_for)


def choose_edits(candidates, clauses, refuted):
    index = {e: i for i, e in enumerate(candidates)}
    by_target: dict = {}
    for i, e in enumerate(candidates):
        if e.target is not None:
            by_target.setdefault(e.target, []).append(i)
    literals = []
    for originals, added in clauses:
        positive = [i for o in originals for i in by_target.get(o, [])]
        negative = [index[e] for e in added if e in index]
        literals.append((positive, negative))
    chosen = cheapest_selection([e.cost for e in candidates], list(by_target.values()), literals,
                                [frozenset(index[e] for e in s if e in index) for s in refuted])
    return None if chosen is None else tuple(candidates[i] for i in sorted(chosen))


def print_fixes(request, outcomes) -> None:
    """For each spec with a violated assertion: the fix, as a patch, on stderr."""
    from ..inputs import load_network
    from .repair_patch import render_fix

    for outcome in outcomes:
        if not any(r.verdict is Verdict.VIOLATED for r in outcome.results):
            continue
        network = load_network(outcome.network_source, input_format=request.input_format,
                               parameters=request.parameters or None).network
        fix = suggest_fix(network, outcome.spec.assertions)
        print(render_fix(outcome.spec.path, network, fix), file=sys.stderr, end="")
