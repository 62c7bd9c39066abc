"""`load_network`: the format is found from the content (or forced), bad input is one clear line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clitools import run
from sgverify.errors import InputError, InputFileNotFound
from sgverify.inputs import FORMATS, load_network

ROOT = Path(__file__).resolve().parent.parent

NATIVE = "security_groups:\n  web:\n    ingress:\n      - {protocol: tcp, ports: 443, source: 0.0.0.0/0}\n"
CFN_YAML = ("Resources:\n  Web:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n"
            "      GroupDescription: web\n      GroupName: !Sub '${AWS::StackName}-web'\n")
CFN_JSON = json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": {
    "Web": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "web"}}}})
AWS = json.dumps({"SecurityGroups": [{"GroupId": "sg-1", "GroupName": "web", "IpPermissions": [],
                                      "IpPermissionsEgress": []}]})
PLAN = json.dumps({"format_version": "1.2", "terraform_version": "1.6.0", "planned_values": {"root_module": {}}})


@pytest.mark.parametrize("name, text, expected", [
    ("net.yaml", NATIVE, "native"),
    ("template.yaml", CFN_YAML, "cloudformation"),
    ("template.json", CFN_JSON, "cloudformation"),
    ("template.txt", CFN_YAML, "cloudformation"),  # content decides, not the suffix
    ("groups.json", AWS, "aws"),
    ("plan.json", PLAN, "terraform-plan"),
    ("main.tf", 'resource "aws_security_group" "web" {\n  name = "web"\n}\n', "terraform"),
])
def test_format_is_detected_from_content(tmp_path, name, text, expected):
    path = tmp_path / name
    path.write_text(text)
    assert load_network(str(path)).network.input_format == expected


def test_folders(tmp_path):
    assert load_network(str(ROOT / "examples/terraform/seed/3-inbound-from-sg")).network.input_format == "terraform"
    aws = tmp_path / "aws"
    aws.mkdir()
    (aws / "groups.json").write_text(AWS)
    assert load_network(str(aws)).network.input_format == "aws"
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="holds no .tf or .json file"):
        load_network(str(empty))


def test_format_can_be_forced(tmp_path):
    path = tmp_path / "net.yaml"
    path.write_text(NATIVE)
    with pytest.raises(InputError, match="a template needs a Resources mapping"):
        load_network(str(path), "cloudformation")
    assert load_network(str(path), "native").network.groups["web"].ingress


def test_unknown_content_names_the_file_and_what_was_expected(tmp_path):
    path = tmp_path / "odd.yaml"
    path.write_text("hello: world\n")
    with pytest.raises(InputError) as caught:
        load_network(str(path))
    (line,) = [str(d) for d in caught.value.diagnostics]
    assert line.startswith(f"{path}: error: cannot tell what kind of network this is")
    assert "CloudFormation" in line and "Terraform plan" in line and "--input-format" in line


@pytest.mark.parametrize("text, expected", [
    ("a: [1, 2\n", ":2: error: invalid YAML"),
    ('{"a": 1,,}', ":1: error: invalid JSON"),
    ("", "the file is empty"),
])
def test_malformed_files(tmp_path, text, expected):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(InputError, match=expected):
        load_network(str(path))


def test_missing_file_and_bad_options(tmp_path):
    with pytest.raises(InputFileNotFound):
        load_network(str(tmp_path / "nope.yaml"))
    path = tmp_path / "net.yaml"
    path.write_text(NATIVE)
    with pytest.raises(InputError, match="unknown input format 'yaml'"):
        load_network(str(path), "yaml")
    with pytest.raises(InputError, match="--parameter applies to CloudFormation templates"):
        load_network(str(path), parameters={"A": "1"})
    assert FORMATS == ("native", "aws", "terraform-plan", "terraform", "cloudformation")


def test_check_on_an_undetectable_file_exits_2_without_traceback(tmp_path):
    path = tmp_path / "odd.yaml"
    path.write_text("hello: world\n")
    done = run(["check", "specs/seed/1-inbound-world-web.yaml", "--network", path], 2)
    assert "cannot tell what kind of network this is" in done.stderr
