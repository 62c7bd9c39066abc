"""Each semantic fact on a hand-written network: the verifier and the oracle both decide it."""

from __future__ import annotations

from agreement import checked
from sgverify.model import ALL, ICMP, TCP, UDP, CidrPeer, GroupPeer, PrefixList, PrefixListPeer
from sgverify.model import Service, UnknownPeer
from sgverify.solve import Verdict
from sgverify.spec import AnyEndpoint, GroupEndpoint, InternetEndpoint, Kind, ResourceEndpoint
from sgverify.spec import Traffic
from strategies import assertion, cidr, cidrs_endpoint, group, network, ports, resource

DENY, ALLOW, ONLY = Kind.DENY, Kind.ALLOW, Kind.ONLY
HOLDS, VIOLATED = Verdict.HOLDS, Verdict.VIOLATED
ANY = AnyEndpoint()


def check(net, kind, sources, destinations, traffic=None) -> Verdict:
    """The verdict both deciders agree on (and a replayed counterexample, if any)."""
    return checked(net, assertion(kind, sources, destinations, traffic)).verdict


def tcp(lo, hi=None) -> Traffic:
    return Traffic(TCP, ports(lo, hi))


def open_from(peer, service=Service(ALL), **extra):
    """One resource r (10.0.0.1, fd00::1) whose group admits `service` from `peer`."""
    sg = group("sg-a", ingress=[(service, peer)], egress=[(Service(ALL), CidrPeer(cidr("0.0.0.0/0")))])
    return network([sg], [resource("r", ["sg-a"], ["10.0.0.1", "fd00::1"])], **extra)


R = ResourceEndpoint("r")
EVERYWHERE = CidrPeer(cidr("0.0.0.0/0"))


def test_gre_rule_never_opens_tcp_22():
    net = open_from(EVERYWHERE, Service(47))
    assert check(net, DENY, [ANY], [R], tcp(22)) is HOLDS
    assert check(net, DENY, [ANY], [R], Traffic(47)) is VIOLATED


def test_tcp_0_0_is_port_0_only():
    net = open_from(EVERYWHERE, Service(TCP, ports(0)))
    assert check(net, DENY, [ANY], [R], tcp(1, 65535)) is HOLDS
    assert check(net, ALLOW, [cidrs_endpoint("0.0.0.0/0")], [R], tcp(0)) is HOLDS


def test_all_protocols_opens_every_protocol_and_port():
    net = open_from(EVERYWHERE)
    assert check(net, ALLOW, [cidrs_endpoint("0.0.0.0/0")], [R]) is HOLDS
    assert check(net, ALLOW, [cidrs_endpoint("0.0.0.0/0")], [R], tcp(0, 65535)) is HOLDS


def test_ipv4_any_admits_no_ipv6():
    net = open_from(EVERYWHERE)
    assert check(net, DENY, [cidrs_endpoint("::/0")], [R]) is HOLDS
    assert check(net, ALLOW, [ANY], [R]) is VIOLATED


def test_ipv6_any_admits_no_ipv4():
    net = open_from(CidrPeer(cidr("::/0")))
    assert check(net, DENY, [cidrs_endpoint("0.0.0.0/0")], [R]) is HOLDS
    assert check(net, ALLOW, [cidrs_endpoint("::/0")], [R]) is HOLDS


def test_zero_slash_32_is_one_address():
    net = open_from(CidrPeer(cidr("0.0.0.0/32")))
    assert check(net, DENY, [cidrs_endpoint("0.0.0.1/32", "1.2.3.4/32")], [R]) is HOLDS
    assert check(net, DENY, [InternetEndpoint()], [R]) is HOLDS
    assert check(net, DENY, [cidrs_endpoint("0.0.0.0/32")], [R]) is VIOLATED


def web_and_app():
    web = group("sg-web", egress=[(Service(ALL), EVERYWHERE)])
    app = group("sg-app", ingress=[(Service(TCP, ports(8080)), GroupPeer("sg-web"))])
    return network([web, app], [resource("web", ["sg-web"], ["10.0.0.1"], ["3.3.3.3"]),
                                resource("app", ["sg-app"], ["10.0.0.2"])])


