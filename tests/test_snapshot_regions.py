"""`sgverify snapshot --region all` and `--external-id`, against a moto server process.

The world: the caller is a user `auditor` of the management account. Account
`wide` has a role `Audit` that may describe everything; account `blind` has
an `Audit` role whose policy denies ec2:DescribeRegions; account `none` has
no role (the auditor may assume only the two roles, so AssumeRole there is
AccessDenied, as AWS answers for a missing role). The management account
holds a role `Vendor` whose trust policy names the auditor only with the
external id `shared-7`. IAM authentication is on once the world is built.

moto answers DescribeRegions with every Region it knows, each with an
OptInStatus (some `not-opted-in`), and also lists the aws-cn and
aws-us-gov Regions; AWS itself lists only the caller's partition.
"""

from __future__ import annotations

import json
import subprocess
import urllib.request

import boto3
import pytest

from clitools import invoke
from test_aws_moto_server import _free_port, _server_command, _wait_until_up
from test_snapshot_org import SETUP_KEYS, _as_account, _env, _errors, _files, _sgverify

MANAGEMENT = "123456789012"
EXTERNAL_ID = "shared-7"
DESCRIBE = {"Effect": "Allow", "Action": ["ec2:Describe*", "ec2:Get*", "ec2:Search*"], "Resource": "*"}
NO_REGIONS = {"Effect": "Deny", "Action": "ec2:DescribeRegions", "Resource": "*"}


class World:
    def __init__(self, url: str):
        self.url = url
        self.wide = self.blind = self.none = ""
        self.keys: dict[str, str] = {}
        self.reader: dict[str, str] = {}  # a user of the management account that may describe EC2 only
        self.enabled: set[str] = set()  # what the server says the accounts may use, read before auth is on


def _role(iam, name: str, trust: dict, statements: list) -> None:
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
    iam.put_role_policy(RoleName=name, PolicyName="read", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": statements}))


def _build(world: World) -> None:
    url = world.url
    orgs = boto3.client("organizations", endpoint_url=url, region_name="us-east-1", **SETUP_KEYS)
    orgs.create_organization(FeatureSet="ALL")
    world.wide, world.blind, world.none = [
        orgs.create_account(Email=f"{n}@example.com", AccountName=n)["CreateAccountStatus"]["AccountId"]
        for n in ("wide", "blind", "none")]
    anyone = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{MANAGEMENT}:root"}, "Action": "sts:AssumeRole"}]}
    _role(_as_account(url, world.wide, "iam"), "Audit", anyone, [DESCRIBE])
    _role(_as_account(url, world.blind, "iam"), "Audit", anyone, [DESCRIBE, NO_REGIONS])
    # A group in one Region of `wide` that is not the home Region, to find it in its own file.
    _as_account(url, world.wide, "ec2", "ap-south-1").create_security_group(GroupName="far", Description="far")
    iam = boto3.client("iam", endpoint_url=url, region_name="us-east-1", **SETUP_KEYS)
    iam.create_user(UserName="auditor")
    key = iam.create_access_key(UserName="auditor")["AccessKey"]
    world.keys = {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}
    vendor_trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{MANAGEMENT}:user/auditor"},
        "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}}}]}
    _role(iam, "Vendor", vendor_trust, [DESCRIBE])
    assumable = [f"arn:aws:iam::{a}:role/Audit" for a in (world.wide, world.blind)]
    iam.put_user_policy(UserName="auditor", PolicyName="audit", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole",
             "Resource": [*assumable, f"arn:aws:iam::{MANAGEMENT}:role/Vendor"]}]}))
    iam.create_user(UserName="reader")
    key = iam.create_access_key(UserName="reader")["AccessKey"]
    world.reader = {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}
    iam.put_user_policy(UserName="reader", PolicyName="read", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [DESCRIBE]}))
    listed = boto3.client("ec2", endpoint_url=url, region_name="us-east-1", **SETUP_KEYS).describe_regions()
    # Enabled: no opt-in needed or opted in; and of the commercial partition only (no cn-, no us-gov-).
    world.enabled = {r["RegionName"] for r in listed["Regions"]
                     if r["OptInStatus"] in ("opt-in-not-required", "opted-in")
                     and not r["RegionName"].startswith(("cn-", "us-gov-"))}
    urllib.request.urlopen(urllib.request.Request(
        f"{url}/moto-api/reset-auth", data=b"0", method="POST", headers={"Content-Type": "text/plain"}))


