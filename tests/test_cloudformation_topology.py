"""CloudFormation templates: the VPC path layer (VPCs, subnets, routes, NACLs, gateways).

Each test reads a real template, YAML or JSON, and looks at the topology the
reader builds and at the diagnostics it gives: one line per problem with its
file:line, free choices for what the template does not hold.
"""

from __future__ import annotations

import json
import re
import textwrap

import pytest

from clitools import run
from sgverify.errors import InputError
from sgverify.inputs.cloudformation.reader import parse_cloudformation
from sgverify.model import Cidr, Family, parse_address
from sgverify.model.service import ALL, ICMP, TCP, PortRange, Service
from sgverify.solve import Verdict, verify
from sgverify.spec.parse import parse_spec
from sgverify.spec.resolve import resolve_spec
from sgverify.model.topology import AclAction, TargetKind

HEAD = "AWSTemplateFormatVersion: '2010-09-09'\n"


HEADER = re.compile(r"^( *)\w+:( \{Type: AWS::.*)?$")


def template(resources: str, extra: str = "") -> str:
    """A YAML template: `extra` sections, then the `resources` (indented two spaces).

    `resources` may join pieces written at different indentations (a constant at
    the margin, more resources indented in a test): each resource is taken at
    the indentation of its own first line."""
    lines = resources.splitlines()
    out: list[str] = []
    margin = 0
    for index, line in enumerate(lines):
        found = HEADER.match(line)
        following = next((n for n in lines[index + 1:] if n.strip()), "")
        if found and (found.group(2) or following.lstrip().startswith("Type: ")) \
                and (found.group(2) or len(following) - len(following.lstrip()) > len(found.group(1))):
            margin = len(found.group(1))
        out.append("  " + line[margin:] if line.strip() else "")
    return HEAD + textwrap.dedent(extra) + "Resources:\n" + "\n".join(out) + "\n"


def read(resources: str, extra: str = "", parameters=None):
    return parse_cloudformation(template(resources, extra), "t.yaml", parameters)


def line_of(text: str, marker: str) -> int:
    """The 1-based line of the first line of `text` that holds `marker`."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if marker in line)


def warnings_of(loaded) -> list[str]:
    return [str(w) for w in loaded.warnings]


def rejected(resources: str, extra: str = "") -> list[str]:
    with pytest.raises(InputError) as caught:
        read(resources, extra)
    return [str(d) for d in caught.value.diagnostics]


VPC = """
Vpc:
  Type: AWS::EC2::VPC
  Properties: {CidrBlock: 10.0.0.0/16, Tags: [{Key: Name, Value: prod}]}
"""

SUBNETS = VPC + """
Public:
  Type: AWS::EC2::Subnet
  Properties: {VpcId: !Ref Vpc, CidrBlock: 10.0.1.0/24, MapPublicIpOnLaunch: true}
Private:
  Type: AWS::EC2::Subnet
  Properties: {VpcId: !Ref Vpc, CidrBlock: 10.0.2.0/24}
"""


# -- a template without a VPC layer ----------------------------------------------

def test_a_template_without_vpc_resources_has_no_topology():
    loaded = read("""
        Web: {Type: AWS::EC2::SecurityGroup, Properties: {GroupDescription: web}}
        Box:
          Type: AWS::EC2::Instance
          Properties: {PrivateIpAddress: 10.0.1.10, SecurityGroupIds: [!Ref Web]}
    """)
    assert loaded.network.topology is None
    box = loaded.network.resources["Box"]
    assert box.subnet_ids == () and box.vpc == "" and not box.has_public_ip


# -- VPCs, subnets and what AWS creates with them -----------------------------------

def test_vpc_and_subnets_keep_their_blocks_names_and_lines():
    text = template(SUBNETS + """
        Extra:
          Type: AWS::EC2::VPCCidrBlock
          Properties: {VpcId: !Ref Vpc, CidrBlock: 100.64.0.0/16}
        Pods:
          Type: AWS::EC2::Subnet
          Properties: {VpcId: !GetAtt Vpc.VpcId, CidrBlock: 100.64.0.0/20}
    """)
    topology = parse_cloudformation(text, "t.yaml").network.topology
    vpc = topology.vpcs["Vpc"]
    assert [str(c) for c in vpc.cidrs] == ["10.0.0.0/16", "100.64.0.0/16"] and vpc.name == "prod"
    assert str(vpc.origin) == f"t.yaml:{line_of(text, '  Vpc:')}"
    public = topology.subnets["Public"]
    assert public.vpc == "Vpc" and [str(c) for c in public.cidrs] == ["10.0.1.0/24"] and public.map_public_ip
    assert not topology.subnets["Private"].map_public_ip
    assert topology.subnets["Pods"].vpc == "Vpc"
    assert str(public.origin) == f"t.yaml:{line_of(text, '  Public:')}"


def test_every_vpc_has_a_main_route_table_and_a_default_nacl_that_allows_everything():
    text = template(SUBNETS)
    topology = parse_cloudformation(text, "t.yaml").network.topology
    private = topology.subnets["Private"]
    assert private.route_table is None and private.nacl is None
    main = topology.route_tables[topology.route_table_of(private)]
    assert main.key == "Vpc.MainRouteTable" and main.is_main and main.routes == ()
    acl = topology.nacls[topology.nacl_of(private)]
    assert acl.key == "Vpc.DefaultNetworkAcl" and acl.is_default
    for entries in (acl.inbound, acl.outbound):
        assert [(e.number, e.action, str(e.cidr), e.service) for e in entries] == \
            [(100, AclAction.ALLOW, "0.0.0.0/0", Service(ALL))]
    assert str(acl.origin) == str(main.origin) == f"t.yaml:{line_of(text, '  Vpc:')}"


def test_the_default_nacl_allows_ipv6_too_when_the_vpc_has_an_ipv6_block():
    topology = read(VPC + """
        Vpc6:
          Type: AWS::EC2::VPCCidrBlock
          Properties: {VpcId: !Ref Vpc, Ipv6CidrBlock: "2600:1f18:1::/56", Ipv6Pool: pool-1}
    """).network.topology
    acl = topology.nacls["Vpc.DefaultNetworkAcl"]
    assert [(e.number, str(e.cidr)) for e in acl.inbound] == [(100, "0.0.0.0/0"), (101, "::/0")]
    assert [(e.number, str(e.cidr)) for e in acl.outbound] == [(100, "0.0.0.0/0"), (101, "::/0")]
    assert [str(c) for c in topology.vpcs["Vpc"].cidrs] == ["10.0.0.0/16", "2600:1f18:1::/56"]


def test_entries_added_to_the_default_nacl_come_with_its_own_rules():
    topology = read(SUBNETS + """
        NoPing:
          Type: AWS::EC2::NetworkAclEntry
          Properties:
            NetworkAclId: !GetAtt Vpc.DefaultNetworkAcl
            RuleNumber: 90
            Protocol: 1
            Icmp: {Type: 8, Code: -1}
            RuleAction: deny
            CidrBlock: 0.0.0.0/0
    """).network.topology
    inbound = topology.nacls["Vpc.DefaultNetworkAcl"].inbound
    assert [(e.number, e.action) for e in inbound] == [(90, AclAction.DENY), (100, AclAction.ALLOW)]
    assert inbound[0].service == Service(ICMP, None, 8, None)


AMAZON_IPV6 = VPC + """
Vpc6:
  Type: AWS::EC2::VPCCidrBlock
  Properties: {VpcId: !Ref Vpc, AmazonProvidedIpv6CidrBlock: true}
