"""The .tf reader: the seed scenarios end to end, each semantic trap, unknowns, bad input."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sgverify.errors import InputError
from sgverify.inputs import load_network
from sgverify.inputs.native.reader import load_native
from sgverify.inputs.terraform.hcl import load_terraform_dir, parse_terraform_text
from sgverify.model import Cidr, CidrPeer, Direction, GroupPeer, PrefixListPeer, UnknownPeer
from sgverify.model.service import ALL, TCP, PortRange
from sgverify.solve import Verdict, verify
from sgverify.spec.parse import load_spec, parse_spec
from sgverify.spec.resolve import resolve_spec

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted(p.stem for p in (ROOT / "specs" / "seed").glob("*.yaml"))


def tf(text: str, path: str = "main.tf"):
    return parse_terraform_text(textwrap.dedent(text), path)


def verdicts(network, assertions: str) -> dict[str, Verdict]:
    doc = parse_spec("assertions:\n" + textwrap.indent(textwrap.dedent(assertions), "  "))
    spec, _ = resolve_spec(doc, network)
    return {r.assertion.name: r.verdict for r in verify(network, spec)}


def spec_verdicts(spec_path: Path, network) -> dict[str, Verdict]:
    spec, _ = resolve_spec(load_spec(spec_path), network)
    return {r.assertion.name: r.verdict for r in verify(network, spec)}


def warnings(loaded) -> str:
    return "\n".join(str(w) for w in loaded.warnings)


INSTANCE = """
resource "aws_instance" "a" {
  private_ip             = "10.0.1.10"
  vpc_security_group_ids = [aws_security_group.a.id]
}
"""


# ---------------------------------------------------------------- seeds

@pytest.mark.parametrize("seed", SEEDS)
def test_seed_as_terraform_gives_the_native_verdicts(seed):
    native = load_native(str(ROOT / "examples" / "seed" / f"{seed}.yaml")).network
    terraform = load_terraform_dir(ROOT / "examples" / "terraform" / "seed" / seed).network
    expected = spec_verdicts(ROOT / "specs" / "seed" / f"{seed}.yaml", native)
    got = spec_verdicts(ROOT / "specs" / "terraform" / f"{seed}.yaml", terraform)
    assert got == expected
    assert set(got.values()) == {Verdict.HOLDS}


def test_seed_resources_are_addresses_with_name_tags_as_aliases():
    net = load_terraform_dir(ROOT / "examples" / "terraform" / "seed" / "3-inbound-from-sg").network
    res = net.resources['aws_instance.this["aws-resource-a"]']
    assert res.aliases == ("aws-resource-a",)
    assert res.groups == ("aws_security_group.a",)
    assert net.group_named("sg-type-a").key == "aws_security_group.a"


# ---------------------------------------------------------------- traps

def test_group_without_egress_blocks_has_no_egress():
    loaded = tf("""
        resource "aws_security_group" "a" {
          name = "a"
          ingress {
            from_port = 22
            to_port = 22
            protocol = "tcp"
            cidr_blocks = ["0.0.0.0/0"]
          }
        }
    """ + INSTANCE)
    assert loaded.network.groups["aws_security_group.a"].egress == ()
    got = verdicts(loaded.network, """
        - name: A sends nothing
          deny: {from: aws_instance.a, to: internet}
    """)
    assert got == {"A sends nothing": Verdict.HOLDS}


def test_tcp_0_to_0_is_port_0_only():
    loaded = tf("""
        resource "aws_security_group" "a" {
          ingress {
            from_port = 0
            to_port = 0
            protocol = "tcp"
            cidr_blocks = ["0.0.0.0/0"]
          }
        }
    """ + INSTANCE)
    rule = loaded.network.groups["aws_security_group.a"].ingress[0]
    assert rule.service.protocol == TCP and rule.service.ports == (PortRange(0, 0),)
    got = verdicts(loaded.network, """
        - {name: ssh closed, deny: {from: any, to: aws_instance.a, protocol: tcp, ports: 22}}
        - {name: port 0 open, allow: {from: internet, to: aws_instance.a, protocol: tcp, ports: 0}}
    """)
    assert got == {"ssh closed": Verdict.HOLDS, "port 0 open": Verdict.HOLDS}


@pytest.mark.parametrize("protocol", ['"-1"', '"all"', "-1"])
def test_all_protocols_ignore_the_port_range(protocol):
    loaded = tf(f"""
        resource "aws_security_group" "a" {{
          ingress {{
            from_port = 22
            to_port = 22
            protocol = {protocol}
            cidr_blocks = ["10.0.0.0/8"]
          }}
        }}
    """ + INSTANCE)
    rule = loaded.network.groups["aws_security_group.a"].ingress[0]
    assert rule.service.protocol == ALL
    assert "ignored" in warnings(loaded)
    got = verdicts(loaded.network, """
        - {name: dns open, allow: {from: 10.9.0.0/16, to: aws_instance.a, protocol: udp, ports: 53}}
    """)
    assert got == {"dns open": Verdict.HOLDS}


def test_self_next_to_a_world_cidr_admits_both():
    loaded = tf("""
        resource "aws_security_group" "a" {
          ingress {
            from_port = 443
            to_port = 443
            protocol = "tcp"
            self = true
            cidr_blocks = ["0.0.0.0/0"]
          }
        }
    """ + INSTANCE)
    peers = {r.peer for r in loaded.network.groups["aws_security_group.a"].ingress}
    assert peers == {GroupPeer("aws_security_group.a"), CidrPeer(Cidr.parse("0.0.0.0/0"))}
    got = verdicts(loaded.network, """
        - {name: world in, allow: {from: internet, to: aws_instance.a, protocol: tcp, ports: 443}}
        - {name: world closed, deny: {from: internet, to: aws_instance.a, protocol: tcp, ports: 443}}
    """)
    assert got == {"world in": Verdict.HOLDS, "world closed": Verdict.VIOLATED}


@pytest.mark.parametrize("protocol", ['"gre"', '"47"', "47"])
def test_gre_with_port_22_does_not_open_tcp_22(protocol):
    loaded = tf(f"""
        resource "aws_security_group" "a" {{
          ingress {{
            from_port = 22
            to_port = 22
            protocol = {protocol}
            cidr_blocks = ["0.0.0.0/0"]
          }}
        }}
    """ + INSTANCE)
    assert loaded.network.groups["aws_security_group.a"].ingress[0].service.protocol == 47
    got = verdicts(loaded.network, """
        - {name: no ssh, deny: {from: any, to: aws_instance.a, protocol: tcp, ports: 22}}
    """)
    assert got == {"no ssh": Verdict.HOLDS}


def test_ipv6_world_admits_no_ipv4():
    loaded = tf("""
        resource "aws_security_group" "a" {
          ingress {
            from_port = 22
            to_port = 22
            protocol = "tcp"
            ipv6_cidr_blocks = ["::/0"]
          }
        }
    """ + INSTANCE)
    peer = loaded.network.groups["aws_security_group.a"].ingress[0].peer
    assert peer == CidrPeer(Cidr.parse("::/0"))
    got = verdicts(loaded.network, """
        - {name: no ipv4 ssh, deny: {from: 0.0.0.0/0, to: aws_instance.a, protocol: tcp, ports: 22}}
    """)
    assert got == {"no ipv4 ssh": Verdict.HOLDS}


def test_comma_separated_cidrs_split_like_the_community_module(tmp_path):
    module = tmp_path / "modules" / "sg"
    module.mkdir(parents=True)
    (module / "main.tf").write_text(textwrap.dedent("""
        variable "ingress_cidr_blocks" { default = "" }
        resource "aws_security_group" "this" {
          name = "web"
          ingress {
            from_port = 22
            to_port = 22
            protocol = "tcp"
            cidr_blocks = split(",", var.ingress_cidr_blocks)
          }
        }
        output "security_group_id" { value = aws_security_group.this.id }
    """))
    (tmp_path / "main.tf").write_text(textwrap.dedent("""
        module "web_sg" {
          source = "./modules/sg"
          ingress_cidr_blocks = "10.0.0.0/8,203.0.113.0/24"
        }
        resource "aws_instance" "a" {
          private_ip = "10.0.1.10"
          vpc_security_group_ids = [module.web_sg.security_group_id]
        }
    """))
    net = load_terraform_dir(tmp_path).network
    group = net.groups["module.web_sg.aws_security_group.this"]
    assert [str(r.peer) for r in group.ingress] == ["10.0.0.0/8", "203.0.113.0/24"]
    assert net.resources["aws_instance.a"].groups == (group.key,)
    assert group.ingress[0].origin.file.endswith("modules/sg/main.tf")
    assert group.ingress[0].origin.line == 5


def test_a_comma_separated_string_in_cidr_blocks_is_an_error_with_its_line(rejected):
    lines = rejected(parse_terraform_text, """
        resource "aws_security_group" "a" {
          ingress {
            from_port = 22
            to_port = 22
            protocol = "tcp"
            cidr_blocks = ["10.0.0.0/8,1.2.3.4/32"]
          }
        }
    """, "main.tf")
    assert len(lines) == 1 and lines[0].startswith("main.tf:3: error:")
    assert "10.0.0.0/8,1.2.3.4/32" in lines[0]


def test_dynamic_block_with_iterator_over_a_map_of_objects():
    loaded = tf("""
        locals {
          rules = {
            ssh   = { port = 22, cidr = "10.0.0.0/8" }
            https = { port = 443, cidr = "0.0.0.0/0" }
          }
        }
        resource "aws_security_group" "a" {
          dynamic "ingress" {
            for_each = local.rules
            iterator = rule
            content {
              description = rule.key
              from_port = rule.value.port
              to_port = rule.value.port
              protocol = "tcp"
              cidr_blocks = [rule.value.cidr]
            }
          }
        }
    """ + INSTANCE)
    rules = loaded.network.groups["aws_security_group.a"].ingress
    assert [(r.description, str(r.service), str(r.peer)) for r in rules] == [
        ("ssh", "tcp/22", "10.0.0.0/8"), ("https", "tcp/443", "0.0.0.0/0")]
    assert all(r.origin.line == 12 for r in rules)  # the content block


def test_split_halves_of_the_ipv4_space_are_still_the_world():
    loaded = tf("""
        resource "aws_security_group" "a" {
          ingress {
            from_port = 22
            to_port = 22
            protocol = "tcp"
            cidr_blocks = ["0.0.0.0/1", "128.0.0.0/1"]
          }
        }
    """ + INSTANCE)
    got = verdicts(loaded.network, """
        - {name: ssh not from the internet, deny: {from: internet, to: aws_instance.a, protocol: tcp, ports: 22}}
        - {name: ssh from all of it, allow: {from: internet, to: aws_instance.a, protocol: tcp, ports: 22}}
    """)
    assert got == {"ssh not from the internet": Verdict.VIOLATED,
                   "ssh from all of it": Verdict.HOLDS}


# ---------------------------------------------------------------- unknowns

def test_variable_without_value_makes_the_rule_unknown_never_a_proof():
    loaded = tf("""
        variable "admin_cidr" {}
        resource "aws_security_group" "a" {
          ingress {
            from_port = 22
            to_port = 22
            protocol = "tcp"
            cidr_blocks = [var.admin_cidr]
          }
        }
    """ + INSTANCE)
    rule = loaded.network.groups["aws_security_group.a"].ingress[0]
    assert isinstance(rule.peer, UnknownPeer)
    assert "aws_security_group.a.ingress[0].cidr_blocks" in warnings(loaded)
    assert "main.tf:4: warning" in warnings(loaded)
    got = verdicts(loaded.network, """
        - {name: no ssh from the internet, deny: {from: internet, to: aws_instance.a, protocol: tcp, ports: 22}}
    """)
    assert got["no ssh from the internet"] is not Verdict.HOLDS


def test_tfvars_give_variables_their_values(tmp_path):
    (tmp_path / "main.tf").write_text(textwrap.dedent("""
        variable "admin_cidr" {}
        resource "aws_security_group" "a" {
          ingress {
            from_port = 22
            to_port = 22
            protocol = "tcp"
            cidr_blocks = [var.admin_cidr]
          }
        }
    """))
    (tmp_path / "terraform.tfvars").write_text('admin_cidr = "192.0.2.0/24"\n')
    group = load_terraform_dir(tmp_path).network.groups["aws_security_group.a"]
    assert str(group.ingress[0].peer) == "192.0.2.0/24"


def test_data_source_group_and_unknown_ports():
    loaded = tf("""
        data "aws_security_group" "bastion" { name = "bastion" }
        variable "port" {}
        resource "aws_security_group" "a" {
          ingress {
            from_port = var.port
            to_port = var.port
            protocol = "tcp"
            security_groups = [data.aws_security_group.bastion.id]
          }
        }
    """ + INSTANCE)
    rule = loaded.network.groups["aws_security_group.a"].ingress[0]
    assert isinstance(rule.peer, UnknownPeer) and "data source" in rule.peer.reason
    assert rule.service_unknown and "var.port" in rule.service_unknown


def test_literal_group_id_not_in_the_input_is_opaque_and_may_admit_anything():
    loaded = tf("""
        resource "aws_security_group" "a" {
          ingress {
            from_port = 443
            to_port = 443
            protocol = "tcp"
            security_groups = ["sg-0123456789abcdef0"]
          }
        }
        resource "aws_instance" "b" {
          private_ip = "10.0.2.10"
          vpc_security_group_ids = ["sg-0feedfacefeedface"]
        }
    """ + INSTANCE)
    net = loaded.network
    assert net.groups["sg-0123456789abcdef0"].opaque
    assert net.groups["aws_security_group.a"].ingress[0].peer == GroupPeer("sg-0123456789abcdef0")
    assert "sg-0feedfacefeedface is not defined" in warnings(loaded)
    got = verdicts(net, """
        - {name: b sends nothing, deny: {from: aws_instance.b, to: 8.8.8.8/32}}
    """)
    assert got["b sends nothing"] is not Verdict.HOLDS


def test_instance_without_groups_gets_the_default_group():
    loaded = tf("""
        resource "aws_default_security_group" "default" {
          vpc_id = "vpc-1"
          ingress {
            protocol = -1
            self = true
            from_port = 0
            to_port = 0
          }
        }
        resource "aws_instance" "a" { private_ip = "10.0.1.10" }
    """)
    assert loaded.network.resources["aws_instance.a"].groups == ("aws_default_security_group.default",)
    assert "default group" in warnings(loaded)


# ---------------------------------------------------------------- resources

def test_symbolic_resources_take_their_subnet():
    loaded = tf("""
        resource "aws_subnet" "app" { cidr_block = "10.0.2.0/24" }
        resource "aws_security_group" "a" {}
        resource "aws_instance" "in_subnet" {
          subnet_id = aws_subnet.app.id
          vpc_security_group_ids = [aws_security_group.a.id]
        }
        resource "aws_instance" "anywhere" {
          vpc_security_group_ids = [aws_security_group.a.id]
        }
        resource "aws_launch_template" "lt" { vpc_security_group_ids = [aws_security_group.a.id] }
        resource "aws_autoscaling_group" "asg" {
          vpc_zone_identifier = [aws_subnet.app.id]
          launch_template {
            id = aws_launch_template.lt.id
          }
        }
        resource "aws_lambda_function" "fn" {
          vpc_config {
            subnet_ids = [aws_subnet.app.id]
            security_group_ids = [aws_security_group.a.id]
          }
        }
    """)
    res = loaded.network.resources
    assert res["aws_instance.in_subnet"].symbolic
    assert res["aws_instance.in_subnet"].subnets == (Cidr.parse("10.0.2.0/24"),)
    assert res["aws_instance.anywhere"].subnets == ()
    assert "aws_instance.anywhere: address not known" in warnings(loaded)
    assert res["aws_autoscaling_group.asg"].groups == ("aws_security_group.a",)
    assert res["aws_autoscaling_group.asg"].subnets == (Cidr.parse("10.0.2.0/24"),)
    assert "aws_launch_template.lt" not in res  # stands for its ASG's instances
    assert res["aws_lambda_function.fn"].groups == ("aws_security_group.a",)


def test_rule_resources_prefix_lists_and_sg_attachments():
    loaded = tf("""
        resource "aws_ec2_managed_prefix_list" "office" {
          name = "office"
          address_family = "IPv4"
          max_entries = 2
          entry {
            cidr = "198.51.100.0/24"
          }
        }
        resource "aws_security_group" "a" {}
        resource "aws_security_group" "extra" {}
        resource "aws_vpc_security_group_ingress_rule" "office" {
          security_group_id = aws_security_group.a.id
          prefix_list_id = aws_ec2_managed_prefix_list.office.id
          ip_protocol = "tcp"
          from_port = 443
          to_port = 443
        }
        resource "aws_network_interface" "eni" {
          private_ips = ["10.0.5.5"]
          security_groups = [aws_security_group.a.id]
        }
        resource "aws_network_interface_sg_attachment" "x" {
          security_group_id = aws_security_group.extra.id
          network_interface_id = aws_network_interface.eni.id
        }
    """)
    net = loaded.network
    rule = net.groups["aws_security_group.a"].ingress[0]
    assert rule.peer == PrefixListPeer("aws_ec2_managed_prefix_list.office")
    assert net.prefix_lists["aws_ec2_managed_prefix_list.office"].cidrs == (Cidr.parse("198.51.100.0/24"),)
    assert rule.origin.line == 12
    assert net.resources["aws_network_interface.eni"].groups == (
        "aws_security_group.a", "aws_security_group.extra")


def test_count_and_module_addresses(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "main.tf").write_text(textwrap.dedent("""
        variable "create" { default = true }
        resource "aws_security_group" "this" {
          count = var.create ? 1 : 0
          name = "app"
          egress {
            from_port = 443
            to_port = 443
            protocol = "tcp"
            cidr_blocks = ["0.0.0.0/0"]
          }
        }
        output "id" { value = aws_security_group.this[0].id }
    """))
    (tmp_path / "main.tf").write_text(textwrap.dedent("""
        module "app" { source = "./app" }
        resource "aws_instance" "web" {
          count = 2
          private_ip = "10.0.1.${count.index + 10}"
          vpc_security_group_ids = [module.app.id]
        }
    """))
    net = load_network(str(tmp_path)).network
    assert net.input_format == "terraform"
    assert set(net.groups) == {"module.app.aws_security_group.this[0]"}
    assert net.group_named("app").key == "module.app.aws_security_group.this[0]"
    assert sorted(net.resources) == ["aws_instance.web[0]", "aws_instance.web[1]"]
    assert net.resources["aws_instance.web[1]"].describe_addresses() == "10.0.1.11"


def test_unsupported_resource_carrying_groups_is_a_member_with_a_warning():
    loaded = tf("""
        resource "aws_security_group" "a" {}
        resource "aws_efs_mount_target" "fs" {
          file_system_id = "fs-1"
          security_groups = [aws_security_group.a.id]
        }
    """)
    res = loaded.network.resources["aws_efs_mount_target.fs"]
    assert res.groups == ("aws_security_group.a",) and res.symbolic
    assert "aws_efs_mount_target.fs: resource type aws_efs_mount_target is not modelled" in warnings(loaded)


def test_registry_module_not_fetched_gives_groups_passed_to_it_unknown_rules():
    loaded = tf("""
        resource "aws_security_group" "a" {}
        module "rules" {
          source = "terraform-aws-modules/security-group/aws"
          create_sg = false
          security_group_id = aws_security_group.a.id
          ingress_cidr_blocks = ["0.0.0.0/0"]
        }
    """ + INSTANCE)
    rules = loaded.network.groups["aws_security_group.a"].ingress
    assert len(rules) == 1 and rules[0].service_unknown and isinstance(rules[0].peer, UnknownPeer)
    assert "module rules" in warnings(loaded)


# ---------------------------------------------------------------- bad input

@pytest.mark.parametrize("body, message", [
    ('from_port = 22\n to_port = 70000\n protocol = "tcp"\n cidr_blocks = ["0.0.0.0/0"]',
     "invalid port range"),
    ('from_port = 22\n to_port = 22\n protocol = "tcpx"\n cidr_blocks = ["0.0.0.0/0"]',
     "unknown protocol"),
    ('from_port = 22\n to_port = 22\n protocol = "tcp"\n cidr_blocks = ["10.0.0.300/8"]',
     "invalid CIDR"),
])
def test_invalid_values_are_errors_at_their_block(rejected, body, message):
    lines = rejected(parse_terraform_text, f"""
        resource "aws_security_group" "a" {{
          ingress {{
            {body}
          }}
        }}
    """, "main.tf")
    assert len(lines) == 1 and lines[0].startswith("main.tf:3: error:") and message in lines[0]


def test_syntax_error_names_file_and_line(rejected):
    lines = rejected(parse_terraform_text, """
        resource "aws_security_group" "a" {
          name = "a"
          ingress {
            from_port = = 22
          }
        }
    """, "broken.tf")
    assert len(lines) == 1 and lines[0].startswith("broken.tf:5: error: HCL syntax error")


def test_missing_local_module_is_an_error(tmp_path):
    (tmp_path / "main.tf").write_text('module "x" {\n  source = "./nope"\n}\n')
    with pytest.raises(InputError) as caught:
        load_terraform_dir(tmp_path)
    assert str(caught.value.diagnostics[0]).startswith(f"{tmp_path / 'main.tf'}:1: error: module x")


def test_cli_reports_bad_terraform_with_exit_2_and_no_traceback(tmp_path):
    (tmp_path / "main.tf").write_text('resource "aws_security_group" "a" {\n  ingress {\n'
                                      '    protocol = "tcp"\n    from_port = 5\n    to_port = 1\n'
                                      '    cidr_blocks = ["0.0.0.0/0"]\n  }\n}\n')
    spec = tmp_path / "spec.yaml"
    spec.write_text("network: .\nassertions:\n  - {name: x, deny: {from: any, to: any}}\n")
    done = subprocess.run([sys.executable, "-m", "sgverify", "check", str(spec)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert f"{tmp_path / 'main.tf'}:2: error:" in done.stderr


def test_rule_keeps_direction_and_origin():
    loaded = tf("""
        resource "aws_security_group" "a" {
          egress {
            from_port = 53
            to_port = 53
            protocol = "udp"
            cidr_blocks = ["10.0.0.2/32"]
          }
        }
    """)
    rule = loaded.network.groups["aws_security_group.a"].egress[0]
    assert rule.direction is Direction.EGRESS
    assert str(rule.origin) == "main.tf:3"


def test_instance_from_a_launch_template_takes_its_groups():
    loaded = tf("""
        resource "aws_security_group" "a" {}
        resource "aws_launch_template" "lt" { vpc_security_group_ids = [aws_security_group.a.id] }
        resource "aws_instance" "i" {
          private_ip = "10.0.1.10"
          launch_template {
            id = aws_launch_template.lt.id
          }
        }
    """)
    assert loaded.network.resources["aws_instance.i"].groups == ("aws_security_group.a",)


def test_three_tier_example_holds_its_spec():
    path = ROOT / "examples" / "terraform" / "three-tier"
    loaded = load_terraform_dir(path)
    db = loaded.network.groups["module.db_sg.aws_security_group.this"]
    assert [str(r.peer) for r in db.ingress] == [
        "aws_security_group.app", "10.20.10.0/24", "10.20.11.0/24"]
    assert loaded.network.resources["aws_db_instance.main"].subnets == (
        Cidr.parse("10.20.10.0/24"), Cidr.parse("10.20.11.0/24"))
    assert loaded.warnings == ()
    got = spec_verdicts(ROOT / "specs" / "terraform" / "three-tier.yaml", loaded.network)
    assert set(got.values()) == {Verdict.HOLDS} and len(got) == 9


def test_registry_module_fetched_by_terraform_init_is_read(tmp_path):
    fetched = tmp_path / ".terraform" / "modules" / "web_sg"
    fetched.mkdir(parents=True)
    (fetched / "main.tf").write_text(textwrap.dedent("""
        variable "ingress_cidr_blocks" { type = list(string) }
        resource "aws_security_group" "this" {
          ingress {
            from_port = 443
            to_port = 443
            protocol = "tcp"
            cidr_blocks = var.ingress_cidr_blocks
          }
        }
        output "security_group_id" { value = aws_security_group.this.id }
    """))
    (tmp_path / ".terraform" / "modules" / "modules.json").write_text(
        '{"Modules": [{"Key": "", "Source": "", "Dir": "."}, {"Key": "web_sg", '
        '"Source": "registry.terraform.io/terraform-aws-modules/security-group/aws", '
        '"Version": "5.1.0", "Dir": ".terraform/modules/web_sg"}]}')
    (tmp_path / "main.tf").write_text(textwrap.dedent("""
        module "web_sg" {
          source = "terraform-aws-modules/security-group/aws"
          version = "5.1.0"
          ingress_cidr_blocks = ["192.0.2.0/24"]
        }
        resource "aws_instance" "a" {
          private_ip = "10.0.1.10"
          vpc_security_group_ids = [module.web_sg.security_group_id]
        }
    """))
    loaded = load_terraform_dir(tmp_path)
    group = loaded.network.groups["module.web_sg.aws_security_group.this"]
    assert [str(r.peer) for r in group.ingress] == ["192.0.2.0/24"]
    assert loaded.warnings == ()


def test_unknown_count_is_one_instance_and_references_to_it_are_unknown():
    loaded = tf("""
        variable "n" {}
        resource "aws_security_group" "a" {
          count = var.n
          egress {
            from_port = 443
            to_port = 443
            protocol = "tcp"
            cidr_blocks = ["0.0.0.0/0"]
          }
        }
        resource "aws_instance" "i" {
          private_ip = "10.0.1.10"
          vpc_security_group_ids = [aws_security_group.a[0].id]
        }
    """)
    assert "aws_security_group.a[*]" in loaded.network.groups
    assert "count is variable var.n" in warnings(loaded)
    groups = loaded.network.resources["aws_instance.i"].groups
    assert groups == ("aws_instance.i:unknown-groups",)
    assert loaded.network.groups[groups[0]].egress[0].service_unknown


def test_other_protocols_warn_that_their_ports_are_ignored():
    loaded = tf("""
        resource "aws_security_group" "a" {
          ingress {
            from_port = 22
            to_port = 22
            protocol = "gre"
            cidr_blocks = ["0.0.0.0/0"]
          }
        }
    """)
    assert "protocol 47 admits every port; the port range 22-22 is ignored" in warnings(loaded)


@pytest.mark.parametrize("name, content, message", [
    ("extra.tf.json", "{}", "JSON-syntax configuration is not read"),
    ("override.tf", "", "override file is not read"),
    ("again.tf", 'resource "aws_security_group" "a" {}\n', "is also defined at"),
])
def test_files_that_cannot_be_read_faithfully_are_refused(tmp_path, name, content, message):
    (tmp_path / "main.tf").write_text('resource "aws_security_group" "a" {}\n')
    (tmp_path / name).write_text(content)
    with pytest.raises(InputError) as caught:
        load_terraform_dir(tmp_path)
    assert message in str(caught.value)


COMMUNITY_STYLE_MODULE = """
variable "create" { default = true }
variable "name" {}
variable "rules" {
  default = {
    https-443-tcp = [443, 443, "tcp", "HTTPS"]
    ssh-tcp       = [22, 22, "tcp", "SSH"]
    _             = ["", "", ""]
  }
}
variable "ingress_with_cidr_blocks" { default = [] }
variable "ingress_cidr_blocks" { default = [] }

