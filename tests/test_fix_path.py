"""`sgverify fix` on the path layer: NACL entries narrowed or preceded by deny entries,
routes removed and added, written as the user's own native, Terraform and
CloudFormation text. Each patch is applied with `patch -p0` and `git apply` and the
patched copy is checked again with the real CLI (subprocesses throughout).

Expected edits are worked out by hand from AWS semantics (a request is delivered when
the source's egress, each NACL it crosses in rule-number order, first match wins,
and the destination's ingress admit it; from the internet the request takes no route
of the destination's table) and from the cost model of docs/fix.md: a security-group
rule's removal 7, narrowing its ports 2, its peer 2 per block; a NACL entry's
narrowing 2 per entry written, its removal 7; a deny entry before it 3, or 5 when it
must name 0.0.0.0/0; a route's removal 4, an added route 3."""

from __future__ import annotations

from pathlib import Path

import pytest

from clitools import run
from fixtools import apply_both_ways, changed_lines, copy_input, write_spec

# ---------------------------------------------------------------- native networks

# A partner API (public address 54.10.0.20) in a subnet whose NACL admits https from
# anywhere and lets every reply out; its group admits https from anywhere too.
API = """\
vpcs:
  vpc-main: {cidrs: [10.0.0.0/16]}

subnets:
  edge: {vpc: vpc-main, cidrs: [10.0.1.0/24], route_table: rt-edge, nacl: acl-edge}

route_tables:
  rt-edge:
    vpc: vpc-main
    routes:
      - {destination: 0.0.0.0/0, target: igw-main}

network_acls:
  acl-edge:
    vpc: vpc-main
    inbound:
      - {number: 100, action: allow, protocol: tcp, ports: 443, cidr: 0.0.0.0/0}
    outbound:
      - {number: 100, action: allow, protocol: tcp, ports: 1024-65535, cidr: 0.0.0.0/0}

gateways:
  igw-main: {type: internet, vpc: vpc-main}

security_groups:
  sg-api:
    vpc: vpc-main
    ingress: [{protocol: tcp, ports: 443, source: 0.0.0.0/0, description: https}]
    egress: []

resources:
  api: {ips: [10.0.1.20], public_ips: [54.10.0.20], subnet: edge, security_groups: [sg-api]}
"""


def _native(tmp_path: Path, text: str, name: str = "net.yaml") -> str:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return name


def _fix_native(tmp_path: Path, network: str, assertions: str) -> list[str]:
    """The changed lines of the fix's diff, after checking that the spec was violated and
    that the diff applies both ways and proves."""
    spec = write_spec(tmp_path, network, assertions)
    run(["check", spec], 1, cwd=tmp_path)
    done = run(["fix", spec, "--format", "diff", "-o", "fix.patch"], 0, cwd=tmp_path)
    assert "proved on a patched copy of the input" in done.stderr
    apply_both_ways(tmp_path, network, tmp_path / "fix.patch")
    return changed_lines((tmp_path / "fix.patch").read_text(encoding="utf-8"))


def test_a_deny_entry_goes_right_before_the_entry_that_admits_the_block(tmp_path):
    # 198.51.100.0/24 must not reach the API; 203.0.113.0/24 must. Worked out by hand:
    # - the group's rule: 0.0.0.0/0 minus 198.51.100.0/24 is 24 blocks (more than 16: not
    #   offered); removing it (7) breaks the allow, which then needs an address rule (3): 10;
    # - NACL inbound #100: its ports are only 443 (nothing left to narrow), its block minus
    #   the /24 is 24 entries; removing it (7) breaks the allow too;
    # - a deny entry for 198.51.100.0/24 tcp 443 just before #100, number 99: 3.
    network = _native(tmp_path, API)
    lines = _fix_native(tmp_path, network, """\
  - name: the abusive block does not reach the api
    deny: {from: 198.51.100.0/24, to: api, protocol: tcp, ports: 443}
  - name: the partner does
    allow: {from: 203.0.113.0/24, to: api, protocol: tcp, ports: 443}
""")
    assert lines == ["+      - {number: 99, action: deny, protocol: tcp, ports: 443, cidr: 198.51.100.0/24}"]
    patched = (tmp_path / "with-patch" / network).read_text(encoding="utf-8")
    assert patched.index("number: 99") < patched.index("number: 100")  # written where it is evaluated


