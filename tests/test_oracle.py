"""The brute-force oracle on hand-made networks, and its search against random packets."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oracle import (
    DST,
    SRC,
    Witness,
    decide,
    delivered,
    is_violation,
    opaque_key,
    replay,
    unknown_key,
    who_options,
)
from sgverify.model import ALL, TCP, UDP, CidrPeer, Family, GroupPeer, Packet, Service, UnknownPeer
from sgverify.solve.result import Counterexample, Result, Side, Verdict
from sgverify.spec import AnyEndpoint, GroupEndpoint, InternetEndpoint, Kind, ResourceEndpoint, Traffic
from strategies import (
    CIDR_POOL,
    addr,
    assertion,
    cases,
    cidr,
    cidrs_endpoint,
    group,
    network,
    ports,
    resource,
)

EXAMPLES = int(os.environ.get("SGVERIFY_EXAMPLES", 200))


def tcp(src: str, dst: str, port: int) -> Packet:
    family, s = addr(src)
    _, d = addr(dst)
    return Packet(family, s, d, TCP, port)


def web_network():
    """web (10.0.0.1) takes tcp/443 from anywhere; app (10.0.0.2) takes tcp/8080 from web."""
    web = group("sg-web", ingress=[(Service(TCP, ports(443)), CidrPeer(cidr("0.0.0.0/0")))],
                egress=[(Service(ALL), CidrPeer(cidr("0.0.0.0/0")))])
    app = group("sg-app", ingress=[(Service(TCP, ports(8080)), GroupPeer("sg-web"))])
    return network([web, app], [resource("web", ["sg-web"], ["10.0.0.1"], ["3.3.3.3"]),
                                resource("app", ["sg-app"], ["10.0.0.2"])])


def test_delivered_follows_egress_and_ingress():
    net = web_network()
    assert delivered(net, tcp("1.2.3.4", "10.0.0.1", 443), None, "web", {})
    assert not delivered(net, tcp("1.2.3.4", "10.0.0.1", 444), None, "web", {})
    assert delivered(net, tcp("10.0.0.1", "10.0.0.2", 8080), "web", "app", {})
    # app has no egress rule: nothing leaves it except to unfiltered services.
    assert not delivered(net, tcp("10.0.0.2", "10.0.0.1", 443), "app", "web", {})
    assert delivered(net, tcp("10.0.0.2", "169.254.169.254", 80), "app", None, {})


def test_group_peer_matches_private_address_only():
    net = web_network()
    assert not delivered(net, tcp("3.3.3.3", "10.0.0.2", 8080), "web", "app", {})


def test_ipv4_block_never_admits_ipv6():
    net = web_network()
    packet = Packet(Family.V6, addr("2001:db8::1")[1], addr("fd00::1")[1], TCP, 443)
    assert not delivered(net, packet, None, "web", {})
    assert delivered(net, packet, None, None, {})


def test_who_options():
    net = network([group("sg-a")], [resource("c", ["sg-a"], ["10.0.0.1"]),
                                   resource("s", ["sg-a"], subnets=["10.0.0.0/24"]),
                                   resource("bare", ["sg-a"])])
    assert who_options(net, Family.V4, addr("10.0.0.1")[1]) == ["c"]
    assert who_options(net, Family.V4, addr("10.0.0.9")[1]) == [None, "s", "bare"]
    assert who_options(net, Family.V4, addr("10.0.1.9")[1]) == [None, "bare"]
    assert who_options(net, Family.V4, addr("8.8.8.8")[1]) == [None]
    assert who_options(net, Family.V6, addr("fd00::1")[1]) == [None]


def test_opaque_membership_and_unknown_rules_are_free():
    a = group("sg-a", ingress=[(Service(TCP, ports(22)), GroupPeer("sg-x")),
                               (Service(TCP, ports(80)), UnknownPeer("later"))])
    net = network([a, group("sg-x", opaque=True)], [resource("r", ["sg-a"], ["10.0.0.1"])])
    packet = tcp("10.9.9.9", "10.0.0.1", 22)
    assert not delivered(net, packet, None, "r", {})
    assert delivered(net, packet, None, "r", {opaque_key(SRC, "sg-x"): True})
    assert not delivered(net, packet, None, "r", {opaque_key(DST, "sg-x"): True})
    web = tcp("10.9.9.9", "10.0.0.1", 80)
    assert delivered(net, web, None, "r", {unknown_key(net.groups["sg-a"].ingress[1]): True})
    assert decide(net, assertion(Kind.DENY, [AnyEndpoint()], [ResourceEndpoint("r")],
                                 Traffic(TCP, ports(22)))).holds is False
    assert decide(net, assertion(Kind.ALLOW, [cidrs_endpoint("10.9.9.9/32")],
                                 [ResourceEndpoint("r")], Traffic(TCP, ports(80)))).holds is False


def test_decide_deny_and_allow():
    net = web_network()
    internet_to_app = assertion(Kind.DENY, [InternetEndpoint()], [ResourceEndpoint("app")])
    assert decide(net, internet_to_app).holds
    internet_to_web = assertion(Kind.ALLOW, [InternetEndpoint()], [ResourceEndpoint("web")],
                                Traffic(TCP, ports(443)))
    assert decide(net, internet_to_web).holds
    more = assertion(Kind.ALLOW, [InternetEndpoint()], [ResourceEndpoint("web")],
                     Traffic(TCP, ports(443, 444)))
    verdict = decide(net, more)
    assert not verdict.holds and verdict.witness.packet.port == 444


def test_decide_only():
    net = web_network()
    only_web = assertion(Kind.ONLY, [GroupEndpoint("sg-web")], [ResourceEndpoint("app")])
    assert decide(net, only_web).holds
    net_open = network([group("sg-app", ingress=[(Service(UDP), CidrPeer(cidr("10.0.0.0/8")))])],
                       [resource("app", ["sg-app"], ["10.0.0.2"])])
    verdict = decide(net_open, assertion(Kind.ONLY, [cidrs_endpoint("10.0.0.0/9")],
                                         [ResourceEndpoint("app")]))
    assert not verdict.holds
    assert verdict.witness.packet.src >= addr("10.128.0.0")[1]


def test_same_symbolic_resource_on_both_sides_needs_two_addresses():
    self_ref = group("sg-a", ingress=[(Service(ALL), GroupPeer("sg-a"))],
                     egress=[(Service(ALL), GroupPeer("sg-a"))])
    wide = network([self_ref], [resource("s", ["sg-a"], subnets=["10.0.0.0/31"])])
    deny = assertion(Kind.DENY, [ResourceEndpoint("s")], [ResourceEndpoint("s")])
    assert not decide(wide, deny).holds
    single = network([self_ref], [resource("s", ["sg-a"], subnets=["10.0.0.0/32"])])
    assert decide(single, deny).holds


def _as_result(a, witness: Witness) -> Result:
    packet = witness.packet
    example = Counterexample(packet, Side(packet.src_ip, witness.src_who),
                             Side(packet.dst_ip, witness.dst_who))
    return Result(a, Verdict.VIOLATED, example)


def test_replay_rejects_a_non_violation():
    net = web_network()
    a = assertion(Kind.DENY, [AnyEndpoint()], [ResourceEndpoint("app")])
    fake = Witness(tcp("1.2.3.4", "10.0.0.2", 8080), None, "app", {})
    try:
        replay(net, a, _as_result(a, fake))
    except AssertionError as error:
        assert "not a violation" in str(error)
    else:
        raise AssertionError("replay accepted a packet the network drops")
    wrong_identity = Witness(tcp("10.0.0.1", "10.0.0.2", 8080), None, "app", {})
    try:
        replay(net, a, _as_result(a, wrong_identity))
    except AssertionError as error:
        assert "identity" in str(error)
    else:
        raise AssertionError("replay accepted an impossible identity")


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(cases())
def test_decide_witness_replays(case):
    net, a = case
    verdict = decide(net, a)
    if not verdict.holds:
        replay(net, a, _as_result(a, verdict.witness))


addresses_pool = st.sampled_from(CIDR_POOL).flatmap(
    lambda text: st.integers(cidr(text).first, cidr(text).last).map(
        lambda v: (cidr(text).family, v)))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(cases(), st.data())
def test_no_random_packet_beats_a_holds(case, data):
    """Representatives are exhaustive: any violation found by sampling is found by decide."""
    net, a = case
    family, s = data.draw(addresses_pool)
    d = data.draw(addresses_pool.filter(lambda fv: fv[0] is family)
                  | st.integers(0, family.top).map(lambda v: (family, v)))[1]
    svc = data.draw(st.integers(0, (1 << 24) - 1))
    protocol, low = svc >> 16, svc & 0xFFFF
    port = low if protocol in (TCP, UDP) else None
    icmp = (low >> 8, low & 0xFF) if protocol in (1, 58) else (None, None)
    packet = Packet(family, s, d, protocol, port, *icmp)
    src_who = data.draw(st.sampled_from(who_options(net, family, s)))
    dst_who = data.draw(st.sampled_from(who_options(net, family, d)))
    keys = [opaque_key(side, g) for side in (SRC, DST) for g in net.groups] + [
        unknown_key(r) for r in net.all_rules()]
    bits = data.draw(st.integers(0, (1 << len(keys)) - 1))
    free = {k: bool(bits >> i & 1) for i, k in enumerate(keys)}
    if is_violation(net, a, packet, src_who, dst_who, free):
        assert not decide(net, a).holds
