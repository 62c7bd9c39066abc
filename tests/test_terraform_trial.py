"""The .tf reader on constructs met in public VPC and transit gateway configurations.

Each configuration is a reduction of what a public module writes; every verdict
is worked out by hand from the AWS facts its comment names.
"""

from __future__ import annotations

import ipaddress
import textwrap

from sgverify.inputs.terraform.hcl import load_terraform_dir
from sgverify.model.topology import TargetKind
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
  ingress {
    from_port        = 22
    to_port          = 22
    protocol         = "tcp"
    ipv6_cidr_blocks = ["::/0"]
  }
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
DENY_IN = "- name: in\n  deny: {from: internet, to: aws_instance.i, protocol: tcp, ports: [22]}\n"


def test_an_attribute_written_as_null_is_computed_at_apply_not_null():
    # Writing null is not writing the attribute: AWS assigns the VPC an IPv6 block, and
    # the subnet's block cut from it is known only after apply. try() must not fall
    # back to null there: the subnet has an IPv6 block, the instance gets an address
    # from it, and egress to ::/0 through the egress-only gateway reaches the internet.
    loaded = tf(DUAL_STACK % "try(cidrsubnet(aws_vpc.v.ipv6_cidr_block, 8, 1), null)")
    assert verdicts(loaded.network, DENY_OUT) == {"out": Verdict.VIOLATED}


def test_a_subnet_cut_from_the_block_aws_assigns_is_the_same_cut_of_the_stand_in():
    # The module's subnets: cidrsubnet(aws_vpc.this[0].ipv6_cidr_block, 8, k). AWS cuts the
    # subnet's /64 from the VPC's /56 whatever that /56 is, so the layer cuts it from the
    # stand-in instead of leaving the subnet (and what depends on it) a free choice. The
    # instance gets an IPv6 address there; ::/0 goes out through the egress-only gateway,
    # which lets no connection in, and the VPC has no internet gateway: ssh from the
    # internet, open in the group, never arrives.
    loaded = tf(DUAL_STACK % "cidrsubnet(aws_vpc.v.ipv6_cidr_block, 8, 1)")
    assert not [w for w in warnings(loaded) if "left out" in w]
    vpc_block = loaded.network.topology.vpcs["aws_vpc.v"].cidrs[1]
    subnet_block = loaded.network.topology.subnets["aws_subnet.s"].cidrs[1]
    assert (vpc_block.prefix, subnet_block.prefix) == (56, 64)
    assert str(subnet_block) == _cut(str(vpc_block), 8, 1)
    found = verdicts(loaded.network, DENY_OUT + DENY_IN)
    assert found == {"out": Verdict.VIOLATED, "in": Verdict.HOLDS}


def _cut(block: str, newbits: int, netnum: int) -> str:
    net = ipaddress.ip_network(block)
    return str(list(net.subnets(prefixlen_diff=newbits))[netnum])


def test_a_subnet_whose_interface_writes_an_ipv6_address_is_not_cut_from_the_stand_in():
    # The written address may be in the real block; the stand-in holds no such address, so
    # the subnet stays out of the layer (a free choice) rather than the address be misplaced.
    text = (DUAL_STACK % "cidrsubnet(aws_vpc.v.ipv6_cidr_block, 8, 1)").replace(
        'private_ip             = "10.0.1.10"',
        'private_ip             = "10.0.1.10"\n  ipv6_addresses         = ["2600:1f18:aa:101::10"]')
    loaded = tf(text)
    said = [w for w in warnings(loaded) if "aws_subnet.s is left out" in w]
    assert len(said) == 1 and "aws_instance.i writes an IPv6 address in it" in said[0]
    assert verdicts(loaded.network, DENY_OUT) == {"out": Verdict.VIOLATED}


# An interface endpoint for SSM beside the tasks that use it, and a gateway endpoint
# for S3 (the provider's default type), after a small public ECS setup.
ENDPOINTS = """
resource "aws_vpc" "v" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_subnet" "private" {
  vpc_id     = aws_vpc.v.id
  cidr_block = "10.0.2.0/24"
}
resource "aws_security_group" "app" {
  vpc_id = aws_vpc.v.id
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
resource "aws_security_group" "endpoint" {
  vpc_id = aws_vpc.v.id
  ingress {
    from_port       = 443
    to_port         = 443
    protocol        = "tcp"
    security_groups = [aws_security_group.app.id]
  }
}
resource "aws_instance" "app" {
  ami                    = "ami-1"
  subnet_id              = aws_subnet.private.id
  private_ip             = "10.0.2.10"
  vpc_security_group_ids = [aws_security_group.app.id]
}
resource "aws_vpc_endpoint" "ssm" {
  vpc_id             = aws_vpc.v.id
  service_name       = "com.amazonaws.eu-central-1.ssm"
  vpc_endpoint_type  = "Interface"
  subnet_ids         = [aws_subnet.private.id]
  security_group_ids = [aws_security_group.endpoint.id]
}
resource "aws_vpc_endpoint" "s3" {
  vpc_id          = aws_vpc.v.id
  service_name    = "com.amazonaws.eu-central-1.s3"
  route_table_ids = [aws_vpc.v.main_route_table_id]
}
"""


