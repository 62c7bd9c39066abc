"""The matrix on the VPC path: which services each resource (and the internet)
delivers to each resource, deciding every hop.

A cell is found by enumeration over *service classes*: the service line cut
at every boundary of every rule, NACL entry and the asked traffic, and at the
protocols a NAT gateway carries. Every predicate of a path query reads the
service only through those intervals, so a class is delivered entirely or
not at all; the solver names one delivered class at a time and the query is
narrowed until nothing is left. A pair whose query has free choices shows its
services as possible ones.
"""

from __future__ import annotations

from bisect import bisect_right

import z3

from ..encode.path_query import Alternative, PathQueryBuilder
from ..model import Family, Network
from ..model import intervals as iv
from ..model.service import ICMP, SERVICE_TOP, TCP, UDP
from ..solve.path_prove import PathNetwork
from ..solve.path_sides import destination_ends, source_ends
from ..spec import InternetEndpoint, ResourceEndpoint, Traffic
from .matrix import EMPTY, Cell, Matrix
from .names import places
from .progress import Tick

FAMILIES = (Family.V4, Family.V6)
MOST_CLASSES = 512  # past this, the rest of the asked services is shown as possible


def build_path_matrix(network: Network, traffic: Traffic | None = None, tick: Tick | None = None) -> Matrix:
    shown = [p for p in places(network) if p.kind in ("resource", "internet")]
    paths = PathNetwork(network)
    asked = iv.normalize((traffic or Traffic()).intervals())
    cuts = _cuts(network, asked)
    rows = {}
    for i, row in enumerate(shown):
        rows[row.label] = tuple(EMPTY if row is column else _cell(paths, row, column, asked, cuts)
                                for column in shown)
        if tick:
            tick((i + 1) * len(shown), len(shown) ** 2)
    return Matrix(tuple(shown), tuple(p.label for p in shown), rows, traffic)


def _endpoint(place):
    return InternetEndpoint() if place.kind == "internet" else ResourceEndpoint(place.label)


def _cuts(network: Network, asked) -> list[int]:
    points = {0, SERVICE_TOP + 1}
    spans = [s for rule in network.all_rules() for s in rule.service.spans] + list(asked)
    for acl in network.topology.nacls.values():
        spans += [s for e in acl.inbound + acl.outbound for s in e.service.spans]
    spans += [(p << 16, (p << 16) | 0xFFFF) for p in (ICMP, TCP, UDP)]
    for lo, hi in spans:
        points.update((lo, hi + 1))
    return sorted(points)


def _cell(paths: PathNetwork, row, column, asked, cuts) -> Cell:
    certain, possible = [], []
    for family in FAMILIES:
        legs = paths.legs(family)
        builder = PathQueryBuilder(legs, paths.ctx)
        for src, space in source_ends(legs, [_endpoint(row)]):
            for dst, dst_space in destination_ends(legs, [_endpoint(column)]):
                query = builder.build(src, space, [Alternative(dst, None, tuple(dst_space))], asked,
                                      connection=False, client_ports=(1024, 65535))
                if query is None:
                    continue
                found, complete = _classes(query, cuts)
                (possible if query.free or not complete else certain).extend(found)
                if not complete:
                    possible.extend(iv.subtract(asked, iv.normalize(found), SERVICE_TOP))
    certain = iv.normalize(certain)
    return Cell(tuple(certain), tuple(iv.subtract(iv.normalize(possible), certain, SERVICE_TOP)), False)


def _classes(query, cuts) -> tuple[list, bool]:
    solver = z3.SimpleSolver(ctx=query.formula.ctx)
    solver.add(query.formula)
    svc = query.variables["svc"]
    found = []
    for _ in range(MOST_CLASSES):
        if solver.check() != z3.sat:
            return found, True
        value = solver.model().eval(svc, model_completion=True).as_long()
        at = bisect_right(cuts, value) - 1
        lo, hi = cuts[at], cuts[at + 1] - 1
        found.append((lo, hi))
        solver.add(z3.Or(z3.ULT(svc, lo), z3.UGT(svc, hi)))
    return found, False
