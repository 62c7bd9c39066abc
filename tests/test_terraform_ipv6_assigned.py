"""IPv6 blocks and addresses AWS assigns: known only after apply.

A VPC's block from Amazon's pool (`assign_generated_ipv6_cidr_block`, an
association with a pool), the subnets cut from it with `cidrsubnet`, and the
addresses an instance gets (`ipv6_address_count`, its subnet's
`assign_ipv6_address_on_creation`) have no value in a configuration. The
verdicts below are worked out by hand from AWS's behaviour: an instance that
asks for IPv6 gets a global address from its subnet's /64, which the
internet reaches through the VPC's internet gateway where the subnet's table
routes ::/0 there and its groups admit it. None of them may be a "holds" that
AWS does not keep; where the configuration cannot say, a free choice decides.
"""

from __future__ import annotations

import json

from sgverify.inputs.terraform.plan import parse_terraform_plan
from sgverify.model import Family, UnknownPeer
from sgverify.solve import Verdict
from tf_helpers import results, tf, verdicts, warnings


# A dual-stack VPC whose IPv6 /56 Amazon assigns; a subnet cut from it; the subnet's table sends ::/0
# to the internet gateway; web admits ssh from any IPv6 address and nothing over IPv4.
VPC = """
resource "aws_vpc" "main" {
  cidr_block                       = "10.0.0.0/16"
  assign_generated_ipv6_cidr_block = true
}
resource "aws_subnet" "public" {
  vpc_id                          = aws_vpc.main.id
  cidr_block                      = "10.0.1.0/24"
  ipv6_cidr_block                 = cidrsubnet(aws_vpc.main.ipv6_cidr_block, 8, 1)
  assign_ipv6_address_on_creation = %(assign)s
}
resource "aws_internet_gateway" "gw" {
  vpc_id = aws_vpc.main.id
}
resource "aws_route_table" "public" {
  vpc_id = aws_vpc.main.id
  route {
    ipv6_cidr_block = "::/0"
    gateway_id      = aws_internet_gateway.gw.id
  }
}
resource "aws_route_table_association" "public" {
  subnet_id      = aws_subnet.public.id
  route_table_id = aws_route_table.public.id
}
resource "aws_security_group" "web" {
  vpc_id = aws_vpc.main.id
  ingress {
    from_port        = 22
    to_port          = 22
    protocol         = "tcp"
    ipv6_cidr_blocks = ["::/0"]
  }
}
resource "aws_instance" "web" {
  subnet_id              = aws_subnet.public.id
  private_ip             = "10.0.1.10"
  vpc_security_group_ids = [aws_security_group.web.id]
  %(count)s
}
"""

SSH = """
- name: no ssh from the internet
  deny: {from: internet, to: aws_instance.web, protocol: tcp, ports: 22}
- name: no ssh from any IPv4 address
  deny: {from: 0.0.0.0/0, to: aws_instance.web, protocol: tcp, ports: 22}
"""


def _violated_over_ipv6(network) -> None:
    found = results(network, SSH)
    ssh = found["no ssh from the internet"]
    assert ssh.verdict is Verdict.VIOLATED
    assert ssh.counterexample.packet.family is Family.V6  # reached on an IPv6 address
    # Over IPv4 nothing admits ssh: still a proof, whatever address web has in its subnet.
    assert found["no ssh from any IPv4 address"].verdict is Verdict.HOLDS


def test_an_instance_whose_subnet_assigns_ipv6_is_reached_over_ipv6():
    loaded = tf(VPC % {"assign": "true", "count": ""})
    _violated_over_ipv6(loaded.network)
    assert ("main.tf:35: aws_instance.web: AWS assigns it IPv6 addresses (its subnet aws_subnet.public has "
            "assign_ipv6_address_on_creation = true) that the configuration does not give; it is taken at any "
            "address of its subnets, IPv4 and IPv6, rather than only at its written addresses"
            ) in [f"{w.location}: {w.message}" for w in loaded.warnings]