Public:
  Type: AWS::EC2::Subnet
  Properties:
    VpcId: !Ref Vpc
    CidrBlock: 10.0.1.0/24
    Ipv6CidrBlock: !Select [0, !Cidr [!Select [0, !GetAtt Vpc.Ipv6CidrBlocks], 4, 64]]
Private:
  Type: AWS::EC2::Subnet
  Properties:
    VpcId: !Ref Vpc
    CidrBlock: 10.0.2.0/24
    Ipv6CidrBlock: !Join ["", [!Select [0, !Split ["00::/56", !Select [0, !GetAtt Vpc.Ipv6CidrBlocks]]], "01::/64"]]
"""


def test_an_ipv6_block_aws_assigns_is_a_stand_in_that_subnets_are_cut_from():
    text = template(AMAZON_IPV6)
    loaded = parse_cloudformation(text, "t.yaml")
    topology = loaded.network.topology
    block = topology.vpcs["Vpc"].blocks(Family.V6)
    assert [str(c) for c in block] == ["3fff:0:10:100::/56"]
    public = topology.subnets["Public"].blocks(Family.V6)[0]
    private = topology.subnets["Private"].blocks(Family.V6)[0]
    assert (str(public), str(private)) == ("3fff:0:10:100::/64", "3fff:0:10:101::/64")
    for subnet in (public, private):
        assert block[0].first <= subnet.first and subnet.last <= block[0].last
    stand_in = [w for w in warnings_of(loaded) if "stand-in" in w]
    assert len(stand_in) == 1 and "3fff:0:10:100::/56" in stand_in[0]
    assert stand_in[0].startswith(f"t.yaml:{line_of(text, '  Vpc6:')}: warning: Vpc6:")
    # a second VPC's assigned block gets a stand-in of its own
    second = read(AMAZON_IPV6 + """
        Other: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.1.0.0/16}}
        Other6:
          Type: AWS::EC2::VPCCidrBlock
          Properties: {VpcId: !Ref Other, AmazonProvidedIpv6CidrBlock: true}
    """).network.topology
    assert [str(c) for c in second.vpcs["Other"].blocks(Family.V6)] == ["3fff:0:20:100::/56"]


def test_an_ipv6_only_subnet_and_a_nacl_entry_cut_from_the_stand_in():
    topology = read(AMAZON_IPV6 + """
        Only6:
          Type: AWS::EC2::Subnet
          Properties:
            VpcId: !Ref Vpc
            Ipv6Native: true
            Ipv6CidrBlock: !Select [3, !Cidr [!Select [0, !GetAtt Vpc.Ipv6CidrBlocks], 4, 64]]
        Inside6:
          Type: AWS::EC2::NetworkAclEntry
          Properties: {NetworkAclId: !GetAtt Vpc.DefaultNetworkAcl, RuleNumber: 10, Protocol: -1, RuleAction: deny,
                       Ipv6CidrBlock: !Select [0, !GetAtt Vpc.Ipv6CidrBlocks]}
    """).network.topology
    assert [str(c) for c in topology.subnets["Only6"].cidrs] == ["3fff:0:10:103::/64"]
    first = topology.nacls["Vpc.DefaultNetworkAcl"].inbound[0]
    assert (first.number, first.action, str(first.cidr)) == (10, AclAction.DENY, "3fff:0:10:100::/56")


def test_a_subnet_whose_block_is_not_known_is_left_out_with_a_warning():
    text = template(VPC + """
        Imported:
          Type: AWS::EC2::Subnet
          Properties: {VpcId: !Ref Vpc, CidrBlock: !ImportValue shared-subnet-block}
    """)
    loaded = parse_cloudformation(text, "t.yaml")
    assert "Imported" not in loaded.network.topology.subnets
    assert f"t.yaml:{line_of(text, '  Imported:')}: warning: subnet Imported is left out of the VPC layer " \
           "(CidrBlock !ImportValue shared-subnet-block is not known before deployment" in "\n".join(warnings_of(loaded))


def test_a_vpc_whose_block_comes_from_a_parameter_default_is_read_and_one_without_is_left_out():
    extra = "Parameters:\n  Block: {Type: String, Default: 10.9.0.0/16}\n  Unset: {Type: String}\n"
    loaded = read("""
        Vpc: {Type: AWS::EC2::VPC, Properties: {CidrBlock: !Ref Block}}
        Other: {Type: AWS::EC2::VPC, Properties: {CidrBlock: !Ref Unset}}
    """, extra)
    topology = loaded.network.topology
    assert [str(c) for c in topology.vpcs["Vpc"].cidrs] == ["10.9.0.0/16"]
    assert "Other" not in topology.vpcs and "Other.MainRouteTable" not in topology.route_tables
    assert any("VPC Other is left out" in w and "!Ref Unset" in w for w in warnings_of(loaded))
    assert read("Vpc: {Type: AWS::EC2::VPC, Properties: {CidrBlock: !Ref Unset}}\n", extra,
                {"Unset": "10.5.0.0/16"}).network.topology.vpcs["Vpc"].cidrs == (Cidr.parse("10.5.0.0/16"),)


# -- routes ---------------------------------------------------------------------------

ROUTED = SUBNETS + """
Igw: {Type: AWS::EC2::InternetGateway}
IgwAttach:
  Type: AWS::EC2::VPCGatewayAttachment
  Properties: {VpcId: !Ref Vpc, InternetGatewayId: !Ref Igw}
Eigw:
  Type: AWS::EC2::EgressOnlyInternetGateway
  Properties: {VpcId: !Ref Vpc}
NatIp: {Type: AWS::EC2::EIP, Properties: {Domain: vpc}}
Nat:
  Type: AWS::EC2::NatGateway
  Properties: {SubnetId: !Ref Public, AllocationId: !GetAtt NatIp.AllocationId, PrivateIpAddress: 10.0.1.5}
InnerNat:
  Type: AWS::EC2::NatGateway
  Properties: {SubnetId: !Ref Private, ConnectivityType: private}
PublicRt:
  Type: AWS::EC2::RouteTable
  Properties: {VpcId: !Ref Vpc}
ToInternet:
  Type: AWS::EC2::Route
  Properties: {RouteTableId: !Ref PublicRt, DestinationCidrBlock: 0.0.0.0/0, GatewayId: !Ref Igw}
ToInternet6:
  Type: AWS::EC2::Route
  Properties: {RouteTableId: !Ref PublicRt, DestinationIpv6CidrBlock: "::/0", GatewayId: !GetAtt Igw.InternetGatewayId}
PublicAssoc:
  Type: AWS::EC2::SubnetRouteTableAssociation
  Properties: {SubnetId: !Ref Public, RouteTableId: !Ref PublicRt}
PrivateRt:
  Type: AWS::EC2::RouteTable
  Properties: {VpcId: !Ref Vpc}
