"""The VPC layer of Terraform configurations: what is read, and the verdicts it gives.

Every verdict here is worked out by hand from the AWS facts it names; the
configurations are written inline so each test shows what it relies on.
"""

from __future__ import annotations

import textwrap

import pytest

from clitools import run
from sgverify.errors import InputError
from sgverify.model import Cidr
from sgverify.model.topology import AclAction, TargetKind
from sgverify.solve import Verdict
from tf_helpers import tf, verdicts, warnings


# vpc 10.0.0.0/16 with a public subnet (route to the internet gateway) and a private
# one (main table: local only); web admits 443 from anywhere, db 5432 from web.
VPC = """
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_subnet" "public" {
  vpc_id                  = aws_vpc.main.id
  cidr_block              = "10.0.1.0/24"
  map_public_ip_on_launch = true
}
resource "aws_subnet" "private" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.2.0/24"
}
resource "aws_internet_gateway" "gw" {
  vpc_id = "${aws_vpc.main.id}"
}
resource "aws_route_table" "public" {
  vpc_id = aws_vpc.main.id
  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.gw.id
  }
}
resource "aws_route_table_association" "public" {
  subnet_id      = aws_subnet.public.id
  route_table_id = aws_route_table.public.id
}
resource "aws_security_group" "web" {
  vpc_id = aws_vpc.main.id
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
resource "aws_security_group" "db" {
  vpc_id = aws_vpc.main.id
  ingress {
    from_port       = 5432
    to_port         = 5432
    protocol        = "tcp"
    security_groups = [aws_security_group.web.id]
  }
}
resource "aws_instance" "web" {
  subnet_id              = aws_subnet.public.id
  private_ip             = "10.0.1.10"
  vpc_security_group_ids = [aws_security_group.web.id]
}
resource "aws_instance" "db" {
  subnet_id              = aws_subnet.private.id
  private_ip             = "10.0.2.10"
  vpc_security_group_ids = [aws_security_group.db.id]
}
"""

BASIC = """
- name: internet reaches web
  allow: {from: internet, to: aws_instance.web, protocol: tcp, ports: 443}
- name: internet never reaches db
  deny: {from: internet, to: aws_instance.db}
- name: web reaches db
  allow: {from: aws_instance.web, to: aws_instance.db, protocol: tcp, ports: 5432}
"""


# -- what is read ---------------------------------------------------------------------

def test_the_layer_is_read_with_its_implicit_main_table_and_default_nacl():
    loaded = tf(VPC)
    topology = loaded.network.topology
    assert warnings(loaded) == []
    assert set(topology.vpcs) == {"aws_vpc.main"}
    public, private = topology.subnets["aws_subnet.public"], topology.subnets["aws_subnet.private"]
    assert public.route_table == "aws_route_table.public" and public.map_public_ip
    # no association: the main table AWS creates with the VPC, holding only `local`
    assert private.route_table is None
    assert topology.route_table_of(private) == "aws_vpc.main.main_route_table"
    assert topology.route_tables["aws_vpc.main.main_route_table"].routes == ()
    (route,) = topology.route_tables["aws_route_table.public"].routes
    assert (route.target_kind, route.target, route.destination) == (
        TargetKind.INTERNET_GATEWAY, "aws_internet_gateway.gw", Cidr.parse("0.0.0.0/0"))
    assert str(route.origin) == "main.tf:19"  # the route block (line 1 is blank)
    # the default NACL allows everything (rule 100, IPv4 only: the VPC has no IPv6 block)
    default = topology.nacls[topology.nacl_of(private)]
    assert [(e.number, e.action, str(e.cidr)) for e in default.inbound + default.outbound] == [
        (100, AclAction.ALLOW, "0.0.0.0/0"), (100, AclAction.ALLOW, "0.0.0.0/0")]
    assert topology.internet_gateways["aws_internet_gateway.gw"].vpc == "aws_vpc.main"  # "${...}"
    web = loaded.network.resources["aws_instance.web"]
    assert (web.vpc, web.subnet_ids, web.has_public_ip) == ("aws_vpc.main", ("aws_subnet.public",), True)
    assert loaded.network.resources["aws_instance.db"].has_public_ip is False
    assert loaded.network.groups["aws_security_group.db"].vpc == "aws_vpc.main"