resource "aws_security_group" "this" {
  count = var.create ? 1 : 0
  name  = var.name
}

resource "aws_security_group_rule" "ingress_with_cidr_blocks" {
  count             = var.create ? length(var.ingress_with_cidr_blocks) : 0
  security_group_id = aws_security_group.this[0].id
  type              = "ingress"
  cidr_blocks = compact(split(",", lookup(var.ingress_with_cidr_blocks[count.index], "cidr_blocks",
    join(",", var.ingress_cidr_blocks))))
  from_port = lookup(var.ingress_with_cidr_blocks[count.index], "from_port",
    var.rules[lookup(var.ingress_with_cidr_blocks[count.index], "rule", "_")][0])
  to_port = lookup(var.ingress_with_cidr_blocks[count.index], "to_port",
    var.rules[lookup(var.ingress_with_cidr_blocks[count.index], "rule", "_")][1])
  protocol = lookup(var.ingress_with_cidr_blocks[count.index], "protocol",
    var.rules[lookup(var.ingress_with_cidr_blocks[count.index], "rule", "_")][2])
}

output "security_group_id" { value = try(aws_security_group.this[0].id, "") }
"""


def test_rules_written_the_community_module_way(tmp_path):
    (tmp_path / "sg").mkdir()
    (tmp_path / "sg" / "main.tf").write_text(COMMUNITY_STYLE_MODULE)
    (tmp_path / "main.tf").write_text(textwrap.dedent("""
        module "web" {
          source = "./sg"
          name = "web"
          ingress_cidr_blocks = ["10.10.0.0/16"]
          ingress_with_cidr_blocks = [
            { rule = "https-443-tcp", cidr_blocks = "0.0.0.0/1,128.0.0.0/1" },
            { rule = "ssh-tcp" },
            { from_port = 8080, to_port = 8090, protocol = "tcp", cidr_blocks = "192.168.0.0/16" },
          ]
        }
        resource "aws_instance" "web" {
          private_ip = "10.10.1.5"
          vpc_security_group_ids = [module.web.security_group_id]
        }
    """))
    loaded = load_terraform_dir(tmp_path)
    net = loaded.network
    group = net.group_named("web")
    assert group.key == "module.web.aws_security_group.this[0]"
    assert [(str(r.service), str(r.peer)) for r in group.ingress] == [
        ("tcp/443", "0.0.0.0/1"), ("tcp/443", "128.0.0.0/1"), ("tcp/22", "10.10.0.0/16"),
        ("tcp/8080-8090", "192.168.0.0/16")]
    assert net.resources["aws_instance.web"].groups == (group.key,)
    got = verdicts(net, """
        - {name: https from the whole internet, allow: {from: internet, to: aws_instance.web, protocol: tcp, ports: 443}}
        - {name: no ssh from the internet, deny: {from: internet, to: aws_instance.web, protocol: tcp, ports: 22}}
    """)
    assert got == {"https from the whole internet": Verdict.HOLDS,
                   "no ssh from the internet": Verdict.HOLDS}


def test_resources_that_may_have_no_group_are_not_given_the_default_one():
    loaded = tf("""
        resource "aws_lambda_function" "outside_vpc" { function_name = "f" }
        resource "aws_lb" "network" { load_balancer_type = "network" }
        resource "aws_lb" "application" { load_balancer_type = "application" }
        resource "aws_db_instance" "db" { engine = "postgres" }
    """)
    assert set(loaded.network.resources) == {"aws_db_instance.db", "aws_lb.application"}
    assert loaded.network.resources["aws_db_instance.db"].groups == ("aws_db_instance.db:default-group",)


def test_instance_on_its_own_interfaces_is_those_interfaces():
    loaded = tf("""
        resource "aws_security_group" "a" {}
        resource "aws_network_interface" "eni" {
          private_ips = ["10.0.5.5"]
          security_groups = [aws_security_group.a.id]
        }
        resource "aws_instance" "i" {
          network_interface {
            network_interface_id = aws_network_interface.eni.id
            device_index = 0
          }
        }
    """)
    assert set(loaded.network.resources) == {"aws_network_interface.eni"}
