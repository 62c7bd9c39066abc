"""Terraform as real repositories write it: 0.11-style "${...}" references, templates,
references that name a resource whose name is not known, and the fixtures under
examples/real/ (their verdicts worked out by hand from the rules they write)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from clitools import run
from sgverify.inputs import load_network
from sgverify.inputs.terraform.hcl import load_terraform_dir, parse_terraform_text
from sgverify.inputs.terraform.plan import parse_terraform_plan
from sgverify.model import Cidr, CidrPeer, GroupPeer, UnknownPeer
from sgverify.solve import Verdict, verify
from sgverify.spec.parse import load_spec, parse_spec
from sgverify.spec.resolve import resolve_spec

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "examples" / "real"
SPECS = ROOT / "specs" / "real"


def tf(text: str, path: str = "main.tf"):
    return parse_terraform_text(textwrap.dedent(text), path)


def warnings(loaded) -> list[str]:
    return [str(w) for w in loaded.warnings]


def verdicts(network, assertions: str) -> dict[str, Verdict]:
    doc = parse_spec("assertions:\n" + textwrap.indent(textwrap.dedent(assertions), "  "))
    spec, _ = resolve_spec(doc, network)
    return {r.assertion.name: r.verdict for r in verify(network, spec)}


def spec_verdicts(spec_path: Path, network) -> dict[str, Verdict]:
    spec, _ = resolve_spec(load_spec(spec_path), network)
    return {r.assertion.name: r.verdict for r in verify(network, spec)}


GROUPS = """
resource "aws_subnet" "s" {
  cidr_block = "10.0.1.0/24"
}
resource "aws_security_group" "web" {
  name = "web"
}
resource "aws_security_group" "db" {
  name = "db"
}
"""


# ---------------------------------------------------------------- "${X}" is X

def test_quoted_references_are_the_resources_they_name():
    loaded = tf(GROUPS + """
        resource "aws_security_group_rule" "db_in" {
          type                     = "ingress"
          from_port                = 5432
          to_port                  = 5432
          protocol                 = "tcp"
          source_security_group_id = "${aws_security_group.web.id}"
          security_group_id        = "${aws_security_group.db.id}"
        }
        resource "aws_instance" "web" {
          subnet_id              = "${aws_subnet.s.id}"
          vpc_security_group_ids = ["${aws_security_group.web.id}"]
        }
    """)
    net = loaded.network
    assert warnings(loaded) == []
    web = net.resources["aws_instance.web"]
    assert web.groups == ("aws_security_group.web",)
    assert web.subnets == (Cidr.parse("10.0.1.0/24"),)
    (rule,) = net.groups["aws_security_group.db"].ingress
    assert rule.peer == GroupPeer("aws_security_group.web") and not rule.service_unknown
    assert net.groups["aws_security_group.web"].ingress == ()  # the rule is on db alone


def test_a_quoted_value_keeps_its_type():
    loaded = tf("""
        variable "port" {
          default = 8080
        }
        locals {
          offices = ["198.51.100.0/24", "203.0.113.0/24"]
        }
        resource "aws_security_group" "a" {
          ingress {
            from_port   = "${var.port}"
            to_port     = "${var.port}"
            protocol    = "tcp"
            cidr_blocks = ["${local.offices}"]
          }
        }
    """)
    rules = loaded.network.groups["aws_security_group.a"].ingress
    # a list quoted inside a list literal is that list (Terraform 0.11 flattened it)
    assert [r.peer for r in rules] == [CidrPeer(Cidr.parse("198.51.100.0/24")),
                                       CidrPeer(Cidr.parse("203.0.113.0/24"))]
    assert all(r.service.ports[0].lo == r.service.ports[0].hi == 8080 for r in rules)
    assert warnings(loaded) == []


def test_a_quoted_splat_in_a_list_is_every_instance():
    loaded = tf("""
        resource "aws_security_group" "web" {
          count = 2
          name  = "web-${count.index}"
        }
        resource "aws_instance" "web" {
          private_ip             = "10.0.1.10"
          vpc_security_group_ids = ["${aws_security_group.web.*.id}"]
        }
    """)
    assert loaded.network.resources["aws_instance.web"].groups == (
        "aws_security_group.web[0]", "aws_security_group.web[1]")
    assert warnings(loaded) == []


def test_templates_with_text_are_strings_known_when_every_part_is():
    loaded = tf("""
        variable "env" {
          default = "prod"
        }
        variable "net" {
          default = "10.9"
        }
        resource "aws_security_group" "web" {
          name = "${var.env}-web"
        }
        resource "aws_security_group" "a" {
          name        = "${aws_security_group.web.name}-admin"
          description = "admin of ${var.env}, $${not_a_reference}"
          ingress {
            description = "from ${var.env} offices"
            from_port   = 22
            to_port     = 22
            protocol    = "tcp"
            cidr_blocks = ["${var.net}.0.0/16"]
          }
        }
    """)
    group = loaded.network.groups["aws_security_group.a"]
    assert group.name == "prod-web-admin"  # a template may use a name that is written
    assert group.description == "admin of prod, ${not_a_reference}"
    (rule,) = group.ingress
    assert rule.peer == CidrPeer(Cidr.parse("10.9.0.0/16"))
    assert rule.description == "from prod offices"
    assert warnings(loaded) == []


def test_a_group_named_after_another_resource_has_that_name():
    loaded = tf("""
        resource "aws_launch_template" "app" {
          name = "app"
        }
        resource "aws_security_group" "app" {
          name = "${aws_launch_template.app.name}"
        }
        resource "aws_security_group" "copy" {
          name = aws_security_group.app.name
        }
    """)
    assert loaded.network.groups["aws_security_group.app"].name == "app"
    assert loaded.network.groups["aws_security_group.copy"].name == "app"


def test_a_template_around_an_id_is_unknown_and_says_why():
    loaded = tf(GROUPS + """
        resource "aws_security_group_rule" "odd" {
          type              = "ingress"
          from_port         = 22
          to_port           = 22
          protocol          = "tcp"
          cidr_blocks       = ["${aws_subnet.s.id}/32"]
          security_group_id = "${aws_security_group.db.id}"
        }
    """)
    (rule,) = loaded.network.groups["aws_security_group.db"].ingress
    assert isinstance(rule.peer, UnknownPeer)
    assert warnings(loaded) == [
        "main.tf:12: warning: aws_security_group_rule.odd.cidr_blocks uses aws_subnet.s.id, "
        "known only after apply; the rule may match any peer"]


def test_a_heredoc_is_text_only_without_interpolations():
    loaded = tf("""
        variable "v" {
          default = "x"
        }
        resource "aws_security_group" "a" {
          description = <<-EOT
            kept as $${written}
            EOT
          name = <<EOF
        n-${var.v}
        EOF
        }
    """)
    group = loaded.network.groups["aws_security_group.a"]
    assert group.description == "kept as ${written}\n"  # <<- strips the indentation
    assert group.name == ""  # not the text "n-${var.v}": an interpolation is not evaluated


def test_warnings_about_legacy_values_read_as_the_configuration_writes_them():
    loaded = tf("""
        variable "subnet_ids" {}
        variable "use_nat" {
          default = false
        }
        resource "aws_security_group" "nat" {
          count = "${0 + var.use_nat}"
          name  = "nat"
        }
        resource "aws_security_group" "elb" {
          name = "elb"
        }
        resource "aws_elb" "main" {
          subnets         = ["${split(",", var.subnet_ids)}"]
          security_groups = ["${aws_security_group.elb.id}"]
        }
    """)
    assert warnings(loaded) == [
        # 0.11 read false as "0"; later versions reject the sum: not a guess either way
        "main.tf:6: warning: aws_security_group nat: count computes 0 + false, which is not "
        "valid; modelled as one instance whose count/each values are unknown",
        "main.tf:13: warning: aws_elb.main: address not known and subnets is variable "
        "var.subnet_ids, which has no value (no default, no tfvars): it stands for any private "
        "IPv4 address (10/8, 172.16/12, 192.168/16)"]


def test_ids_joined_into_text_and_split_again_are_the_resources(tmp_path):
    """Before 0.12 a module passed a list as text: join(",", ids) out, split(",") in."""
    (tmp_path / "net").mkdir()
    (tmp_path / "app").mkdir()
    (tmp_path / "main.tf").write_text(textwrap.dedent("""\
        module "net" {
          source = "./net"
        }
        module "app" {
          source     = "./app"
          subnet_ids = "${module.net.subnet_ids}"
        }
    """))
    (tmp_path / "net" / "main.tf").write_text(textwrap.dedent("""\
        resource "aws_subnet" "public" {
          count      = "2"
          cidr_block = "10.0.${count.index}.0/24"
        }
        output "subnet_ids" {
          value = "${join(",", aws_subnet.public.*.id)}"
        }
    """))
    (tmp_path / "app" / "main.tf").write_text(textwrap.dedent("""\
        variable "subnet_ids" {}
        variable "nodes" {
          default = "2"
        }
        resource "aws_security_group" "app" {
          name = "app"
        }
        resource "aws_instance" "app" {
          count                  = "${var.nodes}"
          subnet_id              = "${element(split(",", var.subnet_ids), count.index)}"
          vpc_security_group_ids = ["${aws_security_group.app.id}"]
        }
        resource "aws_elb" "app" {
          subnets         = ["${split(",", var.subnet_ids)}"]
          security_groups = ["${aws_security_group.app.id}"]
        }
        resource "aws_elb" "other" {
          subnets         = ["${split(";", var.subnet_ids)}"]
          security_groups = ["${aws_security_group.app.id}"]
        }
    """))
    loaded = load_terraform_dir(tmp_path)
    net = loaded.network
    first, second = Cidr.parse("10.0.0.0/24"), Cidr.parse("10.0.1.0/24")
    assert net.resources["module.app.aws_instance.app[0]"].subnets == (first,)
    assert net.resources["module.app.aws_instance.app[1]"].subnets == (second,)
    assert net.resources["module.app.aws_elb.app"].subnets == (first, second)
    # split on another separator than the join's is text that apply alone knows
    assert net.resources["module.app.aws_elb.other"].subnets == ()
    got = warnings(loaded)
    assert len(got) == 1, got
    assert got[0].startswith(f"{tmp_path}/app/main.tf:17: warning: module.app.aws_elb.other: "
                             "address not known and subnets joins "
                             "module.net.aws_subnet.public[0].id and other references into "
                             "text known only after apply")


# ---------------------------------------------------------------- identity

DATA_NAMES = """
data "aws_caller_identity" "current" {}

