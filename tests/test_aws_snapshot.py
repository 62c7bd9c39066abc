"""`sgverify snapshot` against moto (in process): build a VPC, snapshot it, load it, prove things.

`build_world` is shared with the moto_server test, which runs the same world
through a real server process and the real command line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import boto3
import botocore.exceptions
import pytest
from moto import mock_aws
from moto.core import set_initial_no_auth_action_count
from typer.testing import CliRunner

from oracle import decide
from sgverify.cli.app import _register, app
from sgverify.inputs.aws.reader import load_aws
from sgverify.inputs.aws.pull import PullOptions, SnapshotError, _client_message, take_snapshot, write_snapshot
from sgverify.model import ALL, Cidr, CidrPeer, GroupPeer, PrefixListPeer, Service, parse_address
from sgverify.run.check import CheckRequest, run_check
from sgverify.solve.result import Verdict
from sgverify.spec.parse import load_spec
from sgverify.spec.resolve import resolve_spec

ROOT = Path(__file__).resolve().parent.parent
REGION = "us-east-1"
DUMMY_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION}


@dataclass(frozen=True)
class World:
    vpc: str
    web: str  # group ids
    db: str
    mon: str
    partner: str  # a group in another VPC, left out of the snapshot
    office: str  # prefix list id
    web_eni: str
    db_eni: str
    web_instance: str
    db_v6: str  # the db interface's IPv6 address, in the VPC's Amazon-provided block


def build_world(ec2) -> World:
    """A VPC with web and db tiers: references, self, IPv6, a prefix list, -1, GRE and icmp."""
    made = ec2.create_vpc(CidrBlock="10.0.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]
    vpc = made["VpcId"]
    v6_base = made["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"].split("/")[0]  # a /56: its first /64
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", Ipv6CidrBlock=f"{v6_base}/64")
    subnet_id = subnet["Subnet"]["SubnetId"]
    other_vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    partner = ec2.create_security_group(GroupName="partner", Description="p", VpcId=other_vpc)["GroupId"]
    office = ec2.create_managed_prefix_list(
        PrefixListName="office", AddressFamily="IPv4", MaxEntries=5,
        Entries=[{"Cidr": "198.51.100.0/24", "Description": "hq"}])["PrefixList"]["PrefixListId"]
    web = ec2.create_security_group(GroupName="web", Description="web tier", VpcId=vpc)["GroupId"]
    db = ec2.create_security_group(GroupName="db", Description="db tier", VpcId=vpc)["GroupId"]
    mon = ec2.create_security_group(GroupName="mon", Description="unused", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
         "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "PrefixListIds": [{"PrefixListId": office}]},
        {"IpProtocol": "47", "FromPort": -1, "ToPort": -1, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
        {"IpProtocol": "icmp", "FromPort": 8, "ToPort": -1, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
    ])
    ec2.authorize_security_group_ingress(GroupId=db, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
         "UserIdGroupPairs": [{"GroupId": web}, {"GroupId": partner}]},
        {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": db}]},
    ])
    instance = ec2.run_instances(
        ImageId="ami-12c6146b", MinCount=1, MaxCount=1, SubnetId=subnet_id, SecurityGroupIds=[web],
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "web-1"}]}],
    )["Instances"][0]
    db_eni = ec2.create_network_interface(
        SubnetId=subnet_id, Groups=[db], PrivateIpAddress="10.0.1.50",
        Ipv6Addresses=[{"Ipv6Address": f"{v6_base}50"}],
        TagSpecifications=[{"ResourceType": "network-interface", "Tags": [{"Key": "Name", "Value": "db-1"}]}],
    )["NetworkInterface"]["NetworkInterfaceId"]
    web_eni = instance["NetworkInterfaces"][0]["NetworkInterfaceId"]
    return World(vpc, web, db, mon, partner, office, web_eni, db_eni, instance["InstanceId"], f"{v6_base}50")


def repair_moto_snapshot(path: Path) -> None:
    """moto shows a subnet's IPv6 association state as the text "{'State': 'associated'}"
    where AWS shows {"State": "associated"}; put it the way AWS does, or the block is not
    associated and the interfaces' IPv6 addresses are outside their subnets."""
    data = json.loads(path.read_text())
    for subnet in data.get("Subnets", []):
        for assoc in subnet.get("Ipv6CidrBlockAssociationSet", []):
            if assoc.get("Ipv6CidrBlockState") == {"State": "{'State': 'associated'}"}:
                assoc["Ipv6CidrBlockState"] = {"State": "associated"}
    path.write_text(json.dumps(data))


