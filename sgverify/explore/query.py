"""Query one flow: is anything delivered from X to Y, with a witness and its trace.

The witness comes from the verifier: `deny X -> Y` violated gives a delivered
packet; if it holds, nothing is delivered, and `allow X -> Y` violated gives
a blocked packet, the side that blocks it and the smallest rule that would
admit it. The trace replays the packet rule by rule (explain/evaluate.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..model import Cidr, CidrPeer, Direction, GroupPeer, Network, Peer, PortRange, Rule, Service
from ..model.free import member_choice, unknown_choice
from ..model.service import PORTED, TCP, TYPED, protocol_name
from ..report.rules import rule_dict, rule_line
from ..solve import Counterexample, Verdict, check_assertion
from ..spec import Assertion, Kind, Traffic
from ..explain.evaluate import Situation, delivered, rule_matches, peer_matches, service_matches, side_rules
from ..explain.evaluate import unfiltered_destination
from .names import endpoint_named


@dataclass(frozen=True)
class RuleStep:
    rule: Rule
    matched: bool
    why: str  # "matches", "service differs", "peer differs", "unknown part assumed false"


@dataclass(frozen=True)
class SideTrace:
    direction: Direction
    resource: str | None  # None: an unmanaged address (nothing filters it)
    groups: tuple[str, ...]
    steps: tuple[RuleStep, ...]
    admitted: bool
    note: str = ""


@dataclass(frozen=True)
class Suggestion:
    """A rule that, added to `group`, admits the blocked witness on that side."""

    group: str
    direction: Direction
    service: Service
    peer: Peer
    text: str  # `add to sg-x ingress: {protocol: tcp, ports: 443, source: sg-y}`


@dataclass(frozen=True)
class QueryResult:
    source: str
    destination: str
    traffic: Traffic
    verdict: str  # "delivered", "blocked", "no packet", "unknown"
    witness: Counterexample | None = None
    trace: tuple[SideTrace, ...] = ()
    suggestions: tuple[Suggestion, ...] = ()  # minimal rules that would admit a blocked witness
    reason: str = ""


def query(network: Network, source: str, destination: str, traffic: Traffic | None = None) -> QueryResult:
    traffic = traffic or Traffic()
    sources, destinations = (endpoint_named(network, source),), (endpoint_named(network, destination),)
    base = dict(name=f"{source} -> {destination}", sources=sources, destinations=destinations, traffic=traffic)
    found = check_assertion(network, Assertion(kind=Kind.DENY, **base))
    if found.verdict is Verdict.VIOLATED:
        return _with_trace(network, source, destination, traffic, "delivered", found.counterexample)
    if found.verdict is Verdict.UNKNOWN:
        return QueryResult(source, destination, traffic, "unknown", reason=found.reason)
    blocked = check_assertion(network, Assertion(kind=Kind.ALLOW, **_readable(base)))
    if blocked.verdict is not Verdict.VIOLATED:
        blocked = check_assertion(network, Assertion(kind=Kind.ALLOW, **base))
    if blocked.verdict is Verdict.VIOLATED:
        return _with_trace(network, source, destination, traffic, "blocked", blocked.counterexample)
    if blocked.verdict is Verdict.UNKNOWN:
        return QueryResult(source, destination, traffic, "blocked", reason=blocked.reason)
    return QueryResult(source, destination, traffic, "no packet",
                       reason="no packet goes from the source to the destination with this traffic")


def _readable(base: dict) -> dict:
    """For "all traffic", look for a blocked tcp packet first: a likelier example than protocol 0."""
    if base["traffic"] == Traffic():
        return dict(base, traffic=Traffic(TCP))
    return base


def _with_trace(network: Network, source: str, destination: str, traffic: Traffic, verdict: str,
                cx: Counterexample) -> QueryResult:
    if cx.path:  # decided on the VPC path: the hops are the trace
        return QueryResult(source, destination, traffic, verdict, cx)
    situation = _situation(network, cx, want_delivered=verdict == "delivered")
    trace = (_side(situation, Direction.EGRESS), _side(situation, Direction.INGRESS))
    hints = _suggestions(network, cx) if verdict == "blocked" else ()
    return QueryResult(source, destination, traffic, verdict, cx, trace, hints)


def _situation(network: Network, cx: Counterexample, want_delivered: bool) -> Situation:
    """The witness with free choices that reproduce it: none true, else all true.

    Free choices only ever add matches, so a delivered witness is delivered
    with all of them true and a blocked one is blocked with all of them false.
    """
    plain = Situation(network, cx.packet, cx.source.resource, cx.destination.resource, {})
    if delivered(plain) == want_delivered:
        return plain
    every = {member_choice(side, g): True for g, grp in network.groups.items() if grp.opaque
             for side in ("src", "dst")}
    for group in network.groups.values():
        for direction in Direction:
            every.update({unknown_choice(r, i): True for i, r in enumerate(group.rules(direction))})
    return Situation(network, cx.packet, cx.source.resource, cx.destination.resource, every)


def _side(s: Situation, direction: Direction) -> SideTrace:
    name = s.src_resource if direction is Direction.EGRESS else s.dst_resource
    if name is None:
        return SideTrace(direction, None, (), (), True, "unmanaged address: nothing filters it")
    peer_side = "dst" if direction is Direction.EGRESS else "src"
    steps = []
    for rule, position in side_rules(s.network, name, direction):
        if rule_matches(s, rule, position):
            steps.append(RuleStep(rule, True, "matches"))
        elif not service_matches(s, rule, position):
            steps.append(RuleStep(rule, False, "service differs"))
        else:
            steps.append(RuleStep(rule, False, "peer differs" if not peer_matches(s, rule, position, peer_side)
                                  else "unknown part taken as not matching"))
    groups = tuple(dict.fromkeys(s.network.resources[name].groups))
    admitted = any(step.matched for step in steps)
    note = ""
    if direction is Direction.EGRESS and unfiltered_destination(s.packet):
        admitted, note = True, "link-local service: security groups do not filter it"
    return SideTrace(direction, name, groups, tuple(steps), admitted, note)


def _suggestions(network: Network, cx: Counterexample) -> tuple[Suggestion, ...]:
    out = []
    for block in (cx.blocked_by, cx.also_blocked_by):
        if block is None:
            continue
        direction = block.direction
        side = cx.destination if direction is Direction.EGRESS else cx.source
        key = "destination" if direction is Direction.EGRESS else "source"
        group = block.groups[0] if block.groups else "(a security group of " + block.resource + ")"
        peer = _peer(network, cx, side)
        rule = f"{{{_service_fields(cx)}, {key}: {peer}}}"
        out.append(Suggestion(group, direction, _service(cx), peer, f"add to {group} {direction.value}: {rule}"))
    return tuple(out)


def _service(cx: Counterexample) -> Service:
    p = cx.packet
    if p.protocol in PORTED:
        return Service(p.protocol, (PortRange(p.port, p.port),))
    if p.protocol in TYPED:
        return Service(p.protocol, icmp_type=p.icmp_type, icmp_code=p.icmp_code)
    return Service(p.protocol)


def _service_fields(cx: Counterexample) -> str:
    p = cx.packet
    name = protocol_name(p.protocol)
    if p.protocol in PORTED:
        return f"protocol: {name}, ports: {p.port}"
    if p.protocol in TYPED:
        return f"protocol: {name}, icmp_type: {p.icmp_type}, icmp_code: {p.icmp_code}"
    return f"protocol: {name}"


def _peer(network: Network, cx: Counterexample, side) -> Peer:
    """The peer's only group if that group would match this address, else the host block."""
    host = CidrPeer(Cidr.host(cx.packet.family, _value(cx, side)))
    if side.resource is None:
        return host
    resource = network.resources[side.resource]
    groups = tuple(dict.fromkeys(resource.groups))
    private = (cx.packet.family, _value(cx, side)) in resource.ips or resource.symbolic
    return GroupPeer(groups[0]) if len(groups) == 1 and private else host


