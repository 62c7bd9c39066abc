"""Exact pair sets of two plain resources, read from side summaries.

The region engine builds a pair's delivered boxes from the admissions of both
sides, a few milliseconds a pair; a diff of a large estate compares hundreds
of thousands of pairs. Between two different resources with concrete
addresses, none shared, and no rule on either side that depends on a free
choice, the delivered set is, per (source address, destination address), the
services both sides admit, and the matrix's side summaries (explore/sides.py)
give exactly those. The difference of two networks is then taken per address
pair, and cut into canonical boxes, which are the same for equal sets: the
boxes built here equal the region engine's. Every other pair goes to the engine.
"""

from __future__ import annotations

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

    def delivered(self, source: Principal, destination: Principal, family: Family) -> dict | None:
        """{(source address, destination address): services delivered, certainly and for
        every choice} with empty entries left out, or None if the region engine must answer."""
        answer = self.cells.admits(source, destination)  # None unless both are plain resources here
        if answer is None or depends_on_a_choice(self.network, source, destination):
            return None
        sources, destinations, egress, ingress = answer[FAMILIES.index(family)]
        meet = self.cells.spans.meet
        out = {}
        for (sender, _), (from_certain, from_possible) in zip(sources, ingress):
            for (receiver, _), (to_certain, to_possible) in zip(destinations, egress):
                if from_certain != from_possible or to_certain != to_possible:
                    return None  # a free choice matters after all: the engine knows how
                services = meet(to_certain, from_certain)
                if services:
                    out[(sender, receiver)] = services
        return out


def gained(before: dict, after: dict, source: Principal, destination: Principal, family: Family) -> PairSets:
    """What `after` delivers and `before` does not, as exact sets (no free choice in either)."""
    boxes = []
    for (sender, receiver), services in after.items():
        left = iv.subtract(list(services), list(before.get((sender, receiver), ())), SERVICE_TOP)
        if left:
            boxes.append(Box(((sender, sender),), ((receiver, receiver),), tuple(left)))
    found = tuple(canonical(boxes, family.top)) if boxes else ()
    return PairSets(family, source, destination, found, found)
