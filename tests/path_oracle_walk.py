"""The VPC path, walked hop by hop for one concrete IPv4 packet: the test oracle.

Written from the AWS facts (VPC user guide; README "The VPC path"), with no
code shared with the engine: only the model's frozen values are read.

One packet goes from an *end* (a resource's interface, an unmanaged host of a
subnet, or an outside host) to a destination address. The walk applies, in
order: the source's security groups (egress), the source subnet's NACL
outbound when the packet leaves the subnet, the source subnet's route table
(longest prefix match, `local` always winning for the VPC's blocks), the
gateways (internet gateway with 1:1 public mapping; NAT gateway for tcp, udp
and icmp, rewriting the source; peering, never transitive), the destination
subnet's NACL inbound and the destination's groups (ingress). The link-local
services and the VPC resolver (the VPC's first block + 2) are reached at
once, unfiltered. A request that arrives records the checks its reply needs:
every NACL again in the other direction (stateless) and the routes back; the
security groups are stateful and never filter a reply.

The engine's conventions followed here (docs/vpc.md): an interface cannot
hold a subnet's first four or its last address; group references see a source
only over a local route or a direct peering; a request counts as delivered
whether or not its reply could return.
"""

from __future__ import annotations

from dataclasses import dataclass

from sgverify.model import CidrPeer, Family, GroupPeer, Network, PrefixListPeer
from sgverify.model.addresses import NON_PUBLIC_V4, parse_address
from sgverify.model.topology import AclAction, TargetKind

TCP, UDP, ICMP = 6, 17, 1
ECHO = {ICMP: (8, 0), 58: (128, 129)}  # echo request type -> echo reply type (icmp, icmpv6)
NAT_PROTOCOLS = (TCP, UDP, ICMP)
LINK_LOCAL_SERVICES = tuple(parse_address(a)[1] for a in (
    "169.254.169.254", "169.254.169.253", "169.254.169.123", "169.254.170.2"))
V4 = Family.V4


def in_cidr(cidr, a: int) -> bool:
    return cidr.family is V4 and cidr.first <= a <= cidr.last


def in_service(service, point: int) -> bool:
    return any(lo <= point <= hi for lo, hi in service.intervals())


def reply_point(point: int, port: int) -> int | None:
    """The reply's service: tcp/udp to `port`, an echo reply to an echo request,
    nothing to other icmp messages, the same protocol otherwise."""
    protocol = point >> 16
    if protocol in (TCP, UDP):
        return (protocol << 16) | port
    if protocol in ECHO:
        request, answer = ECHO[protocol]
        return (protocol << 16) | (answer << 8) if (point >> 8) & 0xFF == request else None
    return point


@dataclass(frozen=True)
class End:
    kind: str  # "resource", "host" or "outside"
    vpc: str = ""
    subnet: str = ""
    resource: str = ""
    private: int | None = None  # a resource interface's private address
    public: int | None = None  # its public IPv4, beyond an internet gateway

    def __str__(self) -> str:
        return {"resource": f"{self.resource}@{self.vpc}", "host": f"host@{self.subnet}"}.get(self.kind, "outside")


@dataclass(frozen=True)
class Arrival:
    end: End
    seen: int  # the source address the destination sees
    groups: bool  # whether group references see the source (local or direct peering)
    replies: tuple = ()  # ("nacl", subnet, egress, address, at_nat) / ("route", subnet, address, target)
    nat: bool = False
    service: bool = False  # an unfiltered AWS service: no group, NACL or reply check


