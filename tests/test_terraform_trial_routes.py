"""The .tf reader on the routes of public VPC and transit gateway configurations:
transit gateway routes the modules build, routes and entries whose table is not
known, and peerings and VPNs as route targets.

Each configuration is a reduction of what a public repository writes; every
verdict is worked out by hand from the AWS facts its comment names.
"""

from __future__ import annotations

from sgverify.solve import Verdict
from tf_helpers import tf, verdicts, warnings


# Two VPCs joined by a transit gateway whose static routes are built the way the
# terraform-aws-modules transit-gateway module builds them: each attachment's key
# paired with each of its routes (to the blocks behind that attachment) by
# setproduct(), chunked back into pairs, and a blackhole route given no attachment
# through tobool().
TGW = """
locals {
  attachments = {
    a = { vpc = "a", routes = [{ destination_cidr_block = "10.1.0.0/16" }] }
    b = { vpc = "b", routes = [{ destination_cidr_block = "10.2.0.0/16" },
                               { destination_cidr_block = "10.2.0.99/32", blackhole = true }] }
  }
  pairs = chunklist(flatten([
    for k, v in local.attachments : setproduct([{ key = k }], v.routes)
  ]), 2)
  vpcs = { a = "10.1.0.0/16", b = "10.2.0.0/16" }
}
resource "aws_vpc" "v" {
  for_each   = local.vpcs
  cidr_block = each.value
}
resource "aws_subnet" "s" {
  for_each   = local.vpcs
  vpc_id     = aws_vpc.v[each.key].id
  cidr_block = cidrsubnet(each.value, 8, 0)
}
resource "aws_ec2_transit_gateway" "t" {
  default_route_table_association = "disable"
  default_route_table_propagation = "disable"
}
resource "aws_ec2_transit_gateway_vpc_attachment" "x" {
  for_each           = local.attachments
  transit_gateway_id = aws_ec2_transit_gateway.t.id
  vpc_id             = aws_vpc.v[each.value.vpc].id
  subnet_ids         = [aws_subnet.s[each.value.vpc].id]
}
resource "aws_ec2_transit_gateway_route_table" "r" {
  transit_gateway_id = aws_ec2_transit_gateway.t.id
}
resource "aws_ec2_transit_gateway_route_table_association" "x" {
  for_each                       = local.attachments
  transit_gateway_attachment_id  = aws_ec2_transit_gateway_vpc_attachment.x[each.key].id
  transit_gateway_route_table_id = aws_ec2_transit_gateway_route_table.r.id
}
resource "aws_ec2_transit_gateway_route" "x" {
  count                          = length(local.pairs)
  destination_cidr_block         = local.pairs[count.index][1].destination_cidr_block
  blackhole                      = try(local.pairs[count.index][1].blackhole, null)
  transit_gateway_route_table_id = aws_ec2_transit_gateway_route_table.r.id
  transit_gateway_attachment_id  = tobool(try(local.pairs[count.index][1].blackhole, false)) == false ? aws_ec2_transit_gateway_vpc_attachment.x[local.pairs[count.index][0].key].id : null
}
resource "aws_route" "across" {
  for_each               = { a = "10.2.0.0/16", b = "10.1.0.0/16" }
  route_table_id         = aws_vpc.v[each.key].main_route_table_id
  destination_cidr_block = each.value
  transit_gateway_id     = aws_ec2_transit_gateway.t.id
}
resource "aws_security_group" "g" {
  for_each = local.vpcs
  vpc_id   = aws_vpc.v[each.key].id
  ingress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["10.0.0.0/8"]
  }
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["10.0.0.0/8"]
  }
}
resource "aws_instance" "i" {
  for_each               = { a = "10.1.0.10", b = "10.2.0.10" }
  ami                    = "ami-1"
  subnet_id              = aws_subnet.s[each.key].id
  private_ip             = each.value
  vpc_security_group_ids = [aws_security_group.g[each.key].id]
}
resource "aws_instance" "hole" {
  ami                    = "ami-1"
  subnet_id              = aws_subnet.s["b"].id
  private_ip             = "10.2.0.99"
  vpc_security_group_ids = [aws_security_group.g["b"].id]
}
"""