@pytest.mark.parametrize("one_line", [False, True])
def test_a_nacl_entry_is_narrowed_when_two_groups_would_each_need_an_edit(tmp_path, one_line):
    # db carries two groups that both admit 5432 from 0.0.0.0/0; its NACL admits tcp 5432
    # from 0.0.0.0/0 at #100. 128.0.0.0/1 must not reach it. Worked out by hand:
    # - groups: each rule narrowed to 0.0.0.0/1 (one block, 2 each): 4;
    # - the NACL entry narrowed to 0.0.0.0/1 (one entry, 2): cheapest;
    # - a deny entry for 128.0.0.0/1 before it: 3.
    # Written as a block list, the entry's item changes; as a one-line list, the line.
    entry = "{number: 100, action: allow, protocol: tcp, ports: 5432, cidr: 0.0.0.0/0}"
    text = API.replace("ports: 443, cidr: 0.0.0.0/0}", "ports: 5432, cidr: 0.0.0.0/0}") \
        .replace("security_groups: [sg-api]", "security_groups: [sg-api, sg-debug]") \
        .replace("ports: 443, source", "ports: 5432, source") \
        .replace("    egress: []\n", "    egress: []\n  sg-debug:\n    vpc: vpc-main\n"
                                     "    ingress: [{protocol: all, source: 0.0.0.0/0}]\n    egress: []\n")
    if one_line:
        text = text.replace(f"    inbound:\n      - {entry}\n", f"    inbound: [{entry}]\n")
    network = _native(tmp_path, text)
    lines = _fix_native(tmp_path, network, """\
  - name: the upper half of the address space has no postgres
    deny: {from: 128.0.0.0/1, to: api, protocol: tcp, ports: 5432}
""")
    narrowed = entry.replace("0.0.0.0/0", "0.0.0.0/1")
    if one_line:
        assert lines == [f"-    inbound: [{entry}]", f"+    inbound: [{narrowed}]"]
    else:
        assert lines == [f"-      - {entry}", f"+      - {narrowed}"]


def test_an_entry_that_admits_only_what_is_forbidden_is_removed(tmp_path):
    # The NACL admits ssh from the VPC at #99 and postgres from anywhere at #100; the API
    # carries two groups that both admit postgres from anywhere. Postgres from the
    # internet must stop. By hand: each group rule removed (7 each; 0.0.0.0/0 minus the
    # internet is 8 blocks, 16): 14. #100: every port of it is forbidden, its block minus
    # the internet is 8 entries (16), and a deny entry before it needs a number between
    # 99 and 100: there is none. Removing #100, 7, is cheapest; #99 stays.
    text = API.replace("      - {number: 100, action: allow, protocol: tcp, ports: 443, cidr: 0.0.0.0/0}\n",
                       "      - {number: 99, action: allow, protocol: tcp, ports: 22, cidr: 10.0.0.0/16}\n"
                       "      - {number: 100, action: allow, protocol: tcp, ports: 5432, cidr: 0.0.0.0/0}\n") \
        .replace("security_groups: [sg-api]", "security_groups: [sg-api, sg-debug]") \
        .replace("ports: 443, source", "ports: 5432, source") \
        .replace("    egress: []\n", "    egress: []\n  sg-debug:\n    vpc: vpc-main\n"
                                     "    ingress: [{protocol: all, source: 0.0.0.0/0}]\n    egress: []\n")
    network = _native(tmp_path, text)
    lines = _fix_native(tmp_path, network, """\
  - name: no postgres from the internet
    deny: {from: internet, to: api, protocol: tcp, ports: 5432}
""")
    assert lines == ["-      - {number: 100, action: allow, protocol: tcp, ports: 5432, cidr: 0.0.0.0/0}"]