SPEC = """\
network: {network}
layers: {layers}
assertions:
  - name: https from the internet
    allow: {{from: internet, to: web-1, protocol: tcp, ports: 443}}
  - name: ssh only from the office list
    only: {{from: 198.51.100.0/24, to: web-1, protocol: tcp, ports: 22}}
  - name: gre never opens ssh
    deny: {{from: 10.0.0.0/8, to: web-1, protocol: tcp, ports: 22}}
  - name: web reaches postgres
    allow: {{from: web-1, to: db-1, protocol: tcp, ports: 5432}}
  - name: internet cannot reach the database
    deny: {{from: internet, to: db-1, protocol: tcp, ports: 5432}}
  - name: only web reaches postgres
    only: {{from: web, to: db-1, protocol: tcp, ports: 5432}}
"""
# Security groups alone: the partner group lives in a VPC outside the snapshot,
# any outside address may be a member, so neither claim about the database
# can be proven.
EXPECTED = {
    "https from the internet": Verdict.HOLDS,
    "ssh only from the office list": Verdict.HOLDS,
    "gre never opens ssh": Verdict.HOLDS,
    "web reaches postgres": Verdict.HOLDS,
    "internet cannot reach the database": Verdict.VIOLATED,
    "only web reaches postgres": Verdict.VIOLATED,
}


# On the whole path: the VPC has no internet gateway, so nothing on the
# internet reaches web-1 or db-1, and the partner's VPC has no way in (the
# main table holds only the local route). A host of db-1's subnet may still be
# a member of the partner group, whose members are unknown.
EXPECTED_PATH = {**EXPECTED, "https from the internet": Verdict.VIOLATED,
                 "internet cannot reach the database": Verdict.HOLDS}


def check_world_model(path: Path, world: World) -> None:
    """What a snapshot of `build_world` must load as."""
    loaded = load_aws(path)
    network = loaded.network
    assert network.input_format == "aws"
    assert {world.web, world.db, world.mon, world.partner} <= set(network.groups)
    assert network.groups[world.partner].opaque
    assert any(world.partner in str(w) and "not in the input" in str(w) for w in loaded.warnings)
    web_rules = network.groups[world.web].ingress
    assert CidrPeer(Cidr.parse("::/0")) in [r.peer for r in web_rules]
    assert [r.service for r in web_rules if r.peer == PrefixListPeer(world.office)][0].intervals() == \
        [(6 << 16 | 22, 6 << 16 | 22)]
    assert Service(47) in [r.service for r in web_rules]
    assert [r.service for r in network.groups[world.db].ingress if r.peer == GroupPeer(world.db)] == [Service(ALL)]
    assert network.groups[world.web].egress, "the default egress rule is read as described"
    assert network.prefix_lists[world.office].cidrs == (Cidr.parse("198.51.100.0/24"),)
    web = network.resources[world.web_eni]
    assert {world.web_instance, "web-1"} <= set(web.aliases)
    db = network.resources[world.db_eni]
    assert set(db.ips) == {parse_address("10.0.1.50"), parse_address(world.db_v6)}
    assert db.aliases == ("db-1",) and db.groups == (world.db,)
    assert Cidr.parse("10.0.1.0/24") in db.subnets
    origins = {str(r.origin) for r in web_rules}
    assert f"{path}:{world.web}/IpPermissions[1].PrefixListIds[0]" in origins