def test_transit_gateway_routes_built_with_setproduct_and_chunklist_are_read():
    # a -> b: a's table sends 10.2/16 to the gateway; a's attachment is associated
    # with r, whose static route sends 10.2/16 to b's attachment; b's table answers
    # through the gateway the same way (10.1/16 -> a). Both groups admit 10/8.
    # 10.2.0.99 is in b's subnet, but r's /32 blackhole route for it is the longest
    # match, so nothing from a reaches it.
    loaded = tf(TGW)
    assert not [w for w in warnings(loaded) if "left out" in w or "not evaluated" in w]
    assert verdicts(loaded.network, """
        - name: a reaches b
          allow: {from: 'aws_instance.i["a"]', to: 'aws_instance.i["b"]', protocol: tcp, ports: [443]}
        - name: b reaches a
          allow: {from: 'aws_instance.i["b"]', to: 'aws_instance.i["a"]', protocol: tcp, ports: [22]}
        - name: the blackhole holds
          deny: {from: 'aws_instance.i["a"]', to: aws_instance.hole}
        - name: b reaches its own blackholed neighbour
          allow: {from: 'aws_instance.i["b"]', to: aws_instance.hole, protocol: tcp, ports: [80]}
        """) == {"a reaches b": Verdict.HOLDS, "b reaches a": Verdict.HOLDS,
                 "the blackhole holds": Verdict.HOLDS,
                 "b reaches its own blackholed neighbour": Verdict.HOLDS}


# One public subnet whose instance has a public address and may send anything; the
# route to the internet gateway is added by an aws_route keyed by table ids, as the
# transit gateway module keys its VPC routes (for_each over route table ids: known
# once the tables exist, not in the configuration).
KEYED_ROUTE = """
variable "acl" {}
resource "aws_vpc" "v" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_subnet" "s" {
  vpc_id     = aws_vpc.v.id
  cidr_block = "10.0.1.0/24"
}
resource "aws_internet_gateway" "gw" {
  vpc_id = aws_vpc.v.id
}
resource "aws_route_table" "t" {
  vpc_id = aws_vpc.v.id
}
resource "aws_route_table_association" "a" {
  subnet_id      = aws_subnet.s.id
  route_table_id = aws_route_table.t.id
}
resource "aws_route" "out" {
  for_each               = { for id in [aws_route_table.t.id] : id => id }
  route_table_id         = each.key
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.gw.id
}
resource "aws_security_group" "g" {
  vpc_id = aws_vpc.v.id
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
resource "aws_instance" "i" {
  ami                         = "ami-1"
  subnet_id                   = aws_subnet.s.id
  private_ip                  = "10.0.1.10"
  associate_public_ip_address = true
  vpc_security_group_ids      = [aws_security_group.g.id]
}
"""
OUT = "- name: out\n  deny: {from: aws_instance.i, to: internet}\n"


def test_a_route_whose_table_is_not_known_may_be_in_any_table():
    # Once applied, table t holds 0.0.0.0/0 -> the gateway and i reaches the internet.
    # Which table the route is in is not known here, so every table is a free choice,
    # never one without the route.
    loaded = tf(KEYED_ROUTE)
    assert any("route table aws_route_table.t is left out" in w and "may be in it" in w
               for w in warnings(loaded))
    assert verdicts(loaded.network, OUT) == {"out": Verdict.VIOLATED}