def test_an_instance_that_asks_for_an_ipv6_address_is_reached_over_ipv6():
    loaded = tf(VPC % {"assign": "false", "count": "ipv6_address_count = 1"})
    _violated_over_ipv6(loaded.network)
    assert any("AWS assigns it IPv6 addresses (ipv6_address_count = 1)" in w for w in warnings(loaded))


def test_a_count_not_known_before_apply_may_be_one():
    loaded = tf(VPC % {"assign": "false", "count": "ipv6_address_count = var.v6"})
    _violated_over_ipv6(loaded.network)


def test_an_instance_without_ipv6_keeps_its_written_address_and_is_not_reached():
    # No count and a subnet that assigns none: AWS gives web no IPv6 address, so the ::/0 rule
    # admits nothing that can reach it, and nothing admits IPv4 ssh.
    loaded = tf(VPC % {"assign": "false", "count": ""})
    web = loaded.network.resources["aws_instance.web"]
    assert [a for f, a in web.ips if f is Family.V4] == [0x0A00010A]
    assert verdicts(loaded.network, SSH) == {"no ssh from the internet": Verdict.HOLDS,
                                             "no ssh from any IPv4 address": Verdict.HOLDS}
    assert not any("assigns it IPv6" in w for w in warnings(loaded))


def test_written_ipv6_addresses_are_the_instance_own():
    loaded = tf(VPC % {"assign": "true", "count": 'ipv6_addresses = ["2600:1f18:aa:101::10"]'})
    web = loaded.network.resources["aws_instance.web"]
    assert len(web.ips) == 2 and not any("assigns it IPv6" in w for w in warnings(loaded))


ASSOCIATED = """
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_vpc_ipv6_cidr_block_association" "v6" {
  vpc_id            = aws_vpc.main.id
  ipv6_ipam_pool_id = "ipam-pool-0123456789abcdef0"
}
resource "aws_subnet" "public" {
  vpc_id          = aws_vpc.main.id
  cidr_block      = "10.0.1.0/24"
  ipv6_cidr_block = cidrsubnet(aws_vpc_ipv6_cidr_block_association.v6.ipv6_cidr_block, 8, 1)
}
resource "aws_internet_gateway" "gw" {
  vpc_id = aws_vpc.main.id
}
resource "aws_default_route_table" "main" {
  default_route_table_id = aws_vpc.main.default_route_table_id
  route {
    ipv6_cidr_block = "::/0"
    gateway_id      = aws_internet_gateway.gw.id
  }
}
resource "aws_security_group" "web" {
  vpc_id = aws_vpc.main.id
  ingress {
    from_port        = 22
    to_port          = 22
    protocol         = "tcp"
    ipv6_cidr_blocks = ["::/0"]
  }
}
resource "aws_network_interface" "web" {
  subnet_id          = aws_subnet.public.id
  private_ips        = ["10.0.1.10"]
  ipv6_address_count = 1
  security_groups    = [aws_security_group.web.id]
}
"""


def test_a_block_from_an_ipam_pool_gives_the_vpc_ipv6():
    # The association gives the VPC an IPv6 block, so the default NACL also allows ::/0 (rule 101) and
    # the interface's IPv6 address is reached from the internet through the main table's ::/0 route.
    loaded = tf(ASSOCIATED)
    topology = loaded.network.topology
    assert topology.vpcs["aws_vpc.main"].blocks(Family.V6), "the VPC must not be taken to have no IPv6"
    default = topology.nacls["aws_vpc.main.default_network_acl"]
    assert (101, "::/0") in [(e.number, str(e.cidr)) for e in default.inbound]
    found = verdicts(loaded.network, """
        - name: no ssh from the internet
          deny: {from: internet, to: aws_network_interface.web, protocol: tcp, ports: 22}
    """)
    assert found == {"no ssh from the internet": Verdict.VIOLATED}


