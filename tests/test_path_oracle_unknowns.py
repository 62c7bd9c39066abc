"""The Z3 path engine against the path oracle on what the input cannot know:
opaque groups, rules with unknown parts, resources whose VPC is not known,
and transit gateway attachments in two zones (path_oracle_unknowns.py draws
them onto the networks of test_path_oracle.py and path_networks_v6.py).

Each is a free choice. The oracle enumerates them itself: it takes every
opaque membership and unknown part as matching and every placement as
possible for `deny` and `only`, none for `allow` (each such choice only adds
matches, so that is the worst case each way), and tries every zone of every
attachment in turn. So on every drawn case:
- when the engine says HOLDS, the oracle finds no violating packet under any choice;
- when it says VIOLATED, its counterexample violates the assertion under some choice.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from path_networks_v6 import free_cases
from path_oracle_unknowns import with_away, with_unknowns, with_zones
from test_path_oracle import cases
from pathnets import TCP, C, Subnet, Vpc, acl, assertion, entry, group, instance, network, open_acl, route, rule, \
    table, three_tier
from sgverify.model import Resource, SecurityGroup, UnknownPeer, parse_address
from sgverify.model.topology import TgwAttachment, TgwRouteTable, TransitGateway
from sgverify.spec import AddressEndpoint, ResourceEndpoint
from test_path_oracle_free import _agree, _expect

QUICK = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def unknown_cases(draw):
    net, a = draw(st.one_of(cases(), free_cases()))
    net, features = draw(with_unknowns(net))
    return net, a, features


@st.composite
def away_cases(draw):
    net, a = draw(free_cases())
    if not net.resources:
        return net, a, set()
    net, a, feature = draw(with_away(net, a))
    features = {feature}
    if draw(st.booleans()):
        net, more = draw(with_unknowns(net))
        features |= more
    return net, a, features


@st.composite
def zone_cases(draw):
    net, a = draw(cases(transit=True))
    net, zoned = draw(with_zones(net))
    features = {"attachment in two zones"} if zoned else set()
    if draw(st.integers(0, 2)) == 0:
        net, more = draw(with_unknowns(net))
        features |= more
    return net, a, features


@QUICK
@given(unknown_cases())
def test_engine_agrees_with_the_path_oracle_on_opaque_groups_and_unknown_rules(case):
    _agree(*case[:2])


@QUICK
@given(away_cases())
def test_engine_agrees_with_the_path_oracle_on_resources_whose_vpc_is_not_known(case):
    _agree(*case[:2])


@QUICK
@given(zone_cases())
def test_engine_agrees_with_the_path_oracle_on_attachments_in_two_zones(case):
    _agree(*case[:2])


# ---------------------------------------------------------------- the generators draw each case

def test_the_generators_draw_each_thing_the_input_cannot_know():
    """Without this the differential tests above could pass on networks that
    never hold the new cases."""
    seen = Counter()

    @settings(max_examples=80, database=None, derandomize=True, deadline=None)
    @given(st.one_of(unknown_cases(), away_cases(), zone_cases()))
    def draw(case):
        seen.update(case[2])

    draw()
    wanted = ["opaque peer", "unknown peer", "unknown peer and service", "unknown applying",
              "opaque group with unknown rules", "opaque group with known rules", "attachment in two zones",
              "resource with its VPC not known at 10.7.0.10", "resource with its VPC not known at 10.0.9.20 (no VPC named)"]
    assert all(seen[w] for w in wanted), seen


# ---------------------------------------------------------------- the oracle on hand-worked networks
# Each network is one where ignoring the free choice gives the other answer.

WEB, DB = ResourceEndpoint("web"), ResourceEndpoint("db")


def at(text):
    return AddressEndpoint(text, (C(text),))


def _tier_with(db_rule, opaque: bool = False):
    net = three_tier(db_ingress=[db_rule])
    if opaque:
        net = replace(net, groups={**net.groups, "sg-ext": SecurityGroup("sg-ext", opaque=True)})
    return net


def test_a_reference_to_an_opaque_group_may_match_any_host_but_no_resource_not_carrying_it():
    net = _tier_with(rule("", "ingress", TCP, (5432, 5432), peer_group="sg-ext"), opaque=True)
    _expect(net, assertion("deny", [at("10.0.1.0/24")], [DB], TCP, [5432]), True)  # a host of pub may be a member
    _expect(net, assertion("deny", [WEB], [DB], TCP, [5432]), False)  # web does not carry sg-ext
    _expect(net, assertion("allow", [at("10.0.1.0/24")], [DB], TCP, [5432]), True)  # perhaps none is


def test_a_rule_with_an_unknown_peer_or_applying_may_match_or_not():
    unknown_peer = replace(rule("", "ingress", TCP, (5432, 5432), cidr="0.0.0.0/0"), peer=UnknownPeer("after apply"))
    applying = replace(rule("", "ingress", TCP, (5432, 5432), cidr="10.0.1.0/24"), service_unknown="after apply")
    for db_rule in (unknown_peer, applying):
        net = _tier_with(db_rule)
        _expect(net, assertion("deny", [WEB], [DB], TCP, [5432]), True)
        _expect(net, assertion("allow", [WEB], [DB], TCP, [5432]), True)
        _expect(net, assertion("deny", [WEB], [DB], TCP, [22]), False)  # the known service still bounds it
    _expect(_tier_with(applying), assertion("deny", [at("10.0.2.0/24")], [DB], TCP, [5432]), False)


def _away(vpn: bool):
    """vpc-a 10.0.0.0/16, subnet s-a 10.0.1.0/24 with r-a (10.0.1.10); its main table
    sends 10.7.0.0/16 to vgw-x, a VPN gateway not in the input (`vpn`), or nowhere.
    r-away names vpc-away and a subnet, neither in the input, at 10.7.0.10. All open."""
    subnets = {"s-a": Subnet("s-a", "vpc-a", (C("10.0.1.0/24"),))}
    sgs = [group(k, ingress=[rule("", "ingress", cidr="0.0.0.0/0")], egress=[rule("", "egress", cidr="0.0.0.0/0")])
           for k in ("sg-a", "sg-away")]
    away = Resource("r-away", ("sg-away",), ips=(parse_address("10.7.0.10"),), vpc="vpc-away",
                    subnet_ids=("subnet-away",))
    routes = [route("10.7.0.0/16", "vpn-gateway", "vgw-x")] if vpn else []
    return network(sgs, [instance("r-a", ["sg-a"], "10.0.1.10", "s-a", subnets), away],
                   vpcs={"vpc-a": Vpc("vpc-a", (C("10.0.0.0/16"),))}, subnets=subnets,
                   nacls={"acl-a": open_acl("acl-a", "vpc-a")}, route_tables={"rt-a": table("rt-a", "vpc-a", routes, True)})


def test_a_resource_whose_vpc_is_not_known_is_reached_only_through_what_the_input_leaves_out():
    r_a, away = ResourceEndpoint("r-a"), ResourceEndpoint("r-away")
    _expect(_away(vpn=True), assertion("deny", [r_a], [away], TCP, [443]), True)  # perhaps behind vgw-x
    _expect(_away(vpn=True), assertion("deny", [away], [r_a], TCP, [443]), True)  # and sending in that way
    _expect(_away(vpn=True), assertion("allow", [r_a], [away], TCP, [443]), True)  # perhaps not there
    _expect(_away(vpn=False), assertion("deny", [r_a], [away], TCP, [443]), False)  # no way out of vpc-a


def _zones(subnets_a):
    """vpc-a 10.0.0.0/16 (pub-a 10.0.1.0/24 with r-a at 10.0.1.10; priv-a 10.0.2.0/24,
    whose NACL denies everything out to pub-a) and vpc-b 10.1.0.0/16 (s-b with r-b
    at 10.1.1.10), each main table sending the other's block to tgw; att-a has its
    interfaces in `subnets_a`; tgw-rt propagates both. Groups and other NACLs open."""
    subnets = {"pub-a": Subnet("pub-a", "vpc-a", (C("10.0.1.0/24"),)),
               "priv-a": Subnet("priv-a", "vpc-a", (C("10.0.2.0/24"),), nacl="acl-priv"),
               "s-b": Subnet("s-b", "vpc-b", (C("10.1.1.0/24"),))}
    sgs = [group(k, ingress=[rule("", "ingress", cidr="0.0.0.0/0")], egress=[rule("", "egress", cidr="0.0.0.0/0")])
           for k in ("sg-a", "sg-b")]
    closed = acl("acl-priv", "vpc-a", [entry(100, "allow")], [entry(100, "deny", "10.0.1.0/24"), entry(200, "allow")])
    return network(sgs, [instance("r-a", ["sg-a"], "10.0.1.10", "pub-a", subnets),
                         instance("r-b", ["sg-b"], "10.1.1.10", "s-b", subnets)],
                   vpcs={"vpc-a": Vpc("vpc-a", (C("10.0.0.0/16"),)), "vpc-b": Vpc("vpc-b", (C("10.1.0.0/16"),))},
                   subnets=subnets,
                   nacls={"acl-a": open_acl("acl-a", "vpc-a"), "acl-b": open_acl("acl-b", "vpc-b"), "acl-priv": closed},
                   route_tables={"rt-a": table("rt-a", "vpc-a", [route("10.1.0.0/16", "transit-gateway", "tgw")], True),
                                 "rt-b": table("rt-b", "vpc-b", [route("10.0.0.0/16", "transit-gateway", "tgw")], True)},
                   transit_gateways={"tgw": TransitGateway("tgw")},
                   tgw_attachments={"att-a": TgwAttachment("att-a", "tgw", "vpc-a", tuple(subnets_a), "tgw-rt"),
                                    "att-b": TgwAttachment("att-b", "tgw", "vpc-b", ("s-b",), "tgw-rt")},
                   tgw_route_tables={"tgw-rt": TgwRouteTable("tgw-rt", "tgw", (), ("att-a", "att-b"))})


def test_the_zone_an_attachment_uses_is_a_free_choice():
    # From priv-a's interface the packet to r-a leaves priv-a, whose NACL drops it;
    # from pub-a's it crosses no NACL at all.
    deny, allow = (assertion(k, [ResourceEndpoint("r-b")], [ResourceEndpoint("r-a")], TCP, [443])
                   for k in ("deny", "allow"))
    _expect(_zones(["priv-a"]), deny, False)
    _expect(_zones(["priv-a", "pub-a"]), deny, True)
    _expect(_zones(["pub-a"]), allow, False)
    _expect(_zones(["pub-a", "priv-a"]), allow, True)