def test_an_interface_endpoint_is_in_its_subnets_with_its_groups():
    # The endpoint's interfaces are in the private subnet, with the endpoint group: app
    # (same subnet, local route, default NACL) reaches it on 443 and on nothing else.
    # The gateway endpoint has no interface and no group, so it is no resource.
    loaded = tf(ENDPOINTS)
    assert not [w for w in warnings(loaded) if "not modelled in detail" in w]
    ssm = loaded.network.resources["aws_vpc_endpoint.ssm"]
    assert ssm.groups == ("aws_security_group.endpoint",) and ssm.subnet_ids == ("aws_subnet.private",)
    assert "aws_vpc_endpoint.s3" not in loaded.network.resources
    assert verdicts(loaded.network, """
        - name: app reaches ssm
          allow: {from: aws_instance.app, to: aws_vpc_endpoint.ssm, protocol: tcp, ports: [443]}
        - name: only 443
          deny: {from: aws_instance.app, to: aws_vpc_endpoint.ssm, protocol: tcp, ports: [22]}
        """) == {"app reaches ssm": Verdict.HOLDS, "only 443": Verdict.HOLDS}


def test_an_interface_endpoint_without_groups_gets_the_vpc_default_group():
    text = ENDPOINTS.replace("  security_group_ids = [aws_security_group.endpoint.id]\n", "")
    ssm = tf(text).network.resources["aws_vpc_endpoint.ssm"]
    assert len(ssm.groups) == 1 and ssm.groups != ("aws_security_group.endpoint",)


def test_an_interface_endpoint_without_subnets_has_no_interface():
    # terraform-aws-vpc's vpc-endpoints module gives an endpoint no subnet unless asked;
    # AWS then creates no network interface for it, so it is no resource (and not one in
    # a default VPC the input does not hold).
    text = ENDPOINTS.replace("  subnet_ids         = [aws_subnet.private.id]\n", "  subnet_ids = []\n")
    loaded = tf(text)
    assert "aws_vpc_endpoint.ssm" not in loaded.network.resources
    said = [w for w in warnings(loaded) if "aws_vpc_endpoint.ssm" in w]
    assert len(said) == 1 and "has no network interface" in said[0]


def test_a_module_called_twice_says_which_call_leaves_a_count_unknown(tmp_path):
    # terraform-aws-transit-gateway's multi-account example calls the module twice; both
    # calls' warnings point at the same line, so each names its call.
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "main.tf").write_text(textwrap.dedent("""
        variable "n" {}
        resource "aws_security_group" "g" {
          count = var.n
        }
        """))
    (tmp_path / "main.tf").write_text(textwrap.dedent("""
        module "one" {
          source = "./m"
        }
        module "two" {
          source = "./m"
        }
        """))
    found = [w for w in warnings(load_terraform_dir(str(tmp_path))) if "count is variable" in w]
    assert len(found) == 2
    assert "aws_security_group g in module.one: count is variable module.one.var.n" in found[0]
    assert "aws_security_group g in module.two: count is variable module.two.var.n" in found[1]


