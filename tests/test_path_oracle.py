"""The Z3 path engine against an independent brute-force walk of the path.

path_oracle.py decides deny/allow/only by walking every representative packet
of each family hop by hop (path_oracle_walk.py), from the AWS facts alone
(IPv6, gateway endpoints and what the input leaves out are drawn by
test_path_oracle_free.py). On random
small multi-VPC networks (reused CIDRs, peerings, public and private subnets,
random NACLs, routes to internet and NAT gateways, peerings and blackholes,
instances with and without public addresses; and networks joined by a transit
gateway instead, with random associations, propagations and static routes,
and sometimes a central egress VPC):
- when the engine says HOLDS, the oracle finds no violating packet;
- when it says VIOLATED, its counterexample violates the assertion on the oracle.
The hand-worked tests at the end check the oracle itself, one AWS fact each.
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from path_oracle import decide, replay_problem
from pathnets import (ICMP, TCP, UDP, C, InternetGateway, Peering, Subnet, Vpc, acl, assertion, entry,
                      group, instance, ip, network, open_acl, route, rule, table)
from sgverify.model.topology import NatGateway, TgwAttachment, TgwRoute, TgwRouteTable, TransitGateway
from sgverify.solve import Verdict, check_assertion
from sgverify.spec import AddressEndpoint, InternetEndpoint, ResourceEndpoint

VPC_CIDRS = {"a": ("10.0",), "b": ("10.0", "10.1"), "c": ("10.0", "10.2")}
ACL_CIDRS = ("0.0.0.0/0", "10.0.0.0/16", "10.1.0.0/16", "10.0.1.0/24", "10.0.2.0/24", "8.8.0.0/16",
             "54.0.0.0/24")
RULE_CIDRS = ("0.0.0.0/0", "0.0.0.0/0", "10.0.0.0/8", "10.0.0.0/16", "10.0.1.0/24", "10.1.0.0/16", "10.0.2.10/32", "8.8.0.0/16",
              "54.0.0.0/24", "54.1.0.0/24")
SERVICES = ((-1, None), (TCP, (22, 22)), (TCP, (443, 443)), (TCP, (1024, 65535)), (UDP, (53, 53)),
            (ICMP, None), (47, None))
PORT_RANGES = ((0, 1023), (22, 22), (443, 443), (1024, 65535), (32768, 60999), (53, 53))


@st.composite
def nacl_entries(draw, outbound: bool):
    out, numbers = [], set()
    for _ in range(draw(st.integers(1, 3))):
        number = draw(st.integers(1, 200))
        protocol = draw(st.sampled_from([-1, TCP, UDP, ICMP]))
        ports = draw(st.sampled_from(PORT_RANGES)) if protocol in (TCP, UDP) and draw(st.booleans()) else None
        if number not in numbers:
            numbers.add(number)
            out.append(entry(number, draw(st.sampled_from(["allow", "deny"])), draw(st.sampled_from(ACL_CIDRS)),
                             protocol, ports))
    if draw(st.integers(0, 2)):
        out.append(entry(32000, "allow"))
    return out


@st.composite
def rules(draw, direction: str, groups: list[str]):
    out = [rule("", direction, -1, None, cidr=draw(st.sampled_from(RULE_CIDRS)))] if draw(st.integers(0, 2)) else []
    for _ in range(draw(st.integers(0, 3))):
        protocol, ports = draw(st.sampled_from(SERVICES))
        if groups and draw(st.integers(0, 3)) == 0:
            out.append(rule("", direction, protocol, ports, peer_group=draw(st.sampled_from(groups))))
        else:
            out.append(rule("", direction, protocol, ports, cidr=draw(st.sampled_from(RULE_CIDRS))))
    return out


@st.composite
def path_networks(draw, transit: bool = False):
    """Two or three VPCs joined by peerings (reusing CIDRs at random), or, with
    `transit`, by a transit gateway (distinct CIDRs; vpc-c is then a central
    egress VPC at 10.9.0.0/16)."""
    names = ["a", "b"] + (["c"] if draw(st.booleans()) else [])
    base = {v: draw(st.sampled_from(VPC_CIDRS[v])) for v in names}
    if transit:
        base = {"a": "10.0", "b": "10.1", "c": "10.9"}
    vpcs = {f"vpc-{v}": Vpc(f"vpc-{v}", (C(f"{base[v]}.0.0/16"),)) for v in names}
    subnets, nacls, tables, igws, nats = {}, {}, {}, {}, {}
    peerings = {"pcx-ab": Peering("pcx-ab", "vpc-a", "vpc-b", active=draw(st.integers(0, 3)) > 0)}
    if "c" in names:
        peerings["pcx-bc"] = Peering("pcx-bc", "vpc-b", "vpc-c")
    if transit:
        peerings = {}
    for v in names:
        vpc = f"vpc-{v}"
        nacls[f"acl-{v}"] = open_acl(f"acl-{v}", vpc)
        if draw(st.integers(0, 2)):
            igws[f"igw-{v}"] = InternetGateway(f"igw-{v}", vpc)
        for kind in ("pub", "priv"):
            key = f"{kind}-{v}"
            custom = draw(st.integers(0, 2)) == 0
            if custom:
                nacls[f"acl-{key}"] = acl(f"acl-{key}", vpc, draw(nacl_entries(False)), draw(nacl_entries(True)))
            subnets[key] = Subnet(key, vpc, (C(f"{base[v]}.{1 if kind == 'pub' else 2}.0/24"),),
                                  route_table=f"rt-{key}" if kind == "pub" else None,
                                  nacl=f"acl-{key}" if custom else None)
        if draw(st.booleans()):
            nats[f"nat-{v}"] = NatGateway(f"nat-{v}", f"pub-{v}", ip(f"{base[v]}.1.5"),
                                          ip(f"54.1.0.{len(nats) + 1}"), public=draw(st.integers(0, 3)) > 0)
    for v in names:
        # AWS takes a route to a NAT gateway of the table's own VPC only; an internet
        # gateway or a peering of other VPCs may be named (and carries nothing).
        targets = ([("internet-gateway", k) for k in igws] + [("nat-gateway", f"nat-{v}")] * (f"nat-{v}" in nats)
                   + [("vpc-peering", k) for k in peerings] + [("transit-gateway", "tgw")] * 2 * transit)
        for kind in ("pub", "priv"):
            routes = []
            for destination in ("0.0.0.0/0", "8.8.0.0/16", "10.0.0.0/16", "10.1.0.0/16", "10.2.0.0/16",
                                "10.1.2.0/24", "10.9.0.0/16"):
                if transit and destination.startswith("10.") and draw(st.integers(0, 2)):
                    routes.append(route(destination, "transit-gateway", "tgw"))  # mostly to the TGW
                    continue
                pick = draw(st.integers(0, len(targets) + 1))
                if pick < len(targets):
                    routes.append(route(destination, *targets[pick]))
                elif pick == len(targets):
                    routes.append(route(destination, "internet-gateway", "igw-x", blackhole=True))
            key = f"rt-{kind}-{v}" if kind == "pub" else f"rt-main-{v}"
            if transit and v == "c" and draw(st.booleans()):
                routes = _central_egress(kind, routes, igws, nats)
            tables[key] = table(key, f"vpc-{v}", routes, main=kind == "priv")
    resources, groups, public = [], [], 0
    for key in subnets:
        if draw(st.sampled_from([True, True, True, False])):
            name = f"r-{key}"
            groups.append(f"sg-{name}")
            address = subnets[key].cidrs[0].first + 10
            pub = None
            if draw(st.booleans()):
                public += 1
                pub = f"54.0.0.{public}"
            resources.append(instance(name, [f"sg-{name}"], _text(address), key, subnets, public=pub))
    # open groups: the path alone decides (more often through a transit gateway)
    sgs, open_groups = [], draw(st.integers(0, 3)) > 0 if transit else draw(st.booleans())
    for r in resources:
        key = f"sg-{r.name}"
        if open_groups:
            sgs.append(group(key, r.vpc, [rule("", "ingress", cidr="0.0.0.0/0")], [rule("", "egress", cidr="0.0.0.0/0")]))
            continue
        egress = [rule("", "egress", cidr="0.0.0.0/0")] if draw(st.integers(0, 2)) else draw(rules("egress", groups))
        sgs.append(group(key, r.vpc, draw(rules("ingress", groups)), egress))
    extra = draw(transit_layer(names)) if transit else {}
    return network(sgs, resources, vpcs=vpcs, subnets=subnets, route_tables=tables, nacls=nacls,
                   internet_gateways=igws, nat_gateways=nats, peerings=peerings, **extra)


def _central_egress(kind: str, routes, igws, nats):
    """vpc-c as a central egress VPC: the private subnet's (often the attachment's)
    default route to its NAT gateway, the public one's to its internet gateway,
    and the spokes' blocks back to the transit gateway."""
    out = [route("10.0.0.0/8", "transit-gateway", "tgw")] if len(routes) % 3 else []
    if kind == "priv" and "nat-c" in nats:
        return out + [route("0.0.0.0/0", "nat-gateway", "nat-c")]
    if kind == "pub" and "igw-c" in igws:
        return out + [route("0.0.0.0/0", "internet-gateway", "igw-c")]
    return routes


