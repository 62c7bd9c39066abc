"""The exact delivered set between two principals, by interval algebra.

With both identities fixed, a packet (s, d, svc) is delivered iff the source's
egress admits (d, svc) and the destination's ingress admits (s, svc): each
rule contributes a product "peer addresses x its services", so the delivered
set is a union of boxes, computed without enumerating addresses or ports.

Free choices (opaque-group membership, unknown rule parts) only ever add
matches, so "delivered for every choice" is the set with every free Boolean
false and "delivered for some choice" the set with every one true.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model import CidrPeer, Direction, Family, GroupPeer, Network, PrefixListPeer, Rule, UnknownPeer
from ..model import intervals as iv
from ..model.addresses import UNFILTERED_SERVICES
from ..model.service import SERVICE_TOP
from .boxes import Box, Span, canonical, span
from .principals import Principal, address_space

FULL: Span = ((0, SERVICE_TOP),)


@dataclass(frozen=True)
class Admission:
    """What one rule (None: no filter on that side) admits: peer addresses x services."""

    rule: Rule | None
    peers: Span
    services: Span
    free: bool = False  # matches only thanks to a free choice


def rule_is_free(network: Network, rule: Rule) -> bool:
    """Does the rule's match depend on a free choice (unknown part, opaque group)?"""
    if rule.service_unknown or isinstance(rule.peer, UnknownPeer):
        return True
    if isinstance(rule.peer, GroupPeer):
        group = network.groups.get(rule.peer.group)
        return bool(group and group.opaque)
    return False


def peer_space(network: Network, rule: Rule, family: Family, peer: Principal,
               space: iv.Intervals, free: bool) -> iv.Intervals:
    """The addresses of `peer` (within `space`) that the rule's peer matches."""
    target = rule.peer
    if isinstance(target, CidrPeer):
        return iv.intersect(space, iv.of_cidrs([target.cidr], family))
    if isinstance(target, PrefixListPeer):
        prefix_list = network.prefix_lists.get(target.prefix_list)
        cidrs = prefix_list.cidrs if prefix_list else ()
        return iv.intersect(space, iv.of_cidrs(cidrs, family))
    if isinstance(target, GroupPeer):
        return _member_space(network, target.group, family, peer, space, free)
    return list(space) if free else []  # UnknownPeer: u(rule)


def _member_space(network: Network, group: str, family: Family, peer: Principal,
                  space: iv.Intervals, free: bool) -> iv.Intervals:
    if peer.is_resource:
        resource = network.resources[peer.name]
        if group not in resource.groups:
            return []
        if resource.symbolic:
            return list(space)
        # Group references match private addresses only, never public ones.
        return iv.intersect(space, iv.of_points(resource.private_addresses(family)))
    known = network.groups.get(group)
    return list(space) if (free and known is not None and known.opaque) else []


def side_rules(network: Network, resource: str, direction: Direction) -> list[Rule]:
    out: list[Rule] = []
    for key in dict.fromkeys(network.resources[resource].groups):
        group = network.groups.get(key)
        if group is not None:
            out.extend(group.rules(direction))
    return out


def admissions(network: Network, own: Principal, peer: Principal, direction: Direction,
               family: Family, free: bool) -> list[Admission]:
    """What the `own` side's filter (egress at a source, ingress at a destination) admits.

    Peers are addresses of `peer` in its address space.
    """
    space = address_space(network, peer, family)
    if not space:
        return []
    if not own.is_resource:
        return [Admission(None, span(space), FULL)]  # an unmanaged host filters nothing
    out: list[Admission] = []
    if direction is Direction.EGRESS:
        unfiltered = iv.intersect(space, iv.of_cidrs(UNFILTERED_SERVICES, family))
        if unfiltered:
            out.append(Admission(None, span(unfiltered), FULL))
    for rule in side_rules(network, own.name, direction):
        if rule.service_unknown and not free:
            continue
        peers = peer_space(network, rule, family, peer, space, free)
        if peers:
            out.append(Admission(rule, span(peers), span(rule.service.intervals()),
                                 rule_is_free(network, rule)))
    return out


def delivered_boxes(network: Network, source: Principal, destination: Principal, family: Family,
                    free: bool) -> list[Box]:
    """Canonical boxes of every (s, d, svc) delivered from `source` to `destination`.

    free=False: delivered whatever the free choices; True: for some choice.
    Points with s == d are not packets; the boxes may include them.
    """
    egress = _by_services(admissions(network, source, destination, Direction.EGRESS, family, free))
    ingress = _by_services(admissions(network, destination, source, Direction.INGRESS, family, free))
    boxes = []
    for e_services, destinations in egress.items():
        for i_services, sources in ingress.items():
            services = span(iv.intersect(list(e_services), list(i_services)))
            if services:
                boxes.append(Box(span(sources), span(destinations), services))
    return canonical(boxes, family.top)


def _by_services(items: list[Admission]) -> dict[Span, iv.Intervals]:
    """Merge admissions with the same services (fewer boxes to combine)."""
    out: dict[Span, iv.Intervals] = {}
    for item in items:
        out[item.services] = iv.union(out.get(item.services, []), list(item.peers))
    return out