def test_basic_path_verdicts():
    # web: public address (map_public_ip_on_launch) and a route to the gateway; db: neither
    assert verdicts(tf(VPC).network, BASIC) == {
        "internet reaches web": Verdict.HOLDS, "internet never reaches db": Verdict.HOLDS,
        "web reaches db": Verdict.HOLDS}


def test_without_a_route_to_the_gateway_the_internet_reaches_nothing():
    text = VPC.replace('gateway_id = aws_internet_gateway.gw.id', 'gateway_id = "local"').replace(
        'cidr_block = "0.0.0.0/0"', 'cidr_block = "10.0.0.0/16"')
    got = verdicts(tf(text).network, BASIC)
    assert got["internet reaches web"] is Verdict.VIOLATED


def test_a_public_address_needs_the_subnet_or_the_instance_to_ask_for_one():
    text = VPC.replace("map_public_ip_on_launch = true", "map_public_ip_on_launch = false")
    assert verdicts(tf(text).network, BASIC)["internet reaches web"] is Verdict.VIOLATED
    asked = text.replace('private_ip             = "10.0.1.10"',
                         'private_ip             = "10.0.1.10"\n  associate_public_ip_address = true')
    assert verdicts(tf(asked).network, BASIC)["internet reaches web"] is Verdict.HOLDS


# -- network ACLs ---------------------------------------------------------------------

NACL = """
resource "aws_network_acl" "public" {
  vpc_id     = aws_vpc.main.id
  subnet_ids = [aws_subnet.public.id]
  ingress {
    rule_no    = 100
    action     = "allow"
    protocol   = "tcp"
    from_port  = 443
    to_port    = 443
    cidr_block = "0.0.0.0/0"
  }
  egress {
    rule_no    = 100
    action     = "allow"
    protocol   = "tcp"
    from_port  = EPHEMERAL_LOW
    to_port    = 65535
    cidr_block = "0.0.0.0/0"
  }
}
"""


def test_a_nacl_that_drops_the_replies_breaks_the_connection():
    # stateless: the reply to a client port 1024-65535 must leave through outbound rules
    fine = tf(VPC + NACL.replace("EPHEMERAL_LOW", "1024")).network
    assert verdicts(fine, BASIC)["internet reaches web"] is Verdict.HOLDS
    narrow = tf(VPC + NACL.replace("EPHEMERAL_LOW", "32768")).network
    assert verdicts(narrow, BASIC)["internet reaches web"] is Verdict.VIOLATED
    # the same NACL written as aws_network_acl_rule and an association
    rules = VPC + """
    resource "aws_network_acl" "public" {
      vpc_id = aws_vpc.main.id
    }
    resource "aws_network_acl_association" "public" {
      network_acl_id = aws_network_acl.public.id
      subnet_id      = aws_subnet.public.id
    }
    resource "aws_network_acl_rule" "in" {
      network_acl_id = aws_network_acl.public.id
      rule_number    = 100
      egress         = false
      protocol       = "tcp"
      rule_action    = "allow"
      cidr_block     = "0.0.0.0/0"
      from_port      = 443
      to_port        = 443
    }
    resource "aws_network_acl_rule" "out" {
      network_acl_id = aws_network_acl.public.id
      rule_number    = 100
      egress         = true
      protocol       = "-1"
      rule_action    = "allow"
      cidr_block     = "0.0.0.0/0"
    }
    """
    assert verdicts(tf(rules).network, BASIC)["internet reaches web"] is Verdict.HOLDS


def test_a_lower_numbered_deny_wins():
    text = VPC + NACL.replace("EPHEMERAL_LOW", "1024").replace("""  ingress {
    rule_no    = 100""", """  ingress {
    rule_no    = 50
    action     = "deny"
    protocol   = "-1"
    cidr_block = "0.0.0.0/0"
  }
  ingress {
    rule_no    = 100""")
    assert verdicts(tf(text).network, BASIC)["internet reaches web"] is Verdict.VIOLATED