def test_a_nacl_entry_whose_nacl_is_not_known_may_be_in_any_nacl():
    # The subnet's NACL has no entry (it denies everything) unless the keyed entry that
    # allows all egress is in it, which the configuration cannot say.
    text = KEYED_ROUTE.replace('''resource "aws_route" "out" {
  for_each ''', '''resource "aws_network_acl" "n" {
  vpc_id     = aws_vpc.v.id
  subnet_ids = [aws_subnet.s.id]
}
resource "aws_network_acl_rule" "out" {
  network_acl_id = var.acl
  rule_number    = 100
  egress         = true
  protocol       = "-1"
  rule_action    = "allow"
  cidr_block     = "0.0.0.0/0"
}
resource "aws_route" "out" {
  for_each ''').replace("for id in [aws_route_table.t.id] : id => id", "x = aws_route_table.t.id") \
        .replace("route_table_id         = each.key", "route_table_id         = each.value")
    loaded = tf(text)
    assert any("network ACL aws_network_acl.n is left out" in w and "may be in it" in w
               for w in warnings(loaded))
    assert verdicts(loaded.network, OUT) == {"out": Verdict.VIOLATED}


def test_an_association_with_a_transit_gateway_table_not_in_the_input_is_a_free_choice():
    # Both attachments are associated with a table of another configuration, whose routes
    # may well join a and b: the attachments are not left unassociated (dropping all).
    text = TGW.replace("transit_gateway_route_table_id = aws_ec2_transit_gateway_route_table.r.id\n}\n"
                       "resource \"aws_ec2_transit_gateway_route\"",
                       "transit_gateway_route_table_id = \"tgw-rtb-0123456789abcdef0\"\n}\n"
                       "resource \"aws_ec2_transit_gateway_route\"")
    assert text != TGW
    loaded = tf(text)
    assert verdicts(loaded.network, """
        - name: apart
          deny: {from: 'aws_instance.i["a"]', to: 'aws_instance.i["b"]'}
        """) == {"apart": Verdict.VIOLATED}


def test_a_transit_gateway_route_whose_table_is_not_known_may_be_in_any_table():
    # The static route to b is added to a table the configuration does not name: r may
    # hold it, so r is a free choice and a may reach b.
    text = TGW.replace("transit_gateway_route_table_id = aws_ec2_transit_gateway_route_table.r.id\n"
                       "  transit_gateway_attachment_id  = tobool",
                       "transit_gateway_route_table_id = var.table\n  transit_gateway_attachment_id  = tobool")
    assert text != TGW
    loaded = tf('variable "table" {}\n' + text)
    assert any("aws_ec2_transit_gateway_route_table.r is left out" in w for w in warnings(loaded))
    assert verdicts(loaded.network, """
        - name: apart
          deny: {from: 'aws_instance.i["a"]', to: 'aws_instance.i["b"]'}
        """) == {"apart": Verdict.VIOLATED}


# A VPC attached to a transit gateway whose default table sends 10.9.0.0/16 over a
# peering with a gateway of another Region (tedeschi1/aws_vpcs_transitgw_workflow's
# tgw-peering.tf does this), and 10.7.0.0/16 to a VPN connection.
PEERED_TGW = """
resource "aws_vpc" "v" {
  cidr_block = "10.8.0.0/16"
}
resource "aws_subnet" "s" {
  vpc_id     = aws_vpc.v.id
  cidr_block = "10.8.0.0/24"
}
resource "aws_ec2_transit_gateway" "t" {}
resource "aws_ec2_transit_gateway_vpc_attachment" "v" {
  transit_gateway_id = aws_ec2_transit_gateway.t.id
  vpc_id             = aws_vpc.v.id
  subnet_ids         = [aws_subnet.s.id]
}
resource "aws_ec2_transit_gateway_peering_attachment" "p" {
  peer_region             = "us-east-2"
  peer_transit_gateway_id = "tgw-0123456789abcdef0"
  transit_gateway_id      = aws_ec2_transit_gateway.t.id
}
resource "aws_vpn_connection" "office" {
  customer_gateway_id = "cgw-0123456789abcdef0"
  transit_gateway_id  = aws_ec2_transit_gateway.t.id
  type                = "ipsec.1"
}
resource "aws_ec2_transit_gateway_route" "peer" {
  destination_cidr_block         = "10.9.0.0/16"
  transit_gateway_attachment_id  = aws_ec2_transit_gateway_peering_attachment.p.id
  transit_gateway_route_table_id = aws_ec2_transit_gateway.t.association_default_route_table_id
}
resource "aws_ec2_transit_gateway_route" "office" {
  destination_cidr_block         = "10.7.0.0/16"
  transit_gateway_attachment_id  = aws_vpn_connection.office.transit_gateway_attachment_id
  transit_gateway_route_table_id = aws_ec2_transit_gateway.t.association_default_route_table_id
}
resource "aws_route" "out" {
  route_table_id         = aws_vpc.v.main_route_table_id
  destination_cidr_block = "10.0.0.0/8"
  transit_gateway_id     = aws_ec2_transit_gateway.t.id
}
resource "aws_security_group" "g" {
  vpc_id = aws_vpc.v.id
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
resource "aws_instance" "i" {
  ami                    = "ami-1"
  subnet_id              = aws_subnet.s.id
  private_ip             = "10.8.0.10"
  vpc_security_group_ids = [aws_security_group.g.id]
}
"""


