"""Each group's rules in one direction and family, sorted by kind.

Every profile holding a group merges the same pieces into its policy, so a
group's part is built once per set of asked services and shared. The first
assertion on a 100k-rule network sorts nearly every group (about 50,000 rules
per direction) and narrows each to the services asked, so both are kept
cheap: a CIDR block is computed from its two numbers and a prefix list's
blocks once per list. A group first asked about with some services is
narrowed as its rules are sorted, and a rule that admits none of them is
dropped before its blocks are computed (most rules, for one asked port); a
group already sorted is narrowed from its sorted rules, with the cut of each
distinct service set made once.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model import CidrPeer, Direction, Family, GroupPeer, Network, PrefixListPeer, Rule, Service
from ..model import intervals as iv
from ..model.free import unknown_choice
from ..model.service import ALL

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

    def narrowed(self, narrowing: "Narrowing") -> "GroupPart":
        """Only the rules that admit some of the asked services, their services cut
        to them (an unknown rule keeps its own: it is all or nothing)."""
        cut = narrowing.cut
        by_services = [(kept, addresses) for admitted, addresses in self.by_services if (kept := cut(admitted))]
        by_group = [(group, kept) for group, admitted in self.by_group if (kept := cut(admitted))]
        unknown = tuple(u for u in self.unknown if u.services is None or cut(u.services))
        return GroupPart(tuple(by_services), tuple(by_group), unknown)


class Narrowing:
    """Cuts of rule services to one set of asked services. Cuts of sorted blocks are
    memoized, shared by every group narrowed to the same services (rules repeat a
    few service sets); a rule's own service is cut directly (hashing it costs more)."""

    def __init__(self, asked):
        self.asked = list(asked)
        self._by_blocks: dict[Blocks, Blocks] = {}
        # A service sits on the line at protocol << 16 | port: the protocols the asked
        # services touch (most rules of an estate are of one other protocol).
        self._protocols = (self.asked[0][0] >> 16, self.asked[-1][1] >> 16) if self.asked else (0, -1)

    def cut(self, admitted: Blocks) -> Blocks:
        kept = self._by_blocks.get(admitted)
        if kept is None:
            kept = self._by_blocks[admitted] = tuple(iv.intersect(list(admitted), self.asked))
        return kept

    def cut_service(self, service: Service) -> Blocks:
        low, high = self._protocols
        if service.protocol != ALL and not low <= service.protocol <= high:
            return ()
        spans = service.intervals()
        if len(spans) == 1 and len(self.asked) == 1:  # nearly always: two comparisons, no merge
            (lo, hi), (first, last) = spans[0], self.asked[0]
            if hi < first or lo > last:
                return ()
            return ((max(lo, first), min(hi, last)),)
        return tuple(iv.intersect(spans, self.asked))


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


def sort_group_rules(network: Network, group_key: str, direction: Direction, peers: PeerBlocks,
                     narrowing: Narrowing | None = None) -> GroupPart:
    """A group's rules sorted by kind; with `narrowing`, equal to sorting them all and
    then narrowing the result (GroupPart.narrowed), without the blocks of dropped rules."""
    by_services: list = []
    by_group: list = []
    unknown: list[UnknownItem] = []
    group = network.groups.get(group_key)
    for position, rule in enumerate(group.rules(direction) if group is not None else ()):
        if narrowing is not None:
            kept = narrowing.cut_service(rule.service)
            if not kept:
                continue
        addresses = peers.of(rule)
        if addresses is not None and not addresses:
            continue  # a peer of the other family never matches
        peer_group = rule.peer.group if isinstance(rule.peer, GroupPeer) else None
        if rule.service_unknown or not (addresses is not None or peer_group):
            services = tuple(rule.service.intervals())
            unknown.append(UnknownItem(unknown_choice(rule, position), services, addresses, peer_group))
            continue
        services = kept if narrowing is not None else tuple(rule.service.intervals())
        if peer_group is not None:
            by_group.append((peer_group, services))
        else:
            by_services.append((services, addresses))
    return GroupPart(tuple(by_services), tuple(by_group), tuple(unknown))
