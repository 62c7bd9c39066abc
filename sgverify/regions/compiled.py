"""Per-network facts the region engine asks for over and over, computed once.

A large estate is asked about thousands of pairs; each pair used to rebuild
the same things: a resource's side rules, each rule's service intervals and
peer blocks, a principal's address space. `compiled(network)` keeps them for
one network object (networks are never changed after loading).

It also answers "which resources can a side's filter possibly admit as the
peer?" (`candidates`), so callers can skip pairs whose delivered set is empty
without computing it. The answer is a superset: a pair left out is provably
empty, a pair kept may still be empty.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import Iterable

from ..model import CidrPeer, Direction, Family, GroupPeer, Network, Rule, UnknownPeer
from ..model import intervals as iv
from ..model.addresses import UNFILTERED_SERVICES

FAMILIES = (Family.V4, Family.V6)
_CACHE: dict[int, "Compiled"] = {}
_CACHE_SIZE = 16


def compiled(network: Network) -> "Compiled":
    """The cached facts of `network` (keyed by identity; the entry keeps the network alive,
    so an id is never reused while its entry exists)."""
    found = _CACHE.get(id(network))
    if found is not None and found.network is network:
        return found
    if len(_CACHE) >= _CACHE_SIZE:
        del _CACHE[next(iter(_CACHE))]
    made = Compiled(network)
    _CACHE[id(network)] = made
    return made


def rule_is_free(network: Network, rule: Rule) -> bool:
    """Does the rule's match depend on a free choice (unknown part, opaque group)?"""
    if rule.service_unknown or isinstance(rule.peer, UnknownPeer):
        return True
    if isinstance(rule.peer, GroupPeer):
        group = network.groups.get(rule.peer.group)
        return bool(group and group.opaque)
    return False


# Free groups by the groups mapping they were found in (kept alive, so its id is not reused):
# the networks of a diff by profile share their groups with the networks they were made from.
_FREE: dict[tuple[int, Direction], tuple[object, frozenset[str]]] = {}


def _free_groups(network: Network, direction: Direction) -> frozenset[str]:
    groups = network.groups
    found = _FREE.get((id(groups), direction))
    if found is None or found[0] is not groups:
        if len(_FREE) >= 4 * _CACHE_SIZE:
            _FREE.clear()
        # A rule with a CIDR peer depends on no choice unless its service is unknown: asked
        # inline, for the 100,000 rules of a large estate.
        found = _FREE[(id(groups), direction)] = (groups, frozenset(
            name for name, group in groups.items()
            if any(r.service_unknown or (type(r.peer) is not CidrPeer and rule_is_free(network, r))
                   for r in group.rules(direction))))
    return found[1]


