"""Reading the VPC path layer from AWS describe output: every element, bad input, and moto.

Inline documents are shaped as the AWS CLI prints them. `build_vpc_world`
is shared with the moto_server test, which snapshots the same world through
a real server process and the real command line.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
from moto import mock_aws
from moto.core import set_initial_no_auth_action_count
from typer.testing import CliRunner

from sgverify.cli.app import _register, app
from sgverify.errors import InputError
from sgverify.inputs.aws.pull import PullOptions, take_snapshot, write_snapshot
from sgverify.inputs.aws.reader import load_aws, parse_aws
from sgverify.model import ICMP, TCP, UDP, Cidr, PortRange, Service, parse_address
from sgverify.model.topology import AclAction, Subnet, TargetKind, TgwRoute

ROOT = Path(__file__).resolve().parent.parent
REGION = "us-east-1"
OWNER = "111122223333"


def tags(name):
    return [{"Key": "Name", "Value": name}] if name else []


def vpc(vid, *v4, v6=(), name="", gone=()):
    sets = [{"CidrBlock": c, "CidrBlockState": {"State": "associated"}} for c in v4]
    sets += [{"CidrBlock": c, "CidrBlockState": {"State": "disassociated"}} for c in gone]
    return {"VpcId": vid, "OwnerId": OWNER, "State": "available", "CidrBlock": v4[0] if v4 else None,
            "CidrBlockAssociationSet": sets,
            "Ipv6CidrBlockAssociationSet": [{"Ipv6CidrBlock": c, "Ipv6CidrBlockState": {"State": "associated"}}
                                            for c in v6], "Tags": tags(name)}


def subnet(sid, vid, cidr, v6=None, public=False, name=""):
    s = {"SubnetId": sid, "VpcId": vid, "CidrBlock": cidr, "MapPublicIpOnLaunch": public, "Tags": tags(name),
         "Ipv6CidrBlockAssociationSet": []}
    if v6:
        s["Ipv6CidrBlockAssociationSet"].append({"Ipv6CidrBlock": v6, "Ipv6CidrBlockState": {"State": "associated"}})
    return s


def table(tid, vid, routes=(), subnets=(), main=False):
    assocs = [{"Main": False, "SubnetId": s, "RouteTableId": tid, "AssociationState": {"State": "associated"}}
              for s in subnets]
    if main:
        assocs.append({"Main": True, "RouteTableId": tid, "AssociationState": {"State": "associated"}})
    return {"RouteTableId": tid, "VpcId": vid, "Routes": list(routes), "Associations": assocs, "Tags": []}


def route(dest, **target):
    key = ("DestinationPrefixListId" if dest.startswith("pl-") else
           "DestinationIpv6CidrBlock" if ":" in dest else "DestinationCidrBlock")
    r = {key: dest, "Origin": "CreateRoute", "State": "active"}
    r.update(target)
    return r


def entry(number, egress, action, cidr, protocol="-1", **extra):
    e = {"RuleNumber": number, "Egress": egress, "RuleAction": action, "Protocol": protocol,
         ("Ipv6CidrBlock" if ":" in cidr else "CidrBlock"): cidr}
    e.update(extra)
    return e


def acl(aid, vid, entries=(), subnets=(), default=False):
    implicit = [entry(32767, e, "deny", "0.0.0.0/0") for e in (False, True)]
    return {"NetworkAclId": aid, "VpcId": vid, "IsDefault": default, "Entries": list(entries) + implicit,
            "Associations": [{"NetworkAclAssociationId": f"aclassoc-{s}", "NetworkAclId": aid, "SubnetId": s}
                             for s in subnets], "Tags": []}


def eni(eid, ip, groups, subnet_id="subnet-a1", vpc_id="vpc-a", **extra):
    e = {"NetworkInterfaceId": eid, "PrivateIpAddress": ip, "SubnetId": subnet_id, "VpcId": vpc_id,
         "PrivateIpAddresses": [{"Primary": True, "PrivateIpAddress": ip}],
         "Groups": [{"GroupId": g, "GroupName": g} for g in groups], "TagSet": [], "SourceDestCheck": True}
    e.update(extra)
    return e


def sg(gid, vid="vpc-a"):
    return {"GroupId": gid, "GroupName": gid, "Description": "d", "OwnerId": OWNER, "VpcId": vid,
            "IpPermissions": [], "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}


def base():
    """Two VPCs reusing 10.0.0.0/16, each with a subnet, a main table and a default NACL."""
    return {
        "Vpcs": [vpc("vpc-a", "10.0.0.0/16", v6=["2001:db8:a::/56"], name="prod"), vpc("vpc-b", "10.0.0.0/16")],
        "Subnets": [subnet("subnet-a1", "vpc-a", "10.0.1.0/24", v6="2001:db8:a:1::/64", public=True, name="web"),
                    subnet("subnet-a2", "vpc-a", "10.0.2.0/24"), subnet("subnet-b1", "vpc-b", "10.0.1.0/24")],
        "RouteTables": [table("rtb-a-main", "vpc-a", [route("10.0.0.0/16", GatewayId="local")], main=True),
                        table("rtb-b-main", "vpc-b", main=True)],
        "NetworkAcls": [acl("acl-a-default", "vpc-a", [entry(100, False, "allow", "0.0.0.0/0"),
                                                        entry(100, True, "allow", "0.0.0.0/0")],
                            subnets=["subnet-a1", "subnet-a2"], default=True),
                        acl("acl-b-default", "vpc-b", subnets=["subnet-b1"], default=True)],
        "SecurityGroups": [sg("sg-a"), sg("sg-b", "vpc-b")],
        "NetworkInterfaces": [],
    }


def load(doc, path="snapshot.json"):
    return parse_aws(json.dumps(doc), path)


def errors_of(doc, path="snapshot.json"):
    with pytest.raises(InputError) as info:
        load(doc, path)
    return [str(d) for d in info.value.diagnostics]


def cidr(text):
    return Cidr.parse(text)


# --- VPCs and subnets --------------------------------------------------------------------------------

def test_vpc_blocks_are_its_associated_blocks_only():
    doc = base()
    doc["Vpcs"][0] = vpc("vpc-a", "10.0.0.0/16", "10.5.0.0/16", v6=["2001:db8:a::/56"], gone=["10.9.0.0/16"],
                         name="prod")
    doc["SgverifySnapshot"] = {"Version": 2, "Region": "eu-west-1", "LeftOut": []}
    topology = load(doc).network.topology
    a = topology.vpcs["vpc-a"]
    assert a.cidrs == (cidr("10.0.0.0/16"), cidr("10.5.0.0/16"), cidr("2001:db8:a::/56"))
    assert (a.name, a.account, a.region) == ("prod", OWNER, "eu-west-1")
    assert str(a.origin) == "snapshot.json:Vpcs[0]"


def test_vpc_without_an_association_set_has_its_primary_block():
    doc = base()
    doc["Vpcs"][1] = {"VpcId": "vpc-b", "CidrBlock": "10.0.0.0/16"}
    assert load(doc).network.topology.vpcs["vpc-b"].cidrs == (cidr("10.0.0.0/16"),)


def test_subnets_blocks_flags_and_what_they_get():
    doc = base()
    doc["RouteTables"].append(table("rtb-public", "vpc-a", [route("0.0.0.0/0", GatewayId="igw-a")],
                                    subnets=["subnet-a1"]))
    doc["InternetGateways"] = [{"InternetGatewayId": "igw-a", "Attachments": [{"State": "available",
                                                                               "VpcId": "vpc-a"}]}]
    topology = load(doc).network.topology
    web, private = topology.subnets["subnet-a1"], topology.subnets["subnet-a2"]
    assert web.cidrs == (cidr("10.0.1.0/24"), cidr("2001:db8:a:1::/64"))
    assert web.map_public_ip and not private.map_public_ip and web.name == "web"
    assert (web.vpc, web.route_table, web.nacl) == ("vpc-a", "rtb-public", "acl-a-default")
    assert private.route_table is None and topology.route_table_of(private) == "rtb-a-main"
    assert topology.nacl_of(private) == "acl-a-default"
    assert topology.subnets["subnet-b1"].vpc == "vpc-b"
    assert topology.subnet_at("vpc-b", *parse_address("10.0.1.9")).key == "subnet-b1"


# --- route tables ------------------------------------------------------------------------------------

def test_every_route_target_and_destination():
    routes = [
        route("10.0.0.0/16", GatewayId="local"),  # the VPC's block: implicit, not a route
        route("2001:db8:a::/56", GatewayId="local"),
        route("0.0.0.0/0", GatewayId="igw-a"),
        route("::/0", EgressOnlyInternetGatewayId="eigw-a"),
        route("172.16.0.0/16", NatGatewayId="nat-a"),
        route("10.1.0.0/16", VpcPeeringConnectionId="pcx-ac"),
        route("10.2.0.0/16", TransitGatewayId="tgw-1"),
        route("pl-0a53", GatewayId="vpce-s3"),
        route("10.3.0.0/16", GatewayId="vgw-1", Origin="EnableVgwRoutePropagation"),
        route("10.4.0.0/16", InstanceId="i-fw", InstanceOwnerId=OWNER, NetworkInterfaceId="eni-fw"),
        route("10.5.0.0/16", InstanceId="i-fw"),
        route("10.6.0.0/16", CarrierGatewayId="cagw-1"),
        route("10.7.0.0/16", LocalGatewayId="lgw-1"),
        route("10.8.0.0/16", CoreNetworkArn="arn:aws:networkmanager::1:core-network/cn-1"),
        {**route("192.168.0.0/16", VpcPeeringConnectionId="pcx-gone"), "State": "blackhole"},
        {"DestinationCidrBlock": "192.169.0.0/16", "State": "blackhole"},
        route("10.0.1.0/24", NetworkInterfaceId="eni-fw"),  # more specific than local: an appliance
    ]
    doc = base()
    doc["RouteTables"][0] = table("rtb-a-main", "vpc-a", routes, main=True)
    loaded = load(doc)
    found = loaded.network.topology.route_tables["rtb-a-main"]
    assert found.is_main and found.vpc == "vpc-a"
    got = [(r.destination_text, r.target_kind, r.target, r.blackhole) for r in found.routes]
    assert got == [
        ("0.0.0.0/0", TargetKind.INTERNET_GATEWAY, "igw-a", False),
        ("::/0", TargetKind.EGRESS_ONLY_GATEWAY, "eigw-a", False),
        ("172.16.0.0/16", TargetKind.NAT_GATEWAY, "nat-a", False),
        ("10.1.0.0/16", TargetKind.PEERING, "pcx-ac", False),
        ("10.2.0.0/16", TargetKind.TRANSIT_GATEWAY, "tgw-1", False),
        ("pl-0a53", TargetKind.GATEWAY_ENDPOINT, "vpce-s3", False),
        ("10.3.0.0/16", TargetKind.VPN_GATEWAY, "vgw-1", False),
        ("10.4.0.0/16", TargetKind.INTERFACE, "eni-fw", False),
        ("10.5.0.0/16", TargetKind.INTERFACE, "i-fw", False),
        ("10.6.0.0/16", TargetKind.OTHER, "cagw-1", False),
        ("10.7.0.0/16", TargetKind.OTHER, "lgw-1", False),
        ("10.8.0.0/16", TargetKind.OTHER, "arn:aws:networkmanager::1:core-network/cn-1", False),
        ("192.168.0.0/16", TargetKind.PEERING, "pcx-gone", True),
        ("192.169.0.0/16", TargetKind.OTHER, "", True),
        ("10.0.1.0/24", TargetKind.INTERFACE, "eni-fw", False),
    ]
    assert found.routes[5].prefix_list == "pl-0a53" and found.routes[5].destination is None
    assert str(found.routes[0].origin) == "snapshot.json:RouteTables[0].Routes[2]"
    # targets that are not in the input are free choices, each named once
    absent = [str(w) for w in loaded.warnings if "which is not in the input; what it delivers" in str(w)]
    assert any("RouteTables[0].Routes[2]" in w and "igw-a" in w for w in absent)
    assert any("vgw-1" in w for w in absent) and any("cagw-1" in w for w in absent)
    assert not any("pcx-gone" in w or "192.169" in w for w in absent)  # blackholes deliver nothing


def test_local_route_of_an_undescribed_vpc_is_kept():
    doc = base()
    doc["RouteTables"].append(table("rtb-x", "vpc-x", [route("10.9.0.0/16", GatewayId="local")]))
    (r,) = load(doc).network.topology.route_tables["rtb-x"].routes
    assert r.target_kind is TargetKind.LOCAL and r.destination == cidr("10.9.0.0/16")


def test_edge_association_is_not_modelled_with_a_warning():
    doc = base()
    doc["RouteTables"].append(table("rtb-edge", "vpc-a"))
    doc["RouteTables"][-1]["Associations"] = [{"Main": False, "GatewayId": "igw-a",
                                               "AssociationState": {"State": "associated"}},
                                              {"Main": False, "SubnetId": "subnet-a2",
                                               "AssociationState": {"State": "disassociated"}}]
    loaded = load(doc)
    assert any("RouteTables[2].Associations[0]" in str(w) and "igw-a" in str(w) for w in loaded.warnings)
    assert loaded.network.topology.subnets["subnet-a2"].route_table is None


# --- network ACLs ------------------------------------------------------------------------------------

def test_nacl_entries_every_protocol_ordered_and_without_the_implicit_deny():
    entries = [
        entry(200, False, "deny", "198.51.100.0/24"),
        entry(100, False, "allow", "0.0.0.0/0", "6", PortRange={"From": 443, "To": 443}),
        entry(110, False, "allow", "0.0.0.0/0", "17", PortRange={"From": 1024, "To": 65535}),
        entry(120, False, "allow", "10.0.0.0/8", "1", IcmpTypeCode={"Type": 8, "Code": -1}),
        entry(130, False, "allow", "10.0.0.0/8", "1", IcmpTypeCode={"Type": -1, "Code": -1}),
        entry(140, False, "allow", "::/0", "58", IcmpTypeCode={"Type": 128, "Code": 0}),
        entry(150, False, "allow", "10.0.0.0/8", "47"),
        entry(100, True, "allow", "0.0.0.0/0"),
        entry(101, True, "allow", "::/0"),
        entry(32767, False, "deny", "::/0"),
    ]
    doc = base()
    doc["NetworkAcls"].append(acl("acl-web", "vpc-a", entries))
    doc["NetworkAcls"][0]["Associations"].pop(0)
    doc["NetworkAcls"][1 + 1]["Associations"] = [{"NetworkAclId": "acl-web", "SubnetId": "subnet-a1"}]
    topology = load(doc).network.topology
    web = topology.nacls["acl-web"]
    assert not web.is_default and topology.nacls["acl-a-default"].is_default
    assert topology.subnets["subnet-a1"].nacl == "acl-web"
    assert [e.number for e in web.inbound] == [100, 110, 120, 130, 140, 150, 200]
    assert [e.number for e in web.outbound] == [100, 101]
    services = [e.service for e in web.inbound]
    assert services[:6] == [Service(TCP, (PortRange(443, 443),)), Service(UDP, (PortRange(1024, 65535),)),
                            Service(ICMP, icmp_type=8), Service(ICMP), Service(58, icmp_type=128, icmp_code=0),
                            Service(47)]
    assert web.inbound[-1].action is AclAction.DENY and web.inbound[-1].cidr == cidr("198.51.100.0/24")
    assert web.inbound[0].action is AclAction.ALLOW and not web.inbound[0].egress
    assert web.outbound[1].cidr == cidr("::/0") and web.outbound[1].egress
    assert str(web.inbound[0].origin) == "snapshot.json:NetworkAcls[2].Entries[1]"
    assert topology.nacls["acl-b-default"].inbound == ()  # only the implicit deny


# --- gateways, peerings, endpoints ---------------------------------------------------------------------

def test_internet_egress_only_and_nat_gateways():
    doc = base()
    doc["InternetGateways"] = [
        {"InternetGatewayId": "igw-a", "Attachments": [{"State": "available", "VpcId": "vpc-a"}], "Tags": tags("i")},
        {"InternetGatewayId": "igw-loose", "Attachments": []}]
    doc["EgressOnlyInternetGateways"] = [
        {"EgressOnlyInternetGatewayId": "eigw-a", "Attachments": [{"State": "attached", "VpcId": "vpc-a"}]}]
    doc["NatGateways"] = [
        {"NatGatewayId": "nat-a", "SubnetId": "subnet-a1", "VpcId": "vpc-a", "State": "available",
         "ConnectivityType": "public",
         "NatGatewayAddresses": [{"PrivateIp": "10.0.1.5", "PublicIp": "54.0.0.5", "IsPrimary": True,
                                  "Status": "succeeded"}]},
        {"NatGatewayId": "nat-p", "SubnetId": "subnet-a2", "State": "pending", "ConnectivityType": "private",
         "NatGatewayAddresses": [{"PrivateIp": "10.0.2.5"}]},
        {"NatGatewayId": "nat-two", "SubnetId": "subnet-a1", "State": "available",
         "NatGatewayAddresses": [{"PrivateIp": "10.0.1.6", "PublicIp": "54.0.0.6"},
                                 {"PrivateIp": "10.0.1.7", "PublicIp": "54.0.0.7"}]},
        {"NatGatewayId": "nat-gone", "SubnetId": "subnet-a1", "State": "deleted", "NatGatewayAddresses": []}]
    loaded = load(doc)
    topology = loaded.network.topology
    assert topology.internet_gateways["igw-a"].vpc == "vpc-a" and topology.internet_gateways["igw-a"].name == "i"
    assert topology.internet_gateways["igw-loose"].vpc is None
    assert topology.internet_gateway_of("vpc-a").key == "igw-a"
    assert topology.egress_only_gateways["eigw-a"].vpc == "vpc-a"
    nat = topology.nat_gateways["nat-a"]
    assert (nat.subnet, nat.public, nat.private_ip, nat.public_ip) == \
        ("subnet-a1", True, parse_address("10.0.1.5")[1], parse_address("54.0.0.5")[1])
    private = topology.nat_gateways["nat-p"]
    assert not private.public and private.private_ip == parse_address("10.0.2.5")[1] and private.public_ip is None
    two = topology.nat_gateways["nat-two"]
    assert two.private_ip is None and two.public_ip is None  # which one is used: unknown
    assert any("nat-two has 2 addresses" in str(w) for w in loaded.warnings)
    assert "nat-gone" not in topology.nat_gateways


def test_peerings_and_their_status():
    doc = base()
    doc["VpcPeeringConnections"] = [
        {"VpcPeeringConnectionId": "pcx-ab", "Status": {"Code": "active", "Message": "Active"},
         "RequesterVpcInfo": {"VpcId": "vpc-a", "CidrBlock": "10.0.0.0/16", "OwnerId": OWNER},
         "AccepterVpcInfo": {"VpcId": "vpc-c", "CidrBlock": "10.1.0.0/16", "OwnerId": "999988887777"}},
        {"VpcPeeringConnectionId": "pcx-wait", "Status": {"Code": "pending-acceptance"},
         "RequesterVpcInfo": {"VpcId": "vpc-a"}, "AccepterVpcInfo": {"VpcId": "vpc-b"}}]
    peerings = load(doc).network.topology.peerings
    ab = peerings["pcx-ab"]
    assert (ab.requester_vpc, ab.accepter_vpc, ab.active) == ("vpc-a", "vpc-c", True)
    assert ab.other("vpc-c") == "vpc-a"
    assert not peerings["pcx-wait"].active


def test_gateway_endpoint_and_its_service_prefix_list():
    doc = base()
    doc["RouteTables"][0]["Routes"].append(route("pl-0a53", GatewayId="vpce-s3"))
    doc["RouteTables"][0]["Routes"].append(route("pl-ddb", GatewayId="vpce-ddb"))
    doc["PrefixLists"] = [{"PrefixListId": "pl-0a53", "PrefixListName": "com.amazonaws.us-east-1.s3",
                           "AddressFamily": "IPv4", "OwnerId": "AWS", "Entries": [{"Cidr": "52.216.0.0/15"}]}]
    doc["VpcEndpoints"] = [
        {"VpcEndpointId": "vpce-s3", "VpcEndpointType": "Gateway", "VpcId": "vpc-a", "State": "available",
         "ServiceName": "com.amazonaws.us-east-1.s3", "RouteTableIds": ["rtb-a-main"]},
        {"VpcEndpointId": "vpce-ddb", "VpcEndpointType": "Gateway", "VpcId": "vpc-a", "State": "available",
         "ServiceName": "com.amazonaws.us-east-1.dynamodb", "RouteTableIds": ["rtb-a-main"]},
        {"VpcEndpointId": "vpce-api", "VpcEndpointType": "Interface", "VpcId": "vpc-a", "State": "available",
         "ServiceName": "com.amazonaws.us-east-1.execute-api", "NetworkInterfaceIds": ["eni-api"]},
        {"VpcEndpointId": "vpce-gwlb", "VpcEndpointType": "GatewayLoadBalancer", "VpcId": "vpc-a",
         "State": "available", "ServiceName": "com.amazonaws.vpce.us-east-1.vpce-svc-1"}]
    loaded = load(doc)
    endpoints = loaded.network.topology.endpoints
    s3 = endpoints["vpce-s3"]
    assert (s3.vpc, s3.service, s3.kind, s3.prefix_list, s3.route_tables) == \
        ("vpc-a", "com.amazonaws.us-east-1.s3", "Gateway", "pl-0a53", ("rtb-a-main",))
    assert loaded.network.prefix_lists["pl-0a53"].cidrs == (cidr("52.216.0.0/15"),)
    assert endpoints["vpce-ddb"].prefix_list == "pl-ddb"  # from the route that targets it
    assert set(endpoints) == {"vpce-s3", "vpce-ddb"}
    assert any("vpce-gwlb" in str(w) and "not modelled" in str(w) for w in loaded.warnings)


def test_prefix_list_from_describe_prefix_lists_and_managed_lists_together(tmp_path):
    (tmp_path / "managed.json").write_text(json.dumps({"PrefixLists": [
        {"PrefixListId": "pl-0a53", "PrefixListName": "com.amazonaws.us-east-1.s3", "AddressFamily": "IPv4",
         "OwnerId": "AWS"}]}))
    (tmp_path / "aws-lists.json").write_text(json.dumps({"PrefixLists": [
        {"PrefixListId": "pl-0a53", "PrefixListName": "com.amazonaws.us-east-1.s3",
         "Cidrs": ["52.216.0.0/15", "3.5.0.0/19"]}]}))
    (tmp_path / "pl-0a53.json").write_text(json.dumps({"Entries": [{"Cidr": "3.5.0.0/19"},
                                                                 {"Cidr": "52.216.0.0/15"}]}))
    (tmp_path / "groups.json").write_text(json.dumps({"SecurityGroups": [sg("sg-a")], "NetworkInterfaces": []}))
    listed = load_aws(tmp_path).network.prefix_lists["pl-0a53"]
    assert set(listed.cidrs) == {cidr("52.216.0.0/15"), cidr("3.5.0.0/19")}


# --- transit gateways ---------------------------------------------------------------------------------

def transit_doc():
    doc = base()
    doc["TransitGateways"] = [{"TransitGatewayId": "tgw-1", "State": "available", "Tags": tags("hub")}]
    doc["TransitGatewayAttachments"] = [
        {"TransitGatewayAttachmentId": "tgw-attach-a", "TransitGatewayId": "tgw-1", "ResourceType": "vpc",
         "ResourceId": "vpc-a", "State": "available",
         "Association": {"TransitGatewayRouteTableId": "tgw-rtb-1", "State": "associated"}},
        {"TransitGatewayAttachmentId": "tgw-attach-b", "TransitGatewayId": "tgw-1", "ResourceType": "vpc",
         "ResourceId": "vpc-b", "State": "available",
         "Association": {"TransitGatewayRouteTableId": "tgw-rtb-1", "State": "associated"}},
        {"TransitGatewayAttachmentId": "tgw-attach-vpn", "TransitGatewayId": "tgw-1", "ResourceType": "vpn",
         "ResourceId": "vpn-1", "State": "available"},
        {"TransitGatewayAttachmentId": "tgw-attach-new", "TransitGatewayId": "tgw-1", "ResourceType": "vpc",
         "ResourceId": "vpc-b", "State": "pendingAcceptance"}]
    doc["TransitGatewayVpcAttachments"] = [
        {"TransitGatewayAttachmentId": "tgw-attach-a", "TransitGatewayId": "tgw-1", "VpcId": "vpc-a",
         "State": "available", "SubnetIds": ["subnet-a2"]},
        {"TransitGatewayAttachmentId": "tgw-attach-b", "TransitGatewayId": "tgw-1", "VpcId": "vpc-b",
         "State": "available", "SubnetIds": ["subnet-b1"]}]
    doc["PrefixLists"] = [{"PrefixListId": "pl-dc", "AddressFamily": "IPv4",
                           "Entries": [{"Cidr": "172.20.0.0/16"}, {"Cidr": "172.21.0.0/16"}]}]
    doc["TransitGatewayRouteTables"] = [
        {"TransitGatewayRouteTableId": "tgw-rtb-1", "TransitGatewayId": "tgw-1", "State": "available",
         "Routes": [
             {"DestinationCidrBlock": "10.9.0.0/16", "Type": "static", "State": "active",
              "TransitGatewayAttachments": [{"TransitGatewayAttachmentId": "tgw-attach-b", "ResourceType": "vpc",
                                             "ResourceId": "vpc-b"}]},
             {"DestinationCidrBlock": "10.8.0.0/16", "Type": "static", "State": "blackhole"},
             {"DestinationCidrBlock": "192.168.0.0/16", "Type": "propagated", "State": "active",
              "TransitGatewayAttachments": [{"TransitGatewayAttachmentId": "tgw-attach-vpn"},
                                            {"TransitGatewayAttachmentId": "tgw-attach-a"}]},
             {"PrefixListId": "pl-dc", "Type": "static", "State": "active",
              "TransitGatewayAttachments": [{"TransitGatewayAttachmentId": "tgw-attach-vpn"}]}],
         "AdditionalRoutesAvailable": False,
         "TransitGatewayRouteTablePropagations": [
             {"TransitGatewayAttachmentId": "tgw-attach-a", "ResourceId": "vpc-a", "State": "enabled"},
             {"TransitGatewayAttachmentId": "tgw-attach-b", "ResourceId": "vpc-b", "State": "disabled"}]},
        {"TransitGatewayRouteTableId": "tgw-rtb-unsearched", "TransitGatewayId": "tgw-1", "State": "available"}]
    return doc


def test_transit_gateway_attachments_route_tables_and_propagations():
    loaded = load(transit_doc())
    topology = loaded.network.topology
    assert topology.transit_gateways["tgw-1"].name == "hub"
    a = topology.tgw_attachments["tgw-attach-a"]
    assert (a.transit_gateway, a.vpc, a.subnets, a.route_table, a.kind) == \
        ("tgw-1", "vpc-a", ("subnet-a2",), "tgw-rtb-1", "vpc")
    vpn = topology.tgw_attachments["tgw-attach-vpn"]
    assert (vpn.vpc, vpn.kind, vpn.route_table, vpn.subnets) == (None, "vpn", None, ())
    assert "tgw-attach-new" not in topology.tgw_attachments  # carries nothing until accepted
    rtb = topology.tgw_route_tables["tgw-rtb-1"]
    assert rtb.transit_gateway == "tgw-1" and rtb.propagations == ("tgw-attach-a",)
    assert [(str(r.destination), r.attachment, r.blackhole) for r in rtb.routes] == [
        ("10.9.0.0/16", "tgw-attach-b", False), ("10.8.0.0/16", None, True),
        ("192.168.0.0/16", "tgw-attach-vpn", False), ("192.168.0.0/16", "tgw-attach-a", False),
        ("172.20.0.0/16", "tgw-attach-vpn", False), ("172.21.0.0/16", "tgw-attach-vpn", False)]
    assert str(rtb.routes[1].origin) == "snapshot.json:TransitGatewayRouteTables[0].Routes[1]"
    # a table whose routes were not searched is left out (a free choice), never empty
    assert "tgw-rtb-unsearched" not in topology.tgw_route_tables
    assert any("tgw-rtb-unsearched" in str(w) and "left out" in str(w) for w in loaded.warnings)


def test_transit_route_table_with_more_routes_than_shown_or_an_unknown_list_is_left_out():
    doc = transit_doc()
    doc["TransitGatewayRouteTables"][0]["AdditionalRoutesAvailable"] = True
    loaded = load(doc)
    assert "tgw-rtb-1" not in loaded.network.topology.tgw_route_tables
    assert any("AdditionalRoutesAvailable" in str(w) for w in loaded.warnings)
    doc = transit_doc()
    doc.pop("PrefixLists")
    loaded = load(doc)
    assert "tgw-rtb-1" not in loaded.network.topology.tgw_route_tables
    assert any("Routes[3].PrefixListId" in str(w) and "pl-dc" in str(w) for w in loaded.warnings)


def test_transit_outputs_as_separate_files(tmp_path):
    doc = transit_doc()
    rtb = doc.pop("TransitGatewayRouteTables")[0]
    routes = {"Routes": rtb.pop("Routes"), "AdditionalRoutesAvailable": rtb.pop("AdditionalRoutesAvailable")}
    propagations = {"TransitGatewayRouteTablePropagations": rtb.pop("TransitGatewayRouteTablePropagations")}
    vpc_attachments = {"TransitGatewayVpcAttachments": doc.pop("TransitGatewayVpcAttachments")}
    (tmp_path / "rest.json").write_text(json.dumps(doc))
    (tmp_path / "tgw-rtbs.json").write_text(json.dumps({"TransitGatewayRouteTables": [rtb]}))
    (tmp_path / "tgw-rtb-1.json").write_text(json.dumps(routes))  # named after its table
    (tmp_path / "propagations.json").write_text(json.dumps({"TransitGatewayRouteTableId": "tgw-rtb-1",
                                                            **propagations}))
    (tmp_path / "vpc-attachments.json").write_text(json.dumps(vpc_attachments))
    separate = load_aws(tmp_path).network.topology
    combined = load(transit_doc()).network.topology
    assert separate.tgw_route_tables["tgw-rtb-1"].routes == tuple(
        TgwRoute(r.destination, r.attachment, r.blackhole, separate.tgw_route_tables["tgw-rtb-1"].routes[i].origin)
        for i, r in enumerate(combined.tgw_route_tables["tgw-rtb-1"].routes))
    assert separate.tgw_route_tables["tgw-rtb-1"].propagations == ("tgw-attach-a",)
    assert str(separate.tgw_route_tables["tgw-rtb-1"].routes[0].origin) == f"{tmp_path / 'tgw-rtb-1.json'}:Routes[0]"
    assert separate.tgw_attachments == {
        k: type(v)(**{**v.__dict__, "origin": separate.tgw_attachments[k].origin})
        for k, v in combined.tgw_attachments.items()}


def test_attachment_without_its_association_or_subnets_is_left_out():
    doc = transit_doc()
    doc["TransitGatewayAttachments"] = doc["TransitGatewayAttachments"][1:]  # tgw-attach-a: subnets only
    doc["TransitGatewayVpcAttachments"] = doc["TransitGatewayVpcAttachments"][:1]  # tgw-attach-b: no subnets
    loaded = load(doc)
    assert not {"tgw-attach-a", "tgw-attach-b"} & set(loaded.network.topology.tgw_attachments)
    warned = [str(w) for w in loaded.warnings if "the attachment is left out" in str(w)]
    assert any("tgw-attach-a: its route table association" in w for w in warned)
    assert any("tgw-attach-b: its subnets" in w for w in warned)


# --- interfaces, groups and addresses -------------------------------------------------------------------

def test_interfaces_have_their_vpc_subnet_public_address_and_source_dest_check():
    doc = base()
    doc["NetworkInterfaces"] = [
        eni("eni-web", "10.0.1.10", ["sg-a"], Association={"PublicIp": "54.0.0.10"},
            Ipv6Addresses=[{"Ipv6Address": "2001:db8:a:1::10"}]),
        eni("eni-fw", "10.0.2.20", ["sg-a"], subnet_id="subnet-a2", SourceDestCheck=False,
            Ipv4Prefixes=[{"Ipv4Prefix": "10.0.2.32/28"}])]
    network = load(doc).network
    web, fw, prefixes = (network.resources[k] for k in ("eni-web", "eni-fw", "eni-fw/prefixes"))
    assert (web.vpc, web.subnet_ids, web.source_dest_check) == ("vpc-a", ("subnet-a1",), True)
    assert web.subnets == (cidr("10.0.1.0/24"), cidr("2001:db8:a:1::/64"))
    assert web.public_ips == (parse_address("54.0.0.10"),)
    assert not fw.source_dest_check and fw.subnets == (cidr("10.0.2.0/24"),)
    assert (prefixes.vpc, prefixes.subnet_ids, prefixes.subnets) == ("vpc-a", ("subnet-a2",), (cidr("10.0.2.32/28"),))
    assert network.groups["sg-a"].vpc == "vpc-a" and network.groups["sg-b"].vpc == "vpc-b"


def test_one_address_in_two_vpcs_is_two_interfaces():
    doc = base()
    doc["NetworkInterfaces"] = [eni("eni-a", "10.0.1.10", ["sg-a"]),
                                eni("eni-b", "10.0.1.10", ["sg-b"], subnet_id="subnet-b1", vpc_id="vpc-b")]
    network = load(doc).network
    assert network.resources["eni-a"].ips == network.resources["eni-b"].ips
    assert (network.resources["eni-a"].vpc, network.resources["eni-b"].vpc) == ("vpc-a", "vpc-b")


def test_one_address_twice_in_one_vpc_is_an_error():
    doc = base()
    doc["NetworkInterfaces"] = [eni("eni-a", "10.0.1.10", ["sg-a"]), eni("eni-a2", "10.0.1.10", ["sg-a"])]
    (error,) = errors_of(doc)
    assert error == "snapshot.json:eni-a2: error: address 10.0.1.10 in VPC vpc-a belongs to both eni-a and eni-a2"


def test_one_public_address_on_two_interfaces_is_an_error_in_any_vpc():
    doc = base()
    doc["NetworkInterfaces"] = [
        eni("eni-a", "10.0.1.10", ["sg-a"], Association={"PublicIp": "54.0.0.10"}),
        eni("eni-b", "10.0.1.11", ["sg-b"], subnet_id="subnet-b1", vpc_id="vpc-b", Association={"PublicIp": "54.0.0.10"})]
    (error,) = errors_of(doc)
    assert "public address 54.0.0.10 belongs to both eni-a and eni-b" in error


def test_without_a_vpc_layer_one_address_in_two_vpcs_is_an_error_that_says_what_is_missing():
    doc = {"SecurityGroups": [sg("sg-a"), sg("sg-b", "vpc-b")],
           "NetworkInterfaces": [eni("eni-a", "10.0.1.10", ["sg-a"]),
                                 eni("eni-b", "10.0.1.10", ["sg-b"], subnet_id="subnet-b1", vpc_id="vpc-b")]}
    (error,) = errors_of(doc)
    assert "eni-a (vpc-a) and eni-b (vpc-b)" in error and "needs its VPC layer" in error
    assert "--vpc-id" not in error and "one VPC at a time" not in error


def test_security_group_only_input_has_no_topology():
    doc = {"SecurityGroups": [sg("sg-a")], "NetworkInterfaces": [eni("eni-a", "10.0.1.10", ["sg-a"])],
           "Subnets": [subnet("subnet-a1", "vpc-a", "10.0.1.0/24")],
           "SgverifySnapshot": {"Version": 1, "Region": REGION}}
    network = load(doc).network
    assert network.topology is None
    # Its subnet's blocks and its VPC; no subnet id, which names an element of a VPC layer only.
    eni_a = network.resources["eni-a"]
    assert (eni_a.subnets, eni_a.vpc, eni_a.subnet_ids) == ((cidr("10.0.1.0/24"),), "vpc-a", ())


def test_a_snapshot_that_left_the_vpc_layer_out_still_has_one_with_warnings():
    note = "RouteTables: not allowed to call DescribeRouteTables (UnauthorizedOperation): grant ec2:DescribeRouteTables"
    doc = {"SgverifySnapshot": {"Version": 2, "Region": REGION, "LeftOut": [note]},
           "SecurityGroups": [sg("sg-a")], "NetworkInterfaces": [eni("eni-a", "10.0.1.10", ["sg-a"])]}
    loaded = load(doc)
    topology = loaded.network.topology
    assert topology is not None and topology.elements() == 0
    warnings = [str(w) for w in loaded.warnings]
    assert f"snapshot.json:SgverifySnapshot.LeftOut[0]: warning: the snapshot left out {note}: what that " \
           "would have shown is a free choice" in warnings
    assert any("eni-a is in subnet subnet-a1, which is not in the input" in w for w in warnings)


# --- bad input ---------------------------------------------------------------------------------------

def test_bad_routes_one_line_each_at_their_path():
    doc = base()
    doc["RouteTables"][0]["Routes"] = [
        {"GatewayId": "igw-a", "State": "active"},
        route("10.1.0.0/16", GatewayId="igw-a", NatGatewayId="nat-a"),
        route("10.2.0.0/33", GatewayId="igw-a"),
        route("10.3.0.0/16"),
        {**route("10.4.0.0/16", GatewayId="igw-a"), "State": "gone"},
        {**route("10.5.0.0/16", GatewayId="igw-a"), "DestinationIpv6CidrBlock": "::/0"},
        route("::/0", GatewayId="igw-a", DestinationIpv6CidrBlock="10.0.0.0/8"),
        "0.0.0.0/0",
    ]
    errors = errors_of(doc)
    at = "snapshot.json:RouteTables[0]"
    assert errors[-1] == f"{at}.Routes[7]: error: expected an object, not the text '0.0.0.0/0'"
    assert errors[:-1] == [
        f"{at}.Routes[0]: error: a route needs exactly one of DestinationCidrBlock, DestinationIpv6CidrBlock, "
        "DestinationPrefixListId (found 0)",
        f"{at}.Routes[1]: error: a route needs one target, not 2: NatGatewayId, GatewayId",
        f"{at}.Routes[2].DestinationCidrBlock: error: invalid CIDR '10.2.0.0/33'",
        f"{at}.Routes[3]: error: a route needs a target (GatewayId, NatGatewayId, VpcPeeringConnectionId, "
        "TransitGatewayId, NetworkInterfaceId...)",
        f"{at}.Routes[4].State: error: State must be active or blackhole, not the text 'gone'",
        f"{at}.Routes[5]: error: a route needs exactly one of DestinationCidrBlock, DestinationIpv6CidrBlock, "
        "DestinationPrefixListId (found 2)",
        f"{at}.Routes[6].DestinationIpv6CidrBlock: error: 10.0.0.0/8 is not an IPv6 CIDR",
    ]


def test_bad_nacl_entries_one_line_each_at_their_path():
    doc = base()
    doc["NetworkAcls"][0]["Entries"] = [
        entry(100, False, "permit", "0.0.0.0/0"),
        {**entry(110, False, "allow", "0.0.0.0/0"), "Egress": "no"},
        entry(120, False, "allow", "0.0.0.0/0", "gre"),
        entry(130, False, "allow", "0.0.0.0/0", "6"),
        entry(140, False, "allow", "0.0.0.0/0", "6", PortRange={"From": 80, "To": 70000}),
        entry(150, False, "allow", "0.0.0.0/0", "1"),
        entry(160, False, "allow", "0.0.0.0/0", "1", IcmpTypeCode={"Type": -1, "Code": 3}),
        {**entry(170, False, "allow", "0.0.0.0/0"), "Ipv6CidrBlock": "::/0"},
        entry(0, False, "allow", "0.0.0.0/0"),
        entry(32767, False, "allow", "0.0.0.0/0"),
        entry(180, True, "allow", "0.0.0.0/0"), entry(180, True, "deny", "::/0"),
        {**entry(190, False, "allow", "0.0.0.0/0"), "RuleNumber": "190"},
    ]
    at = "snapshot.json:NetworkAcls[0].Entries"
    assert errors_of(doc) == [
        f"{at}[0].RuleAction: error: RuleAction must be allow or deny, not 'permit'",
        f"{at}[1].Egress: error: Egress must be true or false, not the text 'no'",
        f"{at}[2].Protocol: error: unknown protocol 'gre': use tcp, udp, icmp, icmpv6, all or a number 0-255",
        f"{at}[3]: error: a tcp or udp entry needs a PortRange {{From, To}}",
        f"{at}[4].PortRange: error: invalid port range From=80 To=70000: ports must be numbers 0-65535",
        f"{at}[5]: error: an icmp entry needs an IcmpTypeCode {{Type, Code}} (-1 = any)",
        f"{at}[6].IcmpTypeCode: error: ICMP code 3 given with any type (Type=-1)",
        f"{at}[7]: error: a network ACL entry needs exactly one of CidrBlock and Ipv6CidrBlock (found 2)",
        f"{at}[12].RuleNumber: error: RuleNumber must be a whole number, not the text '190'",
        f"{at}[8]: error: network ACL acl-a-default inbound rule number 0 is outside 1-32766",
        f"{at}[9]: error: network ACL acl-a-default inbound rule number 32767 is outside 1-32766",
        f"{at}[11]: error: network ACL acl-a-default has two outbound rules numbered 180",
    ]


def test_bad_associations_and_elements():
    doc = base()
    doc["RouteTables"].append(table("rtb-2", "vpc-a", subnets=["subnet-a1"], main=True))
    doc["RouteTables"].append(table("rtb-3", "vpc-a", subnets=["subnet-a1"]))
    doc["NetworkAcls"].append(acl("acl-2", "vpc-a", subnets=["subnet-a1"], default=True))
    doc["Subnets"].append(subnet("subnet-out", "vpc-a", "10.1.0.0/24"))
    doc["Subnets"].append({"SubnetId": "subnet-novpc", "CidrBlock": "10.0.3.0/24"})
    doc["VpcPeeringConnections"] = [{"VpcPeeringConnectionId": "pcx-1", "RequesterVpcInfo": {"VpcId": "vpc-a"}}]
    doc["InternetGateways"] = [{"InternetGatewayId": "igw-2", "Attachments": [
        {"State": "available", "VpcId": "vpc-a"}, {"State": "available", "VpcId": "vpc-b"}]}]
    doc["NatGateways"] = [{"NatGatewayId": "nat-1", "State": "available", "ConnectivityType": "both",
                           "SubnetId": "subnet-a1", "NatGatewayAddresses": [{"PrivateIp": "10.0.1.300"}]}]
    errors = errors_of(doc)
    assert errors == [
        "snapshot.json:RouteTables[2]: error: VPC vpc-a has two main route tables: rtb-a-main and rtb-2",
        "snapshot.json:RouteTables[3].Associations[0]: error: subnet subnet-a1 is associated with two route "
        "tables: rtb-2 and rtb-3",
        "snapshot.json:NetworkAcls[2]: error: VPC vpc-a has two default network ACLs: acl-a-default and acl-2",
        "snapshot.json:NetworkAcls[2].Associations[0]: error: subnet subnet-a1 is associated with two network "
        "ACLs: acl-a-default and acl-2",
        "snapshot.json:Subnets[4]: error: missing VpcId",
        "snapshot.json:InternetGateways[0]: error: attached to 2 VPCs (vpc-a, vpc-b): a gateway has one",
        "snapshot.json:NatGateways[0].ConnectivityType: error: ConnectivityType must be public or private, "
        "not 'both'",
        "snapshot.json:NatGateways[0].NatGatewayAddresses[0].PrivateIp: error: invalid IP address '10.0.1.300'",
        "snapshot.json:VpcPeeringConnections[0]: error: missing AccepterVpcInfo",
        "snapshot.json:Subnets[3]: error: subnet subnet-out block 10.1.0.0/24 is outside the blocks of VPC vpc-a "
        "(10.0.0.0/16, 2001:db8:a::/56)",
    ]


def test_topology_checks_report_at_snapshot_paths():
    doc = base()
    doc["Subnets"].append(subnet("subnet-out", "vpc-a", "10.1.0.0/24"))
    doc["Subnets"].append(subnet("subnet-over", "vpc-a", "10.0.1.128/25"))
    doc["RouteTables"][0]["Routes"] += [route("0.0.0.0/0", GatewayId="igw-a"), route("0.0.0.0/0", NatGatewayId="nat-a")]
    errors = errors_of(doc)
    assert "snapshot.json:Subnets[3]: error: subnet subnet-out block 10.1.0.0/24 is outside the blocks of VPC " \
           "vpc-a (10.0.0.0/16, 2001:db8:a::/56)" in errors
    assert "snapshot.json:Subnets[4]: error: subnet subnet-over block 10.0.1.128/25 overlaps subnet subnet-a1 " \
           "block 10.0.1.0/24 in VPC vpc-a" in errors
    assert "snapshot.json:RouteTables[0].Routes[2]: error: route table rtb-a-main has two routes for 0.0.0.0/0" \
           in errors


def test_bad_transit_input():
    doc = transit_doc()
    doc["TransitGatewayRouteTables"][0]["Routes"] += [
        {"DestinationCidrBlock": "10.7.0.0/16", "Type": "static", "State": "active", "TransitGatewayAttachments": []},
        {"Type": "static", "State": "active"}]
    doc["TransitGatewayVpcAttachments"][0]["TransitGatewayId"] = "tgw-2"
    errors = errors_of(doc)
    assert errors == [
        "snapshot.json:TransitGatewayVpcAttachments[0]: error: tgw-attach-a is of transit gateway tgw-2 here but "
        "of tgw-1 at snapshot.json:TransitGatewayAttachments[0]",
        "snapshot.json:TransitGatewayRouteTables[0].Routes[4]: error: an active route needs an attachment in "
        "TransitGatewayAttachments (or State blackhole)",
        "snapshot.json:TransitGatewayRouteTables[0].Routes[5]: error: a transit gateway route needs exactly one "
        "of DestinationCidrBlock and PrefixListId",
    ]


def test_transit_routes_file_without_a_table_id(tmp_path):
    (tmp_path / "routes.json").write_text(json.dumps({"Routes": []}))
    with pytest.raises(InputError) as info:
        load_aws(tmp_path)
    assert [str(d) for d in info.value.diagnostics] == [
        f"{tmp_path / 'routes.json'}:Routes: error: transit gateway routes or propagations without a route table "
        "id: add \"TransitGatewayRouteTableId\" or name the file after the table (tgw-rtb-0abc.json)"]


def test_cli_bad_topology_is_exit_2_one_line_per_problem(tmp_path):
    doc = base()
    doc["RouteTables"][0]["Routes"] = [route("10.1.0.0/16"), route("10.2.0.0/16", GatewayId="igw-a", State="x")]
    net = tmp_path / "snapshot.json"
    net.write_text(json.dumps(doc))
    spec = tmp_path / "spec.yaml"
    spec.write_text("network: snapshot.json\nassertions:\n  - name: x\n    deny: {from: any, to: sg-a}\n")
    done = subprocess.run([sys.executable, "-m", "sgverify", "check", str(spec)], capture_output=True,
                          text=True, cwd=ROOT)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if "error:" in line]
    assert len(lines) == 2
    assert "snapshot.json:RouteTables[0].Routes[0]: error: a route needs a target" in lines[0]
    assert "snapshot.json:RouteTables[0].Routes[1].State: error:" in lines[1]


# --- moto: a snapshot of three VPCs --------------------------------------------------------------------

@dataclass(frozen=True)
class VpcWorld:
    a: str  # 10.0.0.0/16, with an internet gateway and a NAT gateway
    b: str  # 10.0.0.0/16 again
    c: str  # 10.1.0.0/16, peered with a
    a_public: str
    a_private: str
    b_subnet: str
    c_subnet: str
    igw: str
    nat: str
    pcx: str
    rt_public: str
    rt_private: str
    rt_c: str
    acl_public: str
    web_a: str  # instances, web_a and web_b on one address
    web_b: str
    app_c: str
    sg_a: str
    sg_b: str
    tgw: str
    tgw_rtb: str


def _eni_of(ec2, instance: str) -> dict:
    found = ec2.describe_instances(InstanceIds=[instance])["Reservations"][0]["Instances"][0]
    return found["NetworkInterfaces"][0]


def build_vpc_world(ec2) -> VpcWorld:
    a = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    b = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    c = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    ec2.create_tags(Resources=[a], Tags=[{"Key": "Name", "Value": "prod"}])
    a_public = ec2.create_subnet(VpcId=a, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    ec2.modify_subnet_attribute(SubnetId=a_public, MapPublicIpOnLaunch={"Value": True})
    a_private = ec2.create_subnet(VpcId=a, CidrBlock="10.0.2.0/24")["Subnet"]["SubnetId"]
    b_subnet = ec2.create_subnet(VpcId=b, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    c_subnet = ec2.create_subnet(VpcId=c, CidrBlock="10.1.1.0/24")["Subnet"]["SubnetId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=a)
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=a_public, AllocationId=allocation)["NatGateway"]["NatGatewayId"]
    # moto gives the NAT gateway's interface the default group and an address outside its
    # subnet; in AWS that interface carries no group, so it is no resource: take it away.
    nat_eni = ec2.describe_nat_gateways(NatGatewayIds=[nat])["NatGateways"][0]["NatGatewayAddresses"][0]
    ec2.delete_network_interface(NetworkInterfaceId=nat_eni["NetworkInterfaceId"])
    pcx = ec2.create_vpc_peering_connection(VpcId=a, PeerVpcId=c)["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    rt_public = ec2.create_route_table(VpcId=a)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=rt_public, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.create_route(RouteTableId=rt_public, DestinationCidrBlock="10.1.0.0/16", VpcPeeringConnectionId=pcx)
    ec2.associate_route_table(RouteTableId=rt_public, SubnetId=a_public)
    rt_private = ec2.create_route_table(VpcId=a)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=rt_private, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    ec2.associate_route_table(RouteTableId=rt_private, SubnetId=a_private)
    rt_c = ec2.create_route_table(VpcId=c)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=rt_c, DestinationCidrBlock="10.0.0.0/16", VpcPeeringConnectionId=pcx)
    ec2.associate_route_table(RouteTableId=rt_c, SubnetId=c_subnet)
    acl_public = ec2.create_network_acl(VpcId=a)["NetworkAcl"]["NetworkAclId"]
    for number, egress, action, protocol, ports, block in (
            (100, False, "allow", "6", (443, 443), "0.0.0.0/0"),
            (110, False, "allow", "6", (1024, 65535), "0.0.0.0/0"),
            (90, False, "deny", "-1", None, "198.51.100.0/24"),
            (100, True, "allow", "-1", None, "0.0.0.0/0")):
        extra = {"PortRange": {"From": ports[0], "To": ports[1]}} if ports else {}
        ec2.create_network_acl_entry(NetworkAclId=acl_public, RuleNumber=number, Protocol=protocol,
                                     RuleAction=action, Egress=egress, CidrBlock=block, **extra)
    current = ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [a_public]}])
    association = [x for x in current["NetworkAcls"][0]["Associations"]
                   if x["SubnetId"] == a_public][0]["NetworkAclAssociationId"]
    ec2.replace_network_acl_association(AssociationId=association, NetworkAclId=acl_public)
    sg_a = ec2.create_security_group(GroupName="web", Description="web", VpcId=a)["GroupId"]
    sg_b = ec2.create_security_group(GroupName="web", Description="web", VpcId=b)["GroupId"]
    sg_c = ec2.create_security_group(GroupName="app", Description="app", VpcId=c)["GroupId"]

    def run(subnet_id, group, ip, name):
        return ec2.run_instances(
            ImageId="ami-12c6146b", MinCount=1, MaxCount=1, SubnetId=subnet_id, SecurityGroupIds=[group],
            PrivateIpAddress=ip,
            TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": name}]}],
        )["Instances"][0]["InstanceId"]

    web_a = run(a_public, sg_a, "10.0.1.10", "web-a")
    web_b = run(b_subnet, sg_b, "10.0.1.10", "web-b")
    app_c = run(c_subnet, sg_c, "10.1.1.20", "app-c")
    tgw = ec2.create_transit_gateway()["TransitGateway"]
    ec2.create_transit_gateway_vpc_attachment(TransitGatewayId=tgw["TransitGatewayId"], VpcId=b,
                                              SubnetIds=[b_subnet])
    tgw_rtb = tgw["Options"]["AssociationDefaultRouteTableId"]
    ec2.create_transit_gateway_route(DestinationCidrBlock="10.8.0.0/16", TransitGatewayRouteTableId=tgw_rtb,
                                     Blackhole=True)
    return VpcWorld(a, b, c, a_public, a_private, b_subnet, c_subnet, igw, nat, pcx, rt_public, rt_private,
                    rt_c, acl_public, web_a, web_b, app_c, sg_a, sg_b, tgw["TransitGatewayId"], tgw_rtb)


def check_vpc_world(path: Path, world: VpcWorld, ec2, region: str = REGION) -> None:
    """What a snapshot of `build_vpc_world` must load as, element by element."""
    loaded = load_aws(path)
    network, topology = loaded.network, loaded.network.topology
    assert topology is not None
    assert topology.vpcs[world.a].cidrs == topology.vpcs[world.b].cidrs == (cidr("10.0.0.0/16"),)
    assert topology.vpcs[world.c].cidrs == (cidr("10.1.0.0/16"),)
    assert topology.vpcs[world.a].name == "prod" and topology.vpcs[world.a].region == region
    public, private = topology.subnets[world.a_public], topology.subnets[world.a_private]
    assert (public.vpc, public.cidrs, public.map_public_ip) == (world.a, (cidr("10.0.1.0/24"),), True)
    assert (public.route_table, public.nacl) == (world.rt_public, world.acl_public)
    assert (private.route_table, topology.route_table_of(private)) == (world.rt_private, world.rt_private)
    assert topology.subnets[world.b_subnet].cidrs == public.cidrs and topology.subnets[world.b_subnet].vpc == world.b
    assert topology.subnets[world.c_subnet].route_table == world.rt_c
    # the default NACL of the private subnet, the main tables of every VPC
    assert topology.nacls[topology.nacl_of(private)].is_default
    for v in (world.a, world.b, world.c):
        assert topology.route_tables[topology.route_table_of(Subnet(key="x", vpc=v, cidrs=()))].is_main
    routes = {(r.destination_text, r.target_kind, r.target) for r in topology.route_tables[world.rt_public].routes}
    assert routes == {("0.0.0.0/0", TargetKind.INTERNET_GATEWAY, world.igw),
                      ("10.1.0.0/16", TargetKind.PEERING, world.pcx)}
    assert [(r.destination_text, r.target_kind, r.target) for r in topology.route_tables[world.rt_private].routes] \
        == [("0.0.0.0/0", TargetKind.NAT_GATEWAY, world.nat)]
    assert [(r.destination_text, r.target) for r in topology.route_tables[world.rt_c].routes] == \
        [("10.0.0.0/16", world.pcx)]
    acl = topology.nacls[world.acl_public]
    assert not acl.is_default and acl.vpc == world.a
    assert [(e.number, e.action, str(e.cidr), e.service) for e in acl.inbound] == [
        (90, AclAction.DENY, "198.51.100.0/24", Service()),
        (100, AclAction.ALLOW, "0.0.0.0/0", Service(TCP, (PortRange(443, 443),))),
        (110, AclAction.ALLOW, "0.0.0.0/0", Service(TCP, (PortRange(1024, 65535),)))]
    assert [(e.number, e.service) for e in acl.outbound] == [(100, Service())]
    assert topology.internet_gateways[world.igw].vpc == world.a
    nat = topology.nat_gateways[world.nat]
    described = ec2.describe_nat_gateways(NatGatewayIds=[world.nat])["NatGateways"][0]["NatGatewayAddresses"][0]
    assert (nat.subnet, nat.public) == (world.a_public, True)
    assert nat.private_ip == parse_address(described["PrivateIp"])[1]
    assert nat.public_ip == parse_address(described["PublicIp"])[1]
    peering = topology.peerings[world.pcx]
    assert (peering.requester_vpc, peering.accepter_vpc, peering.active) == (world.a, world.c, True)
    assert world.tgw in topology.transit_gateways
    (attachment,) = [t for t in topology.tgw_attachments.values() if t.transit_gateway == world.tgw]
    assert (attachment.vpc, attachment.subnets, attachment.route_table) == (world.b, (world.b_subnet,), world.tgw_rtb)
    assert [(str(r.destination), r.blackhole) for r in topology.tgw_route_tables[world.tgw_rtb].routes] == \
        [("10.8.0.0/16", True)]
    # one address in two VPCs: two interfaces, each in its own VPC and subnet
    web_a, web_b = (_eni_of(ec2, i)["NetworkInterfaceId"] for i in (world.web_a, world.web_b))
    ra, rb = network.resources[web_a], network.resources[web_b]
    assert ra.ips == rb.ips == (parse_address("10.0.1.10"),)
    assert (ra.vpc, ra.subnet_ids, rb.vpc, rb.subnet_ids) == (world.a, (world.a_public,), world.b, (world.b_subnet,))
    assert ra.subnets == (cidr("10.0.1.0/24"),) and ra.source_dest_check
    assert world.web_a in ra.aliases and "web-a" in ra.aliases
    assert network.groups[world.sg_a].vpc == world.a and network.groups[world.sg_b].vpc == world.b
    # launched into a subnet that maps public addresses: the address from Association.PublicIp
    public_ip = _eni_of(ec2, world.web_a)["Association"]["PublicIp"]
    assert ra.public_ips == (parse_address(public_ip),)


@pytest.fixture
def aws(monkeypatch):
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        yield boto3.client("ec2", region_name=REGION)


def test_snapshot_of_three_vpcs_in_process(aws, tmp_path):
    world = build_vpc_world(aws)
    out = tmp_path / "snapshot.json"
    _register()
    result = CliRunner().invoke(app, ["snapshot", "--region", REGION, "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["SgverifySnapshot"]["Version"] == 2 and data["SgverifySnapshot"]["LeftOut"] == []
    for key in ("Vpcs", "Subnets", "RouteTables", "NetworkAcls", "InternetGateways", "EgressOnlyInternetGateways",
                "NatGateways", "VpcPeeringConnections", "TransitGateways", "TransitGatewayAttachments",
                "TransitGatewayVpcAttachments", "TransitGatewayRouteTables", "VpcEndpoints", "PrefixLists"):
        assert isinstance(data[key], list), key
    check_vpc_world(out, world, aws)


def test_snapshot_of_chosen_vpcs_keeps_their_elements(aws):
    world = build_vpc_world(aws)
    taken = take_snapshot(PullOptions(region=REGION, vpc_ids=(world.a,)))
    assert {v["VpcId"] for v in taken.data["Vpcs"]} == {world.a}
    assert {t["VpcId"] for t in taken.data["RouteTables"]} == {world.a}
    assert [p["VpcPeeringConnectionId"] for p in taken.data["VpcPeeringConnections"]] == [world.pcx]
    assert [g["InternetGatewayId"] for g in taken.data["InternetGateways"]] == [world.igw]
    assert [n["NatGatewayId"] for n in taken.data["NatGateways"]] == [world.nat]


def test_snapshot_as_separate_describe_outputs(aws, tmp_path):
    """A folder of one file per call, with the CLI's keys, reads as the combined snapshot."""
    world = build_vpc_world(aws)
    taken = take_snapshot(PullOptions(region=REGION))
    write_snapshot(taken, str(tmp_path / "combined.json"))
    folder = tmp_path / "net"
    folder.mkdir()
    for key, value in taken.data.items():
        if key == "TransitGatewayRouteTables":
            for rtb in value:
                (folder / f"{rtb['TransitGatewayRouteTableId']}.json").write_text(json.dumps(
                    {"Routes": rtb.pop("Routes"), "AdditionalRoutesAvailable": rtb.pop("AdditionalRoutesAvailable")}))
                (folder / f"propagations-{rtb['TransitGatewayRouteTableId']}.json").write_text(json.dumps(
                    {"TransitGatewayRouteTableId": rtb["TransitGatewayRouteTableId"],
                     "TransitGatewayRouteTablePropagations": rtb.pop("TransitGatewayRouteTablePropagations")}))
        if key == "PrefixLists":
            for listed in value:
                (folder / f"{listed['PrefixListId']}.json").write_text(json.dumps({"Entries": listed.pop("Entries")}))
        if key != "SgverifySnapshot":
            (folder / f"{key}.json").write_text(json.dumps({key: value}, default=str))
    check_vpc_world(folder, world, aws, region="")  # the Region is only in a snapshot's header
    combined, separate = load_aws(tmp_path / "combined.json").network, load_aws(folder).network

    def shape(topology):
        return {name: {k: (type(v).__name__, _no_origin(v)) for k, v in getattr(topology, name).items()}
                for name in ("vpcs", "subnets", "route_tables", "nacls", "internet_gateways", "nat_gateways",
                             "peerings", "transit_gateways", "tgw_attachments", "tgw_route_tables", "endpoints")}

    assert shape(combined.topology) == shape(separate.topology)
    assert set(combined.resources) == set(separate.resources)


