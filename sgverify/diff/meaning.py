"""What one side's rules admit, in a form two networks can compare.

A rule edit need not change what a side admits: a CIDR split into two
halves, a rule that another rule of the same side already covers, a rule
moved between two groups that resources always carry together. On a large
estate such edits are common, and a pair of principals whose sides admit the
same in both networks delivers the same in both, so the diff can skip it.

`side_meaning` gives a canonical value for that comparison: per family, the
address line cut where what is admitted changes, with the services admitted
on each piece; per referenced group, the services its members get. Two sides
with equal values admit exactly the same packets from every peer. Sides with
a rule that depends on a free choice get None (never equal): the diff always
compares those.
"""

from __future__ import annotations

from bisect import bisect_left

from ..model import Family, GroupPeer, Network, Rule
from ..model import intervals as iv
from ..regions.compiled import FAMILIES, compiled
from ..regions.delivered import rule_is_free

Meaning = tuple


def side_meaning(network: Network, rules: tuple[Rule, ...]) -> Meaning | None:
    """The canonical form of what `rules` (one side, one direction) admit, or None."""
    facts = compiled(network)
    blocks: dict[Family, list[tuple[int, int, tuple]]] = {family: [] for family in FAMILIES}
    groups: dict[str, iv.Intervals] = {}
    for rule in rules:
        if rule_is_free(network, rule):
            return None
        services = facts.services(rule)
        if not services:
            continue
        if isinstance(rule.peer, GroupPeer):
            groups[rule.peer.group] = iv.union(groups.get(rule.peer.group, []), services)
            continue
        for family in FAMILIES:
            blocks[family] += [(lo, hi, services) for lo, hi in facts.peer_blocks(rule, family)]
    lines = tuple(_address_line(blocks[family], family.top) for family in FAMILIES)
    return lines, frozenset((group, tuple(spans)) for group, spans in groups.items() if spans)


def _address_line(blocks: list[tuple[int, int, tuple]], top: int) -> tuple:
    """((start, services), ...): the line cut where the admitted services change,
    each piece running to the next start; adjacent equal pieces merged."""
    if not blocks:
        return ()
    merged: dict[tuple[int, int], iv.Intervals] = {}  # one block named by many rules is cut once
    for lo, hi, services in blocks:
        merged[(lo, hi)] = iv.union(merged.get((lo, hi), []), services)
    points = sorted({lo for lo, _ in merged} | {hi + 1 for _, hi in merged if hi < top} | {0})
    admitted: list[iv.Intervals] = [[] for _ in points]
    for (lo, hi), services in merged.items():
        first = bisect_left(points, lo)
        last = bisect_left(points, hi + 1) if hi < top else len(points)
        for piece in range(first, last):
            admitted[piece] = iv.union(admitted[piece], services)
    out: list[tuple[int, tuple]] = []
    for start, services in zip(points, admitted):
        value = tuple(services)
        if not out or out[-1][1] != value:
            out.append((start, value))
    return tuple(out)

