"""`sgverify import`: what was understood, written natively, reads back the same and checks the same."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import strategies as S
from clitools import invoke, run
from test_aws_topology import acl, entry, eni, route, sg, table, transit_doc
from sgverify.errors import InputError
from sgverify.inputs import load_network
from sgverify.inputs.cloudformation.reader import parse_cloudformation
from sgverify.inputs.native.export import check_round_trip, differences, export_native
from sgverify.inputs.native.reader import parse_network
from sgverify.model import Network, Resource, SecurityGroup, Service, UnknownPeer
from sgverify.solve import check_assertion, verify
from sgverify.spec.parse import load_spec
from sgverify.spec.resolve import resolve_spec

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = [
    *sorted((ROOT / "examples" / "cloudformation").glob("*.yaml")),
    *sorted((ROOT / "examples" / "seed").glob("*.yaml")),
    *sorted((ROOT / "examples" / "terraform" / "plan").glob("*.json")),
    *sorted(p for p in (ROOT / "examples" / "terraform" / "seed").glob("*") if p.is_dir()),
    *sorted((ROOT / "examples" / "aws").glob("*.json")),
]


def _id(path: Path) -> str:
    return str(path.relative_to(ROOT / "examples"))


@pytest.mark.parametrize("path", EXAMPLES, ids=_id)
def test_export_reads_back_as_the_same_network(path):
    network = load_network(str(path)).network
    text = export_native(network)
    again = parse_network(text, "imported.yaml").network
    assert differences(network, again) == []
    check_round_trip(network, text, "imported.yaml")  # the same check the command makes


def verdicts(network, spec_path: Path) -> dict[str, str]:
    spec, _ = resolve_spec(load_spec(spec_path), network)
    return {r.assertion.name: r.verdict.value for r in verify(network, spec)}


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "specs" / "cloudformation").glob("*.yaml")))
def test_imported_template_gives_the_same_verdicts(tmp_path, name):
    template = ROOT / "examples" / "cloudformation" / name
    out = tmp_path / "network.yaml"
    invoke(["import", template, "-o", out], 0)
    spec = ROOT / "specs" / "cloudformation" / name
    assert verdicts(load_network(str(out)).network, spec) == verdicts(load_network(str(template)).network, spec)


def test_comments_name_each_origin():
    text = export_native(load_network(str(ROOT / "examples/cloudformation/4-outbound-all.yaml")).network)
    lines = text.splitlines()
    rule = next(line for line in lines if "source: SgTypeA" in line)
    assert "# examples/cloudformation/4-outbound-all.yaml:" in rule or "4-outbound-all.yaml:" in rule
    assert "SourceSecurityGroupId: !Ref SgTypeA" in rule  # as written
    group = next(line for line in lines if line.startswith("  SgTypeC:"))
    assert "4-outbound-all.yaml:" in group


def test_unknown_peers_and_services_survive_the_round_trip():
    network = parse_cloudformation(textwrap.dedent("""
        Parameters: {Peer: {Type: String}}
        Resources:
          Web:
            Type: AWS::EC2::SecurityGroup
            Properties:
              GroupDescription: "web: public # not a comment"
              SecurityGroupIngress:
                - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: !Ref Peer}
                - {IpProtocol: tcp, FromPort: !Ref Peer, ToPort: 22, SourceSecurityGroupId: sg-0abc}
    """), "t.yaml").network
    again = parse_network(export_native(network), "x.yaml").network
    assert differences(network, again) == []
    first, second = again.groups["Web"].ingress
    assert isinstance(first.peer, UnknownPeer) and "Peer" in first.peer.reason
    assert second.service_unknown and again.groups["sg-0abc"].opaque
    assert again.groups["Web"].description == "web: public # not a comment"


def test_import_keeps_a_carried_group_whose_rules_are_unknown(tmp_path):
    # A resource carrying a group whose rules are not in the template: opaque
    # (members outside the input), carried, and with rules that are unknown.
    template = tmp_path / "t.yaml"
    template.write_text("Resources:\n  Box:\n    Type: AWS::EC2::Instance\n"
                        "    Properties: {PrivateIpAddress: 10.0.1.10, SecurityGroupIds: [sg-0aaa]}\n")
    out = tmp_path / "out.yaml"
    invoke(["import", template, "-o", out], 0)
    original = load_network(str(template)).network
    again = load_network(str(out)).network
    assert differences(original, again) == []
    group = again.groups["sg-0aaa"]
    assert group.opaque and again.resources["Box"].groups == ("sg-0aaa",)
    assert all(isinstance(r.peer, UnknownPeer) and r.service_unknown for r in group.ingress + group.egress)


def test_the_writer_states_that_a_carried_opaque_group_has_no_rules():
    # An opaque group without rules admits nothing for the resources carrying
    # it, though outside addresses may be its members. The writer says so in
    # the words the reader takes as deliberate (`ingress: []`, `egress: []`).
    network = Network(groups={"p": SecurityGroup("p", opaque=True)},
                      resources={"r": Resource("r", ("p",))})
    text = export_native(network)
    assert "    opaque: true\n    ingress: []\n    egress: []\n" in text
    check_round_trip(network, text, "x.yaml")
    again = parse_network(text, "x.yaml").network
    assert differences(network, again) == []
    assert again.groups["p"].opaque and not again.groups["p"].ingress and not again.groups["p"].egress
    assert again.resources["r"].groups == ("p",)


# By hand: r carries only p, which has no rules, so nothing reaches r and r
# sends nothing (its link-local services aside); web admits 443 from p's
# members, and p being opaque, any address outside the file may be one.
BARE_OPAQUE = """\
security_groups:
  p: {opaque: true, ingress: [], egress: []}
  sg-web: {ingress: [{protocol: tcp, ports: 443, source: p}]}
