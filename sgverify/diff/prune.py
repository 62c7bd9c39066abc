"""Which pairs of principals can deliver differently in two networks.

What a pair (source S, destination D) delivers in one family reads only:
S's and D's addresses, subnets and groups; the egress rules of S's groups and
the ingress rules of D's groups, each rule's services and peer (with the
prefix list it names and whether the group it names is opaque); which
resources carry a group a rule names; and, for unmanaged and symbolic sides,
the set of every concrete address. If none of that differs for the pair, the
pair has the same certain and possible sets in both networks, under every
valuation of the shared opaque groups. Its difference is then empty unless a
side rule depends on a free choice (free choices are independent in the two
networks, so "possibly added" can appear where nothing changed): pairs with
such a rule are always compared; every other unchanged pair is skipped.

Finer: when only some rules of S's egress differ (as semantic keys: services,
unknown-ness, resolved peer), the delivered sets can differ only at packets a
differing rule admits, and such a packet also needs D's ingress to admit its
service. So D is compared only if some differing rule's peer may match D and
D's ingress (old or new) has a rule meeting that rule's services; the same the
other way round for D's differing ingress rules. A side whose rules differ
but admit exactly the same packets in both networks (meaning.py: a CIDR
split in two, a rule another rule of the side covers) counts as unchanged.
Every test here keeps more pairs than needed, never fewer.
"""

from __future__ import annotations

from typing import Sequence

from ..model import CidrPeer, Direction, GroupPeer, Network, PrefixListPeer, Resource, Rule
from ..model import intervals as iv
from ..regions import Principal
from ..regions.compiled import FAMILIES, compiled
from ..regions.principals import concrete_addresses
from .meaning import side_meaning

DIRECTIONS = (Direction.EGRESS, Direction.INGRESS)


def pairs_to_compare(old: Network, new: Network, sources: Sequence[Principal],
                     destinations: Sequence[Principal]) -> list[tuple[Principal, Principal]]:
    """The pairs that may deliver differently, in the order of the full loop
    (destination-major, source-minor; pairs of two unmanaged principals left out)."""
    changes = Changes(old, new)
    positions: dict[str, list[int]] = {}
    for i, src in enumerate(sources):
        if src.is_resource:
            positions.setdefault(src.name, []).append(i)
    towards = changes.egress_pairs(positions)
    backwards = changes.ingress_pairs(positions, destinations)
    unmanaged = [i for i, s in enumerate(sources) if not s.is_resource]
    full = sorted(i for name in changes.full | changes.free(Direction.EGRESS) for i in positions.get(name, ()))
    free_ingress = changes.free(Direction.INGRESS)
    out = []
    for dst in destinations:
        if not dst.is_resource:
            chosen = [i for i, s in enumerate(sources) if s.is_resource and changes.unmanaged_pair(s.name)]
        elif dst.name in changes.full or dst.name in free_ingress:
            chosen = range(len(sources))
        else:
            picked = set(full) | towards.get(dst.name, set())
            if changes.spaces_changed or changes.side(dst.name, Direction.INGRESS):
                picked.update(unmanaged)
            picked |= backwards.get(dst.name, set())
            chosen = sorted(picked)
        out += [(sources[i], dst) for i in chosen]
    return out


def self_key(resource: Resource | None) -> tuple | None:
    """What a resource is apart from its name: addresses, subnets and (the set of) groups."""
    if resource is None:
        return None
    return (frozenset(resource.ips), frozenset(resource.public_ips), frozenset(resource.subnets),
            frozenset(resource.groups))


def rule_key(network: Network, rule: Rule) -> tuple:
    """What a rule means, apart from where it is written."""
    peer = rule.peer
    if isinstance(peer, CidrPeer):
        target: tuple = ("cidr", peer.cidr)
    elif isinstance(peer, PrefixListPeer):
        found = network.prefix_lists.get(peer.prefix_list)
        target = ("list", frozenset(found.cidrs) if found else None)
    elif isinstance(peer, GroupPeer):
        group = network.groups.get(peer.group)
        target = ("group", peer.group, bool(group and group.opaque))
    else:
        target = ("unknown",)
    return (compiled(network).services(rule), bool(rule.service_unknown), target)


