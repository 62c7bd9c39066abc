"""Reading AWS describe output: every AWS fact the reader encodes, bad input, and proofs end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sgverify.errors import InputError, InputFileNotFound
from sgverify.inputs import load_network
from sgverify.inputs.aws.reader import load_aws, looks_like_aws, parse_aws
from sgverify.model import (
    ALL,
    ICMP,
    TCP,
    Cidr,
    CidrPeer,
    GroupPeer,
    Origin,
    PortRange,
    PrefixListPeer,
    Service,
    UnknownPeer,
    parse_address,
)
from sgverify.run.check import CheckRequest, run_check
from sgverify.solve.result import Verdict

ROOT = Path(__file__).resolve().parent.parent
OWNER = "111122223333"


def perm(proto, lo=None, hi=None, v4=(), v6=(), pls=(), pairs=()):
    p = {"IpProtocol": proto, "IpRanges": [{"CidrIp": c} for c in v4],
         "Ipv6Ranges": [{"CidrIpv6": c} for c in v6],
         "PrefixListIds": [{"PrefixListId": x} for x in pls], "UserIdGroupPairs": list(pairs)}
    if lo is not None:
        p["FromPort"], p["ToPort"] = lo, hi
    return p


def sg(gid, name=None, ingress=(), egress=()):
    return {"GroupId": gid, "GroupName": name or gid, "Description": "d", "OwnerId": OWNER,
            "VpcId": "vpc-1", "IpPermissions": list(ingress), "IpPermissionsEgress": list(egress)}


def eni(eid, ip, groups, **extra):
    e = {"NetworkInterfaceId": eid, "PrivateIpAddress": ip,
         "PrivateIpAddresses": [{"Primary": True, "PrivateIpAddress": ip}],
         "Groups": [{"GroupId": g, "GroupName": g} for g in groups], "SubnetId": "subnet-1",
         "VpcId": "vpc-1", "TagSet": []}
    e.update(extra)
    return e


def load(doc, path="net.json"):
    return parse_aws(json.dumps(doc), path)


def one_rule(ingress_perm):
    loaded = load({"SecurityGroups": [sg("sg-1", ingress=[ingress_perm])], "NetworkInterfaces": []})
    (rule,) = loaded.network.groups["sg-1"].ingress
    return rule


def errors_of(doc_text, path="net.json"):
    with pytest.raises(InputError) as info:
        parse_aws(doc_text, path)
    return [str(d) for d in info.value.diagnostics]


# --- protocols and ports -------------------------------------------------------------------------

def test_protocol_minus_one_is_every_protocol_and_port_whatever_the_ports_say():
    rule = one_rule(perm("-1", 22, 22, v4=["10.0.0.0/8"]))
    assert rule.service == Service(ALL)
    assert rule.service.intervals() == [(0, (1 << 24) - 1)]


def test_other_protocol_numbers_ignore_the_port_range():
    rule = one_rule(perm("47", 22, 22, v4=["10.0.0.0/8"]))
    assert rule.service == Service(47)
    assert rule.service.intervals() == [(47 << 16, (47 << 16) | 0xFFFF)]
    assert not any(lo <= (TCP << 16 | 22) <= hi for lo, hi in rule.service.intervals())


def test_numeric_tcp_keeps_its_ports():
    assert one_rule(perm("6", 80, 81, v4=["10.0.0.0/8"])).service == Service(TCP, (PortRange(80, 81),))


def test_tcp_zero_zero_is_port_zero_only():
    assert one_rule(perm("tcp", 0, 0, v4=["10.0.0.0/8"])).service.intervals() == [(TCP << 16, TCP << 16)]


def test_icmp_from_port_is_type_to_port_is_code():
    assert one_rule(perm("icmp", 8, 0, v4=["10.0.0.0/8"])).service == Service(ICMP, icmp_type=8, icmp_code=0)
    assert one_rule(perm("icmp", 3, -1, v4=["10.0.0.0/8"])).service == Service(ICMP, icmp_type=3)
    assert one_rule(perm("icmp", -1, -1, v4=["10.0.0.0/8"])).service == Service(ICMP)
    assert one_rule(perm("icmpv6", v6=["::/0"])).service == Service(58)


def test_tcp_without_ports_is_unknown_not_guessed():
    doc = {"SecurityGroups": [sg("sg-1", ingress=[perm("tcp", v4=["10.0.0.0/8"])])], "NetworkInterfaces": []}
    loaded = load(doc)
    (rule,) = loaded.network.groups["sg-1"].ingress
    assert rule.service_unknown
    assert any("no port range" in str(w) for w in loaded.warnings)


# --- peers -----------------------------------------------------------------------------------------

def test_each_peer_of_a_permission_is_one_rule_with_its_origin():
    p = perm("tcp", 443, 443, v4=["0.0.0.0/0"], v6=["::/0"], pairs=[{"GroupId": "sg-2", "UserId": OWNER}])
    doc = {"SecurityGroups": [sg("sg-1", ingress=[perm("tcp", 22, 22, v4=["10.0.0.0/8"]), p]), sg("sg-2")],
           "NetworkInterfaces": []}
    rules = load(doc).network.groups["sg-1"].ingress
    assert [r.index for r in rules] == [0, 1, 2, 3]
    assert [r.peer for r in rules[1:]] == [CidrPeer(Cidr.parse("0.0.0.0/0")), CidrPeer(Cidr.parse("::/0")),
                                           GroupPeer("sg-2")]
    assert rules[1].origin == Origin("net.json", None, "sg-1/IpPermissions[1].IpRanges[0]")
    assert str(rules[3].origin) == "net.json:sg-1/IpPermissions[1].UserIdGroupPairs[0]"


def test_default_egress_is_taken_as_shown_never_added():
    doc = {"SecurityGroups": [sg("sg-1"), sg("sg-2", egress=[perm("-1", v4=["0.0.0.0/0"])])],
           "NetworkInterfaces": []}
    groups = load(doc).network.groups
    assert groups["sg-1"].egress == ()
    assert [r.peer for r in groups["sg-2"].egress] == [CidrPeer(Cidr.parse("0.0.0.0/0"))]


def test_cross_account_group_is_opaque_with_a_warning_naming_the_referrer():
    pair = {"GroupId": "sg-0ther", "UserId": "999988887777"}
    loaded = load({"SecurityGroups": [sg("sg-1", ingress=[perm("tcp", 22, 22, pairs=[pair])])],
                   "NetworkInterfaces": []})
    other = loaded.network.groups["sg-0ther"]
    assert other.opaque and other.name == "999988887777/sg-0ther"
    assert loaded.network.groups["sg-1"].ingress[0].peer == GroupPeer("sg-0ther")
    (warning,) = loaded.warnings
    assert "sg-1/IpPermissions[0].UserIdGroupPairs[0]" in str(warning) and "999988887777/sg-0ther" in str(warning)


def test_deleted_peering_is_an_unknown_peer():
    pair = {"GroupId": "sg-9", "UserId": OWNER, "VpcPeeringConnectionId": "pcx-1", "PeeringStatus": "deleted"}
    loaded = load({"SecurityGroups": [sg("sg-1", ingress=[perm("tcp", 22, 22, pairs=[pair])])],
                   "NetworkInterfaces": []})
    assert isinstance(loaded.network.groups["sg-1"].ingress[0].peer, UnknownPeer)
    assert any("pcx-1" in str(w) for w in loaded.warnings)


def test_prefix_lists_known_and_unknown():
    doc = {"SecurityGroups": [sg("sg-1", ingress=[perm("tcp", 22, 22, pls=["pl-1", "pl-2"])])],
           "NetworkInterfaces": [],
           "PrefixLists": [{"PrefixListId": "pl-1", "PrefixListName": "office", "AddressFamily": "IPv4",
                            "MaxEntries": 5, "Entries": [{"Cidr": "198.51.100.0/24"}]},
                           {"PrefixListId": "pl-2", "AddressFamily": "IPv4"}]}  # entries not taken
    loaded = load(doc)
    first, second = loaded.network.groups["sg-1"].ingress
    assert first.peer == PrefixListPeer("pl-1")
    assert loaded.network.prefix_lists["pl-1"].cidrs == (Cidr.parse("198.51.100.0/24"),)
    assert loaded.network.prefix_lists["pl-1"].max_entries == 5
    assert isinstance(second.peer, UnknownPeer)
    assert any("pl-2" in str(w) for w in loaded.warnings)


def test_flat_security_group_rules_alone_and_agreeing_with_described_groups():
    flat = [{"SecurityGroupRuleId": "sgr-1", "GroupId": "sg-1", "GroupOwnerId": OWNER, "IsEgress": False,
             "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIpv4": "10.0.0.0/8"},
            {"SecurityGroupRuleId": "sgr-2", "GroupId": "sg-1", "GroupOwnerId": OWNER, "IsEgress": True,
             "IpProtocol": "-1", "FromPort": -1, "ToPort": -1, "CidrIpv4": "0.0.0.0/0"}]
    group = load({"SecurityGroupRules": flat, "NetworkInterfaces": []}).network.groups["sg-1"]
    assert [r.peer for r in group.ingress] == [CidrPeer(Cidr.parse("10.0.0.0/8"))]
    assert group.egress[0].service == Service(ALL)
    assert str(group.ingress[0].origin) == "net.json:sg-1/sgr-1"
    agreeing = sg("sg-1", ingress=[perm("tcp", 22, 22, v4=["10.0.0.0/8"])], egress=[perm("-1", v4=["0.0.0.0/0"])])
    load({"SecurityGroups": [agreeing], "SecurityGroupRules": flat, "NetworkInterfaces": []})
    differing = sg("sg-1", ingress=[perm("tcp", 23, 23, v4=["10.0.0.0/8"])], egress=[perm("-1", v4=["0.0.0.0/0"])])
    text = json.dumps({"SecurityGroups": [differing], "SecurityGroupRules": flat, "NetworkInterfaces": []})
    assert any("differ" in e for e in errors_of(text))


# --- network interfaces ------------------------------------------------------------------------------

def test_eni_addresses_names_and_subnets():
    e = eni("eni-1", "10.0.1.5", ["sg-1"], Ipv6Addresses=[{"Ipv6Address": "2001:db8::5"}],
            Association={"PublicIp": "203.0.113.5"}, Attachment={"InstanceId": "i-1"},
            TagSet=[{"Key": "Name", "Value": "web-eni"}])
    e["PrivateIpAddresses"].append({"Primary": False, "PrivateIpAddress": "10.0.1.6",
                                    "Association": {"PublicIp": "203.0.113.6"}})
    doc = {"SecurityGroups": [sg("sg-1")], "NetworkInterfaces": [e],
           "Reservations": [{"Instances": [{"InstanceId": "i-1", "Tags": [{"Key": "Name", "Value": "web-1"}]}]}],
           "Subnets": [{"SubnetId": "subnet-1", "CidrBlock": "10.0.1.0/24", "Ipv6CidrBlockAssociationSet": [
               {"Ipv6CidrBlock": "2001:db8::/64", "Ipv6CidrBlockState": {"State": "associated"}}]}]}
    e["Ipv6Address"] = "2001:db8::5"  # newer output repeats the primary IPv6 address
    r = load(doc).network.resources["eni-1"]
    assert r.groups == ("sg-1",)
    assert set(r.ips) == {parse_address("10.0.1.5"), parse_address("10.0.1.6"), parse_address("2001:db8::5")}
    assert set(r.public_ips) == {parse_address("203.0.113.5"), parse_address("203.0.113.6")}
    assert set(r.aliases) == {"i-1", "web-1", "web-eni"}
    assert r.subnets == (Cidr.parse("10.0.1.0/24"), Cidr.parse("2001:db8::/64"))


def test_carrier_and_customer_owned_addresses_are_the_enis_own():
    e = eni("eni-1", "10.0.1.5", ["sg-1"], Association={"CarrierIp": "155.146.0.9"})
    e["PrivateIpAddresses"][0]["Association"] = {"CustomerOwnedIp": "192.0.2.77"}
    r = load({"SecurityGroups": [sg("sg-1")], "NetworkInterfaces": [e]}).network.resources["eni-1"]
    assert set(r.public_ips) == {parse_address("155.146.0.9"), parse_address("192.0.2.77")}


def test_flat_rule_needs_a_direction():
    flat = [{"SecurityGroupRuleId": "sgr-1", "GroupId": "sg-1", "IpProtocol": "tcp", "FromPort": 22,
             "ToPort": 22, "CidrIpv4": "10.0.0.0/8"}]
    assert errors_of(json.dumps({"SecurityGroupRules": flat})) == [
        "net.json:SecurityGroupRules[0]: error: IsEgress must be true or false"]


def test_eni_without_groups_is_an_unfiltered_host_with_a_warning():
    loaded = load({"SecurityGroups": [], "NetworkInterfaces": [eni("eni-nat", "10.0.0.9", [])]})
    assert "eni-nat" not in loaded.network.resources
    assert any("eni-nat" in str(w) for w in loaded.warnings)


def test_delegated_prefixes_become_a_symbolic_resource():
    e = eni("eni-1", "10.0.1.5", ["sg-1"], Ipv4Prefixes=[{"Ipv4Prefix": "10.0.1.32/28"}])
    resources = load({"SecurityGroups": [sg("sg-1")], "NetworkInterfaces": [e]}).network.resources
    prefixes = resources["eni-1/prefixes"]
    assert prefixes.symbolic and prefixes.subnets == (Cidr.parse("10.0.1.32/28"),)
    assert prefixes.groups == ("sg-1",)


def test_group_on_an_eni_but_not_described_has_unknown_rules():
    loaded = load({"SecurityGroups": [], "NetworkInterfaces": [eni("eni-1", "10.0.0.5", ["sg-x"])]})
    group = loaded.network.groups["sg-x"]
    assert not group.opaque
    assert isinstance(group.ingress[0].peer, UnknownPeer) and isinstance(group.egress[0].peer, UnknownPeer)
    assert any("sg-x" in str(w) for w in loaded.warnings)


def test_without_network_interfaces_every_group_is_opaque():
    loaded = load({"SecurityGroups": [sg("sg-1")]})
    assert loaded.network.groups["sg-1"].opaque
    assert any("describe-network-interfaces" in str(w) for w in loaded.warnings)


def test_looks_like_aws():
    assert looks_like_aws({"SecurityGroups": []})
    assert looks_like_aws({"NetworkInterfaces": [], "ResponseMetadata": {}})
    assert not looks_like_aws({"security_groups": {}})
    assert not looks_like_aws([{"SecurityGroups": []}])


# --- bad input -----------------------------------------------------------------------------------------

def test_malformed_json_has_line_and_column():
    (error,) = errors_of('{"SecurityGroups": [\n  {"GroupId": "sg-1",}\n]}')
    assert error.startswith("net.json:2:") and "not valid JSON" in error


def test_invalid_cidr_and_port_each_have_a_location():
    doc = {"SecurityGroups": [sg("sg-1", ingress=[perm("tcp", 22, 22, v4=["10.0.0.300/8"]),
                                                    perm("tcp", 70000, 70000, v4=["10.0.0.0/8"]),
                                                    perm("tcp", 22, 22, v4=["::/0"])])],
           "NetworkInterfaces": []}
    errors = errors_of(json.dumps(doc))
    assert len(errors) == 3
    assert errors[0].startswith("net.json:sg-1/IpPermissions[0].IpRanges[0]: error: invalid CIDR")
    assert errors[1].startswith("net.json:sg-1/IpPermissions[1]: error:") and "70000" in errors[1]
    assert "not an IPv4 CIDR" in errors[2]


def test_bad_protocol_and_bad_rule_shape_are_errors():
    doc = {"SecurityGroups": [sg("sg-1", ingress=[perm("gre", v4=["10.0.0.0/8"]), "tcp"])],
           "NetworkInterfaces": []}
    errors = errors_of(json.dumps(doc))
    assert errors[0].startswith("net.json:sg-1/IpPermissions[0]: error: unknown protocol 'gre'")
    assert errors[1].startswith("net.json:sg-1/IpPermissions[1]: error: expected an object")


def test_wrong_document_shapes_are_errors():
    doc = {"SecurityGroups": [{"GroupName": "no-id"}], "NetworkInterfaces": {"eni-1": {}}}
    errors = errors_of(json.dumps(doc))
    assert errors == ["net.json:SecurityGroups[0]: error: missing GroupId",
                      "net.json:NetworkInterfaces: error: expected a list, not a mapping"]


def test_duplicate_address_across_enis_is_an_error():
    doc = {"SecurityGroups": [sg("sg-1")],
           "NetworkInterfaces": [eni("eni-1", "10.0.0.5", ["sg-1"]), eni("eni-2", "10.0.0.5", ["sg-1"])]}
    (error,) = errors_of(json.dumps(doc))
    assert "10.0.0.5" in error and "eni-1" in error and "eni-2" in error


def test_not_aws_and_missing_file(tmp_path):
    (error,) = errors_of('{"Foo": []}')
    assert "not AWS describe output" in error
    with pytest.raises(InputFileNotFound):
        load_aws(tmp_path / "missing.json")


def test_folder_of_describe_outputs(tmp_path):
    (tmp_path / "groups.json").write_text(json.dumps(
        {"SecurityGroups": [sg("sg-1", ingress=[perm("tcp", 22, 22, pls=["pl-0abc"])])]}))
    (tmp_path / "enis.json").write_text(json.dumps({"NetworkInterfaces": [eni("eni-1", "10.0.0.5", ["sg-1"])]}))
    (tmp_path / "pl-0abc.json").write_text(json.dumps({"Entries": [{"Cidr": "198.51.100.0/24"}]}))
    loaded = load_aws(tmp_path)
    assert loaded.network.groups["sg-1"].ingress[0].peer == PrefixListPeer("pl-0abc")
    assert set(loaded.network.resources) == {"eni-1"}
    assert loaded.warnings == ()
    assert load_network(str(tmp_path)).network.input_format == "aws"


def test_same_object_described_differently_in_two_files(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps({"SecurityGroups": [sg("sg-1")]}))
    (tmp_path / "b.json").write_text(json.dumps({"SecurityGroups": [sg("sg-1", name="other")]}))
    with pytest.raises(InputError) as info:
        load_aws(tmp_path)
    assert "described, differently" in str(info.value)


def test_cli_bad_snapshot_is_exit_2_without_traceback(tmp_path):
    net = tmp_path / "net.json"
    net.write_text(json.dumps({"SecurityGroups": [sg("sg-1", ingress=[perm("tcp", 5, 1, v4=["1.2.3.4/32"])])],
                               "NetworkInterfaces": []}))
    spec = tmp_path / "spec.yaml"
    spec.write_text("network: net.json\nassertions:\n  - name: x\n    deny: {from: any, to: sg-1}\n")
    done = subprocess.run([sys.executable, "-m", "sgverify", "check", str(spec)], capture_output=True,
                          text=True, cwd=ROOT)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "sg-1/IpPermissions[0]" in done.stderr and "backwards" in done.stderr


# --- proofs end to end -----------------------------------------------------------------------------------

def verdicts(tmp_path, doc, assertions):
    (tmp_path / "net.json").write_text(json.dumps(doc))
    spec = tmp_path / "spec.yaml"
    spec.write_text("network: net.json\nassertions:\n" + assertions)
    outcomes = run_check(CheckRequest(specs=(str(spec),)))
    return {r.assertion.name: r.verdict for o in outcomes for r in o.results}


OPEN = [perm("-1", v4=["0.0.0.0/0"], v6=["::/0"])]


def test_end_to_end_protocols_groups_and_opaque_peers(tmp_path):
    doc = {"SecurityGroups": [
        sg("sg-web", "web", ingress=[perm("47", 22, 22, v4=["0.0.0.0/0"]), perm("tcp", 0, 0, v4=["0.0.0.0/0"])],
           egress=OPEN),
        sg("sg-db", "db", ingress=[perm("tcp", 5432, 5432, pairs=[{"GroupId": "sg-web", "UserId": OWNER}]),
                                   perm("tcp", 9000, 9000, pairs=[{"GroupId": "sg-far", "UserId": "999988887777"}])],
           egress=OPEN)],
        "NetworkInterfaces": [eni("eni-web", "10.0.0.5", ["sg-web"], Association={"PublicIp": "203.0.113.5"},
                                  TagSet=[{"Key": "Name", "Value": "web-1"}]),
                              eni("eni-db", "10.0.0.6", ["sg-db"])]}
    found = verdicts(tmp_path, doc, """
  - name: gre never opens ssh
    deny: {from: any, to: web-1, protocol: tcp, ports: 22}
  - name: gre is open
    allow: {from: internet, to: web-1, protocol: 47}
  - name: port 0 only
    deny: {from: any, to: web-1, protocol: tcp, ports: 1-65535}
  - name: web reaches postgres
    allow: {from: 10.0.0.5, to: eni-db, protocol: tcp, ports: 5432}
  - name: web's public address is no member
    deny: {from: 203.0.113.5, to: eni-db, protocol: tcp, ports: 5432}
  - name: only web reaches postgres
    only: {from: web, to: db, protocol: tcp, ports: 5432}
  - name: the internet cannot reach port 9000
    deny: {from: internet, to: db, protocol: tcp, ports: 9000}
  - name: the internet reaches port 9000
    allow: {from: internet, to: db, protocol: tcp, ports: 9000}
  - name: the far group reaches port 9000
    allow: {from: sg-far, to: db, protocol: tcp, ports: 9000}