def test_the_adopted_default_nacl_holds_only_what_it_declares():
    # Terraform removes the default NACL's allow-all entries when it adopts it: with no
    # ingress declared, nothing enters the subnets that use it (here: db's)
    text = VPC + """
    resource "aws_default_network_acl" "default" {
      default_network_acl_id = aws_vpc.main.default_network_acl_id
      egress {
        rule_no    = 100
        action     = "allow"
        protocol   = "-1"
        cidr_block = "0.0.0.0/0"
      }
    }
    """
    loaded = tf(text)
    default = loaded.network.topology.nacls["aws_vpc.main.default_network_acl"]
    assert default.inbound == () and len(default.outbound) == 1
    assert verdicts(loaded.network, BASIC)["web reaches db"] is Verdict.VIOLATED


def test_the_adopted_main_table_holds_only_what_it_declares():
    text = VPC + """
    resource "aws_default_route_table" "main" {
      default_route_table_id = aws_vpc.main.default_route_table_id
      route {
        cidr_block = "0.0.0.0/0"
        gateway_id = aws_internet_gateway.gw.id
      }
    }
    """
    topology = tf(text).network.topology
    (route,) = topology.route_tables["aws_vpc.main.main_route_table"].routes
    assert route.target == "aws_internet_gateway.gw"


# -- what is not known ----------------------------------------------------------------

def test_a_nacl_entry_not_known_leaves_the_nacl_a_free_choice():
    text = VPC + NACL.replace("EPHEMERAL_LOW", "var.low") + 'variable "low" {}\n'
    loaded = tf(text)
    assert "aws_network_acl.public" not in loaded.network.topology.nacls
    assert any("network ACL aws_network_acl.public is left out" in w for w in warnings(loaded))
    got = verdicts(loaded.network, BASIC)
    # the free NACL may drop the connection (no allow proof relies on it) or admit it
    assert got["internet reaches web"] is Verdict.VIOLATED
    assert got["internet never reaches db"] is Verdict.HOLDS


def test_a_subnet_whose_block_is_not_known_is_left_out():
    text = VPC.replace('cidr_block = "10.0.2.0/24"', "cidr_block = var.private") + 'variable "private" {}\n'
    loaded = tf(text)
    assert "aws_subnet.private" not in loaded.network.topology.subnets
    assert any("subnet aws_subnet.private is left out" in w for w in warnings(loaded))


def test_subnets_alone_are_not_a_vpc_layer():
    loaded = tf("""
    resource "aws_subnet" "a" {
      vpc_id     = var.vpc
      cidr_block = "10.0.1.0/24"
    }
    variable "vpc" {}
    """)
    assert loaded.network.topology is None


# -- peering and reused addresses -----------------------------------------------------

PEERED = """
resource "aws_vpc" "a" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_vpc" "b" {
  cidr_block = "10.1.0.0/16"
}
resource "aws_vpc" "c" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.a.id
  cidr_block = "10.0.1.0/24"
}
resource "aws_subnet" "b" {
  vpc_id     = aws_vpc.b.id
  cidr_block = "10.1.1.0/24"
}
resource "aws_subnet" "c" {
  vpc_id     = aws_vpc.c.id
  cidr_block = "10.0.1.0/24"
}
resource "aws_vpc_peering_connection" "ab" {
  vpc_id      = aws_vpc.a.id
  peer_vpc_id = aws_vpc.b.id
  AUTO
}
resource "aws_route" "a_to_b" {
  route_table_id            = aws_vpc.a.main_route_table_id
  destination_cidr_block    = "10.1.0.0/16"
  vpc_peering_connection_id = aws_vpc_peering_connection.ab.id
}
resource "aws_route" "b_to_a" {
  route_table_id            = aws_vpc.b.main_route_table_id
  destination_cidr_block    = "10.0.0.0/16"
  vpc_peering_connection_id = aws_vpc_peering_connection.ab.id
}
resource "aws_security_group" "open" {
  for_each = toset(["a", "b", "c"])
  vpc_id   = each.key == "a" ? aws_vpc.a.id : each.key == "b" ? aws_vpc.b.id : aws_vpc.c.id
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
resource "aws_instance" "a" {
  subnet_id              = aws_subnet.a.id
  private_ip             = "10.0.1.10"
  vpc_security_group_ids = [aws_security_group.open["a"].id]
}
resource "aws_instance" "b" {
  subnet_id              = aws_subnet.b.id
  private_ip             = "10.1.1.10"
  vpc_security_group_ids = [aws_security_group.open["b"].id]
}
resource "aws_instance" "c" {
  subnet_id              = aws_subnet.c.id
  private_ip             = "10.0.1.10"
  vpc_security_group_ids = [aws_security_group.open["c"].id]
}
"""
PEER_ASSERTIONS = """
- name: a reaches b
  allow: {from: aws_instance.a, to: aws_instance.b, protocol: tcp, ports: 22}
- name: c never reaches b
  deny: {from: aws_instance.c, to: aws_instance.b}
- name: a never reaches c
  deny: {from: aws_instance.a, to: aws_instance.c}
"""


