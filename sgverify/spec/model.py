"""Assertions as values.

Query semantics, stated once: within one field, listed values are OR-ed
(`from: [a, b]` = packets from a or from b); fields are AND-ed (`from`, `to`,
`protocol` and `ports` all restrict the same packets); an omitted `protocol`
or `ports` means any.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Union

from ..model import Cidr, Family, Origin
from ..model.addresses import public_intervals
from ..model.intervals import of_cidrs
from ..model.service import ALL, PORTED, PortRange, Service, merge_intervals


class Kind(Enum):
    DENY = "deny"  # no such packet is delivered
    ALLOW = "allow"  # every such packet is delivered
    ONLY = "only"  # every delivered packet to `to` comes from `from`


@dataclass(frozen=True)
class ResourceEndpoint:
    name: str  # key in Network.resources

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class GroupEndpoint:
    group: str  # key in Network.groups: every resource carrying it

    def __str__(self) -> str:
        return self.group


@dataclass(frozen=True)
class AddressEndpoint:
    """A set of addresses (a CIDR, an external's blocks); identity follows the address."""

    label: str
    cidrs: tuple[Cidr, ...]

    def __str__(self) -> str:
        return self.label

    def intervals(self, family: Family) -> list[tuple[int, int]]:
        """Its addresses in `family`, as sorted disjoint intervals."""
        return of_cidrs(self.cidrs, family)


@dataclass(frozen=True)
class AnyEndpoint:
    def __str__(self) -> str:
        return "any"

    def intervals(self, family: Family) -> list[tuple[int, int]]:
        return [(0, family.top)]


@dataclass(frozen=True)
class InternetEndpoint:
    def __str__(self) -> str:
        return "internet"

    def intervals(self, family: Family) -> list[tuple[int, int]]:
        return public_intervals(family)


Endpoint = Union[ResourceEndpoint, GroupEndpoint, AddressEndpoint, AnyEndpoint, InternetEndpoint]


@dataclass(frozen=True)
class Traffic:
    """The service part of an assertion: protocol (ALL = any) and, for tcp/udp, ports.

    With protocol ALL and ports given, the ports apply to tcp and udp.
    """

    protocol: int = ALL
    ports: tuple[PortRange, ...] | None = None

    def intervals(self) -> list[tuple[int, int]]:
        if self.protocol == ALL and self.ports is not None:
            return merge_intervals(
                Service(TCP_, self.ports).intervals() + Service(UDP_, self.ports).intervals()
            )
        return Service(self.protocol, self.ports).intervals()

    def __str__(self) -> str:
        if self.protocol == ALL and self.ports is None:
            return "all traffic"
        ports = "" if self.ports is None else "/" + ",".join(str(p) for p in self.ports)
        name = "tcp+udp" if self.protocol == ALL else str(Service(self.protocol))
        return f"{name}{ports}"


TCP_, UDP_ = PORTED


@dataclass(frozen=True)
class Assertion:
    name: str
    kind: Kind
    sources: tuple[Endpoint, ...]
    destinations: tuple[Endpoint, ...]
    traffic: Traffic = field(default_factory=Traffic)
    origin: Origin = field(default_factory=Origin)
    # With a VPC layer: "security-groups" decides by security groups alone;
    # client_ports is the range replies go back to (`allow`). None = the default.
    layers: str | None = None
    client_ports: tuple[int, int] | None = None


@dataclass(frozen=True)
class Spec:
    path: str
    assertions: tuple[Assertion, ...]
    network: str | None = None  # path of the network, resolved against the spec's folder
    origin: Origin = field(default_factory=Origin)
