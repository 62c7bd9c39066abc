"""Classic load balancers: aws_elb (Terraform) and AWS::ElasticLoadBalancing::LoadBalancer
(CloudFormation) carry their security groups at any address of their subnets, as
aws_lb and ELBv2 do; warnings name only what the input writes. Verdicts of the
fixtures under examples/real/ are worked out by hand from their rules."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from clitools import run
from sgverify.inputs import load_network
from sgverify.inputs.cloudformation.reader import parse_cloudformation
from sgverify.inputs.terraform.plan import parse_terraform_plan
from sgverify.model import Cidr, GroupPeer, UnknownPeer
from sgverify.solve import Verdict, verify
from sgverify.spec.parse import load_spec
from sgverify.spec.resolve import resolve_spec
from tf_helpers import tf, verdicts, warnings

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "examples" / "real"
SPECS = ROOT / "specs" / "real"


def cfn(text: str):
    return parse_cloudformation(textwrap.dedent(text), "t.yaml")


LISTENER = """
  listener {
    instance_port     = 8080
    instance_protocol = "http"
    lb_port           = 80
    lb_protocol       = "http"
  }
"""
BASE = """
resource "aws_subnet" "a" {
  cidr_block = "10.0.1.0/24"
}
resource "aws_subnet" "b" {
  cidr_block = "10.0.2.0/24"
}
resource "aws_security_group" "elb" {
  name = "elb"
}
resource "aws_security_group" "extra" {
  name = "extra"
}
resource "aws_instance" "web" {
  private_ip             = "10.0.1.10"
  vpc_security_group_ids = [aws_security_group.extra.id]
}
"""


# ---------------------------------------------------------------- Terraform

def test_aws_elb_carries_its_groups_in_its_subnets():
    loaded = tf(BASE + """
        resource "aws_elb" "web" {
          subnets         = ["${aws_subnet.a.id}", aws_subnet.b.id]
          security_groups = ["${aws_security_group.elb.id}"]
          instances       = [aws_instance.web.id]
          tags = {
            Name = "web-elb"
          }
        """ + LISTENER + "}\n")
    elb = loaded.network.resources["aws_elb.web"]
    assert elb.groups == ("aws_security_group.elb",)
    assert elb.subnets == (Cidr.parse("10.0.1.0/24"), Cidr.parse("10.0.2.0/24"))
    assert elb.kind == "aws_elb" and elb.aliases == ("web-elb",)
    assert warnings(loaded) == []  # no "not modelled in detail", nothing about instances


def test_an_unknown_group_list_is_named_as_written():
    loaded = tf(BASE + """
        variable "elb_groups" {}
        resource "aws_elb" "web" {
          subnets         = [aws_subnet.a.id]
          security_groups = var.elb_groups
          instances       = [aws_instance.web.id]
        """ + LISTENER + "}\n")
    assert warnings(loaded) == [
        "main.tf:20: warning: aws_elb.web: its security groups are not all known "
        "(security_groups is variable var.elb_groups, which has no value (no default, no "
        "tfvars)); it may admit any traffic"]


def test_a_type_not_modelled_names_only_the_group_attributes_it_writes():
    loaded = tf(BASE + """
        resource "aws_mq_broker" "queue" {
          subnet_ids      = [aws_subnet.a.id]
          security_groups = [aws_security_group.elb.id, "sg-0123456789abcdef0"]
          user {
            username = "admin"
          }
        }
    """)
    assert loaded.network.resources["aws_mq_broker.queue"].groups == (
        "aws_security_group.elb", "sg-0123456789abcdef0")
    got = warnings(loaded)
    assert len(got) == 2, got
    assert "security group sg-0123456789abcdef0 is not defined in the input" in got[0]
    assert "resource type aws_mq_broker is not modelled in detail" in got[1]
    assert not any("subnet_ids." in w or "user." in w for w in got)


def test_without_groups_in_a_vpc_it_gets_the_default_group():
    loaded = tf(BASE + """
        resource "aws_default_security_group" "default" {
          ingress {
            from_port = 0
            to_port   = 0
            protocol  = "-1"
            self      = true
          }
        }
        resource "aws_elb" "web" {
          subnets = [aws_subnet.a.id]
        """ + LISTENER + "}\n")
    assert loaded.network.resources["aws_elb.web"].groups == ("aws_default_security_group.default",)
    assert warnings(loaded) == [
        "main.tf:27: warning: aws_elb.web names no security group: AWS gives it the VPC's "
        "default group, taken to be aws_default_security_group.default"]
    # the default group admits its own members only
    assert verdicts(loaded.network, """
        - name: the internet cannot reach it
          deny: {from: internet, to: aws_elb.web}
    """) == {"the internet cannot reach it": Verdict.HOLDS}


def test_in_the_default_vpc_it_gets_the_default_elb_group():
    loaded = tf("""
        resource "aws_elb" "old" {
          availability_zones = ["us-east-1a"]
        """ + LISTENER + "}\n")
    elb = loaded.network.resources["aws_elb.old"]
    assert elb.groups == ("aws_elb.old:default-group",) and elb.subnets == ()
    got = warnings(loaded)
    assert len(got) == 2, got
    assert "in the default VPC ELB gives it the account's default_elb group" in got[0]
    assert "it stands for any private IPv4 address" in got[1]
    # rules not in the input may admit anything: nothing can be proved closed
    assert verdicts(loaded.network, """
        - name: the internet cannot reach it
          deny: {from: internet, to: aws_elb.old}
    """) == {"the internet cannot reach it": Verdict.VIOLATED}


def test_the_source_security_group_is_the_one_group_it_names():
    loaded = tf(BASE + """
        resource "aws_elb" "one" {
          subnets         = [aws_subnet.a.id]
          security_groups = [aws_security_group.elb.id]
        }
        resource "aws_elb" "two" {
          subnets         = [aws_subnet.a.id]
          security_groups = [aws_security_group.elb.id, aws_security_group.extra.id]
        }
        resource "aws_security_group_rule" "from_one" {
          type                     = "ingress"
          from_port                = 8080
          to_port                  = 8080
          protocol                 = "tcp"
          source_security_group_id = "${aws_elb.one.source_security_group_id}"
          security_group_id        = aws_security_group.extra.id
        }
        resource "aws_security_group_rule" "from_two" {
          type                     = "ingress"
          from_port                = 8081
          to_port                  = 8081
          protocol                 = "tcp"
          source_security_group_id = aws_elb.two.source_security_group_id
          security_group_id        = aws_security_group.extra.id
        }
    """)
    one, two = loaded.network.groups["aws_security_group.extra"].ingress
    assert one.peer == GroupPeer("aws_security_group.elb")
    assert isinstance(two.peer, UnknownPeer)
    assert warnings(loaded) == [
        "main.tf:35: warning: aws_security_group_rule.from_two.source_security_group_id is "
        "the source security group of aws_elb.two, which is not known: it names 2 security "
        "groups, not one; the rule may match any peer"]


def test_a_plan_keeps_the_attribute_a_reference_reads():
    def res(address, values, unknown):
        rtype, name = address.split(".")
        return ({"address": address, "mode": "managed", "type": rtype, "name": name,
                 "values": values},
                {"address": address, "mode": "managed", "type": rtype, "name": name,
                 "change": {"actions": ["create"], "after": values, "after_unknown": unknown}})
    planned = [
        res("aws_security_group.elb", {"name": "elb", "ingress": [], "egress": []}, {"id": True}),
        res("aws_security_group.web", {"name": "web", "ingress": [], "egress": []}, {"id": True}),
        res("aws_elb.web", {"name": "web", "subnets": None},
            {"id": True, "security_groups": [True], "source_security_group_id": True}),
        res("aws_security_group_rule.from_elb",
            {"type": "ingress", "protocol": "tcp", "from_port": 8080, "to_port": 8080},
            {"id": True, "security_group_id": True, "source_security_group_id": True}),
    ]
    config = {
        "aws_elb.web": {"security_groups": {"references": ["aws_security_group.elb.id",
                                                           "aws_security_group.elb"]}},
        "aws_security_group_rule.from_elb": {
            "security_group_id": {"references": ["aws_security_group.web.id",
                                                 "aws_security_group.web"]},
            "source_security_group_id": {"references": ["aws_elb.web.source_security_group_id",
                                                        "aws_elb.web"]}},
    }
    document = {
        "format_version": "1.2", "terraform_version": "1.6.6",
        "planned_values": {"root_module": {"resources": [p for p, _ in planned]}},
        "resource_changes": [c for _, c in planned],
        "configuration": {"root_module": {"resources": [
            {"address": a, "mode": "managed", "type": a.split(".")[0], "name": a.split(".")[1],
             "expressions": e} for a, e in config.items()]}},
    }
    net = parse_terraform_plan(json.dumps(document), "plan.json").network
    (rule,) = net.groups["aws_security_group.web"].ingress
    assert rule.peer == GroupPeer("aws_security_group.elb")
    assert net.resources["aws_elb.web"].groups == ("aws_security_group.elb",)


# ---------------------------------------------------------------- CloudFormation

ELB_CFN = """
Resources:
  Sg:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: elb}
  Sub:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: vpc-0123456789abcdef0, CidrBlock: 10.0.1.0/24}
  Elb:
    Type: AWS::ElasticLoadBalancing::LoadBalancer
    Properties:
"""


def test_cloudformation_classic_elb_carries_its_groups_in_its_subnets():
    loaded = cfn(ELB_CFN + """\
              Scheme: internal
              Subnets: [!Ref Sub]
              SecurityGroups: [!GetAtt Sg.GroupId]
              Listeners: [{LoadBalancerPort: "80", InstancePort: "8080", Protocol: HTTP}]
    """)
    elb = loaded.network.resources["Elb"]
    assert elb.groups == ("Sg",) and elb.subnets == (Cidr.parse("10.0.1.0/24"),)
    # Nothing about the load balancer. A subnet alone is no VPC layer (it only
    # says where the load balancer is), so nothing about its VPC either.
    assert loaded.network.topology is None
    assert warnings(loaded) == []


def test_cloudformation_classic_elb_without_groups():
    in_vpc = cfn(ELB_CFN + """\
              Subnets: [!Ref Sub]
              Listeners: [{LoadBalancerPort: "80", InstancePort: "8080", Protocol: HTTP}]
    """)
    assert in_vpc.network.resources["Elb"].groups == ("vpc-default",)
    assert [w for w in warnings(in_vpc) if "Elb" in w] == [
        "t.yaml:9: warning: Elb names no security group, so it gets its VPC's default group, "
        "whose rules are not in the template (kept unknown)"]
    default_vpc = cfn(ELB_CFN + """\
              AvailabilityZones: [us-east-1a]
              Listeners: [{LoadBalancerPort: "80", InstancePort: "8080", Protocol: HTTP}]
    """)
    assert default_vpc.network.resources["Elb"].groups == ("default_elb",)
    assert default_vpc.network.groups["default_elb"].opaque
    # With no subnet it lands in the default VPC's default subnets.
    assert [w for w in warnings(default_vpc) if "Elb" in w] == [
        "t.yaml:9: warning: Elb names no security group and no subnet: in the default VPC ELB "
        "gives it the account's default_elb group, whose rules are not in the template (kept "
        "unknown)"]


# ---------------------------------------------------------------- fixtures

TERRAFORM = {
    "the internet reaches the load balancer on http": Verdict.HOLDS,
    "the load balancer serves nothing but http": Verdict.HOLDS,
    "the load balancer reaches the web server on 8080": Verdict.HOLDS,
    "only the load balancer and the operators reach the web server": Verdict.HOLDS,
    "the internet reaches the web server only through the load balancer": Verdict.HOLDS,
    "the load balancer calls nothing but the web server": Verdict.HOLDS,
}
CLOUDFORMATION = {
    "the internet reaches the web load balancer on http": Verdict.HOLDS,
    "the web load balancer serves nothing but http": Verdict.HOLDS,
    "the web load balancer reaches the web server on 8080": Verdict.HOLDS,
    "only the web load balancer and the operators reach the web server": Verdict.HOLDS,
    "the internet never reaches the internal load balancer": Verdict.HOLDS,
    "hosts of the VPC without groups of their own reach the internal load balancer on 8443":
        Verdict.HOLDS,
    "the web server cannot reach the internal load balancer": Verdict.HOLDS,
    "the internal load balancer sends nothing into the web subnet": Verdict.HOLDS,
}
FIXTURES = [("classic-elb", "classic-elb-terraform", TERRAFORM),
            ("classic-elb.yaml", "classic-elb-cloudformation", CLOUDFORMATION)]
IDS = ["terraform", "cloudformation"]


def test_the_terraform_fixture_reads_without_a_warning():
    loaded = load_network(str(REAL / "classic-elb"))
    assert warnings(loaded) == []
    net = loaded.network
    assert net.resources["aws_elb.web"].groups == ("aws_security_group.elb",)
    # the instances admit the balancer through "${aws_elb.web.source_security_group_id}"
    assert [r.peer for r in net.groups["aws_security_group.web"].ingress][1] == GroupPeer(
        "aws_security_group.elb")


@pytest.mark.parametrize("network,spec,expected", FIXTURES, ids=IDS)
def test_fixture_verdicts(network, spec, expected):
    spec_doc, _ = resolve_spec(load_spec(SPECS / f"{spec}.yaml"),
                               load_network(str(REAL / network)).network)
    got = {r.assertion.name: r.verdict
           for r in verify(load_network(str(REAL / network)).network, spec_doc)}
    assert got == expected


def test_both_fixtures_answer_the_same_about_the_web_tier():
    """The Terraform and CloudFormation fixtures describe the same web tier."""
    claims = """
        - name: http
          allow: {from: internet, to: LB, protocol: tcp, ports: 80}
        - name: https
          allow: {from: internet, to: LB, protocol: tcp, ports: 443}
        - name: app port
          allow: {from: LB, to: WEB, protocol: tcp, ports: 8080}
        - name: ssh from operators
          allow: {from: 203.0.113.7, to: WEB, protocol: tcp, ports: 22}
        - name: ssh from the internet
          allow: {from: 198.51.100.7, to: WEB, protocol: tcp, ports: 22}
        - name: web calls out on https
          allow: {from: WEB, to: internet, protocol: tcp, ports: 443}
    """
    expected = {"http": Verdict.HOLDS, "https": Verdict.VIOLATED, "app port": Verdict.HOLDS,
                "ssh from operators": Verdict.HOLDS, "ssh from the internet": Verdict.VIOLATED,
                "web calls out on https": Verdict.HOLDS}
    for network, lb, web in ((REAL / "classic-elb", "aws_elb.web", "aws_instance.web"),
                             (REAL / "classic-elb.yaml", "WebLoadBalancer", "WebServer")):
        text = claims.replace("LB", lb).replace("WEB", web)
        assert verdicts(load_network(str(network)).network, text) == expected, network


@pytest.mark.parametrize("network,spec,expected", FIXTURES, ids=IDS)
def test_import_then_check_gives_the_same_verdicts(tmp_path, network, spec, expected):
    out = tmp_path / "imported.yaml"
    done = run(["import", REAL / network, "-o", out], 0)
    assert "warning" not in done.stderr
    for source in (REAL / network, out):
        done = run(["check", SPECS / f"{spec}.yaml", "--network", source, "--format", "json"], 0)
        assert {r["name"]: r["status"] for r in json.loads(done.stdout)["results"]} == {
            k: v.value for k, v in expected.items()}


def test_an_allow_whose_sources_hold_the_load_balancer_itself_is_decided():
    # 10.0.2.0/24 is the internal load balancer's own subnet: its nodes are among the
    # sources, and a node sending to itself never crosses the network. The other hosts of
    # the subnet reach it on 8443 (local route, default NACL, 8443 from 10.0.0.0/16).
    net = load_network(str(REAL / "classic-elb.yaml")).network
    got = verdicts(net, """
        - name: the api subnet reaches the internal load balancer
          allow: {from: 10.0.2.0/24, to: ApiLoadBalancer, protocol: tcp, ports: 8443}
        - name: the api subnet reaches it on another port
          allow: {from: 10.0.2.0/24, to: ApiLoadBalancer, protocol: tcp, ports: 8444}
    """)
    assert got == {"the api subnet reaches the internal load balancer": Verdict.HOLDS,
                   "the api subnet reaches it on another port": Verdict.VIOLATED}