""")
    assert found == {
        "gre never opens ssh": Verdict.HOLDS, "gre is open": Verdict.HOLDS, "port 0 only": Verdict.HOLDS,
        "web reaches postgres": Verdict.HOLDS, "web's public address is no member": Verdict.HOLDS,
        "only web reaches postgres": Verdict.HOLDS,
        # a group of another account may have any outside member (or none): no proof either way
        "the internet cannot reach port 9000": Verdict.VIOLATED,
        "the internet reaches port 9000": Verdict.VIOLATED,
        # ...but whoever is a member is admitted
        "the far group reaches port 9000": Verdict.HOLDS,
    }


def test_end_to_end_unknown_prefix_list_proves_nothing(tmp_path):
    doc = {"SecurityGroups": [sg("sg-1", ingress=[perm("tcp", 22, 22, pls=["pl-gone"])], egress=OPEN)],
           "NetworkInterfaces": [eni("eni-1", "10.0.0.5", ["sg-1"])]}
    found = verdicts(tmp_path, doc, """
  - name: closed
    deny: {from: internet, to: eni-1, protocol: tcp, ports: 22}
  - name: open
    allow: {from: 198.51.100.1, to: eni-1, protocol: tcp, ports: 22}
""")
    assert found == {"closed": Verdict.VIOLATED, "open": Verdict.VIOLATED}


def test_self_reference_and_ipv6_members(tmp_path):
    doc = {"SecurityGroups": [sg("sg-1", ingress=[perm("-1", pairs=[{"GroupId": "sg-1", "UserId": OWNER}])],
                                 egress=OPEN)],
           "NetworkInterfaces": [eni("eni-1", "10.0.0.5", ["sg-1"], Ipv6Addresses=[{"Ipv6Address": "2001:db8::5"}]),
                                 eni("eni-2", "10.0.0.6", ["sg-1"], Ipv6Addresses=[{"Ipv6Address": "2001:db8::6"}])]}
    found = verdicts(tmp_path, doc, """
  - name: members reach each other over both families
    allow: {from: eni-1, to: eni-2}
  - name: nobody else
    only: {from: sg-1, to: sg-1}
