"""Disagreements the path oracle found with the engine, minimised by hand and
decided from AWS semantics (semantics list item 25: an address means
something only together with its VPC)."""

from __future__ import annotations

from path_oracle import decide
from pathnets import TCP, C, Subnet, Vpc, assertion, group, instance, network, open_acl, rule, table
from sgverify.model import Resource, parse_address
from sgverify.solve import Verdict, check_assertion
from sgverify.spec import ResourceEndpoint


def _away_at_a_described_address():
    """vpc-a 10.0.0.0/16 with subnet pub-a 10.0.1.0/24 (default NACL open, main
    table without routes) holding r-a at 10.0.1.10. r-away says it is in
    vpc-away, subnet subnet-away, neither in the input, at 10.0.1.77: an address
    pub-a also has. Both groups admit everything."""
    subnets = {"pub-a": Subnet("pub-a", "vpc-a", (C("10.0.1.0/24"),))}
    sgs = [group(k, ingress=[rule("", "ingress", cidr="0.0.0.0/0")], egress=[rule("", "egress", cidr="0.0.0.0/0")])
           for k in ("sg-a", "sg-away")]
    away = Resource("r-away", ("sg-away",), ips=(parse_address("10.0.1.77"),), vpc="vpc-away",
                    subnet_ids=("subnet-away",))
    return network(sgs, [instance("r-a", ["sg-a"], "10.0.1.10", "pub-a", subnets), away],
                   vpcs={"vpc-a": Vpc("vpc-a", (C("10.0.0.0/16"),))}, subnets=subnets,
                   nacls={"acl-a": open_acl("acl-a", "vpc-a")},
                   route_tables={"rt-a": table("rt-a", "vpc-a", main=True)})


ALLOW_AWAY = assertion("allow", [ResourceEndpoint("r-a")], [ResourceEndpoint("r-away")], TCP, [443])


def test_the_oracle_refutes_an_allow_to_a_resource_in_a_vpc_not_described():
    # r-away may be in vpc-away: r-a's local route keeps 10.0.1.77 in vpc-a, and
    # nothing routes from vpc-a to anywhere else, so the connection may not exist.
    assert decide(_away_at_a_described_address(), ALLOW_AWAY) is not None


# Before, the engine placed r-away in pub-a, the described subnet holding its
# address, although it names another VPC: the allow held.
def test_an_allow_to_a_resource_named_in_a_vpc_not_described_is_not_proved():
    result = check_assertion(_away_at_a_described_address(), ALLOW_AWAY)
    assert result.verdict is Verdict.VIOLATED
