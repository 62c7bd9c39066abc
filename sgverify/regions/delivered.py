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
from functools import lru_cache

from ..model import CidrPeer, Direction, Family, GroupPeer, Network, PrefixListPeer, Rule
from ..model import intervals as iv
from ..model.addresses import UNFILTERED_SERVICES
from ..model.service import SERVICE_TOP
from .boxes import Box, Span, canonical, span
from .compiled import compiled, rule_is_free
from .principals import Principal, address_space, symbolic_space

FULL: Span = ((0, SERVICE_TOP),)


@dataclass(frozen=True)
class Admission:
    """What one rule (None: no filter on that side) admits: peer addresses x services."""

    rule: Rule | None
    peers: Span
    services: Span
    free: bool = False  # matches only thanks to a free choice


def peer_space(network: Network, rule: Rule, family: Family, peer: Principal,
               space: iv.Intervals, free: bool) -> iv.Intervals:
    """The addresses of `peer` (within `space`) that the rule's peer matches."""
    matched = _peer_addresses(network, rule, family, peer, free)
    return list(space) if matched is EVERY else iv.intersect(space, matched)


EVERY = None  # what _peer_addresses gives for "every address of the peer"


def _peer_addresses(network: Network, rule: Rule, family: Family, peer: Principal,
                    free: bool) -> iv.Intervals | None:
    """The addresses the rule's peer matches, as far as `peer` can hold them: a set of
    addresses, or EVERY (an unknown peer or an opaque group taken as matching, a
    member with no known address)."""
    target = rule.peer
    if isinstance(target, (CidrPeer, PrefixListPeer)):
        return compiled(network).peer_blocks(rule, family)
    if isinstance(target, GroupPeer):
        if not peer.is_resource:
            known = network.groups.get(target.group)
            if free and known is not None and known.opaque:
                return EVERY
            return members_by_address(network, target.group, family, free) if peer.by_holder else []
        resource = network.resources[peer.name]
        if target.group not in resource.groups:
            return []
        if resource.symbolic:
            return EVERY
        # Group references match private addresses only, never public ones.
        return compiled(network).space(("private", peer.name), family,
                                       lambda: iv.of_points(resource.private_addresses(family)))
    return EVERY if free else []  # UnknownPeer: u(rule)


def members_by_address(network: Network, group: str, family: Family, free: bool) -> iv.Intervals:
    """The addresses a group reference matches when the peer is known only by its address
    (an unmanaged end that holds the resources' addresses too): by who holds them, the
    group's members' private addresses. For some choice only: an address another resource
    holds too (the sender may be either) and where a member of unknown address may be."""
    def compute() -> iv.Intervals:
        facts = compiled(network)
        members = [network.resources[name] for name in facts.members(group)]
        points = [a for m in members if not m.symbolic for a in m.private_addresses(family)]
        if not free:
            shared = facts.shared(family)
            return iv.of_points([a for a in points if a not in shared])
        spaces = [symbolic_space(network, m.name, family) for m in members if m.symbolic]
        return iv.normalize([*iv.of_points(points), *(piece for space in spaces for piece in space)])
    return compiled(network).space(("members by address", group, free), family, compute)


def side_rules(network: Network, resource: str, direction: Direction) -> list[Rule]:
    return list(compiled(network).side_rules(resource, direction))


def admissions(network: Network, own: Principal, peer: Principal, direction: Direction,
               family: Family, free: bool) -> list[Admission]:
    """What the `own` side's filter (egress at a source, ingress at a destination) admits.

    Peers are addresses of `peer` in its address space. The result is kept per
    network for the last pairs asked (attribution asks again for the same pair).
    """
    facts = compiled(network)
    key = ("admissions", own, peer, direction, family, free)
    found = facts.memo.get(key)
    if found is None:
        if len(facts.memo) > _MEMO_SIZE:
            facts.memo.clear()
        found = facts.memo[key] = tuple(_admissions(network, own, peer, direction, family, free))
    return list(found)


_MEMO_SIZE = 4096


def _admissions(network: Network, own: Principal, peer: Principal, direction: Direction,
                family: Family, free: bool) -> list[Admission]:
    facts = compiled(network)
    space = address_space(network, peer, family)
    if not space:
        return []
    if not own.is_resource:
        return [Admission(None, span(space), FULL)]  # an unmanaged host filters nothing
    out: list[Admission] = []
    if direction is Direction.EGRESS:
        unfiltered = iv.intersect(space, unfiltered_blocks(family))
        if unfiltered:
            out.append(Admission(None, span(unfiltered), FULL))
    for rule in facts.side_rules(own.name, direction):
        if rule.service_unknown and not free:
            continue
        peers = peer_space(network, rule, family, peer, space, free)
        if peers:
            out.append(Admission(rule, span(peers), facts.services(rule), rule_is_free(network, rule)))
    return out


