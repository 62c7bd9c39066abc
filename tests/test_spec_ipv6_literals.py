"""A spec's literal IPv6 block beside a VPC block AWS assigns.

The reader stands for the assigned block with one in 3fff::/20. A literal
block that may hold the real block's addresses cannot be compared with that
stand-in, so a proof through it is unknown; a literal that cannot hold it (a
block AWS never assigns to VPCs) stays decided. Verdicts worked out by hand:
web admits ssh from nowhere over IPv6, so every deny below would hold if the
literal were known to lie outside the VPC.
"""

from __future__ import annotations

from sgverify.solve import Verdict
from tf_helpers import results, tf

VPC = """
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
  %(pool)s
}
resource "aws_subnet" "a" {
  vpc_id          = aws_vpc.main.id
  cidr_block      = "10.0.1.0/24"
  ipv6_cidr_block = cidrsubnet(aws_vpc.main.ipv6_cidr_block, 8, 1)
}
resource "aws_security_group" "web" {
  vpc_id = aws_vpc.main.id
}
resource "aws_instance" "web" {
  subnet_id              = aws_subnet.a.id
  private_ip             = "10.0.1.10"
  vpc_security_group_ids = [aws_security_group.web.id]
}
"""
AMAZON = "assign_generated_ipv6_cidr_block = true"
IPAM = 'ipv6_ipam_pool_id = "ipam-pool-0123456789abcdef0"\n  ipv6_netmask_length = 56'


def _verdicts(pool: str, blocks: list[str]) -> dict:
    spec = "".join(f"- name: '{b}'\n  deny: {{from: '{b}', to: aws_instance.web, protocol: tcp, ports: 22}}\n"
                   for b in blocks)
    return results(tf(VPC % {"pool": pool}).network, spec)


def test_a_block_inside_amazon_ranges_may_hold_the_assigned_block():
    found = _verdicts(AMAZON, ["2600:1f18::/32", "2600:1f18:aa:100::10/128"])
    for result in found.values():
        assert result.verdict is Verdict.UNKNOWN
        assert "may hold addresses of the IPv6 block AWS assigns to aws_vpc.main" in result.reason


def test_a_block_amazon_never_assigns_to_vpcs_stays_decided():
    # Google's resolver and the documentation prefix are not Amazon's; ::/0 holds every block.
    found = _verdicts(AMAZON, ["2001:4860:4860::8888/128", "2001:db8::/32", "::/0"])
    assert {k: r.verdict for k, r in found.items()} == {
        "2001:4860:4860::8888/128": Verdict.HOLDS, "2001:db8::/32": Verdict.HOLDS, "::/0": Verdict.HOLDS}


def test_a_block_from_an_ipam_pool_may_be_any_global_block():
    found = _verdicts(IPAM, ["2001:4860:4860::8888/128", "2001:db8::/32"])
    assert found["2001:4860:4860::8888/128"].verdict is Verdict.UNKNOWN
    assert found["2001:db8::/32"].verdict is Verdict.HOLDS


def test_a_counterexample_is_still_reported():
    # With ssh open to ::/0 and a route to the internet the deny is refuted: a packet from an
    # internet host of the block (one way the real block may lie) reaches web.
    text = VPC.replace('resource "aws_security_group" "web" {\n  vpc_id = aws_vpc.main.id\n}',
                       'resource "aws_security_group" "web" {\n  vpc_id = aws_vpc.main.id\n  ingress {\n'
                       '    from_port        = 22\n    to_port          = 22\n    protocol         = "tcp"\n'
                       '    ipv6_cidr_blocks = ["::/0"]\n  }\n}')
    text = text.replace('private_ip             = "10.0.1.10"', 'ipv6_address_count     = 1')
    assert text != VPC
    text += """
resource "aws_internet_gateway" "gw" {
  vpc_id = aws_vpc.main.id
}
resource "aws_route" "v6" {
  route_table_id              = aws_vpc.main.main_route_table_id
  destination_ipv6_cidr_block = "::/0"
  gateway_id                  = aws_internet_gateway.gw.id
}
"""
    spec = "- name: x\n  deny: {from: '2600:1f18::/32', to: aws_instance.web, protocol: tcp, ports: 22}\n"
    assert results(tf(text % {"pool": AMAZON}).network, spec)["x"].verdict is Verdict.VIOLATED


def test_stand_ins_say_which_pool_their_block_comes_from():
    from sgverify.model.assigned_v6 import may_hold_real_block
    from sgverify.inputs.vpc_defaults import stand_in
    from sgverify.model import Cidr

    amazon, pool = stand_in(0, 56), stand_in(0, 56, amazon=False)
    assert str(amazon) == "3fff:0:10:100::/56" and str(pool) == "3fff:800:10:100::/56"
    google, amazons = Cidr.parse("2001:4860::/32"), Cidr.parse("2a05:d018::/36")
    assert not may_hold_real_block(google, amazon) and may_hold_real_block(google, pool)
    assert may_hold_real_block(amazons, amazon) and not may_hold_real_block(Cidr.parse("fd00::/8"), pool)
