"""Delivered sets as regions: the public entry points of the region engine."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Iterable, Sequence

from ..model import Direction, Family, Network, Rule
from ..model import intervals as iv
from ..model.addresses import public_intervals
from ..model.free import member_choice
from ..spec import Traffic
from . import boxes as bx
from .boxes import Box, span
from .compiled import compiled
from .delivered import admitting, delivered_boxes, rule_is_free
from .principals import Principal, all_principals
from .region import Certainty, Region

FAMILIES = (Family.V4, Family.V6)


@dataclass(frozen=True)
class PairSets:
    """What `source` delivers to `destination` in one family, as canonical boxes.

    certain: delivered for every free choice. possible: for some choice
    (a superset of `certain`).
    """

    family: Family
    source: Principal
    destination: Principal
    certain: tuple[Box, ...]
    possible: tuple[Box, ...]

    @property
    def empty(self) -> bool:
        return not self.possible


def pair_sets(network: Network, source: Principal, destination: Principal, family: Family,
              traffic: Traffic | None = None) -> PairSets:
    """The exact delivered sets from one principal to another (a resource absent from
    the network delivers and receives nothing)."""
    if _absent(network, source) or _absent(network, destination):
        return PairSets(family, source, destination, (), ())
    certain = delivered_boxes(network, source, destination, family, free=False)
    if depends_on_a_choice(network, source, destination):
        possible = delivered_boxes(network, source, destination, family, free=True)
    else:
        possible = certain  # no free choice can change anything between these two
    if traffic is not None:
        certain, possible = _restrict(certain, traffic, family), _restrict(possible, traffic, family)
    return PairSets(family, source, destination, tuple(certain), tuple(possible))


def depends_on_a_choice(network: Network, source: Principal, destination: Principal) -> bool:
    """Whether a rule on either side depends on a free choice (one way one matters; both
    principals must be in the network). An end known by address alone (by_holder) may be
    either of two resources sharing an address, or a member of unknown address: asked too."""
    if source.by_holder or destination.by_holder:
        return True
    facts = compiled(network)
    return ((source.is_resource and facts.any_free(source.name, Direction.EGRESS))
            or (destination.is_resource and facts.any_free(destination.name, Direction.INGRESS)))


def _absent(network: Network, principal: Principal) -> bool:
    return principal.is_resource and principal.name not in network.resources


def _restrict(boxes: Sequence[Box], traffic: Traffic, family: Family) -> list[Box]:
    services = span(traffic.intervals())
    return bx.canonical([Box(b.sources, b.destinations, span(iv.intersect(list(b.services), list(services))))
                         for b in boxes], family.top)


def regions_of(network: Network, sets: PairSets) -> list[Region]:
    """Compact regions of a pair: the certain ones, then the possible-only ones."""
    return [attribute(network, Region(sets.family, sets.source, sets.destination, box.sources,
                                      box.destinations, box.services, certainty))
            for certainty, box in region_boxes(sets)]


def region_boxes(sets: PairSets) -> list[tuple[Certainty, Box]]:
    """The boxes `regions_of` turns into regions, without naming rules (cheaper)."""
    # Most pairs depend on no free choice: then possible == certain and nothing is only possible.
    maybe = [] if sets.possible == sets.certain else bx.difference(sets.possible, sets.certain, sets.family.top)
    return ([(Certainty.CERTAIN, b) for b in _kept(sets, sets.certain)]
            + [(Certainty.POSSIBLE, b) for b in _kept(sets, maybe)])


def _kept(sets: PairSets, boxes: Iterable[Box]) -> list[Box]:
    return [box for box in _split_public(sets, boxes) if not _only_self(box)]


def _regions(network: Network, sets: PairSets, boxes: Iterable[Box], certainty: Certainty) -> list[Region]:
    return [attribute(network, Region(sets.family, sets.source, sets.destination, box.sources,
                                      box.destinations, box.services, certainty))
            for box in _kept(sets, boxes)]


def _only_self(box: Box) -> bool:
    """A box whose only points have s == d holds no packet at all."""
    return box.sources == box.destinations and iv.size(list(box.sources)) == 1


def _split_public(sets: PairSets, boxes: Iterable[Box]) -> list[Box]:
    """Cut unmanaged sides into public and non-public addresses (public listed first)."""
    public = public_intervals(sets.family)
    top = sets.family.top
    out = []
    for box in boxes:
        for sources in _halves(box.sources, public, top, not sets.source.is_resource):
            for destinations in _halves(box.destinations, public, top, not sets.destination.is_resource):
                out.append(Box(sources, destinations, box.services))
    return out


def _halves(addresses, public, top: int, split: bool) -> list:
    if not split:
        return [addresses]
    parts = [iv.intersect(list(addresses), public), iv.subtract(list(addresses), public, top)]
    return [tuple(p) for p in parts if p]  # canonical: a canonical set cut by another


def attribute(network: Network, region: Region) -> Region:
    """The region with the rules of `network` that admit (part of) it on each side."""
    free = region.certainty is Certainty.POSSIBLE
    egress, egress_open = admitting(network, region.source, region.destination, Direction.EGRESS, region.family,
                                    free, region.destinations, region.services)
    ingress, ingress_open = admitting(network, region.destination, region.source, Direction.INGRESS,
                                      region.family, free, region.sources, region.services)
    return replace(
        region,
        egress_rules=_unique(egress),
        ingress_rules=_unique(ingress),
        egress_unfiltered=egress_open,
        ingress_unfiltered=ingress_open,
        depends_on=tuple(dict.fromkeys(_choice(network, rule) for rule in egress + ingress
                                       if rule_is_free(network, rule))) if free else (),
    )


def _unique(rules: Iterable[Rule]) -> tuple[Rule, ...]:
    return tuple(dict.fromkeys(rules))


def _choice(network: Network, rule: Rule) -> str:
    peer = getattr(rule.peer, "group", None)
    if peer is not None and network.groups.get(peer) is not None and network.groups[peer].opaque:
        side = "src" if rule.direction is Direction.INGRESS else "dst"
        return f"the {'source' if side == 'src' else 'destination'} is a member of {peer} " \
               f"(members unknown; {member_choice(side, peer)})"
    return f"the unknown part of {rule.label} matches"


def delivered_regions(network: Network, *, source: Principal | Sequence[Principal] | None = None,
                      destination: Principal | Sequence[Principal] | None = None,
                      traffic: Traffic | None = None, family: Family | None = None,
                      progress: Callable[[int, int], None] | None = None) -> list[Region]:
    """Every region delivered from `source` to `destination` (None: every principal).

    The union of the returned regions (certain and possible) is exactly the set
    of packets delivered for some free choice; the certain ones alone are
    exactly those delivered for every choice. `progress(done, total)` is called
    after each (source, destination, family) triple.
    """
    sources = _principals(network, source)
    destinations = _principals(network, destination)
    families = FAMILIES if family is None else (family,)
    total = len(sources) * len(destinations) * len(families)
    out: list[Region] = []
    done = 0
    for dst in destinations:
        for src in sources:
            for fam in families:
                out.extend(regions_of(network, pair_sets(network, src, dst, fam, traffic)))
                done += 1
                if progress:
                    progress(done, total)
    return out


def _principals(network: Network, chosen) -> list[Principal]:
    if chosen is None:
        return all_principals(network)
    if isinstance(chosen, Principal):
        return [chosen]
    return list(chosen)


@dataclass(frozen=True)
class Difference:
    """Packets delivered in `new` and not in `old` between one pair, per family.

    certain: delivered in new for every free choice and in old for none.
    possible: the rest of "delivered in new for some choice and not certainly in old".
    """

    certain: tuple[Box, ...]
    possible: tuple[Box, ...]


def difference(old: PairSets, new: PairSets) -> Difference:
    top = new.family.top
    certain = bx.difference(new.certain, old.possible, top)
    loose = bx.difference(new.possible, old.certain, top)
    return Difference(tuple(certain), tuple(bx.difference(loose, certain, top)))


def added_regions(old_network: Network, new_network: Network, source: Principal,
                  destination: Principal, family: Family, traffic: Traffic | None = None) -> list[Region]:
    """Regions delivered in `new_network` and not in `old_network` (rules: the new ones).

    For removed access, swap the networks. Use `attribute(old_network, region)`
    to name the old network's rules for the same region.
    """
    old = pair_sets(old_network, source, destination, family, traffic)
    new = pair_sets(new_network, source, destination, family, traffic)
    diff = difference(old, new)
    return (_regions(new_network, new, diff.certain, Certainty.CERTAIN)
            + _regions(new_network, new, diff.possible, Certainty.POSSIBLE))
