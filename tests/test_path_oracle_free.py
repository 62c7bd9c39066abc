"""The Z3 path engine against the path oracle on IPv6, gateway endpoints and
free choices (path_networks_v6.py draws the networks), and on transit gateway
networks with a VPN attachment and TGW tables not in the input, or dual-stack.

The oracle (path_oracle.py) decides each family apart, and takes every way
what the input leaves out may go for `deny` and `only`, and none for `allow`.
So on every drawn network and assertion:
- when the engine says HOLDS, the oracle finds no violating packet in either family;
- when it says VIOLATED, its counterexample violates the assertion on the oracle.
The hand-worked tests below check the oracle (and the engine) on one AWS fact each.
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings

from path_networks_v6 import dual_transit_cases, free_cases, vpn_cases
from path_oracle import decide, replay_problem
from pathnets import TCP, C, InternetGateway, Subnet, Vpc, acl, assertion, entry, group, network, rule
from sgverify.model import Family, PrefixList, Resource, parse_address
from sgverify.model.topology import EgressOnlyGateway, Route, RouteTable, TargetKind, VpcEndpoint
from sgverify.solve import Verdict, check_assertion
from sgverify.spec import AddressEndpoint, InternetEndpoint, ResourceEndpoint


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(free_cases())
def test_engine_agrees_with_the_path_oracle_on_ipv6_endpoints_and_free_choices(case):
    _agree(*case)


def _agree(net, a):
    if not net.resources:
        return
    result = check_assertion(net, a)
    assert result.verdict is not Verdict.UNKNOWN, result.reason
    witness = decide(net, a)
    if result.verdict is Verdict.HOLDS:
        assert witness is None, f"engine: holds; oracle: violated by {witness}"
    else:
        problem = replay_problem(net, a, result.counterexample)
        assert not problem, f"engine: violated by {result.counterexample.packet}; oracle: {problem}"
        assert witness is not None, "the oracle found no violation, the engine's replays"


# ---------------------------------------------------------------- the oracle on hand-worked networks

def dual_stack(priv_routes=(), priv_acl=None, pub_table="rt-pub", igw=True):
    """vpc-a 10.0.0.0/16 and 2600:1f18:a::/56, with igw-a and eigw-a. Subnet pub
    (10.0.1.0/24, 2600:1f18:a:1::/64; rt-pub: 0.0.0.0/0 and ::/0 -> igw-a) holds web
    (10.0.1.10, 2600:1f18:a:1::10, no public IPv4); subnet priv (10.0.2.0/24,
    2600:1f18:a:2::/64; the main table: ::/0 -> eigw-a, plus `priv_routes`) holds db
    (10.0.2.10, 2600:1f18:a:2::10). Both groups: tcp/443 in from everywhere, all out.
    The default NACL admits everything, IPv4 and IPv6; priv's NACL is `priv_acl`.
    Without `igw` the VPC has no internet gateway and rt-pub no routes."""
    subnets = {
        "pub": Subnet("pub", "vpc-a", (C("10.0.1.0/24"), C("2600:1f18:a:1::/64")), route_table=pub_table),
        "priv": Subnet("priv", "vpc-a", (C("10.0.2.0/24"), C("2600:1f18:a:2::/64")), nacl=priv_acl),
    }
    everywhere = [rule("", "ingress", TCP, (443, 443), cidr=c) for c in ("0.0.0.0/0", "::/0")]
    out = [rule("", "egress", cidr=c) for c in ("0.0.0.0/0", "::/0")]
    sgs = [group("sg-web", "vpc-a", everywhere, out), group("sg-db", "vpc-a", everywhere, out)]
    both = [entry(100, "allow"), entry(101, "allow", "::/0")]
    nacls = {"acl-d": acl("acl-d", "vpc-a", both, both, default=True)}
    if priv_acl == "acl-v4":  # IPv4 entries only: IPv6 meets the implicit deny
        nacls["acl-v4"] = acl("acl-v4", "vpc-a", both[:1], both[:1])
    tables = {"rt-main": RouteTable("rt-main", "vpc-a", (Route(TargetKind.EGRESS_ONLY_GATEWAY, "eigw-a", C("::/0")),)
                                    + tuple(priv_routes), True),
              "rt-pub": RouteTable("rt-pub", "vpc-a", tuple(Route(TargetKind.INTERNET_GATEWAY, "igw-a", C(c))
                                                            for c in ("0.0.0.0/0", "::/0") if igw))}
    resources = [_dual("web", "sg-web", subnets["pub"], "10.0.1.10", "2600:1f18:a:1::10"),
                 _dual("db", "sg-db", subnets["priv"], "10.0.2.10", "2600:1f18:a:2::10")]
    net = network(sgs, resources, vpcs={"vpc-a": Vpc("vpc-a", (C("10.0.0.0/16"), C("2600:1f18:a::/56")))},
                  subnets=subnets, route_tables=tables, nacls=nacls,
                  internet_gateways={"igw-a": InternetGateway("igw-a", "vpc-a")} if igw else {},
                  egress_only_gateways={"eigw-a": EgressOnlyGateway("eigw-a", "vpc-a")},
                  endpoints={"vpce-s3": VpcEndpoint("vpce-s3", "vpc-a", prefix_list="pl-s3", route_tables=("rt-main",))})
    return replace(net, prefix_lists={"pl-s3": PrefixList("pl-s3", (C("52.216.0.0/15"),))})


def _dual(name, sg, subnet, v4, v6):
    return Resource(name, (sg,), ips=(parse_address(v4), parse_address(v6)), vpc="vpc-a",
                    subnet_ids=(subnet.key,), subnets=subnet.cidrs)


def at(text):
    return AddressEndpoint(text, (C(text),))


WEB, DB, INTERNET = ResourceEndpoint("web"), ResourceEndpoint("db"), InternetEndpoint()
GOOGLE6 = at("2a00:1450::/32")


def _expect(net, a, violated: bool):
    """The oracle gives the hand-derived answer, and the engine agrees with it."""
    witness = decide(net, a)
    assert (witness is not None) == violated, witness
    result = check_assertion(net, a)
    assert result.verdict is (Verdict.VIOLATED if violated else Verdict.HOLDS)
    if violated:
        assert not replay_problem(net, a, result.counterexample)
    return witness


def test_a_global_ipv6_address_is_reached_from_the_internet_without_a_public_ipv4():
    witness = _expect(dual_stack(), assertion("deny", [INTERNET], [WEB], TCP, [443]), True)
    assert witness.family is Family.V6  # web has no public IPv4: only IPv6 comes in
    _expect(dual_stack(), assertion("deny", [INTERNET], [at("0.0.0.0/0")], TCP, [443]), True)  # the internet's own
    _expect(dual_stack(), assertion("allow", [WEB], [GOOGLE6], TCP, [443]), False)


def test_an_egress_only_gateway_carries_ipv6_out_and_nothing_in():
    _expect(dual_stack(), assertion("allow", [DB], [GOOGLE6], TCP, [443]), False)
    _expect(dual_stack(igw=False), assertion("allow", [DB], [GOOGLE6], TCP, [443]), False)
    _expect(dual_stack(igw=False), assertion("deny", [INTERNET], [DB]), False)
    # with igw-a attached the request reaches db's global address by the VPC's own
    # routing; db's reply has no route to igw-a (its ::/0 goes to eigw-a)
    _expect(dual_stack(), assertion("deny", [INTERNET], [DB], TCP, [443]), True)
    _expect(dual_stack(), assertion("allow", [at("2a00:1450::1/128")], [DB], TCP, [443]), True)
    _expect(dual_stack(), assertion("allow", [at("2a00:1450::1/128")], [WEB], TCP, [443]), False)
    _expect(dual_stack(), assertion("deny", [DB], [at("8.8.8.8/32")]), False)  # IPv4 has no route at all


def test_ipv6_nacl_entries_are_apart_from_ipv4_ones():
    v4_only = dual_stack(priv_acl="acl-v4")
    _expect(v4_only, assertion("deny", [DB], [GOOGLE6]), False)  # the IPv4 entry 0.0.0.0/0 admits no IPv6
    _expect(v4_only, assertion("deny", [WEB], [at("10.0.2.10/32")], TCP, [443]), True)
    _expect(v4_only, assertion("deny", [WEB], [at("2600:1f18:a:2::10/128")], TCP, [443]), False)


def test_a_gateway_endpoint_takes_its_prefix_list_by_longest_prefix():
    # pl-s3 is 52.216.0.0/15 -> vpce-s3; a /16 blackhole inside it wins for its half
    net = dual_stack([Route(TargetKind.GATEWAY_ENDPOINT, "vpce-s3", prefix_list="pl-s3"),
                      Route(TargetKind.INTERNET_GATEWAY, "igw-x", C("52.216.0.0/16"), blackhole=True)])
    _expect(net, assertion("deny", [DB], [at("52.217.0.0/16")], TCP, [443]), True)
    _expect(net, assertion("allow", [DB], [at("52.217.0.0/16")], TCP, [443]), False)
    _expect(net, assertion("deny", [DB], [at("52.216.0.0/16")], TCP, [443]), False)
    wider = dual_stack([Route(TargetKind.GATEWAY_ENDPOINT, "vpce-s3", prefix_list="pl-s3"),
                        Route(TargetKind.INTERNET_GATEWAY, "igw-x", C("52.0.0.0/8"), blackhole=True)])
    _expect(wider, assertion("allow", [DB], [at("52.216.0.0/15")], TCP, [443]), False)  # the /15 list wins
    same = dual_stack([Route(TargetKind.GATEWAY_ENDPOINT, "vpce-s3", prefix_list="pl-s3"),
                       Route(TargetKind.INTERNET_GATEWAY, "igw-x", C("52.216.0.0/15"), blackhole=True)])
    _expect(same, assertion("deny", [DB], [at("52.216.0.0/15")], TCP, [443]), False)  # at one length the CIDR wins


def test_a_nacl_not_in_the_input_may_admit_or_drop():
    net = dual_stack(priv_acl="acl-gone")
    _expect(net, assertion("deny", [WEB], [DB], TCP, [443]), True)
    _expect(net, assertion("allow", [WEB], [DB], TCP, [443]), True)


def test_a_route_table_not_in_the_input_may_take_any_target_of_its_vpc():
    net = dual_stack(pub_table="rt-gone")
    _expect(net, assertion("deny", [WEB], [GOOGLE6], TCP, [443]), True)  # perhaps ::/0 -> igw-a
    _expect(net, assertion("allow", [WEB], [GOOGLE6], TCP, [443]), True)  # perhaps nothing
    _expect(net, assertion("deny", [WEB], [at("52.216.0.0/15")], TCP, [443]), True)  # perhaps vpce-s3
    _expect(net, assertion("allow", [WEB], [DB], TCP, [443]), False)  # local: no table decides


def test_a_route_to_a_target_not_in_the_input_reaches_any_address_beyond():
    net = dual_stack([Route(TargetKind.VPN_GATEWAY, "vgw-corp", C("172.16.0.0/12"))])
    _expect(net, assertion("deny", [DB], [at("172.16.5.5/32")], TCP, [443]), True)
    _expect(net, assertion("deny", [at("172.16.0.0/12")], [DB], TCP, [443]), True)  # and hosts there send in
    _expect(net, assertion("allow", [DB], [at("172.16.5.5/32")], TCP, [443]), True)
    _expect(net, assertion("deny", [at("172.16.0.0/12")], [WEB], TCP, [443]), True)  # another subnet, same VPC


def test_a_resource_in_a_subnet_not_in_the_input_is_still_in_its_vpc():
    net = dual_stack()
    gone = Resource("app", ("sg-db",), ips=(parse_address("10.0.9.10"),), vpc="vpc-a", subnet_ids=("subnet-x",))
    net = replace(net, resources={**net.resources, "app": gone})
    app = ResourceEndpoint("app")
    _expect(net, assertion("deny", [WEB], [app], TCP, [443]), True)  # the local route reaches 10.0.9.10
    _expect(net, assertion("allow", [WEB], [app], TCP, [443]), True)  # its subnet's NACL may drop it
    _expect(net, assertion("deny", [app], [DB], TCP, [443]), True)
    _expect(net, assertion("deny", [WEB], [app], TCP, [22]), False)  # its groups still decide


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(vpn_cases())
def test_engine_agrees_with_the_path_oracle_beside_a_vpn_behind_a_transit_gateway(case):
    _agree(*case)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dual_transit_cases())
def test_engine_agrees_with_the_path_oracle_on_ipv6_through_a_transit_gateway(case):
    _agree(*case)


def _nat_between_crossings(second_route: bool):
    """r-b (10.1.1.10, vpc-b) routes 0.0.0.0/0 to tgw; tgw-rt sends it to att-a in
    vpc-a's subnet att, whose table sends it to the private NAT gateway nat-a in
    pub; pub's table sends 0.0.0.0/0 to tgw again (`second_route`) or nowhere."""
    from pathnets import open_acl, route, table
    from sgverify.model.topology import NatGateway, TgwAttachment, TgwRoute, TgwRouteTable, TransitGateway

    subnets = {"sb": Subnet("sb", "vpc-b", (C("10.1.1.0/24"),)), "att": Subnet("att", "vpc-a", (C("10.0.2.0/24"),)),
               "pub": Subnet("pub", "vpc-a", (C("10.0.1.0/24"),), route_table="rt-pub")}
    sg = group("sg-b", "vpc-b", [], [rule("", "egress", cidr="0.0.0.0/0")])
    r_b = Resource("r-b", ("sg-b",), ips=(parse_address("10.1.1.10"),), vpc="vpc-b", subnet_ids=("sb",),
                   subnets=subnets["sb"].cidrs)
    tgw_rt = TgwRouteTable("tgw-rt", "tgw", (TgwRoute(C("0.0.0.0/0"), "att-a"),), ("att-b",))
    return network([sg], [r_b], vpcs={"vpc-a": Vpc("vpc-a", (C("10.0.0.0/16"),)),
                                      "vpc-b": Vpc("vpc-b", (C("10.1.0.0/16"),))},
                   subnets=subnets,
                   route_tables={"rt-b": table("rt-b", "vpc-b", [route("0.0.0.0/0", "transit-gateway", "tgw")], True),
                                 "rt-a": table("rt-a", "vpc-a", [route("0.0.0.0/0", "nat-gateway", "nat-a")], True),
                                 "rt-pub": table("rt-pub", "vpc-a", [route("0.0.0.0/0", "transit-gateway", "tgw")]
                                                 if second_route else [])},
                   nacls={"acl-a": open_acl("acl-a", "vpc-a"), "acl-b": open_acl("acl-b", "vpc-b")},
                   nat_gateways={"nat-a": NatGateway("nat-a", "pub", parse_address("10.0.1.5")[1], public=False)},
                   transit_gateways={"tgw": TransitGateway("tgw")},
                   tgw_attachments={"att-a": TgwAttachment("att-a", "tgw", "vpc-a", ("att",), "tgw-rt"),
                                    "att-b": TgwAttachment("att-b", "tgw", "vpc-b", ("sb",), "tgw-rt")},
                   tgw_route_tables={"tgw-rt": tgw_rt})


def test_a_transit_gateway_crossed_again_after_a_nat_gateway_is_a_free_choice():
    a = assertion("deny", [ResourceEndpoint("r-b")], [at("8.8.8.8/32")], 1)
    _expect(_nat_between_crossings(second_route=True), a, True)  # it may carry the NAT's packet on
    _expect(_nat_between_crossings(second_route=False), a, False)  # pub routes 8.8.8.8 nowhere