def test_routes_over_a_transit_gateway_peering_or_a_vpn_are_read():
    # Both are valid route targets (the reader refused them). What lies beyond them the
    # input does not describe, so a host at 10.9.0.5 or 10.7.0.5 may be reached; 10.6.0.5
    # matches no transit gateway route and is never reached.
    loaded = tf(PEERED_TGW)
    peering = loaded.network.topology.tgw_attachments["aws_ec2_transit_gateway_peering_attachment.p"]
    assert peering.kind == "tgw-peering" and peering.vpc is None
    assert verdicts(loaded.network, """
        - name: peer
          deny: {from: aws_instance.i, to: 10.9.0.5}
        - name: office
          deny: {from: aws_instance.i, to: 10.7.0.5}
        - name: nowhere
          deny: {from: aws_instance.i, to: 10.6.0.5}
        """) == {"peer": Verdict.VIOLATED, "office": Verdict.VIOLATED, "nowhere": Verdict.HOLDS}


def test_an_accepter_stands_for_the_peering_it_accepts():
    text = PEERED_TGW + """
resource "aws_ec2_transit_gateway_peering_attachment_accepter" "p" {
  transit_gateway_attachment_id = aws_ec2_transit_gateway_peering_attachment.p.id
}
resource "aws_ec2_transit_gateway_route_table" "peer" {
  transit_gateway_id = aws_ec2_transit_gateway.t.id
}
resource "aws_ec2_transit_gateway_route_table_association" "p" {
  transit_gateway_attachment_id  = aws_ec2_transit_gateway_peering_attachment_accepter.p.id
  transit_gateway_route_table_id = aws_ec2_transit_gateway_route_table.peer.id
}
"""
    loaded = tf(text)
    peering = loaded.network.topology.tgw_attachments["aws_ec2_transit_gateway_peering_attachment.p"]
    assert peering.route_table == "aws_ec2_transit_gateway_route_table.peer"


def test_a_route_to_a_gateway_whose_table_is_not_known_is_in_a_table_of_the_gateway_vpc():
    # A route to v's internet gateway can only be in a table of v: VPC w's main table
    # keeps what it says (no way out), so j never reaches the internet.
    text = KEYED_ROUTE + """
resource "aws_vpc" "w" {
  cidr_block = "10.1.0.0/16"
}
resource "aws_subnet" "w" {
  vpc_id     = aws_vpc.w.id
  cidr_block = "10.1.1.0/24"
}
resource "aws_security_group" "w" {
  vpc_id = aws_vpc.w.id
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
resource "aws_instance" "j" {
  ami                         = "ami-1"
  subnet_id                   = aws_subnet.w.id
  private_ip                  = "10.1.1.10"
  associate_public_ip_address = true
  vpc_security_group_ids      = [aws_security_group.w.id]
}
"""
    loaded = tf(text)
    assert not any("aws_vpc.w.main_route_table is left out" in w for w in warnings(loaded))
    assert verdicts(loaded.network, OUT + "- name: j out\n  deny: {from: aws_instance.j, to: internet}\n") \
        == {"out": Verdict.VIOLATED, "j out": Verdict.HOLDS}
