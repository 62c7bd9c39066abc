"""Classes of profiles whose policies differ but reduce to the same thing in a
query: the addresses each class claims decide who a side can be.

Random networks rarely have several policy classes fall into one query class,
so these hand cases build them: a class that holds every profile with an
address claims every held address, and two classes that each hold some claim
only their own. Each verdict is checked against the brute-force oracle and
each counterexample replayed.
"""

from __future__ import annotations

from agreement import checked
from sgverify.model import TCP, CidrPeer, GroupPeer, Service
from sgverify.solve import Verdict
from sgverify.spec import GroupEndpoint, Kind, ResourceEndpoint, Traffic
from strategies import assertion, cidr, group, network, ports, resource

HTTPS = Service(TCP, ports(443))


def verdict(net, a) -> Verdict:
    return checked(net, a).verdict


def only_from(group_key: str):
    return assertion(Kind.ONLY, [GroupEndpoint(group_key)], [ResourceEndpoint("t")], Traffic(TCP, ports(443)))


def test_one_class_holding_every_profile_claims_every_held_address():
    # Three different egress policies, none reaching t (10.1.0.5): in this
    # query they are one class, and it holds every profile with an address.
    # t admits members of sg-x only, so no one reaches it; were a held
    # address left unclaimed, it could pose as an unmanaged host in sg-x.
    net = network(
        [group("sg-x", egress=[(HTTPS, CidrPeer(cidr("192.168.0.0/16")))]),
         group("sg-y", egress=[(HTTPS, CidrPeer(cidr("172.16.0.0/12")))]),
         group("sg-t", ingress=[(HTTPS, GroupPeer("sg-x"))])],
        [resource("x", ["sg-x"], ["10.0.0.1"]), resource("y", ["sg-y"], ["10.0.0.2"]),
         resource("t", ["sg-t"], ["10.1.0.5"])])
    assert verdict(net, only_from("sg-y")) is Verdict.HOLDS


def test_two_classes_each_claim_only_their_own_profiles():
    # x1 and x2 reach t by different rules (one class); y1, y2 and t do not
    # (another class). Only sg-x1 and sg-x2 members are admitted, so the
    # violation of "only sg-y1" needs x1 or x2 to be who they are.
    net = network(
        [group("sg-x1", egress=[(HTTPS, CidrPeer(cidr("10.1.0.0/16")))]),
         group("sg-x2", egress=[(HTTPS, CidrPeer(cidr("10.1.0.5/32")))]),
         group("sg-y1", egress=[(HTTPS, CidrPeer(cidr("192.168.0.0/16")))]),
         group("sg-y2"),
         group("sg-t", ingress=[(HTTPS, GroupPeer("sg-x1")), (HTTPS, GroupPeer("sg-x2"))])],
        [resource("x1", ["sg-x1"], ["10.0.0.1"]), resource("x2", ["sg-x2"], ["10.0.0.2"]),
         resource("y1", ["sg-y1"], ["10.0.0.3"]), resource("y2", ["sg-y2"], ["10.0.0.4"]),
         resource("t", ["sg-t"], ["10.1.0.5"])])
    assert verdict(net, only_from("sg-y1")) is Verdict.VIOLATED
