"""Network -> per-family tables the encoder works from (still no z3 here).

The tables answer, with merged interval sets, the questions every query asks:
which addresses are which resource ("who"), which addresses are private
members of a group, and what each distinct set of groups admits in each
direction. Resources with the same set of groups share one *profile*, so a
policy is built once per group set, not once per resource.

Identity slots: 0 = unmanaged address; 1..P = profiles with concrete
addresses; then one slot per symbolic resource (no known address).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

from ..gcpause import building_objects
from ..model import Cidr, Direction, Family, Network
from ..model import intervals as iv
from ..model.addresses import PRIVATE_V4
from ..model.service import SERVICE_TOP
from .parts import GroupPart, Narrowing, PeerBlocks, UnknownItem, sort_group_rules

UNMANAGED = 0


@dataclass(frozen=True)
class Policy:
    """What one profile admits in one direction, merged.

    by_services: address peers, one entry per distinct service set with the
                 union of their address blocks.
    by_group: group peers, one entry per group with the union of services.
    """

    by_services: tuple[tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]], ...]
    by_group: tuple[tuple[str, tuple[tuple[int, int], ...]], ...]
    unknown: tuple[UnknownItem, ...]

    @property
    def empty(self) -> bool:
        return not (self.by_services or self.by_group or self.unknown)


@dataclass
class CompiledFamily:
    network: Network
    family: Family
    profiles: list[tuple[str, ...]] = field(default_factory=list)  # index = slot - 1
    profile_addresses: list[iv.Intervals] = field(default_factory=list)
    owner: dict[int, str] = field(default_factory=dict)  # concrete address -> resource
    all_concrete: iv.Intervals = field(default_factory=list)
    symbolic: list[tuple[str, int, iv.Intervals]] = field(default_factory=list)  # name, profile slot, subnet
    group_private: dict[str, iv.Intervals] = field(default_factory=dict)
    group_addresses: dict[str, iv.Intervals] = field(default_factory=dict)  # incl. public, for endpoints
    group_symbolic: dict[str, list[int]] = field(default_factory=dict)
    group_profiles: dict[str, list[int]] = field(default_factory=dict)
    _policies: dict[tuple, Policy] = field(default_factory=dict)  # (profile, direction, services)
    _parts: dict[tuple, GroupPart] = field(default_factory=dict)  # (group, direction, services)
    _peers: PeerBlocks | None = None  # see parts.py
    _narrowings: dict[tuple, Narrowing] = field(default_factory=dict)  # by asked services
    _interned: dict[Policy, Policy] = field(default_factory=dict)
    # Groups with equal rules (one per resource on some estates) share one part, and
    # profiles made of the same parts one policy, built once.
    _interned_parts: dict[GroupPart, GroupPart] = field(default_factory=dict)
    _by_parts: dict[tuple[int, ...], Policy] = field(default_factory=dict)
    _classes: dict[tuple, tuple["PolicyClass", ...]] = field(default_factory=dict)
    _spaces: dict[tuple, iv.Intervals] = field(default_factory=dict)
    resource_slots: dict[str, int | None] = field(default_factory=dict)  # see slot_of_resource
    _by_address: tuple | None = None  # see _profile_index; None also when profiles overlap
    _by_address_built: bool = False

    @property
    def slot_count(self) -> int:
        return 1 + len(self.profiles) + len(self.symbolic)

    def symbolic_slot(self, index: int) -> int:
        return 1 + len(self.profiles) + index

    def profile_of_slot(self, slot: int) -> int:
        """The profile slot whose policy applies to an identity slot."""
        if slot <= len(self.profiles):
            return slot
        return self.symbolic[slot - 1 - len(self.profiles)][1]

    def slot_of_resource(self, name: str) -> int | None:
        """A resource's symbolic slot, else its profile's slot if it has an
        address in this family, else None."""
        return self.resource_slots[name]  # filled by compile_family: no search of the profiles

    @property
    def unowned(self) -> iv.Intervals:
        """Every address of the family that no resource holds."""
        key = ("unowned",)
        if key not in self._spaces:
            self._spaces[key] = iv.complement(self.all_concrete, self.family.top)
        return self._spaces[key]

    def profiles_meeting(self, space) -> set[int]:
        """Profile slots with an address in `space`."""
        index = self._profile_index()
        if index is None:  # addresses shared between profiles: test each profile
            return {i + 1 for i, addrs in enumerate(self.profile_addresses) if iv.intersect(addrs, space)}
        lows, highs, slots = index
        found: set[int] = set()
        for lo, hi in space:
            found.update(slots[bisect_left(highs, lo):bisect_right(lows, hi)])
        return found

    def _profile_index(self):
        """Every profile interval sorted, as (lows, highs, slots); None if two overlap."""
        if not self._by_address_built:
            entries = sorted((lo, hi, slot + 1) for slot, addrs in enumerate(self.profile_addresses)
                             for lo, hi in addrs)
            lows = [lo for lo, _, _ in entries]
            highs = [hi for _, hi, _ in entries]
            disjoint = all(highs[i] < lows[i + 1] for i in range(len(entries) - 1))
            self._by_address = (lows, highs, [slot for _, _, slot in entries]) if disjoint else None
            self._by_address_built = True
        return self._by_address

    def symbolic_free_space(self, index: int) -> iv.Intervals:
        """Where a symbolic resource's address can be: its subnets minus every known address."""
        key = ("symbolic", index)
        if key not in self._spaces:
            self._spaces[key] = iv.intersect(self.symbolic[index][2], self.unowned)
        return self._spaces[key]

    def group_part(self, group: str, direction: Direction, services=None) -> GroupPart:
        """A group's rules sorted by kind, narrowed to `services` (None: all);
        built once and shared by every profile holding the group. A group already
        sorted is narrowed from its sorted rules, else straight from its rules."""
        key = (group, direction is Direction.INGRESS, services)  # an Enum hashes in Python: slow
        if key not in self._parts:
            if self._peers is None:
                self._peers = PeerBlocks(self.network, self.family)
            narrowing = None if services is None else self._narrowing(services)
            whole = self._parts.get((group, key[1], None))
            if whole is not None and narrowing is not None:
                part = whole.narrowed(narrowing)
            else:
                part = sort_group_rules(self.network, group, direction, self._peers, narrowing)
            self._parts[key] = self._interned_parts.setdefault(part, part)
        return self._parts[key]

    def _narrowing(self, services) -> Narrowing:
        found = self._narrowings.get(services)
        if found is None:
            found = self._narrowings[services] = Narrowing(services)
        return found

    def policy(self, profile_slot: int, direction: Direction) -> Policy:
        return self.policy_for(profile_slot, direction, None)

    def policy_for(self, profile_slot: int, direction: Direction, services) -> Policy:
        """What a profile admits in a direction, narrowed to the services a
        query asks about (None: all).

        Policies are interned: profiles whose (narrowed) policies are equal
        get the same object, so a query reduces each distinct one once.
        Assertions repeat the same few services, so this is reused across them.
        """
        key = (profile_slot, direction is Direction.INGRESS, services)
        found = self._policies.get(key)
        if found is None:
            parts = tuple(self.group_part(g, direction, services) for g in self.profiles[profile_slot - 1])
            same = tuple(map(id, parts))  # parts are interned: equal parts, one object
            found = self._by_parts.get(same)
            if found is None:
                built = build_policy(parts)
                found = self._by_parts[same] = self._interned.setdefault(built, built)
            self._policies[key] = found
        return found

    def policy_classes(self, direction: Direction, services) -> tuple["PolicyClass", ...]:
        """Profiles with concrete addresses, grouped by their (narrowed) policy.

        A query reduces one policy per class instead of one per profile; at
        100k rules there are thousands of profiles but far fewer policies.
        """
        key = (direction, services)
        if key not in self._classes:
            with building_objects():  # thousands of policies, kept for the whole run
                self._classes[key] = self._group_by_policy(direction, services)
        return self._classes[key]

    def _group_by_policy(self, direction: Direction, services) -> tuple["PolicyClass", ...]:
        members: dict[int, list[int]] = {}
        policies: dict[int, Policy] = {}
        for slot in range(1, len(self.profiles) + 1):
            if self.profile_addresses[slot - 1]:
                policy = self.policy_for(slot, direction, services)
                policies[id(policy)] = policy
                members.setdefault(id(policy), []).append(slot)
        return tuple(PolicyClass(policies[k], tuple(slots), self.addresses_of(slots)) for k, slots in members.items())

    def addresses_of(self, profile_slots) -> iv.Intervals:
        return iv.normalize([i for slot in profile_slots for i in self.profile_addresses[slot - 1]])


