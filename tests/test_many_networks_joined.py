"""Networks of many files joined by a peering or a transit gateway are analysed together.

The fleet (snapshots as `sgverify snapshot` writes them, FOLDER/ACCOUNT/REGION.json):

- account 111111111111 (A): vpc-0a 10.0.0.0/16, subnet 10.0.1.0/24, its NACL
  admits everything both ways, the main table sends 10.1.0.0/16 to the
  peering pcx-0ab. `server` 10.0.1.10 carries sg-0a: ingress tcp 22 from
  10.1.0.0/16 and tcp 8443 from account B's sg-0b (a cross-VPC reference
  through the active peering); egress everything.
- account 222222222222 (B): vpc-0b 10.1.0.0/16, subnet 10.1.1.0/24 whose
  NACL lets out only tcp 8443 to 10.0.0.0/16 and lets in only tcp
  1024-65535 from 10.0.0.0/16; the main table sends 10.0.0.0/16 to pcx-0ab.
  `server` 10.1.1.20 carries sg-0b: no ingress, egress tcp 8443 to
  10.0.0.0/16. Both snapshots describe pcx-0ab (requester vpc-0a, accepter
  vpc-0b, active), each with its own Tags.
- account 555555555555 (E), unrelated: vpc-0e reuses 10.1.0.0/16, subnet
  10.1.1.0/24 with a NACL admitting everything, only the local route.
  `server` 10.1.1.20 carries sg-0e: ingress tcp 22 from 10.1.0.0/16, egress
  everything.

The spec, worked out by hand:
- "the peer never reaches the server on ssh" (deny 10.1.0.0/16 -> server tcp 22)
  - A alone: vpc-0b is not in the file, so what arrives over pcx-0ab from
    10.1.0.0/16 is a free choice, and sg-0a admits ssh from there: VIOLATED.
  - A joined with B: the only senders in 10.1.0.0/16 that reach vpc-0a are in
    B's subnet, whose NACL lets out only tcp 8443: holds.
  - B: sg-0b admits nothing: holds. E: an unmanaged host of E's own subnet
    (10.1.1.x) reaches E's server on ssh (NACL open, sg-0e admits it): VIOLATED.
- "the server reaches 10.0.1.10 on 8443" (allow server -> 10.0.1.10 tcp 8443),
  checked on A and B only
  - B alone: 10.0.1.10 is beyond pcx-0ab, in a VPC the file does not hold:
    the path is a free choice and no allow proof relies on one: VIOLATED.
  - B joined with A: sg-0b egress admits it, B's table sends it over the
    active peering, B's NACL lets it out, A's NACL lets it in, sg-0a admits
    it from sg-0b's member's private address 10.1.1.20; the reply goes back
    over the peering (A's table) and B's NACL admits tcp 1024-65535 from
    10.0.0.0/16: holds.
  - A joined with B: the destination is the server's own address, which
    never crosses the network, and no VPC of the component holds another
    10.0.1.10: holds.

A transit gateway: account 333333333333 (C) owns tgw-0c with a route table
associated with both attachments (10.2.0.0/16 to C's attachment, 10.3.0.0/16
to D's); C's vpc-0c 10.2.0.0/16 holds `server` 10.2.1.30 (sg-0c: ingress tcp
443 and 22 from 10.3.0.0/16) and routes 10.3.0.0/16 to tgw-0c; C's view of
D's attachment has no subnets (those are in D's describe output). Account
444444444444 (D) attached vpc-0d 10.3.0.0/16 (its view of the attachment has
no association: that is the owner's), routes 10.2.0.0/16 to tgw-0c, and its
subnet's NACL lets out only tcp 443 to 10.2.0.0/16 and lets in only tcp
1024-65535 from it; `server` 10.3.1.40 carries sg-0d (no ingress, egress
everything). C's NACL admits everything.
- "the attached VPC never reaches the server on ssh" (deny 10.3.0.0/16 ->
  server tcp 22): C alone leaves D's attachment out (its subnets are not in
  C's file), so what arrives from the transit gateway is a free choice and
  sg-0c admits ssh from 10.3.0.0/16: VIOLATED. Joined: the only senders in
  10.3.0.0/16 are in D's subnet, whose NACL lets out only tcp 443: holds (on
  D, sg-0d admits nothing: holds).
- "the server reaches 10.2.1.30 on https" (allow), joined: D's table sends it
  to tgw-0c, the table associated with D's attachment sends 10.2.0.0/16 to
  C's, sg-0c admits 443 from 10.3.1.40, D's NACL lets out tcp 443 and lets
  the reply in (C's routes 10.3.0.0/16 back to tgw-0c, whose table sends it
  to D's attachment): holds. On C it is the server's own address: holds.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from clitools import run

REGION = "eu-west-1"
A, B, C, D, E = "111111111111", "222222222222", "333333333333", "444444444444", "555555555555"
PCX = "pcx-0ab0000000000ab01"
TGW = "tgw-0c00000000000c001"
RTB = "tgw-rtb-0c0000000000c001"

PEER_SPEC = """assertions:
  - name: the peer never reaches the server on ssh
    deny: {from: 10.1.0.0/16, to: server, protocol: tcp, ports: [22]}
  - name: the server reaches 10.0.1.10 on 8443
    allow: {from: server, to: 10.0.1.10, protocol: tcp, ports: [8443]}
