"""Compare what each resource's rules admit (`diff --by-side`).

A pair of resources delivers a packet when the source's egress admits it
toward the destination's address and the destination's ingress admits it from
the source's address. Taken as a set of (source address, destination address,
service), a side is what one resource's rules admit with any address at the
other end, that address being whoever holds it (a group reference matches its
members' addresses): its ingress from anywhere, its egress to anywhere. Where
every address has one known holder, the same in both networks, a pair
delivers exactly the packets in both of its sides; so a pair cannot gain a
packet unless one of its sides gained it, nor lose one unless a side lost it.

The side view compares sides, not pairs: one row per side that admits
differently, its far end written as blocks ("any address [...]"). It is exact
about what each side admits and holds every packet the pair view holds (and
more: a side may gain a packet that the other end never sends or receives), so
its gate fails whenever the pair view's does. The addresses the argument does
not cover are left out of the sides and compared as the pair view compares
them, as pairs: where a resource of unknown address may be, addresses two
resources share (with those resources and the unmanaged hosts there), and
addresses that changed hands between a resource and the unmanaged space.

On a large estate a rule edit changes a few sides but thousands of pairs of
them: the side view has a row per changed side.
"""

from __future__ import annotations

from typing import Sequence

from ..errors import InputError
from ..explore.cells import sharing_an_address
from ..model import Cidr, Direction, GroupPeer, Network
from ..model import intervals as iv
from ..regions import Principal, cidrs_of
from ..regions.compiled import FAMILIES, compiled
from ..regions.principals import PrincipalKind, concrete_addresses, symbolic_space
from .prune import Changes, pairs_to_compare

MOVED_LABEL = "unmanaged (changed hands)"
UNSURE_LABEL = "unmanaged (holder unknown)"

Pair = tuple[Principal, Principal]


def any_address(excluding: tuple[Cidr, ...] = ()) -> Principal:
    """The far end of a side row: every address but `excluding`, each one whoever holds it."""
    return Principal(PrincipalKind.UNMANAGED, "", "any address", excluding=excluding, with_resources=True,
                     by_holder=True)


def side_pairs(old: Network, new: Network, prune: bool = True) -> list[Pair]:
    """Per resource (either network, by name), its ingress then its egress as a pair with
    "any address" at the other end, when the side may admit differently (every side when
    not `prune`); then, as pairs, the addresses without one known holder and those that
    changed hands."""
    unsure = unsure_addresses(old, new)
    anyone = any_address(unsure)
    changes = Changes(old, new, versions=False) if prune else None
    naming: dict[Direction, set[str]] = {}
    if changes is not None:
        referenced = _groups_with_changed_members(changes)
        naming = {d: _groups_naming(changes, referenced, d) for d in (Direction.INGRESS, Direction.EGRESS)}
    names = list(dict.fromkeys([*old.resources, *new.resources]))
    out: list[Pair] = []
    for name in names:
        resource = Principal.resource(name)
        if changes is None or _may_differ(changes, naming[Direction.INGRESS], name, Direction.INGRESS):
            out.append((anyone, resource))
        if changes is None or _may_differ(changes, naming[Direction.EGRESS], name, Direction.EGRESS):
            out.append((resource, anyone))
    return out + _as_pairs(old, new, _holders_of(old, new, unsure), prune)


def unsure_addresses(old: Network, new: Network) -> tuple[Cidr, ...]:
    """Addresses a side cannot name one holder for, in either network: where a resource of
    unknown address may be (it, or an unmanaged host), and addresses two resources share."""
    blocks: list[Cidr] = []
    for family in FAMILIES:
        found: list = []
        for network in (old, new):
            found += [piece for name in compiled(network).symbolic()
                      for piece in symbolic_space(network, name, family)]
            found += [(a, a) for name in sharing_an_address(network)
                      for a in network.resources[name].addresses(family)]
        blocks += cidrs_of(iv.normalize(found), family)
    return tuple(blocks)


def _holders_of(old: Network, new: Network, unsure: tuple[Cidr, ...]) -> list[Principal]:
    """Who may hold an unsure address in either network (the pair view compares their
    pairs): the resources of unknown address, every resource with a concrete address
    among them, and the unmanaged hosts there; then the addresses that changed hands."""
    out = []
    if unsure:
        blocks = [(family, iv.of_cidrs(unsure, family)) for family in FAMILIES]
        names = set().union(*(compiled(network).in_blocks(blocks) for network in (old, new)))
        out = [Principal.resource(n) for n in dict.fromkeys([*old.resources, *new.resources]) if n in names]
        out.append(Principal.unmanaged(UNSURE_LABEL, within=unsure))
    moved = changed_hands(old, new)
    return out + ([moved] if moved is not None else [])


def _as_pairs(old: Network, new: Network, ends: list[Principal], prune: bool) -> list[Pair]:
    """Every pair with one of `ends` (pruned as the pair view prunes), each pair once."""
    if not ends:
        return []
    everyone = [Principal.resource(n) for n in dict.fromkeys([*old.resources, *new.resources])] + ends
    if prune:
        pairs = pairs_to_compare(old, new, ends, everyone) + pairs_to_compare(old, new, everyone, ends)
    else:
        pairs = [(s, d) for d in everyone for s in ends] + [(s, d) for d in ends for s in everyone]
    return [p for p in dict.fromkeys(pairs) if p[0].is_resource or p[1].is_resource]


def changed_hands(old: Network, new: Network) -> Principal | None:
    """The unmanaged end narrowed to the addresses unmanaged in one network only (None if
    there are none): a resource's address in one network, nobody's in the other."""
    blocks = []
    for family in FAMILIES:
        before, after = concrete_addresses(old, family), concrete_addresses(new, family)
        top = family.top
        moved = iv.union(iv.subtract(list(before), list(after), top), iv.subtract(list(after), list(before), top))
        blocks += cidrs_of(moved, family)
    return Principal.unmanaged(MOVED_LABEL, within=tuple(blocks)) if blocks else None


def _may_differ(changes: Changes, naming: set[str], name: str, direction: Direction) -> bool:
    """Whether a side may admit differently: the resource itself changed (groups,
    addresses, existence), a rule of its side depends on a free choice (independent in
    the two networks), its rules are written differently, or one of its groups has a rule
    naming a group that changed members (`naming`: such groups)."""
    # Rules written differently are compared as they are: comparing them costs about as
    # much as asking first whether they mean the same.
    if name in changes.full or name in changes.free(direction) or changes.any_written(name, direction):
        return True
    return any(group in naming for network in (changes.old, changes.new) if name in network.resources
               for group in network.resources[name].groups)


def _groups_naming(changes: Changes, referenced: set[str], direction: Direction) -> set[str]:
    """Groups (of either network) with a rule in `direction` naming one of `referenced`."""
    if not referenced:
        return set()
    return {key for network in (changes.old, changes.new) for key, group in network.groups.items()
            if any(isinstance(rule.peer, GroupPeer) and rule.peer.group in referenced
                   for rule in group.rules(direction))}


def _groups_with_changed_members(changes: Changes) -> set[str]:
    """Groups whose members' addresses may differ: every group of a resource that changed
    (a group's members are the resources listing it)."""
    return {group for name in changes.full for network in (changes.old, changes.new)
            if name in network.resources for group in network.resources[name].groups}


def checked_sides(sources: Sequence[Principal] | None, destinations: Sequence[Principal] | None) -> None:
    """The side view compares whole sides: it takes no --from/--to."""
    if sources is not None or destinations is not None:
        raise InputError("--by-side compares what each resource's rules admit with any address: "
                         "it takes no --from/--to (leave them out, or compare pairs without --by-side)")