def test_the_route_to_the_internet_goes_and_its_list_is_written_empty(tmp_path):
    # The API must not open connections to the internet (it has a public address and
    # rt-edge routes 0.0.0.0/0 to the gateway); its group is given allow-all egress here.
    # Worked out by hand: the egress rule's peer minus the internet is 8 blocks (16),
    # removing it 7. NACL outbound #100 (tcp 1024-65535 to 0.0.0.0/0): every port of it is
    # forbidden (nothing to narrow), its block minus the internet is 8 entries (16), a deny
    # entry naming 0.0.0.0/0 costs 5, removing it 7. Removing the route, 4, is cheapest;
    # the table is left with no routes, written `routes: []`.
    text = API.replace("    egress: []\n", "    egress: [{protocol: all, destination: 0.0.0.0/0}]\n")
    network = _native(tmp_path, text)
    lines = _fix_native(tmp_path, network, """\
  - name: the api opens nothing to the internet
    deny: {from: api, to: internet}
""")
    assert lines == ["-    routes:", "-      - {destination: 0.0.0.0/0, target: igw-main}", "+    routes: []"]


def test_a_peering_route_back_is_added_where_it_is_missing(tmp_path):
    # three-vpcs: web (10.0.1.10, prod) reaches metrics (10.1.1.10, shared) over the
    # peering: sg-web's egress, rt-prod-public's 10.1.0.0/16 route, acl-prod-public's
    # outbound #100, shared's default NACL and sg-metrics (9090 from 10.0.0.0/16) all admit
    # the request. The reply is dropped: rt-shared-main routes only 10.0.2.0/24 back. A
    # person adds prod's block, 10.0.0.0/16, to the peering (3); the reply then enters
    # prod-public through inbound #110 (1024-65535 from anywhere). No other edit helps.
    network = copy_input(tmp_path, "examples/vpc/three-vpcs.yaml")
    lines = _fix_native(tmp_path, network, """\
  - name: web reaches metrics
    allow: {from: web, to: metrics, protocol: tcp, ports: 9090}
""")
    assert lines == ["+      - {destination: 10.0.0.0/16, target: pcx-prod-shared}"]
    patched = (tmp_path / "with-patch" / network).read_text(encoding="utf-8")
    assert "      - {destination: 10.0.2.0/24, target: pcx-prod-shared} # back to prod's app subnet only\n" \
           "      - {destination: 10.0.0.0/16, target: pcx-prod-shared}\n" in patched


NO_ROUTES = API.replace("    routes:\n      - {destination: 0.0.0.0/0, target: igw-main}\n", "    routes: []\n")


def test_the_route_back_to_the_internet_gateway_is_added(tmp_path):
    # rt-edge routes nothing: the partner's request (to the API's public address, through
    # the gateway, NACL inbound #100, the group's https rule) arrives, but the reply to
    # 203.0.113.x finds no route. A person routes 0.0.0.0/0 to the gateway the request came
    # through (3); the reply then leaves by outbound #100 (tcp 1024-65535 to anywhere).
    network = _native(tmp_path, NO_ROUTES)
    lines = _fix_native(tmp_path, network, """\
  - name: the partner reaches the api
    allow: {from: 203.0.113.0/24, to: api, protocol: tcp, ports: 443}
""")
    assert lines == ["-    routes: []", "+    routes: [{destination: 0.0.0.0/0, target: igw-main}]"]


def test_a_connection_out_gets_its_route_and_both_nacl_entries(tmp_path):
    # The API (allow-all egress here) must reach the internet on https. By hand: no route
    # leaves rt-edge: 0.0.0.0/0 to the VPC's gateway (3). Then outbound #100 (tcp
    # 1024-65535) does not match 443: an allow entry for tcp 443 to 0.0.0.0/0 after it,
    # #110 (3); the reply comes back to the client port, which inbound #100 (443 only) does
    # not match: tcp 1024-65535 from 0.0.0.0/0, #110 (3). Nothing cheaper lets it through.
    network = _native(tmp_path, NO_ROUTES.replace("    egress: []\n",
                                                  "    egress: [{protocol: all, destination: 0.0.0.0/0}]\n"))
    lines = _fix_native(tmp_path, network, """\
  - name: the api reaches the internet on https
    allow: {from: api, to: internet, protocol: tcp, ports: 443}
""")
    assert lines == ["-    routes: []", "+    routes: [{destination: 0.0.0.0/0, target: igw-main}]",
                     "+      - {number: 110, action: allow, protocol: tcp, ports: 1024-65535, cidr: 0.0.0.0/0}",
                     "+      - {number: 110, action: allow, protocol: tcp, ports: 443, cidr: 0.0.0.0/0}"]


