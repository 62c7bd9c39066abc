"""The .tf reader refuses what Terraform refuses at plan time: one error line at the
expression's file:line, exit 2, no verdicts; what is only unknown stays a free choice."""

from __future__ import annotations

import pytest

from clitools import run
from sgverify.errors import InputError
from sgverify.inputs.terraform.hcl import load_terraform_dir, parse_terraform_text
from tf_helpers import tf, warnings

GROUP = """
resource "aws_security_group" "g" {{
  ingress {{
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [{peer}]
  }}
}}
"""


@pytest.mark.parametrize("call, message", [
    ('cidrsubnet("not-a-cidr", 8, 1)', '"not-a-cidr" is not an address prefix'),
    ('cidrsubnet("10.0.0.0", 8, 1)', '"10.0.0.0" is not an address prefix'),
    ('cidrsubnet("10.0.0.0/16", 20, 1)', "a /16 has no room for 20 more bits"),
    ('cidrsubnet("10.0.0.0/16", 8, 256)', "8 more bits hold subnet numbers 0-255, not 256"),
    ('cidrsubnet("10.0.0.0/16", "eight", 1)', 'newbits "eight" is not a number'),
    ('cidrhost("10.0.0.0/24", 300)', "a /24 holds host numbers 0-255"),
    ('cidrhost("10.0.0.0/24", -257)', "a /24 holds host numbers 0-255"),
    ('cidrhost("10.0.0.0/24", 1.5)', "hostnum 1.5 is not a whole number"),
    ('element([], 0)', "element() rejects its arguments: an empty list has no element"),
    ('tobool("yes")', 'tobool() rejects its arguments: "yes" is not true or false'),
    ('length(range(0, 4, 0))', "range() rejects its arguments: a step of 0"),
])
def test_a_literal_call_terraform_refuses_is_an_error_at_its_line(rejected, call, message):
    lines = rejected(parse_terraform_text, GROUP.format(peer=call), "main.tf")
    assert len(lines) == 1, lines
    assert lines[0].startswith("main.tf:7: error: ") and message in lines[0], lines


def test_arguments_known_through_locals_are_checked_too(rejected):
    lines = rejected(parse_terraform_text, 'locals {\n  base = "10.0.0.0/16"\n}\n'
                     + GROUP.format(peer="cidrsubnet(local.base, 8, 999)"), "main.tf")
    assert lines == ["main.tf:10: error: cidrsubnet() rejects its arguments: 8 more bits hold "
                     "subnet numbers 0-255, not 999"]


def test_calls_in_range_are_values():
    loaded = tf(GROUP.format(peer='cidrsubnet("10.0.0.0/16", 8, 255), "${cidrhost("10.0.0.0/24", -2)}/32"'))
    peers = {str(r.peer) for r in loaded.network.groups["aws_security_group.g"].ingress}
    assert peers == {"10.0.255.0/24", "10.0.0.254/32"}


def test_try_and_can_catch_what_they_are_given():
    loaded = tf("""
        locals {
          a = try(cidrsubnet("bad", 8, 1), "10.0.0.0/24")
          b = can(cidrhost("10.0.0.0/24", 300)) ? "0.0.0.0/0" : "10.1.0.0/24"
        }
    """ + GROUP.format(peer="local.a, local.b"))
    peers = {str(r.peer) for r in loaded.network.groups["aws_security_group.g"].ingress}
    assert peers == {"10.0.0.0/24", "10.1.0.0/24"}


def test_an_argument_known_only_at_apply_stays_a_free_choice():
    loaded = tf('variable "base" {}\n' + GROUP.format(peer="cidrsubnet(var.base, 8, 300)"))
    assert any("var.base" in w and "warning" in w for w in warnings(loaded))


def test_cli_stops_with_exit_2_and_the_line(tmp_path):
    (tmp_path / "main.tf").write_text(GROUP.format(peer='cidrhost("10.0.0.0/24", 300)'))
    spec = tmp_path / "spec.yaml"
    spec.write_text("network: .\nassertions:\n  - {name: x, deny: {from: any, to: any}}\n")
    done = run(["check", spec], 2, env={"SGVERIFY_CACHE": "0"})
    errors = [line for line in done.stderr.splitlines() if ": error: " in line]
    assert errors == [f"sgverify: {tmp_path / 'main.tf'}:7: error: cidrhost() rejects its arguments: a /24 "
                      "holds host numbers 0-255 (or counted back from -1), not 300"]
    assert "holds" not in done.stdout and "violated" not in done.stdout


# ---------------------------------------------------------------- undeclared references

