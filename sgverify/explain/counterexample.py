"""Turn a solver's violating packet into a replayed, explained counterexample."""

from __future__ import annotations

from ..errors import ReplayMismatch
from ..model import Direction, Family, Network, Packet, Rule, format_address
from ..model.service import PORTED, TYPED
from ..solve.result import Block, Counterexample, Side
from ..spec import Assertion, Kind
from .evaluate import (
    Situation,
    admitting_rules,
    delivered,
    egress_ok,
    ingress_ok,
    peer_matches,
    side_rules,
    unfiltered_destination,
)

NEAREST = 3


def explain(assertion: Assertion, s: Situation) -> Counterexample:
    """Replay the situation on the model and name the rules responsible.

    Raises ReplayMismatch if the packet does not behave as the violation needs:
    that would be a bug in the encoder, and must never become a verdict.
    """
    is_delivered = delivered(s)
    expected = assertion.kind is not Kind.ALLOW
    if is_delivered != expected:
        raise ReplayMismatch(
            f"counterexample for {assertion.name!r} does not replay: {s.packet} is "
            f"{'delivered' if is_delivered else 'blocked'} on the model"
        )
    allowed_by: tuple[Rule, ...] = ()
    blocks: list[Block] = []
    if is_delivered:
        allowed_by = tuple(admitting_rules(s, Direction.EGRESS) + admitting_rules(s, Direction.INGRESS))
    else:
        blocks = _blocks(s)
    return Counterexample(
        packet=s.packet,
        source=_side(s.network, s.packet.family, s.packet.src, s.src_resource),
        destination=_side(s.network, s.packet.family, s.packet.dst, s.dst_resource),
        allowed_by=allowed_by,
        blocked_by=blocks[0] if blocks else None,
        also_blocked_by=blocks[1] if len(blocks) > 1 else None,
        assumptions=_assumptions(assertion, s),
    )


def _side(network: Network, family: Family, address: int, resource: str | None) -> Side:
    external = next(
        (e.name for e in network.externals.values() if any(c.contains(family, address) for c in e.cidrs)),
        None,
    )
    return Side(format_address(family, address), resource, external)


def _blocks(s: Situation) -> list[Block]:
    """Every side that drops the packet, the source's egress first."""
    out = []
    if not egress_ok(s):
        out.append(_block(s, Direction.EGRESS, s.src_resource))
    if not ingress_ok(s):
        out.append(_block(s, Direction.INGRESS, s.dst_resource))
    return out


def _block(s: Situation, direction: Direction, name: str) -> Block:
    groups = tuple(dict.fromkeys(s.network.resources[name].groups))
    ranked = sorted(side_rules(s.network, name, direction), key=lambda rp: _distance(s, rp[0]))
    return Block(direction, name, groups, tuple(rule for rule, _ in ranked[:NEAREST]))


def _distance(s: Situation, rule: Rule) -> tuple[int, int]:
    """How far a rule is from admitting the packet: (mismatched fields, port gap)."""
    packet = s.packet
    point = packet.service
    intervals = rule.service.intervals()
    gap = min((0 if lo <= point <= hi else min(abs(point - lo), abs(point - hi))) for lo, hi in intervals)
    protocol_ok = any(lo >> 16 <= packet.protocol <= hi >> 16 for lo, hi in intervals)
    fields = (0 if gap == 0 else 1) + (0 if protocol_ok else 1)
    peer_side = "dst" if rule.direction is Direction.EGRESS else "src"
    position = _position(s, rule)
    fields += 0 if peer_matches(s, rule, position, peer_side) else 1
    return fields, gap


def _position(s: Situation, rule: Rule) -> int:
    return s.network.groups[rule.group].rules(rule.direction).index(rule)


def _assumptions(assertion: Assertion, s: Situation) -> tuple[str, ...]:
    out = []
    for side in ("src", "dst"):
        name = s.resource(side)
        if name is not None and s.network.resources[name].symbolic:
            resource = s.network.resources[name]
            address = format_address(s.packet.family, s.address(side))
            out.append(f"{address} is taken to be {name} ({resource.describe_addresses()})")
    relevant = assertion.kind is not Kind.ALLOW  # delivered: what was assumed true matters
    for name, value in sorted(s.free.items()):
        if value == relevant and _choice_in_play(s, name):
            out.append(_describe_choice(s, name, value))
    if unfiltered_destination(s.packet) and s.src_resource is not None:
        out.append(f"{s.packet.dst_ip} is a link-local service that security groups do not filter")
    return tuple(out)


def _choice_in_play(s: Situation, name: str) -> bool:
    """Only choices that can affect this packet are worth stating."""
    kind, _, rest = name.partition(":")
    if kind == "member":
        side = rest.partition(":")[0]
        return s.resource(side) is None  # known resources' memberships are known
    group, direction = rest.split("/")[:2]
    side = "src" if direction == Direction.EGRESS.value else "dst"
    owner = s.resource(side)
    return owner is not None and group in s.network.resources[owner].groups


def _describe_choice(s: Situation, name: str, value: bool) -> str:
    kind, _, rest = name.partition(":")
    if kind == "member":
        side, _, group = rest.partition(":")
        address = s.packet.src_ip if side == "src" else s.packet.dst_ip
        verb = "is" if value else "is not"
        return f"{address} {verb} taken to be a member of {group} (its members are unknown)"
    verb = "matches" if value else "does not match"
    return f"the unknown part of rule {rest} {verb}"


def packet_from_values(family: Family, src: int, dst: int, service: int) -> Packet:
    protocol, low = service >> 16, service & 0xFFFF
    if protocol in PORTED:
        return Packet(family, src, dst, protocol, port=low)
    if protocol in TYPED:
        return Packet(family, src, dst, protocol, icmp_type=low >> 8, icmp_code=low & 0xFF)
    return Packet(family, src, dst, protocol)
