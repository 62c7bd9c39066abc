"""`sgverify fix` on Terraform folders and CloudFormation templates: the patch applies
with `patch -p0` and with `git apply`, touches only the rules the spec involves, keeps
the user's formatting and descriptions, and `check` proves every assertion on the
patched copy. Real subprocesses throughout.

Expected edits are worked out by hand from the rules and the cost model of
docs/fix.md (remove 7, narrow ports 2, narrow a peer 2 per block, add a group
rule 2, an address rule 3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from clitools import ROOT, run
from fixtools import apply_both_ways, changed_lines, copy_input, write_spec


# ---------------------------------------------------------------- Terraform

TF_WEB = "examples/terraform/seed/1-inbound-world-web"
HTTP_BLOCK = """
  ingress {
    description = "http from anywhere"
    from_port   = 80
    to_port     = 80
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
"""


def test_terraform_removes_one_inline_block(tmp_path):
    # tcp/80 is admitted by the http block alone: its port cannot narrow and its peer
    # narrowed to the non-public space takes 8 blocks (16), so it goes (7), with the
    # blank line that separated it; the https block and the egress blocks stay.
    network = copy_input(tmp_path, TF_WEB)
    spec = write_spec(tmp_path, network, """\
  - name: no http from the internet
    deny: {from: internet, to: aws-resource-a, protocol: tcp, ports: [80]}
  - name: https stays public
    allow: {from: internet, to: aws-resource-a, protocol: tcp, ports: [443]}
""")
    run(["check", spec], 1, cwd=tmp_path)
    run(["fix", spec, "-o", "fix.patch"], 0, cwd=tmp_path)
    patch = (tmp_path / "fix.patch").read_text(encoding="utf-8")
    assert patch.startswith("--- ./1-inbound-world-web/main.tf\n+++ ./1-inbound-world-web/main.tf\n")
    assert changed_lines(patch) == ["-" + line for line in HTTP_BLOCK.splitlines()]
    apply_both_ways(tmp_path, network, tmp_path / "fix.patch")
    patched = (tmp_path / "with-patch" / network / "main.tf").read_text(encoding="utf-8")
    assert patched == (ROOT / TF_WEB / "main.tf").read_text(encoding="utf-8").replace(HTTP_BLOCK, "", 1)


def test_terraform_adds_a_block_naming_the_group(tmp_path):
    # B is sg-type-b's only member: A gets an inline ingress block after its other
    # ingress blocks, aligned like terraform fmt, naming aws_security_group.b.
    network = copy_input(tmp_path, TF_WEB)
    spec = write_spec(tmp_path, network, """\
  - name: B reaches A over ssh
    allow: {from: aws-resource-b, to: aws-resource-a, protocol: tcp, ports: [22]}
""")
    run(["fix", spec, "-o", "fix.patch"], 0, cwd=tmp_path)
    patch = (tmp_path / "fix.patch").read_text(encoding="utf-8")
    assert changed_lines(patch) == [
        "+", "+  ingress {",
        '+    description     = "added by suggested fix"',
        "+    from_port       = 22",
        "+    to_port         = 22",
        '+    protocol        = "tcp"',
        "+    security_groups = [aws_security_group.b.id]",
        "+  }"]
    apply_both_ways(tmp_path, network, tmp_path / "fix.patch")


def test_terraform_narrows_a_variable_to_what_is_left(tmp_path):
    # The bastion admits ssh from var.admin_cidrs = 198.51.100.0/28 (terraform.tfvars).
    # Its upper /29 must lose it while the lower /29 keeps it: one block is left (2).
    # Only that attribute changes; the description and every other line stay.
    network = copy_input(tmp_path, "examples/terraform/three-tier")
    spec = write_spec(tmp_path, network, """\
  - name: the upper half of the operators' block has no ssh
    deny: {from: 198.51.100.8/29, to: aws_instance.bastion, protocol: tcp, ports: 22}
  - name: the lower half keeps it
    allow: {from: 198.51.100.0/29, to: aws_instance.bastion, protocol: tcp, ports: 22}
""")
    run(["fix", spec, "-o", "fix.patch"], 0, cwd=tmp_path)
    patch = (tmp_path / "fix.patch").read_text(encoding="utf-8")
    assert "+++ ./three-tier/security.tf\n" in patch
    assert changed_lines(patch) == ["-    cidr_blocks = var.admin_cidrs",
                                     '+    cidr_blocks = ["198.51.100.0/29"]']
    apply_both_ways(tmp_path, network, tmp_path / "fix.patch")


def test_terraform_narrows_a_separate_rule_resource(tmp_path):
    # web_https admits 443 from 0.0.0.0/0; without 64.0.0.0/2, 0.0.0.0/2 and 128.0.0.0/1
    # are left: two blocks (4) in the same cidr_blocks list, cheaper than removing (7).
    network = copy_input(tmp_path, "examples/real/legacy-web-db")
    spec = write_spec(tmp_path, network, """\
  - name: nothing from 64.0.0.0/2 reaches web on https
    deny: {from: 64.0.0.0/2, to: aws_security_group.web, protocol: tcp, ports: 443}
""")
    run(["fix", spec, "-o", "fix.patch"], 0, cwd=tmp_path)
    patch = (tmp_path / "fix.patch").read_text(encoding="utf-8")
    assert changed_lines(patch) == ['-  cidr_blocks       = ["0.0.0.0/0"]',
                                     '+  cidr_blocks       = ["0.0.0.0/2", "128.0.0.0/1"]']
    apply_both_ways(tmp_path, network, tmp_path / "fix.patch")


# A small configuration written for this test (no example has a port range): the
# narrowed range needs two blocks, which only a copy of the block can hold.
RANGE_TF = """\
resource "aws_security_group" "app" {
  name = "app"

  ingress {
    description = "every tcp port from the vpc"
    from_port   = 0
    to_port     = 65535
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/16"]
  }
}

resource "aws_instance" "app" {
  ami                    = "ami-12345678"
  private_ip             = "10.0.1.10"
  vpc_security_group_ids = [aws_security_group.app.id]
}
"""


def test_terraform_splits_a_block_when_a_port_is_taken_out(tmp_path):
    # tcp 0-65535 minus 22 is 0-21 and 23-65535 (narrowing ports, 2): the block keeps
    # the first range and a copy after it takes the second, description and all.
    (tmp_path / "net").mkdir()
    (tmp_path / "net" / "main.tf").write_text(RANGE_TF, encoding="utf-8")
    spec = write_spec(tmp_path, "net", """\
  - name: no ssh from the vpc
    deny: {from: 10.0.0.0/16, to: aws_instance.app, protocol: tcp, ports: 22}
  - name: the rest of tcp stays open
    allow: {from: 10.0.0.0/16, to: aws_instance.app, protocol: tcp, ports: [0-21, 23-65535]}
""")
    run(["fix", spec, "-o", "fix.patch"], 0, cwd=tmp_path)
    patch = (tmp_path / "fix.patch").read_text(encoding="utf-8")
    # The rewritten block and its copy share their first and last lines with the old
    # block, so the hunk is an insertion inside it.
    assert changed_lines(patch) == [
        "+    to_port     = 21",
        '+    protocol    = "tcp"',
        '+    cidr_blocks = ["10.0.0.0/16"]',
        "+  }",
        "+",
        "+  ingress {",
        '+    description = "every tcp port from the vpc"',
        "+    from_port   = 23"]
    apply_both_ways(tmp_path, "net", tmp_path / "fix.patch")
    patched = (tmp_path / "with-patch" / "net" / "main.tf").read_text(encoding="utf-8")
    assert patched.count('description = "every tcp port from the vpc"') == 2
    assert "from_port   = 0\n    to_port     = 21\n" in patched
    assert "from_port   = 23\n    to_port     = 65535\n" in patched


def test_terraform_leaves_for_each_rules_alone(tmp_path):
    # Seed 3 writes its rules with for_each: one block stands for several rules, so no
    # edit of it can be written; the ingress rules are the only way in, so no fix.
    network = copy_input(tmp_path, "examples/terraform/seed/3-inbound-from-sg")
    spec = write_spec(tmp_path, network, """\
  - name: no http from sg-type-b
    deny: {from: aws_security_group.b, to: aws_security_group.a, protocol: tcp, ports: 80}
""")
    done = run(["fix", spec, "-o", "fix.patch"], 1, cwd=tmp_path)
    assert "rules that cannot be edited as text: " in done.stderr
    assert "aws_security_group.a ingress[0] (3-inbound-from-sg/main.tf:8)" in done.stderr
    assert not (tmp_path / "fix.patch").exists()


# ---------------------------------------------------------------- CloudFormation

def test_cloudformation_removes_one_flow_entry(tmp_path):
    network = copy_input(tmp_path, "examples/cloudformation/1-inbound-world-web.yaml")
    spec = write_spec(tmp_path, network, """\
  - name: no http from the internet
    deny: {from: internet, to: aws-resource-a, protocol: tcp, ports: [80]}
  - name: https stays public
    allow: {from: internet, to: aws-resource-a, protocol: tcp, ports: [443]}
""")
    run(["fix", spec, "-o", "fix.patch"], 0, cwd=tmp_path)
    patch = (tmp_path / "fix.patch").read_text(encoding="utf-8")
    assert changed_lines(patch) == [
        "-        - {IpProtocol: tcp, FromPort: 80, ToPort: 80, CidrIp: 0.0.0.0/0, Description: http from anywhere}"]
    apply_both_ways(tmp_path, network, tmp_path / "fix.patch")


def test_cloudformation_removes_block_entries_and_keeps_the_rest(tmp_path):
    # cfngoat's web node admits tcp/22 from 0.0.0.0/0 twice: the tcp/22 entry and the
    # all-protocols (-1) entry. Both must stop; neither has ports to narrow (-1 has
    # none; 22 minus 22 is nothing) and the non-public space is 8 blocks (16), so both
    # go (7 each). The http entry stays as written.
    network = copy_input(tmp_path, "examples/real/cfngoat/cfngoat.yaml")
    spec = write_spec(tmp_path, network, """\
  - name: nobody logs in to the web node from the internet
    deny: {from: internet, to: EC2Instance, protocol: tcp, ports: 22}
  - name: http stays open
    allow: {from: internet, to: EC2Instance, protocol: tcp, ports: 80}
""")
    run(["fix", spec, "-o", "fix.patch"], 0, cwd=tmp_path)
    patch = (tmp_path / "fix.patch").read_text(encoding="utf-8")
    assert changed_lines(patch) == [
        "-      - IpProtocol: tcp", "-        FromPort: 22", "-        ToPort: 22", "-        CidrIp: 0.0.0.0/0",
        '-      - IpProtocol: "-1"', "-        FromPort: 0", "-        ToPort: 0", "-        CidrIp: 0.0.0.0/0"]
    apply_both_ways(tmp_path, network, tmp_path / "fix.patch")


def test_cloudformation_adds_entries_and_a_list(tmp_path):
    # The reader has no ingress list: one is written under its Properties, naming the
    # bastion's group (its only member). The bastion's ping entry goes (it is the only
    # rule admitting icmp; a removal, 7).
    network = copy_input(tmp_path, "examples/cloudformation/web-stack.yaml")
    spec = write_spec(tmp_path, network, """\
  - name: no ping for the bastion
    deny: {from: any, to: bastion, protocol: icmp}
  - name: the bastion reaches the reader on ssh
    allow: {from: bastion, to: Reader, protocol: tcp, ports: 22}
""")
    run(["fix", spec, "-o", "fix.patch"], 0, cwd=tmp_path)
    patch = (tmp_path / "fix.patch").read_text(encoding="utf-8")
    assert changed_lines(patch) == [
        "-        - {IpProtocol: icmp, FromPort: 8, ToPort: -1, CidrIp: !Ref OperatorCidr, Description: ping}",
        "+      SecurityGroupIngress:",
        "+        - {IpProtocol: tcp, FromPort: 22, ToPort: 22, SourceSecurityGroupId: !GetAtt BastionGroup.GroupId, "
        "Description: added by suggested fix}"]
    apply_both_ways(tmp_path, network, tmp_path / "fix.patch")


@pytest.mark.parametrize("example,deny", [
    ("examples/cloudformation/web-stack.yaml", "{from: Reader, to: AppServers}"),  # the reader has no way in
    ("examples/terraform/three-tier", "{from: aws_lb.web, to: aws_db_instance.main}"),  # nor the balancer to the db
])
def test_format_diff_of_a_spec_that_holds_is_empty(tmp_path, example, deny):
    network = copy_input(tmp_path, example)
    spec = write_spec(tmp_path, network, f"  - name: holds today\n    deny: {deny}\n")
    done = run(["fix", spec, "--format", "diff"], 0, cwd=tmp_path)
    assert done.stdout == ""


# ---------------------------------------------------------------- NACL entries
# No example writes a NACL in Terraform or CloudFormation, so these inputs are small
# ones written for the tests: one public subnet behind an internet gateway, web on
# 10.0.1.10 admitting https from anywhere, and a NACL that admits the requests but
# not the replies. Worked out by hand: the reply (tcp to the client's port, 1024-65535)
# leaves the subnet outbound, where no entry matches it; so one allow entry, tcp
# 1024-65535 to 0.0.0.0/0 (the clients are the whole internet), after the others.

TF_VPC = """\
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "public" {
  vpc_id                  = aws_vpc.main.id
  cidr_block              = "10.0.1.0/24"
  map_public_ip_on_launch = true
}

resource "aws_internet_gateway" "gw" {
  vpc_id = aws_vpc.main.id
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.main.id
  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.gw.id
  }
}

