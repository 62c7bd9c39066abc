"""Compare two networks by meaning: packets delivered in one and not the other.

Endpoints are matched by name: each resource of either network (a resource in
only one of them delivers and receives nothing in the other), and the
unmanaged address space, reported as address blocks. Traffic between two
unmanaged addresses is left out: neither network filters it.

For each ordered pair of principals and each family the engine gives exact
box sets; the difference is cut into compact regions (source blocks x services
per destination). A region is CERTAIN when it is added (or removed) whatever
the free choices, POSSIBLE when only some choice makes it so. Both count for
the gate: "no new access" passes only when nothing may have been added.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Callable, Sequence

from ..model import Family, Network
from ..regions import Certainty, PairSets, Principal, Region, attribute, pair_sets, regions_of
from ..regions import box_difference, intersection, union
from ..regions import difference as set_difference
from ..spec import Traffic
from .shared import fix_membership, shared_opaque, valuations

FAMILIES = (Family.V4, Family.V6)


class ChangeKind(Enum):
    ADDED = "added"  # delivered in new, not in old
    REMOVED = "removed"  # delivered in old, not in new


@dataclass(frozen=True)
class Change:
    """One region of difference, with the rules of both networks that concern it.

    region: attributed with the rules of the network that delivers it
    (new for ADDED, old for REMOVED); other: the same region attributed with
    the other network's rules (those admitting part of it on one side).
    """

    kind: ChangeKind
    region: Region
    other: Region

    @property
    def certain(self) -> bool:
        return self.region.certainty is Certainty.CERTAIN


@dataclass(frozen=True)
class NetworkDiff:
    old_source: str
    new_source: str
    added: tuple[Change, ...]
    removed: tuple[Change, ...]
    traffic: Traffic | None = None

    @property
    def empty(self) -> bool:
        return not self.added and not self.removed


def diff_networks(old: Network, new: Network, *, sources: Sequence[Principal] | None = None,
                  destinations: Sequence[Principal] | None = None, traffic: Traffic | None = None,
                  progress: Callable[[int, int], None] | None = None) -> NetworkDiff:
    """Every region delivered differently by `old` and `new` between the chosen principals."""
    sources = list(sources) if sources is not None else principals(old, new)
    destinations = list(destinations) if destinations is not None else principals(old, new)
    pairs = [(s, d) for d in destinations for s in sources if s.is_resource or d.is_resource]
    added: list[Change] = []
    removed: list[Change] = []
    for done, (src, dst) in enumerate(pairs, 1):
        for family in FAMILIES:
            added += _changes(old, new, src, dst, family, traffic, ChangeKind.ADDED)
            removed += _changes(new, old, src, dst, family, traffic, ChangeKind.REMOVED)
        if progress:
            progress(done, len(pairs))
    return NetworkDiff(old.source, new.source, tuple(added), tuple(removed), traffic)


def principals(old: Network, new: Network) -> list[Principal]:
    """Every resource of either network (by name), then the unmanaged addresses."""
    names = list(dict.fromkeys([*old.resources, *new.resources]))
    return [Principal.resource(name) for name in names] + [Principal.unmanaged()]


def _changes(before: Network, after: Network, src: Principal, dst: Principal, family: Family,
             traffic: Traffic | None, kind: ChangeKind) -> list[Change]:
    """Regions delivered in `after` and not in `before` (may: possible ones too)."""
    sets = gained(before, after, src, dst, family, traffic)
    if sets.empty:
        return []
    return [Change(kind, region, _attribute(before, region)) for region in regions_of(after, sets)]


def _attribute(network: Network, region: Region) -> Region:
    """The region with `network`'s rules; none when an endpoint does not exist there."""
    if any(p.is_resource and p.name not in network.resources for p in (region.source, region.destination)):
        return region.__class__(region.family, region.source, region.destination, region.sources,
                                region.destinations, region.services, region.certainty)
    return attribute(network, region)


def gained(before: Network, after: Network, src: Principal, dst: Principal, family: Family,
           traffic: Traffic | None = None) -> PairSets:
    """As PairSets: certain = surely gained, possible = gained for some choice (superset).

    Shared opaque groups take one membership in both networks (see shared.py):
    certainly gained = gained for every valuation; possibly = for some.
    """
    top = family.top
    certain = None
    possible: list = []
    for valuation in valuations(shared_opaque(before, after, src, dst)):
        old_sets = pair_sets(fix_membership(before, valuation), src, dst, family, traffic)
        new_sets = pair_sets(fix_membership(after, valuation), src, dst, family, traffic)
        diff = set_difference(old_sets, new_sets)
        sure = list(diff.certain)
        certain = sure if certain is None else intersection(certain, sure, top)
        possible = union(possible, union(sure, list(diff.possible), top), top)
    certain = certain or []
    return PairSets(family, src, dst, tuple(certain), tuple(union(certain, possible, top)))


def uncovered(sets: PairSets) -> list:
    """Possible-only part (for tests and reports)."""
    return box_difference(list(sets.possible), list(sets.certain), sets.family.top)
