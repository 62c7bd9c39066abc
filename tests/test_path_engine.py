"""The path engine on hand-worked cases: each verdict reasoned from AWS semantics.

Every violated verdict's counterexample is replayed by the engine itself
(a mismatch raises), and here its hops are checked against the reasoning.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from sgverify.model import Family, parse_address
from sgverify.model.forwarding import longest_prefix
from sgverify.solve import Verdict, check_assertion
from sgverify.solve.options import Options
from sgverify.spec import AddressEndpoint, InternetEndpoint, ResourceEndpoint

from pathnets import (C, TCP, UDP, acl, assertion, egress_all, entry, group, instance, ip, network,
                      open_acl, route, rule, table, three_tier)
from sgverify.model.topology import InternetGateway, Peering, Subnet, Vpc

web, db = ResourceEndpoint("web"), ResourceEndpoint("db")
internet = InternetEndpoint()


def verdict(net, a, **options):
    return check_assertion(net, a, Options(**options)).verdict


def steps(result):
    return [f"{h.step} {h.element} {h.outcome}" for h in result.counterexample.path]


# -- longest prefix match ---------------------------------------------------------

def test_longest_prefix_picks_the_most_specific_block_and_leaves_the_rest_unrouted():
    pieces = longest_prefix([(C("10.0.0.0/8"), 1, "wide"), (C("10.1.0.0/16"), 1, "narrow")], Family.V4)
    where = {p.choice: p.space for p in pieces}
    assert where["narrow"] == ((ip("10.1.0.0"), ip("10.1.255.255")),)
    assert where["wide"] == ((ip("10.0.0.0"), ip("10.0.255.255")), (ip("10.2.0.0"), ip("10.255.255.255")))


def test_equal_blocks_the_higher_rank_wins():
    pieces = longest_prefix([(C("10.0.0.0/16"), 1, "cidr"), (C("10.0.0.0/16"), 0, "prefix-list")], Family.V4)
    assert [p.choice for p in pieces] == ["cidr"]


# -- the three-tier VPC ---------------------------------------------------------------

def test_web_reaches_db_by_group_reference_over_the_local_route():
    assert verdict(three_tier(), assertion("allow", [web], [db], TCP, [5432])) is Verdict.HOLDS


def test_internet_never_reaches_a_private_instance_behind_nat():
    # db has no public address and its table sends 0/0 to the NAT gateway: nothing opens a connection in.
    assert verdict(three_tier(), assertion("deny", [internet], [db])) is Verdict.HOLDS


def test_nat_carries_tcp_out_and_its_replies_back():
    assert verdict(three_tier(), assertion("allow", [db], [internet], TCP, [443])) is Verdict.HOLDS


def test_nat_drops_protocols_other_than_tcp_udp_icmp():
    result = check_assertion(three_tier(), assertion("allow", [db], [internet], 47))
    assert result.verdict is Verdict.VIOLATED
    assert "NAT gateway" in result.counterexample.failed_at


def test_internet_reaches_web_only_at_its_public_address_through_the_internet_gateway():
    result = check_assertion(three_tier(), assertion("deny", [internet], [web]))
    assert result.verdict is Verdict.VIOLATED
    assert result.counterexample.destination.address == "54.0.0.10"
    assert any("internet gateway igw-a" in s for s in steps(result))


def test_an_instance_without_public_address_cannot_use_the_internet_gateway_either_way():
    net = three_tier(web_public=None)
    assert verdict(net, assertion("deny", [internet], [web])) is Verdict.HOLDS
    result = check_assertion(net, assertion("allow", [web], [internet], TCP, [443]))
    assert result.verdict is Verdict.VIOLATED


def _web_with_unknown_public_address():
    net = three_tier(web_public=None)
    web_resource = replace(net.resources["web"], has_public_ip=True)
    return replace(net, resources={**net.resources, "web": web_resource})


def test_a_public_address_whose_value_is_unknown_is_still_reached_from_the_internet():
    # MapPublicIpOnLaunch without an Elastic IP: web has a public address, not known until launch.
    net = _web_with_unknown_public_address()
    result = check_assertion(net, assertion("deny", [internet], [web], TCP, [443]))
    assert result.verdict is Verdict.VIOLATED
    assert any("internet gateway igw-a into vpc-a" in s for s in steps(result))
    assert not result.counterexample.destination.address.startswith("10.")
    # Its group admits only tcp/443, so other ports stay closed whatever the address is.
    assert verdict(net, assertion("deny", [internet], [web], TCP, [22])) is Verdict.HOLDS


def test_an_unknown_public_address_completes_connections_from_the_internet():
    net = _web_with_unknown_public_address()
    assert verdict(net, assertion("allow", [internet], [web], TCP, [443])) is Verdict.HOLDS
    result = check_assertion(net, assertion("allow", [internet], [web], TCP, [80]))
    assert result.verdict is Verdict.VIOLATED
    assert result.counterexample.failed_at == "ingress of the destination"


def test_inside_the_vpc_web_sends_from_its_private_address_never_its_public_one():
    # db admits only web's *public* address: inside the VPC web always sends from 10.0.1.10.
    only_public = [rule("", "ingress", TCP, (5432, 5432), cidr="54.0.0.10/32")]
    net = three_tier(db_ingress=only_public)
    assert verdict(net, assertion("deny", [web], [db])) is Verdict.HOLDS


def test_link_local_services_are_never_filtered_by_groups_or_nacls():
    deny_all = acl("acl-pub", "vpc-a")  # a custom NACL without entries denies everything
    net = three_tier(public_acl=deny_all)
    metadata = AddressEndpoint("169.254.169.254", (C("169.254.169.254/32"),))
    resolver = AddressEndpoint("10.0.0.2", (C("10.0.0.2/32"),))
    assert verdict(net, assertion("deny", [web], [metadata])) is Verdict.VIOLATED
    assert verdict(net, assertion("deny", [web], [resolver])) is Verdict.VIOLATED
    assert verdict(net, assertion("deny", [web], [db])) is Verdict.HOLDS  # the NACL does stop the rest


# -- NACLs -----------------------------------------------------------------------------

def test_nacl_rule_order_is_by_number_not_as_listed():
    # Listed first: 200 allow tcp/5432; listed second: 100 deny tcp/5432. 100 is evaluated first.
    private = acl("acl-priv", "vpc-a",
                  [entry(200, "allow", protocol=TCP, ports=(5432, 5432)), entry(100, "deny", protocol=TCP,
                                                                               ports=(5432, 5432))],
                  [entry(100, "allow")])
    net = three_tier(private_acl=private)
    result = check_assertion(net, assertion("allow", [web], [db], TCP, [5432]))
    assert result.verdict is Verdict.VIOLATED
    assert any("acl-priv (priv) inbound #100 denies" in s for s in steps(result))


def test_same_subnet_traffic_is_not_filtered_by_the_nacl():
    deny_all = acl("acl-pub", "vpc-a")
    net = three_tier(public_acl=deny_all)
    subnets = net.topology.subnets
    peer = instance("app", ["sg-web"], "10.0.1.20", "pub", subnets)
    net = replace(net, resources={**net.resources, "app": peer})
    assert verdict(net, assertion("allow", [ResourceEndpoint("app")], [web], TCP, [443])) is Verdict.HOLDS


def test_replies_dropped_by_a_nacl_without_ephemeral_outbound_rule():
    # db's subnet lets 5432 in, but outbound admits only tcp/5432: the reply to web's port (1024-65535) dies.
    private = acl("acl-priv", "vpc-a", [entry(100, "allow")],
                  [entry(100, "allow", protocol=TCP, ports=(5432, 5432))])
    net = three_tier(private_acl=private)
    result = check_assertion(net, assertion("allow", [web], [db], TCP, [5432]))
    assert result.verdict is Verdict.VIOLATED
    assert result.counterexample.failed_at.startswith("reply")
    assert result.counterexample.client_port != 5432
    # The request itself still arrives: deny is refuted.
    assert verdict(net, assertion("deny", [web], [db], TCP, [5432])) is Verdict.VIOLATED


def test_client_port_range_decides_whether_the_replies_pass():
    # Outbound ephemeral rule for 32768-60999 only: Linux clients work, the default 1024-65535 range does not.
    private = acl("acl-priv", "vpc-a", [entry(100, "allow")],
                  [entry(100, "allow", protocol=TCP, ports=(32768, 60999))])
    net = three_tier(private_acl=private)
    a = assertion("allow", [web], [db], TCP, [5432])
    assert verdict(net, a) is Verdict.VIOLATED
    assert verdict(net, a, client_ports=(32768, 60999)) is Verdict.HOLDS


def test_layers_security_groups_ignores_the_path():
    deny_all = acl("acl-priv", "vpc-a")
    net = three_tier(private_acl=deny_all)
    a = assertion("allow", [web], [db], TCP, [5432])
    assert verdict(net, a) is Verdict.VIOLATED
    assert verdict(net, a, layers="security-groups") is Verdict.HOLDS


# -- routes, peering, CIDR reuse ---------------------------------------------------------

def two_vpcs(routes_a=(), routes_b=(), reuse=False, active=True):
    """vpc-a 10.0.0.0/16 (subnet sa, app 10.0.1.10) and vpc-b (10.1.0.0/16, or 10.0.0.0/16 when
    reused; subnet sb, svc at .1.10), peered by pcx when not reused. Main tables only."""
    b_block = "10.0.0.0/16" if reuse else "10.1.0.0/16"
    b_sub = "10.0.1.0/24" if reuse else "10.1.1.0/24"
    subnets = {"sa": Subnet("sa", "vpc-a", (C("10.0.1.0/24"),)), "sb": Subnet("sb", "vpc-b", (C(b_sub),))}
    everyone = [rule("", "ingress", cidr="0.0.0.0/0")]
    groups = [group("sg-a", "vpc-a", everyone, [egress_all("")]), group("sg-b", "vpc-b", everyone, [egress_all("")])]
    resources = [instance("app", ["sg-a"], "10.0.1.10", "sa", subnets),
                 instance("svc", ["sg-b"], "10.0.1.10" if reuse else "10.1.1.10", "sb", subnets)]
    return network(groups, resources,
                   vpcs={"vpc-a": Vpc("vpc-a", (C("10.0.0.0/16"),)), "vpc-b": Vpc("vpc-b", (C(b_block),))},
                   subnets=subnets,
                   route_tables={"rt-a": table("rt-a", "vpc-a", routes_a, main=True),
                                 "rt-b": table("rt-b", "vpc-b", routes_b, main=True)},
                   nacls={"acl-a": open_acl("acl-a", "vpc-a"), "acl-b": open_acl("acl-b", "vpc-b")},
                   peerings={} if reuse else {"pcx": Peering("pcx", "vpc-a", "vpc-b", active)})


app, svc = ResourceEndpoint("app"), ResourceEndpoint("svc")
TO_B = [route("10.1.0.0/16", "vpc-peering", "pcx")]
TO_A = [route("10.0.0.0/16", "vpc-peering", "pcx")]


def test_peering_with_routes_on_both_sides_carries_connections():
    assert verdict(two_vpcs(TO_B, TO_A), assertion("allow", [app], [svc], TCP, [80])) is Verdict.HOLDS


def test_peering_route_on_one_side_only_delivers_requests_but_not_replies():
    net = two_vpcs(TO_B, ())
    result = check_assertion(net, assertion("allow", [app], [svc], TCP, [80]))
    assert result.verdict is Verdict.VIOLATED
    assert result.counterexample.failed_at == "reply: route back from sb"
    assert verdict(net, assertion("deny", [app], [svc])) is Verdict.VIOLATED


def test_no_route_to_the_peer_means_no_reach():
    assert verdict(two_vpcs((), TO_A), assertion("deny", [app], [svc])) is Verdict.HOLDS


def test_an_inactive_peering_carries_nothing():
    assert verdict(two_vpcs(TO_B, TO_A, active=False), assertion("deny", [app], [svc])) is Verdict.HOLDS


def test_two_vpcs_reusing_one_cidr_are_apart():
    net = two_vpcs(reuse=True)
    assert verdict(net, assertion("deny", [app], [svc])) is Verdict.HOLDS
    assert verdict(net, assertion("deny", [svc], [app])) is Verdict.HOLDS


def test_a_blackhole_route_drops():
    net = two_vpcs([route("10.1.0.0/16", "vpc-peering", "pcx", blackhole=True)], TO_A)
    assert verdict(net, assertion("deny", [app], [svc])) is Verdict.HOLDS


def test_a_route_to_a_target_not_in_the_input_is_a_free_choice():
    # A VPN gateway the input does not describe: deny cannot be proved, allow cannot rely on it.
    net = two_vpcs([route("0.0.0.0/0", "vpn-gateway", "vgw-x")], ())
    somewhere = AddressEndpoint("192.168.0.0/16", (C("192.168.0.0/16"),))
    result = check_assertion(net, assertion("deny", [app], [somewhere]))
    assert result.verdict is Verdict.VIOLATED
    assert any("vgw-x" in text for text in result.counterexample.assumptions)
    assert verdict(net, assertion("allow", [app], [somewhere], TCP, [443])) is Verdict.VIOLATED


def test_main_table_is_used_by_a_subnet_without_association():
    net = two_vpcs(TO_B, TO_A)
    extra = Subnet("sa2", "vpc-a", (C("10.0.2.0/24"),), route_table="rt-none-to-b")
    other = table("rt-none-to-b", "vpc-a", [])
    subnets = {**net.topology.subnets, "sa2": extra}
    tables = {**net.topology.route_tables, "rt-none-to-b": other}
    moved = instance("app2", ["sg-a"], "10.0.2.10", "sa2", subnets)
    net = replace(net, resources={**net.resources, "app2": moved},
                  topology=replace(net.topology, subnets=subnets, route_tables=tables))
    assert verdict(net, assertion("deny", [ResourceEndpoint("app2")], [svc])) is Verdict.HOLDS
    assert verdict(net, assertion("allow", [app], [svc], TCP, [22])) is Verdict.HOLDS


# -- transit gateways ---------------------------------------------------------------------

def tgw_net(rt_routes=(), propagate=True, back_route=True, att_b_table="tgw-rt"):
    from sgverify.model.topology import TgwAttachment, TgwRoute, TgwRouteTable, TransitGateway

    net = two_vpcs([route("10.1.0.0/16", "transit-gateway", "tgw")],
                   [route("10.0.0.0/16", "transit-gateway", "tgw")] if back_route else [])
    t = net.topology
    attachments = {"att-a": TgwAttachment("att-a", "tgw", "vpc-a", ("sa",), "tgw-rt"),
                   "att-b": TgwAttachment("att-b", "tgw", "vpc-b", ("sb",), att_b_table)}
    tables = {"tgw-rt": TgwRouteTable("tgw-rt", "tgw", tuple(rt_routes),
                                      ("att-a", "att-b") if propagate else ())}
    return replace(net, topology=replace(t, peerings={}, transit_gateways={"tgw": TransitGateway("tgw")},
                                         tgw_attachments=attachments, tgw_route_tables=tables))


def test_transit_gateway_with_propagated_routes_carries_connections():
    assert verdict(tgw_net(), assertion("allow", [app], [svc], TCP, [80])) is Verdict.HOLDS


def test_transit_gateway_blackhole_and_missing_propagation_drop():
    from sgverify.model.topology import TgwRoute

    blackhole = [TgwRoute(C("10.1.1.0/24"), None, True)]
    assert verdict(tgw_net(blackhole), assertion("deny", [app], [svc])) is Verdict.HOLDS
    assert verdict(tgw_net(propagate=False), assertion("deny", [app], [svc])) is Verdict.HOLDS


def test_transit_gateway_needs_the_vpc_route_back_for_replies():
    net = tgw_net(back_route=False)
    result = check_assertion(net, assertion("allow", [app], [svc], TCP, [80]))
    assert result.verdict is Verdict.VIOLATED and result.counterexample.failed_at.startswith("reply")


def test_group_references_across_a_transit_gateway_are_a_free_choice():
    # svc admits only sg-a by reference: across a TGW that may or may not apply.
    net = tgw_net()
    groups = dict(net.groups)
    groups["sg-b"] = group("sg-b", "vpc-b", [rule("", "ingress", peer_group="sg-a")], [egress_all("")])
    net = replace(net, groups=groups)
    result = check_assertion(net, assertion("deny", [app], [svc]))
    assert result.verdict is Verdict.VIOLATED
    assert any("transit gateway tgw" in text or "tgw" in text for text in result.counterexample.assumptions)
    assert verdict(net, assertion("allow", [app], [svc], TCP, [80])) is Verdict.VIOLATED


def central_egress(return_route=True, egress_acl=None):
    """Spoke vpc-a (app in sa, 0/0 -> tgw) and egress vpc-e 10.9.0.0/16: the attachment subnet
    att-e (0/0 -> nat-e) and pub-e with nat-e 10.9.2.5 / 54.9.9.9 (0/0 -> igw-e; 10.0.0.0/16 ->
    tgw unless return_route is False). The TGW table sends 0/0 to att-e and propagates both."""
    from sgverify.model.topology import (NatGateway, TgwAttachment, TgwRoute, TgwRouteTable,
                                         TransitGateway)

    subnets = {"sa": Subnet("sa", "vpc-a", (C("10.0.1.0/24"),)),
               "att-e": Subnet("att-e", "vpc-e", (C("10.9.1.0/24"),), route_table="rt-att"),
               "pub-e": Subnet("pub-e", "vpc-e", (C("10.9.2.0/24"),), route_table="rt-pub",
                               nacl="acl-pub" if egress_acl else None)}
    to_spoke = [route("10.0.0.0/16", "transit-gateway", "tgw")] if return_route else []
    tables = {"rt-a": table("rt-a", "vpc-a", [route("0.0.0.0/0", "transit-gateway", "tgw")], main=True),
              "rt-e": table("rt-e", "vpc-e", [], main=True),
              "rt-att": table("rt-att", "vpc-e", [route("0.0.0.0/0", "nat-gateway", "nat-e"),
                                                  route("10.0.0.0/16", "transit-gateway", "tgw")]),
              "rt-pub": table("rt-pub", "vpc-e", [route("0.0.0.0/0", "internet-gateway", "igw-e")] + to_spoke)}
    nacls = {"acl-a": open_acl("acl-a", "vpc-a"), "acl-e": open_acl("acl-e", "vpc-e")}
    if egress_acl:
        nacls["acl-pub"] = egress_acl
    sg = group("sg-a", "vpc-a", [], [egress_all("")])
    net = network([sg], [instance("app", ["sg-a"], "10.0.1.10", "sa", subnets)],
                  vpcs={"vpc-a": Vpc("vpc-a", (C("10.0.0.0/16"),)), "vpc-e": Vpc("vpc-e", (C("10.9.0.0/16"),))},
                  subnets=subnets, route_tables=tables, nacls=nacls,
                  internet_gateways={"igw-e": InternetGateway("igw-e", "vpc-e")},
                  nat_gateways={"nat-e": NatGateway("nat-e", "pub-e", ip("10.9.2.5"), ip("54.9.9.9"))},
                  transit_gateways={"tgw": TransitGateway("tgw")},
                  tgw_attachments={"att-a": TgwAttachment("att-a", "tgw", "vpc-a", ("sa",), "tgw-rt"),
                                   "att-e": TgwAttachment("att-e", "tgw", "vpc-e", ("att-e",), "tgw-rt")},
                  tgw_route_tables={"tgw-rt": TgwRouteTable("tgw-rt", "tgw", (TgwRoute(C("0.0.0.0/0"), "att-e"),),
                                                            ("att-a", "att-e"))})
    return net


GOOGLE = AddressEndpoint("8.8.8.8/32", (C("8.8.8.8/32"),))


def test_a_spoke_reaches_the_internet_through_a_central_egress_vpc():
    # spoke -> TGW -> att-e, whose table sends 0/0 to the NAT gateway in pub-e -> igw-e.
    # The reply comes back to the NAT, whose subnet routes 10.0.0.0/16 to the TGW.
    net = central_egress()
    refuted = check_assertion(net, assertion("deny", [app], [GOOGLE], TCP, [443]))
    assert refuted.verdict is Verdict.VIOLATED
    assert refuted.counterexample.packet.protocol == TCP
    text = steps(refuted)
    assert any("NAT gateway nat-e" in step for step in text) and any("internet gateway igw-e" in step for step in text)
    assert verdict(net, assertion("allow", [app], [GOOGLE], TCP, [443])) is Verdict.HOLDS
    # the NAT gateway carries tcp, udp and icmp only
    assert verdict(net, assertion("deny", [app], [GOOGLE], 47)) is Verdict.HOLDS


def test_the_reply_through_a_central_egress_vpc_needs_the_nat_subnet_route_back():
    result = check_assertion(central_egress(return_route=False), assertion("allow", [app], [GOOGLE], TCP, [443]))
    assert result.verdict is Verdict.VIOLATED
    assert result.counterexample.failed_at == "reply: route back from pub-e"


def test_the_nat_subnet_nacl_of_a_central_egress_vpc_filters_the_spoke_traffic():
    # pub-e admits nothing in from the spoke's block: the NAT gateway never sees the packet
    closed = acl("acl-pub", "vpc-e", [entry(50, "deny", "10.0.0.0/16"), entry(100, "allow")], [entry(100, "allow")])
    assert verdict(central_egress(egress_acl=closed), assertion("deny", [app], [GOOGLE])) is Verdict.HOLDS


# -- IPv6 ---------------------------------------------------------------------------------

def v6_net(gateway_kind="internet-gateway"):
    from sgverify.model import Resource, parse_address
    from sgverify.model.topology import EgressOnlyGateway, InternetGateway

    subnets = {"s6": Subnet("s6", "vpc-6", (C("10.6.1.0/24"), C("2600:1f18:1:1::/64")))}
    everyone = [rule("", "ingress", TCP, (443, 443), cidr="::/0")]
    web6 = Resource("web6", ("sg-6",), ips=(parse_address("2600:1f18:1:1::10"),), vpc="vpc-6",
                    subnet_ids=("s6",), subnets=subnets["s6"].cidrs)
    target = "igw-6" if gateway_kind == "internet-gateway" else "eigw-6"
    return network([group("sg-6", "vpc-6", everyone, [rule("", "egress", cidr="::/0")])], [web6],
                   vpcs={"vpc-6": Vpc("vpc-6", (C("10.6.0.0/16"), C("2600:1f18:1::/56")))},
                   subnets=subnets,
                   route_tables={"rt": table("rt", "vpc-6", [route("::/0", gateway_kind, target)], main=True)},
                   nacls={"acl": acl("acl", "vpc-6", [entry(100, "allow", "::/0")], [entry(100, "allow", "::/0")],
                                     default=True)},
                   internet_gateways={"igw-6": InternetGateway("igw-6", "vpc-6")},
                   egress_only_gateways={"eigw-6": EgressOnlyGateway("eigw-6", "vpc-6")})


def test_ipv6_addresses_are_global_through_an_internet_gateway():
    web6 = ResourceEndpoint("web6")
    assert verdict(v6_net(), assertion("allow", [internet], [web6], TCP, [443])) is Verdict.HOLDS
    assert verdict(v6_net(), assertion("allow", [web6], [internet], TCP, [443])) is Verdict.HOLDS


def test_an_egress_only_gateway_lets_connections_out_and_none_in():
    web6 = ResourceEndpoint("web6")
    net = v6_net("egress-only-internet-gateway")
    assert verdict(net, assertion("allow", [web6], [internet], TCP, [443])) is Verdict.HOLDS
    # In through the attached internet gateway still arrives; its reply goes out the egress-only
    # gateway, not back through the internet gateway: the connection cannot complete.
    result = check_assertion(net, assertion("allow", [internet], [web6], TCP, [443]))
    assert result.verdict is Verdict.VIOLATED and "route back" in result.counterexample.failed_at


def test_a_source_seen_through_its_nat_gateway_is_matched_by_the_nat_address():
    # web admits only the NAT gateway's Elastic IP: db reaches web's public address through
    # nat-a and igw-a, seen from 54.1.1.1; web's private address it never reaches (db is seen as 10.0.2.10).
    net = three_tier()
    groups = dict(net.groups)
    groups["sg-web"] = group("sg-web", "vpc-a", [rule("", "ingress", cidr="54.1.1.1/32")], [egress_all("")])
    net = replace(net, groups=groups)
    result = check_assertion(net, assertion("deny", [db], [web]))
    assert result.verdict is Verdict.VIOLATED
    assert result.counterexample.destination.address == "54.0.0.10"
    assert any("NAT gateway nat-a" in s for s in steps(result))


# -- a resource without addresses whose public IPv4 AWS assigns -------------------

def _load_balancer_in_two_public_subnets(acl_b=None):
    """vpc-a: pub-a 10.0.1.0/24 and pub-b 10.0.3.0/24 both route 0/0 -> igw-a. `lb` has no
    address of its own, a node in each subnet, and a public IPv4 address AWS assigns.
    Its group admits tcp/443 from anywhere."""
    subnets = {
        "pub-a": Subnet("pub-a", "vpc-a", (C("10.0.1.0/24"),), route_table="rt-pub"),
        "pub-b": Subnet("pub-b", "vpc-a", (C("10.0.3.0/24"),), route_table="rt-pub",
                        nacl="acl-b" if acl_b else None),
    }
    lb_group = group("sg-lb", "vpc-a", [rule("", "ingress", TCP, (443, 443), cidr="0.0.0.0/0")], [egress_all("")])
    from sgverify.model import Resource
    lb = Resource("lb", ("sg-lb",), vpc="vpc-a", subnet_ids=("pub-a", "pub-b"),
                  subnets=(C("10.0.1.0/24"), C("10.0.3.0/24")), has_public_ip=True)
    nacls = {"acl-d": open_acl("acl-d", "vpc-a")}
    if acl_b:
        nacls["acl-b"] = acl_b
    return network([lb_group], [lb], vpcs={"vpc-a": Vpc("vpc-a", (C("10.0.0.0/16"),))}, subnets=subnets,
                   route_tables={"rt-pub": table("rt-pub", "vpc-a", [route("0.0.0.0/0", "internet-gateway", "igw-a")],
                                                 main=True)},
                   nacls=nacls, internet_gateways={"igw-a": InternetGateway("igw-a", "vpc-a")})


def test_the_internet_reaches_a_load_balancer_at_the_public_address_aws_assigns():
    # Each connection from the internet goes to the node's public address through igw-a,
    # the default NACL admits it both ways and the group admits tcp/443: it completes.
    net = _load_balancer_in_two_public_subnets()
    lb = ResourceEndpoint("lb")
    assert verdict(net, assertion("allow", [internet], [lb], TCP, [443])) is Verdict.HOLDS
    assert verdict(net, assertion("allow", [internet], [lb], TCP, [80])) is Verdict.VIOLATED


def test_every_subnet_of_a_resource_without_addresses_may_hold_a_public_node():
    # The node in pub-a is closed by nothing but the group; pub-b's NACL denies everything
    # inbound. Were only the first subnet's node public, closing pub-a's NACL instead would
    # hide pub-b's node; here pub-a stays open, so `deny` is refuted through pub-a, and with
    # pub-a's node behind a closed NACL the pub-b node is still reached.
    closed = acl("acl-b", "vpc-a", [entry(100, "deny")], [entry(100, "allow")])
    net = _load_balancer_in_two_public_subnets(acl_b=closed)
    lb = ResourceEndpoint("lb")
    result = check_assertion(net, assertion("deny", [internet], [lb], TCP, [443]), Options())
    assert result.verdict is Verdict.VIOLATED
    subnets = dict(net.topology.subnets)
    subnets["pub-a"] = replace(subnets["pub-a"], nacl="acl-b")
    subnets["pub-b"] = replace(subnets["pub-b"], nacl=None)
    swapped = replace(net, topology=replace(net.topology, subnets=subnets))
    result = check_assertion(swapped, assertion("deny", [internet], [lb], TCP, [443]), Options())
    assert result.verdict is Verdict.VIOLATED
    assert "pub-b" in " ".join(steps(result))


# -- a resource whose subnet the input does not describe --------------------------------------

OTHER = "(other subnets of vpc-a)"  # the stand-in for the subnets of vpc-a the input leaves out


def _with_unplaced_db():
    """three_tier, but db sits in 10.0.9.10: a subnet of vpc-a the input does not describe."""
    net = three_tier()
    moved = replace(net.resources["db"], ips=(parse_address("10.0.9.10"),), subnet_ids=("subnet-gone",), subnets=())
    return replace(net, resources={**net.resources, "db": moved})


def test_an_allow_to_a_resource_in_an_undescribed_subnet_never_relies_on_its_nacl():
    # web's and db's groups admit the connection, but db's subnet (and so its NACL) is not in
    # the input: it may drop it, so the allow is refuted with that assumption named.
    result = check_assertion(_with_unplaced_db(), assertion("allow", [web], [db], TCP, [5432]))
    assert result.verdict is Verdict.VIOLATED
    assert result.counterexample.failed_at == f"NACL of {OTHER}"
    assert f"the inbound NACL of {OTHER} (not in the input) is taken to not admit the request" \
        in result.counterexample.assumptions


def test_an_allow_from_a_resource_in_an_undescribed_subnet_never_relies_on_its_nacl():
    result = check_assertion(_with_unplaced_db(), assertion("allow", [db], [web], TCP, [443]))
    assert result.verdict is Verdict.VIOLATED
    assert result.counterexample.failed_at == f"NACL of {OTHER}"


def test_the_local_route_reaches_a_resource_in_an_undescribed_subnet():
    # Its NACL may admit anything, so only the groups decide: 5432 from web's group is admitted
    # (the local route carries it: a deny must not hold), ssh from anywhere is not.
    net = _with_unplaced_db()
    refuted = check_assertion(net, assertion("deny", [web], [db], TCP, [5432]))
    assert refuted.verdict is Verdict.VIOLATED
    assert "route route local (vpc-a) taken" in steps(refuted)
    assert f"the inbound NACL of {OTHER} (not in the input) is taken to admit the request" \
        in refuted.counterexample.assumptions
    assert verdict(net, assertion("deny", [web], [db], TCP, [22])) is Verdict.HOLDS
    assert verdict(net, assertion("deny", [internet], [db])) is Verdict.HOLDS  # no public address


def test_a_resource_in_an_undescribed_subnet_reaches_the_described_ones_by_the_local_route():
    # db's groups let everything out, web admits 443 from anywhere: a deny from db must fail.
    net = _with_unplaced_db()
    assert verdict(net, assertion("deny", [db], [web], TCP, [443])) is Verdict.VIOLATED
    assert verdict(net, assertion("deny", [db], [web], TCP, [22])) is Verdict.HOLDS


def test_a_route_table_not_in_the_input_may_use_any_target_of_its_vpc():
    # app moves to a subnet of vpc-a the input leaves out: its route table is not known and may
    # send vpc-b's block over the peering, whose far side routes back. vpc-b itself has no way to
    # anything undescribed, so only that choice of route can carry it.
    net = two_vpcs((), TO_A)
    moved = replace(net.resources["app"], ips=(parse_address("10.0.7.10"),), subnet_ids=("subnet-gone",), subnets=())
    net = replace(net, resources={**net.resources, "app": moved})
    result = check_assertion(net, assertion("deny", [app], [svc]))
    assert result.verdict is Verdict.VIOLATED
    assert any("perhaps 0.0.0.0/0 -> pcx (a free choice)" in step for step in steps(result))
    # and an allow cannot rely on it
    assert verdict(net, assertion("allow", [app], [svc], TCP, [443])) is Verdict.VIOLATED
