"""CloudFormation templates: AWS facts, intrinsic functions, unknowns and bad input.

Every verdict here comes from the real verifier on the network the template
reader builds; the seed scenarios written as templates must give the same
verdicts as the native seed networks.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from clitools import run
from sgverify.errors import InputError, InputFileNotFound
from sgverify.inputs.cloudformation.reader import load_cloudformation, parse_cloudformation
from sgverify.inputs.native.reader import load_native
from sgverify.model import CidrPeer, GroupPeer, UnknownPeer
from sgverify.model.service import ALL
from sgverify.solve import Verdict, verify
from sgverify.spec.parse import load_spec, parse_spec
from sgverify.spec.resolve import resolve_spec

ROOT = Path(__file__).resolve().parent.parent
HEAD = "AWSTemplateFormatVersion: '2010-09-09'\n"


def read(text: str, parameters=None, path="t.yaml"):
    return parse_cloudformation(HEAD + textwrap.dedent(text), path, parameters)


def verdicts(network, assertions: str) -> dict[str, Verdict]:
    doc = parse_spec("assertions:\n" + textwrap.indent(textwrap.dedent(assertions), "  "), "spec.yaml")
    spec, _ = resolve_spec(doc, network)
    return {r.assertion.name: r.verdict for r in verify(network, spec)}


def group_template(group_props: str, extra: str = "") -> str:
    """One group `Web` on instance `Box` (10.0.1.10), plus `extra` resources."""
    group_props = textwrap.dedent(group_props).rstrip("\n") + "\n"
    return (f"Resources:\n  Web:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n"
            f"      GroupDescription: web\n{textwrap.indent(group_props, '      ')}"
            f"  Box:\n    Type: AWS::EC2::Instance\n    Properties:\n"
            f"      PrivateIpAddress: 10.0.1.10\n      SecurityGroupIds: [!Ref Web]\n"
            f"{textwrap.indent(textwrap.dedent(extra), '  ')}")


HOLDS, VIOLATED = Verdict.HOLDS, Verdict.VIOLATED


# -- the seed scenarios -----------------------------------------------------------

SCENARIOS = sorted(p.name for p in (ROOT / "examples" / "cloudformation").glob("[1-6]-*.yaml"))


def test_all_six_seed_scenarios_have_a_template():
    assert SCENARIOS == sorted(p.name for p in (ROOT / "examples" / "seed").glob("*.yaml"))


@pytest.mark.parametrize("name", SCENARIOS)
def test_seed_scenario_template_gives_the_native_verdicts(name):
    native = load_native(ROOT / "examples" / "seed" / name).network
    template = load_cloudformation(ROOT / "examples" / "cloudformation" / name).network
    seed_spec = load_spec(ROOT / "specs" / "seed" / name)
    cfn_spec = load_spec(ROOT / "specs" / "cloudformation" / name)
    expected = {r.assertion.name: r.verdict for r in verify(native, resolve_spec(seed_spec, native)[0])}
    actual = {r.assertion.name: r.verdict for r in verify(template, resolve_spec(cfn_spec, template)[0])}
    assert actual == expected
    assert set(expected.values()) == {HOLDS}


def test_seed_specs_run_unchanged_on_a_template_through_the_cli():
    # Name tags and GroupNames make the seed's names resolve on the template.
    done = run(["check", "specs/seed/3-inbound-from-sg.yaml", "--network",
                "examples/cloudformation/3-inbound-from-sg.yaml"], 0)
    assert "8 assertions: 8 hold" in done.stdout


def test_counterexample_names_the_template_line():
    done = run(["check", "specs/seed/1-inbound-world-web.yaml", "--network",
                "examples/cloudformation/3-inbound-from-sg.yaml"], 1)
    assert "examples/cloudformation/3-inbound-from-sg.yaml:" in done.stdout


# -- default egress ---------------------------------------------------------------

def test_default_egress_kept_when_no_egress_declared():
    network = read(group_template("SecurityGroupIngress: []\n")).network
    (rule,) = network.groups["Web"].egress
    assert rule.service.protocol == ALL and rule.peer == CidrPeer(rule.peer.cidr)
    assert str(rule.peer) == "0.0.0.0/0" and not rule.service_unknown
    result = verdicts(network, """
        - {name: out to the web, allow: {from: Box, to: 8.8.8.8/32}}
        - {name: no ipv6 out, deny: {from: Box, to: "2600::/16"}}
    """)
    assert result == {"out to the web": HOLDS, "no ipv6 out": HOLDS}


def test_inline_egress_replaces_the_default():
    network = read(group_template("""
        SecurityGroupEgress:
          - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 0.0.0.0/0}
    """)).network
    assert len(network.groups["Web"].egress) == 1
    assert verdicts(network, """
        - {name: no http out, deny: {from: Box, to: 8.8.8.8/32, protocol: tcp, ports: 80}}
        - {name: https out, allow: {from: Box, to: 8.8.8.8/32, protocol: tcp, ports: 443}}
    """) == {"no http out": HOLDS, "https out": HOLDS}


def test_separate_egress_resource_also_replaces_the_default():
    network = read(group_template("GroupName: web\n", """
        HttpsOut:
          Type: AWS::EC2::SecurityGroupEgress
          Properties: {GroupId: !GetAtt Web.GroupId, IpProtocol: tcp, FromPort: 443, ToPort: 443,
                       CidrIp: 0.0.0.0/0}
    """)).network
    (rule,) = network.groups["Web"].egress
    assert rule.origin.line == 14  # the HttpsOut resource
    assert verdicts(network, "- {name: no http out, deny: {from: Box, to: 8.8.8.8/32, protocol: tcp, ports: 80}}") \
        == {"no http out": HOLDS}


def test_empty_egress_list_keeps_the_default_with_a_warning():
    loaded = read(group_template("SecurityGroupEgress: []\n"))
    assert str(loaded.network.groups["Web"].egress[0].peer) == "0.0.0.0/0"
    assert any("empty list" in str(w) for w in loaded.warnings)


def test_egress_under_an_undecidable_condition_makes_the_default_uncertain():
    loaded = read("Parameters: {Env: {Type: String}}\nConditions:\n  Prod: !Equals [!Ref Env, prod]\n"
                  + group_template("GroupName: web\n", """
        HttpsOut:
          Type: AWS::EC2::SecurityGroupEgress
          Condition: Prod
          Properties: {GroupId: !Ref Web, IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 0.0.0.0/0}
    """))
    egress = loaded.network.groups["Web"].egress
    assert len(egress) == 2 and all(r.service_unknown for r in egress)
    result = verdicts(loaded.network, """
        - {name: http out for sure, allow: {from: Box, to: 8.8.8.8/32, protocol: tcp, ports: 80}}
        - {name: no http out, deny: {from: Box, to: 8.8.8.8/32, protocol: tcp, ports: 80}}
    """)
    assert result == {"http out for sure": VIOLATED, "no http out": VIOLATED}


# -- protocols and ports -----------------------------------------------------------

def test_protocol_minus_one_ignores_ports():
    network = read(group_template("""
        SecurityGroupIngress:
          - {IpProtocol: -1, FromPort: 22, ToPort: 22, CidrIp: 10.9.0.0/16}
    """)).network
    assert network.groups["Web"].ingress[0].service.protocol == ALL
    assert verdicts(network, "- {name: dns in, allow: {from: 10.9.0.0/16, to: Box, protocol: udp, ports: 53}}") \
        == {"dns in": HOLDS}


def test_tcp_zero_to_zero_is_port_zero_only():
    network = read(group_template("""
        SecurityGroupIngress:
          - {IpProtocol: tcp, FromPort: 0, ToPort: 0, CidrIp: 0.0.0.0/0}
    """)).network
    assert verdicts(network, """
        - {name: port 0, allow: {from: internet, to: Box, protocol: tcp, ports: 0}}
        - {name: no other port, deny: {from: any, to: Box, protocol: tcp, ports: 1-65535}}
    """) == {"port 0": HOLDS, "no other port": HOLDS}


def test_gre_rule_never_opens_ssh():
    network = read(group_template("""
        SecurityGroupIngress:
          - {IpProtocol: "47", FromPort: 22, ToPort: 22, CidrIp: 0.0.0.0/0}
    """)).network
    rule = network.groups["Web"].ingress[0]
    assert rule.service.protocol == 47 and rule.service.ports is None
    assert verdicts(network, """
        - {name: no ssh, deny: {from: any, to: Box, protocol: tcp, ports: 22}}
        - {name: gre in, allow: {from: internet, to: Box, protocol: 47}}
    """) == {"no ssh": HOLDS, "gre in": HOLDS}


def test_icmp_type_and_code():
    network = read(group_template("""
        SecurityGroupIngress:
          - {IpProtocol: icmp, FromPort: 8, ToPort: -1, CidrIp: 0.0.0.0/0}
          - {IpProtocol: icmpv6, FromPort: -1, ToPort: -1, CidrIpv6: "::/0"}
    """)).network
    echo, v6 = network.groups["Web"].ingress
    assert (echo.service.icmp_type, echo.service.icmp_code) == (8, None)
    assert (v6.service.protocol, v6.service.icmp_type) == (58, None)


def test_ipv6_rules_admit_only_ipv6():
    network = read(group_template("""
        SecurityGroupIngress:
          - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIpv6: "::/0"}
    """)).network
    assert verdicts(network, """
        - {name: v6 https, allow: {from: "2600::1/128", to: Box, protocol: tcp, ports: 443}}
        - {name: no v4, deny: {from: 0.0.0.0/0, to: Box}}
    """) == {"v6 https": HOLDS, "no v4": HOLDS}


# -- intrinsic functions, parameters, conditions -------------------------------------

INTRINSICS = """
Parameters:
  Octet: {Type: Number, Default: 20}
  Blocks: {Type: CommaDelimitedList, Default: "10.1.0.0/16,10.2.0.0/16"}
  Office: {Type: String, Default: 1.1.1.1/32}
