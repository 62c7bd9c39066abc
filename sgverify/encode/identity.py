"""Who each side of a query can be, and the constraint tying that to its address.

Compiled slots (compile.py) name profiles and symbolic resources for the whole
network. A query renumbers them per side: 0 = an unmanaged address, 1..S = the
symbolic resources, then one number per *class*: the profiles whose policies
reduce to the same thing in this query (query.side_allows). The formula can
tell classes apart and nothing finer, so the constraint is "the identity is
class K iff the address belongs to a resource of K": one biconditional per
class instead of one per profile. The explanation reads the resource from the
address (addresses of profiles are concrete and owned by one resource).

Address sets are restricted to the side's space: the query confines the
address to it, so this is exact and keeps the sets small.
"""

from __future__ import annotations

from typing import Callable

from ..model import intervals as iv
from ..spec import GroupEndpoint, ResourceEndpoint
from . import smt
from .compile import UNMANAGED, CompiledFamily


class Identity:
    def __init__(self, compiled: CompiledFamily, slots: set[int]):
        self.c = compiled
        self.slots = slots
        first_symbolic = 1 + len(compiled.profiles)
        self._number = {UNMANAGED: 0}
        for index in range(len(compiled.symbolic)):
            self._number[first_symbolic + index] = 1 + index
        self.classes: list[list[int]] = []  # concrete profile slots of each class
        self._addresses: list[list | None] = []  # their addresses, when known already

    def add_class(self, slots: list[int], addresses: list | None = None) -> None:
        last = len(self.c.profiles)
        concrete = [s for s in slots if 1 <= s <= last]
        if concrete:
            number = 1 + len(self.c.symbolic) + len(self.classes)
            self.classes.append(concrete)
            self._addresses.append(addresses)
            for slot in concrete:
                self._number[slot] = number

    def numbers(self, slots) -> set[int]:
        """Identity numbers of compiled slots (slots outside this side's classes are left out)."""
        return {self._number[s] for s in slots if s in self._number}

    def resource(self, number: int, address: int) -> str | None:
        if number == 0:
            return None
        if number <= len(self.c.symbolic):
            return self.c.symbolic[number - 1][0]
        return self.c.owner[address]

    def constraint(self, who_in: Callable, addr_in: Callable, space) -> str:
        c = self.c
        space = list(space)
        parts = [who_in(self.numbers(self.slots))]
        included: list[tuple[int, int]] = []
        for index, members in enumerate(self.classes):
            class_number = 1 + len(c.symbolic) + index
            known = self._addresses[index]
            addresses = iv.intersect(c.addresses_of(members) if known is None else known, space)
            parts.append(smt.iff(who_in([class_number]), addr_in(addresses)))
            included.extend(addresses)
        parts.append(smt.negate(addr_in(self._unclaimed(space, included))))
        for index in range(len(c.symbolic)):
            if c.symbolic_slot(index) in self.slots:
                inside = iv.intersect(c.symbolic_free_space(index), space)
                parts.append(smt.implies(who_in([1 + index]), addr_in(inside)))
        return smt.all_of(parts)

    def _unclaimed(self, space, included: list[tuple[int, int]]) -> iv.Intervals:
        """Held addresses in the space that no class claims: the side cannot be there."""
        claimed = {slot for members in self.classes for slot in members}
        if claimed.issuperset(self.c.profiles_meeting(space)):  # e.g. a side that may be anyone
            return []
        return iv.subtract(iv.intersect(self.c.all_concrete, space), iv.normalize(included), self.c.family.top)


def possible_slots(c: CompiledFamily, endpoints) -> set[int]:
    """Compiled slots an endpoint set may take (an over-approximation)."""
    slots: set[int] = set()
    for endpoint in endpoints:
        if isinstance(endpoint, ResourceEndpoint):
            slot = c.slot_of_resource(endpoint.name)
            if slot is not None:
                slots.add(slot)
        elif isinstance(endpoint, GroupEndpoint):
            slots.update(c.group_profiles.get(endpoint.group, ()))
            slots.update(c.group_symbolic.get(endpoint.group, ()))
            if _opaque(c, endpoint.group):
                slots.add(UNMANAGED)
        else:
            slots.update(_slots_of_space(c, endpoint.intervals(c.family)))
    return slots


def _slots_of_space(c: CompiledFamily, space) -> set[int]:
    slots = c.profiles_meeting(space)
    for index in range(len(c.symbolic)):
        if iv.intersect(c.symbolic_free_space(index), space):
            slots.add(c.symbolic_slot(index))
    if iv.intersect(space, c.unowned):
        slots.add(UNMANAGED)
    return slots


def side_space(c: CompiledFamily, endpoints) -> tuple[tuple[int, int], ...]:
    """Every address an endpoint set can have (a superset, implied by the query)."""
    pieces: list[list[tuple[int, int]]] = []  # each one normalized already
    for endpoint in endpoints:
        if isinstance(endpoint, ResourceEndpoint):
            resource = c.network.resources[endpoint.name]
            pieces.append(iv.of_points(resource.addresses(c.family)))
            pieces.append(_symbolic_space(c, [c.slot_of_resource(endpoint.name)]))
        elif isinstance(endpoint, GroupEndpoint):
            if _opaque(c, endpoint.group):
                return ((0, c.family.top),)
            pieces.append(c.group_addresses.get(endpoint.group, []))
            pieces.append(_symbolic_space(c, c.group_symbolic.get(endpoint.group, [])))
        else:
            pieces.append(iv.normalize(endpoint.intervals(c.family)))  # a few blocks
    pieces = [piece for piece in pieces if piece]
    if len(pieces) == 1:  # one group of thousands of members: no need to merge it again
        return tuple(pieces[0])
    return tuple(iv.normalize(i for piece in pieces for i in piece))


def _symbolic_space(c: CompiledFamily, slots) -> list[tuple[int, int]]:
    first = 1 + len(c.profiles)
    return iv.normalize(i for slot in slots if slot is not None and slot >= first for i in c.symbolic[slot - first][2])


def _opaque(c: CompiledFamily, group: str) -> bool:
    g = c.network.groups.get(group)
    return g is not None and g.opaque