resources:
  r: {ips: [10.0.1.10], security_groups: [p]}
  web: {ips: [10.0.2.10], security_groups: [sg-web]}
"""
BARE_OPAQUE_ASSERTIONS = """\
assertions:
  - {name: nothing reaches r, deny: {from: any, to: r}}
  - {name: r reaches web on https, allow: {from: r, to: web, protocol: tcp, ports: 443}}
  - {name: only r reaches web, only: {from: r, to: web}}
  - {name: web is reached on https alone, deny: {from: any, to: web, protocol: tcp, ports: [0-442, 444-65535]}}
"""
BARE_OPAQUE_VERDICTS = {"nothing reaches r": "holds", "r reaches web on https": "violated",
                        "only r reaches web": "violated", "web is reached on https alone": "holds"}


def test_a_carried_opaque_group_without_rules_imports_and_checks_the_same(tmp_path):
    source = tmp_path / "net.yaml"
    source.write_text(BARE_OPAQUE)
    out = tmp_path / "out.yaml"
    run(["import", source, "-o", out], 0)
    spec = tmp_path / "spec.yaml"
    spec.write_text(BARE_OPAQUE_ASSERTIONS)
    for path in (source, out):
        assert verdicts(load_network(str(path)).network, spec) == BARE_OPAQUE_VERDICTS


def test_a_carried_opaque_group_must_say_it_has_no_rules(tmp_path):
    # Leaving the rules out (or writing one direction only) is still refused: it
    # is far more often a slip than a group without rules.
    for body in ("{opaque: true}", "{opaque: true, ingress: []}", "{opaque: true, ingress: [], egress: ~}"):
        with pytest.raises(InputError, match="or `ingress: \\[\\]` and `egress: \\[\\]` if it has none"):
            parse_network(f"security_groups:\n  p: {body}\nresources:\n  r: {{ips: [10.0.0.1], "
                          f"security_groups: [p]}}\n", "f.yaml")


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(S.networks(), st.data())
def test_random_networks_with_a_carried_opaque_group_without_rules_check_the_same_once_written(net, data):
    # Every drawn network, with a group of another account that has no rule and
    # a resource carrying it beside a described group: written, read back and
    # checked, it is the same network with the same verdicts.
    bare = SecurityGroup("sg-bare", opaque=True)
    described = sorted(net.groups)[0]
    carrier = Resource("carrier", ("sg-bare", described))
    net = S.network([*net.groups.values(), bare], [*net.resources.values(), carrier],
                    net.externals.values(), net.prefix_lists.values())
    text = export_native(net)
    check_round_trip(net, text, "x.yaml")
    again = parse_network(text, "x.yaml").network
    assert differences(net, again) == []
    drawn = data.draw(S.assertions(net))
    assert check_assertion(again, drawn).verdict == check_assertion(net, drawn).verdict


def test_groups_of_two_vpcs_may_share_a_name(tmp_path):
    described = {
        "SecurityGroups": [
            {"GroupId": "sg-0a", "GroupName": "default", "VpcId": "vpc-a", "IpPermissionsEgress": [],
             "IpPermissions": [{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": "sg-0a"}]}]},
            {"GroupId": "sg-0b", "GroupName": "default", "VpcId": "vpc-b", "IpPermissionsEgress": [],
             "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                                "UserIdGroupPairs": [{"GroupId": "sg-0b"}]}]}],
        "NetworkInterfaces": [
            {"NetworkInterfaceId": "eni-1", "PrivateIpAddress": "10.0.0.5", "VpcId": "vpc-a",
             "Groups": [{"GroupId": "sg-0a", "GroupName": "default"}]},
            {"NetworkInterfaceId": "eni-2", "PrivateIpAddress": "10.1.0.5", "VpcId": "vpc-b",
             "Groups": [{"GroupId": "sg-0b", "GroupName": "default"}]}]}
    source = tmp_path / "two-vpcs.json"
    source.write_text(json.dumps(described, indent=1))
    out = tmp_path / "out.yaml"
    invoke(["import", source, "-o", out], 0)
    again = load_network(str(out)).network
    assert differences(load_network(str(source)).network, again) == []
    assert [(g.key, g.name) for g in again.groups.values()] == [("sg-0a", "default"), ("sg-0b", "default")]


def test_import_to_stdout_with_parameters(tmp_path):
    result = invoke(["import", ROOT / "examples/cloudformation/2-inbound-from-office.yaml", "-o", "-",
                     "--parameter", "OfficeCidr=5.5.5.0/24"], 0)
    assert "source: 5.5.5.0/24" in result.stdout and "1.1.1.1" not in result.stdout


def test_import_bad_parameter_and_format(tmp_path):
    out = tmp_path / "o.yaml"
    done = run(["import", "examples/cloudformation/1-inbound-world-web.yaml", "-o", out, "--parameter", "x"], 2)
    assert "KEY=VALUE" in done.stderr
    done = run(["import", "examples/seed/1-inbound-world-web.yaml", "-o", out, "--input-format", "cfn"], 2)
    assert "unknown input format 'cfn'" in done.stderr


def test_import_missing_file(tmp_path):
    done = run(["import", tmp_path / "nope.yaml", "-o", tmp_path / "o.yaml"], 2)
    assert "does not exist" in done.stderr


def test_round_trip_check_names_what_differs():
    network = load_network(str(ROOT / "examples/cloudformation/3-inbound-from-sg.yaml")).network
    other = load_network(str(ROOT / "examples/cloudformation/1-inbound-world-web.yaml")).network
    with pytest.raises(InputError, match="does not keep groups 'SgTypeA'"):
        check_round_trip(network, export_native(other), "x.yaml")


# -- every network of the repository survives the round trip --------------------------

def _readable_networks() -> list[Path]:
    """Every example and test fixture that load_network reads (files, and folders of .tf files)."""
    candidates: list[Path] = []
    for top in (ROOT / "examples", ROOT / "tests"):
        candidates += [p for p in sorted(top.rglob("*")) if p.is_file() and p.suffix in (".yaml", ".yml", ".json")
                       and "schemas" not in p.parts]
        candidates += sorted({p.parent for p in top.rglob("*.tf")})
    found = []
    for path in candidates:
        try:
            load_network(str(path))
        except InputError:
            continue  # not a network (a CI workflow, a module needing its caller...)
        found.append(path)
    return found


READABLE = _readable_networks()


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_the_readable_networks_include_every_known_example():
    assert set(EXAMPLES) <= set(READABLE)
    assert ROOT / "examples" / "terraform" / "three-tier" in READABLE
    real = ROOT / "examples" / "real"
    assert {real / "cfngoat" / "cfngoat.yaml", real / "sg-module", real / "vpc-module",
            real / "multi-vpc" / "snapshot.json", real / "classic-elb.yaml", real / "classic-elb",
            real / "legacy-web-db", real / "vulnerable-by-design"} <= set(READABLE)


@pytest.mark.parametrize("path", READABLE, ids=_rel)
def test_every_network_reads_back_as_written(path):
    network = load_network(str(path)).network
    text = export_native(network)
    check_round_trip(network, text, "imported.yaml")
    again = parse_network(text, "imported.yaml").network
    assert differences(network, again) == []


def _specs() -> list[tuple[Path, Path]]:
    readable = {p.resolve() for p in READABLE}
    out = []
    for spec in sorted((ROOT / "specs").rglob("*.yaml")):
        target = load_spec(spec).network
        if target is not None and Path(target).resolve() in readable:
            out.append((spec, Path(target).resolve()))
    return out


SPECS = _specs()


def test_every_spec_names_a_readable_network():
    assert len(SPECS) == len(list((ROOT / "specs").rglob("*.yaml")))


@pytest.mark.parametrize("spec, network_path", SPECS, ids=[_rel(s) for s, _ in SPECS])
def test_every_spec_has_the_same_verdicts_on_the_written_network(spec, network_path):
    original = load_network(str(network_path)).network
    written = parse_network(export_native(original), "imported.yaml").network

    def verdicts(network):
        resolved, _ = resolve_spec(load_spec(spec), network)
        return [(a.name, check_assertion(network, a).verdict) for a in resolved.assertions]

    found = verdicts(original)
    assert found and verdicts(written) == found


# -- AWS describe output with a VPC layer ---------------------------------------------

def _aws_with_a_vpc_layer() -> dict:
    """Two VPCs reusing 10.0.0.0/16, each with a group named `default`, and every
    element of the VPC layer: a public subnet behind an internet gateway, an
    egress-only and a NAT gateway, a peering, an endpoint, a transit gateway, an
    appliance with delegated prefixes, a group of another account, a carried
    group that is not described."""
    doc = transit_doc()
    doc["RouteTables"].append(table("rtb-a-public", "vpc-a", [
        route("0.0.0.0/0", GatewayId="igw-a"), route("::/0", EgressOnlyInternetGatewayId="eigw-a"),
        route("10.1.0.0/16", VpcPeeringConnectionId="pcx-ac"), route("pl-0a53", GatewayId="vpce-s3"),
        route("172.16.0.0/12", NetworkInterfaceId="eni-fw"), route("192.168.0.0/16", NatGatewayId="nat-a")],
        subnets=["subnet-a1"]))
    doc["NetworkAcls"].append(acl("acl-a-private", "vpc-a", [
        entry(100, False, "allow", "10.0.0.0/16", "6", PortRange={"From": 22, "To": 22}),
        entry(110, False, "deny", "0.0.0.0/0", "1", IcmpTypeCode={"Type": 8, "Code": -1}),
        entry(100, True, "allow", "0.0.0.0/0")]))
    doc["NetworkAcls"][0]["Associations"].pop()  # subnet-a2 takes the private ACL
    doc["NetworkAcls"][-1]["Associations"] = [{"NetworkAclId": "acl-a-private", "SubnetId": "subnet-a2"}]
    doc["InternetGateways"] = [{"InternetGatewayId": "igw-a", "Attachments": [{"State": "available",
                                                                               "VpcId": "vpc-a"}]}]
    doc["EgressOnlyInternetGateways"] = [{"EgressOnlyInternetGatewayId": "eigw-a",
                                          "Attachments": [{"State": "attached", "VpcId": "vpc-a"}]}]
    doc["NatGateways"] = [{"NatGatewayId": "nat-a", "SubnetId": "subnet-a1", "VpcId": "vpc-a",
                           "State": "available", "ConnectivityType": "public",
                           "NatGatewayAddresses": [{"PrivateIp": "10.0.1.5", "PublicIp": "54.0.0.5"}]}]
    doc["VpcPeeringConnections"] = [{"VpcPeeringConnectionId": "pcx-ac", "Status": {"Code": "active"},
                                     "RequesterVpcInfo": {"VpcId": "vpc-a"},
                                     "AccepterVpcInfo": {"VpcId": "vpc-c", "OwnerId": "999988887777"}}]
    doc["PrefixLists"].append({"PrefixListId": "pl-0a53", "PrefixListName": "com.amazonaws.us-east-1.s3",
                               "AddressFamily": "IPv4", "Entries": [{"Cidr": "52.216.0.0/15"}]})
    doc["VpcEndpoints"] = [{"VpcEndpointId": "vpce-s3", "VpcEndpointType": "Gateway", "VpcId": "vpc-a",
                            "State": "available", "ServiceName": "com.amazonaws.us-east-1.s3",
                            "RouteTableIds": ["rtb-a-public"]}]
    web = sg("sg-web")
    web["IpPermissions"] = [
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
        {"IpProtocol": "tcp", "FromPort": 9000, "ToPort": 9000,
         "UserIdGroupPairs": [{"GroupId": "sg-0ext", "UserId": "999988887777"}]}]
    defaults = []
    for gid, vid in (("sg-default-a", "vpc-a"), ("sg-default-b", "vpc-b")):
        group = {**sg(gid, vid), "GroupName": "default"}
        group["IpPermissions"] = [{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": gid}]}]
        defaults.append(group)
    doc["SecurityGroups"] = [web, *defaults]
    doc["NetworkInterfaces"] = [
        eni("eni-web", "10.0.1.10", ["sg-web"], Association={"PublicIp": "54.0.0.10"}),
        eni("eni-fw", "10.0.2.20", ["sg-default-a", "sg-gone"], subnet_id="subnet-a2", SourceDestCheck=False,
            Ipv4Prefixes=[{"Ipv4Prefix": "10.0.2.32/28"}]),
        eni("eni-db", "10.0.1.10", ["sg-default-b"], subnet_id="subnet-b1", vpc_id="vpc-b"),
        eni("eni-db2", "10.0.1.11", ["sg-default-b"], subnet_id="subnet-b1", vpc_id="vpc-b")]
    return doc


# By hand (docs/aws-semantics): the internet reaches web's Elastic IP through the
# gateway of its VPC on 443, and no rule of web's group admits ssh at all; db, in a VPC without a gateway or a public
# address, is reached by nobody outside, but by db2 in its own subnet (no NACL
# between them, the default group admits its own members).
AWS_VPC_ASSERTIONS = """\
assertions:
  - {name: operators reach web on https, allow: {from: 198.51.100.0/24, to: eni-web, protocol: tcp, ports: 443}}
  - {name: nobody reaches web on ssh from the internet, deny: {from: internet, to: eni-web, protocol: tcp, ports: 22}}
  - {name: the internet cannot reach db, deny: {from: internet, to: eni-db}}
  - {name: db2 reaches db through their default group, allow: {from: eni-db2, to: eni-db, protocol: tcp, ports: 5432}}