Mappings:
  Ports: {Web: {Https: 443}}
Conditions:
  IsWide: !Equals [!Ref Office, 0.0.0.0/0]
Resources:
  Web:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: web
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 80, ToPort: 80, CidrIp: !Sub "10.${Octet}.0.0/16"}
        - {IpProtocol: tcp, FromPort: 81, ToPort: 81, CidrIp: !Select [1, !Ref Blocks]}
        - {IpProtocol: tcp, FromPort: 82, ToPort: 82, CidrIp: !Join ["/", [!Select [0, !Split ["/", !Ref Office]], "32"]]}
        - IpProtocol: tcp
          FromPort: !FindInMap [Ports, Web, Https]
          ToPort: !FindInMap [Ports, Web, Https]
          CidrIp: !If [IsWide, 0.0.0.0/0, !Ref Office]
        - {IpProtocol: tcp, FromPort: 84, ToPort: 84, CidrIp: !Select [2, !Cidr [10.8.0.0/16, 4, 8]]}
"""


def test_intrinsic_functions_resolve():
    rules = read(INTRINSICS).network.groups["Web"].ingress
    assert [str(r.peer) for r in rules] == ["10.20.0.0/16", "10.2.0.0/16", "1.1.1.1/32", "1.1.1.1/32",
                                            "10.8.2.0/24"]
    assert str(rules[3].service) == "tcp/443"
    assert rules[0].origin.line == 17


def test_parameter_overrides_change_values_and_conditions():
    rules = read(INTRINSICS, {"Octet": "30", "Office": "0.0.0.0/0"}).network.groups["Web"].ingress
    assert str(rules[0].peer) == "10.30.0.0/16"
    assert str(rules[3].peer) == "0.0.0.0/0"  # IsWide is now true


def test_unknown_parameter_override_is_an_error():
    with pytest.raises(InputError, match="declares no such parameter"):
        read(INTRINSICS, {"Nope": "1"})


def test_values_known_only_at_deploy_time_stay_unknown():
    loaded = read("Parameters: {Peer: {Type: String}}\n" + group_template("""
        SecurityGroupIngress:
          - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: !Ref Peer}
          - {IpProtocol: tcp, FromPort: 23, ToPort: 23, CidrIp: !ImportValue shared-cidr}
          - {IpProtocol: tcp, FromPort: !Ref Peer, ToPort: 24, CidrIp: 10.0.0.0/8}
    """))
    first, second, third = loaded.network.groups["Web"].ingress
    assert isinstance(first.peer, UnknownPeer) and "Peer" in first.peer.reason
    assert isinstance(second.peer, UnknownPeer)
    assert third.service_unknown and third.service.ports is None
    assert len([w for w in loaded.warnings if "unknown" in str(w)]) == 3
    # Never guessed: ssh from anywhere may be open, so neither verdict can hold.
    assert verdicts(loaded.network, """
        - {name: closed, deny: {from: internet, to: Box, protocol: tcp, ports: 22}}
        - {name: open, allow: {from: internet, to: Box, protocol: tcp, ports: 22}}
    """) == {"closed": VIOLATED, "open": VIOLATED}


def test_resource_conditions_false_true_and_unknown():
    template = textwrap.dedent("""
        Parameters: {Env: {Type: String, Default: dev}, Tier: {Type: String}}
        Conditions:
          Prod: !Equals [!Ref Env, prod]
          Dev: !Not [!Condition Prod]
          Gold: !Equals [!Ref Tier, gold]
    """) + group_template("GroupName: web\n", """
        SshProd:
          Type: AWS::EC2::SecurityGroupIngress
          Condition: Prod
          Properties: {GroupId: !Ref Web, IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 0.0.0.0/0}
        HttpDev:
          Type: AWS::EC2::SecurityGroupIngress
          Condition: Dev
          Properties: {GroupId: !Ref Web, IpProtocol: tcp, FromPort: 80, ToPort: 80, CidrIp: 0.0.0.0/0}
        RdpGold:
          Type: AWS::EC2::SecurityGroupIngress
          Condition: Gold
          Properties: {GroupId: !Ref Web, IpProtocol: tcp, FromPort: 3389, ToPort: 3389, CidrIp: 0.0.0.0/0}
    """)
    ingress = read(template).network.groups["Web"].ingress
    assert [(str(r.service), bool(r.service_unknown)) for r in ingress] == [("tcp/80", False), ("tcp/3389", True)]
    ingress = read(template, {"Env": "prod", "Tier": "silver"}).network.groups["Web"].ingress
    assert [str(r.service) for r in ingress] == ["tcp/22"]


def test_inline_if_on_an_undecidable_condition_keeps_both_branches_uncertain():
    loaded = read("Parameters: {Env: {Type: String}}\nConditions: {Prod: !Equals [!Ref Env, prod]}\n"
                  + group_template("""
        SecurityGroupIngress:
          - !If [Prod, {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 0.0.0.0/0}, !Ref AWS::NoValue]
    """))
    (rule,) = loaded.network.groups["Web"].ingress
    assert str(rule.service) == "tcp/443" and "condition Prod" in rule.service_unknown


# -- groups and resources ------------------------------------------------------------

def test_group_references_literal_ids_and_names():
    loaded = read(group_template("""
        GroupName: web
        SecurityGroupIngress:
          - {IpProtocol: tcp, FromPort: 443, ToPort: 443, SourceSecurityGroupId: sg-0123456789abcdef0}
          - {IpProtocol: tcp, FromPort: 80, ToPort: 80, SourceSecurityGroupId: !GetAtt Web.GroupId}
    """))
    network = loaded.network
    outside, own = network.groups["Web"].ingress
    assert outside.peer == GroupPeer("sg-0123456789abcdef0") and network.groups["sg-0123456789abcdef0"].opaque
    assert own.peer == GroupPeer("Web") and network.groups["Web"].name == "web"
    assert any("sg-0123456789abcdef0 is not in the template" in str(w) for w in loaded.warnings)


def test_resource_carrying_an_outside_group_gets_unknown_rules():
    loaded = read("""
    Resources:
      Box:
        Type: AWS::EC2::Instance
        Properties: {PrivateIpAddress: 10.0.1.10, SecurityGroupIds: [sg-0aaa]}
      Bare:
        Type: AWS::EC2::Instance
        Properties: {PrivateIpAddress: 10.0.1.11}
    """)
    network = loaded.network
    assert network.resources["Box"].groups == ("sg-0aaa",)
    assert network.resources["Bare"].groups == ("vpc-default",)
    for key in ("sg-0aaa", "vpc-default"):
        group = network.groups[key]
        assert group.opaque and isinstance(group.ingress[0].peer, UnknownPeer)
    assert verdicts(network, "- {name: closed, deny: {from: internet, to: Box}}") == {"closed": VIOLATED}


SYMBOLIC = """
Resources:
  Vpc: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.0.0.0/16}}
  AppSubnet: {Type: AWS::EC2::Subnet, Properties: {VpcId: !Ref Vpc, CidrBlock: 10.0.2.0/24}}
  DbSubnetA: {Type: AWS::EC2::Subnet, Properties: {VpcId: !Ref Vpc, CidrBlock: 10.0.3.0/24}}
  DbSubnets: {Type: AWS::RDS::DBSubnetGroup, Properties: {DBSubnetGroupDescription: db, SubnetIds: [!Ref DbSubnetA]}}
  App: {Type: AWS::EC2::SecurityGroup, Properties: {GroupDescription: app}}
  Db:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: db
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 5432, ToPort: 5432, SourceSecurityGroupId: !Ref App}
  AppTemplate:
    Type: AWS::EC2::LaunchTemplate
    Properties: {LaunchTemplateData: {SecurityGroupIds: [!Ref App]}}
  AppGroup:
    Type: AWS::AutoScaling::AutoScalingGroup
    Properties:
      MinSize: "1"
      MaxSize: "3"
      VPCZoneIdentifier: [!Ref AppSubnet]
      LaunchTemplate: {LaunchTemplateId: !Ref AppTemplate, Version: !GetAtt AppTemplate.LatestVersionNumber}
  Database:
    Type: AWS::RDS::DBInstance
    Properties: {Engine: postgres, DBSubnetGroupName: !Ref DbSubnets, VPCSecurityGroups: [!GetAtt Db.GroupId]}
  Worker:
    Type: AWS::Lambda::Function
    Properties: {VpcConfig: {SecurityGroupIds: [!Ref App], SubnetIds: [subnet-0abc]}}
  Cache:
    Type: AWS::MemoryDB::Cluster
    Properties: {SecurityGroupIds: [!Ref Db]}
