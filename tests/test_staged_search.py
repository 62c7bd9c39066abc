"""`allow` and `only` assertions search unmanaged sources first.

That first search covers only a part of the violations, so it may refute an
assertion but never prove one: when it finds nothing, the whole query
decides. These hand cases put the only violation on each side of that split,
and check every verdict against the brute-force oracle and every
counterexample by replaying it.
"""

from __future__ import annotations

from agreement import checked
from sgverify.model import TCP, CidrPeer, GroupPeer, Service
from sgverify.solve import Options, Verdict, check_assertion
from sgverify.spec import AddressEndpoint, GroupEndpoint, InternetEndpoint, Kind, ResourceEndpoint, Traffic
from strategies import assertion, cidr, group, network, ports, resource

HTTPS = Service(TCP, ports(443))
EVERYWHERE = [(HTTPS, CidrPeer(cidr("0.0.0.0/0")))]
STAGE = "IPv4 unmanaged sources"


def ten_slash_8_reaches_t():
    return assertion(Kind.ALLOW, [AddressEndpoint("ten", (cidr("10.0.0.0/8"),))], [ResourceEndpoint("t")],
                     Traffic(TCP, ports(443)))


def only_from(group_key: str):
    return assertion(Kind.ONLY, [GroupEndpoint(group_key)], [ResourceEndpoint("t")], Traffic(TCP, ports(443)))


def test_allow_refuted_by_an_unmanaged_source_stops_at_the_first_search():
    # t admits 10.0.0.0/24 only: any other address of 10/8 that no resource
    # holds is refused. x (in that /24, sending nothing) must not stand in for one.
    net = network([group("sg-t", ingress=[(HTTPS, CidrPeer(cidr("10.0.0.0/24")))]), group("sg-x")],
                  [resource("t", ["sg-t"], ["10.1.0.5"]), resource("x", ["sg-x"], ["10.0.0.1"])])
    result = checked(net, ten_slash_8_reaches_t())
    assert result.verdict is Verdict.VIOLATED
    assert result.counterexample.source.resource is None
    assert set(result.stats.solver) == {STAGE}  # the whole query was not needed


def test_allow_refuted_only_by_a_managed_source_is_found_by_the_whole_query():
    # t admits all of 10/8, so no unmanaged source is refused; x's egress goes
    # nowhere near t, so x is the one violation.
    net = network([group("sg-t", ingress=[(HTTPS, CidrPeer(cidr("10.0.0.0/8")))]),
                   group("sg-x", egress=[(HTTPS, CidrPeer(cidr("192.168.0.0/16")))])],
                  [resource("t", ["sg-t"], ["10.1.0.5"]), resource("x", ["sg-x"], ["10.0.0.1"])])
    result = checked(net, ten_slash_8_reaches_t())
    assert result.verdict is Verdict.VIOLATED
    assert result.counterexample.source.resource == "x"
    assert set(result.stats.solver) == {STAGE, "IPv4"}


def test_allow_that_holds_is_proved_by_the_whole_query():
    net = network([group("sg-t", ingress=[(HTTPS, CidrPeer(cidr("10.0.0.0/8")))]), group("sg-x", egress=EVERYWHERE)],
                  [resource("t", ["sg-t"], ["10.1.0.5"]), resource("x", ["sg-x"], ["10.0.0.1"])])
    result = checked(net, ten_slash_8_reaches_t())
    assert result.verdict is Verdict.HOLDS
    assert set(result.stats.solver) == {STAGE, "IPv4"}
    assert result.stats.queries == 2


def test_only_violated_by_a_member_of_another_group_is_found_by_the_whole_query():
    # t admits members of sg-x and sg-y and no address block: no unmanaged
    # address gets in, but y does.
    net = network([group("sg-x"), group("sg-y", egress=EVERYWHERE),
                   group("sg-t", ingress=[(HTTPS, GroupPeer("sg-x")), (HTTPS, GroupPeer("sg-y"))])],
                  [resource("x", ["sg-x"], ["10.0.0.1"]), resource("y", ["sg-y"], ["10.0.0.2"]),
                   resource("t", ["sg-t"], ["10.1.0.5"])])
    result = checked(net, only_from("sg-x"))
    assert result.verdict is Verdict.VIOLATED
    assert result.counterexample.source.resource == "y"


def test_only_that_holds_is_proved_by_the_whole_query():
    net = network([group("sg-x"), group("sg-y"), group("sg-t", ingress=[(HTTPS, GroupPeer("sg-x"))])],
                  [resource("x", ["sg-x"], ["10.0.0.1"]), resource("y", ["sg-y"], ["10.0.0.2"]),
                   resource("t", ["sg-t"], ["10.1.0.5"])])
    result = checked(net, only_from("sg-x"))
    assert result.verdict is Verdict.HOLDS
    assert set(result.stats.solver) == {STAGE, "IPv4"}


def test_only_refuted_through_an_opaque_group_names_the_assumption():
    # sg-o's members are not all known: an unmanaged address may be one, and
    # t admits sg-o. The first search finds it, under that assumption.
    net = network([group("sg-x"), group("sg-o", opaque=True),
                   group("sg-t", ingress=[(HTTPS, GroupPeer("sg-x")), (HTTPS, GroupPeer("sg-o"))])],
                  [resource("x", ["sg-x"], ["10.0.0.1"]), resource("t", ["sg-t"], ["10.1.0.5"])])
    result = checked(net, only_from("sg-x"))
    assert result.verdict is Verdict.VIOLATED
    assert result.counterexample.source.resource is None
    assert result.counterexample.assumptions
    assert set(result.stats.solver) == {STAGE}


def test_deny_and_single_resource_sources_are_not_split():
    net = network([group("sg-t", ingress=EVERYWHERE), group("sg-x", egress=EVERYWHERE)],
                  [resource("t", ["sg-t"], ["10.1.0.5"]), resource("x", ["sg-x"], ["10.0.0.1"])])
    deny = checked(net, assertion(Kind.DENY, [InternetEndpoint()], [ResourceEndpoint("t")], Traffic(TCP, ports(443))))
    assert deny.verdict is Verdict.VIOLATED and set(deny.stats.solver) == {"IPv4"}
    # one managed source: no unmanaged address among the sources, nothing to split
    allow = checked(net, assertion(Kind.ALLOW, [ResourceEndpoint("x")], [ResourceEndpoint("t")],
                                   Traffic(TCP, ports(443))))
    assert allow.verdict is Verdict.HOLDS and set(allow.stats.solver) == {"IPv4"}


def test_out_of_time_in_the_first_search_is_unknown_never_a_proof():
    net = network([group("sg-t", ingress=[(HTTPS, CidrPeer(cidr("10.0.0.0/8")))]), group("sg-x", egress=EVERYWHERE)],
                  [resource("t", ["sg-t"], ["10.1.0.5"]), resource("x", ["sg-x"], ["10.0.0.1"])])
    assert checked(net, ten_slash_8_reaches_t()).verdict is Verdict.HOLDS  # with time enough
    result = check_assertion(net, ten_slash_8_reaches_t(), Options(timeout=1e-9))
    assert result.verdict is Verdict.UNKNOWN and "timeout" in result.reason