def admitting(network: Network, own: Principal, peer: Principal, direction: Direction, family: Family,
              free: bool, addresses: Span, services: Span) -> tuple[list[Rule], bool]:
    """(the rules of `own`'s side that admit a packet with a peer address in `addresses`
    and a service in `services`; whether the side filters nothing for some of them).

    The rules of `admissions` that touch one region: the region's addresses are
    cut to the peer's address space in this network once (a diff also names the
    rules of the network that does not deliver the region), then each rule is
    tested against them directly, without cutting its peer set out of the whole
    space (a report of a large diff names the rules of a hundred thousand regions).
    """
    addresses = iv.intersect(list(addresses), address_space(network, peer, family))
    if not addresses:
        return [], False
    if not own.is_resource:
        return [], True  # an unmanaged host filters nothing
    unfiltered = direction is Direction.EGRESS and iv.meets(unfiltered_blocks(family), addresses)
    lo, hi = services[0][0], services[-1][1]
    rules = []
    # Rules naming the same group match the same addresses: asked once (a side names a
    # large group in many rules, and each answer walks thousands of its members).
    asked: dict[int, tuple[object, bool]] = {}  # id -> (the set, kept alive so ids stay unique; the answer)
    for rule, spans, first, last in compiled(network).side_services(own.name, direction):
        if first > hi or last < lo or (rule.service_unknown and not free) or not iv.meets(spans, services):
            continue
        matched = _peer_addresses(network, rule, family, peer, free)
        found = asked.get(id(matched))
        if found is None:
            meets = bool(addresses) if matched is EVERY else iv.meets(matched, addresses)
            found = asked[id(matched)] = (matched, meets)
        if found[1]:
            rules.append(rule)
    return rules, unfiltered


@lru_cache(maxsize=None)
def unfiltered_blocks(family: Family) -> iv.Intervals:
    return iv.of_cidrs(UNFILTERED_SERVICES, family)


def delivered_boxes(network: Network, source: Principal, destination: Principal, family: Family,
                    free: bool) -> list[Box]:
    """Canonical boxes of every (s, d, svc) delivered from `source` to `destination`.

    free=False: delivered whatever the free choices; True: for some choice.
    Points with s == d are not packets; the boxes may include them.
    """
    outbound = admissions(network, source, destination, Direction.EGRESS, family, free)
    if not outbound:
        return []
    inbound = admissions(network, destination, source, Direction.INGRESS, family, free)
    points = _single_addresses(network, source, destination, family)
    if points is not None:
        return between_points(*points, outbound, inbound)
    return _combined_boxes(outbound, inbound, family)


def _single_addresses(network: Network, source: Principal, destination: Principal,
                      family: Family) -> tuple[int, int] | None:
    """(s, d) if each side has exactly one address in `family` (most resources)."""
    sources = address_space(network, source, family)
    destinations = address_space(network, destination, family)
    if len(sources) == 1 == len(destinations) and sources[0][0] == sources[0][1] \
            and destinations[0][0] == destinations[0][1]:
        return sources[0][0], destinations[0][0]
    return None


def between_points(source: int, destination: int, outbound: list[Admission],
                   inbound: list[Admission]) -> list[Box]:
    """The delivered boxes when each side is one address: every admission's peers
    are that address (empty ones are never listed), so the set is one box whose
    services both sides admit; canonical as it stands."""
    services = iv.intersect(iv.normalize(piece for a in outbound for piece in a.services),
                            iv.normalize(piece for a in inbound for piece in a.services))
    return [Box(((source, source),), ((destination, destination),), span(services))] if services else []


def _combined_boxes(outbound: list[Admission], inbound: list[Admission], family: Family) -> list[Box]:
    egress, ingress = _by_services(outbound), _by_services(inbound)
    boxes = []
    for e_services, destinations in egress.items():
        if not e_services:
            continue
        e_lo, e_hi = e_services[0][0], e_services[-1][1]
        for i_services, sources in ingress.items():
            if not i_services or i_services[0][0] > e_hi or i_services[-1][1] < e_lo:
                continue  # the service hulls do not even meet
            services = span_meet(e_services, i_services)
            if services:
                boxes.append(Box(span(sources), span(destinations), services))
    return canonical(boxes, family.top)


def span_meet(a: Span, b: Span) -> Span:
    if len(a) == 1 and len(b) == 1:
        lo, hi = max(a[0][0], b[0][0]), min(a[0][1], b[0][1])
        return ((lo, hi),) if lo <= hi else ()
    return span(iv.intersect(list(a), list(b)))


def _by_services(items: list[Admission]) -> dict[Span, iv.Intervals]:
    """Merge admissions with the same services (fewer boxes to combine)."""
    out: dict[Span, iv.Intervals] = {}
    for item in items:
        out[item.services] = iv.union(out.get(item.services, []), list(item.peers))
    return out
