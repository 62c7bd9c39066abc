"""Evaluate one concrete packet on the model, rule by rule (no solver).

The explainer uses this to name the rules responsible for a counterexample,
and to replay every counterexample the solver produces: a model that does not
replay is a bug and is raised, never reported as a verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Mapping

from ..model import CidrPeer, Direction, Family, GroupPeer, Network, Packet, PrefixListPeer, Rule
from ..model.addresses import UNFILTERED_SERVICES
from ..model.free import member_choice, unknown_choice


@dataclass(frozen=True)
class Situation:
    """A packet plus who each address is and the free choices in force."""

    network: Network
    packet: Packet
    src_resource: str | None  # None: an unmanaged address
    dst_resource: str | None
    free: Mapping[str, bool]

    def resource(self, side: str) -> str | None:
        return self.src_resource if side == "src" else self.dst_resource

    def address(self, side: str) -> int:
        return self.packet.src if side == "src" else self.packet.dst


def is_member(s: Situation, side: str, group: str) -> bool:
    """The address on `side` is a private address of a member of `group`."""
    name = s.resource(side)
    if name is None:
        g = s.network.groups.get(group)
        return bool(g and g.opaque and s.free.get(member_choice(side, group), False))
    resource = s.network.resources[name]
    if group not in resource.groups:
        return False
    family, address = s.packet.family, s.address(side)
    return resource.symbolic or (family, address) in resource.ips


def peer_matches(s: Situation, rule: Rule, position: int, peer_side: str) -> bool:
    family, address = s.packet.family, s.address(peer_side)
    peer = rule.peer
    if isinstance(peer, CidrPeer):
        matched = peer.cidr.contains(family, address)
    elif isinstance(peer, PrefixListPeer):
        matched = any(c.contains(family, address) for c in s.network.prefix_lists[peer.prefix_list].cidrs)
    elif isinstance(peer, GroupPeer):
        matched = is_member(s, peer_side, peer.group)
    else:  # UnknownPeer
        matched = s.free.get(unknown_choice(rule, position), False)
    return matched


def service_matches(s: Situation, rule: Rule, position: int) -> bool:
    point = s.packet.service
    if rule.service_unknown and not s.free.get(unknown_choice(rule, position), False):
        return False
    return any(lo <= point <= hi for lo, hi in rule.service.spans)


def rule_matches(s: Situation, rule: Rule, position: int) -> bool:
    peer_side = "dst" if rule.direction is Direction.EGRESS else "src"
    return service_matches(s, rule, position) and peer_matches(s, rule, position, peer_side)


def side_rules(network: Network, resource: str, direction: Direction):
    """(rule, position in its group's list) for every rule of the resource's groups."""
    for group_key in dict.fromkeys(network.resources[resource].groups):
        group = network.groups.get(group_key)
        if group is None:
            continue
        for position, rule in enumerate(group.rules(direction)):
            yield rule, position


def _admitting(s: Situation, direction: Direction) -> Iterator[Rule]:
    """The rules of the filtering side's groups that admit the packet, lazily."""
    name = s.resource("src" if direction is Direction.EGRESS else "dst")
    if name is not None:
        yield from (rule for rule, pos in side_rules(s.network, name, direction) if rule_matches(s, rule, pos))


def admitting_rules(s: Situation, direction: Direction) -> list[Rule]:
    return list(_admitting(s, direction))


def unfiltered_destination(packet: Packet) -> bool:
    return any(c.contains(packet.family, packet.dst) for c in UNFILTERED_SERVICES)


def some_rule_admits(s: Situation, direction: Direction) -> bool:
    """Whether admitting_rules(s, direction) is non-empty, stopping at the first."""
    return next(_admitting(s, direction), None) is not None


def egress_ok(s: Situation) -> bool:
    if s.src_resource is None or unfiltered_destination(s.packet):
        return True
    return some_rule_admits(s, Direction.EGRESS)


def ingress_ok(s: Situation) -> bool:
    return s.dst_resource is None or some_rule_admits(s, Direction.INGRESS)


def delivered(s: Situation) -> bool:
    return egress_ok(s) and ingress_ok(s)


def owner_of(network: Network, family: Family, address: int) -> str | None:
    for resource in network.resources.values():
        if address in resource.addresses(family):
            return resource.name
    return None