# The user copied the VPC's block from the console after apply: a rule admits it literally.
LITERAL_RULE = """
resource "aws_vpc" "main" {
  cidr_block                       = "10.0.0.0/16"
  assign_generated_ipv6_cidr_block = true
}
resource "aws_subnet" "app" {
  vpc_id                          = aws_vpc.main.id
  cidr_block                      = "10.0.1.0/24"
  ipv6_cidr_block                 = cidrsubnet(aws_vpc.main.ipv6_cidr_block, 8, 1)
  assign_ipv6_address_on_creation = true
}
resource "aws_security_group" "web" {
  vpc_id = aws_vpc.main.id
  egress {
    from_port        = 0
    to_port          = 0
    protocol         = "-1"
    ipv6_cidr_blocks = ["::/0"]
  }
}
resource "aws_security_group" "db" {
  vpc_id = aws_vpc.main.id
  ingress {
    from_port        = 5432
    to_port          = 5432
    protocol         = "tcp"
    ipv6_cidr_blocks = ["%(block)s"]
  }
}
resource "aws_instance" "web" {
  subnet_id              = aws_subnet.app.id
  vpc_security_group_ids = [aws_security_group.web.id]
}
resource "aws_instance" "db" {
  subnet_id              = aws_subnet.app.id
  vpc_security_group_ids = [aws_security_group.db.id]
}
"""

WEB_TO_DB = """
- name: web never reaches postgres
  deny: {from: aws_instance.web, to: aws_instance.db, protocol: tcp, ports: 5432}
"""


def test_a_literal_block_that_may_be_the_vpc_block_is_not_known():
    # If 2600:1f18:4000:1200::/56 is the block AWS gave the VPC, web's address is in it and web reaches
    # db; the configuration cannot say, so the deny must not hold.
    loaded = tf(LITERAL_RULE % {"block": "2600:1f18:4000:1200::/56"})
    found = results(loaded.network, WEB_TO_DB)["web never reaches postgres"]
    assert found.verdict is Verdict.VIOLATED
    # The rule admits its block for sure, and the VPC's addresses as a free choice; the violation takes it.
    literal, unknown = loaded.network.groups["aws_security_group.db"].ingress
    assert str(literal.peer) == "2600:1f18:4000:1200::/56" and isinstance(unknown.peer, UnknownPeer)
    assert "may or may not hold the IPv6 block AWS assigns" in unknown.peer.reason
    assert found.counterexample.assumptions == (
        "the unknown part of rule aws_security_group.db/ingress/1 is taken to match",)
    assert any(w.location == "main.tf:23" and "may or may not hold the IPv6 block AWS assigns to aws_vpc.main "
               "(main.tf:2)" in w.message for w in loaded.warnings), warnings(loaded)


def test_blocks_that_compare_the_same_with_any_assigned_block_stay_literal():
    # A unique local block (fd00::/8) never holds an address AWS assigns: web cannot be in it.
    loaded = tf(LITERAL_RULE % {"block": "fd00::/8"})
    assert verdicts(loaded.network, WEB_TO_DB) == {"web never reaches postgres": Verdict.HOLDS}
    assert not any("fd00::/8" in w for w in warnings(loaded))
    # ::/0 holds every address: web reaches db whatever the block.
    loaded = tf(LITERAL_RULE % {"block": "::/0"})
    assert verdicts(loaded.network, WEB_TO_DB) == {"web never reaches postgres": Verdict.VIOLATED}
    assert not any("::/0" in w for w in warnings(loaded))


def test_a_nacl_or_route_with_such_a_literal_is_left_out():
    text = LITERAL_RULE % {"block": "fd00::/8"} + """
    resource "aws_network_acl" "app" {
      vpc_id     = aws_vpc.main.id
      subnet_ids = [aws_subnet.app.id]
      ingress {
        rule_no         = 100
        action          = "deny"
        protocol        = "-1"
        from_port       = 0
        to_port         = 0
        ipv6_cidr_block = "2600:1f18:4000:1200::/56"
      }
    }
    resource "aws_route_table" "peer" {
      vpc_id = aws_vpc.main.id
      route {
        ipv6_cidr_block = "2600:1f18:4000:1300::/56"
        gateway_id      = "igw-0123"
      }
    }
    """
    loaded = tf(text)
    topology = loaded.network.topology
    assert "aws_network_acl.app" not in topology.nacls
    assert "aws_route_table.peer" not in topology.route_tables
    left_out = [w for w in warnings(loaded) if "left out" in w]
    assert any("aws_network_acl.app" in w and "2600:1f18:4000:1200::/56" in w for w in left_out), left_out
    assert any("aws_route_table.peer" in w and "2600:1f18:4000:1300::/56" in w for w in left_out), left_out


