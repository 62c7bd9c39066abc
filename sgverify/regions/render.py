"""Readable, exact renderings of service sets and address sets.

`describe_services` prints a set of points of the service line without losing
anything: `tcp/80,443 udp/53 icmp type 8`, `all`, `all except tcp/22`.
"""

from __future__ import annotations

from collections import OrderedDict
from functools import lru_cache
from itertools import chain

from ..model import Cidr, Family
from ..model.addresses import public_intervals
from ..model import intervals as iv
from ..model.service import PORTED, SERVICE_TOP, TYPED, protocol_name

PROTOCOL_SPAN = 0xFFFF


# Listings are remembered: a large diff writes the same sets (a profile's addresses,
# the unmanaged blocks) in thousands of rows. Large sets are kept up to a total
# size, to bound memory: a diff by profile lists thousands of profiles in turn.
LARGE = 64  # intervals
LARGE_TOTAL = 1 << 18  # intervals held by the caches of large sets, each


def cidrs_of(intervals, family: Family) -> tuple[Cidr, ...]:
    """The fewest CIDR blocks covering exactly the interval set."""
    intervals = tuple(intervals)
    return (_cidrs if len(intervals) <= LARGE else _large_cidrs)(intervals, family)


def _blocks(intervals: tuple, family: Family) -> tuple[Cidr, ...]:
    return tuple(c for lo, hi in intervals for c in iv.to_cidrs(lo, hi, family))


class _SizedCache:
    """A least-recently-used cache of a function of (intervals, ...), holding
    at most `total` intervals in all."""

    def __init__(self, function, total: int):
        self.function, self.total, self.held = function, total, 0
        self.entries: OrderedDict = OrderedDict()

    def __call__(self, intervals: tuple, *rest):
        key = (intervals, *rest)
        found = self.entries.get(key)
        if found is not None:
            self.entries.move_to_end(key)
            return found
        found = self.entries[key] = self.function(intervals, *rest)
        self.held += len(intervals)
        while self.held > self.total and len(self.entries) > 1:
            (dropped, *_), _ = self.entries.popitem(last=False)
            self.held -= len(dropped)
        return found


_cidrs = lru_cache(maxsize=4096)(_blocks)
_large_cidrs = _SizedCache(_blocks, LARGE_TOTAL)


class IntervalTexts(dict):
    """Each interval's text, written once and remembered (up to INTERVAL_TEXTS_HELD of them):
    the rows of a large side diff name the same member addresses, in different company,
    over a million times."""

    def __init__(self, write):
        super().__init__()
        self.write = write

    def __missing__(self, interval: tuple[int, int]):
        if len(self) >= INTERVAL_TEXTS_HELD:
            self.clear()
        text = self[interval] = self.write(interval)
        return text


INTERVAL_TEXTS_HELD = 1 << 20


def block_texts(intervals, family: Family) -> list[str]:
    """cidrs_of as text, each interval's blocks written once (IntervalTexts)."""
    return list(chain.from_iterable(map(_BLOCK_TEXTS[family].__getitem__, intervals)))


_BLOCK_TEXTS = {family: IntervalTexts(lambda interval, family=family: tuple(
    c.text for c in iv.to_cidrs(*interval, family))) for family in Family}


def describe_addresses(intervals, family: Family, limit: int = 0) -> str:
    intervals = tuple(iv.normalize(intervals))
    return (_listed if len(intervals) <= LARGE else _listed_large)(intervals, family, limit)


def _listing(intervals: tuple, family: Family, limit: int) -> str:
    """`10.0.0.0/24, 1.1.1.1/32`, or `internet except 1.2.3.4/32` when that is shorter;
    with a limit, `... (+N more)` past it."""
    intervals = list(intervals)
    if not intervals:
        return "nothing"
    # Listings are compared by their number of blocks and only the one kept is
    # written out: a large diff describes hundreds of thousands of sets.
    name, blocks = None, cidrs_of(intervals, family)
    length = len(blocks)
    for whole_name, whole in named_wholes(family):
        if not iv.subtract(intervals, whole, family.top):
            rest = cidrs_of(iv.subtract(whole, intervals, family.top), family)
            if len(rest) + 1 < length:
                name, blocks, length = whole_name, rest, max(len(rest), 1)
    shown = length if not limit or length <= limit else limit
    if name is None:
        items = [str(c) for c in blocks[:shown]]
    else:
        items = [name + (" except " + str(blocks[0]) if blocks else "")] + [str(c) for c in blocks[1:shown]]
    if shown < length:
        return ", ".join(items) + f" (+{length - shown} more)"
    return ", ".join(items)


