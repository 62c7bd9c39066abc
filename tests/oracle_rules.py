"""The test oracle's reading of the semantics: one packet, every choice made.

Rule by rule, over plain model values and without any solver, so that the
verifier can be compared with an independent implementation.  Written for
readability, not speed.

Semantics (one address family at a time).  A packet is (family, s, d, svc)
with s != d; svc is a point on the 24-bit service line.  Each side's address
has an identity ("who"): the resource whose concrete address it is, else a
free choice among "unmanaged" (None) and every symbolic resource whose subnets
contain it (no subnets: private IPv4 space).  Free Booleans, chosen per packet:
m(side, G) for each opaque group G (true only for an unmanaged side) and u(rule)
for each rule with an unknown peer or service.  `delivered` = the source's
egress admits the packet and the destination's ingress admits it.
"""

from __future__ import annotations

from typing import Iterable, Mapping

from sgverify.model import (
    CidrPeer,
    Direction,
    Family,
    GroupPeer,
    Network,
    Packet,
    PrefixListPeer,
    Resource,
    Rule,
    UnknownPeer,
)
from sgverify.model.addresses import PRIVATE_V4, UNFILTERED_SERVICES, is_public
from sgverify.spec import (
    AddressEndpoint,
    AnyEndpoint,
    Assertion,
    Endpoint,
    GroupEndpoint,
    InternetEndpoint,
    Kind,
    ResourceEndpoint,
)

SRC, DST = "src", "dst"

# ---------------------------------------------------------------- free Booleans

def opaque_key(side: str, group: str) -> tuple:
    """Key in `free` of m(side, group): the side is a member of opaque `group`."""
    return ("m", side, group)


def unknown_key(rule: Rule) -> tuple:
    """Key in `free` of u(rule): the unknown part of `rule` matches."""
    return ("u", rule.group, rule.direction.value, rule.index)


def _is_free(free: Mapping, key: tuple) -> bool:
    return bool(free.get(key, False))


# ---------------------------------------------------------------- identities

def owner_of(network: Network, family: Family, x: int) -> Resource | None:
    """The resource whose concrete (private or public) address x is, if any."""
    for resource in network.resources.values():
        if x in resource.addresses(family):
            return resource
    return None


def symbolic_can_be(resource: Resource, family: Family, x: int) -> bool:
    """Can symbolic `resource` have address x?"""
    if not resource.symbolic:
        return False
    if resource.subnets:
        return any(c.contains(family, x) for c in resource.subnets)
    return family is Family.V4 and any(c.contains(family, x) for c in PRIVATE_V4)


def who_options(network: Network, family: Family, x: int) -> list[str | None]:
    """Every legal identity of address x."""
    owner = owner_of(network, family, x)
    if owner is not None:
        return [owner.name]
    symbolic = [r.name for r in network.resources.values() if symbolic_can_be(r, family, x)]
    return [None] + symbolic


# ---------------------------------------------------------------- rules

def member(network: Network, family: Family, x: int, who: str | None, side: str,
           group: str, free: Mapping) -> bool:
    """member(x, G): private address of a resource carrying G, or opaque choice."""
    if who is not None:
        resource = network.resources[who]
        if group in resource.groups and (x in resource.private_addresses(family)
                                         or resource.symbolic):
            return True
    known = network.groups.get(group)  # a group no longer defined (a diff's edit): nothing opaque about it
    return (known is not None and known.opaque and who is None
            and _is_free(free, opaque_key(side, group)))


def peer_matches(network: Network, rule: Rule, family: Family, x: int, who: str | None,
                 side: str, free: Mapping) -> bool:
    peer = rule.peer
    if isinstance(peer, CidrPeer):
        return peer.cidr.family is family and peer.cidr.contains(family, x)
    if isinstance(peer, PrefixListPeer):
        cidrs = network.prefix_lists[peer.prefix_list].cidrs
        return any(c.contains(family, x) for c in cidrs)
    if isinstance(peer, GroupPeer):
        return member(network, family, x, who, side, peer.group, free)
    if isinstance(peer, UnknownPeer):
        return _is_free(free, unknown_key(rule))
    raise TypeError(f"unsupported peer {peer!r}")


def in_intervals(value: int, intervals: Iterable[tuple[int, int]]) -> bool:
    return any(lo <= value <= hi for lo, hi in intervals)