"""


def test_symbolic_resources_from_launch_templates_databases_and_functions():
    loaded = read(SYMBOLIC)
    resources = loaded.network.resources
    assert resources["AppGroup"].groups == ("App",) and [str(s) for s in resources["AppGroup"].subnets] == ["10.0.2.0/24"]
    assert resources["Database"].groups == ("Db",) and [str(s) for s in resources["Database"].subnets] == ["10.0.3.0/24"]
    assert resources["Worker"].symbolic and resources["Worker"].subnets == ()  # any private IPv4
    assert "AppTemplate" not in resources  # used by AppGroup
    assert resources["Cache"].groups == ("Db",)
    warnings = [str(w) for w in loaded.warnings]
    assert any("AWS::MemoryDB::Cluster is not modelled in detail" in w for w in warnings)
    assert any("Worker: subnet not literal" in w for w in warnings)
    assert verdicts(loaded.network, """
        - {name: app reaches db, allow: {from: AppGroup, to: Database, protocol: tcp, ports: 5432}}
        - {name: only app reaches db, only: {from: App, to: Database}}
        - {name: db not from the internet, deny: {from: internet, to: Database}}
    """) == {"app reaches db": HOLDS, "only app reaches db": HOLDS, "db not from the internet": HOLDS}


def test_json_template_keeps_lines():
    text = ('{\n "Resources": {\n  "Web": {\n   "Type": "AWS::EC2::SecurityGroup",\n   "Properties": {\n'
            '    "GroupDescription": "web",\n    "SecurityGroupIngress": [\n'
            '     {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,\n'
            '      "CidrIp": {"Fn::Join": ["", ["10.0.0.0", "/8"]]}}\n    ]\n   }\n  }\n }\n}\n')
    rule = parse_cloudformation(text, "t.json").network.groups["Web"].ingress[0]
    assert str(rule.peer) == "10.0.0.0/8" and rule.origin.line == 8


# -- bad input ----------------------------------------------------------------------

@pytest.mark.parametrize("props, expected", [
    ("SecurityGroupIngress:\n  - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 10.0.0.300/32}",
     "t.yaml:8: error: invalid CIDR '10.0.0.300/32'"),
    ("SecurityGroupIngress:\n  - {IpProtocol: tcp, FromPort: 22, ToPort: 70000, CidrIp: 10.0.0.0/8}",
     "t.yaml:8: error: ToPort 70000 is not a port 0-65535"),
    ("SecurityGroupIngress:\n  - {IpProtocol: tcp, FromPort: 90, ToPort: 80, CidrIp: 10.0.0.0/8}",
     "t.yaml:8: error: port range 90-80 runs backwards"),
    ("SecurityGroupIngress:\n  - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIP: 10.0.0.0/8}",
     "t.yaml:8: error: unknown key 'CidrIP' in an ingress rule (did you mean 'CidrIp'"),
    ("SecurityGroupIngress:\n  - {IpProtocol: tcp, FromPort: 22, ToPort: 22}",
     "t.yaml:8: error: an ingress rule has no peer"),
    ("SecurityGroupIngress:\n  - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: '::/0'}",
     "t.yaml:8: error: CidrIp ::/0 is not an IPv4 block (use CidrIpv6)"),
    ("SecurityGroupIngres: []", "t.yaml:7: error: unknown key 'SecurityGroupIngres' in security group Web"),
    ("SecurityGroupIngress:\n  - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: !Ref Nowhere}",
     "t.yaml:8: error: reference to 'Nowhere', which is neither a parameter nor a resource"),
])
def test_bad_values_are_one_line_with_their_location(props, expected):
    with pytest.raises(InputError) as caught:
        read(group_template(props))
    lines = [str(d) for d in caught.value.diagnostics]
    assert len(lines) == 1 and lines[0].startswith(expected), lines


def test_malformed_yaml_and_unknown_tags():
    with pytest.raises(InputError, match=r"t.yaml:3: error: invalid YAML"):
        parse_cloudformation("Resources:\n  A: {Type: x\n  B: [\n", "t.yaml")
    with pytest.raises(InputError, match=r"t.yaml:1: error: unknown CloudFormation tag !Bogus"):
        parse_cloudformation("Resources: !Bogus x\n", "t.yaml")


def test_missing_file():
    with pytest.raises(InputFileNotFound):
        load_cloudformation("no/such/template.yaml")


def test_cli_bad_template_exits_2_without_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(HEAD + group_template(
        "SecurityGroupIngress:\n  - {IpProtocol: tcp, FromPort: x, ToPort: 22, CidrIp: 10.0.0.0/8}"))
    done = run(["import", bad, "-o", tmp_path / "out.yaml"], 2)
    assert f"{bad}:8: error: FromPort must be a number" in done.stderr


def test_inline_if_on_a_known_condition_drops_the_no_value_branch():
    template = "Parameters: {Env: {Type: String, Default: prod}}\nConditions: {Dev: !Equals [!Ref Env, dev]}\n" \
        + group_template("""
        SecurityGroupIngress:
          - !If [Dev, {IpProtocol: tcp, FromPort: 80, ToPort: 80, CidrIp: 0.0.0.0/0}, !Ref AWS::NoValue]
    """)
    assert read(template).network.groups["Web"].ingress == ()
    (rule,) = read(template, {"Env": "dev"}).network.groups["Web"].ingress
    assert str(rule.service) == "tcp/80" and not rule.service_unknown


def test_web_stack_holds_in_prod_and_opens_http_in_dev():
    spec = "specs/cloudformation/web-stack.yaml"
    assert "11 assertions: 11 hold" in run(["check", spec], 0).stdout
    done = run(["check", spec, "--parameter", "Environment=dev"], 1)
    assert "VIOLATED: no plain http on the load balancer" in done.stdout
    assert "examples/cloudformation/web-stack.yaml:53" in done.stdout  # the rule that lets it in


def test_warnings_for_memberless_groups_and_transforms():
    loaded = read("Transform: AWS::Serverless-2016-10-31\n" + group_template("""
        SecurityGroupIngress:
          - {IpProtocol: tcp, FromPort: 80, ToPort: 80, SourceSecurityGroupId: !Ref Lonely}
    """, """
        Lonely: {Type: AWS::EC2::SecurityGroup, Properties: {GroupDescription: nobody}}
    """))
    warnings = [str(w) for w in loaded.warnings]
    assert any("group Lonely has no members in the template" in w for w in warnings)
    assert any("uses Transform AWS::Serverless-2016-10-31" in w for w in warnings)


# -- the brute-force oracle agrees on template networks ---------------------------------

ORACLE_TEMPLATE = """
Parameters: {Peer: {Type: String}, Env: {Type: String}}
Conditions: {Prod: !Equals [!Ref Env, prod]}
Resources:
  Subnet: {Type: AWS::EC2::Subnet, Properties: {CidrBlock: 10.0.2.0/24}}
  Web:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: web
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 0.0.0.0/0}
        - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: !Ref Peer}
        - {IpProtocol: tcp, FromPort: 5000, ToPort: 5000, SourceSecurityGroupId: sg-0feed}
        - {IpProtocol: "-1", SourceSecurityGroupId: !Ref App}
  App: {Type: AWS::EC2::SecurityGroup, Properties: {GroupDescription: app}}
  AppOut:
    Type: AWS::EC2::SecurityGroupEgress
    Condition: Prod
    Properties: {GroupId: !Ref App, IpProtocol: tcp, FromPort: 443, ToPort: 443, DestinationSecurityGroupId: !Ref Web}
  Box:
    Type: AWS::EC2::Instance
    Properties: {PrivateIpAddress: 10.0.1.10, SecurityGroupIds: [!Ref Web]}
  Fleet:
    Type: AWS::AutoScaling::AutoScalingGroup
    Properties:
      VPCZoneIdentifier: [!Ref Subnet]
      LaunchConfigurationName: !Ref FleetConfig
  FleetConfig:
    Type: AWS::AutoScaling::LaunchConfiguration
    Properties: {ImageId: ami-1, InstanceType: t3.micro, SecurityGroups: [!Ref App]}
  Legacy:
    Type: AWS::EC2::Instance
    Properties: {PrivateIpAddress: 10.0.1.20, SecurityGroupIds: [sg-0old]}