def _value(cx: Counterexample, side) -> int:
    return cx.packet.src if side is cx.source else cx.packet.dst


def render_text(result: QueryResult) -> str:
    head = f"{result.source} -> {result.destination} ({result.traffic}): "
    if result.witness is None:
        return head + result.verdict + (f": {result.reason}" if result.reason else "") + "\n"
    cx = result.witness
    lines = [head + ("DELIVERED" if result.verdict == "delivered" else "BLOCKED (nothing is delivered)"),
             f"  {'witness' if result.verdict == 'delivered' else 'for example'}: {cx.packet}  "
             f"{cx.source.name or 'unmanaged'} -> {cx.destination.name or 'unmanaged'}"]
    for side in result.trace:
        lines += _side_lines(side)
    lines += [f"  {hop}" for hop in cx.path]
    if cx.failed_at:
        lines.append(f"  fails at: {cx.failed_at}")
    lines += [f"  assuming: {text}" for text in cx.assumptions]
    lines += [f"  to admit it: {hint.text}" for hint in result.suggestions]
    return "\n".join(lines) + "\n"


def _side_lines(side: SideTrace) -> list[str]:
    where = "egress of the source" if side.direction is Direction.EGRESS else "ingress of the destination"
    if side.resource is None:
        return [f"  {where}: {side.note}"]
    verdict = "admits" if side.admitted else "BLOCKS"
    groups = ", ".join(side.groups) or "no security groups"
    lines = [f"  {where} {side.resource} ({groups}): {verdict}" + (f" ({side.note})" if side.note else "")]
    for step in side.steps:
        lines.append(f"    {'+' if step.matched else '-'} {rule_line(step.rule)}  [{step.why}]")
    if not side.steps:
        lines.append("    (no rules)")
    return lines


def render_json(result: QueryResult) -> str:
    cx = result.witness
    data = {
        "from": result.source, "to": result.destination, "traffic": str(result.traffic),
        "verdict": result.verdict, "reason": result.reason or None,
        "witness": None if cx is None else {
            "packet": str(cx.packet), "source": cx.source.address, "destination": cx.destination.address,
            "source_resource": cx.source.resource, "destination_resource": cx.destination.resource,
            "assumptions": list(cx.assumptions),
            "path": [{"step": h.step, "element": h.element, "outcome": h.outcome, "origin": h.origin or None,
                      "reply": h.reply} for h in cx.path],
            "failed_at": cx.failed_at or None},
        "trace": [{"direction": s.direction.value, "resource": s.resource, "groups": list(s.groups),
                   "admitted": s.admitted, "note": s.note or None,
                   "rules": [dict(rule_dict(step.rule), matched=step.matched, why=step.why) for step in s.steps]}
                  for s in result.trace],
        "to_admit": [hint.text for hint in result.suggestions],
    }
    return json.dumps(data, indent=2) + "\n"
