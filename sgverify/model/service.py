"""Protocols, ports and ICMP type/code, and the 24-bit "service line".

A packet's service is one 24-bit number: the protocol number in the top 8 bits
and, below it, 16 bits that mean the destination port for tcp/udp, `type << 8 |
code` for icmp/icmpv6, and nothing for any other protocol (AWS filters no port
there). Every rule's service is then a set of intervals on that line, which is
what lets rules be merged and compared exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Iterable

ALL = -1
ICMP, TCP, UDP, ICMPV6 = 1, 6, 17, 58
PORTED = (TCP, UDP)
TYPED = (ICMP, ICMPV6)

PROTOCOL_NAMES = {TCP: "tcp", UDP: "udp", ICMP: "icmp", ICMPV6: "icmpv6"}
PROTOCOL_NUMBERS = {name: number for number, name in PROTOCOL_NAMES.items()}

SERVICE_BITS = 24
SERVICE_TOP = (1 << SERVICE_BITS) - 1


def protocol_name(number: int) -> str:
    if number == ALL:
        return "all"
    return PROTOCOL_NAMES.get(number, str(number))


@dataclass(frozen=True, order=True)
class PortRange:
    lo: int
    hi: int

    def __str__(self) -> str:
        return str(self.lo) if self.lo == self.hi else f"{self.lo}-{self.hi}"

    def __contains__(self, port: int) -> bool:
        return self.lo <= port <= self.hi


@dataclass(frozen=True)
class Service:
    """What a rule (or an assertion) admits besides addresses.

    protocol: a number 0-255, or ALL (-1).
    ports: for tcp/udp, the destination port ranges; None = every port.
           AWS ignores port ranges for ALL and for protocols other than
           tcp/udp/icmp/icmpv6, so they are always None there.
    icmp_type / icmp_code: for icmp/icmpv6; None = any (AWS's -1).
    """

    protocol: int = ALL
    ports: tuple[PortRange, ...] | None = None
    icmp_type: int | None = None
    icmp_code: int | None = None

    def intervals(self) -> list[tuple[int, int]]:
        """This service as sorted [lo, hi] intervals on the 24-bit service line."""
        return list(self.spans)

    @cached_property
    def spans(self) -> tuple[tuple[int, int], ...]:
        """intervals(), computed once: replaying a packet on a large estate asks each
        rule's service millions of times."""
        return tuple(self._intervals())

    def _intervals(self) -> list[tuple[int, int]]:
        if self.protocol == ALL:
            return [(0, SERVICE_TOP)]
        base = self.protocol << 16
        if self.protocol in PORTED and self.ports is not None:
            if len(self.ports) == 1:  # nearly every rule: nothing to merge
                only = self.ports[0]
                return [(base | only.lo, base | only.hi)]
            return merge_intervals([(base | r.lo, base | r.hi) for r in self.ports])
        if self.protocol in TYPED and self.icmp_type is not None:
            t = base | (self.icmp_type << 8)
            if self.icmp_code is None:
                return [(t, t | 0xFF)]
            return [(t | self.icmp_code, t | self.icmp_code)]
        return [(base, base | 0xFFFF)]

    def __str__(self) -> str:
        name = protocol_name(self.protocol)
        if self.protocol in PORTED and self.ports is not None:
            return f"{name}/{','.join(str(p) for p in self.ports)}"
        if self.protocol in TYPED and self.icmp_type is not None:
            code = "" if self.icmp_code is None else f" code {self.icmp_code}"
            return f"{name} type {self.icmp_type}{code}"
        return name


def merge_intervals(intervals: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sort and merge overlapping or adjacent [lo, hi] intervals; empty ones
    (lo > hi) are dropped. Queries at 100k rules merge sets of thousands of
    intervals, so an interval that stays as it is keeps its tuple."""
    items = intervals if isinstance(intervals, list) else list(intervals)
    try:
        ordered = sorted(items)
    except TypeError:  # lists mixed with tuples do not compare
        ordered = sorted(tuple(i) for i in items)
    out: list[tuple[int, int]] = []
    last = -2
    for item in ordered:
        lo, hi = item
        if hi < lo:
            continue
        if out and lo <= last + 1:
            if hi > last:
                out[-1] = (out[-1][0], hi)
                last = hi
        else:
            out.append(item if type(item) is tuple else (lo, hi))
            last = hi
    return out


def split_service(value: int) -> tuple[int, int | None, int | None, int | None]:
    """A point on the service line -> (protocol, port, icmp_type, icmp_code)."""
    protocol, low = value >> 16, value & 0xFFFF
    if protocol in PORTED:
        return protocol, low, None, None
    if protocol in TYPED:
        return protocol, None, low >> 8, low & 0xFF
    return protocol, None, None, None


def service_point(protocol: int, port: int | None = None, icmp_type: int | None = None,
                  icmp_code: int | None = None) -> int:
    """(protocol, port | type/code) -> a point on the service line (others: low bits 0)."""
    if protocol in PORTED:
        return (protocol << 16) | (port or 0)
    if protocol in TYPED:
        return (protocol << 16) | ((icmp_type or 0) << 8) | (icmp_code or 0)
    return protocol << 16