"""

ORACLE_ASSERTIONS = """
- {name: https in, allow: {from: internet, to: Box, protocol: tcp, ports: 443}}
- {name: ssh closed, deny: {from: internet, to: Box, protocol: tcp, ports: 22}}
- {name: fleet to box, allow: {from: Fleet, to: Box, protocol: tcp, ports: 443}}
- {name: fleet may reach box on 443, deny: {from: Fleet, to: Box, protocol: tcp, ports: 443}}
- {name: fleet closed to the internet, deny: {from: internet, to: Fleet}}
- {name: only fleet to box on 5000, only: {from: Fleet, to: Box, protocol: tcp, ports: 5000}}
- {name: legacy closed, deny: {from: any, to: Legacy}}
- {name: box reaches legacy, allow: {from: Box, to: Legacy, protocol: udp, ports: 53}}
- {name: fleet reaches google, allow: {from: Fleet, to: 8.8.8.8/32}}
"""


def test_oracle_agrees_on_a_template_with_unknowns_and_symbolic_resources():
    from oracle import decide

    network = read(ORACLE_TEMPLATE).network
    doc = parse_spec("assertions:\n" + textwrap.indent(textwrap.dedent(ORACLE_ASSERTIONS), "  "), "spec.yaml")
    spec, _ = resolve_spec(doc, network)
    results = {r.assertion.name: r.verdict for r in verify(network, spec)}
    for assertion in spec.assertions:
        assert (results[assertion.name] is HOLDS) == decide(network, assertion).holds, assertion.name
    # Nothing that depends on an unknown value is proved either way.
    assert results["ssh closed"] is VIOLATED and results["fleet reaches google"] is VIOLATED
    assert results["https in"] is HOLDS and results["fleet closed to the internet"] is HOLDS
    # App's only egress rule exists under an undecidable condition, so its default egress may be gone.
    assert results["fleet to box"] is VIOLATED and results["fleet may reach box on 443"] is VIOLATED


def test_parameter_values_must_be_allowed():
    template = "Parameters:\n  Env: {Type: String, Default: prod, AllowedValues: [dev, prod]}\n" + group_template(
        "GroupName: !Sub '${Env}-web'\n")
    assert read(template, {"Env": "dev"}).network.groups["Web"].name == "dev-web"
    with pytest.raises(InputError, match=r"t.yaml:3: error: parameter Env: 'staging' is not one of its AllowedValues"):
        read(template, {"Env": "staging"})


def test_nested_stacks_are_named_in_a_warning_not_modelled_as_resources():
    loaded = read(group_template("GroupName: web\n", """
        Inner:
          Type: AWS::CloudFormation::Stack
          Properties:
            TemplateURL: https://example.com/inner.yaml
            Parameters: {SecurityGroupId: !Ref Web}
    """))
    assert "Inner" not in loaded.network.resources
    assert any("Inner: nested stack" in str(w) for w in loaded.warnings)


IPV6_SUBNET = """
Resources:
  Subnet:
    Type: AWS::EC2::Subnet
    DependsOn: VpcIpv6
    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.0.1.0/24, Ipv6CidrBlock: %s,
                 AssignIpv6AddressOnCreation: true}
  Web:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: ssh over IPv6 only
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIpv6: "::/0"}
  Box:
    Type: AWS::EC2::Instance
    Properties: {PrivateIpAddress: 10.0.1.10, SubnetId: !Ref Subnet, SecurityGroupIds: [!Ref Web]}
  Vpc: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.0.0.0/16}}
  VpcIpv6:
    Type: AWS::EC2::VPCCidrBlock
    Properties: {VpcId: !Ref Vpc, %s}
  Gateway: {Type: AWS::EC2::InternetGateway}
  GatewayAttachment:
    Type: AWS::EC2::VPCGatewayAttachment
    Properties: {VpcId: !Ref Vpc, InternetGatewayId: !Ref Gateway}
  Routes: {Type: AWS::EC2::RouteTable, Properties: {VpcId: !Ref Vpc}}
  Ipv6Default:
    Type: AWS::EC2::Route
    Properties: {RouteTableId: !Ref Routes, DestinationIpv6CidrBlock: "::/0", GatewayId: !Ref Gateway}
  SubnetRoutes:
    Type: AWS::EC2::SubnetRouteTableAssociation
    Properties: {SubnetId: !Ref Subnet, RouteTableId: !Ref Routes}
