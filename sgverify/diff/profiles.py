"""Resources with the same groups, compared as one endpoint (`diff --by-profile`).

On a large estate a rule edit changes what thousands of pairs of resources
deliver, and a report with one row per pair of resources has millions of
rows. But the rules cannot tell apart two resources that carry the same
groups: a group reference matches both or neither, and a CIDR rule tells
them apart only by address. So what such resources send and receive is
exactly what one resource holding all their addresses would send and
receive, and the diff of a "profile" (the resources whose groups are exactly
G1+G2) is the union of its members' diffs, address by address.

A resource joins a profile only when that argument holds for it in both
networks: it exists in both with the same groups and addresses, it has a
concrete address, no address of its is another resource's, and no rule on
either of its sides depends on a free choice. Every other resource stays an
endpoint of its own, as do resources chosen by name with --from or --to
(those are merged only among themselves, so the choice means the same).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterable, Mapping

from ..explore.cells import sharing_an_address
from ..model import Direction, Network, Resource
from ..regions import Principal
from ..regions.compiled import compiled
from .prune import self_key

PREFIX = "profile "


@dataclass(frozen=True)
class Profiles:
    """Both networks with each profile merged into one resource, and who is in it."""

    old: Network
    new: Network
    members: Mapping[str, tuple[str, ...]]  # merged resource name -> its resources, in input order
    holders: Mapping[tuple, str]  # (family, address) of a merged resource -> the member holding it

    def principals(self, chosen: Iterable[Principal] | None) -> list[Principal] | None:
        """The merged endpoints standing for `chosen` (None: everyone)."""
        if chosen is None:
            return None
        index = {m: name for name, members in self.members.items() for m in members}
        return list(dict.fromkeys(Principal.resource(index.get(p.name, p.name)) if p.is_resource else p
                                  for p in chosen))

    def resource_at(self, principal: Principal, family, address: int) -> str | None:
        """Which resource `principal` is at `address`: a profile's member holding it, a
        resource itself, or None (unmanaged)."""
        if not principal.is_resource:
            return None
        return self.holders.get((family, address), principal.name)


def merge_profiles(old: Network, new: Network, sources: Iterable[Principal] | None = None,
                   destinations: Iterable[Principal] | None = None) -> Profiles:
    """Merge every profile of at least two resources that may be merged (see above)."""
    selected = tuple(_names(chosen) for chosen in (sources, destinations))
    shared = sharing_an_address(old) | sharing_an_address(new)
    profiles: dict[tuple, list[str]] = {}
    for name, resource in old.resources.items():
        if _mergeable(old, new, name, shared):
            # The order a resource lists its groups in, and repeats, mean nothing.
            key = (tuple(sorted(set(resource.groups))), *(names is None or name in names for names in selected))
            profiles.setdefault(key, []).append(name)
    taken = set(old.resources) | set(new.resources)
    split = _split_profiles(profiles)
    merged: dict[str, tuple[str, ...]] = {}
    for key, names in profiles.items():
        if len(names) > 1:
            label = _label(key[0], key[1:] if key[0] in split else (), selected)
            merged[_fresh(label, taken)] = tuple(names)
    holders = {address: member for members in merged.values() for member in members
               for address in old.resources[member].ips + old.resources[member].public_ips}
    return Profiles(_merge(old, merged), _merge(new, merged), merged, holders)


def _names(chosen: Iterable[Principal] | None) -> set[str] | None:
    return None if chosen is None else {p.name for p in chosen if p.is_resource}


def _mergeable(old: Network, new: Network, name: str, shared: frozenset[str]) -> bool:
    """`shared`: the resources holding an address another resource holds too, in either
    network (an address must name its holder)."""
    before, after = old.resources[name], new.resources.get(name)
    if after is None or before.symbolic or self_key(before) != self_key(after) or name in shared:
        return False
    return not any(compiled(network).any_free(name, direction)
                   for network in (old, new) for direction in (Direction.INGRESS, Direction.EGRESS))


def _split_profiles(profiles: dict[tuple, list[str]]) -> set[tuple[str, ...]]:
    """Groups whose resources --from/--to split into more than one profile."""
    seen: dict[tuple[str, ...], int] = {}
    for key in profiles:
        seen[key[0]] = seen.get(key[0], 0) + 1
    return {groups for groups, count in seen.items() if count > 1}


def _label(groups: tuple[str, ...], flags: tuple[bool, ...], selected: tuple) -> str:
    """`profile G1+G2`; where --from/--to split the resources with those groups, which
    part this is (`profile G1+G2 (--to)`, `... (not --to)`)."""
    name = PREFIX + ("+".join(groups) if groups else "(no groups)")
    notes = [f"{'not ' if not flag else ''}{option}" for flag, option, names in
             zip(flags, ("--from", "--to"), selected) if names is not None]
    return name + (f" ({', '.join(notes)})" if notes else "")


def _fresh(name: str, taken: set[str]) -> str:
    candidate, number = name, 2
    while candidate in taken:
        candidate, number = f"{name} #{number}", number + 1
    taken.add(candidate)
    return candidate


def _merge(network: Network, merged: Mapping[str, tuple[str, ...]]) -> Network:
    resources = dict(network.resources)
    for name, members in merged.items():
        parts = [resources.pop(member) for member in members]
        resources[name] = Resource(
            name, parts[0].groups,
            ips=tuple(a for part in parts for a in part.ips),
            public_ips=tuple(a for part in parts for a in part.public_ips),
            subnets=tuple(dict.fromkeys(s for part in parts for s in part.subnets)),
            kind="profile", origin=parts[0].origin)
    return replace(network, resources=resources)
