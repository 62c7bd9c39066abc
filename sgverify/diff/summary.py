"""Exact pair sets of two plain resources, read from side summaries.

The region engine builds a pair's delivered boxes from the admissions of both
sides, a few milliseconds a pair; a diff of a large estate compares hundreds
of thousands of pairs. Between two different resources with concrete
addresses, none shared, and no rule on either side that depends on a free
choice, the delivered set is, per (source address, destination address), the
services both sides admit, and the matrix's side summaries (explore/sides.py)
give exactly those. The difference of two networks is then taken per class of
addresses the sides treat alike, and cut into canonical boxes, which are the
same for equal sets: the boxes built here equal the region engine's. Every
other pair goes to the engine.
"""

from __future__ import annotations

from typing import NamedTuple

from ..explore.cells import FastCells
from ..model import Family, Network
from ..model import intervals as iv
from ..model.service import SERVICE_TOP
from ..regions import PairSets, Principal
from ..regions.boxes import Box, canonical, span
from ..regions.compiled import FAMILIES
from ..regions.engine import depends_on_a_choice
from ..spec import Traffic


class SummarySets:
    """Pair sets of one network from its side summaries, where they answer."""

    def __init__(self, network: Network, traffic: Traffic | None):
        self.network = network
        self.cells = FastCells(network, span(traffic.intervals()) if traffic is not None else None)
        self._last: tuple = (None, None)  # the pair asked last, and its answer for both families

    def delivered(self, source: Principal, destination: Principal, family: Family) -> Sides | None:
        """What the pair delivers, as its two sides: {source address: services the destination's
        ingress admits from it} and {destination address: services the source's egress admits
        toward it}; delivered at (s, d) is the meet of the two. None if the region engine
        must answer (not two plain resources, or a free choice matters)."""
        if self._last[0] != (source, destination):  # the engine asks once per family
            self._last = ((source, destination), self.cells.admits(source, destination))
        answer = self._last[1]  # None unless both are plain resources here
        if answer is None or depends_on_a_choice(self.network, source, destination):
            return None
        sources, destinations, egress, ingress = answer[FAMILIES.index(family)]
        admitted_from, admitted_to = {}, {}
        for (sender, _), (certain, possible) in zip(sources, ingress):
            if certain != possible:
                return None  # a free choice matters after all: the engine knows how
            admitted_from[sender] = certain
        for (receiver, _), (certain, possible) in zip(destinations, egress):
            if certain != possible:
                return None
            admitted_to[receiver] = certain
        return Sides(admitted_from, admitted_to)


class Sides(NamedTuple):
    ingress: dict  # source address -> services admitted from it
    egress: dict  # destination address -> services admitted toward it

    def at(self, sender: int, receiver: int) -> iv.Intervals:
        return iv.intersect(list(self.ingress.get(sender, ())), list(self.egress.get(receiver, ())))


def gained(before: Sides, after: Sides, source: Principal, destination: Principal, family: Family) -> PairSets:
    """What `after` delivers and `before` does not, as exact sets (no free choice in either).

    Addresses are taken in classes: source addresses that both networks' ingress admit
    alike, destination addresses that both egresses admit alike. A pair of classes is
    one box; a profile of thousands of addresses has a handful of classes.
    """
    senders = _classes(before.ingress, after.ingress)
    receivers = _classes(before.egress, after.egress)
    left_over: dict[tuple, iv.Intervals] = {}
    boxes = []
    for (was_from, now_from), sending in senders.items():
        for (was_to, now_to), receiving in receivers.items():
            key = (was_from, now_from, was_to, now_to)
            left = left_over.get(key)
            if left is None:
                now = iv.intersect(list(now_from), list(now_to))
                left = left_over[key] = iv.subtract(now, iv.intersect(list(was_from), list(was_to)), SERVICE_TOP) \
                    if now else []
            if left:
                boxes.append(Box(span((a, a) for a in sending), span((a, a) for a in receiving), tuple(left)))
    found = tuple(canonical(boxes, family.top)) if boxes else ()
    return PairSets(family, source, destination, found, found)


def _classes(before: dict, after: dict) -> dict[tuple, list[int]]:
    """(services before, services after) -> the addresses with them (an address one network
    does not give to the resource is admitted nothing there)."""
    out: dict[tuple, list[int]] = {}
    for address in dict.fromkeys([*before, *after]):
        out.setdefault((before.get(address, ()), after.get(address, ())), []).append(address)
    return out
