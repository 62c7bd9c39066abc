"""Suggest the smallest change that makes a spec hold (`check --suggest-fix`).

Candidate edits come from counterexamples: remove a rule that admits a
forbidden packet, narrow it (its CIDR minus the forbidden block, or its ports
minus the forbidden ones), or add a rule admitting a required packet. A z3
Optimize (encode/repair.py) picks the cheapest selection consistent with what
has been learned; the edited network is then re-verified against EVERY
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
from ..model import CidrPeer, Direction, Family, GroupPeer, Network, PortRange, Rule, Service
from ..model import intervals as iv
from ..model.addresses import PRIVATE_V4, Cidr
from ..model.service import ALL, PORTED
from ..solve.prove import CompiledNetwork, check_assertion
from ..solve.result import Verdict
from ..spec import (AddressEndpoint, AnyEndpoint, Assertion, GroupEndpoint, InternetEndpoint, Kind,
                    ResourceEndpoint)

MAX_ROUNDS = 25
MAX_BLOCKS = 16  # a narrowed CIDR split into more blocks than this is not offered
FAMILIES = (Family.V4, Family.V6)


@dataclass(frozen=True)
class Edit:
    """Replace `target` (None: add) in `group`'s `direction` by `rules` (empty: remove)."""

    group: str
    direction: Direction
    target: Rule | None
    rules: tuple[Rule, ...]
    cost: int
    why: str

    @property
    def kind(self) -> str:
        return "add" if self.target is None else ("remove" if not self.rules else "narrow")


@dataclass(frozen=True)
class Fix:
    edits: tuple[Edit, ...]
    network: Network  # the edited network, on which every assertion was proved


# ---------------------------------------------------------------- address sets of endpoints

def endpoint_space(network: Network, endpoint, family: Family) -> iv.Intervals:
    """Every address an endpoint may have (over-approximated where identity is free)."""
    if isinstance(endpoint, (AnyEndpoint, InternetEndpoint, AddressEndpoint)):
        return endpoint.intervals(family)
    names = [endpoint.name] if isinstance(endpoint, ResourceEndpoint) else \
        [r.name for r in network.members(endpoint.group)]
    out: iv.Intervals = []
    for name in names:
        r = network.resources.get(name)
        if r is None:
            continue
        out = iv.union(out, iv.of_points(r.addresses(family)))
        if r.symbolic:
            out = iv.union(out, iv.of_cidrs(r.subnets, family) if r.subnets else
                           iv.of_cidrs(PRIVATE_V4, family))
    if isinstance(endpoint, GroupEndpoint) and (network.groups.get(endpoint.group) is None
                                                or network.groups[endpoint.group].opaque):
        return [(0, family.top)]
    return out


def forbidden_peers(network: Network, assertion: Assertion, direction: Direction, family: Family):
    """Peer addresses a rule of `direction` must stop admitting for a deny/only to hold."""
    if direction is Direction.INGRESS:
        space = iv.normalize(x for e in assertion.sources for x in endpoint_space(network, e, family))
        if assertion.kind is Kind.ONLY:
            return iv.complement(space, family.top)
        return space
    return iv.normalize(x for e in assertion.destinations for x in endpoint_space(network, e, family))


# ---------------------------------------------------------------- candidates

def block_candidates(network: Network, assertion: Assertion, rule: Rule) -> list[Edit]:
    """Ways to make `rule` stop admitting packets the assertion forbids."""
    out = [Edit(rule.group, rule.direction, rule, (), 3, f"remove {rule.label}")]
    peer = rule.peer
    if isinstance(peer, CidrPeer):
        family = peer.cidr.family
        keep = iv.subtract(iv.of_cidrs([peer.cidr], family),
                           forbidden_peers(network, assertion, rule.direction, family), family.top)
        blocks = [c for lo, hi in keep for c in iv.to_cidrs(lo, hi, family)]
        if blocks and len(blocks) <= MAX_BLOCKS and blocks != [peer.cidr]:
            rules = tuple(replace(rule, peer=CidrPeer(c), text="") for c in blocks)
            out.append(Edit(rule.group, rule.direction, rule, rules, len(rules), f"narrow {rule.label}'s peer"))
    service = narrowed_service(rule.service, assertion)
    if service is not None:
        out.append(Edit(rule.group, rule.direction, rule, (replace(rule, service=service, text=""),), 1,
                        f"narrow {rule.label}'s ports"))
    return out