TGW_DESTINATIONS = ("0.0.0.0/0", "8.8.0.0/16", "10.1.0.0/16", "10.1.2.0/24", "10.0.0.0/8")


@st.composite
def transit_layer(draw, names):
    """One transit gateway: an attachment per VPC in one of its subnets, one or two
    route tables with random associations, propagations and static routes."""
    tables = ["tgw-rt1"] + (["tgw-rt2"] if draw(st.booleans()) else [])
    attachments = {}
    for v in names:
        where = draw(st.sampled_from(["pub", "priv"]))
        associated = draw(st.sampled_from(tables + [None] * (draw(st.integers(0, 5)) == 0)))
        attachments[f"att-{v}"] = TgwAttachment(f"att-{v}", "tgw", f"vpc-{v}", (f"{where}-{v}",), associated)
    route_tables = {}
    for key in tables:
        propagations = tuple(a for a in attachments if draw(st.integers(0, 3)))
        routes = []
        for destination in TGW_DESTINATIONS:
            pick = draw(st.integers(0, len(attachments) + 2))
            if pick < len(attachments):
                routes.append(TgwRoute(C(destination), sorted(attachments)[pick]))
            elif pick == len(attachments):
                routes.append(TgwRoute(C(destination), None, True))
        route_tables[key] = TgwRouteTable(key, "tgw", tuple(routes), propagations)
    return {"transit_gateways": {"tgw": TransitGateway("tgw")}, "tgw_attachments": attachments,
            "tgw_route_tables": route_tables}


