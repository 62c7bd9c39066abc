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

from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Callable, Mapping, Sequence

from ..model import Family, Network
from ..regions import Certainty, PairSets, Principal, Region, attribute, pair_sets, regions_of
from ..regions import intersection, union
from ..regions import difference as set_difference
from ..regions.boxes import restrict
from ..regions.principals import address_space
from ..spec import Traffic
from .prune import pairs_to_compare
from .side_sets import side_changes
from .sides import checked_sides, side_pairs
from .shared import fix_membership, shared_opaque, valuations
from .summary import SummarySets
from .summary import gained as summary_gained

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
    by_side: bool = False  # rows are sides of resources (sides.py), not pairs of endpoints
    # Rows already written, by report format, by the processes that compared the pairs
    # (written.py): not part of what the diff is.
    written: Mapping[str, object] = field(default_factory=dict, compare=False, repr=False)

    @property
    def empty(self) -> bool:
        return not self.added and not self.removed

    def sections(self, old: Network, new: Network) -> tuple:
        """(kind, its changes, the network that does not deliver them, the one that does),
        added first: how every report walks the diff."""
        return ((ChangeKind.ADDED, self.added, old, new), (ChangeKind.REMOVED, self.removed, new, old))


def diff_networks(old: Network, new: Network, *, sources: Sequence[Principal] | None = None,
                  destinations: Sequence[Principal] | None = None, traffic: Traffic | None = None,
                  progress: Callable[[int, int], None] | None = None, prune: bool = True,
                  jobs: int = 1, on_pairs: Callable[[int], None] | None = None,
                  by_side: bool = False, writers: Sequence = ()) -> NetworkDiff:
    """Every region delivered differently by `old` and `new` between the chosen principals.

    prune=False compares every pair with the region engine; the default skips
    pairs that provably deliver the same in both networks (prune.py) and reads
    the sets of plain resource pairs from side summaries (summary.py), with the
    same result. jobs > 1 compares the pairs in that many processes (parallel.py),
    with the same result. `on_pairs(count)` hears how many pairs will be compared,
    before the comparing starts. by_side compares each resource's sides instead of
    pairs of endpoints (sides.py; no sources or destinations then). With jobs > 1,
    `writers` (render.RowWriter) write their formats' rows in the processes that
    compare the pairs (the diff's `written`).
    """
    if by_side:
        checked_sides(sources, destinations)
        pairs = side_pairs(old, new, prune)
    else:
        pairs = _pairs(old, new, sources, destinations, prune)
    if on_pairs:
        on_pairs(len(pairs))
    use_summaries = prune and not by_side  # the summaries answer plain pairs of resources only
    if jobs > 1:
        from .parallel import changes_in_processes

        added, removed, written = changes_in_processes(old, new, pairs, traffic, use_summaries, jobs, progress,
                                                       writers)
    else:
        summaries = (SummarySets(old, traffic), SummarySets(new, traffic)) if use_summaries else None
        added, removed = changes_of_pairs(old, new, pairs, traffic, summaries, progress)
        written = {}
    return NetworkDiff(old.source, new.source, tuple(added), tuple(removed), traffic, by_side, written)


def _pairs(old: Network, new: Network, sources: Sequence[Principal] | None,
           destinations: Sequence[Principal] | None, prune: bool) -> list[tuple[Principal, Principal]]:
    sources = list(sources) if sources is not None else principals(old, new)
    destinations = list(destinations) if destinations is not None else principals(old, new)
    if prune:
        return pairs_to_compare(old, new, sources, destinations)
    return [(s, d) for d in destinations for s in sources if s.is_resource or d.is_resource]


def changes_of_pairs(old: Network, new: Network, pairs: Sequence[tuple[Principal, Principal]],
                     traffic: Traffic | None, summaries: tuple[SummarySets, SummarySets] | None,
                     progress: Callable[[int, int], None] | None = None) -> tuple[list[Change], list[Change]]:
    """(added, removed) between the pairs, in their order; plain resource pairs read
    from the networks' side `summaries` when given."""
    added: list[Change] = []
    removed: list[Change] = []
    for done, (src, dst) in enumerate(pairs, 1):
        for family in FAMILIES:
            gained_sets, lost_sets = compare(old, new, src, dst, family, traffic, summaries)
            added += _changes(old, new, gained_sets, ChangeKind.ADDED)
            removed += _changes(new, old, lost_sets, ChangeKind.REMOVED)
        if progress:
            progress(done, len(pairs))
    return added, removed


