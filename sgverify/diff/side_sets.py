"""A side row's sets, read straight from the side's rules (the common case, fast).

The region engine sweeps boxes in three dimensions; a side pair has one end
that is a resource's own addresses, which the rules do not tell apart, so its
set is (own addresses) x (peer address, service). When the resource exists
in both networks with the same concrete addresses and no rule of its side
depends on a free choice, the difference is one sweep along the service
line: per elementary piece of
services, the peer addresses each network admits, subtracted. Pieces with the
same difference merge. The boxes are the engine's canonical ones (the tests
compare the two); every other side goes to the engine.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from itertools import repeat
from operator import itemgetter

from ..model import Direction, Family, GroupPeer, Network
from ..model import intervals as iv
from ..model.service import SERVICE_TOP
from ..regions import PairSets, Principal
from ..regions.boxes import Box, Span, cuts, span
from ..regions.compiled import compiled
from ..regions.delivered import members_by_address, unfiltered_blocks
from ..spec import Traffic

FULL: Span = ((0, SERVICE_TOP),)


def side_changes(old: Network, new: Network, src: Principal, dst: Principal, family: Family,
                 traffic: Traffic | None) -> tuple[PairSets, PairSets] | None:
    """(gained, lost) of a side pair (one end by_holder), or None when the engine must answer."""
    if src.by_holder == dst.by_holder:
        return None
    own, far, direction = (dst, src, Direction.INGRESS) if src.by_holder else (src, dst, Direction.EGRESS)
    addresses = _own_addresses(old, new, own.name, family)
    if addresses is None:
        return None
    if not addresses:  # no address in this family: nothing to gain or lose
        nothing = PairSets(family, src, dst, (), ())
        return nothing, nothing
    admitted = [_admitted(network, own.name, direction, family, traffic) for network in (old, new)]
    if None in admitted:
        return None
    before, after = admitted
    pieces = _pieces([*before, *after])
    was, now = _by_piece(before, pieces), _by_piece(after, pieces)
    peers = {key: value for items in admitted for _, key, value in items}
    ingress = direction is Direction.INGRESS
    out = []
    unsure = iv.of_cidrs(far.excluding, family)  # the far end's addresses are all but these
    for first, second in ((was, now), (now, was)):
        gained = _differences(first, second, peers)
        if unsure:
            gained = [iv.subtract(part, unsure, family.top) if part else part for part in gained]
        boxes = _boxes(gained, pieces, addresses, ingress)
        out.append(PairSets(family, src, dst, boxes, boxes))
    return out[0], out[1]


# (peers admitted before, after) -> the addresses gained: keys name peers by content (blocks, a
# membership's number), so sides of many resources share them (a moved rule's group is in many).
_DIFFERENCES: dict[tuple, list] = {}
_SORTED: dict[tuple, "Sorted"] = {}  # the same keys -> their peers, ready for subtracting
_HELD = [0]  # address ranges the remembered differences hold: they are forgotten past HOLD
HOLD = 1 << 20


def _differences(before: list[frozenset], after: list[frozenset], peers: dict) -> list[list]:
    """after - before, piece by piece, from the peers each piece admits. Peers in both add
    nothing: only the addresses of peers new to a piece are cut by what it admitted."""
    memo = _DIFFERENCES
    if _HELD[0] > HOLD:
        memo.clear()
        _HELD[0] = 0
    if len(_SORTED) > 4096:
        _SORTED.clear()
    out = []
    for was, now in zip(before, after):
        key = (was, now)
        found = memo.get(key)
        if found is None:
            extra = now - was
            if len(extra) == 1:
                [only] = extra
                found = list(peers[only])  # canonical already
            else:
                found = iv.normalize(piece for k in extra for piece in peers[k]) if extra else []
            for k in was:  # peer by peer: a union of thousands of addresses is not built
                if not found:
                    break
                ready = _SORTED.get(k)
                if ready is None:
                    ready = _SORTED[k] = Sorted(peers[k])
                found = without(found, ready)
            memo[key] = found
            _HELD[0] += len(found) + 1
        out.append(found)
    return out


class Sorted:
    """An interval set ready for subtracting from: its starts, ends and gaps, made once."""

    def __init__(self, intervals: list):
        self.intervals = intervals
        self.starts = [lo for lo, _ in intervals]
        self.ends = [hi for _, hi in intervals]
        self.gaps = [(a[1] + 1, b[0] - 1) for a, b in zip(intervals, intervals[1:])]


def without(small: list, big: Sorted) -> list:
    """small - big for a few intervals against many (a group's member addresses): each
    interval of `small` keeps the gaps of `big` inside it, taken as one slice. Many against
    a few (a block less a group's members, less a rule's block) go the other way round."""
    if len(small) > 4 * len(big.intervals):
        for lo, hi in big.intervals:
            small = _cut(small, lo, hi)
        return small
    out: list = []
    intervals = big.intervals
    for lo, hi in small:
        first = bisect_left(big.ends, lo)  # the first interval of big ending at or after lo
        last = bisect_right(big.starts, hi)  # one past the last starting at or before hi
        if first >= last:
            out.append((lo, hi))
            continue
        if lo < intervals[first][0]:
            out.append((lo, intervals[first][0] - 1))
        out += big.gaps[first:last - 1]
        if intervals[last - 1][1] < hi:
            out.append((intervals[last - 1][1] + 1, hi))
    return out


def _cut(many: list, lo: int, hi: int) -> list:
    """many - [lo, hi]: the intervals it meets found by bisection, the rest copied as slices."""
    first = bisect_left(many, lo, key=_HIGH)  # the first ending at or after lo
    last = bisect_right(many, hi, lo=first, key=_LOW)  # one past the last starting at or before hi
    if first >= last:
        return many
    parts = []
    if many[first][0] < lo:
        parts.append((many[first][0], lo - 1))
    if many[last - 1][1] > hi:
        parts.append((hi + 1, many[last - 1][1]))
    return many[:first] + parts + many[last:]


_LOW, _HIGH = itemgetter(0), itemgetter(1)


def _own_addresses(old: Network, new: Network, name: str, family: Family) -> Span | None:
    """The resource's addresses, the same concrete ones in both networks (else None)."""
    found = [network.resources.get(name) for network in (old, new)]
    if None in found or any(r.symbolic for r in found):
        return None
    before, after = (span((a, a) for a in r.addresses(family)) for r in found)
    return before if before == after else None


def _admitted(network: Network, name: str, direction: Direction, family: Family,
              traffic: Traffic | None) -> list[tuple[Span, tuple, list]] | None:
    """(services, what names the peer, its addresses) per rule of the side, or None if one
    depends on a choice. Rules naming the same peer (a group, the same blocks) share it."""
    facts = compiled(network)
    if facts.any_free(name, direction):
        return None
    limit = list(span(traffic.intervals())) if traffic is not None else None
    out: list[tuple[Span, tuple, list]] = []
    if direction is Direction.EGRESS:
        blocks = unfiltered_blocks(family)
        out.append((FULL, tuple(blocks), blocks))
    for rule, services, _, _ in facts.side_services(name, direction):
        if isinstance(rule.peer, GroupPeer):
            # What some choice adds (a shared address, where a member of unknown address may
            # be) is among the far end's excluded addresses.
            peers = members_by_address(network, rule.peer.group, family, False)
            key: tuple = ("group", _members_token(peers))
        else:
            peers = facts.peer_blocks(rule, family)
            key = tuple(peers)
        if peers:
            out.append((services, key, peers))
    if limit is not None:
        out = [(span(iv.intersect(list(services), limit)), key, peers) for services, key, peers in out]
    return [item for item in out if item[0]]


# A group's member addresses -> a number: what names them in a key. Never forgotten: the
# remembered differences are keyed by these numbers, which must never name two sets.
_TOKENS: dict[tuple, int] = {}
_LISTS: dict[int, tuple[list, int]] = {}  # id of a (kept) list of member addresses -> its number


def _members_token(members: list) -> int:
    """The same number for the same addresses, whichever network or group they come from (a
    group whose members differ in the two networks gets two); a key of pieces, hashed many
    times, holds the number, not the addresses. The lists are the networks' own (cached),
    so each is read once."""
    found = _LISTS.get(id(members))
    if found is None or found[0] is not members:
        if len(_LISTS) > 65536:  # many networks in one process (the tests): forget the old ones
            _LISTS.clear()
        found = _LISTS[id(members)] = (members, _TOKENS.setdefault(tuple(members), len(_TOKENS)))
    return found[1]


def _pieces(items: list[tuple]) -> list[tuple[int, int]]:
    """The service line cut at every boundary of the rules' services."""
    return cuts((services for services, _, _ in items), SERVICE_TOP)


def _by_piece(items: list[tuple], pieces: list[tuple[int, int]]) -> list[frozenset]:
    """For each piece, the peers of the rules whose services hold it."""
    starts: dict[int, list[int]] = {}
    ends: dict[int, list[int]] = {}
    for number, (services, _, _) in enumerate(items):
        for lo, hi in services:
            starts.setdefault(lo, []).append(number)
            ends.setdefault(hi + 1, []).append(number)
    # The pieces are cut for both networks' rules: at most cuts nothing of these rules starts
    # or ends, so the pieces between two of theirs are filled as one run.
    firsts = list(map(_LOW, pieces))
    open_items: dict[int, None] = {}
    out: list[frozenset] = []
    current: frozenset = frozenset()
    for point in sorted(starts.keys() | ends.keys()):
        at = bisect_left(firsts, point)
        if at == len(firsts):
            continue  # past the top of the line: no piece starts there
        out += repeat(current, at - len(out))
        for number in ends.get(point, ()):
            del open_items[number]
        open_items.update(dict.fromkeys(starts.get(point, ())))
        current = frozenset(items[number][1] for number in open_items)
    out += repeat(current, len(firsts) - len(out))
    return out


def _boxes(peers_by_piece: list[list], pieces: list[tuple[int, int]], own: Span, ingress: bool) -> tuple[Box, ...]:
    """Canonical boxes: pieces with the same peers merge along the service line. The peers
    are canonical sets already (unions normalized, then only subtracted from)."""
    services: dict[Span, list] = {}
    for peers, piece in zip(peers_by_piece, pieces):
        if peers:
            services.setdefault(tuple(peers), []).append(piece)
    boxes = [Box(peers, own, span(merged)) if ingress else Box(own, peers, span(merged))
             for peers, merged in services.items()]
    return tuple(sorted(boxes, key=lambda b: (b.destinations, b.services, b.sources)))
