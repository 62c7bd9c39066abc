"""The VPC path layer: VPCs, subnets, network ACLs, route tables and gateways.

Frozen dataclasses only; no z3. A `Network` whose `topology` is None has no
VPC layer and keeps the security-group-only semantics. With a topology, a
packet is delivered only along a path: the source's security groups, its
subnet's NACL and route table, the gateways, peerings and transit gateways on
the way, the destination subnet's NACL and the destination's groups.

Elements refer to each other by key (the AWS id, a Terraform address, a
CloudFormation logical id, or a native name). A key that names nothing in the
topology (a table of another stack, a peering to another account) is *absent*:
the path layer treats it as a free choice, never as open or closed.

Facts the model stands for (see the README "The VPC path"):
- an address means something only together with its VPC: two VPCs may reuse
  the same CIDRs and addresses;
- a subnet has one NACL (its association, else the VPC's default NACL) and one
  route table (its association, else the VPC's main table);
- NACLs are stateless, ordered by rule number, first match wins, implicit deny
  at the end, and filter only traffic that crosses the subnet's boundary;
- routing is longest-prefix match; the VPC's own blocks always route `local`;
- inside AWS an interface sends from its private address; its public address
  exists only beyond an internet gateway, which maps it 1:1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Mapping

from .addresses import Cidr, Family
from .network import Origin
from .service import Service

# NACL rule numbers a user may write; 32767 is the implicit `*` deny.
ACL_NUMBER_MIN, ACL_NUMBER_MAX = 1, 32766


class AclAction(Enum):
    ALLOW = "allow"
    DENY = "deny"


@dataclass(frozen=True)
class AclEntry:
    """One NACL rule. `service` filters the packet's protocol and *destination*
    port (or icmp type/code), as on a security-group rule; `cidr` is the
    packet's source address for an inbound entry and its destination for an
    outbound one."""

    number: int
    egress: bool
    action: AclAction
    cidr: Cidr
    service: Service = field(default_factory=Service)
    origin: Origin = field(default_factory=Origin)
    text: str = ""

    @property
    def direction(self) -> str:
        return "outbound" if self.egress else "inbound"

    @property
    def label(self) -> str:
        return f"{self.direction} #{self.number}"


@dataclass(frozen=True)
class NetworkAcl:
    key: str
    vpc: str
    inbound: tuple[AclEntry, ...] = ()  # ascending rule number
    outbound: tuple[AclEntry, ...] = ()
    is_default: bool = False  # the VPC's default NACL (what unassociated subnets get)
    name: str = ""
    origin: Origin = field(default_factory=Origin)

    def entries(self, egress: bool) -> tuple[AclEntry, ...]:
        return self.outbound if egress else self.inbound


class TargetKind(Enum):
    LOCAL = "local"
    INTERNET_GATEWAY = "internet-gateway"
    EGRESS_ONLY_GATEWAY = "egress-only-internet-gateway"
    NAT_GATEWAY = "nat-gateway"
    PEERING = "vpc-peering"
    TRANSIT_GATEWAY = "transit-gateway"
    GATEWAY_ENDPOINT = "vpc-endpoint"
    INTERFACE = "network-interface"  # an appliance (middlebox): an interface or instance
    VPN_GATEWAY = "vpn-gateway"
    OTHER = "other"  # carrier, local or core-network gateways...: not modelled, a free choice


@dataclass(frozen=True)
class Route:
    """One route. Exactly one of `destination` and `prefix_list` is set.
    `target` is the key of the target element (empty for local); a blackhole
    route drops what it matches."""

    target_kind: TargetKind
    target: str = ""
    destination: Cidr | None = None
    prefix_list: str | None = None  # key in Network.prefix_lists
    blackhole: bool = False
    origin: Origin = field(default_factory=Origin)

    @property
    def destination_text(self) -> str:
        return str(self.destination) if self.destination is not None else str(self.prefix_list)

    def __str__(self) -> str:
        to = "blackhole" if self.blackhole else (self.target or self.target_kind.value)
        return f"{self.destination_text} -> {to}"


@dataclass(frozen=True)
class RouteTable:
    """A VPC route table. The `local` route for the VPC's blocks is implicit."""

    key: str
    vpc: str
    routes: tuple[Route, ...] = ()
    is_main: bool = False
    name: str = ""
    origin: Origin = field(default_factory=Origin)


@dataclass(frozen=True)
class Vpc:
    key: str
    cidrs: tuple[Cidr, ...]  # every associated IPv4 and IPv6 block
    name: str = ""
    region: str = ""
    account: str = ""
    origin: Origin = field(default_factory=Origin)

    def blocks(self, family: Family) -> tuple[Cidr, ...]:
        return tuple(c for c in self.cidrs if c.family is family)


@dataclass(frozen=True)
class Subnet:
    """A subnet. `route_table`/`nacl` are explicit associations (None: the VPC's
    main table / default NACL)."""

    key: str
    vpc: str
    cidrs: tuple[Cidr, ...]  # its IPv4 block and/or IPv6 block
    route_table: str | None = None
    nacl: str | None = None
    map_public_ip: bool = False  # MapPublicIpOnLaunch / map_public_ip_on_launch
    name: str = ""
    origin: Origin = field(default_factory=Origin)

    def blocks(self, family: Family) -> tuple[Cidr, ...]:
        return tuple(c for c in self.cidrs if c.family is family)


@dataclass(frozen=True)
class InternetGateway:
    key: str
    vpc: str | None  # the attached VPC; None = detached
    name: str = ""
    origin: Origin = field(default_factory=Origin)