"""
AWS_VPC_VERDICTS = {"operators reach web on https": "holds", "nobody reaches web on ssh from the internet": "holds",
                    "the internet cannot reach db": "holds", "db2 reaches db through their default group": "holds"}


def test_an_aws_vpc_layer_is_written_whole_and_checks_the_same(tmp_path):
    source = tmp_path / "snapshot.json"
    source.write_text(json.dumps(_aws_with_a_vpc_layer(), indent=1))
    out = tmp_path / "out.yaml"
    invoke(["import", source, "-o", out], 0)
    original = load_network(str(source)).network
    again = load_network(str(out)).network
    assert differences(original, again) == []
    assert again.topology.elements() == original.topology.elements() > 15
    text = out.read_text()
    assert "subnet: subnet-a2, blocks: [10.0.2.32/28]" in text  # the delegated prefixes, in the appliance's subnet
    assert "source_dest_check: false" in text and "opaque: true" in text
    names = {(g.key, g.name, g.vpc) for g in again.groups.values() if g.name == "default"}
    assert names == {("sg-default-a", "default", "vpc-a"), ("sg-default-b", "default", "vpc-b")}
    assert again.groups["sg-0ext"].opaque and not again.groups["sg-0ext"].ingress
    gone = again.groups["sg-gone"]  # carried, not described: any peer, either way
    assert [(r.service, type(r.peer)) for r in gone.ingress + gone.egress] == [(Service(), UnknownPeer)] * 2
    spec = tmp_path / "spec.yaml"
    spec.write_text(AWS_VPC_ASSERTIONS)
    assert verdicts(original, spec) == AWS_VPC_VERDICTS
    assert verdicts(again, spec) == AWS_VPC_VERDICTS


PUBLIC_BASTION = """\
vpcs: {vpc: {cidrs: [10.0.0.0/16]}}
subnets: {public: {vpc: vpc, cidrs: [10.0.1.0/24], route_table: rt, nacl: open}}
route_tables: {rt: {vpc: vpc, routes: [{destination: 0.0.0.0/0, target: igw}]}}
network_acls:
  open:
    vpc: vpc
    inbound: [{number: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}]
    outbound: [{number: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}]