"""


# A literal /64 inside the VPC's literal block, or the first /64 of the block AWS
# assigns the VPC. Either way the internet reaches the box's IPv6 address through
# the gateway and the default NACL, which allows ::/0 once the VPC has an IPv6
# block.
@pytest.mark.parametrize("block, vpc_block, expected", [
    ("'2600:1f18::/64'", "Ipv6CidrBlock: '2600:1f18::/56'", "2600:1f18::/64"),
    ("!Select [0, !Cidr [!Select [0, !GetAtt Vpc.Ipv6CidrBlocks], 1, 64]]",
     "AmazonProvidedIpv6CidrBlock: true", "::/0")])
def test_addresses_aws_assigns_in_an_ipv6_subnet_are_not_forgotten(block, vpc_block, expected):
    loaded = read(IPV6_SUBNET % (block, vpc_block))
    box = loaded.network.resources["Box"]
    assert [str(c) for c in box.subnets] == ["10.0.1.10/32", expected] and box.symbolic
    assert any("may have IPv6 addresses AWS assigns" in str(w) for w in loaded.warnings)
    # Without this, ssh over IPv6 would be missed and "closed" would wrongly hold.
    assert verdicts(loaded.network, "- {name: closed, deny: {from: internet, to: Box, protocol: tcp, ports: 22}}") \
        == {"closed": VIOLATED}


def test_every_bad_value_is_reported_at_once():
    with pytest.raises(InputError) as caught:
        read(group_template("""
            SecurityGroupIngress:
              - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 10.0.0.300/32}
              - {IpProtocol: tcp, FromPort: 22, ToPort: 99999, CidrIp: 10.0.0.0/8}
              - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 10.0.0.0/8}
        """, """
            Other:
              Type: AWS::EC2::Instance
              Properties: {PrivateIpAddress: 10.0.1.10, SecurityGroupIds: [!Ref Web]}
        """))
    lines = [str(d) for d in caught.value.diagnostics]
    assert [line.split(": error: ")[0] for line in lines] == ["t.yaml:9", "t.yaml:10", "t.yaml:18"]
    assert "is also on Box" in lines[2]


def test_prefix_lists_of_the_template_and_from_outside():
    loaded = read(group_template("""
        SecurityGroupIngress:
          - {IpProtocol: tcp, FromPort: 443, ToPort: 443, SourcePrefixListId: !Ref Offices}
          - {IpProtocol: tcp, FromPort: 22, ToPort: 22, SourcePrefixListId: pl-0123abcd}
    """, """
        Offices:
          Type: AWS::EC2::PrefixList
          Properties:
            PrefixListName: offices
            AddressFamily: IPv4
            MaxEntries: 5
            Entries: [{Cidr: 1.1.1.0/24}, {Cidr: 2.2.2.0/24}]
    """))
    network = loaded.network
    ours, outside = network.groups["Web"].ingress
    assert str(ours.peer) == "Offices" and [str(c) for c in network.prefix_lists["Offices"].cidrs] == \
        ["1.1.1.0/24", "2.2.2.0/24"]
    assert isinstance(outside.peer, UnknownPeer)
    assert verdicts(network, """
        - {name: offices in, allow: {from: [1.1.1.0/24, 2.2.2.0/24], to: Box, protocol: tcp, ports: 443}}
        - {name: only offices on https, only: {from: [1.1.1.0/24, 2.2.2.0/24], to: Box, protocol: tcp, ports: 443}}
        - {name: ssh closed, deny: {from: internet, to: Box, protocol: tcp, ports: 22}}
    """) == {"offices in": HOLDS, "only offices on https": HOLDS, "ssh closed": VIOLATED}


def test_sub_of_a_single_reference_keeps_the_reference():
    network = read(group_template("""
        SecurityGroupIngress:
          - {IpProtocol: tcp, FromPort: 1, ToPort: 1, SourceSecurityGroupId: !Sub "${Web}"}
          - {IpProtocol: tcp, FromPort: 2, ToPort: 2, SourceSecurityGroupId: !Sub "${Web.GroupId}"}
          - {IpProtocol: tcp, FromPort: 3, ToPort: 3, SourceSecurityGroupId: !Sub "x-${Web}"}
    """)).network
    peers = [r.peer for r in network.groups["Web"].ingress]
    assert peers[:2] == [GroupPeer("Web"), GroupPeer("Web")] and isinstance(peers[2], UnknownPeer)


def test_a_group_named_like_a_logical_id_is_not_that_group():
    network = read(group_template("""
        GroupName: public-web
        SecurityGroupIngress:
          - {IpProtocol: tcp, FromPort: 22, ToPort: 22, SourceSecurityGroupName: Web}
    """)).network
    (rule,) = network.groups["Web"].ingress
    assert rule.peer == GroupPeer("group named Web") and network.groups["group named Web"].opaque
    assert not network.groups["Web"].opaque