ToNat:
  Type: AWS::EC2::Route
  Properties: {RouteTableId: !Sub "${PrivateRt}", DestinationCidrBlock: 0.0.0.0/0, NatGatewayId: !Ref Nat}
ToEigw:
  Type: AWS::EC2::Route
  Properties: {RouteTableId: !Ref PrivateRt, DestinationIpv6CidrBlock: "::/0", EgressOnlyInternetGatewayId: !Ref Eigw}
ToAppliance:
  Type: AWS::EC2::Route
  Properties: {RouteTableId: !Ref PrivateRt, DestinationCidrBlock: 192.168.0.0/16, InstanceId: !Ref Firewall}
ToVpn:
  Type: AWS::EC2::Route
  Properties: {RouteTableId: !Ref PrivateRt, DestinationCidrBlock: 172.16.0.0/12, GatewayId: !Ref Vgw}
ToPeer:
  Type: AWS::EC2::Route
  Properties: {RouteTableId: !Ref PrivateRt, DestinationCidrBlock: 10.1.0.0/16, VpcPeeringConnectionId: !Ref Peering}
ToList:
  Type: AWS::EC2::Route
  Properties: {RouteTableId: !Ref PrivateRt, DestinationPrefixListId: !Ref Offices, NetworkInterfaceId: !Ref FirewallEni}
PrivateAssoc:
  Type: AWS::EC2::SubnetRouteTableAssociation
  Properties: {SubnetId: !Ref Private, RouteTableId: !Ref PrivateRt}
Vgw: {Type: AWS::EC2::VPNGateway, Properties: {Type: ipsec.1}}
VgwAttach:
  Type: AWS::EC2::VPCGatewayAttachment
  Properties: {VpcId: !Ref Vpc, VpnGatewayId: !Ref Vgw}
Other: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.1.0.0/16}}
Peering:
  Type: AWS::EC2::VPCPeeringConnection
  Properties: {VpcId: !Ref Vpc, PeerVpcId: !Ref Other}
Offices:
  Type: AWS::EC2::PrefixList
  Properties: {PrefixListName: offices, AddressFamily: IPv4, MaxEntries: 2, Entries: [{Cidr: 198.51.100.0/24}]}
S3:
  Type: AWS::EC2::VPCEndpoint
  Properties: {VpcId: !Ref Vpc, ServiceName: com.amazonaws.us-east-1.s3, RouteTableIds: [!Ref PrivateRt]}
Firewall:
  Type: AWS::EC2::Instance
  Properties: {SubnetId: !Ref Private, PrivateIpAddress: 10.0.2.10, SourceDestCheck: false, SecurityGroupIds: [sg-1]}
FirewallEni:
  Type: AWS::EC2::NetworkInterface
  Properties: {SubnetId: !Ref Private, GroupSet: [sg-1], SourceDestCheck: "false"}