def test_vpcs_that_reuse_addresses_are_apart_and_a_peering_joins_only_its_two():
    # c reuses a's block and a's address 10.0.1.10: not an error, another VPC. The
    # peering's routes join a and b; c is joined to nothing.
    loaded = tf(PEERED.replace("AUTO", "auto_accept = true"))
    assert verdicts(loaded.network, PEER_ASSERTIONS) == {
        "a reaches b": Verdict.HOLDS, "c never reaches b": Verdict.HOLDS, "a never reaches c": Verdict.HOLDS}


def test_a_peering_accepted_outside_the_input_is_a_free_choice():
    loaded = tf(PEERED.replace("AUTO", ""))
    assert loaded.network.topology.peerings == {}
    assert any("accepted outside the input" in w for w in warnings(loaded))
    got = verdicts(loaded.network, PEER_ASSERTIONS)
    assert got["a reaches b"] is Verdict.VIOLATED  # no allow relies on its being accepted
    assert got["c never reaches b"] is Verdict.HOLDS  # c has no route to it at all
    accepted = PEERED.replace("AUTO", "") + """
    resource "aws_vpc_peering_connection_accepter" "ab" {
      vpc_peering_connection_id = aws_vpc_peering_connection.ab.id
      auto_accept               = true
    }
    """
    assert verdicts(tf(accepted).network, PEER_ASSERTIONS)["a reaches b"] is Verdict.HOLDS


def test_a_missing_return_route_breaks_the_peered_connection():
    text = PEERED.replace("AUTO", "auto_accept = true")
    start = text.index('resource "aws_route" "b_to_a"')
    end = text.index('resource "aws_security_group"')
    got = verdicts(tf(text[:start] + text[end:]).network, PEER_ASSERTIONS)
    assert got["a reaches b"] is Verdict.VIOLATED


# -- NAT and transit gateways ---------------------------------------------------------

NAT = """
resource "aws_eip" "nat" {
  domain = "vpc"
}
resource "aws_nat_gateway" "nat" {
  subnet_id     = aws_subnet.public.id
  allocation_id = aws_eip.nat.id
}
resource "aws_route_table" "private" {
  vpc_id = aws_vpc.main.id
  route {
    cidr_block     = "0.0.0.0/0"
    nat_gateway_id = aws_nat_gateway.nat.id
  }
}
resource "aws_route_table_association" "private" {
  subnet_id      = aws_subnet.private.id
  route_table_id = aws_route_table.private.id
}
"""


def test_a_nat_gateway_carries_out_and_lets_nothing_in():
    text = (VPC + NAT).replace("""  ingress {
    from_port       = 5432""", """  egress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
  ingress {
    from_port       = 5432""")
    got = verdicts(tf(text).network, """
    - name: db reaches the internet on https
      allow: {from: aws_instance.db, to: internet, protocol: tcp, ports: 443}
    - name: internet never reaches db
      deny: {from: internet, to: aws_instance.db}
    """)
    assert got == {"db reaches the internet on https": Verdict.HOLDS, "internet never reaches db": Verdict.HOLDS}