"""
TGW_SPEC = """assertions:
  - name: the attached VPC never reaches the server on ssh
    deny: {from: 10.3.0.0/16, to: server, protocol: tcp, ports: [22]}
  - name: the server reaches 10.2.1.30 on https
    allow: {from: server, to: 10.2.1.30, protocol: tcp, ports: [443]}
"""


# -- the snapshots -----------------------------------------------------------------------------------

def tags(name):
    return [{"Key": "Name", "Value": name}]


def rule(protocol, low=None, high=None, cidr=None, pair=None):
    out = {"IpProtocol": protocol, "IpRanges": [{"CidrIp": cidr}] if cidr else [], "UserIdGroupPairs":
           [pair] if pair else [], "Ipv6Ranges": [], "PrefixListIds": []}
    if low is not None:
        out.update(FromPort=low, ToPort=high if high is not None else low)
    return out


def nacl_entry(number, egress, protocol, cidr, ports=None):
    entry = {"RuleNumber": number, "Egress": egress, "RuleAction": "allow", "Protocol": protocol,
             "CidrBlock": cidr}
    if ports:
        entry["PortRange"] = {"From": ports[0], "To": ports[1]}
    return entry


OPEN = [nacl_entry(100, False, "-1", "0.0.0.0/0"), nacl_entry(100, True, "-1", "0.0.0.0/0")]


def snapshot(account, letter, vpc_cidr, subnet_cidr, ip, ingress, egress, routes=(), nacl=OPEN, extra=None):
    vpc, subnet, sg = f"vpc-0{letter}0000000000000001", f"subnet-0{letter}00000000000001", f"sg-0{letter}00000000000001"
    implicit = [{"RuleNumber": 32767, "Egress": e, "RuleAction": "deny", "Protocol": "-1",
                 "CidrBlock": "0.0.0.0/0"} for e in (False, True)]
    doc = {
        "SgverifySnapshot": {"Version": 2, "Account": account, "Region": REGION, "LeftOut": []},
        "Vpcs": [{"VpcId": vpc, "OwnerId": account, "State": "available", "CidrBlock": vpc_cidr,
                  "CidrBlockAssociationSet": [{"CidrBlock": vpc_cidr, "CidrBlockState": {"State": "associated"}}],
                  "Ipv6CidrBlockAssociationSet": [], "Tags": []}],
        "Subnets": [{"SubnetId": subnet, "VpcId": vpc, "CidrBlock": subnet_cidr, "MapPublicIpOnLaunch": False,
                     "Ipv6CidrBlockAssociationSet": [], "Tags": []}],
        "RouteTables": [{"RouteTableId": f"rtb-0{letter}000000000000001", "VpcId": vpc, "Tags": [],
                         "Routes": [{"DestinationCidrBlock": vpc_cidr, "GatewayId": "local", "State": "active"},
                                    *routes],
                         "Associations": [{"Main": True, "RouteTableId": f"rtb-0{letter}000000000000001",
                                           "AssociationState": {"State": "associated"}}]}],
        "NetworkAcls": [{"NetworkAclId": f"acl-0{letter}000000000000001", "VpcId": vpc, "IsDefault": True,
                         "Entries": list(nacl) + implicit, "Tags": [],
                         "Associations": [{"NetworkAclId": f"acl-0{letter}000000000000001", "SubnetId": subnet}]}],
        "InternetGateways": [], "NatGateways": [], "VpcPeeringConnections": [],
        "SecurityGroups": [{"GroupId": sg, "GroupName": f"sg-{letter}", "Description": "d", "OwnerId": account,
                            "VpcId": vpc, "IpPermissions": ingress, "IpPermissionsEgress": egress}],
        "NetworkInterfaces": [{"NetworkInterfaceId": f"eni-0{letter}00000000000001", "PrivateIpAddress": ip,
                               "PrivateIpAddresses": [{"Primary": True, "PrivateIpAddress": ip}],
                               "SubnetId": subnet, "VpcId": vpc, "OwnerId": account, "SourceDestCheck": True,
                               "Groups": [{"GroupId": sg, "GroupName": f"sg-{letter}"}],
                               "TagSet": tags("server")}],
    }
    doc.update(extra or {})
    return doc


def peering(name):
    return {"VpcPeeringConnectionId": PCX, "Status": {"Code": "active", "Message": "Active"}, "Tags": tags(name),
            "RequesterVpcInfo": {"VpcId": "vpc-0a0000000000000001", "OwnerId": A, "CidrBlock": "10.0.0.0/16",
                                 "Region": REGION},
            "AccepterVpcInfo": {"VpcId": "vpc-0b0000000000000001", "OwnerId": B, "CidrBlock": "10.1.0.0/16",
                                "Region": REGION}}


def peered_fleet() -> dict[str, dict]:
    to_peer = {"DestinationCidrBlock": "10.1.0.0/16", "VpcPeeringConnectionId": PCX, "State": "active"}
    from_sg_b = {"GroupId": "sg-0b00000000000001", "UserId": B, "VpcId": "vpc-0b0000000000000001",
                 "VpcPeeringConnectionId": PCX, "PeeringStatus": "active"}
    a = snapshot(A, "a", "10.0.0.0/16", "10.0.1.0/24", "10.0.1.10",
                 [rule("tcp", 22, cidr="10.1.0.0/16"), rule("tcp", 8443, pair=from_sg_b)],
                 [rule("-1", cidr="0.0.0.0/0")], routes=[to_peer], extra={"VpcPeeringConnections": [peering("to-b")]})
    back = {"DestinationCidrBlock": "10.0.0.0/16", "VpcPeeringConnectionId": PCX, "State": "active"}
    b_nacl = [nacl_entry(100, True, "6", "10.0.0.0/16", (8443, 8443)),
              nacl_entry(100, False, "6", "10.0.0.0/16", (1024, 65535))]
    b = snapshot(B, "b", "10.1.0.0/16", "10.1.1.0/24", "10.1.1.20", [], [rule("tcp", 8443, cidr="10.0.0.0/16")],
                 routes=[back], nacl=b_nacl, extra={"VpcPeeringConnections": [peering("from-a")]})
    e = snapshot(E, "e", "10.1.0.0/16", "10.1.1.0/24", "10.1.1.20", [rule("tcp", 22, cidr="10.1.0.0/16")],
                 [rule("-1", cidr="0.0.0.0/0")])
    return {A: a, B: b, E: e}


def transit_fleet() -> dict[str, dict]:
    attach = {"c": "tgw-attach-0c000000000000c1", "d": "tgw-attach-0d000000000000d1"}

    def general(letter, account, associated):
        out = {"TransitGatewayAttachmentId": attach[letter], "TransitGatewayId": TGW, "TransitGatewayOwnerId": C,
               "ResourceOwnerId": account, "ResourceType": "vpc", "ResourceId": f"vpc-0{letter}0000000000000001",
               "State": "available", "Tags": []}
        if associated:
            out["Association"] = {"TransitGatewayRouteTableId": RTB, "State": "associated"}
        return out

    def of_vpc(letter, account):
        return {"TransitGatewayAttachmentId": attach[letter], "TransitGatewayId": TGW,
                "VpcId": f"vpc-0{letter}0000000000000001", "VpcOwnerId": account, "State": "available",
                "SubnetIds": [f"subnet-0{letter}00000000000001"], "Tags": []}

    def gateway(name):
        return {"TransitGatewayId": TGW, "OwnerId": C, "State": "available", "Tags": tags(name)}

    table = {"TransitGatewayRouteTableId": RTB, "TransitGatewayId": TGW, "State": "available",
             "AdditionalRoutesAvailable": False, "TransitGatewayRouteTablePropagations": [],
             "Routes": [{"DestinationCidrBlock": cidr, "Type": "static", "State": "active",
                         "TransitGatewayAttachments": [{"TransitGatewayAttachmentId": attach[letter]}]}
                        for cidr, letter in (("10.2.0.0/16", "c"), ("10.3.0.0/16", "d"))]}
    c = snapshot(C, "c", "10.2.0.0/16", "10.2.1.0/24", "10.2.1.30",
                 [rule("tcp", 443, cidr="10.3.0.0/16"), rule("tcp", 22, cidr="10.3.0.0/16")],
                 [rule("-1", cidr="0.0.0.0/0")],
                 routes=[{"DestinationCidrBlock": "10.3.0.0/16", "TransitGatewayId": TGW, "State": "active"}],
                 extra={"TransitGateways": [gateway("hub")],
                        "TransitGatewayAttachments": [general("c", C, True), general("d", D, True)],
                        "TransitGatewayVpcAttachments": [of_vpc("c", C)], "TransitGatewayRouteTables": [table]})
    d = snapshot(D, "d", "10.3.0.0/16", "10.3.1.0/24", "10.3.1.40", [], [rule("-1", cidr="0.0.0.0/0")],
                 routes=[{"DestinationCidrBlock": "10.2.0.0/16", "TransitGatewayId": TGW, "State": "active"}],
                 nacl=[nacl_entry(100, True, "6", "10.2.0.0/16", (443, 443)),
                       nacl_entry(100, False, "6", "10.2.0.0/16", (1024, 65535))],
                 extra={"TransitGateways": [gateway("shared-hub")],
                        "TransitGatewayAttachments": [general("d", D, False)],
                        "TransitGatewayVpcAttachments": [of_vpc("d", D)]})
    return {C: c, D: d}


def write_fleet(folder: Path, docs: dict[str, dict]) -> None:
    for account, doc in docs.items():
        (folder / account).mkdir(parents=True, exist_ok=True)
        (folder / account / f"{REGION}.json").write_text(json.dumps(doc, indent=1))


def at(account: str) -> str:
    return f"fleet/{account}/{REGION}.json"


def label(account: str) -> str:
    return f"{at(account)} (account {account}, {REGION})"


def verdicts(text: str) -> list[tuple[str, str, str]]:
    """(verdict, assertion name, the network it is on) of every verdict line."""
    found = []
    for line in text.splitlines():
        m = re.match(r"\S+:\d+: (holds|VIOLATED|unknown): (.*) \[\w+\] on network (.*)$", line)
        if m:
            found.append((m.group(1), m.group(2), m.group(3)))
    return found


@pytest.fixture
def peered(tmp_path: Path) -> Path:
    write_fleet(tmp_path / "fleet", peered_fleet())
    (tmp_path / "spec.yaml").write_text(PEER_SPEC)
    (tmp_path / "ssh.yaml").write_text(PEER_SPEC.split("  - name: the server")[0])
    return tmp_path


# -- the command line ----------------------------------------------------------------------------------

SSH, REACH = "the peer never reaches the server on ssh", "the server reaches 10.0.1.10 on 8443"


def test_alone_the_peer_is_a_free_choice(peered):
    a = run(["check", "spec.yaml", "--network", at(A)], 1, cwd=peered).stdout
    assert re.search(rf"VIOLATED: {SSH} \[deny\]", a)
    b = run(["check", "spec.yaml", "--network", at(B)], 1, cwd=peered).stdout
    assert re.search(rf"holds: {SSH} \[deny\]", b)
    assert re.search(rf"VIOLATED: {REACH} \[allow\]", b)


def test_together_the_peer_is_its_routes_nacls_and_groups(peered):
    done = run(["check", "spec.yaml", "--network", at(A), "--network", at(B)], 0, cwd=peered)
    a_on, b_on = f"{label(A)} joined with {label(B)}", f"{label(B)} joined with {label(A)}"
    assert verdicts(done.stdout) == [("holds", SSH, a_on), ("holds", REACH, a_on),
                                     ("holds", SSH, b_on), ("holds", REACH, b_on)]
    # The peering and B's group are in the run: nothing is left outside, no group is opaque.
    assert "in no file of this run" not in done.stderr and "outside this file" not in done.stderr
    assert "sg-0b00000000000001 is referenced but not in the input" not in done.stderr


def test_a_folder_joins_the_peered_accounts_and_checks_the_other_alone(peered):
    done = run(["check", "ssh.yaml", "--network", "fleet"], 1, cwd=peered)
    assert verdicts(done.stdout) == [("holds", SSH, f"{label(A)} joined with {label(B)}"),
                                     ("holds", SSH, f"{label(B)} joined with {label(A)}"),
                                     ("VIOLATED", SSH, label(E))]
    assert done.stdout.splitlines()[-2:] == [
        "3 networks: 3 checked, 0 not checked; 2 of them analysed together (1 group joined by peerings or "
        "transit gateways)",
        "3 assertions: 2 hold, 1 violated, 0 unknown"]


def test_the_json_report_names_every_joined_network(peered):
    data = json.loads(run(["check", "spec.yaml", "--network", "fleet", "-f", "json"], 1, cwd=peered).stdout)
    first = data["networks"][0]
    assert (first["path"], first["account"], first["region"]) == (at(A), A, REGION)
    assert first["joined_with"] == [{"name": label(B), "path": at(B), "account": B, "region": REGION}]
    assert first["outside_references"] == []
    assert data["networks"][2]["joined_with"] == []
    assert {r["network"] for r in data["results"]} == {f"{label(A)} joined with {label(B)}",
                                                       f"{label(B)} joined with {label(A)}", label(E)}


def test_a_counterexample_names_the_file_of_each_rule(peered):
    """B's allow without its NACL's reply entry: the reply is dropped in B's file, the rules in A's."""
    docs = peered_fleet()
    entries = docs[B]["NetworkAcls"][0]["Entries"]
    docs[B]["NetworkAcls"][0]["Entries"] = [e for e in entries if e["Egress"] or e["RuleNumber"] != 100]
    write_fleet(peered / "fleet", docs)
    done = run(["check", "spec.yaml", "--network", at(A), "--network", at(B)], 1, cwd=peered)
    assert ("VIOLATED", REACH, f"{label(B)} joined with {label(A)}") in verdicts(done.stdout)
    block = done.stdout.split(f"VIOLATED: {REACH}")[1].split("\n2 networks")[0]
    assert f"fails at: reply: NACL of subnet-0b00000000000001" in block
    assert f"denies (no entry matches)  {at(B)}:NetworkAcls[0]\n" in block  # the NACL, in B's snapshot
    assert f"admits  {at(A)}:sg-0a00000000000001/IpPermissions[1].UserIdGroupPairs[0]\n" in block  # A's group
    sarif = json.loads(run(["check", "spec.yaml", "--network", at(A), "--network", at(B), "-f", "sarif"], 1,
                           cwd=peered).stdout)
    properties = [r["properties"] for r in sarif["runs"][0]["results"]]
    assert properties == [{"network": at(B), "account": B, "region": REGION, "joined_with": [at(A)]}]


def test_a_peering_to_a_file_not_in_the_run_stays_listed(peered):
    done = run(["check", "spec.yaml", "--network", at(A), "--network", at(E)], 1, cwd=peered)
    assert (f"sgverify: warning: {at(A)}: peering {PCX} to vpc-0b0000000000000001: in no file of "
            f"this run (what lies beyond is a free choice)") in done.stderr.splitlines()
    assert ("VIOLATED", SSH, label(A)) in verdicts(done.stdout)


def test_bad_input_in_one_file_of_a_component(peered):
    docs = peered_fleet()
    docs[B]["SecurityGroups"][0]["IpPermissionsEgress"][0]["FromPort"] = 70000
    write_fleet(peered / "fleet", docs)
    done = run(["check", "spec.yaml", "--network", "fleet", "-f", "json"], 2, cwd=peered)
    notes = [line for line in done.stderr.splitlines() if "cannot be read as one network" in line]
    assert len(notes) == 1 and notes[0].startswith(f"sgverify: warning: {at(A)} + {at(B)} are joined by a peering")
    assert f"({at(B)}:sg-0b00000000000001/IpPermissionsEgress[0]: error: invalid port range" in notes[0]
    data = json.loads(done.stdout)
    assert [(n["path"], n["status"]) for n in data["networks"]] == [(at(A), "checked"), (at(B), "error"),
                                                                     (at(E), "checked")]
    # A is then checked alone, as without joining: the peer is a free choice again.
    ssh_on_a = next(r for r in data["results"] if r["network"] == label(A) and r["name"] == SSH)
    assert ssh_on_a["status"] == "violated"


def test_two_views_of_one_account_are_not_joined(peered):
    shutil.copy(peered / at(A), peered / "fleet/111111111111/copy.json")
    done = run(["check", "spec.yaml", "--network", "fleet"], 1, cwd=peered)
    assert "are both account 111111111111 eu-west-1: two views of one network are not joined" in done.stderr


def test_lint_lists_each_finding_under_its_own_file(peered):
    alone = json.loads(run(["lint", "--network", at(A), "-f", "json"], 0, cwd=peered).stdout)
    assert "SG009-reference-outside-network" in {f["id"] for f in alone["findings"]}  # sg-0b: another file
    data = json.loads(run(["lint", "--network", "fleet", "-f", "json"], 0, cwd=peered).stdout)
    assert [n["joined_with"] != [] for n in data["networks"]] == [True, True, False]
    found = {(f["id"], f["network"]) for f in data["findings"]}
    # Joined, sg-0b is known; and the ssh rule of sg-0a can never be used: B's NACL lets out only 8443.
    assert "SG009-reference-outside-network" not in {f["id"] for f in data["findings"]}
    assert ("NET005-rule-never-delivered", f"{label(A)} joined with {label(B)}") in found
    for finding in data["findings"]:
        account = finding["location"].split("/")[1]
        assert finding["network"].startswith(at(account))


# -- transit gateway and the same verdicts everywhere ------------------------------------------------------

@pytest.fixture
def transit(tmp_path: Path) -> Path:
    write_fleet(tmp_path / "fleet", transit_fleet())
    (tmp_path / "spec.yaml").write_text(TGW_SPEC)
    return tmp_path


def test_a_shared_transit_gateway_joins_its_owner_and_the_attached_account(transit):
    alone = run(["check", "spec.yaml", "--network", at(C)], 1, cwd=transit)
    assert "VIOLATED: the attached VPC never reaches the server on ssh [deny]" in alone.stdout
    assert "tgw-attach-0d000000000000d1: its subnets" in alone.stderr  # C alone does not see D's attachment
    done = run(["check", "spec.yaml", "--network", "fleet", "--jobs", "2"], 0, cwd=transit)
    c_on, d_on = f"{label(C)} joined with {label(D)}", f"{label(D)} joined with {label(C)}"
    assert verdicts(done.stdout) == [
        ("holds", "the attached VPC never reaches the server on ssh", c_on),
        ("holds", "the server reaches 10.2.1.30 on https", c_on),
        ("holds", "the attached VPC never reaches the server on ssh", d_on),
        ("holds", "the server reaches 10.2.1.30 on https", d_on)]
    assert "left out" not in done.stderr  # D's attachment is whole: its subnets from D, its table from C
    # Not a vacuous proof: without the NACL entry that lets the reply into D's subnet, it fails there.
    docs = transit_fleet()
    docs[D]["NetworkAcls"][0]["Entries"] = [e for e in docs[D]["NetworkAcls"][0]["Entries"]
                                            if e["Egress"] or e["RuleNumber"] != 100]
    write_fleet(transit / "fleet", docs)
    broken = run(["check", "spec.yaml", "--network", "fleet"], 1, cwd=transit).stdout
    assert ("VIOLATED", "the server reaches 10.2.1.30 on https", d_on) in verdicts(broken)
    assert "fails at: reply: NACL of subnet-0d00000000000001" in broken


def test_processes_give_the_serial_report(peered):
    write_fleet(peered / "fleet", transit_fleet())
    serial = run(["check", "spec.yaml", "--network", "fleet", "-f", "json"], 1, cwd=peered)
    jobs = run(["check", "spec.yaml", "--network", "fleet", "-f", "json", "--jobs", "2"], 1, cwd=peered)
    assert jobs.stdout == serial.stdout and jobs.stderr == serial.stderr
    assert len(json.loads(serial.stdout)["networks"]) == 5


def test_a_dask_cluster_gives_the_serial_report(peered, tmp_path_factory):
    """A real local cluster (a scheduler and one worker, ended by their pids): one task per component."""
    pytest.importorskip("distributed")
    from test_dask_cluster import Cluster

    write_fleet(peered / "fleet", transit_fleet())
    cluster = Cluster(tmp_path_factory.mktemp("cluster"), workers=1)
    reports = {}
    try:
        for command in (["check", "spec.yaml"], ["lint"]):
            code = 1 if command[0] == "check" else 0
            for fmt in ("text", "json"):
                args = [*command, "--network", "fleet", "-f", fmt]
                serial = run(args, code, cwd=peered)
                on_cluster = run([*args, "--scheduler", cluster.address], code, cwd=peered)
                assert on_cluster.stdout == serial.stdout and on_cluster.stderr == serial.stderr, args
                reports[command[0], fmt] = serial.stdout
    finally:
        cluster.stop()
    checked = json.loads(reports["check", "json"])
    assert [len(n["joined_with"]) for n in checked["networks"]] == [1, 1, 1, 1, 0]  # A+B, C+D, E


def test_diff_compares_joined_networks_together(tmp_path, monkeypatch):
    """B's NACL newly lets out ssh to 10.0.0.0/16. Joined, that is one added change: an
    unmanaged host of B's subnet reaches A's server on 22 (sg-0a admits ssh from
    10.1.0.0/16; B's server's own group still lets out only 8443). E did not change."""
    import copy

    from sgverify.run.many import Backend, expand_networks
    from sgverify.run.many_diff import DiffJob, diff_all

    old = peered_fleet()
    new = copy.deepcopy(old)
    new[B]["NetworkAcls"][0]["Entries"].insert(1, nacl_entry(110, True, "6", "10.0.0.0/16", (22, 22)))
    write_fleet(tmp_path / "old", old)
    write_fleet(tmp_path / "new", new)
    monkeypatch.chdir(tmp_path)
    job = DiffJob(None, None, ("text", "json"), cwd=str(tmp_path))
    pairs = diff_all(expand_networks(["old"]), expand_networks(["new"]), job, Backend(jobs=2))
    assert [(p.name.label, p.old, p.fails) for p in pairs] == [
        (f"new/{A}/{REGION}.json (account {A}, {REGION}) joined with new/{B}/{REGION}.json (account {B}, {REGION})",
         f"old/{A}/{REGION}.json + old/{B}/{REGION}.json", True),
        (f"new/{E}/{REGION}.json (account {E}, {REGION})", f"old/{E}/{REGION}.json", False)]
    changes = json.loads(pairs[0].reports["json"])["changes"]
    assert [(c["change"], c["source"], c["destination"], c["packet"].split(" -> ")[1]) for c in changes] == [
        ("added", "a host in subnet-0b00000000000001", "eni-0a00000000000001 (subnet-0a00000000000001)",
         "10.0.1.10:22")]
    assert changes[0]["stopped_at"] == "NACL of subnet-0b00000000000001"
    assert pairs[0].outside == () and [p.joinable for p in pairs] == [True, True]



def test_diff_command_compares_joined_networks_together(tmp_path):
    """The same change through the command line: one row for A joined with B, E unchanged (exit 1)."""
    import copy

    old = peered_fleet()
    new = copy.deepcopy(old)
    new[B]["NetworkAcls"][0]["Entries"].insert(1, nacl_entry(110, True, "6", "10.0.0.0/16", (22, 22)))
    write_fleet(tmp_path / "old", old)
    write_fleet(tmp_path / "new", new)
    done = run(["diff", "old", "new", "-f", "json"], 1, cwd=tmp_path)
    report = json.loads(done.stdout)
    joined = [n for n in report["networks"] if n.get("joined_with")]
    assert len(joined) == 1 and [j["path"] for j in joined[0]["joined_with"]] == [f"new/{B}/{REGION}.json"]
    assert [(c["change"], c["packet"].split(" -> ")[1]) for c in joined[0]["report"]["changes"]] == [
        ("added", "10.0.1.10:22")]
    assert "peering" not in done.stderr  # joining resolved the reference; no line says it leads outside

# -- reading files as one, and grouping them ---------------------------------------------------------

def test_each_vpc_keeps_its_snapshot_region_and_account(tmp_path):
    from sgverify.inputs.aws.joined import load_joined

    docs = peered_fleet()
    docs[B]["SgverifySnapshot"]["Region"] = "us-east-1"  # an inter-Region peering
    write_fleet(tmp_path, docs)
    network = load_joined([str(tmp_path / A / f"{REGION}.json"), str(tmp_path / B / f"{REGION}.json")]).network
    vpcs = network.topology.vpcs
    assert (vpcs["vpc-0a0000000000000001"].account, vpcs["vpc-0a0000000000000001"].region) == (A, REGION)
    assert (vpcs["vpc-0b0000000000000001"].account, vpcs["vpc-0b0000000000000001"].region) == (B, "us-east-1")
    assert (network.account, network.region) == ("", "")  # the files name different ones
    # The two views of the peering are one, named by the first file's Tags and written where it is.
    peering_of = network.topology.peerings[PCX]
    assert peering_of.name == "to-b" and peering_of.active
    assert str(peering_of.origin) == f"{tmp_path / A / REGION}.json:VpcPeeringConnections[0]"


def test_two_views_that_disagree_are_an_error_at_both_places(tmp_path):
    from sgverify.errors import InputError
    from sgverify.inputs.aws.joined import load_joined

    docs = peered_fleet()
    docs[B]["VpcPeeringConnections"][0]["Status"] = {"Code": "pending-acceptance"}
    write_fleet(tmp_path, docs)
    a, b = str(tmp_path / A / f"{REGION}.json"), str(tmp_path / B / f"{REGION}.json")
    with pytest.raises(InputError) as info:
        load_joined([a, b])
    assert [str(d) for d in info.value.diagnostics] == [
        f"{b}:VpcPeeringConnections[0]: error: {PCX} is also described, differently, at {a}:VpcPeeringConnections[0]"]


def test_a_file_without_interfaces_is_not_lent_the_others(peered):
    """Without describe-network-interfaces B's groups are opaque (any member); joined with A,
    which shows its interfaces, B's would look empty. They are checked alone instead."""
    docs = peered_fleet()
    del docs[B]["NetworkInterfaces"]
    write_fleet(peered / "fleet", docs)
    done = run(["check", "ssh.yaml", "--network", at(A), "--network", at(B)], 2, cwd=peered)
    assert (f"sgverify: warning: {at(A)} + {at(B)} are joined by a peering or a transit gateway but cannot be read "
            f"as one network ({at(B)}: error: {at(B)} has no network interfaces (describe-network-interfaces) "
            f"and {at(A)} has: what one shows is not known for the other): each is checked on its own"
            ) in done.stderr.splitlines()
    assert ("VIOLATED", SSH, label(A)) in verdicts(done.stdout)
    # Alone, B has no interface called `server` to check: its error entry, as without joining.
    assert f"network {at(B)} not checked: ssh.yaml:3: error: unknown name 'server'" in done.stderr


