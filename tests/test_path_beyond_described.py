"""What lies behind a described element that leads out of the input.

A peering whose other VPC the input does not hold, and a transit gateway with
a VPN attachment, carry packets to networks the input does not describe:
hosts there may have any address (docs/vpc.md: "behind a target the input
does not describe (any address)"), and may send in the same way. A `deny`
must hold for them too. Each verdict below is worked out by hand; the path
oracle is asked as well.
"""

from __future__ import annotations

from path_oracle import decide, replay_problem
from pathnets import C, Subnet, Vpc, assertion, group, instance, network, open_acl, route, rule, table
from sgverify.model.topology import Peering, TgwAttachment, TgwRoute, TgwRouteTable, TransitGateway
from sgverify.solve import Verdict, check_assertion
from sgverify.spec import AddressEndpoint, ResourceEndpoint

R = ResourceEndpoint("r")
FAR = AddressEndpoint("10.5.0.0/16", (C("10.5.0.0/16"),))
SUBNETS = {"s": Subnet("s", "vpc-a", (C("10.0.1.0/24"),))}


def _network(routes, **elements):
    """r at 10.0.1.10 in vpc-a (10.0.0.0/16): all traffic in and out by its group
    and the NACL; the main table holds `routes`."""
    sg = group("sg", "vpc-a", [rule("", "ingress", cidr="0.0.0.0/0")], [rule("", "egress", cidr="0.0.0.0/0")])
    return network([sg], [instance("r", ["sg"], "10.0.1.10", "s", SUBNETS)],
                   vpcs={"vpc-a": Vpc("vpc-a", (C("10.0.0.0/16"),))}, subnets=SUBNETS,
                   route_tables={"rt": table("rt", "vpc-a", routes, main=True)},
                   nacls={"acl": open_acl("acl", "vpc-a")}, **elements)


def _violated(net, a):
    result = check_assertion(net, a)
    assert result.verdict is Verdict.VIOLATED, result.verdict
    assert not replay_problem(net, a, result.counterexample)
    assert decide(net, a) is not None


def peered_out():
    return _network([route("10.5.0.0/16", "vpc-peering", "pcx-ext")],
                    peerings={"pcx-ext": Peering("pcx-ext", "vpc-a", "vpc-elsewhere")})


def vpn_behind_tgw():
    attachments = {"att-a": TgwAttachment("att-a", "tgw", "vpc-a", ("s",), "tgw-rt"),
                   "att-vpn": TgwAttachment("att-vpn", "tgw", None, (), "tgw-rt", kind="vpn")}
    tables = {"tgw-rt": TgwRouteTable("tgw-rt", "tgw", (TgwRoute(C("10.5.0.0/16"), "att-vpn"),), ("att-a",))}
    return _network([route("10.5.0.0/16", "transit-gateway", "tgw")], transit_gateways={"tgw": TransitGateway("tgw")},
                    tgw_attachments=attachments, tgw_route_tables=tables)


def test_a_peering_to_a_vpc_not_in_the_input_reaches_hosts_there():
    # 10.5.0.0/16 -> pcx-ext -> vpc-elsewhere: some host there may hold any of those addresses
    _violated(peered_out(), assertion("deny", [R], [FAR]))


def test_hosts_behind_a_peering_not_in_the_input_may_send_in():
    _violated(peered_out(), assertion("deny", [FAR], [R]))


def test_a_vpn_attachment_of_a_transit_gateway_reaches_hosts_behind_it():
    _violated(vpn_behind_tgw(), assertion("deny", [R], [FAR]))
    _violated(vpn_behind_tgw(), assertion("deny", [FAR], [R]))


def test_an_inactive_peering_leads_nowhere():
    net = _network([route("10.5.0.0/16", "vpc-peering", "pcx-ext")],
                   peerings={"pcx-ext": Peering("pcx-ext", "vpc-a", "vpc-elsewhere", active=False)})
    a = assertion("deny", [R], [FAR])
    assert check_assertion(net, a).verdict is Verdict.HOLDS
    assert decide(net, a) is None