def narrowed_service(service: Service, assertion: Assertion) -> Service | None:
    """The rule's ports minus the asserted ones, when that is still one tcp/udp rule."""
    if service.protocol not in PORTED:
        return None
    base = service.protocol << 16
    rest = iv.subtract(service.intervals(), assertion.traffic.intervals(), (base | 0xFFFF))
    rest = iv.intersect(rest, [(base, base | 0xFFFF)])
    if not rest or rest == service.intervals():
        return None
    return Service(service.protocol, tuple(PortRange(lo - base, hi - base) for lo, hi in rest))


def add_candidates(network: Network, assertion: Assertion, block) -> list[Edit]:
    """Rules admitting the asserted traffic on the side that drops it (first group of that side)."""
    resource = network.resources.get(block.resource)
    described = [g for g in (resource.groups if resource else ()) if g in network.groups
                 and not network.groups[g].opaque]
    if not described:
        return []
    group, direction = described[0], block.direction
    ends = assertion.sources if direction is Direction.INGRESS else assertion.destinations
    peers = [p for e in ends for p in _peers_for(network, e)]
    services = _services_for(assertion)
    index = len(network.groups[group].rules(direction))
    rules = tuple(Rule(group, direction, index + i, s, p, description="added by suggested fix")
                  for i, (s, p) in enumerate((s, p) for s in services for p in peers))
    if not rules or len(rules) > MAX_BLOCKS:
        return []
    return [Edit(group, direction, None, rules, len(rules), f"add to {group} {direction.value}")]


def _peers_for(network: Network, endpoint) -> list:
    if isinstance(endpoint, GroupEndpoint):
        return [GroupPeer(endpoint.group)]
    if isinstance(endpoint, (AnyEndpoint, InternetEndpoint)):
        return [CidrPeer(Cidr.parse("0.0.0.0/0")), CidrPeer(Cidr.parse("::/0"))]
    if isinstance(endpoint, AddressEndpoint):
        return [CidrPeer(c) for c in endpoint.cidrs]
    r = network.resources.get(endpoint.name)
    if r is None:
        return []
    if r.symbolic:
        return [GroupPeer(g) for g in r.groups[:1]]
    return [CidrPeer(Cidr.host(f, v)) for f, v in r.ips + r.public_ips]


def _services_for(assertion: Assertion) -> list[Service]:
    t = assertion.traffic
    if t.protocol == ALL and t.ports is not None:
        return [Service(p, t.ports) for p in PORTED]
    return [Service(t.protocol, t.ports)]


# ---------------------------------------------------------------- applying edits

def apply(network: Network, edits) -> Network:
    groups = dict(network.groups)
    for edit in edits:
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


def _original(network: Network, rule: Rule, edits) -> Rule | None:
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
    candidates: list[Edit] = []
    clauses: list[tuple[frozenset, frozenset]] = []  # (originals, added edits): change one
    refuted: list[frozenset[Edit]] = []
    chosen: tuple[Edit, ...] = ()
    for _ in range(rounds):
        edited = apply(network, chosen)
        failure = _first_failure(edited, assertions)
        if failure is None:
            return Fix(chosen, edited)
        if failure.counterexample is None:
            return None  # unknown: no fix can be proven
        refuted.append(frozenset(chosen))
        _learn(network, failure, chosen, candidates, clauses, edited)
        chosen = _choose(candidates, clauses, refuted)
        if chosen is None:
            return None
    return None


def _first_failure(network: Network, assertions):
    compiled = CompiledNetwork(network)
    for assertion in assertions:
        result = check_assertion(compiled, assertion)
        if result.verdict is not Verdict.HOLDS:
            return result
    return None


def _learn(network, failure, chosen, candidates, clauses, edited) -> None:
    cx, assertion = failure.counterexample, failure.assertion
    new: list[Edit] = []
    if cx.blocked_by is None:  # a forbidden packet got through
        originals, added = set(), set()
        for rule in cx.allowed_by:
            original = _original(network, rule, chosen)
            if original is not None:
                originals.add(original)
                new += block_candidates(network, assertion, original)
            added |= {e for e in chosen if e.target is None and any(same(rule, r) for r in e.rules)}
        clauses.append((frozenset(originals), frozenset(added)))
    else:
        for block in (cx.blocked_by, cx.also_blocked_by):
            if block is not None:
                new += add_candidates(edited, assertion, block)
    for edit in new:
        if edit not in candidates:
            candidates.append(edit)


def _choose(candidates, clauses, refuted):
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
