"""Random multi-VPC networks with IPv6, gateway endpoints and free choices.

For the differential test of the path engine against the oracle
(test_path_oracle_free.py). Each VPC may have an IPv6 block (2600:1f18:V::/56,
a /64 per subnet) and then its interfaces a global IPv6 address; tables route
`::/0` to an internet or an egress-only internet gateway and peer blocks to
peerings; NACLs hold IPv4 and IPv6 entries apart (a custom NACL often forgets
the IPv6 ones). A gateway endpoint takes a prefix list (two blocks, one
overlapping a CIDR route of the same table) where its VPC's tables name it.
Free choices: a subnet's NACL or table named but not in the input, a route to
a target not in it (a VPN gateway, a deleted peering), a peering to a VPC not
in it, a resource in a subnet not in it.
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import strategies as st

from pathnets import ICMP, TCP, UDP, C, InternetGateway, Peering, Subnet, Vpc, acl, assertion, entry, group, \
    network, rule
from sgverify.model import CidrPeer, PrefixList, PrefixListPeer, Resource, parse_address
from sgverify.model.topology import (EgressOnlyGateway, NatGateway, Route, RouteTable, TargetKind, TgwAttachment,
                                     TgwRoute, VpcEndpoint)
from sgverify.spec import AddressEndpoint, InternetEndpoint, ResourceEndpoint
from test_path_oracle import cases

ICMPV6 = 58
PL = "pl-s3"
PL_BLOCKS = ("52.216.0.0/15", "3.5.0.0/16")
V6 = {"a": "2600:1f18:a", "b": "2600:1f18:b", "c": "2600:1f18:c"}
ACL_CIDRS = ("0.0.0.0/0", "10.0.0.0/16", "10.0.1.0/24", "52.216.0.0/15", "::/0", "::/0", "2600:1f18:a::/56",
             "2600:1f18:b:1::/64", "2000::/3")
RULE_CIDRS = ("0.0.0.0/0", "10.0.0.0/8", "10.0.2.0/24", "52.216.0.0/16", "::/0", "::/0", "2600:1f18:a::/48",
              "2600:1f18:b::/56", "2600:1f18:a:2::10/128", "2a00::/8")
SERVICES = ((-1, None), (TCP, (443, 443)), (TCP, (1024, 65535)), (UDP, (53, 53)), (ICMP, None), (ICMPV6, None))
PORT_RANGES = ((443, 443), (1024, 65535), (0, 1023))


def _route(destination: str, kind: str, target: str = "", blackhole: bool = False) -> Route:
    if destination == PL:
        return Route(TargetKind(kind), target, prefix_list=PL, blackhole=blackhole)
    return Route(TargetKind(kind), target, C(destination), blackhole=blackhole)


@st.composite
def _entries(draw, v6: bool):
    out, numbers = [], set()
    for _ in range(draw(st.integers(1, 3))):
        number = draw(st.integers(1, 200))
        protocol = draw(st.sampled_from([-1, TCP, UDP, ICMP, ICMPV6]))
        ports = draw(st.sampled_from(PORT_RANGES)) if protocol in (TCP, UDP) and draw(st.booleans()) else None
        cidrs = ACL_CIDRS if v6 else ACL_CIDRS[:4]
        if number not in numbers:
            numbers.add(number)
            out.append(entry(number, draw(st.sampled_from(["allow", "deny"])), draw(st.sampled_from(cidrs)),
                             protocol, ports))
    if draw(st.integers(0, 2)):
        out.append(entry(32000, "allow"))
    if v6 and draw(st.integers(0, 2)):
        out.append(entry(32001, "allow", "::/0"))
    return out


def _open(key: str, vpc: str, v6: bool, default: bool = True):
    both = [entry(100, "allow")] + ([entry(101, "allow", "::/0")] if v6 else [])
    return acl(key, vpc, both, both, default)


@st.composite
def _rules(draw, direction: str, groups: list[str]):
    out = []
    for _ in range(draw(st.integers(0, 3))):
        protocol, ports = draw(st.sampled_from(SERVICES))
        pick = draw(st.integers(0, 5))
        if groups and pick == 0:
            out.append(rule("", direction, protocol, ports, peer_group=draw(st.sampled_from(groups))))
        else:
            r = rule("", direction, protocol, ports, cidr=draw(st.sampled_from(RULE_CIDRS)))
            if pick == 1:  # the endpoint's prefix list as the peer
                r = replace(r, peer=PrefixListPeer(PL))
            out.append(r)
    return out


def _resource(name, groups, subnet: Subnet, v4: str | None, v6: str | None, public: str | None) -> Resource:
    ips = tuple(parse_address(a) for a in (v4, v6) if a)
    return Resource(name, tuple(groups), ips=ips, public_ips=(parse_address(public),) if public else (),
                    vpc=subnet.vpc, subnet_ids=(subnet.key,), subnets=subnet.cidrs)


@st.composite
def _layer(draw, names, base, has_v6, free: bool):
    """VPCs, subnets, NACLs and gateways; the tables come after."""
    vpcs, subnets, nacls, igws, eigws, nats = {}, {}, {}, {}, {}, {}
    for v in names:
        vpc = f"vpc-{v}"
        vpcs[vpc] = Vpc(vpc, (C(f"{base[v]}.0.0/16"),) + ((C(f"{V6[v]}::/56"),) if has_v6[v] else ()))
        nacls[f"acl-{v}"] = _open(f"acl-{v}", vpc, has_v6[v])
        if draw(st.integers(0, 2)):
            igws[f"igw-{v}"] = InternetGateway(f"igw-{v}", vpc)
        if has_v6[v] and draw(st.booleans()):
            eigws[f"eigw-{v}"] = EgressOnlyGateway(f"eigw-{v}", vpc)
        for n, kind in enumerate(("pub", "priv"), 1):
            key = f"{kind}-{v}"
            nacl = None
            how = draw(st.integers(0, 5))
            if how <= 1:
                nacl = f"acl-{key}"
                nacls[nacl] = acl(nacl, vpc, draw(_entries(has_v6[v] and how == 0)), draw(_entries(has_v6[v])))
            elif how == 2 and free:
                nacl = f"acl-gone-{key}"  # named, not in the input: a free choice
            cidrs = (C(f"{base[v]}.{n}.0/24"),) + ((C(f"{V6[v]}:{n}::/64"),) if has_v6[v] else ())
            subnets[key] = Subnet(key, vpc, cidrs, route_table=f"rt-{key}" if kind == "pub" else None, nacl=nacl)
        if draw(st.booleans()):
            nats[f"nat-{v}"] = NatGateway(f"nat-{v}", f"pub-{v}", parse_address(f"{base[v]}.1.5")[1],
                                          parse_address(f"54.1.0.{len(nats) + 1}")[1])
    return vpcs, subnets, nacls, igws, eigws, nats


@st.composite
def _tables(draw, names, base, has_v6, igws, eigws, nats, peerings, endpoint, free: bool):
    tables, gone = {}, set()
    for v in names:
        v4_targets = [("internet-gateway", k) for k in igws] + [("nat-gateway", f"nat-{v}")] * (f"nat-{v}" in nats)
        v4_targets += [("vpc-peering", k) for k in peerings]
        v4_targets += [("vpn-gateway", "vgw-x"), ("vpc-peering", "pcx-gone")] if free else []
        v6_targets = [("internet-gateway", k) for k in igws] + [("egress-only-internet-gateway", k) for k in eigws]
        v6_targets += [("vpc-peering", k) for k in peerings]
        for kind in ("pub", "priv"):
            routes = []
            # 52.216.0.0/16 inside the list's /15, 3.5.0.0/16 equal to its other block
            destinations = [("0.0.0.0/0", v4_targets), ("52.216.0.0/16", v4_targets), ("3.5.0.0/16", v4_targets),
                            ("10.1.0.0/16", v4_targets), ("10.2.0.0/16", v4_targets)]
            if has_v6[v]:
                destinations += [("::/0", v6_targets)] + [(f"{V6[w]}::/56", v6_targets) for w in names if w != v]
            for destination, targets in destinations:
                pick = draw(st.integers(0, len(targets) + 1))
                if pick < len(targets):
                    # a target absent from the input is rarer than a described one
                    if targets[pick][1] in ("vgw-x", "pcx-gone") and draw(st.integers(0, 2)):
                        continue
                    routes.append(_route(destination, *targets[pick]))
                elif pick == len(targets):
                    routes.append(_route(destination, "internet-gateway", "igw-x", blackhole=True))
            key = f"rt-{kind}-{v}" if kind == "pub" else f"rt-main-{v}"
            if endpoint.vpc == f"vpc-{v}" and key in endpoint.route_tables:
                routes.append(_route(PL, "vpc-endpoint", endpoint.key))
            if free and kind == "pub" and draw(st.integers(0, 5)) == 0:
                gone.add(key)  # the subnet names it; the input lacks it: a free choice
                continue
            tables[key] = RouteTable(key, f"vpc-{v}", tuple(routes), kind == "priv")
    return tables, gone


@st.composite
def free_networks(draw):
    """Two or three VPCs (IPv4 CIDRs reused at random, IPv6 blocks distinct)."""
    names = ["a", "b"] + (["c"] if draw(st.booleans()) else [])
    base = {v: draw(st.sampled_from({"a": ("10.0",), "b": ("10.0", "10.1"), "c": ("10.0", "10.2")}[v]))
            for v in names}
    has_v6 = {v: draw(st.integers(0, 3)) > 0 for v in names}
    free = draw(st.integers(0, 2)) > 0  # a third of the networks leave nothing out
    vpcs, subnets, nacls, igws, eigws, nats = draw(_layer(names, base, has_v6, free))
    peerings = {"pcx-ab": Peering("pcx-ab", "vpc-a", "vpc-b", active=draw(st.integers(0, 3)) > 0)}
    if "c" in names:
        peerings["pcx-bc"] = Peering("pcx-bc", "vpc-b", "vpc-c")
    if free and draw(st.integers(0, 3)) == 0:
        peerings["pcx-ext"] = Peering("pcx-ext", "vpc-a", "vpc-elsewhere")  # its other side is not in the input
    where = draw(st.sampled_from([("rt-main-a",), ("rt-pub-a",), ("rt-main-a", "rt-pub-a"), ("rt-main-a", "rt-pub-a"),
                                  ()]))
    endpoint = VpcEndpoint("vpce-s3", "vpc-a", "com.amazonaws.us-east-1.s3", prefix_list=PL, route_tables=where)
    tables, gone = draw(_tables(names, base, has_v6, igws, eigws, nats, peerings, endpoint, free))
    subnets = {k: (Subnet(s.key, s.vpc, s.cidrs, f"{s.route_table}-gone", s.nacl)
                   if s.route_table in gone else s) for k, s in subnets.items()}
    resources, groups, public = [], [], 0
    for key, subnet in subnets.items():
        if draw(st.sampled_from([True, True, True, False])):
            name = f"r-{key}"
            groups.append(f"sg-{name}")
            v4 = f"{str(subnet.cidrs[0]).rsplit('.', 1)[0]}.10"
            v6 = f"{str(subnet.cidrs[1]).split('/')[0]}10" if len(subnet.cidrs) > 1 and draw(st.integers(0, 3)) else None
            if v6 and not draw(st.integers(0, 4)):
                v4 = None  # an IPv6-only interface
            pub = None
            if v4 and draw(st.booleans()):
                public += 1
                pub = f"54.0.0.{public}"
            resources.append(_resource(name, [f"sg-{name}"], subnet, v4, v6, pub))
    if free and draw(st.integers(0, 2)) == 0:  # in its VPC, but in a subnet the input does not hold
        v = draw(st.sampled_from(names))
        ips = (parse_address(f"{base[v]}.9.10"),) + ((parse_address(f"{V6[v]}:9::10"),) if has_v6[v] else ())
        groups.append(f"sg-r-gone-{v}")
        resources.append(Resource(f"r-gone-{v}", (f"sg-r-gone-{v}",), ips=ips, vpc=f"vpc-{v}",
                                  subnet_ids=(f"subnet-gone-{v}",)))
    sgs, open_groups = [], draw(st.booleans())
    everything = [rule("", "egress", cidr="0.0.0.0/0"), rule("", "egress", cidr="::/0")]
    for r in resources:
        key = f"sg-{r.name}"
        if open_groups:
            sgs.append(group(key, r.vpc, [rule("", "ingress", cidr="0.0.0.0/0"), rule("", "ingress", cidr="::/0")],
                             everything))
            continue
        egress = everything if draw(st.integers(0, 2)) else draw(_rules("egress", groups))
        sgs.append(group(key, r.vpc, draw(_rules("ingress", groups)), egress))
    net = network(sgs, resources, vpcs=vpcs, subnets=subnets, route_tables=tables, nacls=nacls,
                  internet_gateways=igws, egress_only_gateways=eigws, nat_gateways=nats, peerings=peerings,
                  endpoints={"vpce-s3": endpoint})
    return replace(net, prefix_lists={PL: PrefixList(PL, tuple(C(b) for b in PL_BLOCKS))})


ADDRESS_ENDPOINTS = tuple(AddressEndpoint(c, (C(c),)) for c in (
    "0.0.0.0/0", "::/0", "10.0.1.0/24", "2600:1f18:b::/56", "2600:1f18:a:1::/64", "fd00:ec2::254/128",
    "10.5.0.0/16"))
# beyond the gateways: an internet IPv6 host, the endpoint's service (both of its
# blocks, one half of the first behind a route of its own), an IPv4 internet host
FAR_ENDPOINTS = tuple(AddressEndpoint(c, (C(c),)) for c in (
    "2a00:1450::1/128", "2a00:1450::/32", "52.216.1.1/32", "52.217.0.0/16", "3.5.0.1/32", "8.8.8.8/32"))
TRAFFIC = ((-1, None), (TCP, [443]), (TCP, [443]), (UDP, [53]), (ICMP, None), (ICMPV6, None), (TCP, None))


@st.composite
def free_cases(draw):
    net = draw(free_networks())
    resources = [ResourceEndpoint(r) for r in sorted(net.resources)]
    kind = draw(st.sampled_from(["deny", "allow", "only"]))
    if not resources:
        return net, assertion(kind, [InternetEndpoint()], [InternetEndpoint()])  # skipped
    addresses = st.sampled_from([InternetEndpoint()] * 2 + list(ADDRESS_ENDPOINTS))
    source = draw(st.sampled_from(resources)) if draw(st.integers(0, 4 if kind == "allow" else 3)) else draw(addresses)
    if kind == "only" or source not in resources or draw(st.booleans()):
        destination = draw(st.sampled_from(resources))
    else:
        destination = draw(st.sampled_from(FAR_ENDPOINTS) if draw(st.booleans()) else addresses)
    if source == destination:
        if kind == "only":
            source = InternetEndpoint()
        else:
            destination = InternetEndpoint()
    protocol, ports = draw(st.sampled_from(TRAFFIC))
    client_ports = draw(st.sampled_from([None, None, (32768, 60999)]))
    return net, replace(assertion(kind, [source], [destination], protocol, ports), client_ports=client_ports)


VPN_BLOCK = AddressEndpoint("172.16.0.0/12", (C("172.16.0.0/12"),))


@st.composite
def vpn_cases(draw):
    """The transit gateway networks of test_path_oracle.py, with a VPN attachment
    (no VPC: what lies behind it is not in the input) that a TGW table routes
    172.16.0.0/12 or everything to, or an attachment whose TGW table is not in
    the input; the assertion is now and then about the VPN's side."""
    net, a = draw(cases(transit=True))
    t = net.topology
    attachments, tables = dict(t.tgw_attachments), dict(t.tgw_route_tables)
    table = draw(st.sampled_from(sorted(tables)))
    attachments["att-vpn"] = TgwAttachment("att-vpn", "tgw", None, (), table, kind="vpn")
    destination = draw(st.sampled_from(["172.16.0.0/12", "0.0.0.0/0", "10.1.0.0/16"]))
    routes = tuple(r for r in tables[table].routes if str(r.destination) != destination)  # one route a block
    tables[table] = replace(tables[table], routes=routes + (TgwRoute(C(destination), "att-vpn"),))
    if draw(st.integers(0, 3)) == 0:
        key = draw(st.sampled_from(sorted(k for k in attachments if k != "att-vpn")))
        attachments[key] = replace(attachments[key], route_table="tgw-rt-gone")
    net = replace(net, topology=replace(t, tgw_attachments=attachments, tgw_route_tables=tables))
    if net.resources and draw(st.booleans()):
        if a.kind.value == "only" or draw(st.booleans()):
            a = replace(a, sources=(VPN_BLOCK,))
        else:
            a = replace(a, destinations=(VPN_BLOCK,))
    return net, a