DECLARED = """
variable "cidr" {
  default = "10.0.0.0/16"
}
locals {
  tags = { Team = "net" }
}
data "aws_ami" "a" {}
module "remote" {
  source    = "terraform-aws-modules/vpc/aws"
  providers = { aws = aws.west }
}
resource "aws_vpc" "v" {
  cidr_block = var.cidr
  tags = merge(local.tags, { Ami = data.aws_ami.a.id, Vpc = module.remote.vpc_id,
    Ws = terraform.workspace, Dir = path.module })
}
resource "aws_security_group" "g" {
  count    = 2
  name     = "g-${count.index}"
  vpc_id   = aws_vpc.v.id
  provider = aws.west
  dynamic "ingress" {
    for_each = { for k, v in { ssh = 22 } : k => v }
    iterator = rule
    content {
      from_port   = rule.value
      to_port     = rule.value
      protocol    = "tcp"
      cidr_blocks = [REF]
    }
  }
  lifecycle {
    ignore_changes = [tags.Name]
  }
}
"""
REF_LINE = 30


def whole(text: str, path: str = "main.tf"):
    return parse_terraform_text(text, path, whole_module=True)


def test_what_a_module_declares_or_terraform_builds_in_is_no_error():
    loaded = whole(DECLARED.replace("REF", '"10.9.0.0/16", aws_vpc.v.cidr_block'))
    peers = {str(r.peer) for r in loaded.network.groups["aws_security_group.g[0]"].ingress}
    assert peers == {"10.9.0.0/16", "10.0.0.0/16"}


@pytest.mark.parametrize("ref, message", [
    ("aws_vpc.missing.cidr_block",
     "reference to undeclared resource: aws_vpc.missing is not declared in this module"),
    ("var.nope", "reference to undeclared input variable: var.nope is not declared in this module"),
    ("local.nope", "reference to undeclared local value: local.nope is not declared in this module"),
    ("module.nope.cidr", "reference to undeclared module: module.nope is not declared in this module"),
    ("data.aws_vpc.nope.cidr_block",
     "reference to undeclared data source: data.aws_vpc.nope is not declared in this module"),
])
def test_an_undeclared_reference_in_a_whole_module_is_an_error_at_its_line(rejected, ref, message):
    lines = rejected(whole, DECLARED.replace("REF", ref), "main.tf")
    assert lines == [f"main.tf:{REF_LINE}: error: {message}"]


def test_an_undeclared_reference_counts_even_where_nothing_is_evaluated(rejected):
    text = 'resource "aws_instance" "off" {\n  count = 0\n  subnet_id = aws_subnet.nope.id\n}\n'
    assert rejected(whole, text, "main.tf") == ["main.tf:3: error: reference to undeclared resource: "
                                     "aws_subnet.nope is not declared in this module"]


def test_a_file_given_alone_keeps_the_warning(tmp_path):
    # its sibling files, not given, may declare what it refers to
    (tmp_path / "main.tf").write_text(DECLARED.replace("REF", "var.elsewhere"))
    loaded = load_terraform_dir(tmp_path / "main.tf")
    assert any("var.elsewhere" in w and ": warning: " in w for w in warnings(loaded))


def test_a_folder_reads_its_declarations_from_every_file_and_tfvars_stay_free(tmp_path):
    (tmp_path / "main.tf").write_text(DECLARED.replace("REF", "var.extra"))
    (tmp_path / "variables.tf").write_text('variable "extra" {}\n')
    (tmp_path / "terraform.tfvars").write_text('undeclared_here = "x"\n')
    loaded = load_terraform_dir(tmp_path)
    assert any("var.extra" in w and ": warning: " in w for w in warnings(loaded))


def test_a_local_module_folder_is_checked(tmp_path):
    (tmp_path / "main.tf").write_text('module "net" {\n  source = "./net"\n}\n')
    (tmp_path / "net").mkdir()
    (tmp_path / "net" / "main.tf").write_text(
        'resource "aws_subnet" "s" {\n  vpc_id     = aws_vpc.nope.id\n  cidr_block = "10.0.0.0/24"\n}\n')
    with pytest.raises(InputError) as caught:
        load_terraform_dir(tmp_path)
    assert [str(d) for d in caught.value.diagnostics] == [
        f"{tmp_path / 'net' / 'main.tf'}:2: error: reference to undeclared resource: aws_vpc.nope "
        "is not declared in this module"]


def test_cli_refuses_an_undeclared_variable_in_a_folder(tmp_path):
    (tmp_path / "main.tf").write_text(DECLARED.replace("REF", "var.nope"))
    spec = tmp_path / "spec.yaml"
    spec.write_text("network: .\nassertions:\n  - {name: x, deny: {from: any, to: any}}\n")
    done = run(["check", spec], 2, env={"SGVERIFY_CACHE": "0"})
    errors = [line for line in done.stderr.splitlines() if ": error: " in line]
    assert errors == [f"sgverify: {tmp_path / 'main.tf'}:{REF_LINE}: error: reference to undeclared "
                      "input variable: var.nope is not declared in this module"]