def test_an_address_without_a_public_one_gets_no_route_to_the_internet(tmp_path):
    # As above, but the API has no public address: an interface without one cannot use an
    # internet gateway, and the VPC has no NAT gateway. The route to the gateway is tried,
    # does not prove, and nothing else is left to add: no fix (exit 1), nothing written.
    text = NO_ROUTES.replace("    egress: []\n", "    egress: [{protocol: all, destination: 0.0.0.0/0}]\n") \
        .replace(", public_ips: [54.10.0.20]", "")
    network = _native(tmp_path, text)
    spec = write_spec(tmp_path, network, """\
  - name: the api reaches the internet on https
    allow: {from: api, to: internet, protocol: tcp, ports: 443}
""")
    done = run(["fix", spec, "-o", "fix.patch"], 1, cwd=tmp_path)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sgverify: spec.yaml: no fix found: ")
    assert "the path drops it at route" in lines[0]
    assert not (tmp_path / "fix.patch").exists()


def test_a_nacl_entry_numbered_out_of_range_is_bad_input(tmp_path):
    network = _native(tmp_path, API.replace("number: 100, action: allow, protocol: tcp, ports: 443",
                                            "number: 40000, action: allow, protocol: tcp, ports: 443"))
    spec = write_spec(tmp_path, network, "  - name: x\n    deny: {from: internet, to: api, protocol: tcp, ports: 22}\n")
    done = run(["fix", spec, "--format", "diff"], 2, cwd=tmp_path)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sgverify: net.yaml:17:") and "40000" in lines[0]
    assert done.stdout == ""


# ---------------------------------------------------------------- Terraform

# A database subnet whose NACL admits every tcp port from anywhere, whose table
# routes 0.0.0.0/0 to the internet gateway, and whose group admits postgres from
# anywhere (tests/fix_fixtures: Terraform with inline blocks, with separate
# resources, and a CloudFormation template).
DB_SPEC = """\
  - name: no postgres from the internet
    deny: {from: internet, to: DB, protocol: tcp, ports: 5432}
  - name: the database opens nothing to the internet
    deny: {from: DB, to: internet}
"""
# Worked out by hand. Postgres from the internet: the group's rule (5432 only) cannot
# narrow its ports, and 0.0.0.0/0 minus the internet is 8 blocks: removing it, 7. NACL
# inbound #100: tcp 0-65535 minus 5432 is 0-5431 and 5433-65535, two entries (#100 and
# the free #101 after it): 4; a deny entry for 0.0.0.0/0 tcp 5432: 5. The database to
# the internet: its egress rule (all to 0.0.0.0/0): removing it 7 (8 blocks otherwise);
# NACL outbound #100 (all protocols, 0.0.0.0/0): nothing to narrow, a deny entry naming
# 0.0.0.0/0 5, removal 7; the route 0.0.0.0/0 -> igw the request takes: removal 4.


def _fix(tmp_path: Path, fixture: str, name: str) -> list[str]:
    network = copy_input(tmp_path, f"tests/fix_fixtures/{fixture}")
    spec = write_spec(tmp_path, network, DB_SPEC.replace("DB", name))
    run(["check", spec], 1, cwd=tmp_path)
    run(["fix", spec, "-o", "fix.patch"], 0, cwd=tmp_path)
    apply_both_ways(tmp_path, network, tmp_path / "fix.patch")
    return changed_lines((tmp_path / "fix.patch").read_text(encoding="utf-8"))