@dataclass(frozen=True)
class EgressOnlyGateway:
    """IPv6 only, outbound only: nothing from the internet opens a connection in."""

    key: str
    vpc: str
    name: str = ""
    origin: Origin = field(default_factory=Origin)


@dataclass(frozen=True)
class NatGateway:
    """TCP, UDP and ICMP out only; the source becomes the NAT's address.
    `public`: connectivity type public (its Elastic IP is used beyond an
    internet gateway) or private."""

    key: str
    subnet: str
    private_ip: int | None = None  # IPv4; None = unknown (any address in its subnet)
    public_ip: int | None = None  # its Elastic IP (public NAT); None = unknown
    public: bool = True
    name: str = ""
    origin: Origin = field(default_factory=Origin)


@dataclass(frozen=True)
class Peering:
    """A VPC peering connection. Only an `active` one carries traffic."""

    key: str
    requester_vpc: str
    accepter_vpc: str
    active: bool = True
    name: str = ""
    origin: Origin = field(default_factory=Origin)

    def other(self, vpc: str) -> str | None:
        if vpc == self.requester_vpc:
            return self.accepter_vpc
        if vpc == self.accepter_vpc:
            return self.requester_vpc
        return None


@dataclass(frozen=True)
class TransitGateway:
    key: str
    name: str = ""
    origin: Origin = field(default_factory=Origin)


@dataclass(frozen=True)
class TgwAttachment:
    """A VPC attachment of a transit gateway: its interfaces sit in `subnets`
    (one per zone) of `vpc`. `route_table` is the TGW route table associated
    with it (None: none, so traffic from it is dropped)."""

    key: str
    transit_gateway: str
    vpc: str | None = None  # None for VPN, Direct Connect or peering attachments
    subnets: tuple[str, ...] = ()
    route_table: str | None = None
    kind: str = "vpc"
    name: str = ""
    origin: Origin = field(default_factory=Origin)


@dataclass(frozen=True)
class TgwRoute:
    destination: Cidr
    attachment: str | None = None  # None with blackhole
    blackhole: bool = False
    origin: Origin = field(default_factory=Origin)


@dataclass(frozen=True)
class TgwRouteTable:
    """Static routes, plus a route to each propagating attachment's VPC blocks."""

    key: str
    transit_gateway: str
    routes: tuple[TgwRoute, ...] = ()
    propagations: tuple[str, ...] = ()  # attachment keys
    name: str = ""
    origin: Origin = field(default_factory=Origin)


@dataclass(frozen=True)
class VpcEndpoint:
    """A VPC endpoint. A gateway endpoint (S3, DynamoDB) is a route target for
    its service's prefix list in `route_tables`; an interface endpoint is an
    interface (a resource) and needs nothing here."""

    key: str
    vpc: str
    service: str = ""
    kind: str = "Gateway"
    prefix_list: str | None = None
    route_tables: tuple[str, ...] = ()
    name: str = ""
    origin: Origin = field(default_factory=Origin)


@dataclass(frozen=True)
class Topology:
    vpcs: Mapping[str, Vpc] = field(default_factory=dict)
    subnets: Mapping[str, Subnet] = field(default_factory=dict)
    route_tables: Mapping[str, RouteTable] = field(default_factory=dict)
    nacls: Mapping[str, NetworkAcl] = field(default_factory=dict)
    internet_gateways: Mapping[str, InternetGateway] = field(default_factory=dict)
    egress_only_gateways: Mapping[str, EgressOnlyGateway] = field(default_factory=dict)
    nat_gateways: Mapping[str, NatGateway] = field(default_factory=dict)
    peerings: Mapping[str, Peering] = field(default_factory=dict)
    transit_gateways: Mapping[str, TransitGateway] = field(default_factory=dict)
    tgw_attachments: Mapping[str, TgwAttachment] = field(default_factory=dict)
    tgw_route_tables: Mapping[str, TgwRouteTable] = field(default_factory=dict)
    endpoints: Mapping[str, VpcEndpoint] = field(default_factory=dict)

    # -- what a subnet gets -------------------------------------------------
    def route_table_of(self, subnet: Subnet) -> str | None:
        """The key of the subnet's table: its association, else its VPC's main
        table; None when neither is known (a free choice)."""
        if subnet.route_table is not None:
            return subnet.route_table
        mains = [t.key for t in self.route_tables.values() if t.vpc == subnet.vpc and t.is_main]
        return mains[0] if len(mains) == 1 else None

    def nacl_of(self, subnet: Subnet) -> str | None:
        if subnet.nacl is not None:
            return subnet.nacl
        defaults = [a.key for a in self.nacls.values() if a.vpc == subnet.vpc and a.is_default]
        return defaults[0] if len(defaults) == 1 else None

    def internet_gateway_of(self, vpc: str) -> InternetGateway | None:
        for gateway in self.internet_gateways.values():
            if gateway.vpc == vpc:
                return gateway
        return None

    def subnet_at(self, vpc: str, family: Family, address: int) -> Subnet | None:
        for subnet in self.subnets.values():
            if subnet.vpc == vpc and any(c.contains(family, address) for c in subnet.cidrs):
                return subnet
        return None

    def in_vpc(self, vpc: str, family: Family, address: int) -> bool:
        found = self.vpcs.get(vpc)
        return found is not None and any(c.contains(family, address) for c in found.cidrs)

    def elements(self) -> int:
        return sum(len(m) for m in (self.vpcs, self.subnets, self.route_tables, self.nacls,
                                    self.internet_gateways, self.egress_only_gateways,
                                    self.nat_gateways, self.peerings, self.transit_gateways,
                                    self.tgw_attachments, self.tgw_route_tables, self.endpoints))