def test_without_a_vpc_layer_the_addresses_are_any_ipv6_address():
    # Only the groups and the instance: its subnet is not in the input, and it asks for IPv6.
    loaded = tf("""
        resource "aws_security_group" "web" {
          ingress {
            from_port        = 22
            to_port          = 22
            protocol         = "tcp"
            ipv6_cidr_blocks = ["::/0"]
          }
        }
        resource "aws_instance" "web" {
          subnet_id              = "subnet-0123456789abcdef0"
          private_ip             = "10.0.1.10"
          ipv6_address_count     = 1
          vpc_security_group_ids = [aws_security_group.web.id]
        }
    """)
    assert loaded.network.topology is None
    assert verdicts(loaded.network, SSH) == {"no ssh from the internet": Verdict.VIOLATED,
                                             "no ssh from any IPv4 address": Verdict.HOLDS}


def test_a_plan_whose_ipv6_addresses_are_known_only_after_apply():
    # `terraform show -json`: the instance's ipv6_addresses are in after_unknown (AWS picks them).
    group = {"name": "web", "egress": [], "ingress": [
        {"cidr_blocks": [], "description": "", "from_port": 22, "ipv6_cidr_blocks": ["::/0"],
         "prefix_list_ids": [], "protocol": "tcp", "security_groups": [], "self": False, "to_port": 22}]}
    instance = {"private_ip": "10.0.1.10", "vpc_security_group_ids": ["sg-0123456789abcdef0"]}
    resources = {"aws_security_group.web": {**group, "id": "sg-0123456789abcdef0"}, "aws_instance.web": instance}
    unknown = {"aws_instance.web": {"ipv6_addresses": True, "subnet_id": True}}
    doc = {"format_version": "1.2", "planned_values": {"root_module": {"resources": [
        {"address": a, "mode": "managed", "type": a.split(".")[0], "name": a.split(".")[1], "values": v}
        for a, v in resources.items()]}}, "resource_changes": [
        {"address": a, "mode": "managed", "type": a.split(".")[0], "name": a.split(".")[1],
         "change": {"actions": ["create"], "before": None, "after": v, "after_unknown": unknown.get(a, {})}}
        for a, v in resources.items()]}
    loaded = parse_terraform_plan(json.dumps(doc), "plan.json")
    assert any("AWS assigns it IPv6 addresses (ipv6_addresses are known only after apply)" in w
               for w in warnings(loaded)), warnings(loaded)
    assert verdicts(loaded.network, SSH) == {"no ssh from the internet": Verdict.VIOLATED,
                                             "no ssh from any IPv4 address": Verdict.HOLDS}


GROUP_OF_INSTANCES = """
resource "aws_subnet" "a" {
  cidr_block                      = "10.0.1.0/24"
  ipv6_cidr_block                 = var.v6_block
  assign_ipv6_address_on_creation = %(assign)s
}
resource "aws_security_group" "web" {
  ingress {
    from_port        = 22
    to_port          = 22
    protocol         = "tcp"
    ipv6_cidr_blocks = ["::/0"]
  }
}
resource "aws_launch_template" "web" {
  vpc_security_group_ids = [aws_security_group.web.id]
}
resource "aws_autoscaling_group" "web" {
  vpc_zone_identifier = [aws_subnet.a.id]
  launch_template {
    id = aws_launch_template.web.id
  }
}
"""

GROUP_SSH = """
- name: no ssh from the internet
  deny: {from: internet, to: aws_autoscaling_group.web, protocol: tcp, ports: 22}
"""


