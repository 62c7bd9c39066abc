"""Where a route table sends each destination: longest prefix match as intervals.

A table's routes split the address line into pieces, each sent to one route
(or to none: dropped). CIDR blocks are laminar (two blocks are nested or
disjoint), so one sweep over the blocks' ends, keeping the open blocks on a
stack, finds the longest match of every piece at once: 10,000 routes cost a
sort, not 10,000 interval subtractions.

Ties at one prefix length: a CIDR route beats a prefix-list route (AWS
prefers the more specific, then static CIDR destinations); in a transit
gateway table a static route beats a propagated one. The `local` route of a
VPC table covers the VPC's blocks and always wins there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, Hashable, Iterable, TypeVar

from . import intervals as iv
from .addresses import Cidr, Family
from .topology import Route, TargetKind, TgwRoute, Topology

T = TypeVar("T", bound=Hashable)


@dataclass(frozen=True)
class Piece(Generic[T]):
    """Destinations (sorted disjoint intervals) that one choice takes."""

    space: tuple[tuple[int, int], ...]
    choice: T


def longest_prefix(entries: Iterable[tuple[Cidr, int, T]], family: Family) -> list[Piece[T]]:
    """(block, rank, choice) entries -> the pieces each choice wins. Among equal
    blocks the highest rank wins; addresses no block covers are in no piece."""
    ordered = sorted(((c.first, c.prefix, rank, n, c.last, choice)
                      for n, (c, rank, choice) in enumerate(entries) if c.family is family),
                     key=lambda e: e[:4])
    if not ordered:
        return []
    points = sorted({e[0] for e in ordered} | {e[4] + 1 for e in ordered})
    won: dict[T, list[tuple[int, int]]] = {}
    stack: list[tuple] = []
    nxt = 0
    for k, point in enumerate(points[:-1]):
        while stack and stack[-1][4] < point:
            stack.pop()
        while nxt < len(ordered) and ordered[nxt][0] == point:
            stack.append(ordered[nxt])
            nxt += 1
        while stack and stack[-1][4] < point:
            stack.pop()
        if stack:
            won.setdefault(stack[-1][5], []).append((point, points[k + 1] - 1))
    return [Piece(tuple(iv.normalize(space)), choice) for choice, space in won.items()]


LOCAL = Route(TargetKind.LOCAL)


def table_pieces(topology: Topology, table_key: str, vpc_key: str, family: Family,
                 prefix_lists: dict) -> list[Piece[Route]]:
    """Where a VPC route table sends every destination (LOCAL for the VPC's own blocks)."""
    table = topology.route_tables[table_key]
    vpc = topology.vpcs.get(vpc_key)
    entries: list[tuple[Cidr, int, Route]] = []
    for route in table.routes:
        if route.destination is not None:
            entries.append((route.destination, 1, route))
        elif route.prefix_list in prefix_lists:
            entries.extend((block, 0, route) for block in prefix_lists[route.prefix_list].cidrs)
    local = iv.of_cidrs(vpc.blocks(family), family) if vpc is not None else []
    pieces = [Piece(tuple(iv.subtract(list(p.space), local, family.top)), p.choice)
              for p in longest_prefix(entries, family)]
    pieces = [p for p in pieces if p.space]
    if local:
        pieces.append(Piece(tuple(local), LOCAL))
    return pieces


@dataclass(frozen=True)
class TgwChoice:
    """Where a transit gateway route table sends a piece: an attachment, or a drop."""

    attachment: str | None  # None: blackhole
    route: TgwRoute | None  # the static route, None for a propagated one


def tgw_pieces(topology: Topology, table_key: str, family: Family) -> list[Piece[TgwChoice]]:
    table = topology.tgw_route_tables[table_key]
    entries: list[tuple[Cidr, int, TgwChoice]] = []
    for route in table.routes:
        entries.append((route.destination, 1, TgwChoice(None if route.blackhole else route.attachment, route)))
    for key in table.propagations:
        attachment = topology.tgw_attachments.get(key)
        vpc = topology.vpcs.get(attachment.vpc) if attachment and attachment.vpc else None
        for block in vpc.cidrs if vpc else ():
            entries.append((block, 0, TgwChoice(key, None)))
    return longest_prefix(entries, family)


def lookup(pieces: list[Piece[T]], address: int) -> T | None:
    """The choice of one concrete destination (for the evaluator)."""
    for piece in pieces:
        if iv.contains(list(piece.space), address):
            return piece.choice
    return None