resource "aws_route_table_association" "public" {
  subnet_id      = aws_subnet.public.id
  route_table_id = aws_route_table.public.id
}

"""
TF_WEB_SERVER = """\
resource "aws_security_group" "web" {
  vpc_id = aws_vpc.main.id
  ingress {
    description = "https from anywhere"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_instance" "web" {
  ami                    = "ami-12345678"
  subnet_id              = aws_subnet.public.id
  private_ip             = "10.0.1.10"
  vpc_security_group_ids = [aws_security_group.web.id]
}
"""
TF_INLINE_ACL = """\
resource "aws_network_acl" "public" {
  vpc_id     = aws_vpc.main.id
  subnet_ids = [aws_subnet.public.id]
  ingress {
    rule_no    = 100
    action     = "allow"
    protocol   = "tcp"
    from_port  = 443
    to_port    = 443
    cidr_block = "0.0.0.0/0"
  }
  egress {
    rule_no    = 100
    action     = "allow"
    protocol   = "tcp"
    from_port  = 32768
    to_port    = 65535
    cidr_block = "0.0.0.0/0"
  }
}

"""
TF_RULES_ACL = """\
resource "aws_network_acl" "public" {
  vpc_id     = aws_vpc.main.id
  subnet_ids = [aws_subnet.public.id]
}

resource "aws_network_acl_rule" "https_in" {
  network_acl_id = aws_network_acl.public.id
  rule_number    = 100
  egress         = false
  protocol       = "tcp"
  rule_action    = "allow"
  cidr_block     = "0.0.0.0/0"
  from_port      = 443
  to_port        = 443
}

"""
HTTPS = """\
  - name: the internet reaches web on https
    allow: {from: internet, to: WEB, protocol: tcp, ports: 443}
"""


def _write_tf(tmp_path: Path, acl: str) -> str:
    (tmp_path / "net").mkdir()
    (tmp_path / "net" / "main.tf").write_text(TF_VPC + acl + TF_WEB_SERVER, encoding="utf-8")
    return "net"


def test_terraform_adds_an_inline_nacl_entry_for_the_replies(tmp_path):
    network = _write_tf(tmp_path, TF_INLINE_ACL)
    spec = write_spec(tmp_path, network, HTTPS.replace("WEB", "aws_instance.web"))
    run(["check", spec], 1, cwd=tmp_path)
    run(["fix", spec, "-o", "fix.patch"], 0, cwd=tmp_path)
    patch = (tmp_path / "fix.patch").read_text(encoding="utf-8")
    # After the last egress block, aligned like its neighbours, no blank line (they have none);
    # numbered after the highest outbound entry (100).
    assert changed_lines(patch) == [
        "+  egress {", "+    rule_no    = 110", '+    action     = "allow"', '+    protocol   = "tcp"',
        "+    from_port  = 1024", "+    to_port    = 65535", '+    cidr_block = "0.0.0.0/0"', "+  }"]
    apply_both_ways(tmp_path, network, tmp_path / "fix.patch")


def test_terraform_adds_a_nacl_rule_resource_when_entries_are_resources(tmp_path):
    network = _write_tf(tmp_path, TF_RULES_ACL)
    spec = write_spec(tmp_path, network, HTTPS.replace("WEB", "aws_instance.web"))
    run(["fix", spec, "-o", "fix.patch"], 0, cwd=tmp_path)
    patch = (tmp_path / "fix.patch").read_text(encoding="utf-8")
    # No outbound entry at all: the first is numbered 100.
    assert changed_lines(patch) == [
        "+", '+resource "aws_network_acl_rule" "public_egress_100" {',
        "+  network_acl_id = aws_network_acl.public.id", "+  egress         = true",
        "+  rule_number    = 100", '+  rule_action    = "allow"', '+  protocol       = "tcp"',
        "+  from_port      = 1024", "+  to_port        = 65535", '+  cidr_block     = "0.0.0.0/0"', "+}"]
    apply_both_ways(tmp_path, network, tmp_path / "fix.patch")


CFN_STACK = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.0.0.0/16}
  PublicSubnet:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.0.1.0/24, MapPublicIpOnLaunch: true}
  Gateway:
    Type: AWS::EC2::InternetGateway
  GatewayAttachment:
    Type: AWS::EC2::VPCGatewayAttachment
    Properties: {VpcId: !Ref Vpc, InternetGatewayId: !Ref Gateway}
  PublicRoutes:
    Type: AWS::EC2::RouteTable
    Properties: {VpcId: !Ref Vpc}
  DefaultRoute:
    Type: AWS::EC2::Route
    Properties: {RouteTableId: !Ref PublicRoutes, DestinationCidrBlock: 0.0.0.0/0, GatewayId: !Ref Gateway}
  PublicRoutesAssociation:
    Type: AWS::EC2::SubnetRouteTableAssociation
    Properties: {SubnetId: !Ref PublicSubnet, RouteTableId: !Ref PublicRoutes}
  PublicAcl:
    Type: AWS::EC2::NetworkAcl
    Properties: {VpcId: !Ref Vpc}
  PublicAclAssociation:
    Type: AWS::EC2::SubnetNetworkAclAssociation
    Properties: {SubnetId: !Ref PublicSubnet, NetworkAclId: !Ref PublicAcl}
  HttpsIn:
    Type: AWS::EC2::NetworkAclEntry
    Properties:
      NetworkAclId: !Ref PublicAcl
      RuleNumber: 100
      Protocol: 6
      RuleAction: allow
      CidrBlock: 0.0.0.0/0
      PortRange: {From: 443, To: 443}
  WebGroup:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: https from anywhere
      VpcId: !Ref Vpc
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 0.0.0.0/0}
  Web:
    Type: AWS::EC2::Instance
    Properties:
      ImageId: ami-12345678
      SubnetId: !Ref PublicSubnet
      PrivateIpAddress: 10.0.1.10
      SecurityGroupIds: [!Ref WebGroup]
"""


def test_cloudformation_adds_a_nacl_entry_resource(tmp_path):
    (tmp_path / "stack.yaml").write_text(CFN_STACK, encoding="utf-8")
    spec = write_spec(tmp_path, "stack.yaml", HTTPS.replace("WEB", "Web"))
    run(["check", spec], 1, cwd=tmp_path)
    run(["fix", spec, "-o", "fix.patch"], 0, cwd=tmp_path)
    patch = (tmp_path / "fix.patch").read_text(encoding="utf-8")
    assert changed_lines(patch) == [
        "+  PublicAclOutbound100:", "+    Type: AWS::EC2::NetworkAclEntry", "+    Properties:",
        "+      NetworkAclId: !Ref PublicAcl", "+      RuleNumber: 100", "+      Protocol: 6",
        "+      RuleAction: allow", "+      Egress: true", "+      CidrBlock: 0.0.0.0/0",
        "+      PortRange: {From: 1024, To: 65535}"]
    apply_both_ways(tmp_path, "stack.yaml", tmp_path / "fix.patch")


# A separate ingress resource with a port range (no example has one): taking 22 out
# leaves 0-21 and 23-65535, one range per resource, so the resource is kept for the
# first and a copy under a new logical id takes the second, Description and all.
CFN_RANGE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  AppGroup:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: app
  AppFromVpc:
    Type: AWS::EC2::SecurityGroupIngress
    Properties:
      GroupId: !Ref AppGroup
      IpProtocol: tcp
      FromPort: 0
      ToPort: 65535
      CidrIp: 10.0.0.0/16
      Description: everything from the vpc
  App:
    Type: AWS::EC2::Instance
    Properties:
      ImageId: ami-12345678
      PrivateIpAddress: 10.0.1.10
      SecurityGroupIds: [!Ref AppGroup]
"""


def test_cloudformation_splits_a_separate_rule_resource(tmp_path):
    (tmp_path / "t.yaml").write_text(CFN_RANGE, encoding="utf-8")
    spec = write_spec(tmp_path, "t.yaml", """\
  - name: no ssh from the vpc
    deny: {from: 10.0.0.0/16, to: App, protocol: tcp, ports: 22}
  - name: the rest of tcp stays open
    allow: {from: 10.0.0.0/16, to: App, protocol: tcp, ports: [0-21, 23-65535]}
""")
    run(["fix", spec, "-o", "fix.patch"], 0, cwd=tmp_path)
    patch = (tmp_path / "fix.patch").read_text(encoding="utf-8")
    # The copy shares its last lines with the original, so the hunk is an insertion.
    assert changed_lines(patch) == [
        "+      ToPort: 21", "+      CidrIp: 10.0.0.0/16", "+      Description: everything from the vpc",
        "+  AppFromVpc2:", "+    Type: AWS::EC2::SecurityGroupIngress", "+    Properties:",
        "+      GroupId: !Ref AppGroup", "+      IpProtocol: tcp", "+      FromPort: 23"]
    apply_both_ways(tmp_path, "t.yaml", tmp_path / "fix.patch")


def test_cloudformation_never_leaves_an_egress_list_empty(tmp_path):
    # The reader's egress is two entries: 5432 to the database's group (a group peer,
    # and every port is forbidden: nothing to narrow) and 443 to 0.0.0.0/0 (0.0.0.0/0
    # minus the load balancer's subnets takes more than 16 blocks). The load balancer's
    # own ingress must stay for the allow, so both entries go. An empty list would give
    # the group CloudFormation's allow-all egress back: the loopback entry is written.
    network = copy_input(tmp_path, "examples/cloudformation/web-stack.yaml")
    spec = write_spec(tmp_path, network, """\
  - name: the reader does not reach the database
    deny: {from: Reader, to: Database}
  - name: the reader does not reach the load balancer
    deny: {from: Reader, to: LoadBalancer, protocol: tcp, ports: 443}
  - name: the internet reaches the load balancer
    allow: {from: internet, to: LoadBalancer, protocol: tcp, ports: 443}
""")
    run(["fix", spec, "-o", "fix.patch"], 0, cwd=tmp_path)
    patch = (tmp_path / "fix.patch").read_text(encoding="utf-8")
    assert changed_lines(patch) == [
        "-        - {IpProtocol: tcp, FromPort: 5432, ToPort: 5432, DestinationSecurityGroupId: !Ref DatabaseGroup}",
        "-        - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 0.0.0.0/0}",
        '+        - {IpProtocol: "-1", CidrIp: 127.0.0.1/32, Description: no egress}']
    apply_both_ways(tmp_path, network, tmp_path / "fix.patch")


# An abusive block and a partner, on the same stacks. Worked out by hand: the web
# group's https rule cannot narrow (0.0.0.0/0 minus 198.51.100.0/24 is 24 blocks) and
# removing it (7) breaks the partner's allow; the NACL's https entry #100 has no port to
# spare and the same 24 blocks, so a deny entry for 198.51.100.0/24 tcp 443 goes right
# before it, #99 (3), written like it. The partner's connection then needs its reply
# let out, tcp 1024-65535 to 203.0.113.0/24 (3): after the highest outbound entry.
ABUSE = """\
  - name: the abusive block gets no https
    deny: {from: 198.51.100.0/24, to: WEB, protocol: tcp, ports: 443}
  - name: the partner does
    allow: {from: 203.0.113.0/24, to: WEB, protocol: tcp, ports: 443}
"""


def test_terraform_writes_a_deny_block_before_the_block_it_precedes(tmp_path):
    network = _write_tf(tmp_path, TF_INLINE_ACL)
    spec = write_spec(tmp_path, network, ABUSE.replace("WEB", "aws_instance.web"))
    run(["fix", spec, "-o", "fix.patch"], 0, cwd=tmp_path)
    patch = (tmp_path / "fix.patch").read_text(encoding="utf-8")
    assert changed_lines(patch) == [
        "+  ingress {", "+    rule_no    = 99", '+    action     = "deny"', '+    protocol   = "tcp"',
        "+    from_port  = 443", "+    to_port    = 443", '+    cidr_block = "198.51.100.0/24"', "+  }",
        "+  egress {", "+    rule_no    = 110", '+    action     = "allow"', '+    protocol   = "tcp"',
        "+    from_port  = 1024", "+    to_port    = 65535", '+    cidr_block = "203.0.113.0/24"', "+  }"]
    patched = apply_both_ways(tmp_path, network, tmp_path / "fix.patch") / network / "main.tf"
    text = patched.read_text(encoding="utf-8")
    assert text.index("rule_no    = 99") < text.index("rule_no    = 100")


def test_terraform_writes_a_deny_rule_resource_before_the_one_it_precedes(tmp_path):
    network = _write_tf(tmp_path, TF_RULES_ACL)
    spec = write_spec(tmp_path, network, ABUSE.replace("WEB", "aws_instance.web"))
    run(["fix", spec, "-o", "fix.patch"], 0, cwd=tmp_path)
    patched = apply_both_ways(tmp_path, network, tmp_path / "fix.patch") / network / "main.tf"
    text = patched.read_text(encoding="utf-8")
    assert """
resource "aws_network_acl_rule" "public_ingress_99" {
  network_acl_id = aws_network_acl.public.id
  egress         = false
  rule_number    = 99
  rule_action    = "deny"
  protocol       = "tcp"
  from_port      = 443
  to_port        = 443
  cidr_block     = "198.51.100.0/24"
}

resource "aws_network_acl_rule" "https_in" {
""" in text
    assert 'resource "aws_network_acl_rule" "public_egress_100" {' in text
    assert '  cidr_block     = "203.0.113.0/24"\n' in text
    patch = (tmp_path / "fix.patch").read_text(encoding="utf-8")
    assert all(line.startswith("+") for line in changed_lines(patch))  # nothing written before changes


def test_cloudformation_writes_a_deny_entry_resource_before_the_one_it_precedes(tmp_path):
    (tmp_path / "stack.yaml").write_text(CFN_STACK, encoding="utf-8")
    spec = write_spec(tmp_path, "stack.yaml", ABUSE.replace("WEB", "Web"))
    run(["fix", spec, "-o", "fix.patch"], 0, cwd=tmp_path)
    lines = changed_lines((tmp_path / "fix.patch").read_text(encoding="utf-8"))
    deny = ["+  PublicAclInbound99:", "+    Type: AWS::EC2::NetworkAclEntry", "+    Properties:",
            "+      NetworkAclId: !Ref PublicAcl", "+      RuleNumber: 99", "+      Protocol: 6",
            "+      RuleAction: deny", "+      Egress: false", "+      CidrBlock: 198.51.100.0/24",
            "+      PortRange: {From: 443, To: 443}"]
    assert lines[-len(deny):] == deny and "+      CidrBlock: 203.0.113.0/24" in lines
    patched = apply_both_ways(tmp_path, "stack.yaml", tmp_path / "fix.patch") / "stack.yaml"
    text = patched.read_text(encoding="utf-8")
    assert text.index("PublicAclInbound99:") < text.index("HttpsIn:")
