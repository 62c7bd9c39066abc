"""The .tf reader on constructs met in public VPC and transit gateway configurations.

Each configuration is a reduction of what a public module writes; every verdict
is worked out by hand from the AWS facts its comment names.
"""

from __future__ import annotations

from sgverify.solve import Verdict
from tf_helpers import tf, verdicts, warnings


# The terraform-aws-modules VPC module writes `ipv6_cidr_block = var.ipv6_cidr`
# (default null) beside `assign_generated_ipv6_cidr_block = true`, and cuts its
# subnets' blocks from `aws_vpc.this[0].ipv6_cidr_block`.
DUAL_STACK = """
resource "aws_vpc" "v" {
  cidr_block                       = "10.0.0.0/16"
  assign_generated_ipv6_cidr_block = true
  ipv6_cidr_block                  = null
}
resource "aws_subnet" "s" {
  vpc_id                          = aws_vpc.v.id
  cidr_block                      = "10.0.1.0/24"
  ipv6_cidr_block                 = %s
  assign_ipv6_address_on_creation = true
}
resource "aws_egress_only_internet_gateway" "e" {
  vpc_id = aws_vpc.v.id
}
resource "aws_route" "out6" {
  route_table_id              = aws_vpc.v.main_route_table_id
  destination_ipv6_cidr_block = "::/0"
  egress_only_gateway_id      = aws_egress_only_internet_gateway.e.id
}
resource "aws_security_group" "g" {
  vpc_id = aws_vpc.v.id
  egress {
    from_port        = 0
    to_port          = 0
    protocol         = "-1"
    ipv6_cidr_blocks = ["::/0"]
  }
}
resource "aws_instance" "i" {
  ami                    = "ami-1"
  subnet_id              = aws_subnet.s.id
  private_ip             = "10.0.1.10"
  vpc_security_group_ids = [aws_security_group.g.id]
}
"""

DENY_OUT = "- name: out\n  deny: {from: aws_instance.i, to: internet}\n"


def test_an_attribute_written_as_null_is_computed_at_apply_not_null():
    # Writing null is not writing the attribute: AWS assigns the VPC an IPv6 block, and
    # the subnet's block cut from it is known only after apply. try() must not fall
    # back to null there: the subnet has an IPv6 block, the instance gets an address
    # from it, and egress to ::/0 through the egress-only gateway reaches the internet.
    loaded = tf(DUAL_STACK % "try(cidrsubnet(aws_vpc.v.ipv6_cidr_block, 8, 1), null)")
    assert verdicts(loaded.network, DENY_OUT) == {"out": Verdict.VIOLATED}


def test_a_block_cut_from_a_null_written_block_says_it_is_known_after_apply():
    loaded = tf(DUAL_STACK % "cidrsubnet(aws_vpc.v.ipv6_cidr_block, 8, 1)")
    said = [w for w in warnings(loaded) if "aws_subnet.s is left out" in w]
    assert len(said) == 1
    assert "uses aws_vpc.v.ipv6_cidr_block, known only after apply" in said[0]
    assert "None" not in said[0]
    assert verdicts(loaded.network, DENY_OUT) == {"out": Verdict.VIOLATED}
