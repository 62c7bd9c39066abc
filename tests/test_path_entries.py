"""A VPC is entered over its peerings and transit gateway attachments whatever
its own route tables say: those route the replies, not what arrives.

vpc-a 10.0.0.0/16, one subnet s-a (10.0.1.0/24) with db 10.0.1.10, whose group
admits tcp/5432 from 10.9.0.0/16; its only route is local; NACLs open. Worked
by hand: a `deny` is one way, so a host of 10.9.0.0/16 behind something the
input does not describe, which can send into vpc-a, refutes it even though
db's replies have no way back.
"""

from __future__ import annotations

from pathnets import C, TCP, assertion, egress_all, group, instance, ip, network, open_acl, rule, table
from sgverify.model.topology import Peering, Subnet, TgwAttachment, TgwRoute, TgwRouteTable, TransitGateway, Vpc
from sgverify.solve import Verdict, check_assertion
from sgverify.spec import AddressEndpoint, ResourceEndpoint

OFFICE = AddressEndpoint("10.9.0.0/16", (C("10.9.0.0/16"),))
DENY = assertion("deny", [OFFICE], [ResourceEndpoint("db")], TCP, [5432])


def _vpc_a(**topology):
    subnets = {"s-a": Subnet("s-a", "vpc-a", (C("10.0.1.0/24"),))}
    db = group("sg-db", "vpc-a", [rule("", "ingress", TCP, (5432, 5432), cidr="10.9.0.0/16")], [egress_all("")])
    return network([db], [instance("db", ["sg-db"], "10.0.1.10", "s-a", subnets)],
                   vpcs={"vpc-a": Vpc("vpc-a", (C("10.0.0.0/16"),))}, subnets=subnets,
                   route_tables={"rt-a": table("rt-a", "vpc-a", [], main=True)},
                   nacls={"acl-a": open_acl("acl-a", "vpc-a")}, **topology)


def test_a_transit_gateway_with_a_vpn_attachment_may_deliver_into_an_attached_vpc():
    # tgw-1 sends 10.0.0.0/16 to vpc-a's attachment; its other attachment is a VPN (the office).
    tgw = dict(transit_gateways={"tgw-1": TransitGateway("tgw-1")},
               tgw_attachments={"att-a": TgwAttachment("att-a", "tgw-1", "vpc-a", ("s-a",), "tgw-rt"),
                                "att-vpn": TgwAttachment("att-vpn", "tgw-1", None, (), "tgw-rt", kind="vpn")},
               tgw_route_tables={"tgw-rt": TgwRouteTable("tgw-rt", "tgw-1", (TgwRoute(C("10.0.0.0/16"), "att-a"),))})
    result = check_assertion(_vpc_a(**tgw), DENY)
    assert result.verdict is Verdict.VIOLATED
    assert ip("10.9.0.0") <= result.counterexample.packet.src <= ip("10.9.255.255")


def test_a_peering_to_a_vpc_the_input_does_not_hold_may_deliver_into_the_vpc():
    peering = {"pcx-1": Peering("pcx-1", "vpc-a", "vpc-office")}
    assert check_assertion(_vpc_a(peerings=peering), DENY).verdict is Verdict.VIOLATED


def test_without_any_attachment_nothing_from_the_office_arrives():
    assert check_assertion(_vpc_a(), DENY).verdict is Verdict.HOLDS