class Compiled:
    def __init__(self, network: Network):
        self.network = network
        self._side: dict[tuple[str, Direction], tuple[Rule, ...]] = {}
        self._services: dict[int, tuple] = {}
        self._blocks: dict[tuple[int, Family], iv.Intervals] = {}
        self._spaces: dict[tuple, iv.Intervals] = {}
        self._index: dict[Family, tuple[list[int], list[str]]] = {}
        self._members: dict[str, list[str]] | None = None
        self._touched: dict[tuple, frozenset] = {}
        self._candidates: dict[tuple, set[str] | None] = {}
        self.memo: dict[tuple, object] = {}  # recent results the engine may clear at any time

    # -- rules ---------------------------------------------------------------

    def side_rules(self, resource: str, direction: Direction) -> tuple[Rule, ...]:
        key = (resource, direction)
        found = self._side.get(key)
        if found is None:
            out: list[Rule] = []
            for group_key in dict.fromkeys(self.network.resources[resource].groups):
                group = self.network.groups.get(group_key)
                if group is not None:
                    out.extend(group.rules(direction))
            found = self._side[key] = tuple(out)
        return found

    def side_services(self, resource: str, direction: Direction) -> tuple:
        """The side rules that admit some service, as (rule, services, lowest, highest)."""
        key = ("services", resource, direction)
        found = self._candidates.get(key)
        if found is None:
            found = self._candidates[key] = tuple(
                (rule, spans, spans[0][0], spans[-1][1]) for rule in self.side_rules(resource, direction)
                for spans in (self.services(rule),) if spans)
        return found

    def rules_at(self, resource: str, direction: Direction, point: int) -> tuple[Rule, ...]:
        """The side rules of known service whose services hold the service point (a large
        diff replays a witness per row; most rows share their services and endpoints)."""
        key = ("at", resource, direction, point)
        found = self._candidates.get(key)
        if found is None:
            found = self._candidates[key] = tuple(
                rule for rule, spans, lo, hi in self.side_services(resource, direction)
                if lo <= point <= hi and not rule.service_unknown and any(a <= point <= b for a, b in spans))
        return found

    def services(self, rule: Rule) -> tuple:
        found = self._services.get(id(rule))
        if found is None:
            found = self._services[id(rule)] = (rule, rule.service.spans)  # sorted and merged already
        return found[1]

    def peer_blocks(self, rule: Rule, family: Family) -> iv.Intervals:
        """The addresses a CIDR or prefix-list peer names in `family`."""
        key = (id(rule), family)
        found = self._blocks.get(key)
        if found is None:
            target = rule.peer
            if isinstance(target, CidrPeer):
                found = iv.of_cidr(target.cidr, family)
            else:
                prefix_list = self.network.prefix_lists.get(target.prefix_list)
                found = iv.of_cidrs(prefix_list.cidrs if prefix_list else (), family)
            self._blocks[key] = found
            self._services.setdefault(id(rule), (rule, rule.service.spans))
        return found

    def any_free(self, resource: str, direction: Direction) -> bool:
        """Whether some side rule of the resource depends on a free choice (rule_is_free)."""
        return not self.free_groups(direction).isdisjoint(self.network.resources[resource].groups)

    def free_groups(self, direction: Direction) -> frozenset[str]:
        """The groups with such a rule, found in one pass over the rules (a diff asks of
        every resource, and groups are on the sides of many resources); remembered by
        _free_groups."""
        return _free_groups(self.network, direction)

    # -- address spaces ------------------------------------------------------

    def space(self, principal, family: Family, compute) -> iv.Intervals:
        key = (principal, family)
        found = self._spaces.get(key)
        if found is None:
            found = self._spaces[key] = compute()
        return found

    # -- which resources a rule's peer can match ------------------------------

    def _address_index(self, family: Family) -> tuple[list[int], list[str]]:
        found = self._index.get(family)
        if found is None:
            pairs = sorted((v, r.name) for r in self.network.resources.values() for v in r.addresses(family))
            found = self._index[family] = ([v for v, _ in pairs], [n for _, n in pairs])
        return found

    def holders(self, family: Family, address: int) -> list[str]:
        """The resources with the concrete address (several where one is shared)."""
        values, names = self._address_index(family)
        return names[bisect_left(values, address):bisect_right(values, address)]

    def shared(self, family: Family) -> frozenset[int]:
        """The concrete addresses more than one resource holds."""
        key = ("shared", family)
        found = self._touched.get(key)
        if found is None:
            values, _ = self._address_index(family)
            found = self._touched[key] = frozenset(v for v, w in zip(values, values[1:]) if v == w)
        return found

    def members(self, group: str) -> list[str]:
        if self._members is None:
            self._members = {}
            for resource in self.network.resources.values():
                for key in dict.fromkeys(resource.groups):
                    self._members.setdefault(key, []).append(resource.name)
        return self._members.get(group, [])

    def symbolic(self) -> frozenset[str]:
        key = ("symbolic",)
        found = self._touched.get(key)
        if found is None:
            found = self._touched[key] = frozenset(r.name for r in self.network.resources.values() if r.symbolic)
        return found

    def in_blocks(self, blocks_by_family: Iterable[tuple[Family, iv.Intervals]]) -> set[str]:
        """Resources with a concrete address in the blocks, plus every symbolic resource."""
        out = set(self.symbolic())
        for family, blocks in blocks_by_family:
            values, names = self._address_index(family)
            for lo, hi in blocks:
                out.update(names[bisect_left(values, lo):bisect_right(values, hi)])
        return out

    def touched(self, rule: Rule, family: Family | None = None) -> frozenset[str] | None:
        """Resources the rule's peer may match in `family` (None: either family), free
        choices taken as true; None: every resource."""
        target = rule.peer
        if isinstance(target, UnknownPeer):
            return None
        if isinstance(target, GroupPeer):
            key = ("group", target.group, family)
        elif isinstance(target, CidrPeer):
            key = ("cidr", target.cidr, family)
        else:
            key = ("list", target.prefix_list, family)
        found = self._touched.get(key)
        if found is None:
            families = FAMILIES if family is None else (family,)
            if isinstance(target, GroupPeer):
                # Group references match private addresses only (any address of a symbolic member).
                found = frozenset(n for n in self.members(target.group)
                                  if any(self._private_or_symbolic(n, f) for f in families))
            else:
                found = frozenset(self.in_blocks((f, self.peer_blocks(rule, f)) for f in families))
            self._touched[key] = found
        return found

    def _private_or_symbolic(self, name: str, family: Family) -> bool:
        resource = self.network.resources[name]
        return resource.symbolic or bool(resource.private_addresses(family))

    def unfiltered_resources(self) -> frozenset[str]:
        """Resources that may have an address whose egress is never filtered (link-local services)."""
        key = ("unfiltered",)
        found = self._touched.get(key)
        if found is None:
            found = self._touched[key] = frozenset(self.in_blocks(
                (f, iv.of_cidrs(UNFILTERED_SERVICES, f)) for f in FAMILIES))
        return found

    def meets_any(self, resource: str, direction: Direction, services: tuple | None) -> bool:
        """Whether some side rule of the resource admits a service in `services` (None: any)."""
        key = ("meets", resource, direction, services)
        found = self._candidates.get(key)
        if found is None:
            found = self._candidates[key] = any(
                services is None or iv.intersect(list(self.services(r)), list(services))
                for r in self.side_rules(resource, direction))
        return found

    def candidates(self, resource: str, direction: Direction, services: tuple | None = None,
                   family: Family | None = None) -> set[str] | None:
        """Resources that `resource`'s filter in `direction` may admit as the peer with some
        service in `services` (None: any service) in `family` (None: either); None means
        every resource."""
        key = ("candidates", resource, direction, services, family)
        found = self._candidates.get(key, False)
        if found is not False:
            return found
        out: set[str] | None = set()
        if direction is Direction.EGRESS:
            out.update(self.unfiltered_resources())
        for rule in self.side_rules(resource, direction):
            if services is not None and not iv.intersect(list(self.services(rule)), list(services)):
                continue
            hit = self.touched(rule, family)
            if hit is None:
                out = None
                break
            out.update(hit)
        self._candidates[key] = out
        return out