def test_grouping_is_transitive_and_keeps_the_order_named():
    from sgverify.inputs.aws.joined import Links
    from sgverify.run.components import group

    links = [Links("a", True, frozenset({"vpc-1", "pcx-1"}), "1", "r"),
             Links("x", True, frozenset({"vpc-9"}), "9", "r"),
             Links("b", True, frozenset({"vpc-2", "pcx-1", "tgw-1"}), "2", "r"),
             Links("tf", False, frozenset({"tgw-1"})),  # not AWS: never joined
             Links("c", True, frozenset({"vpc-3", "tgw-1"}), "3", "r"),
             Links("a-again", True, frozenset({"vpc-1"}), "1", "r")]
    found = group(links)
    assert found.groups == (("a", "b", "c"), ("x",), ("tf",), ("a-again",))
    assert found.notes == ("a and a-again are both account 1 r: two views of one network are not joined",)
    assert found.joinable == frozenset({"a", "x", "b", "c", "a-again"})


def test_native_files_are_never_joined(tmp_path):
    from sgverify.run.components import plan

    (tmp_path / "a.yaml").write_text("vpcs: {vpc-a: {cidrs: [10.0.0.0/16]}}\npeerings: {pcx-1: {requester: vpc-a, "
                                     "accepter: vpc-b, active: true}}\nsecurity_groups: {}\nresources: {}\n")
    (tmp_path / "b.yaml").write_text("vpcs: {vpc-b: {cidrs: [10.1.0.0/16]}}\nsecurity_groups: {}\nresources: {}\n")
    paths = [str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml")]
    assert plan(paths).groups == ((paths[0],), (paths[1],))


def test_a_folder_of_describe_output_joins_a_snapshot(peered):
    """B as the AWS CLI prints it, one file per call and no snapshot header: its VPC's account
    is its OwnerId, its Region unknown (never A's)."""
    doc = peered_fleet()[B]
    doc.pop("SgverifySnapshot")
    (peered / "b-cli").mkdir()
    for key, value in doc.items():
        (peered / "b-cli" / f"{key}.json").write_text(json.dumps({key: value}, indent=1))
    done = run(["check", "ssh.yaml", "--network", at(A), "--network", "b-cli"], 0, cwd=peered)
    assert verdicts(done.stdout) == [("holds", SSH, f"{label(A)} joined with b-cli (account {B})"),
                                     ("holds", SSH, f"b-cli (account {B}) joined with {label(A)}")]


def test_a_damaged_snapshot_in_a_snapshot_folder_is_that_networks_error(tmp_path):
    """B's file is cut short. The folder is still the fleet `snapshot` wrote (ACCOUNT/REGION.json):
    B is an error entry with its file:line, A (alone now: its peer is not readable) and E are
    checked, and the run exits 2; before, the folder was read as one network and nothing was checked."""
    write_fleet(tmp_path / "fleet", peered_fleet())
    (tmp_path / "fleet" / B / f"{REGION}.json").write_text('{"Vpcs": [\n')
    (tmp_path / "spec.yaml").write_text(
        "assertions:\n  - {name: ssh, deny: {from: 10.1.0.0/16, to: 10.0.1.10, protocol: tcp, ports: [22]}}\n")
    done = run(["check", "spec.yaml", "--network", "fleet", "-f", "json"], 2, cwd=tmp_path,
               env={"SGVERIFY_CACHE": "0"})
    networks = {Path(n["path"]).parent.name: n for n in json.loads(done.stdout)["networks"]}
    assert sorted(networks) == [A, B, E]
    assert networks[B]["errors"] and f"fleet/{B}/{REGION}.json:2" in networks[B]["errors"][0]
    assert not networks[A]["errors"] and not networks[E]["errors"]