def _text(value: int) -> str:
    return ".".join(str((value >> s) & 0xFF) for s in (24, 16, 8, 0))


ADDRESS_ENDPOINTS = tuple(AddressEndpoint(c, (C(c),)) for c in (
    "0.0.0.0/0", "10.0.0.0/16", "10.0.1.0/24", "8.8.8.8/32", "169.254.169.254/32", "10.0.0.2/32"))
TRAFFIC = ((-1, None), (TCP, [22]), (TCP, [443]), (TCP, [443]), (UDP, [53]), (ICMP, None), (TCP, None), (47, None))


@st.composite
def cases(draw, transit: bool = False):
    net = draw(path_networks(transit))
    resources = [ResourceEndpoint(r) for r in sorted(net.resources)]
    kind = draw(st.sampled_from(["deny", "allow", "only"]))
    if not resources:
        return net, assertion(kind, [InternetEndpoint()], [InternetEndpoint()])  # skipped below
    addresses = st.sampled_from([InternetEndpoint()] * 3 + list(ADDRESS_ENDPOINTS))
    # allow mostly from resources (an address space rarely reaches everything)
    if draw(st.integers(0, 4 if kind == "allow" else 3)):
        source = draw(st.sampled_from(resources))
    else:
        source = draw(addresses)
    if kind == "only" or source not in resources or draw(st.integers(0, 2)):
        near = [r for r in resources if source in resources and r != source
                and (net.resources[r.name].vpc == net.resources[source.name].vpc) != transit]
        destination = draw(st.sampled_from(near if near and draw(st.booleans()) else resources))
    else:
        destination = draw(addresses)
    if source == destination:  # a resource to itself does not cross the network
        if kind == "only":
            source = InternetEndpoint()
        else:
            destination = InternetEndpoint()
    protocol, ports = draw(st.sampled_from(TRAFFIC))
    client_ports = draw(st.sampled_from([None, None, (32768, 60999)]))
    return net, replace(assertion(kind, [source], [destination], protocol, ports), client_ports=client_ports)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_engine_agrees_with_the_path_oracle(case):
    _agree(*case)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(transit=True))
