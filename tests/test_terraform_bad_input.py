"""The .tf reader refuses what Terraform refuses at plan time: one error line at the
expression's file:line, exit 2, no verdicts; what is only unknown stays a free choice."""

from __future__ import annotations

import pytest

from clitools import run
from sgverify.inputs.terraform.hcl import parse_terraform_text
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
