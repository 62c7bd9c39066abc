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
from typing import Iterator
from functools import cached_property

from ..gcpause import building_objects
from ..model import Direction, Family, Network
from ..model.addresses import UNFILTERED_SERVICES
from ..model.service import SERVICE_TOP
from ..model import intervals as iv
from ..regions import Certainty, Principal, address_space, describe_services, pair_sets
from ..regions.engine import region_boxes
from ..regions.boxes import span
from ..regions.compiled import compiled
from ..spec import Traffic
from .cells import FastCells
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

    # Cells are shared between pairs (a big matrix repeats a few), so each is worded once.
    @cached_property
    def services_text(self) -> str | None:
        return describe_services(self.services) if self.services else None

    @cached_property
    def possible_text(self) -> str | None:
        return describe_services(self.possible) if self.possible else None

    @cached_property
    def text(self) -> str:
        if self is UNGOVERNED:
            return "n/a"
        if self.empty:
            return "-"
        out = self.services_text or ""
        if self.possible:
            out = (out + " " if out else "") + f"(possibly {self.possible_text})"
        return out


@dataclass(frozen=True)
class Matrix:
    places: tuple[Place, ...]  # shown: every resource and external, other places if some cell has them
    columns: tuple[str, ...]  # the label of every column computed, in each row's order
    rows: dict  # row label -> its cells, one per column (empty ones too)
    traffic: Traffic | None = None

    def cell(self, row: str, column: str) -> Cell:
        kinds = self.kinds
        if kinds.get(row) != "resource" and kinds.get(column) != "resource":
            return UNGOVERNED
        cells, index = self.rows.get(row), self.column_index.get(column)
        return EMPTY if cells is None or index is None else cells[index]

    @cached_property
    def kinds(self) -> dict[str, str]:  # asked once per cell when rendering
        return {p.label: p.kind for p in self.places}

    @cached_property
    def column_index(self) -> dict[str, int]:
        return {label: index for index, label in enumerate(self.columns)}

    @cached_property
    def column_order(self) -> list[int]:
        """Column indexes in label order."""
        return sorted(range(len(self.columns)), key=self.columns.__getitem__)

    def nonempty(self) -> Iterator[tuple[str, str, Cell]]:
        """(row, column, cell) of every non-empty cell, sorted by row, then column."""
        for row in sorted(self.rows):
            cells = self.rows[row]
            for index in self.column_order:
                if not cells[index].empty:
                    yield row, self.columns[index], cells[index]


EMPTY = Cell((), (), False)
UNGOVERNED = Cell((), (), False)  # unmanaged to unmanaged: shown as n/a


def build_matrix(network: Network, traffic: Traffic | None = None, tick: Tick | None = None,
                 prune: bool = True) -> Matrix:
    """Every cell.

    By default most cells come from each side's filter (cells.py) and the
    rest from the region engine, skipping those whose row's egress or
    column's ingress provably admits nothing of the other. prune=False
    computes every cell with the region engine: slow, and the reference the
    tests compare with.
    """
    everywhere = places(network)
    rows: dict = {}
    total = len(everywhere) ** 2
    services = span(traffic.intervals()) if traffic is not None else None
    filters = _Filters(network, everywhere, services) if prune else None
    fast = FastCells(network, services, Cell) if prune else None
    columns = [p.principal for p in everywhere]  # one list for every row (FastCells reads it once)
    with building_objects():  # up to a million cells, kept to the end
        for i, row in enumerate(everywhere):
            answers = fast.row(row.principal, columns) if fast else [None] * len(everywhere)
            rows[row.label] = _fill_row(network, row, everywhere, answers, traffic, filters)
            if tick:
                tick((i + 1) * len(everywhere), total)
    labels = tuple(p.label for p in everywhere)
    shown = tuple(p for p in everywhere if p.kind in ("resource", "external") or _used(p.label, labels, rows))
    return Matrix(shown, labels, rows, traffic)


def _fill_row(network: Network, row: Place, everywhere: list[Place], answers: list, traffic: Traffic | None,
              filters: "_Filters | None") -> tuple[Cell, ...]:
    """The row's cells: the side summaries' answers, and where they gave none
    the region engine's (unless the pair provably delivers nothing)."""
    for index in [i for i, cell in enumerate(answers) if cell is None]:
        column = everywhere[index]
        if not row.principal.is_resource and not column.principal.is_resource:
            answers[index] = EMPTY  # between unmanaged addresses no security group decides anything
        elif filters is not None and not filters.may_deliver(row.principal, column.principal):
            answers[index] = EMPTY
        else:
            answers[index] = _cell(network, row, column, traffic)
    return tuple(answers)


def _used(label: str, labels: tuple[str, ...], rows: dict) -> bool:
    """Whether a place has a non-empty cell, as a row or as a column."""
    index = labels.index(label)
    return any(not c.empty for c in rows[label]) or any(not r[index].empty for r in rows.values())


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
        "cells": [{"from": row, "to": column, **_cell_fields(cell)} for row, column, cell in matrix.nonempty()],
    }


def _cell_fields(cell: Cell) -> dict:
    return {"services": cell.services_text, "possible": cell.possible_text, "partial": cell.partial}


def render_json(matrix: Matrix) -> str:
    """`json.dumps(matrix_dict(matrix), indent=2)`, byte for byte, written directly:
    the standard encoder is pure Python once it indents, and takes seconds per
    hundred thousand cells."""
    head = json.dumps(matrix_dict(Matrix(matrix.places, (), {}, matrix.traffic)), indent=2)  # ends `"cells": []\n}`
    order = matrix.column_order
    to = [f'      "to": {json.dumps(label)},\n' for label in matrix.columns]
    tails: dict[int, str | None] = {}  # per cell object (cells are shared): its fields, None if empty
    lines: list[str] = []
    for row in sorted(matrix.rows):
        cells = matrix.rows[row]
        for key, cell in {id(c): c for c in cells}.items():
            if key not in tails:
                tails[key] = None if cell.empty else _cell_tail(cell)
        worded = [tails[id(c)] for c in cells]
        start = f',\n    {{\n      "from": {json.dumps(row)},\n'
        # three pieces per cell, joined once at the end
        lines += [piece for i in order if worded[i] is not None for piece in (start, to[i], worded[i])]
    if not lines:
        return head + "\n"
    lines[0] = lines[0][len(",\n"):]
    return head[:-len("[]\n}")] + "[\n" + "".join(lines) + "\n  ]\n}\n"


def _cell_tail(cell: Cell) -> str:
    """A cell's fields as `json.dumps(..., indent=2)` writes them inside the cell list."""
    fields = ",\n".join(f"      {json.dumps(k)}: {json.dumps(v)}" for k, v in _cell_fields(cell).items())
    return fields + "\n    }"