class World:
    """What one network is, for IPv4: ends, tables, NACLs and gateways."""

    def __init__(self, network: Network):
        t = network.topology
        assert t is not None
        self.net, self.t = network, t
        self.subnets = t.subnets
        self.nats_by_ip = {n.private_ip for n in t.nat_gateways.values()}
        self.held: dict[str, set[int]] = {}
        self.resource_ends: dict[str, list[End]] = {}
        self.by_public: dict[int, End] = {}
        for name, r in network.resources.items():
            assert not r.symbolic and not r.has_public_ip, "the oracle needs concrete addresses"
            ends = []
            for key in r.subnet_ids:
                subnet = self.subnets[key]
                private = [a for f, a in r.ips if f is V4 and any(in_cidr(c, a) for c in subnet.cidrs)]
                publics = [a for f, a in r.public_ips if f is V4]
                for i, a in enumerate(private):
                    self.held.setdefault(subnet.vpc, set()).add(a)
                    end = End("resource", subnet.vpc, key, name, a, publics[0] if publics and i == 0 else None)
                    ends.append(end)
                    if end.public is not None:
                        self.by_public[end.public] = end
            self.resource_ends[name] = ends
        for nat in t.nat_gateways.values():
            self.held.setdefault(self.subnets[nat.subnet].vpc, set()).add(nat.private_ip)
        self.publics = {a for r in network.resources.values() for f, a in r.public_ips if f is V4}
        self.publics |= {n.public_ip for n in t.nat_gateways.values() if n.public_ip is not None}
        self.resolvers = {k: v.blocks(V4)[0].first + 2 for k, v in t.vpcs.items() if v.blocks(V4)}
        self.outside = End("outside")
        self._entries: dict = {}

    # -- who an address is --------------------------------------------------
    def is_internet(self, a: int) -> bool:
        return not any(in_cidr(c, a) for c in NON_PUBLIC_V4) and a not in self.publics

    def services(self, vpc: str) -> set[int]:
        out = set(LINK_LOCAL_SERVICES)
        if vpc in self.resolvers:
            out.add(self.resolvers[vpc])
        return out

    def usable(self, subnet, a: int) -> bool:
        """Whether an interface may hold `a`: AWS keeps a subnet's first four and last addresses."""
        for c in subnet.blocks(V4):
            lo, hi = (c.first + 4, c.last - 1) if c.last - c.first >= 7 else (c.first, c.last)
            if lo <= a <= hi:
                return True
        return False

    def holds(self, end: End, a: int) -> bool:
        """The end sends from `a` (and is reached at it inside its VPC)."""
        if end.kind == "resource":
            return a == end.private
        if end.kind == "host":
            return self.usable(self.subnets[end.subnet], a) and a not in self.held.get(end.vpc, ())
        return self.is_internet(a) or a in LINK_LOCAL_SERVICES or a in self.resolvers.values()

    def reached(self, end: End, a: int) -> bool:
        return self.holds(end, a) or (end.kind == "resource" and a == end.public)

    def host_ends(self) -> list[End]:
        return [End("host", s.vpc, k) for k, s in self.subnets.items()]

    def all_ends(self) -> list[End]:
        return [e for es in self.resource_ends.values() for e in es] + self.host_ends() + [self.outside]

    def end_at(self, vpc: str, a: int) -> End | None:
        subnet = next((s for s in self.subnets.values() if s.vpc == vpc and any(in_cidr(c, a) for c in s.cidrs)),
                      None)
        if subnet is None:
            return None
        for ends in self.resource_ends.values():
            for end in ends:
                if end.subnet == subnet.key and end.private == a:
                    return end
        host = End("host", vpc, subnet.key)
        return host if self.holds(host, a) else None

    def in_vpc(self, vpc: str, a: int) -> bool:
        return any(in_cidr(c, a) for c in self.t.vpcs[vpc].cidrs)

    # -- the elements --------------------------------------------------------
    def nacl(self, subnet_key: str):
        subnet = self.subnets[subnet_key]
        if subnet.nacl is not None:
            return self.t.nacls[subnet.nacl]
        defaults = [a for a in self.t.nacls.values() if a.vpc == subnet.vpc and a.is_default]
        assert len(defaults) == 1, f"{subnet_key} has no NACL the oracle knows"
        return defaults[0]

    def nacl_admits(self, subnet_key: str, egress: bool, address: int, point: int) -> bool:
        """Stateless: entries by ascending number, the first match decides, else deny.
        `address` is the destination for outbound entries, the source for inbound."""
        key = (subnet_key, egress)
        if key not in self._entries:
            self._entries[key] = sorted(self.nacl(subnet_key).entries(egress), key=lambda e: e.number)
        for e in self._entries[key]:
            if in_cidr(e.cidr, address) and in_service(e.service, point):
                return e.action is AclAction.ALLOW
        return False

    def table(self, subnet_key: str):
        subnet = self.subnets[subnet_key]
        if subnet.route_table is not None:
            return self.t.route_tables[subnet.route_table]
        mains = [r for r in self.t.route_tables.values() if r.vpc == subnet.vpc and r.is_main]
        assert len(mains) == 1, f"{subnet_key} has no table the oracle knows"
        return mains[0]

    def lookup(self, subnet_key: str, a: int):
        """Longest prefix match; "local" for the VPC's own blocks; None: no route."""
        vpc = self.subnets[subnet_key].vpc
        if self.in_vpc(vpc, a):
            return "local"
        best, rank = None, None
        for route in self.table(subnet_key).routes:
            blocks = [route.destination] if route.destination is not None else \
                list(self.net.prefix_lists[route.prefix_list].cidrs)
            for c in blocks:
                if in_cidr(c, a):
                    key = (c.prefix, route.destination is not None)  # a CIDR beats a prefix list at one length
                    if rank is None or key > rank:
                        best, rank = route, key
        return best

    def igw_of(self, vpc: str):
        found = sorted(k for k, g in self.t.internet_gateways.items() if g.vpc == vpc)
        return found[0] if found else None

    # -- security groups -------------------------------------------------------
    def is_member(self, end: End, group: str, a: int) -> bool:
        return end.kind == "resource" and a == end.private and group in self.net.resources[end.resource].groups

    def sg_admits(self, end: End, egress: bool, other: End, address: int, point: int, groups: bool) -> bool:
        """The union of the end's groups' rules in one direction; `address` is the
        peer as this side sees it, `other` the end that is that peer."""
        for key in dict.fromkeys(self.net.resources[end.resource].groups):
            group = self.net.groups[key]
            for rule in (group.egress if egress else group.ingress):
                assert not rule.service_unknown and not group.opaque
                if not in_service(rule.service, point):
                    continue
                peer = rule.peer
                if isinstance(peer, CidrPeer) and in_cidr(peer.cidr, address):
                    return True
                if isinstance(peer, PrefixListPeer) and any(
                        in_cidr(c, address) for c in self.net.prefix_lists[peer.prefix_list].cidrs):
                    return True
                if isinstance(peer, GroupPeer) and groups and self.is_member(other, peer.group, address):
                    return True
        return False

    # -- the request -------------------------------------------------------------
    def request(self, src: End, s: int, d: int, point: int) -> Arrival | None:
        """Where the packet from `src` (sending from `s`) to `d` arrives, or None if
        it is dropped anywhere on the way, groups included."""
        if src.kind == "outside":
            arrival = self._from_outside(s, d, point)
        elif d in self.services(src.vpc):
            return Arrival(self.outside, s, False, service=True)  # before any group, NACL or route
        else:
            arrival = self._from_subnet(src, s, d, point)
        if arrival is None:
            return None
        if src.kind == "resource" and not self.sg_admits(src, True, arrival.end, d, point, arrival.groups):
            return None
        end = arrival.end
        if end.kind == "resource" and not self.sg_admits(end, False, src, arrival.seen, point, arrival.groups):
            return None
        return arrival

    def _from_outside(self, s: int, d: int, point: int) -> Arrival | None:
        if self.holds(self.outside, d):
            return Arrival(self.outside, s, False)  # the internet delivers it, unfiltered by the input
        end = self.by_public.get(d)
        if not self.is_internet(s) or end is None:
            return None
        gateway = self.igw_of(end.vpc)
        if gateway is None or not self.nacl_admits(end.subnet, False, s, point):
            return None
        return Arrival(end, s, False, (("route", end.subnet, s, gateway), ("nacl", end.subnet, True, s, False)))

    def _from_subnet(self, src: End, s: int, d: int, point: int) -> Arrival | None:
        here = src.subnet
        route = self.lookup(here, d)
        if route == "local":
            end = self.end_at(src.vpc, d)
            if end is None:
                return None
            if end.subnet == here:
                return Arrival(end, s, True)  # inside one subnet no NACL filters
            if not (self.nacl_admits(here, True, d, point) and self.nacl_admits(end.subnet, False, s, point)):
                return None
            return Arrival(end, s, True, (("nacl", end.subnet, True, s, False), ("nacl", here, False, d, False)))
        return self._routed(here, route, s, src.public, d, point, (), False)

    def _routed(self, here: str, route, seen: int, public: int | None, d: int, point: int,
                near: tuple, nat: bool, via: str = "") -> Arrival | None:
        """`route` of subnet `here` carries the packet (sent from `seen`) on; `near`
        are the reply checks already due on the way here, in reply order; `via` is
        the transit gateway it came through (its reply must go back there)."""
        if route is None or route.blackhole:
            return None
        if route.target_kind is TargetKind.TRANSIT_GATEWAY:
            return None if via else self._transit(here, route.target, seen, d, point, near, nat)
        if via and route.target_kind is TargetKind.PEERING:
            return None  # no edge-to-edge use of a peering (the engine leaves it a free choice)
        kind, vpc = route.target_kind, self.subnets[here].vpc
        back = (("nacl", here, False, d, nat),) + near  # the reply re-enters `here`
        if kind is TargetKind.INTERNET_GATEWAY:
            gateway = self.t.internet_gateways.get(route.target)
            if gateway is None or gateway.vpc != vpc or public is None:
                return None  # no public address: the internet gateway cannot carry it
            if not self.nacl_admits(here, True, d, point):
                return None
            if self.is_internet(d):
                return Arrival(self.outside, public, False, back, nat)
            end = self.by_public.get(d)
            far_gateway = self.igw_of(end.vpc) if end is not None else None
            if far_gateway is None or not self.nacl_admits(end.subnet, False, public, point):
                return None
            return Arrival(end, public, False, (("route", end.subnet, public, far_gateway),
                                                ("nacl", end.subnet, True, public, nat)) + back, nat)
        if kind is TargetKind.NAT_GATEWAY:
            return self._nat(here, route.target, seen, d, point, near, nat, via)
        if kind is TargetKind.PEERING:
            peering = self.t.peerings.get(route.target)
            other = peering.other(vpc) if peering is not None and peering.active else None
            if other is None or other not in self.t.vpcs:
                return None
            end = self.end_at(other, d)  # nothing goes further: no transit, no edge-to-edge
            if end is None or not self.nacl_admits(here, True, d, point) or \
                    not self.nacl_admits(end.subnet, False, seen, point):
                return None
            return Arrival(end, seen, not nat, (("route", end.subnet, seen, route.target),
                                                ("nacl", end.subnet, True, seen, nat)) + back, nat)
        return None  # other targets are not generated for the oracle

    def _nat(self, here: str, key: str, s: int, d: int, point: int, near: tuple, nat: bool,
             via: str = "") -> Arrival | None:
        gateway = self.t.nat_gateways.get(key)
        if nat or gateway is None or point >> 16 not in NAT_PROTOCOLS:
            return None  # tcp, udp and icmp only, and never from one NAT gateway to another
        home = gateway.subnet
        if self.subnets[home].vpc != self.subnets[here].vpc:
            return None
        if home != here:
            if not (self.nacl_admits(here, True, d, point) and self.nacl_admits(home, False, s, point)):
                return None
            near = (("nacl", home, True, s, False), ("nacl", here, False, d, False)) + near
        if via:  # the NAT gateway sends the reply to `s` by its own subnet's table
            near = (("route", home, s, via),) + near
        public = gateway.public_ip if gateway.public else None
        return self._routed(home, self.lookup(home, d), gateway.private_ip, public, d, point, near, True)

    # -- transit gateways ---------------------------------------------------------
    def _attachment(self, tgw: str, vpc: str):
        found = sorted((a for a in self.t.tgw_attachments.values() if a.transit_gateway == tgw and a.vpc == vpc),
                       key=lambda a: a.key)
        return found[0] if found else None

    def tgw_lookup(self, table_key, a: int):
        """The attachment a TGW table sends `a` to: longest prefix over its static routes
        and its propagating attachments' VPC blocks, a static route winning at one
        length; None: blackhole or no route."""
        table = self.t.tgw_route_tables.get(table_key) if table_key else None
        if table is None:
            return None
        best, rank = None, None
        candidates = [(r.destination, r.attachment if not r.blackhole else None, 1) for r in table.routes]
        for key in table.propagations:
            att = self.t.tgw_attachments.get(key)
            if att is not None and att.vpc in self.t.vpcs:
                candidates += [(c, key, 0) for c in self.t.vpcs[att.vpc].blocks(V4)]
        for cidr, target, static in candidates:
            if in_cidr(cidr, a) and (rank is None or (cidr.prefix, static) > rank):
                best, rank = target, (cidr.prefix, static)
        return best

    def _transit(self, here: str, tgw: str, seen: int, d: int, point: int, near: tuple,
                 nat: bool) -> Arrival | None:
        """In at the source VPC's attachment (one subnet each in the generated
        networks), out at the attachment its table picks; on into that VPC's
        subnet holding d, or routed on by the far attachment subnet's table."""
        vpc = self.subnets[here].vpc
        near_att = self._attachment(tgw, vpc)
        if near_att is None:
            return None
        far_key = self.tgw_lookup(near_att.route_table, d)
        far_att = self.t.tgw_attachments.get(far_key) if far_key else None
        if far_att is None or far_att.vpc == vpc or far_att.vpc not in self.t.vpcs:
            return None
        n_sub, f_sub = near_att.subnets[0], far_att.subnets[0]
        if not self.nacl_admits(here, True, d, point):
            return None
        back = (("tgw", far_att.route_table, seen, near_att.key),)
        if n_sub != here:
            if not self.nacl_admits(n_sub, False, seen, point):
                return None
            back += (("nacl", n_sub, True, seen, nat),)
        back += (("nacl", here, False, d, nat),) + near
        if not self.in_vpc(far_att.vpc, d):
            return self._routed(f_sub, self.lookup(f_sub, d), seen, None, d, point, back, nat, via=tgw)
        end = self.end_at(far_att.vpc, d)
        if end is None:
            return None
        checks = (("route", end.subnet, seen, tgw),)
        if f_sub != end.subnet:
            if not self.nacl_admits(f_sub, True, d, point):
                return None
            checks += (("nacl", f_sub, False, d, nat),)
        if not self.nacl_admits(end.subnet, False, seen, point):
            return None
        checks = (("nacl", end.subnet, True, seen, nat),) + checks
        return Arrival(end, seen, False, checks + back, nat)

    # -- the reply ---------------------------------------------------------------
    def completes(self, arrival: Arrival, point: int, client_port: int, nat_port: int) -> bool:
        """The reply of an arrived request returns: every NACL crossed again, the other
        way, and every route back. Beyond a NAT gateway the reply is addressed to the
        NAT's own port; from the NAT on, to the client's."""
        if arrival.service:
            return True
        back = reply_point(point, client_port)
        if back is None:
            return True
        at_nat = reply_point(point, nat_port)
        for check in arrival.replies:
            if check[0] == "nacl":
                _, subnet, egress, address, beyond_nat = check
                if not self.nacl_admits(subnet, egress, address, at_nat if beyond_nat else back):
                    return False
            elif check[0] == "tgw":
                _, table, address, attachment = check
                if self.tgw_lookup(table, address) != attachment:
                    return False
            else:
                _, subnet, address, target = check
                route = self.lookup(subnet, address)
                if route == "local" or route is None or route.blackhole or route.target != target:
                    return False
        return True