def test_transit_gateway_default_table_joins_its_attachments():
    text = PEERED.replace("AUTO", "auto_accept = true") + """
    resource "aws_ec2_transit_gateway" "tgw" {}
    resource "aws_ec2_transit_gateway_vpc_attachment" "b" {
      transit_gateway_id = aws_ec2_transit_gateway.tgw.id
      vpc_id             = aws_vpc.b.id
      subnet_ids         = [aws_subnet.b.id]
    }
    resource "aws_ec2_transit_gateway_vpc_attachment" "c" {
      transit_gateway_id = aws_ec2_transit_gateway.tgw.id
      vpc_id             = aws_vpc.c.id
      subnet_ids         = [aws_subnet.c.id]
    }
    resource "aws_route" "c_to_b" {
      route_table_id         = aws_vpc.c.main_route_table_id
      destination_cidr_block = "10.1.0.0/16"
      transit_gateway_id     = aws_ec2_transit_gateway.tgw.id
    }
    resource "aws_route" "b_to_c" {
      route_table_id         = aws_vpc.b.main_route_table_id
      destination_cidr_block = "10.0.0.0/8"
      transit_gateway_id     = aws_ec2_transit_gateway.tgw.id
    }
    """
    topology = tf(text).network.topology
    table = topology.tgw_route_tables["aws_ec2_transit_gateway.tgw.default_route_table"]
    assert set(table.propagations) == {"aws_ec2_transit_gateway_vpc_attachment.b",
                                       "aws_ec2_transit_gateway_vpc_attachment.c"}
    got = verdicts(tf(text).network, PEER_ASSERTIONS + """
- name: c reaches b through the transit gateway
  allow: {from: aws_instance.c, to: aws_instance.b, protocol: tcp, ports: 22}
""")
    # b's 10.0.0.0/16 route to the peering is longer than its 10.0.0.0/8 one to the
    # transit gateway, so b's replies to c (10.0.1.10) go to a over the peering: lost
    assert got["c reaches b through the transit gateway"] is Verdict.VIOLATED
    assert got["c never reaches b"] is Verdict.VIOLATED  # the request itself arrives
    assert got["a reaches b"] is Verdict.HOLDS


# -- bad input ------------------------------------------------------------------------

def test_a_route_with_two_targets_is_one_line_with_its_place(tmp_path):
    (tmp_path / "main.tf").write_text(textwrap.dedent(VPC.replace(
        "gateway_id = aws_internet_gateway.gw.id",
        "gateway_id = aws_internet_gateway.gw.id\n    nat_gateway_id = \"nat-1\"")))
    (tmp_path / "spec.yaml").write_text("network: .\nassertions:\n  - {name: a, deny: {from: internet, to: "
                                        "aws_instance.db}}\n")
    done = run(["check", str(tmp_path / "spec.yaml")], 2)
    lines = [line for line in done.stderr.splitlines() if "error" in line]
    assert len(lines) == 1 and "main.tf:19" in lines[0] and "exactly one target" in lines[0]
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("change, message", [
    (('cidr_block = "10.0.2.0/24"', 'cidr_block = "10.9.2.0/24"'), "10.9.2.0/24"),
    (('subnet_id              = aws_subnet.private.id', 'subnet_id              = aws_subnet.public.id'),
     "10.0.2.10"),
])
def test_what_aws_refuses_is_an_error(change, message):
    with pytest.raises(InputError) as caught:
        tf(VPC.replace(*change))
    assert any(message in str(d) for d in caught.value.diagnostics)


def test_a_route_to_a_gateway_of_another_vpc_is_refused():
    # AWS refuses a route to a NAT or internet gateway that is not in the table's VPC
    text = VPC + NAT + """
    resource "aws_vpc" "other" {
      cidr_block = "10.5.0.0/16"
    }
    resource "aws_route_table" "other" {
      vpc_id = aws_vpc.other.id
      route {
        cidr_block     = "0.0.0.0/0"
        nat_gateway_id = aws_nat_gateway.nat.id
      }
      route {
        cidr_block = "192.0.2.0/24"
        gateway_id = aws_internet_gateway.gw.id
      }
    }
    """
    with pytest.raises(InputError) as caught:
        tf(text)
    errors = [str(d) for d in caught.value.diagnostics if "AWS accepts only a gateway" in str(d)]
    assert len(errors) == 2
    assert "nat-gateway aws_nat_gateway.nat of VPC aws_vpc.main" in errors[0]


# -- a state (terraform show -json), where every id is known ---------------------------