def test_terraform_narrows_an_inline_entry_and_removes_an_inline_route(tmp_path):
    lines = _fix(tmp_path, "db_inline", "aws_instance.db")
    assert lines == [
        "-", "-  route {", '-    cidr_block = "0.0.0.0/0"', "-    gateway_id = aws_internet_gateway.gw.id", "-  }",
        # the rewritten block and its copy share their first and last lines with the old one
        "+    to_port    = 5431", '+    cidr_block = "0.0.0.0/0"', "+  }", "+", "+  ingress {",
        "+    rule_no    = 101", '+    action     = "allow"', '+    protocol   = "tcp"', "+    from_port  = 5433"]


def test_terraform_narrows_a_rule_resource_and_removes_a_route_resource(tmp_path):
    lines = _fix(tmp_path, "db_resources", "aws_instance.db")
    assert lines == [
        "-", '-resource "aws_route" "internet" {', "-  route_table_id         = aws_route_table.data.id",
        '-  destination_cidr_block = "0.0.0.0/0"', "-  gateway_id             = aws_internet_gateway.gw.id", "-}",
        "+  to_port        = 5431", "+}", "+", '+resource "aws_network_acl_rule" "tcp_in_2" {',
        "+  network_acl_id = aws_network_acl.data.id", "+  rule_number    = 101", "+  egress         = false",
        '+  protocol       = "tcp"', '+  rule_action    = "allow"', '+  cidr_block     = "0.0.0.0/0"',
        "+  from_port      = 5433"]


def test_cloudformation_narrows_an_entry_resource_and_removes_a_route_resource(tmp_path):
    lines = _fix(tmp_path, "db_stack.yaml", "Db")
    assert lines == [
        "-  DefaultRoute:", "-    Type: AWS::EC2::Route",
        "-    Properties: {RouteTableId: !Ref DataRoutes, DestinationCidrBlock: 0.0.0.0/0, GatewayId: !Ref Gateway}",
        "-      PortRange: {From: 0, To: 65535}", "+      PortRange: {From: 0, To: 5431}",
        "+  TcpIn2:", "+    Type: AWS::EC2::NetworkAclEntry", "+    Properties:", "+      NetworkAclId: !Ref DataAcl",
        "+      RuleNumber: 101", "+      Protocol: 6", "+      RuleAction: allow", "+      CidrBlock: 0.0.0.0/0",
        "+      PortRange: {From: 5433, To: 65535}"]


# Two VPCs joined by an active peering (tests/fix_fixtures/peered*): a's table routes
# only 0.0.0.0/0 to a's internet gateway, b's table routes nothing. Worked out by hand:
# a's request to b (10.1.1.10) takes a's 0.0.0.0/0 route to the internet gateway, where a
# private address goes nowhere: dropped; a person routes b's block, 10.1.0.0/16, to the
# peering (3). Then b's reply to 10.0.1.10 finds no route in b's table: a's block,
# 10.0.0.0/16, to the peering (3). The groups admit it (b: ssh from 10.0.0.0/16; a: all
# out) and the default NACLs admit everything. No other edit lets the connection through.
PEERED_SPEC = """\
  - name: a reaches b over ssh
    allow: {from: A, to: B, protocol: tcp, ports: 22}
"""


def test_terraform_adds_an_inline_route_and_a_route_resource(tmp_path):
    # a's table writes its routes inline: one more inline block; b's table has none: an
    # aws_route resource after it.
    network = copy_input(tmp_path, "tests/fix_fixtures/peered")
    spec = write_spec(tmp_path, network, PEERED_SPEC.replace("A,", "aws_instance.a,").replace("B,", "aws_instance.b,"))
    run(["check", spec], 1, cwd=tmp_path)
    run(["fix", spec, "-o", "fix.patch"], 0, cwd=tmp_path)
    apply_both_ways(tmp_path, network, tmp_path / "fix.patch")
    assert changed_lines((tmp_path / "fix.patch").read_text(encoding="utf-8")) == [
        "+", "+  route {", '+    cidr_block                = "10.1.0.0/16"',
        "+    vpc_peering_connection_id = aws_vpc_peering_connection.ab.id", "+  }",
        "+", '+resource "aws_route" "b_fix" {', "+  route_table_id            = aws_route_table.b.id",
        '+  destination_cidr_block    = "10.0.0.0/16"',
        "+  vpc_peering_connection_id = aws_vpc_peering_connection.ab.id", "+}"]


