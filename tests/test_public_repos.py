"""Public repositories read as their authors wrote them.

Each fixture under examples/real/ is a public configuration reduced and
rewritten (its source named at its top), with a spec in specs/real/ whose
verdicts were worked out by hand from AWS semantics (each spec says why). Every
verdict is checked on the input itself and on what `sgverify import` wrote of
it, both through the CLI as a user runs it; the warnings are checked too, so a
reader that starts to guess, or to warn of what the input does say, fails here.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from clitools import run
from sgverify.inputs import load_network
from sgverify.inputs.terraform.hcl import parse_terraform_text
from sgverify.model import UnknownPeer

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "examples" / "real"
SPECS = ROOT / "specs" / "real"
NO_CACHE = {"SGVERIFY_CACHE": "0"}

HOLDS, VIOLATED = "holds", "violated"

# specs/real/cfngoat.yaml, after https://github.com/bridgecrewio/cfngoat
CFNGOAT = {
    "the internet reaches the web node on ssh": HOLDS,
    "nobody logs in to the web node from the internet": VIOLATED,
    "the internet reaches the db app instance on any udp port": HOLDS,
    "the internet never reaches the database": HOLDS,
    "only the VPC reaches the database": HOLDS,
    "the database serves nothing but mysql": HOLDS,
    "the web node reaches the database on mysql": HOLDS,
    "the internet never reaches the bare interface": HOLDS,
    "the bare interface reaches the web node on http": VIOLATED,
}
# specs/real/sg-module.yaml, after https://github.com/terraform-aws-modules/terraform-aws-security-group
SG_MODULE = {
    "the internet reaches app on postgres": HOLDS,
    "the internet never reaches app on ssh": VIOLATED,
    "the internet never reaches app on https": HOLDS,
    "client reaches app on 23": VIOLATED,
    "app reaches client on https": VIOLATED,
    "app never sends ssh to the internet": HOLDS,
    "app reaches the internet on postgres": HOLDS,
    "only 10.10.0.0/16 reaches client on https": HOLDS,
}
# specs/real/vpc-module.yaml, after https://github.com/terraform-aws-modules/terraform-aws-vpc
VPC_MODULE = {
    "the internet reaches web on https": HOLDS,
    "the internet never reaches the web instance without an address": HOLDS,
    "the internet never reaches app": HOLDS,
    "app reaches the internet on https through the NAT gateway": HOLDS,
    "the database reaches the internet through the NAT gateway": HOLDS,
    "the internet never reaches the database": HOLDS,
    "web reaches app on 8080": HOLDS,
    "app reaches the database on postgres": HOLDS,
    "only app reaches the database": HOLDS,
    "nothing reaches the instance in the default group": HOLDS,
    "the instance in the default group reaches the internet": VIOLATED,
}
# specs/real/multi-vpc.yaml: three VPCs of one account, two reusing a block
MULTI_VPC = {
    "the internet reaches prod web on https": HOLDS,
    "the internet never reaches the prod database": HOLDS,
    "only prod web reaches the prod database on postgres": VIOLATED,
    "prod web reaches the prod database on postgres": HOLDS,
    "prometheus scrapes the prod database": VIOLATED,
    "prometheus scrapes the staging database": HOLDS,
    "staging never reaches the prod database": HOLDS,
    "staging web reaches the staging database on postgres": HOLDS,
    "the bastion host reaches prod web on ssh": HOLDS,
    "the bastion host never reaches staging web on ssh": HOLDS,
    "the office reaches the bastion host on ssh": HOLDS,
    "staging batch reaches the staging database through the default group": HOLDS,
    "the default groups of prod and staging are apart": HOLDS,
}

FIXTURES = {
    "cfngoat": (REAL / "cfngoat" / "cfngoat.yaml", CFNGOAT),
    "sg-module": (REAL / "sg-module", SG_MODULE),
    "vpc-module": (REAL / "vpc-module", VPC_MODULE),
    "multi-vpc": (REAL / "multi-vpc" / "snapshot.json", MULTI_VPC),
}


def statuses(done) -> dict[str, str]:
    return {r["name"]: r["status"] for r in json.loads(done.stdout)["results"]}


def exit_code(expected: dict[str, str]) -> int:
    return 1 if VIOLATED in expected.values() else 0


@pytest.mark.parametrize("name", FIXTURES)
def test_the_spec_checks_as_worked_out_by_hand(name):
    _, expected = FIXTURES[name]
    done = run(["check", SPECS / f"{name}.yaml", "--format", "json"], exit_code(expected), env=NO_CACHE)
    assert statuses(done) == expected


@pytest.mark.parametrize("name", FIXTURES)
def test_the_imported_network_checks_the_same(tmp_path, name):
    network, expected = FIXTURES[name]
    written = tmp_path / "imported.yaml"
    run(["import", network, "-o", written], 0, env=NO_CACHE)
    done = run(["check", SPECS / f"{name}.yaml", "--network", written, "--format", "json"],
               exit_code(expected), env=NO_CACHE)
    assert statuses(done) == expected


def test_every_fixture_here_has_its_spec():
    named = {p.stem for p in SPECS.glob("*.yaml")}
    assert set(FIXTURES) <= named


# -- warnings: what each input leaves unknown, and nothing else ----------------------

def warnings(path: Path) -> list[str]:
    return [w.message for w in load_network(str(path)).warnings]


def test_cfngoat_warns_only_of_the_interface_without_a_group():
    # The account id in every name, the zones from Fn::GetAZs and the AMI from
    # SSM are unknown, but none of them decides what the groups admit.
    assert warnings(REAL / "cfngoat" / "cfngoat.yaml") == [
        "WebENI names no security group, so it gets its VPC's default group, whose rules are not in the "
        "template (kept unknown)"]


def test_cfngoat_reads_the_public_database_and_the_default_group():
    network = load_network(str(REAL / "cfngoat" / "cfngoat.yaml")).network
    db = network.resources["DefaultDB"]
    assert db.has_public_ip and db.groups == ("DefaultSG",) and len(db.subnets) == 2
    default = network.groups[network.resources["WebENI"].groups[0]]
    assert default.opaque and all(isinstance(r.peer, UnknownPeer) for r in default.ingress + default.egress)


def test_the_sg_module_warns_of_what_comes_from_data_sources_and_the_unfetched_module():
    found = warnings(REAL / "sg-module")
    assert len(found) == 5
    assert found[0].startswith("module vpc: source is not a local folder and was not fetched")
    assert sum("comes from module vpc" in w for w in found) == 2  # the two computed cidr entries
    assert sum("comes from data source data.aws_security_group.default" in w for w in found) == 2
    assert not any("count" in w for w in found)  # every rule list has a known length


def test_the_vpc_module_warns_only_of_the_instance_without_a_group():
    assert warnings(REAL / "vpc-module") == [
        "aws_instance.legacy names no security group: AWS gives it the VPC's default group, taken to be "
        "module.vpc.aws_default_security_group.this[0]"]


def test_the_vpc_module_places_each_subnet_and_route_as_the_module_does():
    topology = load_network(str(REAL / "vpc-module")).network.topology
    subnets = {key.removeprefix("module.vpc.aws_subnet."): (str(s.cidrs[0]), s.route_table)
               for key, s in topology.subnets.items()}
    private = "module.vpc.aws_route_table.private[0]"
    public = "module.vpc.aws_route_table.public[0]"
    assert subnets == {
        "private[0]": ("10.0.0.0/24", private), "private[1]": ("10.0.1.0/24", private),
        "private[2]": ("10.0.2.0/24", private), "public[0]": ("10.0.4.0/24", public),
        "public[1]": ("10.0.5.0/24", public), "public[2]": ("10.0.6.0/24", public),
        "database[0]": ("10.0.8.0/24", private), "database[1]": ("10.0.9.0/24", private),
        "database[2]": ("10.0.10.0/24", private)}


def test_the_multi_vpc_snapshot_reads_without_a_warning():
    network = load_network(str(REAL / "multi-vpc" / "snapshot.json")).network
    assert warnings(REAL / "multi-vpc" / "snapshot.json") == []
    defaults = sorted((g.vpc, g.key) for g in network.groups.values() if g.name == "default")
    assert [vpc for vpc, _ in defaults] == sorted(network.topology.vpcs)  # one default group in each VPC
    assert len(network.topology.vpcs) == 3 and len(network.topology.peerings) == 2


# -- a reader fix the security-group module showed ------------------------------------------

def test_the_length_of_a_list_with_unknown_values_is_known():
    # The module counts its rule resources with length(var.x) over a list of
    # maps; a group id read from a data source leaves one value unknown, not
    # how many rules there are. So the rule keeps its known port and protocol.
    loaded = parse_terraform_text(textwrap.dedent("""
        data "aws_security_group" "default" {
          name = "default"
        }
        variable "with_group" {
          default = []
        }
        locals {
          rules = [{ port = 3306, group = data.aws_security_group.default.id }]
        }
        resource "aws_security_group" "db" {}
        resource "aws_security_group_rule" "from_group" {
          count                    = length(local.rules)
          type                     = "ingress"
          security_group_id        = aws_security_group.db.id
          from_port                = local.rules[count.index]["port"]
          to_port                  = local.rules[count.index]["port"]
          protocol                 = "tcp"
          source_security_group_id = local.rules[count.index]["group"]
        }
    """), "main.tf")
    (rule,) = loaded.network.groups["aws_security_group.db"].ingress
    assert str(rule.service) == "tcp/3306" and not rule.service_unknown
    assert isinstance(rule.peer, UnknownPeer) and "data.aws_security_group.default" in rule.peer.reason
    assert not any("count" in w.message for w in loaded.warnings)