def _state(resources: dict) -> str:
    import json
    return json.dumps({"format_version": "1.0", "terraform_version": "1.6.6", "values": {"root_module": {
        "resources": [{"address": a, "mode": "managed", "type": a.split(".")[0], "name": a.split(".")[1],
                       "values": v} for a, v in resources.items()]}}})


def test_a_state_names_elements_by_their_ids_and_counts_each_route_and_entry_once():
    from sgverify.inputs.terraform.plan import parse_terraform_plan
    route = {"cidr_block": "0.0.0.0/0", "ipv6_cidr_block": "", "destination_prefix_list_id": "",
             "gateway_id": "igw-1", "nat_gateway_id": "", "transit_gateway_id": ""}
    allow_all = {"rule_no": 100, "action": "allow", "protocol": "-1", "from_port": 0, "to_port": 0,
                 "cidr_block": "0.0.0.0/0", "ipv6_cidr_block": "", "icmp_type": 0, "icmp_code": 0}
    text = _state({
        "aws_vpc.main": {"id": "vpc-1", "cidr_block": "10.0.0.0/16", "main_route_table_id": "rtb-main",
                         "default_network_acl_id": "acl-default", "ipv6_cidr_block": ""},
        "aws_subnet.public": {"id": "subnet-1", "vpc_id": "vpc-1", "cidr_block": "10.0.1.0/24",
                              "ipv6_cidr_block": "", "map_public_ip_on_launch": False},
        "aws_internet_gateway.gw": {"id": "igw-1", "vpc_id": "vpc-1"},
        # a state lists the aws_route's route inline too
        "aws_route_table.public": {"id": "rtb-1", "vpc_id": "vpc-1", "route": [route], "propagating_vgws": []},
        "aws_route.out": {"id": "r-1", "route_table_id": "rtb-1", "destination_cidr_block": "0.0.0.0/0",
                          "destination_ipv6_cidr_block": "", "gateway_id": "igw-1", "nat_gateway_id": ""},
        "aws_route_table_association.public": {"id": "rtbassoc-1", "subnet_id": "subnet-1",
                                               "route_table_id": "rtb-1", "gateway_id": ""},
        # ... and the association's subnet among the NACL's subnet_ids
        "aws_network_acl.public": {"id": "acl-1", "vpc_id": "vpc-1", "subnet_ids": ["subnet-1"],
                                   "ingress": [allow_all], "egress": [allow_all]},
        "aws_network_acl_association.public": {"id": "aclassoc-1", "network_acl_id": "acl-1",
                                               "subnet_id": "subnet-1"},
        "aws_security_group.web": {"id": "sg-1", "vpc_id": "vpc-1", "name": "web", "egress": [],
                                   "ingress": [{"cidr_blocks": ["0.0.0.0/0"], "description": "", "from_port": 443,
                                                "ipv6_cidr_blocks": [], "prefix_list_ids": [], "protocol": "tcp",
                                                "security_groups": [], "self": False, "to_port": 443}]},
        "aws_instance.web": {"id": "i-1", "subnet_id": "subnet-1", "private_ip": "10.0.1.10",
                             "public_ip": "54.0.0.10", "vpc_security_group_ids": ["sg-1"]},
    })
    loaded = parse_terraform_plan(text, "state.json")
    topology = loaded.network.topology
    assert len(topology.route_tables["aws_route_table.public"].routes) == 1
    subnet = topology.subnets["aws_subnet.public"]
    assert (subnet.route_table, subnet.nacl) == ("aws_route_table.public", "aws_network_acl.public")
    assert set(topology.route_tables) == {"aws_route_table.public", "aws_vpc.main.main_route_table"}
    web = loaded.network.resources["aws_instance.web"]
    assert web.public_ips and not web.has_public_ip  # the state knows its address
    got = verdicts(loaded.network, """
    - name: internet reaches web
      allow: {from: internet, to: aws_instance.web, protocol: tcp, ports: 443}
    - name: internet reaches web on 22
      allow: {from: internet, to: aws_instance.web, protocol: tcp, ports: 22}
    """)
    assert got == {"internet reaches web": Verdict.HOLDS, "internet reaches web on 22": Verdict.VIOLATED}