def check_world_spec(tmp_path: Path, snapshot: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC.format(network=snapshot, layers="all"))
    outcomes = run_check(CheckRequest(specs=(str(spec),)))
    assert {r.assertion.name: r.verdict for o in outcomes for r in o.results} == EXPECTED_PATH
    https = next(r for o in outcomes for r in o.results if r.assertion.name == "https from the internet")
    assert https.counterexample.failed_at == "route"  # no internet gateway carries it
    spec.write_text(SPEC.format(network=snapshot, layers="security-groups"))
    outcomes = run_check(CheckRequest(specs=(str(spec),)))
    assert {r.assertion.name: r.verdict for o in outcomes for r in o.results} == EXPECTED
    document = load_spec(spec)
    network = load_aws(snapshot).network
    resolved, _ = resolve_spec(document, network)
    for assertion in resolved.assertions:  # the brute-force oracle agrees
        assert decide(network, assertion).holds == (EXPECTED[assertion.name] is Verdict.HOLDS), assertion.name


@pytest.fixture
def aws(monkeypatch):
    for key, value in DUMMY_ENV.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        yield boto3.client("ec2", region_name=REGION)


def test_snapshot_command_in_process(aws, tmp_path):
    world = build_world(aws)
    out = tmp_path / "snapshot.json"
    _register()
    result = CliRunner().invoke(app, ["snapshot", "--region", REGION, "--vpc-id", world.vpc, "-o", str(out)])
    assert result.exit_code == 0, result.output
    repair_moto_snapshot(out)
    data = json.loads(out.read_text())
    assert data["SgverifySnapshot"]["Region"] == REGION
    assert {g["GroupId"] for g in data["SecurityGroups"]} >= {world.web, world.db}
    assert world.partner not in {g["GroupId"] for g in data["SecurityGroups"]}
    check_world_model(out, world)
    check_world_spec(tmp_path, out)


def test_snapshot_paginates(aws):
    vpc = aws.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    made = {aws.create_security_group(GroupName=f"g{i}", Description="d", VpcId=vpc)["GroupId"]
            for i in range(30)}
    taken = take_snapshot(PullOptions(region=REGION, vpc_ids=(vpc,)))
    assert made <= {g["GroupId"] for g in taken.data["SecurityGroups"]}
    assert len(taken.data["SecurityGroups"]) == 31  # and the VPC's default group


def test_whole_region_snapshot_reads_every_vpc(aws, tmp_path):
    world = build_world(aws)
    taken = take_snapshot(PullOptions(region=REGION))
    assert world.partner in {g["GroupId"] for g in taken.data["SecurityGroups"]}
    out = tmp_path / "region.json"
    write_snapshot(taken, str(out))
    repair_moto_snapshot(out)
    assert not load_aws(out).network.groups[world.partner].opaque