def test_engine_agrees_with_the_path_oracle_through_a_transit_gateway(case):
    _agree(*case)


def _agree(net, a):
    """Group references across a transit gateway, a second crossing of it and a
    peering reached from it are free choices: the oracle takes each every way
    for deny and only, and as not carrying for allow, as the engine must."""
    if not net.resources:
        return None
    result = check_assertion(net, a)
    assert result.verdict is not Verdict.UNKNOWN, result.reason
    witness = decide(net, a)
    if result.verdict is Verdict.HOLDS:
        assert witness is None, f"engine: holds; oracle: violated by {witness}"
    else:
        problem = replay_problem(net, a, result.counterexample)
        assert not problem, f"engine: violated by {result.counterexample.packet}; oracle: {problem}"
        assert witness is not None, "the oracle found no violation, the engine's replays"
    return result


# ---------------------------------------------------------------- the oracle on hand-worked networks

def three_vpcs(transit_routes: bool = True):
    """vpc-a 10.0/16, vpc-b 10.1/16, vpc-c 10.2/16; pcx-ab and pcx-bc, every table
    routing both ways; r-a, r-b, r-c at x.x.1.10, all groups open."""
    vpcs, subnets, tables, nacls, sgs, resources = {}, {}, {}, {}, [], []
    peer_routes = {"a": [("10.1.0.0/16", "pcx-ab")] + ([("10.2.0.0/16", "pcx-ab")] if transit_routes else []),
                   "b": [("10.0.0.0/16", "pcx-ab"), ("10.2.0.0/16", "pcx-bc")],
                   "c": [("10.1.0.0/16", "pcx-bc")] + ([("10.0.0.0/16", "pcx-bc")] if transit_routes else [])}
    for n, v in enumerate("abc"):
        vpc = f"vpc-{v}"
        vpcs[vpc] = Vpc(vpc, (C(f"10.{n}.0.0/16"),))
        subnets[f"s-{v}"] = Subnet(f"s-{v}", vpc, (C(f"10.{n}.1.0/24"),))
        tables[f"rt-{v}"] = table(f"rt-{v}", vpc, [route(d, "vpc-peering", p) for d, p in peer_routes[v]], main=True)
        nacls[f"acl-{v}"] = open_acl(f"acl-{v}", vpc)
        sgs.append(group(f"sg-{v}", vpc, [rule("", "ingress", cidr="0.0.0.0/0")], [rule("", "egress", cidr="0.0.0.0/0")]))
    resources = [instance(f"r-{v}", [f"sg-{v}"], f"10.{n}.1.10", f"s-{v}", subnets) for n, v in enumerate("abc")]
    peerings = {"pcx-ab": Peering("pcx-ab", "vpc-a", "vpc-b"), "pcx-bc": Peering("pcx-bc", "vpc-b", "vpc-c")}
    return network(sgs, resources, vpcs=vpcs, subnets=subnets, route_tables=tables, nacls=nacls, peerings=peerings)


def tier(**kw):
    from pathnets import three_tier
    return three_tier(**kw)


R, INTERNET = ResourceEndpoint, InternetEndpoint()


def at(text):
    return AddressEndpoint(text, (C(text),))


def _expect(net, a, violated: bool):
    """The oracle gives the hand-derived answer, and the engine agrees with it."""
    witness = decide(net, a)
    assert (witness is not None) == violated, witness
    result = check_assertion(net, a)
    assert result.verdict is (Verdict.VIOLATED if violated else Verdict.HOLDS)
    if violated:
        assert not replay_problem(net, a, result.counterexample)
    return witness