"""


def test_routes_name_their_targets_by_kind_and_keep_their_lines():
    text = template(ROUTED)
    loaded = parse_cloudformation(text, "t.yaml")
    topology = loaded.network.topology
    public = topology.route_tables["PublicRt"]
    assert [(str(r), r.target_kind) for r in public.routes] == [
        ("0.0.0.0/0 -> Igw", TargetKind.INTERNET_GATEWAY), ("::/0 -> Igw", TargetKind.INTERNET_GATEWAY)]
    assert str(public.routes[0].origin) == f"t.yaml:{line_of(text, '  ToInternet:')}"
    private = topology.route_tables["PrivateRt"]
    assert {str(r): r.target_kind for r in private.routes} == {
        "com.amazonaws.us-east-1.s3 -> S3": TargetKind.GATEWAY_ENDPOINT,
        "0.0.0.0/0 -> Nat": TargetKind.NAT_GATEWAY,
        "::/0 -> Eigw": TargetKind.EGRESS_ONLY_GATEWAY,
        "192.168.0.0/16 -> Firewall": TargetKind.INTERFACE,
        "172.16.0.0/12 -> Vgw": TargetKind.VPN_GATEWAY,
        "10.1.0.0/16 -> Peering": TargetKind.PEERING,
        "Offices -> FirewallEni": TargetKind.INTERFACE,
    }
    assert topology.subnets["Public"].route_table == "PublicRt"
    assert topology.subnets["Private"].route_table == "PrivateRt"
    assert topology.internet_gateways["Igw"].vpc == "Vpc"
    assert topology.egress_only_gateways["Eigw"].vpc == "Vpc"
    nat = topology.nat_gateways["Nat"]
    assert nat.subnet == "Public" and nat.public and nat.public_ip is None
    assert nat.private_ip == parse_address("10.0.1.5")[1]
    assert not topology.nat_gateways["InnerNat"].public
    peering = topology.peerings["Peering"]
    assert (peering.requester_vpc, peering.accepter_vpc, peering.active) == ("Vpc", "Other", True)
    endpoint = topology.endpoints["S3"]
    assert endpoint.route_tables == ("PrivateRt",) and endpoint.prefix_list == "com.amazonaws.us-east-1.s3"
    assert not loaded.network.resources["Firewall"].source_dest_check
    assert not loaded.network.resources["FirewallEni"].source_dest_check
    # the VPN gateway and the service's prefix list are what the template cannot describe
    warned = "\n".join(warnings_of(loaded))
    assert f"t.yaml:{line_of(text, '  ToVpn:')}: warning: route table PrivateRt: route 172.16.0.0/12 targets " \
           "vpn-gateway Vgw" in warned
    assert "prefix list com.amazonaws.us-east-1.s3 is not in the input" in warned


def test_routes_to_what_the_template_does_not_hold_are_free_choices_named_as_written():
    extra = "Parameters:\n  Shared: {Type: String}\n  Gateway: {Type: String, Default: igw-0feed}\n"
    text = template(SUBNETS + """
        Rt:
          Type: AWS::EC2::RouteTable
          Properties: {VpcId: !Ref Vpc}
        ToShared:
          Type: AWS::EC2::Route
          Properties: {RouteTableId: !Ref Rt, DestinationCidrBlock: 10.8.0.0/16, TransitGatewayId: !ImportValue shared-tgw}
        ToDefault:
          Type: AWS::EC2::Route
          Properties: {RouteTableId: !Ref Rt, DestinationCidrBlock: 0.0.0.0/0, GatewayId: !Ref Gateway}
        ToSomething:
          Type: AWS::EC2::Route
          Properties: {RouteTableId: !Ref Rt, DestinationCidrBlock: 10.7.0.0/16, GatewayId: !Ref Shared}
        Elsewhere:
          Type: AWS::EC2::Route
          Properties: {RouteTableId: rtb-0abc, DestinationCidrBlock: 10.6.0.0/16, GatewayId: !Ref Gateway}
    """, extra)
    loaded = parse_cloudformation(text, "t.yaml")
    routes = {str(r.destination): r for r in loaded.network.topology.route_tables["Rt"].routes}
    assert (routes["10.8.0.0/16"].target_kind, routes["10.8.0.0/16"].target) == \
        (TargetKind.TRANSIT_GATEWAY, "!ImportValue shared-tgw")
    # a parameter's default applies: a literal internet gateway of another stack
    assert (routes["0.0.0.0/0"].target_kind, routes["0.0.0.0/0"].target) == (TargetKind.INTERNET_GATEWAY, "igw-0feed")
    # without a value, what kind of gateway it is cannot be told either
    assert (routes["10.7.0.0/16"].target_kind, routes["10.7.0.0/16"].target) == (TargetKind.OTHER, "!Ref Shared")
    warned = warnings_of(loaded)
    for marker, target in (("ToShared", "transit-gateway !ImportValue shared-tgw"),
                           ("ToDefault", "internet-gateway igw-0feed"), ("ToSomething", "other !Ref Shared")):
        assert any(w.startswith(f"t.yaml:{line_of(text, '  ' + marker + ':')}: warning:") and target in w
                   and "free choice" in w for w in warned), marker
    assert any(w.startswith(f"t.yaml:{line_of(text, 'rtb-0abc')}: warning: Elsewhere adds routes to route "
                            "table rtb-0abc, which is not in the template") for w in warned)


def test_a_table_whose_routes_cannot_all_be_known_is_left_out_and_its_subnets_get_a_free_choice():
    extra = "Parameters:\n  Dest: {Type: String}\n  Env: {Type: String}\nConditions:\n  Prod: !Equals [!Ref Env, prod]\n"
    text = template(SUBNETS + """
        Rt:
          Type: AWS::EC2::RouteTable
          Properties: {VpcId: !Ref Vpc}
        Unknown:
          Type: AWS::EC2::Route
          Properties: {RouteTableId: !Ref Rt, DestinationCidrBlock: !Ref Dest, GatewayId: igw-1}
        Assoc:
          Type: AWS::EC2::SubnetRouteTableAssociation
          Properties: {SubnetId: !Ref Public, RouteTableId: !Ref Rt}
        Maybe:
          Type: AWS::EC2::RouteTable
          Properties: {VpcId: !Ref Vpc}
        MaybeRoute:
          Type: AWS::EC2::Route
          Condition: Prod
          Properties: {RouteTableId: !Ref Maybe, DestinationCidrBlock: 0.0.0.0/0, GatewayId: igw-1}
    """, extra)
    loaded = parse_cloudformation(text, "t.yaml")
    topology = loaded.network.topology
    assert "Rt" not in topology.route_tables and "Maybe" not in topology.route_tables
    # the subnet keeps naming the table, which is absent: neither the main table nor no route at all
    assert topology.route_table_of(topology.subnets["Public"]) == "Rt"
    warned = warnings_of(loaded)
    assert any(w.startswith(f"t.yaml:{line_of(text, '  Unknown:')}: warning: route table Rt is left out")
               and "!Ref Dest" in w for w in warned)
    assert any(w.startswith(f"t.yaml:{line_of(text, '  MaybeRoute:')}: warning: route table Maybe is left out")
               and "may not exist" in w for w in warned)


def test_an_association_that_may_not_exist_or_names_another_stack_leaves_a_free_choice():
    extra = "Parameters:\n  Env: {Type: String}\nConditions:\n  Prod: !Equals [!Ref Env, prod]\n"
    text = template(SUBNETS + """
        Rt:
          Type: AWS::EC2::RouteTable
          Properties: {VpcId: !Ref Vpc}
        Maybe:
          Type: AWS::EC2::SubnetRouteTableAssociation
          Condition: Prod
          Properties: {SubnetId: !Ref Public, RouteTableId: !Ref Rt}
        Shared:
          Type: AWS::EC2::SubnetNetworkAclAssociation
          Properties: {SubnetId: !Ref Private, NetworkAclId: !ImportValue shared-acl}
    """, extra)
    loaded = parse_cloudformation(text, "t.yaml")
    subnets = loaded.network.topology.subnets
    assert subnets["Public"].route_table == "Maybe"  # neither Rt nor the main table: a free choice
    assert subnets["Private"].nacl == "!ImportValue shared-acl"
    warned = warnings_of(loaded)
    assert any(w.startswith(f"t.yaml:{line_of(text, '  Maybe:')}: warning: Maybe may not exist") for w in warned)
    assert any(w.startswith(f"t.yaml:{line_of(text, '  Shared:')}: warning: Shared gives subnet Private the "
                            "network ACL !ImportValue shared-acl, which is not in the template") for w in warned)


def test_vpn_propagation_leaves_a_table_out_and_ingress_routing_is_named_in_a_warning():
    text = template(SUBNETS + """
        Vgw: {Type: AWS::EC2::VPNGateway, Properties: {Type: ipsec.1}}
        Rt:
          Type: AWS::EC2::RouteTable
          Properties: {VpcId: !Ref Vpc}
        Propagate:
          Type: AWS::EC2::VPNGatewayRoutePropagation
          Properties: {RouteTableIds: [!Ref Rt], VpnGatewayId: !Ref Vgw}
        Igw: {Type: AWS::EC2::InternetGateway}
        Edge:
          Type: AWS::EC2::GatewayRouteTableAssociation
          Properties: {GatewayId: !Ref Igw, RouteTableId: !Ref Rt}
    """)
    loaded = parse_cloudformation(text, "t.yaml")
    assert "Rt" not in loaded.network.topology.route_tables
    warned = warnings_of(loaded)
    assert any("route table Rt is left out" in w and "Propagate propagates routes of a VPN gateway" in w
               for w in warned)
    assert any(w.startswith(f"t.yaml:{line_of(text, '  Edge:')}: warning: Edge: ingress routing") for w in warned)


def test_the_web_stack_example_routes_only_its_public_subnet_to_the_internet():
    from pathlib import Path

    from sgverify.inputs.cloudformation.reader import load_cloudformation

    root = Path(__file__).resolve().parent.parent
    network = load_cloudformation(root / "examples" / "cloudformation" / "web-stack.yaml").network
    topology = network.topology
    public = topology.route_tables[topology.route_table_of(topology.subnets["PublicSubnet"])]
    assert [(str(r), r.target_kind) for r in public.routes] == [
        ("0.0.0.0/0 -> InternetGateway", TargetKind.INTERNET_GATEWAY)]
    for private in ("AppSubnet", "DataSubnet"):
        assert topology.route_table_of(topology.subnets[private]) == "Vpc.MainRouteTable"
    assert topology.internet_gateways["InternetGateway"].vpc == "Vpc"
    resources = network.resources
    assert resources["Bastion"].has_public_ip and resources["LoadBalancer"].has_public_ip
    assert not resources["Database"].has_public_ip and resources["Database"].subnet_ids == ("DataSubnet",)


def test_an_association_of_a_subnet_that_is_not_known_may_be_any_subnet_of_its_vpc():
    extra = "Parameters:\n  Which: {Type: String}\n"
    text = template(SUBNETS + """
        Rt:
          Type: AWS::EC2::RouteTable
          Properties: {VpcId: !Ref Vpc}
        Known:
          Type: AWS::EC2::SubnetRouteTableAssociation
          Properties: {SubnetId: !Ref Public, RouteTableId: !Ref Rt}
        Either:
          Type: AWS::EC2::SubnetRouteTableAssociation
          Properties: {SubnetId: !Ref Which, RouteTableId: !Ref Rt}
        Foreign:
          Type: AWS::EC2::SubnetNetworkAclAssociation
          Properties: {SubnetId: subnet-0abc, NetworkAclId: !GetAtt Vpc.DefaultNetworkAcl}
    """, extra)
    loaded = parse_cloudformation(text, "t.yaml")
    subnets = loaded.network.topology.subnets
    assert subnets["Public"].route_table == "Rt"
    assert subnets["Private"].route_table == "Either"  # Rt or the main table: a free choice
    assert subnets["Private"].nacl is None  # a subnet of another stack changes nothing here
    warned = warnings_of(loaded)
    assert any(w.startswith(f"t.yaml:{line_of(text, '  Either:')}: warning: Either may associate any subnet of "
                            "VPC Vpc; the route table of Private is a free choice") for w in warned)
    assert any(w.startswith(f"t.yaml:{line_of(text, '  Foreign:')}: warning: Foreign associates subnet "
                            "subnet-0abc, which is not in the template") for w in warned)


# -- network ACLs -----------------------------------------------------------------------

def test_nacl_entries_in_both_directions_sorted_by_number():
    text = template(SUBNETS + """
        Acl:
          Type: AWS::EC2::NetworkAcl
          Properties: {VpcId: !Ref Vpc}
        Https:
          Type: AWS::EC2::NetworkAclEntry
          Properties: {NetworkAclId: !Ref Acl, RuleNumber: 200, Protocol: 6, RuleAction: allow,
                       CidrBlock: 0.0.0.0/0, PortRange: {From: 443, To: 443}}
        BlockOne:
          Type: AWS::EC2::NetworkAclEntry
          Properties: {NetworkAclId: !Ref Acl, RuleNumber: "100", Protocol: "-1", RuleAction: DENY,
                       CidrBlock: 203.0.113.0/24}
        Out6:
          Type: AWS::EC2::NetworkAclEntry
          Properties: {NetworkAclId: !Ref Acl, RuleNumber: 100, Protocol: 17, RuleAction: allow, Egress: true,
                       Ipv6CidrBlock: "::/0", PortRange: {From: 1024, To: 65535}}
        Gre:
          Type: AWS::EC2::NetworkAclEntry
          Properties: {NetworkAclId: !Ref Acl, RuleNumber: 110, Protocol: 47, RuleAction: allow, Egress: "true",
                       CidrBlock: 10.0.0.0/8, PortRange: {From: 22, To: 22}}
        Assoc:
          Type: AWS::EC2::SubnetNetworkAclAssociation
          Properties: {SubnetId: !GetAtt Public.SubnetId, NetworkAclId: !GetAtt Acl.Id}
    """)
    topology = parse_cloudformation(text, "t.yaml").network.topology
    acl = topology.nacls["Acl"]
    assert not acl.is_default and acl.vpc == "Vpc"
    assert [(e.number, e.action, str(e.cidr), e.service) for e in acl.inbound] == [
        (100, AclAction.DENY, "203.0.113.0/24", Service(ALL)),
        (200, AclAction.ALLOW, "0.0.0.0/0", Service(TCP, (PortRange(443, 443),)))]
    assert [(e.number, str(e.cidr), e.service) for e in acl.outbound] == [
        (100, "::/0", Service(17, (PortRange(1024, 65535),))), (110, "10.0.0.0/8", Service(47))]
    assert str(acl.inbound[1].origin) == f"t.yaml:{line_of(text, '  Https:')}"
    assert "PortRange" in acl.inbound[1].text
    assert topology.nacl_of(topology.subnets["Public"]) == "Acl"
    assert topology.nacl_of(topology.subnets["Private"]) == "Vpc.DefaultNetworkAcl"


def test_a_new_nacl_without_entries_denies_everything():
    acl = read(VPC + """
        Acl:
          Type: AWS::EC2::NetworkAcl
          Properties: {VpcId: !Ref Vpc}
    """).network.topology.nacls["Acl"]
    assert acl.inbound == () and acl.outbound == ()


def test_a_nacl_with_an_entry_that_cannot_be_known_is_left_out():
    extra = "Parameters:\n  Office: {Type: String}\n"
    text = template(SUBNETS + """
        Acl:
          Type: AWS::EC2::NetworkAcl
          Properties: {VpcId: !Ref Vpc}
        FromOffice:
          Type: AWS::EC2::NetworkAclEntry
          Properties: {NetworkAclId: !Ref Acl, RuleNumber: 100, Protocol: -1, RuleAction: allow, CidrBlock: !Ref Office}
        Assoc:
          Type: AWS::EC2::SubnetNetworkAclAssociation
          Properties: {SubnetId: !Ref Public, NetworkAclId: !Ref Acl}
        Lost:
          Type: AWS::EC2::NetworkAclEntry
          Properties: {NetworkAclId: acl-0other, RuleNumber: 100, Protocol: -1, RuleAction: allow, CidrBlock: 0.0.0.0/0}
    """, extra)
    loaded = parse_cloudformation(text, "t.yaml")
    topology = loaded.network.topology
    assert "Acl" not in topology.nacls and topology.nacl_of(topology.subnets["Public"]) == "Acl"
    warned = warnings_of(loaded)
    assert any(w.startswith(f"t.yaml:{line_of(text, '  FromOffice:')}: warning: network ACL Acl is left out")
               and "!Ref Office" in w for w in warned)
    assert any(w.startswith(f"t.yaml:{line_of(text, '  Lost:')}: warning: Lost adds an entry to network ACL "
                            "acl-0other, which is not in the template") for w in warned)


# -- where resources sit -----------------------------------------------------------------

def test_resources_get_their_subnets_vpc_and_public_addresses():
    loaded = read(SUBNETS + """
        Web: {Type: AWS::EC2::SecurityGroup, Properties: {GroupDescription: web, VpcId: !Ref Vpc}}
        Mapped:
          Type: AWS::EC2::Instance
          Properties: {SubnetId: !Ref Public, PrivateIpAddress: 10.0.1.10, SecurityGroupIds: [!Ref Web]}
        Declined:
          Type: AWS::EC2::Instance
          Properties:
            NetworkInterfaces:
              - {DeviceIndex: 0, SubnetId: !Ref Public, AssociatePublicIpAddress: false, GroupSet: [!Ref Web]}
        Asked:
          Type: AWS::EC2::Instance
          Properties:
            NetworkInterfaces:
              - {DeviceIndex: "0", SubnetId: !Ref Private, AssociatePublicIpAddress: true, GroupSet: [!Ref Web]}
        Inside:
          Type: AWS::EC2::Instance
          Properties: {SubnetId: !Ref Private, SecurityGroupIds: [!Ref Web]}
        WithEip:
          Type: AWS::EC2::Instance
          Properties: {SubnetId: !Ref Private, SecurityGroupIds: [!Ref Web]}
        Eip:
          Type: AWS::EC2::EIP
          Properties: {InstanceId: !Ref WithEip}
        Eni:
          Type: AWS::EC2::NetworkInterface
          Properties: {SubnetId: !Ref Private, GroupSet: [!Ref Web]}
        EniEip:
          Type: AWS::EC2::EIPAssociation
          Properties: {NetworkInterfaceId: !Ref Eni, EIP: 198.51.100.7}
    """)
    resources = loaded.network.resources
    mapped = resources["Mapped"]
    assert (mapped.vpc, mapped.subnet_ids, [str(c) for c in mapped.subnets]) == ("Vpc", ("Public",), ["10.0.1.0/24"])
    assert mapped.has_public_ip and mapped.public_ips == ()
    assert not resources["Declined"].has_public_ip and resources["Declined"].subnet_ids == ("Public",)
    assert resources["Asked"].has_public_ip
    assert not resources["Inside"].has_public_ip
    assert resources["WithEip"].has_public_ip
    eni = resources["Eni"]
    # Its private address is not known, so it is at any address of its subnet; such a resource
    # cannot hold a known public address beside it, so its Elastic IP is some public address.
    assert eni.symbolic and eni.public_ips == () and eni.has_public_ip
    assert loaded.network.groups["Web"].vpc == "Vpc"


def test_fleets_load_balancers_and_databases_are_placed_too():
    loaded = read(SUBNETS + """
        App: {Type: AWS::EC2::SecurityGroup, Properties: {GroupDescription: app, VpcId: !Ref Vpc}}
        Template:
          Type: AWS::EC2::LaunchTemplate
          Properties:
            LaunchTemplateData:
              NetworkInterfaces: [{DeviceIndex: 0, AssociatePublicIpAddress: true, Groups: [!Ref App]}]
        Fleet:
          Type: AWS::AutoScaling::AutoScalingGroup
          Properties:
            MinSize: "1"
            MaxSize: "2"
            VPCZoneIdentifier: [!Ref Private]
            LaunchTemplate: {LaunchTemplateId: !Ref Template, Version: "1"}
        Front:
          Type: AWS::ElasticLoadBalancingV2::LoadBalancer
          Properties: {Subnets: [!Ref Public], SecurityGroups: [!Ref App]}
        Back:
          Type: AWS::ElasticLoadBalancingV2::LoadBalancer
          Properties: {Scheme: internal, Subnets: [!Ref Private], SecurityGroups: [!Ref App]}
        DbSubnets:
          Type: AWS::RDS::DBSubnetGroup
          Properties: {DBSubnetGroupDescription: data, SubnetIds: [!Ref Private, !Ref Public]}
        Db:
          Type: AWS::RDS::DBInstance
          Properties: {DBSubnetGroupName: !Ref DbSubnets, VPCSecurityGroups: [!Ref App], PubliclyAccessible: true}
    """)
    resources = loaded.network.resources
    assert resources["Fleet"].subnet_ids == ("Private",) and resources["Fleet"].has_public_ip
    assert resources["Front"].has_public_ip and not resources["Back"].has_public_ip
    assert resources["Db"].subnet_ids == ("Private", "Public") and resources["Db"].vpc == "Vpc"
    assert resources["Db"].has_public_ip


def test_a_resource_in_a_subnet_of_another_stack_is_placed_there_with_a_warning():
    text = template(VPC + """
        Box:
          Type: AWS::EC2::Instance
          Properties: {SubnetId: !ImportValue shared-subnet, SecurityGroupIds: [sg-1]}
        Nowhere:
          Type: AWS::EC2::Instance
          Properties: {SecurityGroupIds: [sg-1]}
    """)
    loaded = parse_cloudformation(text, "t.yaml")
    box = loaded.network.resources["Box"]
    assert box.subnet_ids == ("!ImportValue shared-subnet",) and box.vpc == ""
    assert any(w.startswith(f"t.yaml:{line_of(text, '  Box:')}: warning: Box is in subnet !ImportValue "
                            "shared-subnet, which is not in the input") for w in warnings_of(loaded))
    # no subnet named: the default VPC's default subnet, which no template holds
    assert loaded.network.resources["Nowhere"].subnet_ids == ("(default subnet)",)
    assert any(w.startswith(f"t.yaml:{line_of(text, '  Nowhere:')}: warning: Nowhere is in subnet (default "
                            "subnet), which is not in the input") for w in warnings_of(loaded))


def test_a_vpc_that_may_not_exist_is_left_out_with_what_needs_it():
    extra = "Parameters:\n  Env: {Type: String}\nConditions:\n  Prod: !Equals [!Ref Env, prod]\n"
    text = template("""
        Vpc:
          Type: AWS::EC2::VPC
          Condition: Prod
          Properties: {CidrBlock: 10.0.0.0/16}
        Subnet:
          Type: AWS::EC2::Subnet
          Properties: {VpcId: !Ref Vpc, CidrBlock: 10.0.1.0/24}
    """, extra)
    loaded = parse_cloudformation(text, "t.yaml")
    topology = loaded.network.topology
    assert topology.vpcs == {} and topology.route_tables == {} and topology.nacls == {}
    subnet = topology.subnets["Subnet"]
    # neither the main table nor the default NACL of a VPC that may not exist: free choices
    assert topology.route_table_of(subnet) is None and topology.nacl_of(subnet) is None
    warned = warnings_of(loaded)
    assert any(w.startswith(f"t.yaml:{line_of(text, '  Vpc:')}: warning: VPC Vpc is left out") for w in warned)
    assert any(w.startswith(f"t.yaml:{line_of(text, '  Subnet:')}: warning: subnet Subnet is in VPC 'Vpc', "
                            "which is not in the input") for w in warned)


# -- transit gateways ------------------------------------------------------------------

TRANSIT = SUBNETS + """
Other: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.1.0.0/16}}
OtherSubnet:
  Type: AWS::EC2::Subnet
  Properties: {VpcId: !Ref Other, CidrBlock: 10.1.1.0/24}