@pytest.fixture(scope="module")
def world():
    port = _free_port()
    server = subprocess.Popen(_server_command(port), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    built = World(f"http://127.0.0.1:{port}")
    try:
        _wait_until_up(built.url, server)
        _build(built)
        yield built
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_every_enabled_region_of_each_account(world, tmp_path):
    out = tmp_path / "estate"
    done = _sgverify(["snapshot", "--account", world.wide, "--account", world.blind, "--account", world.none,
                      "--role-name", "Audit", "--region", "all", "--jobs", "4", "-o", out],
                     {**_env(world, tmp_path), "AWS_DEFAULT_REGION": "eu-west-1"})
    assert done.returncode == 1, done.stderr
    # The server's own list holds Regions that are not opted in, and those of other partitions: none is taken.
    assert {"ap-east-1", "me-south-1", "cn-north-1", "us-gov-west-1"}.isdisjoint(world.enabled)
    assert {"eu-west-1", "us-east-1", "ap-south-1"} <= world.enabled
    # `wide` in every enabled Region; `blind` only where it was asked (the profile's Region); `none` nowhere.
    assert _files(out) == {f"{world.wide}/{r}.json" for r in world.enabled} | {f"{world.blind}/eu-west-1.json"}
    assert _errors(done.stderr) == sorted([
        f"sgverify: error: account {world.blind}: cannot list its enabled Regions: not allowed to call "
        f"DescribeRegions (AccessDenied): grant ec2:DescribeRegions; only eu-west-1 is taken",
        f"sgverify: error: account {world.none}: cannot assume arn:aws:iam::{world.none}:role/Audit "
        f"(AccessDenied): the role does not exist, its trust policy does not allow this caller (or asks for an "
        f"--external-id), or the caller may not call sts:AssumeRole on it"])
    total = len(world.enabled) + 2
    assert (f"{total - 1} of {total} account-Region snapshots written to {out}; 1 failed; the enabled Regions "
            f"of 1 account(s) could not be listed") in done.stderr
    far = json.loads((out / world.wide / "ap-south-1.json").read_text())
    assert far["SgverifySnapshot"]["Region"] == "ap-south-1"
    assert "far" in {g["GroupName"] for g in far["SecurityGroups"]}
    near = json.loads((out / world.wide / "eu-west-1.json").read_text())
    assert "far" not in {g["GroupName"] for g in near["SecurityGroups"]}


def test_all_regions_are_asked_in_us_east_1_without_a_profile_region(world, tmp_path):
    out = tmp_path / "estate"
    done = _sgverify(["snapshot", "--account", world.blind, "--role-name", "Audit", "--region", "all", "-o", out],
                     _env(world, tmp_path))
    assert done.returncode == 1, done.stderr
    assert _files(out) == {f"{world.blind}/us-east-1.json"}
    assert len(_errors(done.stderr)) == 1 and "only us-east-1 is taken" in done.stderr


def test_every_enabled_region_of_the_credentials_own_account(world, tmp_path):
    out = tmp_path / "own"
    done = _sgverify(["snapshot", "--region", "all", "-o", out], {**_env(world, tmp_path), **world.reader})
    assert done.returncode == 0, done.stderr
    assert _files(out) == {f"{MANAGEMENT}/{r}.json" for r in world.enabled}
    # Without the right to list the Regions: one line, and the Region asked is still tried (and refused).
    out = tmp_path / "auditor"
    done = _sgverify(["snapshot", "--region", "all", "-o", out], _env(world, tmp_path))
    assert done.returncode == 1, done.stderr
    assert _errors(done.stderr) == [
        f"sgverify: error: {MANAGEMENT} us-east-1: not allowed to call DescribeSecurityGroups (AccessDenied): "
        f"grant ec2:DescribeSecurityGroups",
        f"sgverify: error: account {MANAGEMENT}: cannot list its enabled Regions: not allowed to call "
        f"DescribeRegions (AccessDenied): grant ec2:DescribeRegions; only us-east-1 is taken"]


def test_the_external_id_reaches_the_trust_policy(world, tmp_path):
    out = tmp_path / "vendor"
    args = ["snapshot", "--account", MANAGEMENT, "--role-name", "Vendor", "--region", "eu-west-1",
            "--region", "us-east-1", "--role-session-name", "vendor-audit", "-o", out]
    done = _sgverify([*args, "--external-id", EXTERNAL_ID], _env(world, tmp_path))
    assert done.returncode == 0, done.stderr
    assert _files(out) == {f"{MANAGEMENT}/eu-west-1.json", f"{MANAGEMENT}/us-east-1.json"}
    # A wrong id is refused by the trust policy, so the id given is the one AWS sees. (moto lets a
    # request without any id through a condition on it; AWS would refuse it too.)
    wrong = tmp_path / "wrong"
    done = _sgverify([*args[:-1], wrong, "--external-id", "other-1"], _env(world, tmp_path))
    assert done.returncode == 1, done.stderr
    assert _errors(done.stderr) == [
        f"sgverify: error: account {MANAGEMENT}: cannot assume arn:aws:iam::{MANAGEMENT}:role/Vendor "
        f"(AccessDenied): the role does not exist, its trust policy does not allow this caller with this "
        f"--external-id, or the caller may not call sts:AssumeRole on it"]
    assert "other-1" not in done.stderr
    assert not wrong.exists() or _files(wrong) == set()


@pytest.mark.parametrize("args, message", [
    (["--region", "all", "--region", "eu-west-1"], "--region all takes every enabled Region"),
    (["--account", "111122223333", "--region", "eu-west-1", "--external-id", "abc"], "need --role-name"),
    (["--region", "eu-west-1", "--external-id", "abc"], "--external-id needs --role-name"),
    (["--account", "111122223333", "--role-name", "Audit", "--external-id", "a b"], "--external-id: 2 to 1224"),
    (["--account", "111122223333", "--role-name", "Audit", "--role-session-name", "x"], "--session-name 'x'"),
])
def test_bad_usage_is_exit_2(args, message, tmp_path):
    result = invoke(["snapshot", "-o", tmp_path / "out", *args], 2)
    assert message in result.stderr
    assert "a b" not in result.stderr
    assert not (tmp_path / "out").exists()