def test_group_reference_matches_private_not_public_addresses():
    net = web_and_app()
    app = ResourceEndpoint("app")
    assert check(net, DENY, [cidrs_endpoint("3.3.3.3/32")], [app]) is HOLDS
    assert check(net, ALLOW, [cidrs_endpoint("10.0.0.1/32")], [app], tcp(8080)) is HOLDS
    assert check(net, ONLY, [GroupEndpoint("sg-web")], [app]) is HOLDS


def test_self_reference_lets_members_talk_and_its_absence_does_not():
    members = [resource("r1", ["sg-a"], ["10.0.0.1"]), resource("r2", ["sg-a"], ["10.0.0.2"])]
    out = [(Service(ALL), EVERYWHERE)]
    with_self = network([group("sg-a", ingress=[(Service(ALL), GroupPeer("sg-a"))], egress=out)],
                        members)
    without = network([group("sg-a", ingress=[(Service(TCP, ports(22)), CidrPeer(cidr("1.1.1.1/32")))],
                             egress=out)], members)
    r1, r2 = ResourceEndpoint("r1"), ResourceEndpoint("r2")
    assert check(with_self, ALLOW, [r1], [r2]) is HOLDS
    assert check(without, DENY, [r1], [r2]) is HOLDS


def test_group_without_members_matches_nothing():
    sg = group("sg-a", ingress=[(Service(ALL), GroupPeer("sg-empty"))])
    net = network([sg, group("sg-empty")], [resource("r", ["sg-a"], ["10.0.0.1"])])
    assert check(net, DENY, [ANY], [R]) is HOLDS


def test_metadata_reachable_without_egress_rule():
    net = network([group("sg-a")], [resource("r", ["sg-a"], ["10.0.0.1"])])
    assert check(net, ALLOW, [R], [cidrs_endpoint("169.254.169.254/32")]) is HOLDS
    assert check(net, DENY, [R], [cidrs_endpoint("8.8.8.8/32", "169.254.169.253/32")]) is VIOLATED
    assert check(net, DENY, [R], [cidrs_endpoint("8.8.8.8/32")]) is HOLDS


def test_stateful_only_source_egress_and_destination_ingress_matter():
    a = group("sg-a", egress=[(Service(TCP, ports(443)), CidrPeer(cidr("10.0.0.2/32")))])
    b = group("sg-b", ingress=[(Service(TCP, ports(443)), GroupPeer("sg-a"))])
    net = network([a, b], [resource("a", ["sg-a"], ["10.0.0.1"]), resource("b", ["sg-b"], ["10.0.0.2"])])
    ra, rb = ResourceEndpoint("a"), ResourceEndpoint("b")
    assert check(net, ALLOW, [ra], [rb], tcp(443)) is HOLDS
    assert check(net, DENY, [rb], [ra]) is HOLDS  # no reply rule needed, none opened


def test_symbolic_resource_is_any_address_of_its_subnet():
    sg = group("sg-s", ingress=[(Service(TCP, ports(22)), CidrPeer(cidr("10.0.0.0/24")))])
    net = network([sg], [resource("s", ["sg-s"], subnets=["10.0.1.0/24"])])
    s = ResourceEndpoint("s")
    assert check(net, ALLOW, [cidrs_endpoint("10.0.0.0/24")], [s], tcp(22)) is HOLDS
    assert check(net, DENY, [cidrs_endpoint("192.168.0.0/16")], [s]) is HOLDS
    # Any address of the subnet may be the resource, which drops tcp/80.
    assert check(net, ALLOW, [cidrs_endpoint("10.0.0.0/24")], [cidrs_endpoint("10.0.1.9/32")],
                 tcp(80)) is VIOLATED
    assert check(net, ALLOW, [cidrs_endpoint("10.0.0.0/24")], [cidrs_endpoint("10.0.2.9/32")],
                 tcp(80)) is HOLDS


def test_symbolic_resource_without_subnet_is_private_ipv4():
    sg = group("sg-s", ingress=[(Service(ALL), CidrPeer(cidr("::/0")))])
    net = network([sg], [resource("s", ["sg-s"])])
    s = ResourceEndpoint("s")
    assert check(net, DENY, [ANY], [s]) is HOLDS  # it has no IPv6 address
    outside = [cidrs_endpoint("8.8.8.8/32")]
    assert check(net, ALLOW, outside, [cidrs_endpoint("10.1.2.3/32")]) is VIOLATED
    assert check(net, ALLOW, outside, [cidrs_endpoint("100.64.0.1/32")]) is HOLDS