V6_TRANSIT = {"vpc-a": "2600:1f18:a", "vpc-b": "2600:1f18:b", "vpc-c": "2600:1f18:c"}


@st.composite
def dual_transit_cases(draw):
    """The transit gateway networks of test_path_oracle.py made dual-stack: each
    VPC gets its IPv6 block and each subnet a /64, each interface a global
    address beside its IPv4 one, every NACL an IPv6 twin of each entry, every
    group rule an IPv6 twin of its 0.0.0.0/0 ones; tables send the other VPCs'
    IPv6 blocks (or ::/0) to the transit gateway and its tables gain IPv6 routes."""
    net, a = draw(cases(transit=True))
    t = net.topology
    vpcs = {k: replace(v, cidrs=v.cidrs + (C(f"{V6_TRANSIT[k]}::/56"),)) for k, v in t.vpcs.items()}
    subnets = {k: replace(s, cidrs=s.cidrs + (C(f"{V6_TRANSIT[s.vpc]}:{str(s.cidrs[0]).split('.')[2]}::/64"),))
               for k, s in t.subnets.items()}

    def twin(entries):
        return entries + tuple(replace(e, cidr=C("::/0"), number=e.number + 1) for e in entries
                               if str(e.cidr) == "0.0.0.0/0" and draw(st.integers(0, 3)) and
                               all(o.number != e.number + 1 for o in entries))
    nacls = {k: replace(n, inbound=twin(n.inbound), outbound=twin(n.outbound)) for k, n in t.nacls.items()}
    tables = {}
    for k, rt in t.route_tables.items():
        extra = [Route(TargetKind.TRANSIT_GATEWAY, "tgw", C(f"{V6_TRANSIT[v]}::/56"))
                 for v in vpcs if v != rt.vpc and draw(st.integers(0, 3))]
        if draw(st.integers(0, 2)) == 0:
            extra.append(Route(TargetKind.TRANSIT_GATEWAY, "tgw", C("::/0")))
        tables[k] = replace(rt, routes=rt.routes + tuple(extra))
    tgw_tables = {}
    for k, rt in t.tgw_route_tables.items():
        extra = ()
        if draw(st.booleans()):
            extra = (TgwRoute(C(draw(st.sampled_from(["::/0", "2600:1f18:b::/56", "2600:1f18:b:2::/64"]))),
                              draw(st.sampled_from(sorted(t.tgw_attachments))), draw(st.integers(0, 4)) == 0),)
            extra = tuple(replace(r, attachment=None) if r.blackhole else r for r in extra)
        tgw_tables[k] = replace(rt, routes=rt.routes + extra)
    resources = {}
    for k, r in net.resources.items():
        subnet = subnets[r.subnet_ids[0]]
        v6 = parse_address(f"{str(subnet.cidrs[1]).split('/')[0]}10")
        resources[k] = replace(r, ips=r.ips + (v6,), subnets=subnet.cidrs)
    groups = {k: replace(g, ingress=_v6_twins(g.ingress), egress=_v6_twins(g.egress)) for k, g in net.groups.items()}
    topology = replace(t, vpcs=vpcs, subnets=subnets, nacls=nacls, route_tables=tables, tgw_route_tables=tgw_tables)
    net = replace(net, topology=topology, resources=resources, groups=groups)
    if draw(st.booleans()) and a.kind.value != "only" and any(isinstance(e, ResourceEndpoint) for e in a.sources):
        a = replace(a, destinations=(draw(st.sampled_from([AddressEndpoint(c, (C(c),)) for c in (
            "::/0", "2600:1f18:b::/56", "2600:1f18:b:2::10/128", "2a00:1450::1/128")])),))
    return net, a


def _v6_twins(rules):
    out = list(rules)
    for r in rules:
        if isinstance(r.peer, CidrPeer) and str(r.peer.cidr) == "0.0.0.0/0":
            out.append(replace(r, peer=replace(r.peer, cidr=C("::/0")), index=len(out)))
    return tuple(out)
