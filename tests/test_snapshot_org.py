"""`sgverify snapshot` over many accounts and Regions, against a moto server process.

The server holds an organization: the management account, two member
accounts with a read-only role `Audit` and a VPC in two Regions each, one
account without the role, and one whose role may describe security groups
only. IAM authentication is switched on once the world is built, so every
call the command makes is checked against the policies, as AWS would:

- the caller (a user of the management account) may list the accounts and
  assume `Audit` in the two good accounts and the limited one, nowhere else.
  AssumeRole into the account without the role is therefore refused with
  AccessDenied, which is also what AWS answers for a role that does not
  exist (moto itself would let anyone assume a missing role).
- moto answers a Region it does not know (`xx-nowhere-1`) with an HTTP 500
  page: an endpoint that fails, standing in for a Region that is disabled.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import boto3
import pytest

from clitools import invoke
from test_aws_moto_server import _free_port, _server_command, _wait_until_up
from sgverify.inputs.aws.accounts import RoleCredentials, SharedSession, in_order, read_accounts_file
from sgverify.inputs.aws.pull import SnapshotError, Snapshot, write_snapshot
from sgverify.inputs.aws.reader import load_aws

ROOT = Path(__file__).resolve().parent.parent
REGIONS = ("eu-west-1", "us-east-1")
ROLE = "Audit"
SETUP_KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}]}
READ_ONLY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["ec2:Describe*", "ec2:Get*", "ec2:Search*"], "Resource": "*"}]}
GROUPS_ONLY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["ec2:DescribeSecurityGroups"], "Resource": "*"}]}


class Org:
    def __init__(self, url: str):
        self.url = url
        self.management = ""
        self.prod = self.dev = self.no_role = self.limited = self.closed = ""
        self.groups: dict[tuple[str, str], dict[str, str]] = {}  # (account, Region) -> name -> id
        self.keys: dict[str, str] = {}  # the auditor's access key
        self.outsider: dict[str, str] = {}  # a user of the management account with no policy

    @property
    def members(self) -> list[str]:
        return [self.prod, self.dev, self.no_role, self.limited]


def _as_account(url: str, account: str, service: str, region: str = "us-east-1"):
    """A client acting in `account` (moto lets anyone assume any role while authentication is off)."""
    sts = boto3.client("sts", endpoint_url=url, region_name=region, **SETUP_KEYS)
    given = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/Setup", RoleSessionName="setup")["Credentials"]
    return boto3.client(service, endpoint_url=url, region_name=region, aws_access_key_id=given["AccessKeyId"],
                        aws_secret_access_key=given["SecretAccessKey"], aws_session_token=given["SessionToken"])


def _tiers(ec2, cidr: str, open_ssh: bool) -> dict[str, str]:
    """web (443 from anywhere, and 22 too if `open_ssh`) and db (5432 from web), one named interface each."""
    vpc = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr.replace("0.0/16", "1.0/24"))["Subnet"]["SubnetId"]
    web = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    db = ec2.create_security_group(GroupName="db", Description="db", VpcId=vpc)["GroupId"]
    opened = [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    if open_ssh:
        opened.append({"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]})
    ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=opened)
    ec2.authorize_security_group_ingress(GroupId=db, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": web}]}])
    for name, group in (("web-1", web), ("db-1", db)):
        ec2.create_network_interface(SubnetId=subnet, Groups=[group], TagSpecifications=[
            {"ResourceType": "network-interface", "Tags": [{"Key": "Name", "Value": name}]}])
    return {"web": web, "db": db, "vpc": vpc}


def _build(org: Org) -> None:
    url = org.url
    orgs = boto3.client("organizations", endpoint_url=url, region_name="us-east-1", **SETUP_KEYS)
    org.management = orgs.create_organization(FeatureSet="ALL")["Organization"]["MasterAccountId"]
    made = [orgs.create_account(Email=f"{n}@example.com", AccountName=n)["CreateAccountStatus"]["AccountId"]
            for n in ("prod", "dev", "no-role", "limited")]
    org.prod, org.dev, org.no_role, org.limited = made
    org.closed = orgs.create_account(Email="old@example.com", AccountName="old")["CreateAccountStatus"]["AccountId"]
    orgs.close_account(AccountId=org.closed)
    for account, policy in ((org.prod, READ_ONLY), (org.dev, READ_ONLY), (org.limited, GROUPS_ONLY)):
        iam = _as_account(url, account, "iam")
        iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=json.dumps(TRUST))
        iam.put_role_policy(RoleName=ROLE, PolicyName="read", PolicyDocument=json.dumps(policy))
    for account, cidrs, open_ssh in ((org.prod, ("10.1.0.0/16", "10.2.0.0/16"), False),
                                     (org.dev, ("10.3.0.0/16", "10.4.0.0/16"), True)):
        for region, cidr in zip(REGIONS, cidrs):
            org.groups[(account, region)] = _tiers(_as_account(url, account, "ec2", region), cidr, open_ssh)
    iam = boto3.client("iam", endpoint_url=url, region_name="us-east-1", **SETUP_KEYS)
    iam.create_user(UserName="auditor")
    key = iam.create_access_key(UserName="auditor")["AccessKey"]
    org.keys = {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}
    assumable = [f"arn:aws:iam::{a}:role/{ROLE}" for a in (org.prod, org.dev, org.limited)]
    iam.put_user_policy(UserName="auditor", PolicyName="audit", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "organizations:ListAccounts", "Resource": "*"},
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": assumable}]}))
    iam.create_user(UserName="outsider")
    key = iam.create_access_key(UserName="outsider")["AccessKey"]
    org.outsider = {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}
    # From here on every request is authenticated and checked against IAM policies.
    urllib.request.urlopen(urllib.request.Request(
        f"{url}/moto-api/reset-auth", data=b"0", method="POST", headers={"Content-Type": "text/plain"}))


@pytest.fixture(scope="module")
def org(tmp_path_factory):
    port = _free_port()
    server = subprocess.Popen(_server_command(port), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    built = Org(f"http://127.0.0.1:{port}")
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


def _env(org: Org, tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    for name in ("config", "credentials"):
        (tmp_path / name).write_text("")
    env.update(org.keys, AWS_ENDPOINT_URL=org.url, AWS_CONFIG_FILE=str(tmp_path / "config"),
               AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "credentials"), AWS_EC2_METADATA_DISABLED="true",
               SGVERIFY_CACHE="0", PYTHONPATH=str(ROOT))
    return env


def _sgverify(args: list, env: dict) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "sgverify", *map(str, args)], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=300)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def _errors(stderr: str) -> list[str]:
    return sorted(line for line in stderr.splitlines() if line.startswith("sgverify: error:"))


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


SPEC = """\
network: {network}
layers: security-groups
assertions:
  - name: https from the internet
    allow: {{from: internet, to: web-1, protocol: tcp, ports: 443}}
  - name: web reaches postgres
    allow: {{from: web-1, to: db-1, protocol: tcp, ports: 5432}}
  - name: internet cannot reach the database
    deny: {{from: internet, to: db-1, protocol: tcp, ports: 5432}}
  - name: no ssh from the internet
    deny: {{from: internet, to: web-1, protocol: tcp, ports: 22}}