def principals(old: Network, new: Network) -> list[Principal]:
    """Every resource of either network (by name), then the unmanaged addresses."""
    names = list(dict.fromkeys([*old.resources, *new.resources]))
    return [Principal.resource(name) for name in names] + [Principal.unmanaged()]


def _changes(before: Network, after: Network, sets: PairSets, kind: ChangeKind) -> list[Change]:
    """Regions of `sets` (delivered in `after`, not in `before`) with both networks' rules."""
    if sets.empty:
        return []
    return [Change(kind, region, _attribute(before, region)) for region in regions_of(after, sets)]


def _attribute(network: Network, region: Region) -> Region:
    """The region with `network`'s rules; none when an endpoint does not exist there."""
    if any(p.is_resource and p.name not in network.resources for p in (region.source, region.destination)):
        return region.__class__(region.family, region.source, region.destination, region.sources,
                                region.destinations, region.services, region.certainty)
    return attribute(network, region)


def compare(old: Network, new: Network, src: Principal, dst: Principal, family: Family,
            traffic: Traffic | None = None,
            summaries: tuple[SummarySets, SummarySets] | None = None) -> tuple[PairSets, PairSets]:
    """(gained, lost) between one pair: each as PairSets whose certain part is surely
    gained (lost) and whose possible part is gained (lost) for some choice (a superset).

    Shared opaque groups take one membership in both networks (see shared.py):
    surely gained = gained for every valuation; possibly = for some.
    """
    if src.by_holder or dst.by_holder:
        fast = side_changes(old, new, src, dst, family, traffic)
        if fast is not None:
            return fast
    both = _from_summaries(summaries, src, dst, family)
    if both is not None:
        before, after = both
        if before == after:  # the same services between every two addresses (most pairs chosen)
            nothing = PairSets(family, src, dst, (), ())
            return nothing, nothing
        return summary_gained(before, after, src, dst, family), summary_gained(after, before, src, dst, family)
    unmanaged = src if not src.is_resource else (dst if not dst.is_resource else None)
    if unmanaged is not None and not unmanaged.with_resources:
        space = address_space(old, unmanaged, family)
        if space == address_space(new, unmanaged, family):
            # The same unmanaged addresses in both: compare on whole blocks, cut them once.
            wide = replace(unmanaged, with_resources=True)
            found = compare(old, new, wide if src is unmanaged else src, wide if dst is unmanaged else dst,
                            family, traffic)
            return tuple(_restricted(sets, src, dst, space, src is unmanaged) for sets in found)
    top = family.top
    gained, lost = _Accumulator(top), _Accumulator(top)
    for valuation in valuations(shared_opaque(old, new, src, dst)):
        old_sets = pair_sets(fix_membership(old, valuation), src, dst, family, traffic)
        new_sets = pair_sets(fix_membership(new, valuation), src, dst, family, traffic)
        gained.add(set_difference(old_sets, new_sets))
        lost.add(set_difference(new_sets, old_sets))
    return gained.sets(family, src, dst), lost.sets(family, src, dst)


def _restricted(sets: PairSets, src: Principal, dst: Principal, space, on_sources: bool) -> PairSets:
    certain, possible = (tuple(restrict(boxes, tuple(space), on_sources)) for boxes in (sets.certain, sets.possible))
    return PairSets(sets.family, src, dst, certain, possible)


def _from_summaries(summaries, src: Principal, dst: Principal, family: Family) -> tuple | None:
    """What each network delivers per address pair, for a plain resource pair, when the
    summaries answer in both."""
    if summaries is None:
        return None
    before = summaries[0].delivered(src, dst, family)
    after = summaries[1].delivered(src, dst, family) if before is not None else None
    return (before, after) if after is not None else None


class _Accumulator:
    """Certain = intersection over valuations; possible = union (certain included)."""

    def __init__(self, top: int):
        self.top = top
        self.certain: list | None = None
        self.possible: list = []

    def add(self, diff) -> None:
        sure = list(diff.certain)
        self.certain = sure if self.certain is None else intersection(self.certain, sure, self.top)
        self.possible = union(self.possible, union(sure, list(diff.possible), self.top), self.top)

    def sets(self, family: Family, src: Principal, dst: Principal) -> PairSets:
        certain = self.certain or []
        return PairSets(family, src, dst, tuple(certain), tuple(union(certain, self.possible, self.top)))
