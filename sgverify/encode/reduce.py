"""Specialise policies to what the other side of the packet can be (no z3 here).

A query fixes, for each side, the addresses it may have (its *space*) and the
identity slots it may take. Within that space many rule conditions are
decided already: a CIDR that covers the whole space always matches, one that
misses it never does. Replacing them by their value before encoding keeps the
formula equivalent (the query constrains each side to its space anyway) and
makes it small: towards a single resource, every profile's policy collapses
to a set of services, and profiles with the same set share one term.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model import Direction
from ..model import intervals as iv
from .compile import CompiledFamily, UnknownItem

Intervals = tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Reduced:
    """A policy restricted to the peer's space.

    always: services admitted whatever the peer's address (within the space).
    by_addresses: (services, peer address blocks) still to be checked.
    by_group: (services, group) whose membership is still to be checked.
    unknown: rule parts with a free Boolean.
    """

    always: Intervals
    by_addresses: tuple[tuple[Intervals, Intervals], ...]
    by_group: tuple[tuple[Intervals, str], ...]
    unknown: tuple[UnknownItem, ...]

    @property
    def empty(self) -> bool:
        return not (self.always or self.by_addresses or self.by_group or self.unknown)


@dataclass(frozen=True)
class PeerView:
    """What the peer side can be: its address space and its possible identity
    slots; and the services the query asks about (None: any)."""

    space: Intervals
    slots: frozenset[int]
    services: Intervals | None = None


def restrict(addresses, space: Intervals) -> tuple[bool, Intervals]:
    """(covers the whole space, the part inside the space)."""
    if len(space) == 1 and space[0][0] == space[0][1]:
        # One address (a query towards one resource): a binary search.
        inside = space if iv.contains(addresses, space[0][0]) else ()
        return bool(inside), tuple(inside)
    if len(space) == 1 and addresses and space[0][0] <= addresses[0][0] and addresses[-1][1] <= space[0][1]:
        inside = tuple(addresses)  # the space holds every block: nothing to cut
        return inside == tuple(space), inside
    inside = tuple(iv.intersect(list(addresses), list(space)))
    return inside == tuple(space), inside


def membership_in_view(c: CompiledFamily, group: str, peer: PeerView) -> tuple[bool, bool]:
    """(can match in this view, surely matches everywhere in it) for a group peer."""
    private_covers, private = restrict(c.group_private.get(group, []), peer.space)
    symbolic = [s for s in c.group_symbolic.get(group, []) if s in peer.slots]
    g = c.network.groups.get(group)
    opaque = g is not None and g.opaque and 0 in peer.slots
    possible = bool(private or symbolic or opaque)
    # "Surely" only when every address of the space is a private member address.
    return possible, private_covers and bool(private)


class Reducer:
    """Reduces many profiles' policies to one peer view, sharing the work on
    what they have in common (the same group peers, the same address blocks)."""

    def __init__(self, c: CompiledFamily, direction: Direction, peer: PeerView):
        self.c, self.direction, self.peer = c, direction, peer
        self._membership: dict[str, tuple[bool, bool]] = {}
        self._restricted: dict[tuple, tuple[bool, Intervals]] = {}
        self._reduced: dict[int, Reduced] = {}
        self._point = len(peer.space) == 1 and peer.space[0][0] == peer.space[0][1]

    def membership(self, group: str) -> tuple[bool, bool]:
        if group not in self._membership:
            self._membership[group] = membership_in_view(self.c, group, self.peer)
        return self._membership[group]

    def restrict(self, addresses) -> tuple[bool, Intervals]:
        if self._point:
            return restrict(addresses, self.peer.space)  # a binary search: cheaper than a memo
        key = tuple(addresses)
        if key not in self._restricted:
            self._restricted[key] = restrict(key, self.peer.space)
        return self._restricted[key]

    def reduce(self, profile_slot: int) -> Reduced:
        return self.reduce_policy(self.c.policy_for(profile_slot, self.direction, self.peer.services))

    def reduce_policy(self, policy) -> Reduced:
        # Policies are interned: profiles sharing one are reduced once.
        found = self._reduced.get(id(policy))
        if found is None:
            found = self._reduced[id(policy)] = self._reduce(policy)
        return found

    def _reduce(self, policy) -> Reduced:
        """The policy, already narrowed to the asked services, in the peer's view."""
        always: list[tuple[int, int]] = []
        by_addresses = []
        for services, addresses in policy.by_services:
            covers, inside = self.restrict(addresses)
            if covers:
                always.extend(services)
            elif inside:
                by_addresses.append((services, inside))
        by_group = []
        for group, services in policy.by_group:
            possible, surely = self.membership(group)
            if surely:
                always.extend(services)
            elif possible:
                by_group.append((services, group))
        unknown = tuple(u for u in policy.unknown if self._unknown_possible(u))
        always = always if len(always) < 2 else iv.normalize(always)
        return Reduced(tuple(always), tuple(by_addresses), tuple(by_group), unknown)

    def _unknown_possible(self, item: UnknownItem) -> bool:
        # Items whose services miss the asked ones were dropped by narrowing.
        if item.addresses is not None:
            return bool(self.restrict(item.addresses)[1])
        if item.group is not None:
            return self.membership(item.group)[0]
        return True