def test_a_packet_to_its_own_address_is_never_a_counterexample():
    sg = group("sg-a", ingress=[(Service(ALL), GroupPeer("sg-a"))],
               egress=[(Service(ALL), GroupPeer("sg-a"))])
    one = network([sg], [resource("r", ["sg-a"], ["10.0.0.1"])])
    assert check(one, DENY, [R], [R]) is HOLDS
    assert check(one, ALLOW, [cidrs_endpoint("10.0.0.1/32")], [cidrs_endpoint("10.0.0.1/32")],
                 Traffic(UDP)) is HOLDS
    two = network([sg], [resource("r", ["sg-a"], ["10.0.0.1", "10.0.0.2"])])
    assert check(two, DENY, [R], [R]) is VIOLATED


def test_opaque_group_may_hold_any_unmanaged_address_but_no_managed_one():
    sg = group("sg-a", ingress=[(Service(TCP, ports(22)), GroupPeer("sg-x"))])
    net = network([sg, group("sg-x", opaque=True), group("sg-b", egress=[(Service(ALL), EVERYWHERE)])],
                  [resource("r", ["sg-a"], ["10.0.0.1"]), resource("q", ["sg-b"], ["10.0.0.2"])])
    assert check(net, DENY, [cidrs_endpoint("10.0.0.0/8")], [R], tcp(22)) is VIOLATED
    assert check(net, DENY, [ResourceEndpoint("q")], [R]) is HOLDS
    assert check(net, ALLOW, [GroupEndpoint("sg-x")], [R], tcp(22)) is HOLDS
    assert check(net, ALLOW, [cidrs_endpoint("10.9.0.0/16")], [R], tcp(22)) is VIOLATED


def test_unknown_peer_may_match_anything_and_nothing():
    net = open_from(UnknownPeer("computed"), Service(TCP, ports(22)))
    assert check(net, DENY, [ANY], [R], tcp(22)) is VIOLATED
    assert check(net, ALLOW, [ANY], [R], tcp(22)) is VIOLATED
    assert check(net, DENY, [ANY], [R], tcp(23)) is HOLDS


def test_prefix_list_matches_its_entries_per_family():
    pl = PrefixList("pl-1", (cidr("1.1.1.0/30"), cidr("2001:db8::/126")))
    net = open_from(PrefixListPeer("pl-1"), prefix_lists=[pl])
    assert check(net, ALLOW, [cidrs_endpoint("1.1.1.0/30", "2001:db8::/126")], [R]) is HOLDS
    assert check(net, DENY, [cidrs_endpoint("1.1.1.4/30", "2001:db8::4/126")], [R]) is HOLDS


def test_icmp_type_and_code():
    net = open_from(EVERYWHERE, Service(ICMP, icmp_type=8, icmp_code=0))
    assert check(net, DENY, [ANY], [R], Traffic(ICMP)) is VIOLATED
    assert check(net, ALLOW, [InternetEndpoint()], [R], Traffic(ICMP)) is VIOLATED
    assert check(net, DENY, [ANY], [R], Traffic(TCP)) is HOLDS


def test_only_source_outside_the_from_set():
    net = open_from(CidrPeer(cidr("10.0.0.0/8")), Service(UDP))
    assert check(net, ONLY, [cidrs_endpoint("10.0.0.0/8")], [R]) is HOLDS
    assert check(net, ONLY, [cidrs_endpoint("10.0.0.0/9")], [R]) is VIOLATED


def test_unknown_service_keeps_its_known_protocol():
    """Ports unknown, protocol tcp: the rule may open any tcp port, but never udp."""
    sg = group("sg-a", ingress=[(Service(TCP), EVERYWHERE, "ports: computed")])
    net = network([sg], [resource("r", ["sg-a"], ["10.0.0.1"])])
    assert check(net, DENY, [ANY], [R], tcp(5432)) is VIOLATED
    assert check(net, ALLOW, [ANY], [R], tcp(5432)) is VIOLATED
    assert check(net, DENY, [ANY], [R], Traffic(UDP)) is HOLDS