class Changes:
    """What differs between two networks, by resource and by side (asked lazily, remembered)."""

    def __init__(self, old: Network, new: Network, versions: bool = True):
        """versions=False: the rules of each differing key are not recorded (which resources
        their peers reach is not asked), and of groups with as many rules in both networks only the
        rules written differently are keyed."""
        self.old, self.new = old, new
        self.record = versions
        names = dict.fromkeys([*old.resources, *new.resources])
        self.full = {n for n in names if self_key(old.resources.get(n)) != self_key(new.resources.get(n))}
        self.spaces_changed = any(concrete_addresses(old, f) != concrete_addresses(new, f) for f in FAMILIES)
        if self.spaces_changed:
            self.full |= {r.name for net in (old, new) for r in net.resources.values() if r.symbolic}
        self.versions: dict[tuple, list[tuple[Network, Rule]]] = {}
        self.changed_groups = {d: self._changed_groups(d) for d in DIRECTIONS}
        self._side: dict[tuple, frozenset] = {}
        self._free: dict[Direction, frozenset[str]] = {}
        self._ids: dict[tuple, tuple[int, list]] = {}
        self._reach: dict[tuple, set[str] | None] = {}
        self._meanings: dict[tuple, bool] = {}

    def _changed_groups(self, direction: Direction) -> dict[str, frozenset]:
        out = {}
        for key in dict.fromkeys([*self.old.groups, *self.new.groups]):
            before, after = (self._rules(network, key, direction) for network in (self.old, self.new))
            if not self.record and len(before) == len(after):
                # Rule by rule: only rules written differently are keyed. Their keys hold every
                # key in one group only (and perhaps some in both: compared for nothing).
                pairs = [(a, b) for a, b in zip(before, after) if not self._written_alike(a, b)]
                before, after = [a for a, _ in pairs], [b for _, b in pairs]
            differing = frozenset(self._keys(self.old, before, direction)) ^ frozenset(
                self._keys(self.new, after, direction))
            if differing:
                out[key] = differing
        return out

    @staticmethod
    def _rules(network: Network, key: str, direction: Direction) -> tuple:
        group = network.groups.get(key)
        return group.rules(direction) if group else ()

    def _written_alike(self, a: Rule, b: Rule) -> bool:
        """The same rule in both networks, and so are the prefix list or the opaqueness of
        the group it names: their keys are the same."""
        return (a.service == b.service and a.peer == b.peer and a.service_unknown == b.service_unknown
                and self._peer_alike(a.peer))

    def _peer_alike(self, peer) -> bool:
        if isinstance(peer, PrefixListPeer):
            lists = [network.prefix_lists.get(peer.prefix_list) for network in (self.old, self.new)]
            return (lists[0] and lists[0].cidrs) == (lists[1] and lists[1].cidrs)
        if isinstance(peer, GroupPeer):
            groups = [network.groups.get(peer.group) for network in (self.old, self.new)]
            return bool(groups[0] and groups[0].opaque) == bool(groups[1] and groups[1].opaque)
        return True

    def _keys(self, network: Network, rules, direction: Direction) -> set[tuple]:
        out = set()
        for rule in rules:
            key = (direction, rule_key(network, rule))
            out.add(key)
            if self.record:
                self.versions.setdefault(key, []).append((network, rule))
        return out

    def written(self, name: str, direction: Direction) -> frozenset:
        """The rule keys written differently in a resource's side (its groups are the same in
        both), whether or not the side means the same."""
        resource = self.old.resources.get(name) or self.new.resources[name]
        changed = self.changed_groups[direction]
        return frozenset(k for g in resource.groups for k in changed.get(g, ()))

    def any_written(self, name: str, direction: Direction) -> bool:
        """Whether `written` holds a key (without collecting them)."""
        resource = self.old.resources.get(name) or self.new.resources[name]
        changed = self.changed_groups[direction]
        return any(g in changed for g in resource.groups)

    def side(self, name: str, direction: Direction) -> frozenset:
        """The differing rule keys of a resource's side (its groups are the same in both)."""
        found = self._side.get((name, direction))
        if found is None:
            resource = self.old.resources.get(name) or self.new.resources[name]
            found = self.written(name, direction)
            if found and self._same_meaning(name, resource.groups, direction):
                found = frozenset()
            self._side[(name, direction)] = found
        return found

    def _same_meaning(self, name: str, groups: tuple[str, ...], direction: Direction) -> bool:
        """Whether the side admits the same packets in both networks, though its rules differ."""
        both = [n.resources.get(name) for n in (self.old, self.new)]
        if None in both or any(resource.groups != groups for resource in both):
            return False
        key = (groups, direction)
        found = self._meanings.get(key)
        if found is None:
            old, new = (side_meaning(n, compiled(n).side_rules(name, direction)) for n in (self.old, self.new))
            found = self._meanings[key] = old is not None and old == new
        return found

    def unmanaged_pair(self, name: str) -> bool:
        """Whether a resource (as the source) and an unmanaged destination may deliver differently."""
        return (self.spaces_changed or name in self.full or name in self.free(Direction.EGRESS)
                or bool(self.side(name, Direction.EGRESS)))

    def free(self, direction: Direction) -> frozenset[str]:
        """Resources with a side rule that depends on a free choice, in either network.

        Free choices are independent in the two networks, so such a pair may show
        possible differences even where nothing changed: it is always compared.
        """
        found = self._free.get(direction)
        if found is None:
            found = self._free[direction] = frozenset(
                name for network in (self.old, self.new) if compiled(network).free_groups(direction)
                for name in network.resources if compiled(network).any_free(name, direction))
        return found

    def egress_pairs(self, positions: dict[str, list[int]]) -> dict[str, set[int]]:
        """Destination name -> positions of unchanged sources whose differing egress rules
        may change what reaches it: the rule may match the destination, and the
        destination's ingress has a rule meeting its services that may match the source."""
        holders: dict[tuple, list[str]] = {}
        for name in positions:
            if name not in self.full:
                for key in self.side(name, Direction.EGRESS):
                    holders.setdefault(key, []).append(name)
        out: dict[str, set[int]] = {}
        everyone = list(dict.fromkeys([*self.old.resources, *self.new.resources]))
        for key, names in holders.items():
            matched = self._touched(key)
            for dst in (everyone if matched is None else matched):
                if dst in self.full:
                    continue
                meeting = self.meeting(dst, Direction.INGRESS, key[1][0])
                chosen = [n for n in names if _admits(meeting, n)]
                if chosen:
                    out.setdefault(dst, set()).update(i for n in chosen for i in positions[n])
        return out

    def ingress_pairs(self, positions: dict[str, list[int]],
                      destinations: Sequence[Principal]) -> dict[str, set[int]]:
        """Destination name -> positions of unchanged sources whose traffic the destination's
        differing ingress rules may treat differently (the same test the other way round)."""
        holders: dict[tuple, list[str]] = {}
        for dst in dict.fromkeys(d.name for d in destinations if d.is_resource and d.name not in self.full):
            for key in self.side(dst, Direction.INGRESS):
                holders.setdefault(key, []).append(dst)
        unfiltered = set().union(*(compiled(n).unfiltered_resources() for n in (self.old, self.new)))
        out: dict[str, set[int]] = {}
        for key, names in holders.items():
            matched = self._touched(key)
            for src in (positions if matched is None else matched):
                if src in self.full or src not in positions:
                    continue
                meeting = self.meeting(src, Direction.EGRESS, key[1][0])
                for dst in names:
                    if dst in unfiltered or _admits(meeting, dst):
                        out.setdefault(dst, set()).update(positions[src])
        return out

    def meeting(self, name: str, direction: Direction, services: tuple) -> tuple:
        """The peer sets (None: any resource) of the side's rules, old or new, that meet
        `services`: the resources the side may admit with one of those services."""
        side, rules = self._side_rules(name, direction)
        cache = (side, services)
        found = self._reach.get(cache)
        if found is None:
            lo, hi = services[0][0], services[-1][1]
            sets = {id(t): t for first, last, spans, t in rules
                    if first <= hi and last >= lo and iv.meets(spans, services)}
            found = self._reach[cache] = tuple(sets.values())
        return found

    def _side_rules(self, name: str, direction: Direction) -> tuple[int, list]:
        """(an id shared by resources with the same groups in both networks, the side's rules
        as (lowest service, highest service, services, peer set))."""
        key = (name, direction)
        found = self._ids.get(key)
        if found is None:
            groups = (direction, *(n.resources[name].groups if name in n.resources else None
                                   for n in (self.old, self.new)))
            found = self._ids.get(groups)
            if found is None:
                rules = []
                for network in (self.old, self.new):
                    facts = compiled(network)
                    for rule in (facts.side_rules(name, direction) if name in network.resources else ()):
                        spans = facts.services(rule)
                        if spans:
                            rules.append((spans[0][0], spans[-1][1], spans, facts.touched(rule)))
                found = self._ids[groups] = (len(self._ids), rules)
            self._ids[key] = found
        return found

    def _touched(self, key: tuple) -> set[str] | None:
        out: set[str] = set()
        for network, rule in self.versions.get(key, ()):
            found = compiled(network).touched(rule)
            if found is None:
                return None
            out |= found
        return out


def _admits(meeting: tuple, name: str) -> bool:
    return any(found is None or name in found for found in meeting)
