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
            return self._covers_group(network, rule.peer.group, services)
        return all(self._covers_box(family, possible_addresses(network, rule, family), services)
                   for family in FAMILIES)

    def _covers_group(self, network: Network, group: str, services: iv.Intervals) -> bool:
        """A group peer, one identity at a time: each member w matches on its member
        addresses, where every rule naming one of w's groups matches too."""
        for member in network.members(group):
            rest = iv.subtract(services, self._tokens(member.groups), SERVICE_TOP)
            if rest and not all(self._covers_box(f, member_space(network, member, f), rest)
                                for f in FAMILIES):
                return False
        described = network.groups.get(group)
        if described is None or described.opaque:
            # Unmanaged addresses that may be members of a group nobody describes.
            rest = iv.subtract(services, self.tokens.get(group, []), SERVICE_TOP)
            return not rest or all(
                self._covers_box(f, iv.complement(concrete_addresses(network, f), f.top), rest)
                for f in FAMILIES)
        return True

    def _tokens(self, groups) -> iv.Intervals:
        return iv.normalize(x for g in groups for x in self.tokens.get(g, []))

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


def member_space(network: Network, resource, family: Family) -> iv.Intervals:
    """The addresses at which `resource` is a member of its groups."""
    if not resource.symbolic:
        return iv.of_points(resource.private_addresses(family))
    if resource.subnets:
        space = iv.of_cidrs(resource.subnets, family)
    else:
        space = iv.of_cidrs(PRIVATE_V4, family)
    return iv.subtract(space, concrete_addresses(network, family), family.top)


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
    """Every address a (non-group) rule's peer may match."""
    peer = rule.peer
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