def test_an_autoscaling_group_in_a_subnet_that_assigns_ipv6_has_ipv6_addresses():
    # The subnet's IPv6 block is not known and it gives every new instance an address from it.
    loaded = tf(GROUP_OF_INSTANCES % {"assign": "true"})
    assert loaded.network.topology is None  # subnets alone: the security-group view
    assert verdicts(loaded.network, GROUP_SSH) == {"no ssh from the internet": Verdict.VIOLATED}
    assert any("aws_autoscaling_group.web: AWS assigns it IPv6 addresses (its subnet aws_subnet.a has "
               "assign_ipv6_address_on_creation = true)" in w for w in warnings(loaded)), warnings(loaded)
    # A subnet that assigns none, and a template that asks for none: the instances have no IPv6.
    loaded = tf(GROUP_OF_INSTANCES % {"assign": "false"})
    assert verdicts(loaded.network, GROUP_SSH) == {"no ssh from the internet": Verdict.HOLDS}


ELASTIC = VPC + """
resource "aws_eip" "web" {
  instance  = aws_instance.web.id
  public_ip = "198.51.100.7"
}
"""

V4_SSH_OPEN = """
resource "aws_security_group_rule" "v4" {
  type              = "ingress"
  security_group_id = aws_security_group.web.id
  from_port         = 22
  to_port           = 22
  protocol          = "tcp"
  cidr_blocks       = ["0.0.0.0/0"]
}
resource "aws_route" "v4" {
  route_table_id         = aws_route_table.public.id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.gw.id
}
"""


def test_an_elastic_ip_beside_assigned_ipv6_addresses_keeps_ipv6_in_the_model():
    # Before, web kept only the Elastic IP (its private address forgotten, no IPv6) and lost the
    # IPv6 address its subnet assigns: "no ssh from the internet" held although ::/0 reaches it.
    loaded = tf(ELASTIC % {"assign": "true", "count": ""})
    web = loaded.network.resources["aws_instance.web"]
    assert web.symbolic and web.has_public_ip
    assert any("it is taken at any address of its subnets, IPv4 and IPv6" in w for w in warnings(loaded))
    _violated_over_ipv6(loaded.network)


def test_its_public_ipv4_address_is_still_reached_when_v4_is_open():
    # With IPv4 ssh open and a default route, the internet reaches web at some public IPv4
    # address (its Elastic IP): the IPv4-only deny is refuted, not proved.
    loaded = tf((ELASTIC + V4_SSH_OPEN) % {"assign": "true", "count": ""})
    found = results(loaded.network, SSH)
    assert found["no ssh from any IPv4 address"].verdict is Verdict.VIOLATED
    assert found["no ssh from any IPv4 address"].counterexample.packet.family is Family.V4


def test_without_assigned_ipv6_the_elastic_ip_stays_literal():
    loaded = tf(ELASTIC % {"assign": "false", "count": ""})
    web = loaded.network.resources["aws_instance.web"]
    assert [a for f, a in web.public_ips if f is Family.V4] == [0xC6336407]
    assert not web.has_public_ip


def test_a_written_public_address_beside_assigned_ipv6_becomes_some_public_address():
    # A plan of an instance that exists: its private and public IPv4 addresses are known, and it
    # asks AWS for an IPv6 address. Kept at its written addresses it would have no IPv6 at all.
    instance = {"private_ip": "10.0.1.10", "public_ip": "198.51.100.9", "ipv6_address_count": 1,
                "vpc_security_group_ids": []}
    doc = {"format_version": "1.2", "planned_values": {"root_module": {"resources": [
        {"address": "aws_instance.web", "mode": "managed", "type": "aws_instance", "name": "web",
         "values": instance}]}}}
    loaded = parse_terraform_plan(json.dumps(doc), "plan.json")
    web = loaded.network.resources["aws_instance.web"]
    assert web.symbolic and web.has_public_ip
    assert any("IPv4 and IPv6, with a public IPv4 address of any value" in w for w in warnings(loaded)), \
        warnings(loaded)