def test_modules_that_take_each_other_s_outputs_are_read(tmp_path):
    # FRESH-TUNA/infra-projects (transit-gateway-egress/network) passes module.tgw.id to
    # module vpc and module.vpc.id to module tgw: valid in Terraform, which orders single
    # values, not modules. The reader looped on it until Python's recursion limit.
    for name, text in {
        "main.tf": """
            module "vpc" {
              source             = "./vpc"
              transit_gateway_id = module.tgw.id
            }
            module "tgw" {
              source = "./tgw"
              vpc_id = module.vpc.id
              subnet = module.vpc.subnet
            }
            """,
        "vpc/main.tf": """
            variable "transit_gateway_id" {}
            resource "aws_vpc" "v" {
              cidr_block = "10.0.0.0/16"
            }
            resource "aws_subnet" "s" {
              vpc_id     = aws_vpc.v.id
              cidr_block = "10.0.1.0/24"
            }
            resource "aws_route" "out" {
              route_table_id         = aws_vpc.v.main_route_table_id
              destination_cidr_block = "10.1.0.0/16"
              transit_gateway_id     = var.transit_gateway_id
            }
            output "id" {
              value = aws_vpc.v.id
            }
            output "subnet" {
              value = aws_subnet.s.id
            }
            """,
        "tgw/main.tf": """
            variable "vpc_id" {}
            variable "subnet" {}
            resource "aws_ec2_transit_gateway" "t" {}
            resource "aws_ec2_transit_gateway_vpc_attachment" "a" {
              transit_gateway_id = aws_ec2_transit_gateway.t.id
              vpc_id             = var.vpc_id
              subnet_ids         = [var.subnet]
            }
            output "id" {
              value = aws_ec2_transit_gateway.t.id
            }
            """,
    }.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(textwrap.dedent(text))
    topology = load_terraform_dir(str(tmp_path)).network.topology
    attachment = topology.tgw_attachments["module.tgw.aws_ec2_transit_gateway_vpc_attachment.a"]
    assert attachment.vpc == "module.vpc.aws_vpc.v"
    assert attachment.subnets == ("module.vpc.aws_subnet.s",)
    (route,) = topology.route_tables["module.vpc.aws_vpc.v.main_route_table"].routes
    assert route.target == "module.tgw.aws_ec2_transit_gateway.t"


def test_an_input_defined_in_terms_of_itself_is_unknown(tmp_path):
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "main.tf").write_text('variable "x" {}\noutput "x" {\n  value = var.x\n}\n'
                                            'resource "aws_security_group" "g" {\n  name = var.x\n}\n')
    (tmp_path / "main.tf").write_text('module "m" {\n  source = "./m"\n  x      = module.m.x\n}\n')
    loaded = load_terraform_dir(str(tmp_path))
    assert "module.m.aws_security_group.g" in loaded.network.groups


# A private subnet whose table names its NAT gateway as gateway_id, as
# FRESH-TUNA/infra-projects (transit-gateway-egress/network/vpc/route_table.tf) does.
NAT_AS_GATEWAY = """
resource "aws_vpc" "v" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_subnet" "public" {
  vpc_id     = aws_vpc.v.id
  cidr_block = "10.0.0.0/24"
}
resource "aws_subnet" "private" {
  vpc_id     = aws_vpc.v.id
  cidr_block = "10.0.1.0/24"
}
resource "aws_internet_gateway" "gw" {
  vpc_id = aws_vpc.v.id
}
resource "aws_eip" "nat" {}
resource "aws_nat_gateway" "n" {
  allocation_id = aws_eip.nat.id
  subnet_id     = aws_subnet.public.id
}
resource "aws_route_table" "public" {
  vpc_id = aws_vpc.v.id
  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.gw.id
  }
}
resource "aws_route_table_association" "public" {
  subnet_id      = aws_subnet.public.id
  route_table_id = aws_route_table.public.id
}
resource "aws_route_table" "private" {
  vpc_id = aws_vpc.v.id
  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_nat_gateway.n.id
  }
}
resource "aws_route_table_association" "private" {
  subnet_id      = aws_subnet.private.id
  route_table_id = aws_route_table.private.id
}
resource "aws_security_group" "g" {
  vpc_id = aws_vpc.v.id
  ingress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
resource "aws_instance" "i" {
  ami                    = "ami-1"
  subnet_id              = aws_subnet.private.id
  private_ip             = "10.0.1.10"
  vpc_security_group_ids = [aws_security_group.g.id]
}
"""


def test_a_nat_gateway_given_as_gateway_id_is_a_nat_route():
    # EC2 takes it as the NAT gateway: i goes out through it (the NAT's subnet routes to the
    # internet gateway) and nothing comes in through it, whatever i's group admits.
    loaded = tf(NAT_AS_GATEWAY)
    (route,) = loaded.network.topology.route_tables["aws_route_table.private"].routes
    assert route.target_kind is TargetKind.NAT_GATEWAY and route.target == "aws_nat_gateway.n"
    assert any("as gateway_id: AWS routes it as nat_gateway_id" in w for w in warnings(loaded))
    assert verdicts(loaded.network, """
        - name: out
          allow: {from: aws_instance.i, to: 8.8.8.8, protocol: tcp, ports: [443]}
        - name: in
          deny: {from: internet, to: aws_instance.i}
        """) == {"out": Verdict.HOLDS, "in": Verdict.HOLDS}
