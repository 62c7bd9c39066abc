"""The network model: security groups, rules, resources, externals.

Frozen dataclasses only; no z3. Every input format produces a `Network`, and
every element keeps an `Origin` so findings can point at file:line.

Semantics the model stands for (see README "Semantics"):
- rules only allow; all groups on a resource form one union;
- X -> Y is delivered iff X's egress admits it and Y's ingress admits it;
- a group peer matches the *private* addresses of the resources carrying it;
- an address that is a resource's address *is* that resource; any other address
  is an unmanaged host whose own side filters nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Mapping, Union

from .addresses import Cidr, Family, format_address
from .service import Service

if TYPE_CHECKING:
    from .topology import Topology


@dataclass(frozen=True)
class Origin:
    """Where an element was written: a file and line, or a logical path in JSON input."""

    file: str = ""
    line: int | None = None
    detail: str = ""  # e.g. "sg-0abc/IpPermissions[2]" where there is no line

    def __str__(self) -> str:
        if self.line is not None:
            return f"{self.file}:{self.line}"
        if self.detail:
            return f"{self.file}:{self.detail}" if self.file else self.detail
        return self.file


class Direction(Enum):
    INGRESS = "ingress"
    EGRESS = "egress"


@dataclass(frozen=True)
class CidrPeer:
    cidr: Cidr

    def __str__(self) -> str:
        return str(self.cidr)


@dataclass(frozen=True)
class GroupPeer:
    group: str  # key of a group in Network.groups

    def __str__(self) -> str:
        return self.group


@dataclass(frozen=True)
class PrefixListPeer:
    prefix_list: str  # key in Network.prefix_lists

    def __str__(self) -> str:
        return self.prefix_list


@dataclass(frozen=True)
class UnknownPeer:
    """A peer whose value cannot be known (e.g. unknown until apply).

    It may match any address: the encoder gives it a fresh, unconstrained
    Boolean, so no proof can depend on what it turns out to be.
    """

    reason: str

    def __str__(self) -> str:
        return f"<unknown: {self.reason}>"


Peer = Union[CidrPeer, GroupPeer, PrefixListPeer, UnknownPeer]


@dataclass(frozen=True)
class Rule:
    group: str  # key of the group the rule belongs to
    direction: Direction
    index: int  # position of the rule (as written) within its group and direction
    service: Service
    peer: Peer
    description: str = ""
    origin: Origin = field(default_factory=Origin)
    text: str = ""  # the rule as written, for reports
    # Non-empty (the reason): whether this rule applies is unknown (a value known
    # only after apply, an undecidable condition...). It then matches only when
    # a free Boolean is true, and `service` must cover every service it might
    # have (Service() = all, when nothing is known).
    service_unknown: str = ""

    @property
    def label(self) -> str:
        return f"{self.group} {self.direction.value}[{self.index}]"


@dataclass(frozen=True)
class SecurityGroup:
    key: str
    name: str = ""
    description: str = ""
    ingress: tuple[Rule, ...] = ()
    egress: tuple[Rule, ...] = ()
    origin: Origin = field(default_factory=Origin)
    # True for a group that is referenced but not described (another account,
    # a deleted group, a peered VPC outside the input): its members are unknown,
    # so membership is a free choice for any address outside the network.
    opaque: bool = False
    vpc: str = ""  # the VPC it belongs to (a key in Network.topology.vpcs), if known

    def rules(self, direction: Direction) -> tuple[Rule, ...]:
        return self.ingress if direction is Direction.INGRESS else self.egress


@dataclass(frozen=True)
class PrefixList:
    key: str
    cidrs: tuple[Cidr, ...]
    name: str = ""
    max_entries: int | None = None
    origin: Origin = field(default_factory=Origin)


@dataclass(frozen=True)
class Resource:
    """Something that carries security groups (an ENI, an instance, an ASG...).

    ips: its private addresses (matched by group references).
    public_ips: public/Elastic addresses: still this resource, but never matched
                by a group reference.
    subnets: where it lives. A resource without ips may have *any* address in
             its subnets (any private IPv4 address without subnets): proofs hold
             for every such address.
    vpc / subnet_ids: with a VPC layer (Network.topology), the VPC and the
             subnets (keys) its interfaces are in; `subnets` then holds those
             subnets' blocks, so the security-group-only view stays the same.
    source_dest_check: False for an appliance that forwards traffic not
             addressed to it (a route may then target it).
    has_public_ip: it has a public IPv4 address whose value is not known (one
             AWS assigns at launch, an Elastic IP of a template): any internet
             address no other element holds.
    """

    name: str
    groups: tuple[str, ...]
    ips: tuple[tuple[Family, int], ...] = ()
    public_ips: tuple[tuple[Family, int], ...] = ()
    subnets: tuple[Cidr, ...] = ()
    kind: str = ""
    aliases: tuple[str, ...] = ()
    origin: Origin = field(default_factory=Origin)
    vpc: str = ""
    subnet_ids: tuple[str, ...] = ()
    source_dest_check: bool = True
    has_public_ip: bool = False

    @property
    def symbolic(self) -> bool:
        return not self.ips and not self.public_ips

    def addresses(self, family: Family) -> list[int]:
        return [v for f, v in self.ips + self.public_ips if f is family]

    def public_addresses(self, family: Family) -> list[int]:
        """Addresses it has only beyond an internet gateway: it sends from them
        only to public destinations (inside a VPC it always sends from a private one)."""
        private = set(self.private_addresses(family))
        return [v for f, v in self.public_ips if f is family and v not in private]

    def private_addresses(self, family: Family) -> list[int]:
        return [v for f, v in self.ips if f is family]

    def describe_addresses(self) -> str:
        if self.symbolic:
            return "any address in " + (", ".join(map(str, self.subnets)) or "private IPv4 space")
        return ", ".join(format_address(f, v) for f, v in self.ips + self.public_ips)


@dataclass(frozen=True)
class External:
    """A named host or network outside the managed resources (office, partner...)."""

    name: str
    cidrs: tuple[Cidr, ...]
    origin: Origin = field(default_factory=Origin)


@dataclass(frozen=True)
class Network:
    groups: Mapping[str, SecurityGroup]
    resources: Mapping[str, Resource]
    externals: Mapping[str, External] = field(default_factory=dict)
    prefix_lists: Mapping[str, PrefixList] = field(default_factory=dict)
    source: str = ""  # file or folder the network was read from
    input_format: str = "native"
    # The VPC path layer (VPCs, subnets, NACLs, routes, gateways); None = the
    # input has none, and verdicts are decided by security groups alone.
    topology: "Topology | None" = None
    # Where an AWS snapshot was taken (its header's Account and Region); "" when
    # the input does not say, or its files name more than one.
    account: str = ""
    region: str = ""

    def group_named(self, name: str) -> SecurityGroup | None:
        """A group by key, else by its (unique) name."""
        if name in self.groups:
            return self.groups[name]
        matches = [g for g in self.groups.values() if g.name == name]
        return matches[0] if len(matches) == 1 else None

    def members(self, group_key: str) -> list[Resource]:
        return [r for r in self.resources.values() if group_key in r.groups]

    def all_rules(self):
        for group in self.groups.values():
            yield from group.ingress
            yield from group.egress
