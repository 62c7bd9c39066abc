"""Exact rule coverage: is one rule's (peer x service) box inside the union of others?

A rule matches a packet by its peer (checked against the other side's address
and identity) and its service. Within one family the peer side is an address;
a group peer additionally matches by identity, so coverage keeps two parts:
address boxes (address set x service set) and group tokens (a rule naming
group G covers G-peers on its services whatever G's members turn out to be).

Soundness over completeness where a choice exists: a covering rule only
contributes what it matches *for every* free choice (concrete private
addresses of a group's members, a CIDR, a known prefix list); a rule with an
unknown peer or unknown service part never covers anything. The rule being
tested contributes everything it *may* match (a symbolic member's subnet, any
address for an opaque group or an unknown peer).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model import CidrPeer, Family, GroupPeer, Network, PrefixListPeer, Rule, UnknownPeer
from ..model import intervals as iv
from ..model.addresses import PRIVATE_V4
from ..model.service import SERVICE_TOP

FAMILIES = (Family.V4, Family.V6)


@dataclass
class Cover:
    """What a set of rules certainly matches: address boxes per family, and group tokens."""

    boxes: dict[Family, list[tuple[iv.Intervals, iv.Intervals]]] = field(default_factory=dict)
    tokens: dict[str, iv.Intervals] = field(default_factory=dict)

    def add(self, network: Network, rule: Rule) -> None:
        if rule.service_unknown or isinstance(rule.peer, UnknownPeer):
            return
        services = rule.service.intervals()
        if isinstance(rule.peer, GroupPeer):
            key = rule.peer.group
            self.tokens[key] = iv.union(self.tokens.get(key, []), services)
        for family in FAMILIES:
            addresses = certain_addresses(network, rule, family)
            if addresses:
                self.boxes.setdefault(family, []).append((addresses, services))

    def covers(self, network: Network, rule: Rule) -> bool:
        services = rule.service.intervals()
        if isinstance(rule.peer, GroupPeer):
            services = iv.subtract(services, self.tokens.get(rule.peer.group, []), SERVICE_TOP)
        if not services:
            return True
        return all(self._covers_box(family, possible_addresses(network, rule, family), services)
                   for family in FAMILIES)

    def _covers_box(self, family: Family, addresses: iv.Intervals, services: iv.Intervals) -> bool:
        if not addresses:
            return True
        boxes = self.boxes.get(family, [])
        for lo, hi in _pieces(services, boxes):
            covered = iv.normalize(a for addrs, svcs in boxes if iv.contains(svcs, lo) for a in addrs)
            if iv.subtract(addresses, covered, family.top):
                return False
        return True


def _pieces(services: iv.Intervals, boxes) -> list[tuple[int, int]]:
    """`services` cut at every box boundary: on each piece every box is all in or all out."""
    cuts = sorted({b for _, svcs in boxes for lo, hi in svcs for b in (lo, hi + 1)})
    out = []
    for lo, hi in services:
        start = lo
        for cut in cuts:
            if start < cut <= hi:
                out.append((start, cut - 1))
                start = cut
        out.append((start, hi))
    return out


def concrete_addresses(network: Network, family: Family) -> iv.Intervals:
    return iv.of_points(v for r in network.resources.values() for v in r.addresses(family))


def member_addresses(network: Network, group: str, family: Family) -> iv.Intervals:
    """Addresses that are members of `group` in every world: members' private addresses."""
    return iv.of_points(v for r in network.members(group) for v in r.private_addresses(family))


def possible_member_addresses(network: Network, group: str, family: Family) -> iv.Intervals:
    """Addresses that are members of `group` in some world."""
    described = network.groups.get(group)
    taken = concrete_addresses(network, family)
    if described is None or described.opaque:
        # Any unmanaged address may be a member of a group we know nothing of.
        return iv.union(iv.complement(taken, family.top), member_addresses(network, group, family))
    space: iv.Intervals = []
    for r in network.members(group):
        if r.symbolic:
            space = iv.union(space, _symbolic_space(r, family))
    return iv.union(iv.subtract(space, taken, family.top), member_addresses(network, group, family))


def _symbolic_space(resource, family: Family) -> iv.Intervals:
    if not resource.subnets:
        return iv.of_cidrs(PRIVATE_V4, family)
    return iv.of_cidrs(resource.subnets, family)


def certain_addresses(network: Network, rule: Rule, family: Family) -> iv.Intervals:
    peer = rule.peer
    if isinstance(peer, CidrPeer):
        return iv.of_cidrs([peer.cidr], family)
    if isinstance(peer, PrefixListPeer):
        plist = network.prefix_lists.get(peer.prefix_list)
        return iv.of_cidrs(plist.cidrs, family) if plist else []
    if isinstance(peer, GroupPeer):
        return member_addresses(network, peer.group, family)
    return []


def possible_addresses(network: Network, rule: Rule, family: Family) -> iv.Intervals:
    peer = rule.peer
    if isinstance(peer, GroupPeer):
        return possible_member_addresses(network, peer.group, family)
    if isinstance(peer, UnknownPeer) or (isinstance(peer, PrefixListPeer)
                                         and peer.prefix_list not in network.prefix_lists):
        return [(0, family.top)]
    return certain_addresses(network, rule, family)


def cover_of(network: Network, rules) -> Cover:
    cover = Cover()
    for rule in rules:
        cover.add(network, rule)
    return cover


def single_coverer(network: Network, rule: Rule, others) -> Rule | None:
    """One other rule that alone covers `rule`, if any."""
    for other in others:
        if cover_of(network, [other]).covers(network, rule):
            return other
    return None
