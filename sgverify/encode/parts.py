"""Each group's rules in one direction and family, sorted by kind.

Every profile holding a group merges the same pieces into its policy, so a
group is sorted once and shared. The first assertion on a 100k-rule network
sorts nearly every group (about 50,000 rules per direction) and narrows each
to the services asked, so both are kept to lookups where values repeat: a
CIDR block is computed from its two numbers, a prefix list's blocks once per
list, and the cut of a rule's services to the asked ones once per distinct
service set.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model import CidrPeer, Direction, Family, GroupPeer, Network, PrefixListPeer, Rule
from ..model import intervals as iv
from ..model.free import unknown_choice

Blocks = tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class UnknownItem:
    """A rule part whose value is unknown: it matches only when its free Boolean is true."""

    name: str  # name of the free Boolean
    services: tuple[tuple[int, int], ...] | None  # None: the service is unknown too (any)
    addresses: tuple[tuple[int, int], ...] | None  # address peer; None with group None: unknown peer
    group: str | None = None


@dataclass(frozen=True)
class GroupPart:
    """One group's rules in one direction and family, sorted by kind: the
    pieces every profile holding the group merges into its policy."""

    by_services: tuple[tuple[Blocks, Blocks], ...]  # (services, address blocks)
    by_group: tuple[tuple[str, Blocks], ...]  # (peer group, services)
    unknown: tuple[UnknownItem, ...]

    def narrowed(self, services, cuts: dict | None = None) -> "GroupPart":
        """Only the rules that admit some of `services`, their services cut to them.

        cuts: a memo {rule services: their cut} shared by every group narrowed
        to the same `services` (rules repeat a few service sets).
        """
        asked = list(services)
        cuts = {} if cuts is None else cuts

        def cut(admitted: Blocks) -> Blocks:
            kept = cuts.get(admitted)
            if kept is None:
                kept = cuts[admitted] = tuple(iv.intersect(list(admitted), asked))
            return kept

        by_services = [(kept, addresses) for admitted, addresses in self.by_services if (kept := cut(admitted))]
        by_group = [(group, kept) for group, admitted in self.by_group if (kept := cut(admitted))]
        unknown = tuple(u for u in self.unknown if u.services is None or iv.intersect(list(u.services), asked))
        return GroupPart(tuple(by_services), tuple(by_group), unknown)


class PeerBlocks:
    """Address blocks of rule peers in one family (None for other peers)."""

    def __init__(self, network: Network, family: Family):
        self.network = network
        self.family = family
        self.width = family.width
        self._lists: dict[str, Blocks] = {}

    def of(self, rule: Rule) -> Blocks | None:
        peer = rule.peer
        if type(peer) is CidrPeer:  # nearly every rule: no call, no list
            cidr = peer.cidr
            if cidr.family is not self.family:
                return ()
            return ((cidr.network, cidr.network | ((1 << (self.width - cidr.prefix)) - 1)),)
        if isinstance(peer, PrefixListPeer):
            name = peer.prefix_list
            found = self._lists.get(name)
            if found is None:
                found = self._lists[name] = tuple(iv.of_cidrs(self.network.prefix_lists[name].cidrs, self.family))
            return found
        if isinstance(peer, CidrPeer):
            return tuple(iv.of_cidr(peer.cidr, self.family))
        return None


def sort_group_rules(network: Network, group_key: str, direction: Direction, peers: PeerBlocks) -> GroupPart:
    by_services: list = []
    by_group: list = []
    unknown: list[UnknownItem] = []
    group = network.groups.get(group_key)
    for position, rule in enumerate(group.rules(direction) if group is not None else ()):
        addresses = peers.of(rule)
        if addresses is not None and not addresses:
            continue  # a peer of the other family never matches
        services = tuple(rule.service.intervals())
        peer_group = rule.peer.group if isinstance(rule.peer, GroupPeer) else None
        if rule.service_unknown or not (addresses is not None or peer_group):
            unknown.append(UnknownItem(unknown_choice(rule, position), services, addresses, peer_group))
        elif peer_group is not None:
            by_group.append((peer_group, services))
        else:
            by_services.append((services, addresses))
    return GroupPart(tuple(by_services), tuple(by_group), tuple(unknown))