def test_oracle_nacl_drops_the_reply_not_the_request():
    # acl-pub admits tcp/443 in and everything out: db's reply to web's ephemeral port is dropped
    # entering pub, while the request itself is delivered.
    pub = acl("acl-pub", "vpc-a", [entry(100, "allow", protocol=TCP, ports=(443, 443))], [entry(100, "allow")])
    net = tier(public_acl=pub)
    _expect(net, assertion("deny", [R("web")], [R("db")], TCP, [5432]), True)
    witness = _expect(net, assertion("allow", [R("web")], [R("db")], TCP, [5432]), True)
    assert witness.client_port >= 1024
    opened = acl("acl-pub", "vpc-a", [entry(100, "allow", protocol=TCP, ports=(443, 443)),
                                      entry(110, "allow", "10.0.0.0/16", TCP, (1024, 65535))], [entry(100, "allow")])
    _expect(tier(public_acl=opened), assertion("allow", [R("web")], [R("db")], TCP, [5432]), False)


def test_oracle_nacl_first_match_wins_and_denies_by_default():
    deny_first = acl("acl-priv", "vpc-a", [entry(90, "deny", "10.0.1.10/32"), entry(100, "allow")], [entry(100, "allow")])
    _expect(tier(private_acl=deny_first), assertion("deny", [R("web")], [R("db")], TCP, [5432]), False)
    allow_first = acl("acl-priv", "vpc-a", [entry(80, "allow"), entry(90, "deny", "10.0.1.10/32")], [entry(100, "allow")])
    _expect(tier(private_acl=allow_first), assertion("deny", [R("web")], [R("db")], TCP, [5432]), True)
    empty = acl("acl-priv", "vpc-a", [], [entry(100, "allow")])
    _expect(tier(private_acl=empty), assertion("deny", [R("web")], [R("db")], TCP, [5432]), False)


def test_oracle_peering_is_not_transitive():
    net = three_vpcs()
    _expect(net, assertion("deny", [R("r-a")], [R("r-b")]), True)
    _expect(net, assertion("allow", [R("r-a")], [R("r-b")], TCP, [22]), False)
    _expect(net, assertion("deny", [R("r-a")], [R("r-c")]), False)  # a -> pcx-ab -> b stops there
    _expect(net, assertion("deny", [R("r-a")], [at("10.2.0.0/16")]), False)
    # without b's route back to a, the request arrives but no connection completes
    one_way = three_vpcs()
    t = one_way.topology
    tables = {**t.route_tables, "rt-b": table("rt-b", "vpc-b", [route("10.2.0.0/16", "vpc-peering", "pcx-bc")], main=True)}
    one_way = replace(one_way, topology=replace(t, route_tables=tables))
    _expect(one_way, assertion("deny", [R("r-a")], [R("r-b")]), True)
    _expect(one_way, assertion("allow", [R("r-a")], [R("r-b")], TCP, [22]), True)


def test_oracle_nat_gateway_opens_nothing_inbound():
    net = tier()  # db is private: its table sends 0/0 to nat-a (10.0.1.5, 54.1.1.1)
    _expect(net, assertion("allow", [R("db")], [INTERNET], TCP, [443]), False)
    _expect(net, assertion("deny", [INTERNET], [R("db")]), False)
    _expect(net, assertion("deny", [INTERNET], [at("54.1.1.1/32")]), False)
    _expect(net, assertion("deny", [R("db")], [INTERNET], 47), False)  # GRE: the NAT drops it
    _expect(net, assertion("allow", [R("db")], [INTERNET], 47), True)


def test_oracle_public_address_only_beyond_the_internet_gateway():
    # db admits only web's public address: inside the VPC web sends from 10.0.1.10.
    only_public = [rule("", "ingress", TCP, (5432, 5432), cidr="54.0.0.10/32")]
    _expect(tier(db_ingress=only_public), assertion("deny", [R("web")], [R("db")]), False)
    _expect(tier(), assertion("deny", [INTERNET], [R("web")], TCP, [443]), True)
    _expect(tier(), assertion("deny", [INTERNET], [at("10.0.1.10/32")]), False)
    # without a public address web cannot use the internet gateway at all
    _expect(tier(web_public=None), assertion("deny", [R("web")], [INTERNET]), False)
    _expect(tier(web_public=None), assertion("deny", [INTERNET], [R("web")]), False)
    _expect(tier(), assertion("deny", [R("web")], [INTERNET]), True)


