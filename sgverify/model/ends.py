"""Where packets start and stop on the VPC path: the ends (see docs/vpc.md).

An end is a resource's interface in one subnet, an unmanaged host in a
subnet, or an outside host (the internet, and whatever lies behind targets
the input does not describe). Each end knows the addresses it may *send
from*: inside a VPC always private addresses. Public IPv4 addresses exist
only beyond an internet gateway (`End.public`).

Addresses are meaningful only with their VPC: two ends in different VPCs
may hold the same address.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import cached_property

from . import intervals as iv
from .addresses import PRIVATE_V4, Family, public_intervals
from .network import Network, Resource
from .stand_ins import stand_in_key, stand_in_vpcs, with_stand_ins
from .topology import Subnet, Topology

Space = tuple[tuple[int, int], ...]


class EndKind(Enum):
    RESOURCE = "resource"
    HOST = "host"  # an address of a subnet that no interface holds
    OUTSIDE = "outside"


@dataclass(frozen=True)
class Addr:
    """An address on the path: a fixed value, or one chosen freely in `space`
    (a public address whose value is not known yet, say)."""

    value: int | None = None
    name: str = ""  # for a free address: its variable's name
    space: Space = ()

    @property
    def fixed(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class End:
    kind: EndKind
    space: Space  # the addresses it sends from and is reached at inside its VPC
    vpc: str = ""
    subnet: str = ""
    resource: str = ""  # for RESOURCE ends
    public: Addr | None = None  # its public IPv4 beyond an internet gateway
    publics: tuple[int, ...] = ()  # public IPv4 addresses it is reached at

    @property
    def free_public(self) -> Addr | None:
        """Its public IPv4 when the input says it has one but not which."""
        return self.public if self.public is not None and not self.public.fixed else None

    @cached_property
    def known_reached(self) -> list[tuple[int, int]]:
        """Destinations (as sent) that are this end: its own and its public addresses."""
        return iv.union(list(self.space), iv.of_points(self.publics))

    @cached_property
    def reached(self) -> list[tuple[int, int]]:
        """Destinations (as sent) that may be this end: the known ones and, for
        a public address not known, where it may lie."""
        known = self.known_reached
        return iv.union(known, list(self.free_public.space)) if self.free_public else known

    @property
    def label(self) -> str:
        if self.kind is EndKind.RESOURCE:
            return f"{self.resource} ({self.subnet})" if self.subnet else self.resource
        if self.kind is EndKind.HOST:
            return f"a host in {self.subnet}"
        return "outside"


class Places:
    """Ends of one network and family, computed once."""

    def __init__(self, network: Network, family: Family):
        assert network.topology is not None
        self.network = network
        self.described: Topology = network.topology
        self.topology: Topology = with_stand_ins(network)
        self.family = family

    @cached_property
    def held(self) -> dict[str, list[tuple[int, int]]]:
        """Per VPC: addresses held by interfaces (resources, NAT gateways)."""
        points: dict[str, list[int]] = {}
        for resource in self.network.resources.values():
            private = resource.private_addresses(self.family)
            for subnet in self._subnets_of(resource):
                points.setdefault(subnet.vpc, []).extend(
                    a for a in private if any(b.contains(self.family, a) for b in subnet.blocks(self.family)))
        if self.family is Family.V4:
            for nat in self.topology.nat_gateways.values():
                subnet = self.topology.subnets.get(nat.subnet)
                if subnet is not None and nat.private_ip is not None:
                    points.setdefault(subnet.vpc, []).append(nat.private_ip)
        return {vpc: iv.of_points(values) for vpc, values in points.items()}

    def subnet_space(self, subnet: Subnet) -> list[tuple[int, int]]:
        """Addresses of a subnet an interface can have (AWS keeps the first four
        and the last IPv4 address of every subnet)."""
        out = []
        stand_in = subnet.key == stand_in_key(subnet.vpc)  # its blocks are no subnet's own
        for block in subnet.blocks(self.family):
            lo, hi = block.first, block.last
            if self.family is Family.V4 and hi - lo >= 7 and not stand_in:
                lo, hi = lo + 4, hi - 1
            out.append((lo, hi))
        return iv.normalize(out)

    def host_space(self, subnet: Subnet) -> list[tuple[int, int]]:
        return iv.subtract(self.subnet_space(subnet), self.held.get(subnet.vpc, []), self.family.top)

    @cached_property
    def resource_ends(self) -> dict[str, list[End]]:
        return {name: self._placed(r) for name, r in self.network.resources.items()}

    def _placed(self, resource: Resource) -> list[End]:
        family = self.family
        private = resource.private_addresses(family)
        subnets = self._subnets_of(resource)
        public = self._public(resource)
        publics = tuple(v for f, v in resource.public_ips if f is Family.V4) if family is Family.V4 else ()
        ends = []
        for subnet in subnets:
            if resource.ips:
                space = iv.of_points(a for a in private if any(b.contains(family, a) for b in subnet.blocks(family)))
            else:
                space = iv.subtract(self.subnet_space(subnet), self._concrete_in(subnet), family.top)
            if space:
                first_v4 = self._maps_public(resource, subnet)
                ends.append(End(EndKind.RESOURCE, tuple(space), subnet.vpc, subnet.key, resource.name,
                                public if first_v4 else None, publics if first_v4 else ()))
        if self._maybe_elsewhere(resource, subnets) or (not ends and private):
            # perhaps in a VPC the input does not describe: an outside host with groups
            space = iv.of_points(private) if resource.ips else self._elsewhere_space(resource)
            if space:
                ends.append(End(EndKind.RESOURCE, tuple(space), resource=resource.name))
        return ends

    def _elsewhere_space(self, resource: Resource) -> list[tuple[int, int]]:
        """Where a resource whose addresses are not known may be in a VPC the input
        does not describe: any private IPv4 address, and the IPv6 blocks its reader
        gives it (`::/0` when AWS may assign it addresses from a block not known).
        IPv6 addresses are global: with none, a `deny` from the internet would hold
        over IPv6 that AWS delivers."""
        if self.family is Family.V4:
            return iv.of_cidrs(PRIVATE_V4, Family.V4)
        return iv.of_cidrs(resource.subnets, Family.V6)

    def _maybe_elsewhere(self, resource: Resource, subnets: list[Subnet]) -> bool:
        """Whether it may be in a VPC the input does not describe: no described
        subnet holds it, and its VPC is not known or not described (then no
        stand-in subnet holds it either, and without this it would be nowhere)."""
        return resource.vpc not in self.described.vpcs and all(s.key == stand_in_key(s.vpc) for s in subnets)

    def _subnets_of(self, resource: Resource) -> list[Subnet]:
        """Its subnets; without any named, every subnet holding one of its private
        addresses, of its VPC when it names one (an address means something only
        with its VPC: another VPC's subnet may reuse it), else of any VPC."""
        topology = self.described
        subnets = [topology.subnets[k] for k in resource.subnet_ids if k in topology.subnets]
        if not subnets and resource.ips:
            subnets = [s for s in topology.subnets.values() if (not resource.vpc or s.vpc == resource.vpc)
                       and any(b.contains(f, a) for b in s.cidrs for f, a in resource.ips)]
        if not subnets:  # in a subnet the input does not describe
            stand_ins = (self.topology.subnets.get(stand_in_key(v)) for v in stand_in_vpcs(resource, topology))
            subnets = [s for s in stand_ins if s is not None]
        return subnets

    def _public(self, resource: Resource) -> Addr | None:
        if self.family is not Family.V4:
            return None
        values = [v for f, v in resource.public_ips if f is Family.V4]
        if values:
            return Addr(values[0])
        if getattr(resource, "has_public_ip", False):
            return Addr(name=f"public:{resource.name}", space=tuple(self.internet_space))
        return None

    def _maps_public(self, resource: Resource, subnet: Subnet) -> bool:
        """Public IPv4 addresses map to the first private IPv4 address. A resource
        whose addresses are not known may have an interface with a public address
        in each of its subnets (a load balancer has a node in each, an autoscaling
        group instances in each), so each of its subnets gets one: a `deny` must
        hold whichever of them the internet reaches."""
        v4 = resource.private_addresses(Family.V4)
        if v4:
            return any(b.contains(Family.V4, v4[0]) for b in subnet.blocks(Family.V4))
        return subnet.key in resource.subnet_ids or subnet.key == stand_in_key(subnet.vpc)

    def _concrete_in(self, subnet: Subnet) -> list[tuple[int, int]]:
        return self.held.get(subnet.vpc, [])

    @cached_property
    def modelled_publics(self) -> list[tuple[int, int]]:
        """Public addresses of the input's own interfaces and NAT gateways."""
        points = [v for r in self.network.resources.values() for f, v in r.public_ips if f is self.family]
        if self.family is Family.V4:
            points += [n.public_ip for n in self.topology.nat_gateways.values() if n.public_ip is not None]
            return iv.of_points(points)
        # IPv6 addresses of the VPCs are global: the input's own, not the internet's.
        blocks = iv.of_cidrs((c for v in self.topology.vpcs.values() for c in v.blocks(Family.V6)), Family.V6)
        return iv.union(iv.of_points(points), blocks)

    @cached_property
    def internet_space(self) -> list[tuple[int, int]]:
        """Public addresses of hosts on the internet: not the input's own."""
        return iv.subtract(public_intervals(self.family), self.modelled_publics, self.family.top)

    @cached_property
    def host_ends(self) -> list[End]:
        out = []
        for subnet in self.topology.subnets.values():
            space = self.host_space(subnet)
            if space:
                out.append(End(EndKind.HOST, tuple(space), subnet.vpc, subnet.key))
        return out

    @cached_property
    def outside(self) -> End:
        return End(EndKind.OUTSIDE, ((0, self.family.top),))

    def all_ends(self) -> list[End]:
        ends = [e for es in self.resource_ends.values() for e in es]
        return ends + self.host_ends + [self.outside]
