"""A region: one compact, exact row of a delivered set (or of a difference).

A region is a box (source addresses x destination addresses x services) in
one family between two fixed principals, with how sure it is and the rules
that admit its packets on each side.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from ..model import Cidr, Family, Packet, Rule
from ..model import intervals as iv
from ..model.addresses import public_intervals
from ..model.service import split_service
from .boxes import Box, Span
from .principals import Principal
from .render import cidrs_of, describe_addresses, describe_services


class Certainty(Enum):
    CERTAIN = "certain"  # delivered whatever the free choices (opaque members, unknown rules)
    POSSIBLE = "possible"  # delivered for some free choice only; never mixed with CERTAIN


@dataclass(frozen=True)
class Region:
    family: Family
    source: Principal
    destination: Principal
    sources: Span  # source addresses (interval set)
    destinations: Span
    services: Span  # points of the 24-bit service line
    certainty: Certainty = Certainty.CERTAIN
    egress_rules: tuple[Rule, ...] = ()  # source-side rules admitting (part of) the region
    ingress_rules: tuple[Rule, ...] = ()
    egress_unfiltered: bool = False  # the source filters nothing here (unmanaged / link-local)
    ingress_unfiltered: bool = False  # the destination filters nothing here (unmanaged)
    depends_on: tuple[str, ...] = ()  # for POSSIBLE: the free choices it rests on

    @property
    def box(self) -> Box:
        return Box(self.sources, self.destinations, self.services)

    @property
    def source_blocks(self) -> tuple[Cidr, ...]:
        return cidrs_of(self.sources, self.family)

    @property
    def destination_blocks(self) -> tuple[Cidr, ...]:
        return cidrs_of(self.destinations, self.family)

    @property
    def service_text(self) -> str:
        return describe_services(self.services)

    @property
    def public_source(self) -> bool:
        """Every source address is a public address (an unmanaged source on the internet)."""
        return _public(self.source, self.sources, self.family)

    @property
    def public_destination(self) -> bool:
        return _public(self.destination, self.destinations, self.family)

    def describe_sources(self, limit: int = 0) -> str:
        return describe_addresses(self.sources, self.family, limit)

    def describe_destinations(self, limit: int = 0) -> str:
        return describe_addresses(self.destinations, self.family, limit)

    def witness(self) -> Packet | None:
        """One packet of the region (s != d), or None if it holds only s == d points."""
        service = self.services[0][0]
        protocol, port, icmp_type, icmp_code = split_service(service)
        for src in _firsts(self.sources):
            for dst in _firsts(self.destinations):
                if src != dst:
                    return Packet(self.family, src, dst, protocol, port, icmp_type, icmp_code)
        return None

    def __str__(self) -> str:
        mark = "" if self.certainty is Certainty.CERTAIN else " (possible)"
        return (f"{self.source} [{self.describe_sources(4)}] -> {self.destination} "
                f"[{self.describe_destinations(4)}] {self.service_text}{mark}")


def _public(principal: Principal, addresses: Span, family: Family) -> bool:
    outside = iv.subtract(list(addresses), public_intervals(family), family.top)
    return not principal.is_resource and bool(addresses) and not outside


def _firsts(span: Span, count: int = 2) -> list[int]:
    out: list[int] = []
    for lo, hi in span:
        out.extend(range(lo, min(hi, lo + count - 1) + 1))
        if len(out) >= count:
            break
    return out[:count]
