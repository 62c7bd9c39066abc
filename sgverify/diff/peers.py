"""How a side row writes its far end ("any address").

A side row's peers are often a group's members, or a block except them:
thousands of scattered addresses, and as CIDR blocks the gaps between them
are hundreds of thousands. So the far end is written as a whole minus holes
when that reads better: the whole is the smallest set holding the addresses
among the blocks of the side's rules, the members of a group they name, the
internet, the non-public addresses and everything; the holes (or the
addresses themselves) are named after the groups whose members they are
exactly ("0.0.0.0/0 except members of sg-fleet"), else listed up to
PEER_LISTING blocks. The JSON report carries the same form exactly:
`*_blocks` minus `*_except_blocks`.
"""

from __future__ import annotations

from itertools import filterfalse

from ..model import Cidr, CidrPeer, Family, GroupPeer, Network
from ..model import intervals as iv
from ..regions.compiled import compiled
from ..regions.delivered import members_by_address
from ..regions.render import named_wholes

PEER_LISTING = 16


def peer_form(spans: list, family: Family, rules, network: Network | None) -> tuple[list, str | None, list]:
    """(within, its name, holes) with spans == within - holes; no holes: the spans as they are
    (their name, if a group's members)."""
    return _form(spans, family, rules, network)[:3]


def _form(spans: list, family: Family, rules, network: Network | None) -> "Form":
    """peer_form and the holes' name, if a group's members. The text and JSON reports ask
    for each row in turn."""
    key = (tuple(spans), family, tuple(map(id, rules)), id(network))
    if _FORM[0] != key:
        _FORM[:] = [key, _peer_form(list(spans), family, rules, network)]
    return _FORM[1]


_FORM: list = [None, None]  # the last question and its answer


Form = tuple[list, str | None, list, str | None]  # (within, its name, holes, their name)


def _peer_form(spans: list, family: Family, rules, network: Network | None) -> Form:
    ranges = _Ranges(spans)
    named = _members_of(spans, family, rules, network, ranges=ranges)
    if named or not spans:
        return spans, named, [], None
    holding = [(name, whole) for name, whole in _wholes(family, rules, network) if _inside(spans, whole)]
    if holding:
        # The smallest whole holding them: a larger one has more holes.
        name, whole = min(holding, key=lambda item: iv.size(item[1]))
        holes = _holes(whole, spans, family.top, ranges)
        named_holes = _members_of(holes, family, rules, network, (name, whole))
        # Fewer holes than ranges (a whole less n scattered addresses is n + 1 ranges, each
        # many blocks), or holes that are a group's members.
        if len(holes) < len(spans) or named_holes:
            return whole, name, holes, named_holes
    return spans, None, [], None


class _Ranges:
    """A set of ranges' own ranges, made when first asked (a row asks it up to three times)."""

    def __init__(self, spans: list):
        self.spans, self.found = spans, None

    def set(self) -> set:
        if self.found is None:
            self.found = set(self.spans)
        return self.found


def _inside(part: list, ranges: list, held: set | None = None) -> bool:
    """iv.within(part, ranges), from `held` (the ranges as a set) when given or remembered:
    most ranges of a side's far end are ranges of a group's members as they are, and those
    are looked up in C; only the others are walked."""
    if held is None:
        held = _member_sets(ranges)
    if held is None:
        return iv.within(part, ranges)
    others = filterfalse(held.__contains__, part)
    first = next(others, None)
    if first is None:
        return True
    # Most parts that are not inside fail at their first range that is not one of the ranges.
    return iv.within([first], ranges) and iv.within([first, *others], ranges)


def _member_sets(members: list) -> frozenset | None:
    """A group's members (a list the network keeps) as a set, remembered by the list; None
    for a short list (walked at once)."""
    if len(members) < 64:
        return None
    found = _SETS.get(id(members))
    if found is None or found[0] is not members:
        if len(_SETS) > 4096:
            _SETS.clear()
        found = _SETS[id(members)] = (members, frozenset(members))
    return found[1]