Tgw:
  Type: AWS::EC2::TransitGateway
  Properties: {DefaultRouteTableAssociation: %s, DefaultRouteTablePropagation: %s}
AttachA:
  Type: AWS::EC2::TransitGatewayVpcAttachment
  Properties: {TransitGatewayId: !Ref Tgw, VpcId: !Ref Vpc, SubnetIds: [!Ref Private]}
AttachB:
  Type: AWS::EC2::TransitGatewayAttachment
  Properties: {TransitGatewayId: !Ref Tgw, VpcId: !Ref Other, SubnetIds: [!Ref OtherSubnet]}
"""


def test_a_transit_gateway_with_defaults_associates_and_propagates_every_attachment():
    topology = read(TRANSIT % ("enable", "enable")).network.topology
    table = topology.tgw_route_tables["Tgw.DefaultRouteTable"]
    assert table.transit_gateway == "Tgw" and table.propagations == ("AttachA", "AttachB") and table.routes == ()
    attachment = topology.tgw_attachments["AttachA"]
    assert (attachment.vpc, attachment.subnets, attachment.route_table) == ("Vpc", ("Private",), "Tgw.DefaultRouteTable")
    assert "Tgw" in topology.transit_gateways


def test_transit_gateway_route_tables_associations_propagations_and_routes():
    text = template(TRANSIT % ("disable", "disable") + """
        Rt:
          Type: AWS::EC2::TransitGatewayRouteTable
          Properties: {TransitGatewayId: !Ref Tgw}
        AssocA:
          Type: AWS::EC2::TransitGatewayRouteTableAssociation
          Properties: {TransitGatewayAttachmentId: !Ref AttachA, TransitGatewayRouteTableId: !Ref Rt}
        PropB:
          Type: AWS::EC2::TransitGatewayRouteTablePropagation
          Properties: {TransitGatewayAttachmentId: !Ref AttachB, TransitGatewayRouteTableId: !Ref Rt}
        Static:
          Type: AWS::EC2::TransitGatewayRoute
          Properties: {TransitGatewayRouteTableId: !Ref Rt, DestinationCidrBlock: 10.9.0.0/16,
                       TransitGatewayAttachmentId: !Ref AttachB}
        Drop:
          Type: AWS::EC2::TransitGatewayRoute
          Properties: {TransitGatewayRouteTableId: !Ref Rt, DestinationCidrBlock: 10.8.0.0/16, Blackhole: true}
    """)
    topology = parse_cloudformation(text, "t.yaml").network.topology
    assert "Tgw.DefaultRouteTable" not in topology.tgw_route_tables
    table = topology.tgw_route_tables["Rt"]
    assert table.propagations == ("AttachB",)
    assert [(str(r.destination), r.attachment, r.blackhole) for r in table.routes] == [
        ("10.9.0.0/16", "AttachB", False), ("10.8.0.0/16", None, True)]
    assert str(table.routes[0].origin) == f"t.yaml:{line_of(text, '  Static:')}"
    assert topology.tgw_attachments["AttachA"].route_table == "Rt"
    assert topology.tgw_attachments["AttachB"].route_table is None  # no association: what it sends is dropped


def test_an_attachment_of_a_shared_transit_gateway_has_a_free_choice_of_routes():
    loaded = read(SUBNETS + """
        Attach:
          Type: AWS::EC2::TransitGatewayVpcAttachment
          Properties: {TransitGatewayId: !ImportValue shared-tgw, VpcId: !Ref Vpc, SubnetIds: [!Ref Private]}
    """)
    attachment = loaded.network.topology.tgw_attachments["Attach"]
    assert attachment.transit_gateway == "!ImportValue shared-tgw"
    assert attachment.route_table not in (None, *loaded.network.topology.tgw_route_tables)
    assert any("its transit gateway is !ImportValue shared-tgw, which is not in the template" in w
               for w in warnings_of(loaded))


# -- JSON templates ----------------------------------------------------------------------

DEFAULT_KEY, DENY_KEY = '"Default"', '"Deny"'

def test_a_json_template_gives_the_same_topology_with_its_own_lines():
    body = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
        "Subnet": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.0.1.0/24"}},
        "Rt": {"Type": "AWS::EC2::RouteTable", "Properties": {"VpcId": {"Fn::GetAtt": ["Vpc", "VpcId"]}}},
        "Igw": {"Type": "AWS::EC2::InternetGateway"},
        "Attach": {"Type": "AWS::EC2::VPCGatewayAttachment",
                   "Properties": {"VpcId": {"Ref": "Vpc"}, "InternetGatewayId": {"Ref": "Igw"}}},
        "Default": {"Type": "AWS::EC2::Route",
                    "Properties": {"RouteTableId": {"Fn::Sub": "${Rt}"}, "DestinationCidrBlock": "0.0.0.0/0",
                                   "GatewayId": {"Ref": "Igw"}}},
        "Assoc": {"Type": "AWS::EC2::SubnetRouteTableAssociation",
                  "Properties": {"SubnetId": {"Ref": "Subnet"}, "RouteTableId": {"Ref": "Rt"}}},
        "Deny": {"Type": "AWS::EC2::NetworkAclEntry",
                 "Properties": {"NetworkAclId": {"Fn::GetAtt": ["Vpc", "DefaultNetworkAcl"]}, "RuleNumber": 50,
                                "Protocol": 6, "RuleAction": "deny", "Egress": False,
                                "CidrBlock": "0.0.0.0/0", "PortRange": {"From": 22, "To": 22}}},
    }}
    text = json.dumps(body, indent=1)
    topology = parse_cloudformation(text, "t.json").network.topology
    route = topology.route_tables["Rt"].routes[0]
    assert (str(route), route.target_kind) == ("0.0.0.0/0 -> Igw", TargetKind.INTERNET_GATEWAY)
    assert str(route.origin) == f"t.json:{line_of(text, DEFAULT_KEY)}"
    assert topology.subnets["Subnet"].route_table == "Rt"
    entry = topology.nacls["Vpc.DefaultNetworkAcl"].inbound[0]
    assert (entry.number, entry.action, entry.service) == (50, AclAction.DENY, Service(TCP, (PortRange(22, 22),)))
    assert str(entry.origin) == f"t.json:{line_of(text, DENY_KEY)}"


# -- bad values ----------------------------------------------------------------------

ACL = SUBNETS + """
Acl:
  Type: AWS::EC2::NetworkAcl
  Properties: {VpcId: !Ref Vpc}