gateways: {igw: {type: internet, vpc: vpc}}
security_groups:
  ssh: {ingress: [{protocol: tcp, ports: 22, source: 198.51.100.0/24}], egress: [{protocol: all, destination: 0.0.0.0/0}]}
resources:
  bastion: {ips: [10.0.1.10], subnet: public, security_groups: [ssh]PUBLIC}
"""


@pytest.mark.parametrize("public, verdict", [(", has_public_ip: true", "holds"), ("", "violated")])
def test_import_keeps_a_public_address_aws_assigns(tmp_path, public, verdict):
    # The internet reaches an interface only on a public address, through the
    # gateway of its VPC: with one AWS assigns the operators reach the bastion,
    # without one nothing from the internet does.
    source = tmp_path / "bastion.yaml"
    source.write_text(PUBLIC_BASTION.replace("PUBLIC", public))
    out = tmp_path / "out.yaml"
    invoke(["import", source, "-o", out], 0)
    assert ("has_public_ip: true" in out.read_text()) == bool(public)
    spec = tmp_path / "spec.yaml"
    spec.write_text("assertions:\n  - {name: ssh, allow: {from: 198.51.100.0/24, to: bastion, protocol: tcp, "
                    "ports: 22}}\n")
    for path in (source, out):
        assert verdicts(load_network(str(path)).network, spec) == {"ssh": verdict}


def test_import_of_a_bad_native_file_is_one_line_with_its_place(tmp_path):
    source = tmp_path / "bad.yaml"
    source.write_text(PUBLIC_BASTION.replace("PUBLIC", ", has_public_ip: maybe"))
    done = run(["import", source, "-o", tmp_path / "out.yaml"], 2)
    assert done.stderr.strip().splitlines() == [
        f"sgverify: {source}:13: error: has_public_ip of resource 'bastion' must be true or false, "
        f"not the text 'maybe'"]
    assert not (tmp_path / "out.yaml").exists()