_SETS: dict[int, tuple[list, frozenset]] = {}  # id -> (the list, kept so ids stay unique; its set)


def _holes(whole: list, spans: list, top: int, ranges: "_Ranges | None" = None) -> list:
    """whole - spans. A range of the whole that is a range of the spans too leaves no hole,
    so only the others are cut: the spans are often a group's members but a few, inside
    those members (a few holes among thousands of shared ranges)."""
    if len(whole) < 64:
        return iv.subtract(whole, spans, top)
    out: list = []
    for lo, hi in filterfalse((ranges or _Ranges(spans)).set().__contains__, whole):
        out += iv.subtract([(lo, hi)], iv.intersect(spans, [(lo, hi)]), top)
    return out


def describe_peers(spans: list, family: Family, rules, network: Network | None) -> str:
    """`members of sg-fleet`, `0.0.0.0/0 except members of sg-fleet`, `internet except
    203.0.113.0/24`, or a listing (PEER_LISTING blocks, then how many ranges in all)."""
    if not spans:
        return "nothing"
    whole, name, holes, named_holes = _form(spans, family, rules, network)
    words = name or _listing(whole, family)
    if not holes:
        return words
    return f"{words} except {named_holes or _listing(holes, family)}"


def _wholes(family: Family, rules, network: Network | None) -> list[tuple[str, list]]:
    out = [(name, list(whole)) for name, whole in named_wholes(family)]
    out += [(str(r.peer.cidr), iv.of_cidrs([r.peer.cidr], family)) for r in rules
            if isinstance(r.peer, CidrPeer) and r.peer.cidr.family is family]
    if network is not None:
        out += [(f"members of {group}", members) for group in _groups(rules)
                for members in (members_by_address(network, group, family, False),) if members]
    return out


def _groups(rules) -> list[str]:
    return list(dict.fromkeys(r.peer.group for r in rules if isinstance(r.peer, GroupPeer)))


def _members_of(spans: list, family: Family, rules, network: Network | None,
                within: tuple[str, list] | None = None, ranges: _Ranges | None = None) -> str | None:
    """`members of G1, G2` when the addresses are exactly the members (those `within` the
    whole the addresses are holes of: its name and addresses) of the groups the rules name
    that lie within them (or `internet`, `non-public`, everything)."""
    for name, whole in _wholes(family, (), None):
        if spans == whole:
            return name
    if network is None:
        return None
    inside, held = [], []
    ranges = ranges or _Ranges(spans)
    for group in _groups(rules):
        members = members_by_address(network, group, family, False)
        if within is not None:
            members = _members_within(network, group, family, members, within)
        if not members:
            continue
        # Most members held are ranges of the spans as they are: no walk for those.
        if _inside(members, spans, ranges.set()):
            inside.append(group)
            held = iv.union(held, members) if held else members  # member sets are canonical already
    return f"members of {', '.join(inside)}" if inside and held == spans else None


def _members_within(network: Network, group: str, family: Family, members: list, within: tuple[str, list]) -> list:
    """A group's members within a whole, remembered by the whole's name (it names one set
    of addresses in a network): the rows of a large diff ask of the same few wholes."""
    name, whole = within
    return compiled(network).space(("members by address within", group, name), family,
                                   lambda: iv.intersect(members, whole))


def _listing(spans: list, family: Family) -> str:
    """The blocks, or the first PEER_LISTING of them (built for no more ranges than that)."""
    shown: list[Cidr] = []
    for lo, hi in spans:
        shown += iv.to_cidrs(lo, hi, family)
        if len(shown) > PEER_LISTING:
            listed = ", ".join(str(c) for c in shown[:PEER_LISTING])
            return f"{listed} ... ({len(spans)} address ranges in all)"
    return ", ".join(str(c) for c in shown)