"""


def entry(name: str, props: str) -> str:
    return f"{name}:\n  Type: AWS::EC2::NetworkAclEntry\n  Properties: {{NetworkAclId: !Ref Acl, {props}}}\n"


ALLOW = "Protocol: -1, RuleAction: allow, CidrBlock: 0.0.0.0/0"


@pytest.mark.parametrize("extra, marker, expected", [
    (entry("Zero", f"RuleNumber: 0, {ALLOW}"), "  Zero:",
     "error: network ACL Acl inbound rule number 0 is outside 1-32766"),
    (entry("Huge", f"RuleNumber: 32767, Egress: true, {ALLOW}"), "  Huge:",
     "error: network ACL Acl outbound rule number 32767 is outside 1-32766"),
    (entry("First", f"RuleNumber: 100, {ALLOW}") + entry("Second", "RuleNumber: 100, Protocol: 6, "
     "RuleAction: deny, Ipv6CidrBlock: '::/0', PortRange: {From: 22, To: 22}"), "  Second:",
     "error: network ACL Acl has two inbound rules numbered 100"),
    (entry("Bad", "RuleNumber: 100, Protocol: -1, RuleAction: allow, CidrBlock: 10.0.0.300/8"), "10.0.0.300/8",
     "error: network ACL entry Bad CidrBlock: invalid CIDR '10.0.0.300/8'"),
    (entry("Sixed", "RuleNumber: 100, Protocol: -1, RuleAction: allow, CidrBlock: '::/0'"), "CidrBlock: '::/0'",
     "error: network ACL entry Sixed CidrBlock ::/0 is not an IPv4 block"),
    (entry("Word", "RuleNumber: first, Protocol: -1, RuleAction: allow, CidrBlock: 0.0.0.0/0"), "RuleNumber: first",
     "error: RuleNumber must be a number from 1 to 32766, not 'first'"),
    (entry("Maybe", "RuleNumber: 100, Protocol: -1, RuleAction: perhaps, CidrBlock: 0.0.0.0/0"), "perhaps",
     "error: RuleAction must be allow or deny, not 'perhaps'"),
    (entry("NoPorts", "RuleNumber: 100, Protocol: 6, RuleAction: allow, CidrBlock: 0.0.0.0/0"), "Protocol: 6, RuleAction: allow, CidrBlock: 0.0.0.0/0}",
     "error: a tcp or udp network ACL entry needs PortRange"),
    (entry("Typo", f"RuleNumbr: 100, {ALLOW}"), "RuleNumbr",
     "error: unknown key 'RuleNumbr' in AWS::EC2::NetworkAclEntry Typo (did you mean 'RuleNumber'"),
    ("Rt: {Type: AWS::EC2::RouteTable, Properties: {VpcId: !Ref Vpc}}\n"
     "Wide:\n  Type: AWS::EC2::Route\n  Properties: {RouteTableId: !Ref Rt, DestinationCidrBlock: 0.0.0.0/33, "
     "GatewayId: igw-1}\n", "0.0.0.0/33", "error: route Wide DestinationCidrBlock: invalid CIDR '0.0.0.0/33'"),
    ("Rt: {Type: AWS::EC2::RouteTable, Properties: {VpcId: !Ref Vpc}}\n"
     "Twice:\n  Type: AWS::EC2::Route\n  Properties: {RouteTableId: !Ref Rt, DestinationCidrBlock: 0.0.0.0/0, "
     "GatewayId: igw-1, NatGatewayId: nat-1}\n", "  Twice:",
     "error: route Twice needs exactly one target (it has GatewayId, NatGatewayId)"),
    ("Odd:\n  Type: AWS::EC2::Subnet\n  Properties: {VpcId: !Ref Vpc, CidrBlock: 10.0.3.0}\n", "10.0.3.0}",
     "error: subnet Odd CidrBlock: invalid CIDR '10.0.3.0'"),
    ("Outside:\n  Type: AWS::EC2::Subnet\n  Properties: {VpcId: !Ref Vpc, CidrBlock: 10.9.0.0/24}\n", "  Outside:",
     "error: subnet Outside block 10.9.0.0/24 is outside the blocks of VPC Vpc"),
    ("Rt: {Type: AWS::EC2::RouteTable, Properties: {VpcId: !Ref Vpc}}\n"
     "A1:\n  Type: AWS::EC2::SubnetRouteTableAssociation\n  Properties: {SubnetId: !Ref Public, RouteTableId: !Ref Rt}\n"
     "A2:\n  Type: AWS::EC2::SubnetRouteTableAssociation\n  Properties: {SubnetId: !Ref Public, RouteTableId: !Ref Rt}\n",
     "  A2:", "error: subnet Public has two route table associations, A1 (line "),
    ("N1:\n  Type: AWS::EC2::SubnetNetworkAclAssociation\n  Properties: {SubnetId: !Ref Private, NetworkAclId: !Ref Acl}\n"
     "N2:\n  Type: AWS::EC2::SubnetNetworkAclAssociation\n"
     "  Properties: {SubnetId: !Ref Private, NetworkAclId: !GetAtt Vpc.DefaultNetworkAcl}\n",
     "  N2:", "error: subnet Private has two network ACL associations, N1 (line "),
    ("Igw: {Type: AWS::EC2::InternetGateway}\nOther: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.1.0.0/16}}\n"
     "G1:\n  Type: AWS::EC2::VPCGatewayAttachment\n  Properties: {VpcId: !Ref Vpc, InternetGatewayId: !Ref Igw}\n"
     "G2:\n  Type: AWS::EC2::VPCGatewayAttachment\n  Properties: {VpcId: !Ref Other, InternetGatewayId: !Ref Igw}\n",
     "  G2:", "error: internet gateway Igw is already attached to VPC Vpc by G1"),
    ("Wrong:\n  Type: AWS::EC2::RouteTable\n  Properties: {VpcId: !Ref Public}\n", "VpcId: !Ref Public",
     "error: Public is a AWS::EC2::Subnet, not a VPC"),
])
def test_bad_values_are_one_line_with_their_location(extra, marker, expected):
    resources = ACL + extra
    lines = rejected(resources)
    line = line_of(template(resources), marker)
    assert len(lines) == 1 and lines[0].startswith(f"t.yaml:{line}: {expected}"), lines


def test_every_bad_value_of_the_layer_is_reported_at_once():
    lines = rejected(ACL + entry("Zero", f"RuleNumber: 0, {ALLOW}")
                     + entry("Bad", "RuleNumber: 5, Protocol: -1, RuleAction: allow, CidrBlock: nope")
                     + "Odd:\n  Type: AWS::EC2::Subnet\n  Properties: {VpcId: !Ref Vpc, CidrBlock: 10.0.3.0/33}\n")
    assert len(lines) == 3 and all(": error: " in line for line in lines), lines


def test_a_transit_gateway_association_besides_the_default_one_is_refused():
    resources = TRANSIT % ("enable", "enable") + """
        Rt:
          Type: AWS::EC2::TransitGatewayRouteTable
          Properties: {TransitGatewayId: !Ref Tgw}
        AssocA:
          Type: AWS::EC2::TransitGatewayRouteTableAssociation
          Properties: {TransitGatewayAttachmentId: !Ref AttachA, TransitGatewayRouteTableId: !Ref Rt}
    """
    lines = rejected(resources)
    assert lines == [f"t.yaml:{line_of(template(resources), '  AssocA:')}: error: attachment AttachA is associated "
                     "with the default route table of transit gateway Tgw (DefaultRouteTableAssociation is enable): "
                     "it cannot also be associated with Rt"]


def test_cli_bad_topology_exits_2_with_one_line_per_problem(tmp_path):
    bad = tmp_path / "bad.yaml"
    resources = ACL + entry("Zero", f"RuleNumber: 0, {ALLOW}")
    bad.write_text(template(resources))
    done = run(["import", bad, "-o", tmp_path / "out.yaml"], 2)
    problems = [line.removeprefix("sgverify: ") for line in done.stderr.splitlines() if ": error: " in line]
    assert problems == [f"{bad}:{line_of(template(resources), '  Zero:')}: error: network ACL Acl inbound rule "
                        "number 0 is outside 1-32766"], done.stderr


def test_an_interface_with_only_its_elastic_ip_known_still_sends_from_its_private_address():
    # Eni's private address is not written; its Elastic IP is. It sends from its private address,
    # which Box's group admits by reference. Before, with only the Elastic IP kept, the
    # security-group view gave it no private address to send from, and the deny held.
    loaded = read(SUBNETS + """
        Web: {Type: AWS::EC2::SecurityGroup, Properties: {GroupDescription: web, VpcId: !Ref Vpc}}
        Db:
          Type: AWS::EC2::SecurityGroup
          Properties:
            GroupDescription: db
            VpcId: !Ref Vpc
            SecurityGroupIngress: [{IpProtocol: tcp, FromPort: 22, ToPort: 22, SourceSecurityGroupId: !Ref Web}]
        Box:
          Type: AWS::EC2::Instance
          Properties: {SubnetId: !Ref Private, PrivateIpAddress: 10.0.2.20, SecurityGroupIds: [!Ref Db]}
        Eni:
          Type: AWS::EC2::NetworkInterface
          Properties: {SubnetId: !Ref Private, GroupSet: [!Ref Web]}
        EniEip:
          Type: AWS::EC2::EIPAssociation
          Properties: {NetworkInterfaceId: !Ref Eni, EIP: 198.51.100.7}
    """)
    for layers in ("", "layers: security-groups\n"):
        doc = parse_spec(layers + "assertions:\n  - name: eni to box\n"
                                  "    deny: {from: Eni, to: Box, protocol: tcp, ports: 22}\n", "spec.yaml")
        spec, _ = resolve_spec(doc, loaded.network)
        assert [r.verdict for r in verify(loaded.network, spec)] == [Verdict.VIOLATED], layers