"""


def test_an_organization_in_two_regions_end_to_end(org, tmp_path):
    out = tmp_path / "estate"
    env = _env(org, tmp_path)
    done = _sgverify(["snapshot", "--organization", "--exclude-account", org.management, "--role-name", ROLE,
                      "--region", REGIONS[0], "--region", REGIONS[1], "--jobs", "3", "-o", out], env)
    # Two accounts fail, each in its own way; the two good ones are written in both Regions.
    assert done.returncode == 1, done.stderr
    assert _files(out) == {f"{a}/{r}.json" for a in (org.prod, org.dev) for r in REGIONS}
    errors = _errors(done.stderr)
    assert len(errors) == 3, done.stderr  # the account without the role once, the limited one per Region
    assert sum(line.startswith(f"sgverify: error: account {org.no_role}: cannot assume "
                               f"arn:aws:iam::{org.no_role}:role/{ROLE} (AccessDenied)") for line in errors) == 1
    for region in REGIONS:
        assert f"sgverify: error: {org.limited} {region}: not allowed to call DescribeNetworkInterfaces " \
               f"(AccessDenied): grant ec2:DescribeNetworkInterfaces" in errors, errors
    assert "4 of 8 account-Region snapshots written" in done.stderr
    # The closed account is not tried at all, and said so.
    assert f"sgverify: warning: left out the organization's accounts that are not ACTIVE (suspended or " \
           f"closing): {org.closed}" in done.stderr.splitlines()

    # Each file is its own account's and Region's: the groups made there, and only those.
    for (account, region), made in org.groups.items():
        path = out / account / f"{region}.json"
        data = json.loads(path.read_text())
        assert data["SgverifySnapshot"]["Account"] == account
        assert data["SgverifySnapshot"]["Region"] == region
        named = {g["GroupName"]: g["GroupId"] for g in data["SecurityGroups"] if g["VpcId"] == made["vpc"]}
        # every VPC has its default group besides the two made in it
        assert named.pop("default").startswith("sg-") and named == {"web": made["web"], "db": made["db"]}
        assert {g["OwnerId"] for g in data["SecurityGroups"]} == {account}
        network = load_aws(path).network
        assert (network.account, network.region) == (account, region)

    # prod opens no ssh: every claim holds; dev's web group lets ssh in from anywhere.
    spec = tmp_path / "prod.yaml"
    spec.write_text(SPEC.format(network=out / org.prod / "eu-west-1.json"))
    check = _sgverify(["check", spec], env)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count("holds: ") == 4, check.stdout
    check = _sgverify(["check", "--network", out / org.dev / "us-east-1.json", spec], env)
    assert check.returncode == 1, check.stdout + check.stderr
    assert "VIOLATED: no ssh from the internet" in check.stdout
    assert check.stdout.count("holds: ") == 3, check.stdout


def test_named_accounts_all_succeeding_exit_0(org, tmp_path):
    accounts = tmp_path / "accounts.txt"
    accounts.write_text(f"# the two teams\n{org.prod}   # prod\n\n{org.dev}\n{org.prod}\n")
    out = tmp_path / "two"
    done = _sgverify(["snapshot", "--accounts-file", accounts, "--role-name", ROLE, "--region", "eu-west-1",
                      "--no-progress", "-o", out], _env(org, tmp_path))
    assert done.returncode == 0, done.stderr
    assert _errors(done.stderr) == []
    assert _files(out) == {f"{org.prod}/eu-west-1.json", f"{org.dev}/eu-west-1.json"}
    assert "2 of 2 account-Region snapshots written" in done.stderr


def test_a_failing_region_keeps_the_others_and_an_earlier_file(org, tmp_path):
    out = tmp_path / "estate"
    earlier = out / org.prod / "xx-nowhere-1.json"
    earlier.parent.mkdir(parents=True)
    earlier.write_text('{"SecurityGroups": []}\n')
    done = _sgverify(["snapshot", "--account", org.prod, "--role-name", ROLE, "--region", "eu-west-1",
                      "--region", "xx-nowhere-1", "-o", out], _env(org, tmp_path))
    assert done.returncode == 1, done.stderr
    assert _errors(done.stderr) == [
        f"sgverify: error: {org.prod} xx-nowhere-1: the endpoint "
        f"answered with something that is not an AWS response (an error page?) ({earlier} is from an earlier run)"]
    # The earlier file is left as it was, nothing half-written is left beside it.
    assert earlier.read_text() == '{"SecurityGroups": []}\n'
    assert _files(out) == {f"{org.prod}/eu-west-1.json", f"{org.prod}/xx-nowhere-1.json"}


def test_an_account_that_cannot_be_assumed_writes_nothing(org, tmp_path):
    out = tmp_path / "estate"
    done = _sgverify(["snapshot", "--account", org.no_role, "--role-name", ROLE, "--region", REGIONS[0],
                      "--region", REGIONS[1], "-o", out], _env(org, tmp_path))
    assert done.returncode == 1, done.stderr
    assert len(_errors(done.stderr)) == 1  # once for the account, not once per Region
    assert not out.exists() or _files(out) == set()
    assert "0 of 2 account-Region snapshots written" in done.stderr


def test_an_organization_that_cannot_be_listed_is_exit_2(org, tmp_path):
    out = tmp_path / "estate"
    env = {**_env(org, tmp_path), **org.outsider}
    done = _sgverify(["snapshot", "--organization", "--role-name", ROLE, "--region", "eu-west-1", "-o", out], env)
    assert done.returncode == 2, done.stderr
    # AWS answers AccessDeniedException; moto answers this JSON service with an XML body that
    # botocore cannot read, so only the HTTP status is left to go by.
    assert done.stderr.splitlines() == [
        "sgverify: error: --organization: not allowed to call ListAccounts (403): grant "
        "organizations:ListAccounts (only the management account or a delegated administrator may list "
        "the accounts)"]
    assert not out.exists()


def test_the_role_is_assumed_once_per_account_with_its_session_name(org, monkeypatch):
    for key, value in {**org.keys, "AWS_ENDPOINT_URL": org.url}.items():
        monkeypatch.setenv(key, value)
    session = SharedSession(boto3.Session(region_name="eu-west-1"))
    roles = RoleCredentials(session, ROLE, "audit-2026")
    first = roles.of(org.prod)
    assert roles.of(org.prod) is first  # kept, not assumed again
    who = boto3.client("sts", region_name="eu-west-1", **first).get_caller_identity()
    assert who["Arn"] == f"arn:aws:sts::{org.prod}:assumed-role/{ROLE}/audit-2026"
    # Credentials that expire within the margin are taken again (moto's last an hour).
    eager = RoleCredentials(session, ROLE, "audit-2026", refresh_before=dt.timedelta(hours=2))
    assert eager.of(org.prod)["aws_access_key_id"] != eager.of(org.prod)["aws_access_key_id"]
    with pytest.raises(SnapshotError) as refused:
        roles.of(org.no_role)
    assert refused.value.code == "AccessDenied"
    with pytest.raises(SnapshotError) as again:
        roles.of(org.no_role)
    assert again.value is refused.value  # the failure is kept too


def test_a_progress_bar_on_a_terminal(org, tmp_path, monkeypatch):
    from clitools import on_a_terminal

    for key, value in _env(org, tmp_path).items():
        monkeypatch.setenv(key, value)
    for key in [k for k in os.environ if k.startswith("AWS_") and k not in _env(org, tmp_path)]:
        monkeypatch.delenv(key)
    out = tmp_path / "estate"
    done, drawn = on_a_terminal(["snapshot", "--account", org.prod, "--account", org.dev, "--role-name", ROLE,
                                 "--region", "eu-west-1", "-o", out])
    assert done.returncode == 0, drawn.decode(errors="replace")
    assert b"\x1b[" in drawn and b"/2" in drawn  # drawn with escapes: the bar counts 2 snapshots
    done, drawn = on_a_terminal(["snapshot", "--account", org.prod, "--role-name", ROLE, "--region", "eu-west-1",
                                 "--region", "us-east-1", "--no-progress", "-o", out])
    assert done.returncode == 0 and b"\x1b[" not in drawn


# Without a server: bad usage is exit 2 and one line, before any call.

@pytest.mark.parametrize("args, message", [
    (["--account", "111122223333", "--region", "eu-west-1"], "need --role-name"),
    (["--role-name", ROLE, "--region", "eu-west-1"], "--role-name needs the accounts"),
    (["--role-name", ROLE, "--region", "eu-west-1", "--region", "us-east-1"], "--role-name needs the accounts"),
    (["--exclude-account", "111122223333", "--region", "eu-west-1"], "--exclude-account needs the accounts"),
    (["--account", "1111-2222-3333", "--role-name", ROLE], "'1111-2222-3333' is not an AWS account id"),
    (["--account", "111122223333", "--role-name", "a role"], "--role-name 'a role'"),
    (["--account", "111122223333", "--role-name", ROLE, "--session-name", "x"], "--session-name 'x'"),
    (["--account", "111122223333", "--role-name", ROLE, "--jobs", "0"], "--jobs"),
])
def test_bad_usage_is_exit_2(args, message, tmp_path):
    result = invoke(["snapshot", "-o", tmp_path / "out", *args], 2)
    assert message in result.stderr
    assert not (tmp_path / "out").exists()


def test_no_credentials_is_one_line_and_exit_2(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    for name in ("config", "credentials"):
        (tmp_path / name).write_text("")
    env.update(AWS_CONFIG_FILE=str(tmp_path / "config"), AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "credentials"),
               AWS_EC2_METADATA_DISABLED="true", PYTHONPATH=str(ROOT))
    done = _sgverify(["snapshot", "--account", "111122223333", "--account", "444455556666", "--role-name", ROLE,
                      "--region", "eu-west-1", "-o", tmp_path / "out"], env)
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [
        "sgverify: error: no AWS credentials found: configure a profile (--profile), "
        "or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"]


def test_many_regions_go_to_a_folder_not_stdout_or_a_file(tmp_path):
    result = invoke(["snapshot", "-o", "-", "--region", "eu-west-1", "--region", "us-east-1"], 2)
    assert "written to a folder" in result.stderr
    (tmp_path / "file.json").write_text("{}")
    result = invoke(["snapshot", "-o", tmp_path / "file.json", "--region", "eu-west-1", "--region", "us-east-1"], 2)
    assert "written to a folder" in result.stderr


def test_an_accounts_file_reports_every_bad_line(tmp_path):
    listed = tmp_path / "accounts.txt"
    listed.write_text("111122223333\n# fine\n12345\n\n444455556666 # ok\nprod\n")
    result = invoke(["snapshot", "--accounts-file", listed, "--role-name", ROLE, "-o", tmp_path / "out"], 2)
    assert result.stderr.splitlines() == [
        f"sgverify: {listed}:3: error: '12345' is not an AWS account id (12 digits)",
        f"sgverify: {listed}:6: error: 'prod' is not an AWS account id (12 digits)"]
    listed.write_text("111122223333\n# fine\n444455556666 # ok\n111122223333\n")
    assert in_order(read_accounts_file(str(listed)), ["444455556666"]) == ["111122223333"]


def test_a_failed_write_leaves_no_file_behind(tmp_path):
    # The target is a folder: the rename at the end fails, after the text is written to a temporary file.
    (tmp_path / "eu-west-1.json").mkdir()
    with pytest.raises(SnapshotError, match="cannot write"):
        write_snapshot(Snapshot({"SecurityGroups": []}), str(tmp_path / "eu-west-1.json"))
    assert [p.name for p in tmp_path.iterdir()] == ["eu-west-1.json"]


def test_headers_of_two_accounts_leave_the_account_unsaid(tmp_path):
    for account in ("111122223333", "444455556666"):
        (tmp_path / account).mkdir()
        (tmp_path / account / "eu-west-1.json").write_text(json.dumps(
            {"SgverifySnapshot": {"Version": 1, "Account": account, "Region": "eu-west-1"}, "SecurityGroups": []}))
    network = load_aws(tmp_path).network
    assert (network.account, network.region) == ("", "eu-west-1")
    network = load_aws(tmp_path / "444455556666").network
    assert (network.account, network.region) == ("444455556666", "eu-west-1")