def _user(iam, name: str, actions: list[str]) -> dict:
    iam.create_user(UserName=name)
    if actions:
        policy = {"Version": "2012-10-17",
                  "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}
        iam.put_user_policy(UserName=name, PolicyName="read", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}


@set_initial_no_auth_action_count(5)  # the five IAM calls below; every later call is authorized
def test_denied_calls(monkeypatch, tmp_path):
    for key, value in DUMMY_ENV.items():
        monkeypatch.setenv(key, value)
    _register()
    with mock_aws():
        iam = boto3.client("iam", region_name=REGION)
        reader = _user(iam, "reader", ["ec2:DescribeSecurityGroups", "ec2:DescribeNetworkInterfaces",
                                       "ec2:DescribeManagedPrefixLists"])
        nobody = _user(iam, "nobody", [])
        for key, value in reader.items():
            monkeypatch.setenv(key, value)
        out = tmp_path / "s.json"
        result = CliRunner().invoke(app, ["snapshot", "--region", REGION, "-o", str(out)])
        assert result.exit_code == 0, result.output
        # optional parts that are denied are left out, and said so
        assert "warning: left out Subnets: not allowed to call DescribeSubnets" in result.output
        assert "Subnets" not in json.loads(out.read_text()) and load_aws(out).network.groups
        # a list whose entries could not be read is kept without them: unknown, never empty
        assert "warning: left out entries of pl-" in result.output
        assert json.loads(out.read_text())["PrefixLists"] and not load_aws(out).network.prefix_lists
        for key, value in nobody.items():
            monkeypatch.setenv(key, value)
        result = CliRunner().invoke(app, ["snapshot", "--region", REGION, "-o", str(tmp_path / "t.json")])
        assert result.exit_code == 2
        assert result.output.strip().splitlines() == [
            "sgverify: error: not allowed to call DescribeSecurityGroups (AccessDenied): "
            "grant ec2:DescribeSecurityGroups"]
        assert not (tmp_path / "t.json").exists()


def test_progress_bar_does_not_change_the_snapshot(aws, tmp_path):
    build_world(aws)
    _register()
    for flag, name in (("--progress", "a.json"), ("--no-progress", "b.json")):
        result = CliRunner().invoke(app, ["snapshot", "--region", REGION, flag, "-o", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
    first, second = (json.loads((tmp_path / n).read_text()) for n in ("a.json", "b.json"))
    first.pop("SgverifySnapshot"), second.pop("SgverifySnapshot")
    assert first == second


def test_client_errors_become_one_line():
    denied = botocore.exceptions.ClientError(
        {"Error": {"Code": "UnauthorizedOperation", "Message": "You are not authorized"}},
        "DescribeSecurityGroups")
    assert _client_message(denied) == \
        "not allowed to call DescribeSecurityGroups (UnauthorizedOperation): grant ec2:DescribeSecurityGroups"


def _bare_env(tmp_path: Path) -> dict:
    """An environment with no AWS settings at all, and no way to find credentials."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    for name in ("config", "credentials"):
        (tmp_path / name).write_text("")
    env.update(AWS_CONFIG_FILE=str(tmp_path / "config"), AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "credentials"),
               AWS_EC2_METADATA_DISABLED="true", HOME=str(tmp_path))
    return env


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the socket is


def _snapshot_cli(env: dict, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "sgverify", "snapshot", "--region", REGION, "-o", str(tmp_path / "s.json"),
               "--endpoint-url", f"http://127.0.0.1:{_closed_port()}", *extra]
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)


def test_missing_credentials_is_one_line_exit_2(tmp_path):
    done = _snapshot_cli(_bare_env(tmp_path), tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        "sgverify: error: no AWS credentials found: configure a profile (--profile), "
        "or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"]
    assert not (tmp_path / "s.json").exists()


def test_unknown_profile_is_one_line_exit_2(tmp_path):
    done = _snapshot_cli(_bare_env(tmp_path), tmp_path, "--profile", "nobody")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == ["sgverify: error: AWS profile not found: nobody"]


def test_unreachable_endpoint_is_one_line_exit_2(tmp_path):
    env = _bare_env(tmp_path)
    env.update(AWS_ACCESS_KEY_ID="AKIDSECRETLOOKING", AWS_SECRET_ACCESS_KEY="very-secret-value")
    done = _snapshot_cli(env, tmp_path)
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("sgverify: error: cannot connect to the EC2 endpoint http://127.0.0.1:")
    assert "very-secret-value" not in done.stderr + done.stdout and "AKIDSECRET" not in done.stderr


def test_missing_boto3_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "boto3", None)  # what `import boto3` sees when it is not installed
    with pytest.raises(SnapshotError, match=r"pip install 'sgverify\[aws\]'"):
        take_snapshot(PullOptions(region=REGION))


def test_output_folder_is_checked_before_anything_is_taken(tmp_path):
    _register()
    result = CliRunner().invoke(app, ["snapshot", "--region", REGION, "--endpoint-url", "http://127.0.0.1:9",
                                      "-o", str(tmp_path / "missing" / "s.json")])
    assert result.exit_code == 2
    assert result.output.strip() == f"sgverify: error: cannot write {tmp_path / 'missing' / 's.json'}: " \
                                    f"folder {tmp_path / 'missing'} does not exist"