@dataclass(frozen=True)
class PolicyClass:
    """Profiles (by slot) that share one policy, and all their addresses."""

    policy: Policy
    slots: tuple[int, ...]
    addresses: iv.Intervals


def compile_family(network: Network, family: Family) -> CompiledFamily:
    out = CompiledFamily(network, family)
    profile_index: dict[tuple[str, ...], int] = {}
    addresses: dict[int, list[int]] = {}
    for resource in network.resources.values():
        groups = tuple(sorted(set(resource.groups)))
        if groups not in profile_index:
            profile_index[groups] = len(out.profiles) + 1
            out.profiles.append(groups)
            addresses[profile_index[groups]] = []
        slot = profile_index[groups]
        concrete = resource.addresses(family)
        for value in concrete:
            out.owner[value] = resource.name
        addresses[slot].extend(concrete)
        out.resource_slots[resource.name] = slot if concrete else None
        if resource.symbolic:
            subnet = _symbolic_space(resource.subnets, family)
            if subnet:
                out.symbolic.append((resource.name, slot, subnet))
    for index, (name, _, _) in enumerate(out.symbolic):  # numbered after every profile is known
        out.resource_slots[name] = out.symbolic_slot(index)
    out.profile_addresses = [iv.of_points(addresses[i + 1]) for i in range(len(out.profiles))]
    out.all_concrete = iv.of_points(out.owner)
    _index_groups(out, network)
    return out