def _no_origin(value):
    if hasattr(value, "__dataclass_fields__"):
        return tuple((k, _no_origin(getattr(value, k))) for k in value.__dataclass_fields__
                     if k not in ("origin", "region"))
    if isinstance(value, tuple):
        return tuple(_no_origin(v) for v in value)
    return value


def _user(iam, name: str, actions: list[str]) -> dict:
    iam.create_user(UserName=name)
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}
    iam.put_user_policy(UserName=name, PolicyName="read", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}


@set_initial_no_auth_action_count(6)  # the IAM calls making two users; every later call is authorized
def test_denied_path_calls_are_left_out_and_said_so(monkeypatch, tmp_path):
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(key, value)
    _register()
    with mock_aws():
        iam = boto3.client("iam", region_name=REGION)
        builder = _user(iam, "builder", ["ec2:*"])
        allowed = [f"ec2:{a}" for a in (
            "DescribeSecurityGroups", "DescribeNetworkInterfaces", "DescribeSubnets", "DescribeInstances",
            "DescribeManagedPrefixLists", "GetManagedPrefixListEntries", "DescribeVpcs", "DescribeNetworkAcls",
            "DescribeInternetGateways", "DescribeEgressOnlyInternetGateways", "DescribeNatGateways",
            "DescribeVpcPeeringConnections", "DescribeVpcEndpoints", "DescribeTransitGateways",
            "DescribeTransitGatewayAttachments", "DescribeTransitGatewayVpcAttachments",
            "DescribeTransitGatewayRouteTables", "GetTransitGatewayRouteTablePropagations")]
        # DescribeRouteTables and SearchTransitGatewayRoutes are not granted
        reader = _user(iam, "reader", allowed)
        world = build_vpc_world(boto3.Session(aws_access_key_id=builder["AWS_ACCESS_KEY_ID"],
                                              aws_secret_access_key=builder["AWS_SECRET_ACCESS_KEY"],
                                              region_name=REGION).client("ec2"))
        for key, value in reader.items():
            monkeypatch.setenv(key, value)
        out = tmp_path / "s.json"
        result = CliRunner().invoke(app, ["snapshot", "--region", REGION, "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert "warning: left out RouteTables: not allowed to call DescribeRouteTables (AccessDenied): " \
               "grant ec2:DescribeRouteTables" in result.output
        assert f"warning: left out routes of {world.tgw_rtb}: not allowed to call SearchTransitGatewayRoutes" \
               in result.output
        data = json.loads(out.read_text())
        assert "RouteTables" not in data
        assert any(n.startswith("RouteTables: not allowed") for n in data["SgverifySnapshot"]["LeftOut"])
        loaded = load_aws(out)
        topology = loaded.network.topology
        # absent, never empty: no table, so no subnet has a known one; the TGW table is left out
        assert topology.route_tables == {}
        assert topology.route_table_of(topology.subnets[world.a_public]) is None
        assert world.tgw_rtb not in topology.tgw_route_tables
        assert topology.nacls[world.acl_public].inbound  # what was granted is read
        warnings = [str(w) for w in loaded.warnings]
        assert any("the snapshot left out RouteTables: not allowed to call DescribeRouteTables" in w
                   and "free choice" in w for w in warnings)
        assert any(f"routes of {world.tgw_rtb} not in the input" in w for w in warnings)


def test_elements_written_without_a_state_are_read():
    doc = transit_doc()
    for attachment in doc["TransitGatewayAttachments"] + doc["TransitGatewayVpcAttachments"]:
        attachment.pop("State")
    doc["NatGateways"] = [{"NatGatewayId": "nat-a", "SubnetId": "subnet-a1",
                           "NatGatewayAddresses": [{"PrivateIp": "10.0.1.5"}]}]
    topology = load(doc).network.topology
    assert "nat-a" in topology.nat_gateways
    assert set(topology.tgw_attachments) == {"tgw-attach-a", "tgw-attach-b", "tgw-attach-vpn"}


def test_a_missing_association_means_none_only_in_the_owners_view():
    # The owner's own describe output leaves `Association` out when the attachment has none:
    # traffic from it is dropped (the attachment is kept, with no table).
    doc = transit_doc()
    doc["TransitGateways"][0]["OwnerId"] = "111111111111"
    first = doc["TransitGatewayAttachments"][0]
    first.pop("Association")
    first.update(TransitGatewayOwnerId="111111111111", ResourceOwnerId="111111111111")
    assert load(doc).network.topology.tgw_attachments["tgw-attach-a"].route_table is None


def test_a_missing_association_in_another_accounts_view_is_a_free_choice():
    # A VPC of account 2222... attached to a gateway that 1111... shares: that account does not
    # see the owner's route tables, so its output says nothing of the association.
    for listed in (True, False):
        doc = transit_doc()
        if listed:  # the shared gateway appears in the attaching account's describe-transit-gateways
            doc["TransitGateways"][0]["OwnerId"] = "111111111111"
        else:
            doc.pop("TransitGateways")
        first = doc["TransitGatewayAttachments"][0]
        first.pop("Association")
        first.update(TransitGatewayOwnerId="111111111111", ResourceOwnerId="222222222222")
        loaded = load(doc)
        assert "tgw-attach-a" not in loaded.network.topology.tgw_attachments
        assert any("tgw-attach-a" in str(w) and "association" in str(w) and "free choice" in str(w)
                   for w in loaded.warnings)