def test_oracle_resolver_and_link_local_services_are_unfiltered():
    closed = acl("acl-priv", "vpc-a", [], [])
    net = tier(private_acl=closed)
    db = net.groups["sg-db"]
    net = replace(net, groups={**net.groups, "sg-db": replace(db, egress=())})
    for service in ("10.0.0.2/32", "169.254.169.254/32", "169.254.169.123/32"):
        _expect(net, assertion("deny", [R("db")], [at(service)], UDP, [53]), True)
        _expect(net, assertion("allow", [R("db")], [at(service)], UDP, [53]), False)
    _expect(net, assertion("deny", [R("db")], [INTERNET]), False)


def test_oracle_keeps_vpcs_with_reused_cidrs_apart():
    vpcs = {v: Vpc(v, (C("10.0.0.0/16"),)) for v in ("vpc-a", "vpc-b")}
    subnets = {"s-a": Subnet("s-a", "vpc-a", (C("10.0.1.0/24"),)), "s-b": Subnet("s-b", "vpc-b", (C("10.0.2.0/24"),))}
    sgs = [group(f"sg-{v}", f"vpc-{v}", [rule("", "ingress", cidr="0.0.0.0/0")], [rule("", "egress", cidr="0.0.0.0/0")])
           for v in "ab"]
    net = network(sgs, [instance("r-a", ["sg-a"], "10.0.1.10", "s-a", subnets),
                        instance("r-b", ["sg-b"], "10.0.2.10", "s-b", subnets)],
                  vpcs=vpcs, subnets=subnets, nacls={f"acl-{v}": open_acl(f"acl-{v}", f"vpc-{v}") for v in "ab"},
                  route_tables={f"rt-{v}": table(f"rt-{v}", f"vpc-{v}", main=True) for v in "ab"})
    _expect(net, assertion("deny", [R("r-a")], [R("r-b")]), False)
    _expect(net, assertion("deny", [R("r-a")], [at("10.0.2.0/24")]), False)  # no subnet of vpc-a holds it
    _expect(net, assertion("deny", [R("r-a")], [at("10.0.1.0/24")]), True)  # hosts of its own subnet
    _expect(net, assertion("deny", [at("10.0.2.0/24")], [R("r-a")]), False)


def test_oracle_reply_beyond_a_nat_gateway_goes_to_the_nat_port():
    # db -> nat-a -> igw-a -> web's public address. web's reply leaves pub addressed to
    # the NAT's Elastic IP at the NAT's own port (1024-65535), not to db's client port:
    # acl-pub outbound admits only tcp/443 and 32768-60999, so a reply to NAT port 1024 is dropped.
    pub = acl("acl-pub", "vpc-a", [entry(100, "allow")],
              [entry(100, "allow", protocol=TCP, ports=(443, 443)), entry(110, "allow", protocol=TCP, ports=(32768, 60999))])
    a = replace(assertion("allow", [R("db")], [at("54.0.0.10/32")], TCP, [443]), client_ports=(32768, 60999))
    witness = _expect(tier(public_acl=pub), a, True)
    assert witness.nat_port < 32768


def test_the_oracle_routes_on_through_a_central_egress_vpc():
    # the network of test_path_engine.central_egress: spoke -> TGW -> egress VPC -> NAT -> IGW
    from test_path_engine import GOOGLE, app, central_egress

    assert decide(central_egress(), assertion("deny", [app], [GOOGLE], TCP, [443])) is not None
    assert decide(central_egress(), assertion("allow", [app], [GOOGLE], TCP, [443])) is None
    assert decide(central_egress(), assertion("deny", [app], [GOOGLE], 47)) is None  # the NAT: tcp, udp, icmp
    # without the NAT subnet's route back to the transit gateway the reply is lost
    assert decide(central_egress(return_route=False), assertion("allow", [app], [GOOGLE], TCP, [443])) is not None