""")
    assert found == {"members reach each other over both families": Verdict.HOLDS, "nobody else": Verdict.HOLDS}


def test_example_snapshot_spec_holds():
    done = subprocess.run([sys.executable, "-m", "sgverify", "check", "specs/aws/shop.yaml"],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "8 hold" in done.stdout


def test_spec_names_ids_tags_and_ambiguity(tmp_path):
    def tagged(eid, ip, name, instance):
        return eni(eid, ip, ["sg-1"], TagSet=[{"Key": "Name", "Value": name}], Attachment={"InstanceId": instance})

    doc = {"SecurityGroups": [sg("sg-1", "web", ingress=[perm("tcp", 443, 443, v4=["0.0.0.0/0"])], egress=OPEN)],
           "NetworkInterfaces": [tagged("eni-1", "10.0.0.1", "web-a", "i-1"),
                                 tagged("eni-2", "10.0.0.2", "web-a", "i-1"),
                                 tagged("eni-3", "10.0.0.3", "web-b", "i-2")]}
    found = verdicts(tmp_path, doc, """
  - name: by tag
    allow: {from: internet, to: web-b, protocol: tcp, ports: 443}
  - name: by instance, eni, group id and group name
    deny: {from: any, to: [i-2, eni-1, sg-1, web], protocol: tcp, ports: 22}
""")
    assert found == {"by tag": Verdict.HOLDS, "by instance, eni, group id and group name": Verdict.HOLDS}
    spec = tmp_path / "spec.yaml"
    spec.write_text("network: net.json\nassertions:\n  - name: x\n    deny: {from: any, to: [web-a, i-1]}\n")
    done = subprocess.run([sys.executable, "-m", "sgverify", "check", str(spec)], capture_output=True,
                          text=True, cwd=ROOT)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 2 and all("'eni-1', 'eni-2'" in line for line in lines), lines
