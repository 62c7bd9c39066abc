"""The ways a packet can go from one end: legs (see docs/vpc.md "Semantics").

A leg is one way through the VPC layer for a piece of the destination space:
the route taken, the gateways and translations on it, the network ACLs it
crosses (on the request and on the reply), the routes the reply needs, and
where it arrives. Routing is deterministic, so for one source subnet the legs
of different routes cover disjoint destinations; legs that exist only under a
free choice (a target the input does not describe, a transit gateway zone)
name that choice.

Everything here is structure, with no solver: the encoder turns legs into
constraints and the evaluator replays a packet along them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

from ..gcpause import building_objects
from . import intervals as iv
from .addresses import Cidr, Family
from .ends import Addr, Places
from .forwarding import LOCAL, table_pieces
from .leg import Check, Crossing, Hop, Leg, Ref, RouteBack
from .network import Origin
from .service import ICMP, TCP, UDP
from .topology import Route, Subnet, TargetKind
from .unfiltered import service_space
from .legs_outside import any_route, from_outside, leads_out, undescribed
from .legs_public import PublicArrivals

UNKNOWN_KINDS = (TargetKind.INTERFACE, TargetKind.VPN_GATEWAY, TargetKind.OTHER)
NAT_PROTOCOLS = (TCP, UDP, ICMP)


@dataclass(frozen=True)
class _From:
    """The state of a packet being routed: where it is and what it carries."""

    subnet: Subnet
    seen: Ref
    request: tuple[Crossing, ...] = ()
    reply: tuple[Check, ...] = ()  # near-side reply checks, in reply order
    hops: tuple = ()  # the path so far: Hop and Crossing in order
    nat: bool = False
    back_via: str = ""  # a transit gateway the reply must be routed back to (it came that way)
    transits: int = 0  # transit gateways crossed


# The source's own public address while a subnet's legs are worked out once
# for all its interfaces: only a direct internet gateway route uses it, so
# those legs are left as slots and filled in per address (see from_subnet).
_SOURCE_PUBLIC = Addr(name="(the source's public address)")


@dataclass(frozen=True)
class _PublicSlot:
    """Legs out of an internet gateway that depend on the source's public
    address; `choices` and `assume` collect what the way there added."""

    state: _From
    gateway: str
    space: tuple
    choices: tuple = ()
    assume: tuple = ()


class Legs(PublicArrivals):
    """Legs of one network and family, computed once per source subnet."""

    def __init__(self, places: Places):
        self.places = places
        self.network = places.network
        self.topology = places.topology
        self.family = places.family
        self._cache: dict = {}

    # -- helpers -----------------------------------------------------------
    def nacl(self, subnet: Subnet) -> str | None:
        return self._nacls[subnet.key]

    def table(self, subnet: Subnet) -> str | None:
        return self._tables[subnet.key]

    @cached_property
    def _nacls(self) -> dict[str, str | None]:
        t = self.topology
        return {k: (a if (a := t.nacl_of(s)) in t.nacls else None) for k, s in t.subnets.items()}

    @cached_property
    def _tables(self) -> dict[str, str | None]:
        t = self.topology
        return {k: (r if (r := t.route_table_of(s)) in t.route_tables else None) for k, s in t.subnets.items()}

    def cross(self, subnet: Subnet, egress: bool, address: Ref, reply: bool = False,
              nat_port: bool = False) -> Crossing:
        return Crossing(subnet.key, self.nacl(subnet), egress, address, reply, nat_port)

    def blocks(self, subnet: Subnet) -> list[tuple[int, int]]:
        key = ("blocks", subnet.key)
        if key not in self._cache:
            self._cache[key] = iv.of_cidrs(subnet.blocks(self.family), self.family)
        return self._cache[key]

    def vpc_blocks(self, vpc: str) -> list[tuple[int, int]]:
        key = ("vpc blocks", vpc)
        if key not in self._cache:
            found = self.topology.vpcs.get(vpc)
            self._cache[key] = iv.of_cidrs(found.blocks(self.family), self.family) if found else []
        return self._cache[key]

    def subnets_of(self, vpc: str) -> list[Subnet]:
        return self._by_vpc.get(vpc, [])

    @cached_property
    def _by_vpc(self) -> dict[str, list[Subnet]]:
        out: dict[str, list[Subnet]] = {}
        for subnet in self.topology.subnets.values():
            out.setdefault(subnet.vpc, []).append(subnet)
        return out

    @cached_property
    def unknown_vpcs(self) -> list[str]:
        """VPCs with a way to something undescribed: they may be entered from there.
        A peering or a transit gateway attachment is a way in whatever the VPC's
        own tables say (those route only the replies), so it counts as well."""
        out = []
        for vpc in self.topology.vpcs:
            routes = [r for subnet in self.subnets_of(vpc) if (table := self.table(subnet)) is not None
                      for r in self.topology.route_tables[table].routes]
            if any(self.table(s) is None for s in self.subnets_of(vpc)) or \
                    any(leads_out(self, r) for r in routes + self._entries(vpc)):
                out.append(vpc)
        return out

    def _entries(self, vpc: str) -> list[Route]:
        """A route to each peering and transit gateway the VPC is attached to."""
        t, anywhere = self.topology, Cidr.parse("0.0.0.0/0" if self.family is Family.V4 else "::/0")
        found = [Route(TargetKind.PEERING, k, anywhere) for k, p in t.peerings.items()
                 if vpc in (p.requester_vpc, p.accepter_vpc)]
        found += [Route(TargetKind.TRANSIT_GATEWAY, g, anywhere)
                  for g in sorted({a.transit_gateway for a in t.tgw_attachments.values() if a.vpc == vpc})]
        return found

    def _unknown_target(self, route: Route) -> bool:
        t = self.topology
        if route.blackhole or route.target_kind is TargetKind.LOCAL:
            return False
        known = {TargetKind.INTERNET_GATEWAY: t.internet_gateways, TargetKind.EGRESS_ONLY_GATEWAY:
                 t.egress_only_gateways, TargetKind.NAT_GATEWAY: t.nat_gateways, TargetKind.PEERING: t.peerings,
                 TargetKind.TRANSIT_GATEWAY: t.transit_gateways, TargetKind.GATEWAY_ENDPOINT: t.endpoints}
        return route.target_kind in UNKNOWN_KINDS or route.target not in known.get(route.target_kind, {})

    def _route_hop(self, table: str, route: Route) -> Hop:
        return Hop(f"route {table}: {route}", route.origin if route.origin.file else self.topology.route_tables[table].origin)

    # -- legs from a subnet ------------------------------------------------------
    def from_subnet(self, subnet_key: str, public: Addr | None) -> list[Leg]:
        key = (subnet_key, public)
        if key not in self._cache:
            with building_objects():  # kept for the whole run: out of the cyclic collector's way
                self._cache[key] = [leg for item in self._template(subnet_key) for leg in self._filled(item, public)]
        return self._cache[key]

    def _template(self, subnet_key: str) -> list:
        """The subnet's legs with slots for its interfaces' public addresses:
        the walk over routes, peerings and gateways is done once per subnet,
        not once per public address sent from it."""
        key = ("template", subnet_key)
        if key not in self._cache:
            self._cache[key] = self._from_subnet(self.topology.subnets[subnet_key], _SOURCE_PUBLIC)
        return self._cache[key]

    def _filled(self, item, public: Addr | None) -> list[Leg]:
        if not isinstance(item, _PublicSlot):
            return [item]
        return [replace(leg, choices=leg.choices + item.choices, assume=leg.assume + item.assume)
                for leg in self._internet(item.state, item.gateway, item.space, public)]

    def _from_subnet(self, subnet: Subnet, public: Addr | None) -> list[Leg]:
        top = self.family.top
        services = service_space(self.topology, subnet.vpc, self.family)
        legs = [Leg(tuple(services), "service", hops=(Hop("an AWS service no security group or NACL filters"),))]
        own = iv.subtract(self.vpc_blocks(subnet.vpc), services, top)
        for far in self.subnets_of(subnet.vpc):
            space = iv.intersect(own, self.blocks(far))
            if not space:
                continue
            request: tuple[Crossing, ...] = ()
            reply: tuple[Check, ...] = ()
            if far.key != subnet.key:
                request = (self.cross(subnet, True, "dst"), self.cross(far, False, "src"))
                reply = (self.cross(far, True, "src", True), self.cross(subnet, False, "dst", True))
            legs.append(Leg(tuple(space), "subnet", far.vpc, far.key, request=request, reply=reply,
                            hops=(Hop(f"route local ({subnet.vpc})"),) + request))
        rest = iv.complement(iv.union(self.vpc_blocks(subnet.vpc), services), top)
        state = _From(subnet, "src")
        return legs + self._routed(state, rest, public)

    def _routed(self, state: _From, space, public: Addr | None) -> list[Leg]:
        table = self.table(state.subnet)
        if table is None:
            name = self.topology.route_table_of(state.subnet) or f"the route table of {state.subnet.key}"
            return any_route(self, state, space, public, name)
        legs: list[Leg] = []
        for route, part in self._parts(table, state.subnet.vpc, space):
            moved = replace(state, hops=state.hops + (self._route_hop(table, route),))
            legs += self._via(moved, route, part, public)
        return legs

    def _parts(self, table: str, vpc: str, space) -> list:
        """(route, the part of `space` it carries) for the routes of a table that carry some."""
        key = ("parts", table, vpc, tuple(space))
        if key not in self._cache:
            found = []
            for piece in self._pieces(table, vpc):
                if piece.choice is LOCAL or piece.choice.blackhole:
                    continue
                part = iv.intersect(list(piece.space), space)
                if part:
                    found.append((piece.choice, part))
            self._cache[key] = found
        return self._cache[key]

    def _pieces(self, table: str, vpc: str):
        """Where a table sends each destination: computed once per table (its
        subnets, and each public address sent from them, share it)."""
        key = ("pieces", table, vpc)
        if key not in self._cache:
            self._cache[key] = table_pieces(self.topology, table, vpc, self.family, self.network.prefix_lists)
        return self._cache[key]

    def _via(self, state: _From, route: Route, space, public: Addr | None) -> list[Leg]:
        t, kind = self.topology, route.target_kind
        if self._unknown_target(route):
            return self._unknown(state, space, f"target:{route.target or kind.value}")
        if kind in (TargetKind.INTERNET_GATEWAY, TargetKind.EGRESS_ONLY_GATEWAY):
            gateway = (t.internet_gateways if kind is TargetKind.INTERNET_GATEWAY else t.egress_only_gateways)[route.target]
            if gateway.vpc != state.subnet.vpc or (kind is TargetKind.EGRESS_ONLY_GATEWAY and self.family is Family.V4):
                return []
            return self._internet(state, route.target, space, public)
        if kind is TargetKind.NAT_GATEWAY:
            return self._nat(state, route.target, space)
        if kind is TargetKind.PEERING:
            return self._peering(state, route.target, space)
        if kind is TargetKind.TRANSIT_GATEWAY:
            from .legs_tgw import transit
            return transit(self, state, route.target, space)
        if kind is TargetKind.GATEWAY_ENDPOINT:
            return [self._leave(state, space, "outside", hops=(Hop(f"gateway endpoint {route.target}"),))]
        return []

    def _unknown(self, state: _From, space, name: str) -> list[Leg]:
        return undescribed(self, state, space, name)

    @cached_property
    def outside(self) -> list[Leg]:
        return from_outside(self)

    def _leave(self, state: _From, space, arrival: str, seen: Ref | None = None, far_request=(),
               far_reply=(), groups: str = "no", hops=(), **extra) -> Leg:
        """A leg that crosses the state's subnet outbound, then the far part."""
        out = self.cross(state.subnet, True, "dst")
        request = state.request + (out,) + tuple(far_request)
        reply = tuple(far_reply) + (self.cross(state.subnet, False, "dst", True, state.nat),) + state.reply
        return Leg(tuple(space), arrival, seen=state.seen if seen is None else seen, groups=groups,
                   request=request, reply=reply, protocols=NAT_PROTOCOLS if state.nat else None,
                   hops=state.hops + (out,) + tuple(hops) + tuple(far_request), **extra)

    # -- the internet --------------------------------------------------------
    def _internet(self, state: _From, gateway: str, space, public: Addr | None) -> list[Leg]:
        if public is _SOURCE_PUBLIC:
            return [_PublicSlot(state, gateway, tuple(space))]  # type: ignore[list-item]
        if self.family is Family.V4:
            if public is None:
                return []  # no public address: the internet gateway cannot carry it
            seen: Ref = public
        else:
            seen = state.seen
        hop = Hop(f"internet gateway {gateway}" + (" (source becomes its public address)" if self.family is Family.V4 else ""),
                  self._origin(gateway))
        legs = [self._leave(state, iv.intersect(space, self.places.internet_space), "outside", seen, hops=(hop,))]
        for far, far_gateway, part, resource, at in self._public_arrivals(space):
            far_request = (self.cross(far, False, seen),)
            far_reply = (RouteBack(far.key, self.table(far), seen, far_gateway, TargetKind.INTERNET_GATEWAY),
                         self.cross(far, True, seen, True, state.nat))
            arrival = "public" if resource else "subnet"
            legs.append(self._leave(state, part, arrival, seen, far_request, far_reply, vpc=far.vpc,
                                    subnet=far.key, resource=resource, at=at,
                                    hops=(hop, Hop(f"internet gateway {far_gateway} into {far.vpc}", self._origin(far_gateway)))))
        return [leg for leg in legs if leg.space]

    def _origin(self, key: str) -> Origin | None:
        for table in (self.topology.internet_gateways, self.topology.egress_only_gateways,
                      self.topology.nat_gateways, self.topology.peerings, self.topology.transit_gateways):
            if key in table:
                return table[key].origin
        return None

    # -- NAT gateways and peerings ------------------------------------------------
    def _nat(self, state: _From, key: str, space) -> list[Leg]:
        nat = self.topology.nat_gateways[key]
        home = self.topology.subnets.get(nat.subnet)
        if state.nat or self.family is not Family.V4:
            return []  # IPv4 only, and never from one NAT gateway to another
        if home is None:
            return self._unknown(state, space, f"target:{key}")
        request, reply, trail = state.request, state.reply, state.hops
        if home.key != state.subnet.key:
            crossed = (self.cross(state.subnet, True, "dst"), self.cross(home, False, state.seen))
            request += crossed
            trail += crossed
            reply = (self.cross(home, True, state.seen, True), self.cross(state.subnet, False, "dst", True)) + reply
        private = Addr(nat.private_ip) if nat.private_ip is not None else \
            Addr(name=f"nat:{key}", space=tuple(self.places.subnet_space(home)))
        public = None
        if nat.public:
            public = Addr(nat.public_ip) if nat.public_ip is not None else \
                Addr(name=f"eip:{key}", space=tuple(self.places.internet_space))
        if state.back_via:  # the NAT gateway sends the reply on by its own subnet's table
            reply = (RouteBack(home.key, self.table(home), state.seen, state.back_via, TargetKind.TRANSIT_GATEWAY),) + reply
        hop = Hop(f"NAT gateway {key} (source becomes its address)", nat.origin)
        moved = _From(home, private, request, reply, trail + (hop,), nat=True, transits=state.transits)
        return self._routed(moved, space, public)

    def _peering(self, state: _From, key: str, space) -> list[Leg]:
        peering = self.topology.peerings[key]
        other = peering.other(state.subnet.vpc)
        if not peering.active or other is None:
            return []
        if other not in self.topology.vpcs:
            return self._unknown(state, space, f"target:{key}")
        if state.back_via:  # from a transit gateway on over a peering: no edge-to-edge use, as far as known
            return [replace(leg, assume=leg.assume + (f"via:edge:{key}",))
                    for leg in self._peering(replace(state, back_via=""), key, space)]
        legs = []
        hop = Hop(f"peering {key} to {other}", peering.origin)
        groups = "yes" if state.seen == "src" else "no"
        for far in self.subnets_of(other):
            part = iv.intersect(space, self.blocks(far))
            if part:
                far_request = (self.cross(far, False, state.seen),)
                far_reply = (RouteBack(far.key, self.table(far), state.seen, key, TargetKind.PEERING),
                             self.cross(far, True, state.seen, True, state.nat))
                legs.append(self._leave(state, part, "subnet", None, far_request, far_reply, groups,
                                        (hop,), vpc=other, subnet=far.key))
        return legs

    @cached_property
    def outside_end(self):
        """Outside hosts: the internet, the AWS services, and any address at all
        once something undescribed can carry traffic in or out."""
        from .ends import End, EndKind

        top = self.family.top
        if self.unknown_vpcs:
            space = [(0, top)]
        else:
            services = [i for vpc in self.topology.vpcs for i in service_space(self.topology, vpc, self.family)]
            services += service_space(self.topology, "", self.family)
            space = iv.union(self.places.internet_space, iv.normalize(services))
        # Only addresses known to be a resource's are no outside host's: one whose addresses are not
        # known may be at any of its space, and outside hosts at the others.
        unplaced = [i for name, ends in self.places.resource_ends.items() if self.network.resources[name].ips
                    for e in ends if not e.subnet for i in e.space]
        return End(EndKind.OUTSIDE, tuple(iv.subtract(space, iv.normalize(unplaced), top)))

    @cached_property
    def nat_addresses(self):
        """Addresses NAT gateways send from (None: some is not known)."""
        if self.family is not Family.V4:
            return []
        out = []
        for nat in self.topology.nat_gateways.values():
            values = [nat.private_ip] + ([nat.public_ip] if nat.public else [])
            if None in values:
                return None
            out += [(v, v) for v in values]
        return iv.normalize(out)

    def from_end(self, end) -> list[Leg]:
        if end.subnet:
            return self.from_subnet(end.subnet, end.public)
        return self.outside
