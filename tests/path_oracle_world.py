"""What one network is for the path oracle, in one address family: its ends,
tables, NACLs, gateways and groups, and which of them the input leaves out.

Written from the AWS facts (docs/vpc.md, the semantics list items 17-25) and
reading only the model's frozen values, never the engine's code.

A *mode* says which way a free choice is taken. Something the input names but
does not describe (a NACL, a route table, a route target) may carry or drop
anything; so may a group reference across a transit gateway or something
undescribed. `deny` and `only` must hold for every choice: the oracle walks
them *permissively* (every such thing carries, a table not described takes
each of its VPC's targets in turn, group references match) and looks for any
delivery. `allow` must hold for every choice too: it is walked *restrictively*
(every such thing drops, group references do not match), and a connection
counts only if it completes that way.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from path_oracle_groups import Groups
from sgverify.model import Family, Network, parse_address
from sgverify.model.addresses import NON_PUBLIC_V4, PUBLIC_V6, Cidr
from sgverify.model.topology import AclAction, Route, Subnet, TargetKind

TCP, UDP, ICMP, ICMPV6 = 6, 17, 1, 58
ECHO = {ICMP: (8, 0), ICMPV6: (128, 129)}  # echo request type -> echo reply type
NAT_PROTOCOLS = (TCP, UDP, ICMP)
V4, V6 = Family.V4, Family.V6
# Instance metadata, Amazon DNS, Time Sync, ECS task metadata; the IPv6 ones on Nitro.
SERVICE_TEXT = {V4: ("169.254.169.254", "169.254.169.253", "169.254.169.123", "169.254.170.2"),
                V6: ("fd00:ec2::254", "fd00:ec2::253", "fd00:ec2::123")}
LINK_LOCAL = {f: tuple(parse_address(a)[1] for a in texts) for f, texts in SERVICE_TEXT.items()}
LINK_LOCAL_SERVICES = LINK_LOCAL[V4]
UNDESCRIBED = (TargetKind.INTERFACE, TargetKind.VPN_GATEWAY, TargetKind.OTHER)


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


def _stand_ins(network: Network) -> dict:
    """A resource in its VPC but in a subnet the input does not hold is still
    reached by the VPC's local route: it is somewhere in the part of the VPC's
    blocks no described subnet covers, a subnet whose NACL and table are not
    described (free choices)."""
    t = network.topology
    vpcs = {v for r in network.resources.values() for v in stand_in_vpcs(network, r)}
    out = {}
    for vpc in sorted(vpcs):
        rest = []
        for block in t.vpcs[vpc].cidrs:
            parts = [ipaddress.ip_network(str(block))]
            for taken in (ipaddress.ip_network(str(c)) for s in t.subnets.values() if s.vpc == vpc for c in s.cidrs):
                parts = [q for p in parts for q in _without(p, taken)]
            rest += [Cidr.parse(str(p)) for p in parts]
        key = f"stand-in of {vpc}"
        out[key] = Subnet(key, vpc, tuple(rest), route_table=f"table of {key}", nacl=f"nacl of {key}")
    return out


def stand_in_vpcs(network: Network, r) -> list[str]:
    """The described VPCs whose undescribed part may hold a resource that names
    only subnets the input does not hold: its own VPC; when it names none, each
    VPC whose blocks hold one of its addresses (docs/vpc.md "Ends")."""
    t = network.topology
    if not r.subnet_ids or any(k in t.subnets for k in r.subnet_ids):
        return []
    if r.vpc:
        return [r.vpc] if r.vpc in t.vpcs else []
    return [k for k, v in t.vpcs.items() if any(c.family is f and c.first <= a <= c.last
                                                 for f, a in r.ips for c in v.cidrs)]


def elsewhere(network: Network, r) -> bool:
    """Whether the resource may be in a VPC the input does not describe: its VPC
    is not known or not described, and no described subnet holds it. It is then
    also an outside host with its groups, at its private addresses."""
    t = network.topology
    return r.vpc not in t.vpcs and not any(k in t.subnets for k in r.subnet_ids)


def _without(block, taken) -> list:
    if block.version != taken.version or not block.overlaps(taken):
        return [block]
    return list(block.address_exclude(taken)) if taken.subnet_of(block) and taken != block else []


class World(Groups):
    """Ends, elements and free choices of one network in one family."""

    def __init__(self, network: Network, family: Family = V4, permissive: bool = True):
        t = network.topology
        assert t is not None
        self.net, self.t, self.family, self.permissive = network, t, family, permissive
        self.top = family.top
        self.stand_ins = _stand_ins(network)
        self.subnets = {**t.subnets, **self.stand_ins}
        nats = [n for n in t.nat_gateways.values()] if family is V4 else []
        self.nats_by_ip = {n.private_ip for n in nats}
        self.held: dict[str, set[int]] = {}
        self.resource_ends: dict[str, list[End]] = {}
        self.by_public: dict[int, End] = {}
        for name, r in network.resources.items():
            assert not r.symbolic and not r.has_public_ip, "the oracle needs concrete addresses"
            self.resource_ends[name] = self._ends_of(name, r)
        for nat in nats:
            self.held.setdefault(self.subnets[nat.subnet].vpc, set()).add(nat.private_ip)
        self.publics = {a for r in network.resources.values() for f, a in r.public_ips if f is family}
        self.publics |= {n.public_ip for n in nats if n.public_ip is not None}
        if family is V6:  # a VPC's IPv6 blocks are global, but the input's own, not the internet's
            self.v6_blocks = [c for v in t.vpcs.values() for c in v.blocks(V6)]
        self.resolvers = {k: v.blocks(V4)[0].first + 2 for k, v in t.vpcs.items() if v.blocks(V4)} \
            if family is V4 else {}
        self.outside = End("outside")
        self.unknown_vpcs = sorted(v for v in t.vpcs if self._reaches_undescribed(v))
        self.v6_blocks = getattr(self, "v6_blocks", [])
        self._entries: dict = {}
        self.zones: dict[str, int] = {}  # attachment -> the index of the subnet (zone) it uses: a free choice

    def _ends_of(self, name: str, r) -> list[End]:
        ends = []
        publics = [a for f, a in r.public_ips if f is V4] if self.family is V4 else []
        keys = [k for k in r.subnet_ids if k in self.t.subnets] or \
            [k for k, v in self.stand_ins.items() if v.vpc in stand_in_vpcs(self.net, r)]
        for key in keys:
            subnet = self.subnets[key]
            private = [a for f, a in r.ips if f is self.family and any(self.inside(c, a) for c in subnet.cidrs)]
            first_v4 = [a for f, a in r.ips if f is V4][:1]
            for a in private:
                self.held.setdefault(subnet.vpc, set()).add(a)
                # a public IPv4 maps to the resource's first private IPv4 address
                end = End("resource", subnet.vpc, key, name, a, publics[0] if publics and [a] == first_v4 else None)
                ends.append(end)
                if end.public is not None:
                    self.by_public[end.public] = end
        if elsewhere(self.net, r):  # no public address: only an internet gateway of its own VPC would map one
            ends += [End("resource", resource=name, private=a) for f, a in r.ips if f is self.family]
        return ends

    # -- addresses ----------------------------------------------------------------
    def inside(self, cidr: Cidr, a: int) -> bool:
        return cidr.family is self.family and cidr.first <= a <= cidr.last

    def is_internet(self, a: int) -> bool:
        if self.family is V4:
            return not any(self.inside(c, a) for c in NON_PUBLIC_V4) and a not in self.publics
        return any(self.inside(c, a) for c in PUBLIC_V6) and a not in self.publics and \
            not any(self.inside(c, a) for c in self.v6_blocks)

    def modelled_public(self, a: int) -> bool:
        """A public address of the input's own: an interface's, a NAT gateway's, or (IPv6) in a VPC's blocks."""
        return a in self.publics or (self.family is V6 and any(self.inside(c, a) for c in self.v6_blocks))

    def services(self, vpc: str) -> set[int]:
        out = set(LINK_LOCAL[self.family])
        if vpc in self.resolvers:
            out.add(self.resolvers[vpc])
        return out

    def usable(self, subnet, a: int) -> bool:
        """Whether an interface may hold `a`: AWS keeps a subnet's first four and
        last IPv4 addresses (the engine reserves none of an IPv6 block, nor of the
        undescribed part of a VPC: more hosts for a `deny` to hold against)."""
        for c in subnet.cidrs:
            if c.family is not self.family:
                continue
            small = self.family is V6 or c.last - c.first < 7 or subnet.key in self.stand_ins
            lo, hi = (c.first, c.last) if small else (c.first + 4, c.last - 1)
            if lo <= a <= hi:
                return True
        return False

    def holds(self, end: End, a: int) -> bool:
        """The end sends from `a` (and is reached at it inside its VPC)."""
        if end.kind == "resource":
            return a == end.private
        if end.kind == "host":
            return self.usable(self.subnets[end.subnet], a) and a not in self.held.get(end.vpc, ())
        if self.unknown_vpcs:  # behind something undescribed lies any address at all
            return True
        return self.is_internet(a) or a in LINK_LOCAL[self.family] or a in self.resolvers.values()

    def reached(self, end: End, a: int) -> bool:
        return self.holds(end, a) or (end.kind == "resource" and a == end.public)

    @property
    def ends_beyond(self) -> list[End]:
        """The ends of resources that may be in a VPC the input does not describe."""
        return [e for es in self.resource_ends.values() for e in es if not e.subnet]

    def all_ends(self) -> list[End]:
        hosts = [End("host", s.vpc, k) for k, s in self.subnets.items()]
        return [e for es in self.resource_ends.values() for e in es] + hosts + [self.outside]

    def subnet_of(self, vpc: str, a: int):
        return next((s for s in self.subnets.values() if s.vpc == vpc and any(self.inside(c, a) for c in s.cidrs)),
                    None)

    def end_at(self, vpc: str, a: int) -> End | None:
        subnet = self.subnet_of(vpc, a)
        if subnet is None:
            return None
        for ends in self.resource_ends.values():
            for end in ends:
                if end.subnet == subnet.key and end.private == a:
                    return end
        host = End("host", vpc, subnet.key)
        return host if self.holds(host, a) else None

    def in_vpc(self, vpc: str, a: int) -> bool:
        found = self.t.vpcs.get(vpc)
        return found is not None and any(self.inside(c, a) for c in found.cidrs)

    # -- network ACLs ------------------------------------------------------------------
    def nacl(self, subnet_key: str):
        """The subnet's NACL, or None when the input names one it does not hold."""
        subnet = self.subnets[subnet_key]
        key = subnet.nacl
        if key is None:
            defaults = [a.key for a in self.t.nacls.values() if a.vpc == subnet.vpc and a.is_default]
            key = defaults[0] if len(defaults) == 1 else None
        return self.t.nacls.get(key) if key is not None else None

    def nacl_admits(self, subnet_key: str, egress: bool, address: int, point: int) -> bool:
        """Stateless: this family's entries by ascending number, the first match
        decides, else deny. `address` is the destination for outbound entries,
        the source for inbound. A NACL not in the input is a free choice."""
        key = (subnet_key, egress)
        if key not in self._entries:
            acl = self.nacl(subnet_key)
            self._entries[key] = None if acl is None else sorted(
                (e for e in acl.entries(egress) if e.cidr.family is self.family), key=lambda e: e.number)
        entries = self._entries[key]
        if entries is None:
            return self.permissive
        for e in entries:
            if self.inside(e.cidr, address) and in_service(e.service, point):
                return e.action is AclAction.ALLOW
        return False

    # -- route tables ------------------------------------------------------------------
    def table(self, subnet_key: str):
        """The subnet's table, or None when the input leaves it out (a free choice)."""
        subnet = self.subnets[subnet_key]
        key = subnet.route_table
        if key is None:
            mains = [r.key for r in self.t.route_tables.values() if r.vpc == subnet.vpc and r.is_main]
            key = mains[0] if len(mains) == 1 else None
        return self.t.route_tables.get(key) if key is not None else None

    def lookup(self, subnet_key: str, a: int):
        """Longest prefix match over CIDR and prefix-list destinations (a list counts
        with each of its blocks; a CIDR wins over a list at one length); "local" for
        the VPC's own blocks; None: no route; "free": the table is not in the input."""
        if self.in_vpc(self.subnets[subnet_key].vpc, a):
            return "local"
        table = self.table(subnet_key)
        if table is None:
            return "free"
        best, rank = None, None
        for route in table.routes:
            lists = self.net.prefix_lists
            blocks = [route.destination] if route.destination is not None else \
                list(lists[route.prefix_list].cidrs) if route.prefix_list in lists else []
            for c in blocks:
                if self.inside(c, a):
                    key = (c.prefix, route.destination is not None)
                    if rank is None or key > rank:
                        best, rank = route, key
        return best

    def undescribed(self, route: Route) -> bool:
        """A route whose target the input does not describe."""
        if route.blackhole or route.target_kind is TargetKind.LOCAL:
            return False
        t = self.t
        known = {TargetKind.INTERNET_GATEWAY: t.internet_gateways, TargetKind.EGRESS_ONLY_GATEWAY:
                 t.egress_only_gateways, TargetKind.NAT_GATEWAY: t.nat_gateways, TargetKind.PEERING: t.peerings,
                 TargetKind.TRANSIT_GATEWAY: t.transit_gateways, TargetKind.GATEWAY_ENDPOINT: t.endpoints}
        return route.target_kind in UNDESCRIBED or route.target not in known.get(route.target_kind, {})

    def _reaches_undescribed(self, vpc: str) -> bool:
        """Whether a subnet of the VPC has a table not described or a route to an
        undescribed target: something outside may then come in that way too."""
        for key, subnet in self.subnets.items():
            if subnet.vpc == vpc:
                table = self.table(key)
                if table is None or any(self._leads_out(r, vpc) for r in table.routes):
                    return True
        return False

    def _leads_out(self, route: Route, vpc: str) -> bool:
        """Whether the route may carry a packet to something the input does not
        describe: an undescribed target, a peering to a VPC not in the input, a
        NAT gateway in a subnet not in it, a transit gateway with an attachment
        (a VPN, say) or a table not described."""
        t = self.t
        if self.undescribed(route):
            return True
        if route.blackhole:
            return False
        if route.target_kind is TargetKind.PEERING:
            p = t.peerings[route.target]
            return p.active and not (p.requester_vpc in t.vpcs and p.accepter_vpc in t.vpcs)
        if route.target_kind is TargetKind.NAT_GATEWAY:
            return t.nat_gateways[route.target].subnet not in self.subnets
        if route.target_kind is TargetKind.TRANSIT_GATEWAY:
            attachments = [a for a in t.tgw_attachments.values() if a.transit_gateway == route.target]
            if any(a.vpc not in t.vpcs or (a.route_table is not None and a.route_table not in t.tgw_route_tables)
                   for a in attachments):
                return True
            tables = [t.tgw_route_tables.get(a.route_table) for a in attachments]
            return any(r.attachment not in t.tgw_attachments for table in tables if table for r in table.routes
                       if not r.blackhole)
        return False

    def choices_of(self, vpc: str) -> list[Route]:
        """A table not in the input may send a packet to any target its VPC has."""
        t, out = self.t, []
        anywhere = Cidr.parse("0.0.0.0/0" if self.family is V4 else "::/0")
        for kind, elements in ((TargetKind.INTERNET_GATEWAY, t.internet_gateways),
                               (TargetKind.EGRESS_ONLY_GATEWAY, t.egress_only_gateways),
                               (TargetKind.GATEWAY_ENDPOINT, t.endpoints)):
            out += [Route(kind, k, anywhere) for k, g in elements.items() if g.vpc == vpc]
        out += [Route(TargetKind.NAT_GATEWAY, k, anywhere) for k, n in t.nat_gateways.items()
                if n.subnet in self.subnets and self.subnets[n.subnet].vpc == vpc]
        out += [Route(TargetKind.PEERING, k, anywhere) for k, p in t.peerings.items()
                if vpc in (p.requester_vpc, p.accepter_vpc)]
        tgws = {a.transit_gateway for a in t.tgw_attachments.values() if a.vpc == vpc}
        return out + [Route(TargetKind.TRANSIT_GATEWAY, k, anywhere) for k in sorted(tgws)]

    def igw_of(self, vpc: str):
        found = sorted(k for k, g in self.t.internet_gateways.items() if g.vpc == vpc)
        return found[0] if found else None