def rule_matches(network: Network, rule: Rule, family: Family, svc: int, x: int,
                 who: str | None, side: str, free: Mapping) -> bool:
    """x is the peer address (dst for egress rules, src for ingress rules)."""
    if not in_intervals(svc, rule.service.intervals()):
        return False
    if not peer_matches(network, rule, family, x, who, side, free):
        return False
    if rule.service_unknown and not _is_free(free, unknown_key(rule)):
        return False
    return True


def side_rules(network: Network, who: str | None, direction: Direction) -> list[Rule]:
    """Every rule of `direction` of every group on resource `who`."""
    if who is None:
        return []
    rules: list[Rule] = []
    for group in network.resources[who].groups:
        rules.extend(network.groups[group].rules(direction))
    return rules


def unfiltered(family: Family, x: int) -> bool:
    return any(c.contains(family, x) for c in UNFILTERED_SERVICES)


def egress_ok(network: Network, packet: Packet, src_who, dst_who, free: Mapping) -> bool:
    if src_who is None or unfiltered(packet.family, packet.dst):
        return True
    return any(
        rule_matches(network, rule, packet.family, packet.service, packet.dst, dst_who, DST, free)
        for rule in side_rules(network, src_who, Direction.EGRESS)
    )


def ingress_ok(network: Network, packet: Packet, src_who, dst_who, free: Mapping) -> bool:
    if dst_who is None:
        return True
    return any(
        rule_matches(network, rule, packet.family, packet.service, packet.src, src_who, SRC, free)
        for rule in side_rules(network, dst_who, Direction.INGRESS)
    )


def delivered(network: Network, packet: Packet, src_who: str | None, dst_who: str | None,
              free: Mapping) -> bool:
    """Is `packet` delivered when the sides are `src_who`/`dst_who` (None = unmanaged)?

    `free` maps `opaque_key(...)` and `unknown_key(...)` to the free Booleans
    chosen for this packet; a missing key is False.
    """
    return (egress_ok(network, packet, src_who, dst_who, free)
            and ingress_ok(network, packet, src_who, dst_who, free))


# ---------------------------------------------------------------- endpoints

def in_endpoint(network: Network, endpoint: Endpoint, family: Family, x: int,
                who: str | None, side: str, free: Mapping) -> bool:
    if isinstance(endpoint, ResourceEndpoint):
        return who == endpoint.name
    if isinstance(endpoint, GroupEndpoint):
        if who is not None:
            return endpoint.group in network.resources[who].groups
        group = network.groups[endpoint.group]
        return group.opaque and _is_free(free, opaque_key(side, endpoint.group))
    if isinstance(endpoint, AddressEndpoint):
        return any(c.contains(family, x) for c in endpoint.cidrs)
    if isinstance(endpoint, AnyEndpoint):
        return True
    if isinstance(endpoint, InternetEndpoint):
        return is_public(family, x)
    raise TypeError(f"unsupported endpoint {endpoint!r}")


def in_endpoints(network: Network, endpoints: Iterable[Endpoint], family: Family, x: int,
                 who: str | None, side: str, free: Mapping) -> bool:
    return any(in_endpoint(network, e, family, x, who, side, free) for e in endpoints)


def can_send(network: Network, packet: Packet, src_who: str | None) -> bool:
    """A resource's public address stands for it only beyond the internet gateway:
    a packet from it to a non-public address does not exist."""
    if src_who is None:
        return True
    resource = network.resources[src_who]
    own = {v for f, v in resource.ips if f is packet.family}
    public_own = {v for f, v in resource.public_ips if f is packet.family} - own
    return packet.src not in public_own or is_public(packet.family, packet.dst)


def is_violation(network: Network, assertion: Assertion, packet: Packet, src_who, dst_who,
                 free: Mapping) -> bool:
    """Is this fully chosen packet a counterexample to `assertion`?"""
    family = packet.family
    if packet.src == packet.dst or not can_send(network, packet, src_who):
        return False
    if not in_intervals(packet.service, assertion.traffic.intervals()):
        return False
    if not in_endpoints(network, assertion.destinations, family, packet.dst, dst_who, DST, free):
        return False
    src_in = in_endpoints(network, assertion.sources, family, packet.src, src_who, SRC, free)
    is_delivered = delivered(network, packet, src_who, dst_who, free)
    if assertion.kind is Kind.DENY:
        return src_in and is_delivered
    if assertion.kind is Kind.ALLOW:
        return src_in and not is_delivered
    return not src_in and is_delivered
