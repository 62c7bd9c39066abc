"""Exact sets of packets as unions of boxes: source x destination x service.

One family at a time, a set of packets is a union of `Box`es, each the product
of three interval sets (source addresses, destination addresses, points on the
24-bit service line). `canonical` turns any list of boxes into a disjoint,
merged form that is the same for equal sets, so two sets are equal iff their
canonical forms are; `union`, `intersection` and `difference` go through the
same sweep and are therefore exact as well.

The sweep cuts the service line at every box boundary, then, inside each
service piece, cuts the destination line at every boundary of the boxes that
cover the piece; on each such cell the source set is one interval set. Cells
with equal source sets merge along the destination line, then service pieces
with equal (source, destination) content merge along the service line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

from ..model import intervals as iv
from ..model.service import SERVICE_TOP

Span = tuple[tuple[int, int], ...]  # a normalized interval set, hashable


def span(intervals: Iterable[tuple[int, int]]) -> Span:
    return tuple(iv.normalize(intervals))


@dataclass(frozen=True)
class Box:
    """The packets (s, d, svc) with s in `sources`, d in `destinations`, svc in `services`."""

    sources: Span
    destinations: Span
    services: Span

    @property
    def empty(self) -> bool:
        return not (self.sources and self.destinations and self.services)

    def contains(self, src: int, dst: int, service: int) -> bool:
        return (iv.contains(self.sources, src) and iv.contains(self.destinations, dst)
                and iv.contains(self.services, service))


Op = Callable[[list, list, int], list]


def cuts(spans: Iterable[Span], top: int) -> list[tuple[int, int]]:
    """The elementary pieces of [0, top] cut at every interval boundary of `spans`."""
    points = {0}
    for s in spans:
        for lo, hi in s:
            points.add(lo)
            if hi < top:
                points.add(hi + 1)
    ordered = sorted(points)
    return [(lo, (ordered[i + 1] - 1) if i + 1 < len(ordered) else top) for i, lo in enumerate(ordered)]


def _covering(boxes: Sequence[Box], attribute: str, pieces: list[tuple[int, int]]) -> list[list[Box]]:
    """For each elementary piece, in order, the boxes whose `attribute` covers it.

    The pieces are cut at every boundary of these boxes' spans, so a box covers
    a piece iff one of its intervals starts at or before it and has not ended:
    one pass over the pieces with start and end events, not a test of every box
    for every piece (a large diff asks millions of pieces). Intervals are
    counted, so a span that is not merged still gives the right boxes.
    """
    starts: dict[int, list[int]] = {}
    ends: dict[int, list[int]] = {}
    for number, box in enumerate(boxes):
        for lo, hi in getattr(box, attribute):
            starts.setdefault(lo, []).append(number)
            ends.setdefault(hi + 1, []).append(number)
    open_intervals: dict[int, int] = {}  # box -> how many of its intervals hold the piece
    out = []
    for lo, _ in pieces:
        for number in ends.get(lo, ()):
            open_intervals[number] -= 1
            if not open_intervals[number]:
                del open_intervals[number]
        for number in starts.get(lo, ()):
            open_intervals[number] = open_intervals.get(number, 0) + 1
        out.append([boxes[number] for number in open_intervals])
    return out


def _sources_union(boxes: Sequence[Box]) -> list[tuple[int, int]]:
    if len(boxes) == 1:
        return list(boxes[0].sources)
    return iv.normalize([i for b in boxes for i in b.sources])  # one merge, not one per box


def _plane(a: Sequence[Box], b: Sequence[Box], op: Op, address_top: int) -> tuple[tuple[Span, Span], ...]:
    """The (sources, destinations) rectangles of op(a, b) on one service piece, canonical."""
    by_sources: dict[Span, list[tuple[int, int]]] = {}
    pieces = cuts([x.destinations for x in list(a) + list(b)], address_top)
    for piece, in_a, in_b in zip(pieces, _covering(a, "destinations", pieces), _covering(b, "destinations", pieces)):
        if not in_a and not in_b:
            continue
        sources = span(op(_sources_union(in_a), _sources_union(in_b), address_top))
        if sources:
            by_sources.setdefault(sources, []).append(piece)
    return tuple(sorted((s, span(d)) for s, d in by_sources.items()))


def combine(a: Sequence[Box], b: Sequence[Box], op: Op, address_top: int) -> list[Box]:
    """op(a, b) (op on source interval sets: union, intersect, subtract) in canonical form."""
    a = [x for x in a if not x.empty]
    b = [x for x in b if not x.empty]
    by_plane: dict[tuple, list[tuple[int, int]]] = {}
    pieces = cuts([x.services for x in a + b], SERVICE_TOP)
    for piece, in_a, in_b in zip(pieces, _covering(a, "services", pieces), _covering(b, "services", pieces)):
        if not in_a and not in_b:
            continue
        plane = _plane(in_a, in_b, op, address_top)
        if plane:
            by_plane.setdefault(plane, []).append(piece)
    out = [Box(sources, destinations, span(services))
           for plane, services in by_plane.items() for sources, destinations in plane]
    return sorted(out, key=_order)


def _order(box: Box) -> tuple:
    return (box.destinations, box.services, box.sources)


def _union(x: list, y: list, top: int) -> list:
    return iv.union(x, y)


def _intersect(x: list, y: list, top: int) -> list:
    return iv.intersect(x, y)


def _subtract(x: list, y: list, top: int) -> list:
    return iv.subtract(x, y, top)


def canonical(boxes: Sequence[Box], address_top: int) -> list[Box]:
    return combine(boxes, [], _union, address_top)


def union(a: Sequence[Box], b: Sequence[Box], address_top: int) -> list[Box]:
    return combine(a, b, _union, address_top)


def intersection(a: Sequence[Box], b: Sequence[Box], address_top: int) -> list[Box]:
    return combine(a, b, _intersect, address_top)


def difference(a: Sequence[Box], b: Sequence[Box], address_top: int) -> list[Box]:
    """The packets in a and not in b."""
    return combine(a, b, _subtract, address_top)


def restrict(boxes: Sequence[Box], keep: Span, on_sources: bool) -> list[Box]:
    """Canonical `boxes` with the sources (or destinations) cut to `keep`, in canonical form.

    The same as `intersection` with one box, without its sweep, which cuts the
    address line at every boundary: when `keep` has thousands of holes (the
    unmanaged addresses between resources) that is thousands of cuts per
    service piece. Here each box is cut once. In canonical form the boxes of one
    service piece share their services and have distinct sources; cut sources
    may become equal (their boxes merge), and service pieces whose boxes become
    equal merge.
    """
    keep_list = list(keep)
    planes: dict[Span, list[Box]] = {}
    for box in boxes:
        planes.setdefault(box.services, []).append(box)
    merged: dict[tuple, list] = {}
    for services, members in planes.items():
        rectangles: dict[Span, list] = {}
        for box in members:
            sources, destinations = box.sources, box.destinations
            if on_sources:
                sources = span(iv.intersect(list(sources), keep_list))
            else:
                destinations = span(iv.intersect(list(destinations), keep_list))
            if sources and destinations:
                rectangles.setdefault(sources, []).extend(destinations)
        if rectangles:
            plane = tuple(sorted((s, span(d)) for s, d in rectangles.items()))
            merged.setdefault(plane, []).extend(services)
    out = [Box(sources, destinations, span(services))
           for plane, services in merged.items() for sources, destinations in plane]
    return sorted(out, key=_order)


def contains(boxes: Sequence[Box], src: int, dst: int, service: int) -> bool:
    return any(b.contains(src, dst, service) for b in boxes)
