"""Reachability matrix: per (source place, destination place), the services delivered.

A cell lists every service some packet from the row to the column is
delivered with (certainly), and separately what is only possible (opaque
groups, unknown rules). `partial` says that not every address of the row
(an external, the internet...) can send it: the cell is existential.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

from ..model import Direction, Family, Network
from ..model.addresses import UNFILTERED_SERVICES
from ..model.service import SERVICE_TOP
from ..model import intervals as iv
from ..regions import Certainty, Principal, address_space, describe_services, pair_sets
from ..regions.engine import region_boxes
from ..regions.boxes import span
from ..regions.compiled import compiled
from ..spec import Traffic
from .names import Place, places
from .progress import Tick

FAMILIES = (Family.V4, Family.V6)


@dataclass(frozen=True)
class Cell:
    services: tuple[tuple[int, int], ...]  # certainly delivered (some address pair)
    possible: tuple[tuple[int, int], ...]  # delivered only for some free choice, not certainly
    partial: bool  # some address of the source place sends none of it

    @property
    def empty(self) -> bool:
        return not self.services and not self.possible

    @property
    def text(self) -> str:
        if self is UNGOVERNED:
            return "n/a"
        if self.empty:
            return "-"
        out = describe_services(self.services) if self.services else ""
        if self.possible:
            out = (out + " " if out else "") + f"(possibly {describe_services(self.possible)})"
        return out


@dataclass(frozen=True)
class Matrix:
    places: tuple[Place, ...]
    cells: dict  # (row label, column label) -> Cell, only non-empty cells
    traffic: Traffic | None = None

    def cell(self, row: str, column: str) -> Cell:
        if self.kinds.get(row) != "resource" and self.kinds.get(column) != "resource":
            return UNGOVERNED
        return self.cells.get((row, column), EMPTY)

    @property
    def kinds(self) -> dict[str, str]:
        return {p.label: p.kind for p in self.places}


EMPTY = Cell((), (), False)
UNGOVERNED = Cell((), (), False)  # unmanaged to unmanaged: shown as n/a


def build_matrix(network: Network, traffic: Traffic | None = None, tick: Tick | None = None,
                 prune: bool = True) -> Matrix:
    """Every non-empty cell. prune=False computes every cell; the default skips cells
    whose row's egress or column's ingress provably admits nothing of the other."""
    everywhere = places(network)
    cells = {}
    total = len(everywhere) ** 2
    services = span(traffic.intervals()) if traffic is not None else None
    filters = _Filters(network, everywhere, services)
    for i, row in enumerate(everywhere):
        for column in everywhere:
            if prune and not filters.may_deliver(row.principal, column.principal):
                continue
            cell = _cell(network, row, column, traffic)
            if not cell.empty:
                cells[(row.label, column.label)] = cell
        if tick:
            tick((i + 1) * len(everywhere), total)
    shown = tuple(p for p in everywhere if p.kind in ("resource", "external") or _used(p, cells))
    return Matrix(shown, cells, traffic)


class _Filters:
    """Per place, what its side's filter may admit (computed once, asked per cell)."""

    def __init__(self, network: Network, everywhere: list[Place], services):
        self.facts = compiled(network)
        self.services = services
        self.network = network
        self._egress: dict[str, tuple] = {}
        self._ingress: dict[str, tuple] = {}
        self._local: dict[Principal, bool] = {}

    def may_deliver(self, source: Principal, destination: Principal) -> bool:
        """False only if nothing can be delivered from `source` to `destination`."""
        src = source.name if source.is_resource else None
        dst = destination.name if destination.is_resource else None
        if src is None and dst is None:
            return False
        if dst is None:
            return self._side(src, Direction.EGRESS)[0] or self._link_local(destination)
        meets, ingress = self._side(dst, Direction.INGRESS)
        if not meets:
            return False
        if src is None:
            return True
        egress = self._side(src, Direction.EGRESS)[1]
        return any((e is None or dst in e) and (i is None or src in i) for e, i in zip(egress, ingress))

    def _side(self, name: str, direction: Direction) -> tuple:
        """(some rule meets the traffic, per family: the resources it may admit or None)."""
        table = self._egress if direction is Direction.EGRESS else self._ingress
        found = table.get(name)
        if found is None:
            found = table[name] = (self.facts.meets_any(name, direction, self.services),
                                   tuple(self.facts.candidates(name, direction, self.services, f)
                                         for f in FAMILIES))
        return found

    def _link_local(self, principal: Principal) -> bool:
        found = self._local.get(principal)
        if found is None:
            found = self._local[principal] = _link_local(self.network, principal)
        return found


def _link_local(network: Network, principal: Principal) -> bool:
    """Whether the unmanaged principal has an address whose egress is never filtered."""
    return any(iv.intersect(address_space(network, principal, f), iv.of_cidrs(UNFILTERED_SERVICES, f))
               for f in FAMILIES)


def _used(place: Place, cells: dict) -> bool:
    return any(place.label in key for key in cells)


def _cell(network: Network, row: Place, column: Place, traffic: Traffic | None) -> Cell:
    if not row.principal.is_resource and not column.principal.is_resource:
        return EMPTY  # between unmanaged addresses: no security group decides anything
    certain: list = []
    possible: list = []
    partial = found = False
    for family in FAMILIES:
        # The boxes of the pair's regions: the cell needs no rule names.
        boxes = region_boxes(pair_sets(network, row.principal, column.principal, family, traffic))
        found = found or bool(boxes)
        certain += [s for kind, b in boxes if kind is Certainty.CERTAIN for s in b.services]
        possible += [s for _, b in boxes for s in b.services]
        senders = iv.normalize(s for _, b in boxes for s in b.sources)
        partial = partial or bool(iv.subtract(address_space(network, row.principal, family), senders, family.top))
    certain, possible = iv.normalize(certain), iv.normalize(possible)
    return Cell(tuple(certain), tuple(iv.subtract(possible, certain, SERVICE_TOP)), found and partial)


def render_text(matrix: Matrix) -> str:
    labels = [p.label for p in matrix.places]
    rows = [["from \\ to"] + labels]
    rows += [[row] + [matrix.cell(row, column).text for column in labels] for row in labels]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(value.ljust(widths[i]) for i, value in enumerate(r)).rstrip() for r in rows]
    return "\n".join(lines) + "\n"


def render_csv(matrix: Matrix) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    labels = [p.label for p in matrix.places]
    writer.writerow(["from"] + labels)
    for row in labels:
        writer.writerow([row] + [matrix.cell(row, column).text for column in labels])
    return out.getvalue()


def matrix_dict(matrix: Matrix) -> dict:
    return {
        "places": [{"name": p.label, "kind": p.kind, "groups": list(p.groups), "addresses": p.detail}
                   for p in matrix.places],
        "cells": [
            {"from": row, "to": column, "services": describe_services(cell.services) if cell.services else None,
             "possible": describe_services(cell.possible) if cell.possible else None,
             "partial": cell.partial}
            for (row, column), cell in sorted(matrix.cells.items())
        ],
    }


def render_json(matrix: Matrix) -> str:
    return json.dumps(matrix_dict(matrix), indent=2) + "\n"