def _symbolic_space(subnets: tuple[Cidr, ...], family: Family) -> iv.Intervals:
    if not subnets:
        return iv.of_cidrs(PRIVATE_V4, family) if family is Family.V4 else []
    return iv.of_cidrs(subnets, family)


def _index_groups(out: CompiledFamily, network: Network) -> None:
    private: dict[str, list[int]] = {key: [] for key in network.groups}
    everything: dict[str, list[int]] = {key: [] for key in network.groups}
    for resource in network.resources.values():
        own_private, own = resource.private_addresses(out.family), resource.addresses(out.family)
        for group in resource.groups:
            private.setdefault(group, []).extend(own_private)
            everything.setdefault(group, []).extend(own)
    out.group_private = {k: iv.of_points(v) for k, v in private.items()}
    # Most groups have no member with a public address: one merge serves both
    # (a member's private addresses are among its addresses, so equal counts
    # mean equal lists). The sets are only ever read.
    out.group_addresses = {k: out.group_private[k] if len(v) == len(private[k]) else iv.of_points(v)
                           for k, v in everything.items()}
    out.group_symbolic = {k: [] for k in private}
    for index, (name, _, _) in enumerate(out.symbolic):
        for group in network.resources[name].groups:
            out.group_symbolic[group].append(out.symbolic_slot(index))
    out.group_profiles = {k: [] for k in private}
    for index, groups in enumerate(out.profiles):
        if out.profile_addresses[index]:
            for group in groups:
                out.group_profiles.setdefault(group, []).append(index + 1)


def build_policy(parts: tuple[GroupPart, ...]) -> Policy:
    """The policy of a profile from its groups' parts, merged."""
    if not any(part.by_services or part.by_group or part.unknown for part in parts):
        return NOTHING  # most profiles, for one asked port on an estate of one-group profiles
    by_services: dict[tuple, list[tuple[int, int]]] = {}
    by_group: dict[str, list[tuple[int, int]]] = {}
    unknown: list[UnknownItem] = []
    for part in parts:
        for admitted, addresses in part.by_services:
            by_services.setdefault(admitted, []).extend(addresses)
        for peer_group, admitted in part.by_group:
            by_group.setdefault(peer_group, []).extend(admitted)
        unknown.extend(part.unknown)
    return Policy(
        by_services=_merge_by_services(by_services),
        by_group=tuple((g, tuple(iv.normalize(s))) for g, s in sorted(by_group.items())),
        unknown=tuple(unknown),
    )


def _merge_by_services(by_services: dict[tuple, list]) -> tuple:
    """Merge address peers: per service set, the union of blocks; then, entries
    with identical address sets merge their services."""
    by_addresses: dict[tuple, list[tuple[int, int]]] = {}
    for services, addresses in by_services.items():
        by_addresses.setdefault(tuple(iv.normalize(addresses)), []).extend(services)
    merged = ((tuple(iv.normalize(s)), a) for a, s in by_addresses.items())
    return tuple(sorted(merged))


FULL_SERVICES = [(0, SERVICE_TOP)]
NOTHING = Policy((), (), ())