locals {
  prefix = "${data.aws_caller_identity.current.account_id}-acme"
}

resource "aws_subnet" "a" {
  cidr_block = "10.0.11.0/24"
}
resource "aws_subnet" "b" {
  cidr_block = "10.0.12.0/24"
}
resource "aws_security_group" "db" {
  name = "${local.prefix}-db"
}
resource "aws_db_subnet_group" "default" {
  name       = "sg-${local.prefix}"
  subnet_ids = ["${aws_subnet.a.id}", "${aws_subnet.b.id}"]
}
"""


@pytest.mark.parametrize("written", ['aws_db_subnet_group.default.name',
                                     '"${aws_db_subnet_group.default.name}"'])
def test_a_subnet_group_named_from_a_data_source_is_still_that_group(written):
    loaded = tf(DATA_NAMES + f"""
        resource "aws_db_instance" "db" {{
          db_subnet_group_name   = {written}
          vpc_security_group_ids = [aws_security_group.db.id]
        }}
    """)
    db = loaded.network.resources["aws_db_instance.db"]
    assert db.subnets == (Cidr.parse("10.0.11.0/24"), Cidr.parse("10.0.12.0/24"))
    assert db.groups == ("aws_security_group.db",)
    assert warnings(loaded) == []


def test_groups_and_launch_templates_by_a_name_that_is_not_known():
    loaded = tf(DATA_NAMES + """
        resource "aws_instance" "box" {
          private_ip      = "10.0.11.5"
          security_groups = [aws_security_group.db.name]
        }
        resource "aws_launch_template" "app" {
          name                   = "${local.prefix}-app"
          vpc_security_group_ids = [aws_security_group.db.id]
        }
        resource "aws_autoscaling_group" "app" {
          vpc_zone_identifier = [aws_subnet.a.id]
          launch_template {
            name = aws_launch_template.app.name
          }
        }
    """)
    net = loaded.network
    assert net.resources["aws_instance.box"].groups == ("aws_security_group.db",)
    asg = net.resources["aws_autoscaling_group.app"]
    assert asg.groups == ("aws_security_group.db",)
    assert asg.subnets == (Cidr.parse("10.0.11.0/24"),)
    assert "aws_launch_template.app" not in net.resources  # used by the group, not on its own
    assert warnings(loaded) == []


def test_text_made_from_a_name_is_known_only_when_the_name_is():
    loaded = tf(DATA_NAMES + """
        resource "aws_security_group" "web" {
          name = "web"
        }
        resource "aws_instance" "known" {
          private_ip             = "10.0.11.5"
          vpc_security_group_ids = [aws_security_group.web.id]
          tags = {
            Name = format("%s-box", aws_security_group.web.name)
          }
        }
        resource "aws_instance" "unknown" {
          private_ip             = "10.0.11.6"
          vpc_security_group_ids = [aws_security_group.db.id]
          tags = {
            Name = "${aws_security_group.db.name}-box"
          }
        }
    """)
    net = loaded.network
    assert net.resources["aws_instance.known"].aliases == ("web-box",)
    assert net.resources["aws_instance.unknown"].aliases == ()


def test_a_plan_names_a_subnet_group_by_its_known_name():
    """In a plan the name is known (the data source is read at plan time) but the
    subnet group is new: its name, not an id, links the database to it."""
    def res(address, values, unknown=None):
        rtype, name = address.split(".")
        return ({"address": address, "mode": "managed", "type": rtype, "name": name,
                 "values": values},
                {"address": address, "mode": "managed", "type": rtype, "name": name,
                 "change": {"actions": ["create"], "after": values,
                            "after_unknown": unknown or {}}})
    planned = [
        res("aws_subnet.a", {"id": "subnet-0aaa", "cidr_block": "10.0.11.0/24"}),
        res("aws_subnet.b", {"id": "subnet-0bbb", "cidr_block": "10.0.12.0/24"}),
        res("aws_security_group.db", {"name": "123456789012-acme-db", "ingress": [],
                                      "egress": []}, {"id": True}),
        res("aws_db_subnet_group.default", {"name": "sg-123456789012-acme",
                                            "subnet_ids": ["subnet-0aaa", "subnet-0bbb"]},
            {"id": True, "arn": True}),
        res("aws_db_instance.db", {"db_subnet_group_name": "sg-123456789012-acme"},
            {"id": True, "vpc_security_group_ids": [True]}),
    ]
    config = {
        "aws_db_instance.db": {
            "db_subnet_group_name": {"references": ["aws_db_subnet_group.default.name",
                                                    "aws_db_subnet_group.default"]},
            "vpc_security_group_ids": {"references": ["aws_security_group.db.id",
                                                      "aws_security_group.db"]}},
    }
    document = {
        "format_version": "1.2", "terraform_version": "1.6.6",
        "planned_values": {"root_module": {"resources": [p for p, _ in planned]}},
        "resource_changes": [c for _, c in planned],
        "configuration": {"root_module": {"resources": [
            {"address": a, "mode": "managed", "type": a.split(".")[0], "name": a.split(".")[1],
             "expressions": e} for a, e in config.items()]}},
    }
    loaded = parse_terraform_plan(json.dumps(document), "plan.json")
    db = loaded.network.resources["aws_db_instance.db"]
    assert db.subnets == (Cidr.parse("10.0.11.0/24"), Cidr.parse("10.0.12.0/24"))
    assert db.groups == ("aws_security_group.db",)
    assert warnings(loaded) == []


# ---------------------------------------------------------------- bad input

def test_bad_values_behind_quoted_references_name_what_was_written(tmp_path):
    (tmp_path / "main.tf").write_text(textwrap.dedent("""\
        variable "proto" {
          default = "tpc"
        }
        variable "net" {
          default = "10.0.0.0/33"
        }
        resource "aws_security_group" "a" {
          name = "a"
        }
        resource "aws_security_group_rule" "p" {
          type              = "ingress"
          from_port         = 22
          to_port           = 22
          protocol          = "${var.proto}"
          cidr_blocks       = ["10.0.0.0/8"]
          security_group_id = "${aws_security_group.a.id}"
        }
        resource "aws_security_group_rule" "c" {
          type              = "ingress"
          from_port         = 22
          to_port           = 22
          protocol          = "tcp"
          cidr_blocks       = ["${var.net}"]
          security_group_id = "${aws_security_group.a.id}"
        }
    """))
    done = run(["import", tmp_path, "-o", tmp_path / "out.yaml"], 2)
    errors = [line for line in done.stderr.splitlines() if "error" in line]
    assert len(errors) == 2, done.stderr
    assert "main.tf:10:" in errors[0] and "'tpc'" in errors[0]
    assert "main.tf:18:" in errors[1] and "10.0.0.0/33" in errors[1]
    assert not (tmp_path / "out.yaml").exists()


# ---------------------------------------------------------------- fixtures

LEGACY = {
    "only web reaches db": Verdict.HOLDS,
    "internet never reaches db": Verdict.HOLDS,
    "web reaches db on postgres": Verdict.HOLDS,
    "web reaches db on nothing but postgres": Verdict.HOLDS,
    "web cannot call out to the internet": Verdict.HOLDS,
    "the database cannot call out to the internet": Verdict.HOLDS,
}
VULNERABLE = {
    "the internet cannot reach the database": Verdict.HOLDS,
    "only the VPC reaches the database": Verdict.HOLDS,
    "the node reaches the database on mysql": Verdict.HOLDS,
    "the database serves nothing but mysql": Verdict.HOLDS,
}
FIXTURES = [("legacy-web-db", LEGACY), ("vulnerable-by-design", VULNERABLE)]


def test_the_legacy_fixture_reads_without_a_warning():
    loaded = load_terraform_dir(REAL / "legacy-web-db")
    net = loaded.network
    assert warnings(loaded) == []
    assert set(net.groups) == {"aws_security_group.web", "aws_security_group.db"}
    assert net.group_named("prod-web").key == "aws_security_group.web"
    for i in (0, 1):
        web = net.resources[f"aws_instance.web[{i}]"]
        assert web.groups == ("aws_security_group.web",) and web.aliases == (f"prod-web-{i}",)
        assert web.subnets == (Cidr.parse("10.20.1.0/24"),)  # cidrsubnet of the VPC block
    db = net.resources["aws_db_instance.db"]
    assert db.groups == ("aws_security_group.db",)
    assert db.subnets == (Cidr.parse("10.20.11.0/24"), Cidr.parse("10.20.12.0/24"))
    (into_db,) = net.groups["aws_security_group.db"].ingress
    assert into_db.peer == GroupPeer("aws_security_group.web")
    assert net.groups["aws_security_group.db"].egress == ()  # no egress written: none


def test_the_legacy_fixture_answers_beyond_its_spec():
    net = load_terraform_dir(REAL / "legacy-web-db").network
    got = verdicts(net, """
        - name: the internet reaches web on https
          allow: {from: internet, to: prod-web-1, protocol: tcp, ports: 443}
        - name: the internet reaches web on ssh
          allow: {from: internet, to: prod-web-1, protocol: tcp, ports: 22}
        - name: db reaches web
          allow: {from: aws_db_instance.db, to: prod-web-0, protocol: tcp, ports: 443}
    """)
    # web admits 443 from 0.0.0.0/0 and nothing else; db writes no egress at all
    assert got == {"the internet reaches web on https": Verdict.HOLDS,
                   "the internet reaches web on ssh": Verdict.VIOLATED,
                   "db reaches web": Verdict.VIOLATED}


def test_the_vulnerable_fixture_warns_of_ssh_and_not_of_its_database():
    loaded = load_terraform_dir(REAL / "vulnerable-by-design")
    net = loaded.network
    assert warnings(loaded) == []
    (into_db,) = net.groups["aws_security_group.rds"].ingress
    assert into_db.peer == CidrPeer(Cidr.parse("172.31.0.0/16"))  # "${aws_vpc.app.cidr_block}"
    db = net.resources["aws_db_instance.rds"]
    assert db.subnets == (Cidr.parse("172.31.10.0/24"), Cidr.parse("172.31.11.0/24"))
    # group names carry the account id from a data source: unknown, so they have none
    assert net.groups["aws_security_group.rds"].name == ""
    done = run(["lint", REAL / "vulnerable-by-design", "--format", "json"], 1)
    findings = json.loads(done.stdout)["findings"]
    assert [(f["id"], f["subject"]) for f in findings] == [
        ("SG005-admin-port-open-to-internet", "aws_instance.node")]
    assert "tcp/22 (ssh)" in findings[0]["message"]


@pytest.mark.parametrize("name,expected", FIXTURES, ids=[n for n, _ in FIXTURES])
def test_fixture_verdicts(name, expected):
    assert spec_verdicts(SPECS / f"{name}.yaml", load_network(str(REAL / name)).network) == expected


@pytest.mark.parametrize("name,expected", FIXTURES, ids=[n for n, _ in FIXTURES])
def test_import_then_check_gives_the_same_verdicts(tmp_path, name, expected):
    out = tmp_path / f"{name}.yaml"
    done = run(["import", REAL / name, "-o", out], 0)
    assert "warning" not in done.stderr
    for network in (REAL / name, out):
        done = run(["check", SPECS / f"{name}.yaml", "--network", network, "--format", "json"], 0)
        report = json.loads(done.stdout)
        assert {r["name"]: r["status"] for r in report["results"]} == {
            k: v.value for k, v in expected.items()}