_listed = lru_cache(maxsize=4096)(_listing)
_listed_large = _SizedCache(_listing, LARGE_TOTAL)


def named_wholes(family: Family) -> tuple[tuple[str, list], ...]:
    """Named address sets a listing may be written against, smallest first."""
    return _NAMED_WHOLES[family]


def _named_wholes(family: Family) -> tuple[tuple[str, list], ...]:
    public = public_intervals(family)
    suffix = "" if family is Family.V4 else " (IPv6)"
    return (("internet" + suffix, public),
            ("non-public" + suffix, iv.complement(public, family.top)),
            ("0.0.0.0/0" if family is Family.V4 else "::/0", [(0, family.top)]))


_NAMED_WHOLES = {family: _named_wholes(family) for family in Family}  # asked for by every row of a report


def _by_protocol(services) -> dict[int, list[tuple[int, int]]]:
    out: dict[int, list[tuple[int, int]]] = {}
    for lo, hi in services:
        for protocol in range(lo >> 16, (hi >> 16) + 1):
            base = protocol << 16
            part = (max(lo, base) - base, min(hi, base | PROTOCOL_SPAN) - base)
            out.setdefault(protocol, []).append(part)
    return out


def _ranges(parts) -> str:
    return ",".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in parts)


def _icmp(name: str, parts) -> str:
    """ICMP as types (whole types) and type/code ranges."""
    words = []
    for lo, hi in parts:
        t_lo, t_hi = lo >> 8, hi >> 8
        if lo & 0xFF == 0 and hi & 0xFF == 0xFF:
            words.append(f"type {t_lo}" if t_lo == t_hi else f"type {t_lo}-{t_hi}")
        elif t_lo == t_hi:
            codes = str(lo & 0xFF) if lo == hi else f"{lo & 0xFF}-{hi & 0xFF}"
            words.append(f"type {t_lo} code {codes}")
        else:
            words.append(f"type/code {t_lo}/{lo & 0xFF}-{t_hi}/{hi & 0xFF}")
    return f"{name} " + ", ".join(words)


def _protocol_text(protocol: int, parts) -> str:
    name = protocol_name(protocol)
    if parts == [(0, PROTOCOL_SPAN)]:
        return name
    if protocol in PORTED:
        return f"{name}/{_ranges(parts)}"
    if protocol in TYPED:
        return _icmp(name, parts)
    return f"{_other_name(protocol)}[{_ranges(parts)}]"  # never produced by rules: kept exact anyway


def _listing(services) -> str:
    merged = []
    pieces = _by_protocol(services)
    whole = [p for p, parts in pieces.items() if parts == [(0, PROTOCOL_SPAN)]]
    # Runs of whole "other" protocols print as a range: `proto 7-16`.
    runs = iv.of_points(p for p in whole if p not in PORTED + TYPED)
    named = {p for p in whole if p in PORTED + TYPED}
    for protocol in sorted(pieces):
        if protocol in named or protocol not in whole:
            merged.append((protocol, _protocol_text(protocol, pieces[protocol])))
    for lo, hi in runs:
        merged.append((lo, _other_name(lo) if lo == hi else f"proto {lo}-{hi}"))
    return " ".join(text for _, text in sorted(merged, key=lambda item: _rank(item[0])))


ORDER = (6, 17, 1, 58)  # tcp, udp, icmp, icmpv6 first, then by number


def _rank(protocol: int) -> tuple[int, int]:
    return (ORDER.index(protocol) if protocol in ORDER else len(ORDER), protocol)


def _other_name(protocol: int) -> str:
    name = protocol_name(protocol)
    return f"proto {name}" if name.isdigit() else name


def describe_services(services) -> str:
    return _describe(tuple(iv.normalize(services)))


@lru_cache(maxsize=4096)
def _describe(services: tuple[tuple[int, int], ...]) -> str:
    # Cached: a matrix names the same few service sets in up to a million cells.
    services = list(services)
    if not services:
        return "nothing"
    if services == [(0, SERVICE_TOP)]:
        return "all"
    rest = iv.complement(services, SERVICE_TOP)
    if len(_by_protocol(rest)) < len(_by_protocol(services)):
        return "all except " + _listing(rest)
    return _listing(services)
