"""A replayed path flow -> a counterexample: packet, ends, hops, assumptions."""

from __future__ import annotations

from ..model import Direction, format_address
from ..model.ends import EndKind
from ..model.legs import Legs
from ..solve.result import Block, Counterexample, Side
from ..spec import Assertion, Kind
from .counterexample import packet_from_values
from .path_evaluate import Flow, Outcome, PathEvaluator
from .path_rules import sg_admitting


def explain_path(legs: Legs, assertion: Assertion, flow: Flow, outcome: Outcome, free) -> Counterexample:
    network = legs.network
    family = legs.family
    packet = packet_from_values(family, flow.src, flow.dst, flow.service)
    allowed_by = ()
    if outcome.ok and outcome.leg is not None and outcome.leg.arrival != "service":
        ev = PathEvaluator(legs)
        rules = []
        if flow.src_end.resource:
            rules += sg_admitting(ev, flow, outcome.leg, Direction.EGRESS)[:1]
        if flow.dst_end.resource:
            rules += sg_admitting(ev, flow, outcome.leg, Direction.INGRESS)[:1]
        allowed_by = tuple(rules)
    block = None
    if not outcome.ok and outcome.failed_at in ("egress of the source", "ingress of the destination"):
        egress = outcome.failed_at.startswith("egress")
        end = flow.src_end if egress else flow.dst_end
        groups = tuple(dict.fromkeys(network.resources[end.resource].groups))
        block = Block(Direction.EGRESS if egress else Direction.INGRESS, end.resource, groups, ())
    relevant = assertion.kind is not Kind.ALLOW
    assumptions = tuple(_describe(name, value) for name, value in sorted(free.items()) if value == relevant)
    if relevant:  # a delivered packet that relies on an address AWS assigns says which value it took
        ends = (f"public:{flow.src_end.resource}", f"public:{flow.dst_end.resource}")
        assumptions += tuple(_describe_address(name, value, family) for name, value in sorted(flow.addresses.items())
                             if name.startswith("eip:") or name in ends)
    return Counterexample(
        packet=packet,
        source=_side(network, family, flow.src, flow.src_end),
        destination=_side(network, family, flow.dst, flow.dst_end),
        allowed_by=allowed_by,
        blocked_by=block,
        assumptions=assumptions,
        path=tuple(outcome.hops),
        failed_at=outcome.failed_at,
        client_port=flow.client_port if assertion.kind is Kind.ALLOW and packet.protocol in (6, 17) else None,
    )


def _side(network, family, address: int, end) -> Side:
    external = next((e.name for e in network.externals.values()
                     if any(c.contains(family, address) for c in e.cidrs)), None)
    resource = end.resource if end.kind is EndKind.RESOURCE else None
    return Side(format_address(family, address), resource, external)


def _describe_address(name: str, value: int, family) -> str:
    kind, _, owner = name.partition(":")
    what = "Elastic IP" if kind == "eip" else "public IPv4 address"
    return f"the {what} of {owner} (AWS assigns it; not in the input) is taken to be {format_address(family, value)}"


def _describe(name: str, value: bool) -> str:
    kind, _, rest = name.partition(":")
    verb = "" if value else "not "
    parts = rest.split(":")
    if kind == "via" and parts[0] == "edge":
        return f"peering {parts[-1]} is taken to {verb}carry a packet that came from a transit gateway"
    if kind == "via" and parts[0] == "entry":
        return f"something not in the input (a VPN, another network) is taken to {verb}carry the packet into {parts[-1]}"
    if kind == "via":
        return f"{parts[-1]} is taken to {verb}carry the packet (it is not in the input)"
    if kind == "nacl" and len(parts) == 3:
        return f"the {parts[1]} NACL of {parts[0]} (not in the input) is taken to {verb}admit the {parts[2]}"
    if kind == "placed":
        return f"the way to and from {rest} (its subnet is not in the input) is taken to {verb}carry the packet"
    if kind == "route-back":
        return f"the route table of {rest} (not in the input) is taken to {verb}route the reply back"
    if kind == "tgw-back":
        return f"transit gateway table {rest} (not in the input) is taken to {verb}route the reply back"
    if kind == "member" and len(parts) >= 2:
        return f"the {parts[0]} is taken to {verb}be a member of {rest.split(':', 1)[1]} (its members are unknown)"
    if kind == "unknown":
        return f"the unknown part of rule {rest} is taken to {verb}match"
    if kind in ("groups", "tgw-groups"):
        return f"group references are taken to {verb}apply across {parts[-1]}"
    if kind == "zone":
        return f"zone choice {name}"
    return f"{name} is taken to be {value}"