def test_cloudformation_adds_route_resources_after_their_tables(tmp_path):
    network = copy_input(tmp_path, "tests/fix_fixtures/peered.yaml")
    spec = write_spec(tmp_path, network, PEERED_SPEC)
    run(["check", spec], 1, cwd=tmp_path)
    run(["fix", spec, "-o", "fix.patch"], 0, cwd=tmp_path)
    apply_both_ways(tmp_path, network, tmp_path / "fix.patch")
    assert changed_lines((tmp_path / "fix.patch").read_text(encoding="utf-8")) == [
        "+  RoutesAFixRoute:", "+    Type: AWS::EC2::Route", "+    Properties:", "+      RouteTableId: !Ref RoutesA",
        "+      DestinationCidrBlock: 10.1.0.0/16", "+      VpcPeeringConnectionId: !Ref Peering",
        "+  RoutesBFixRoute:", "+    Type: AWS::EC2::Route", "+    Properties:", "+      RouteTableId: !Ref RoutesB",
        "+      DestinationCidrBlock: 10.0.0.0/16", "+      VpcPeeringConnectionId: !Ref Peering"]


# ---------------------------------------------------------------- rule numbers

def test_new_entries_take_free_numbers_between_their_neighbours_or_none():
    from sgverify.model.addresses import Cidr
    from sgverify.model.topology import AclAction, AclEntry
    from sgverify.repair.path_edits import numbers_beside

    def entries(*numbers):
        return [AclEntry(n, False, AclAction.ALLOW, Cidr.parse("0.0.0.0/0")) for n in numbers]

    assert numbers_beside(entries(90, 100, 110), 100, 2, before=True) == [98, 99]
    assert numbers_beside(entries(90, 100, 110), 100, 1, before=False) == [101]
    assert numbers_beside(entries(99, 100), 100, 1, before=True) is None  # 99 is taken: no room
    assert numbers_beside(entries(100, 101), 100, 1, before=False) is None
    assert numbers_beside(entries(1), 1, 1, before=True) is None  # rule numbers start at 1
    assert numbers_beside(entries(32766), 32766, 1, before=False) is None  # and end at 32766
    assert numbers_beside(entries(3, 10), 10, 3, before=True) == [7, 8, 9]
    assert numbers_beside(entries(3, 10), 10, 7, before=True) is None  # only 4-9 lie between


def test_a_narrowing_with_no_free_number_beside_it_is_not_offered(tmp_path):
    # The API's NACL admits tcp 0-65535 from anywhere at #100 and udp 53 at #101. The
    # internet must not reach it on 443. By hand: #100's ports minus 443 are two entries
    # (4), but the second needs a number between 100 and 101: there is none, so it is not
    # offered. Then: the group's rule (443 from 0.0.0.0/0) removed, 7 (its peer minus the
    # internet is 8 blocks, 16); #100 removed, 7; #100's block minus the internet, 16; a
    # deny entry for 0.0.0.0/0 tcp 443 before #100, number 99, 5: cheapest.
    text = API.replace("      - {number: 100, action: allow, protocol: tcp, ports: 443, cidr: 0.0.0.0/0}\n",
                       "      - {number: 100, action: allow, protocol: tcp, ports: 0-65535, cidr: 0.0.0.0/0}\n"
                       "      - {number: 101, action: allow, protocol: udp, ports: 53, cidr: 0.0.0.0/0}\n")
    network = _native(tmp_path, text)
    lines = _fix_native(tmp_path, network, """\
  - name: no https from the internet
    deny: {from: internet, to: api, protocol: tcp, ports: 443}
""")
    assert lines == ["+      - {number: 99, action: deny, protocol: tcp, ports: 443, cidr: 0.0.0.0/0}"]
