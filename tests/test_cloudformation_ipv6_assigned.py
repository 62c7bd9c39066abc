"""CloudFormation: IPv6 blocks and addresses AWS assigns, which no template holds.

A VPC block from Amazon's pool (`AmazonProvidedIpv6CidrBlock: true`), the
subnets cut from it with `!Cidr`, and the addresses an interface gets
(`Ipv6AddressCount`, `Ipv6PrefixCount`, a launch template's interfaces, a
subnet's `AssignIpv6AddressOnCreation`) have no value in a template. The
verdicts below are worked out by hand from AWS's behaviour: an interface that
gets IPv6 has a global address from its subnet's /64, which the internet
reaches through the VPC's internet gateway where the subnet's table routes
::/0 there and its groups admit it. None of them may be a "holds" that AWS
does not keep; where the template cannot say, a free choice decides.
"""

from __future__ import annotations

import textwrap

from sgverify.inputs.cloudformation.reader import parse_cloudformation
from sgverify.model import Cidr, Family, UnknownPeer
from sgverify.solve import Verdict, verify
from sgverify.spec.parse import parse_spec
from sgverify.spec.resolve import resolve_spec

# A dual-stack VPC whose IPv6 /56 Amazon assigns; a subnet cut from it; the subnet's table sends ::/0
# to the internet gateway; Web's group admits ssh from any IPv6 address and nothing over IPv4, and
# lets it send anything anywhere.
# %(subnet)s adds to the subnet, %(web)s to the instance, %(more)s more resources.
VPC = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.0.0.0/16}
  VpcV6:
    Type: AWS::EC2::VPCCidrBlock
    Properties: {VpcId: !Ref Vpc, AmazonProvidedIpv6CidrBlock: true}
  Public:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Vpc
      CidrBlock: 10.0.1.0/24
      Ipv6CidrBlock: !Select [0, !Cidr [!Select [0, !GetAtt Vpc.Ipv6CidrBlocks], 256, 64]]
%(subnet)s
  Gw:
    Type: AWS::EC2::InternetGateway
  GwAttach:
    Type: AWS::EC2::VPCGatewayAttachment
    Properties: {VpcId: !Ref Vpc, InternetGatewayId: !Ref Gw}
  Table:
    Type: AWS::EC2::RouteTable
    Properties: {VpcId: !Ref Vpc}
  V6Default:
    Type: AWS::EC2::Route
    Properties: {RouteTableId: !Ref Table, DestinationIpv6CidrBlock: "::/0", GatewayId: !Ref Gw}
  Assoc:
    Type: AWS::EC2::SubnetRouteTableAssociation
    Properties: {SubnetId: !Ref Public, RouteTableId: !Ref Table}
  WebSg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: web
      VpcId: !Ref Vpc
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIpv6: "::/0"}
      SecurityGroupEgress:
        - {IpProtocol: "-1", CidrIp: 0.0.0.0/0}
        - {IpProtocol: "-1", CidrIpv6: "::/0"}
  Web:
    Type: AWS::EC2::Instance
    Properties:
      ImageId: ami-12345678
      SubnetId: !Ref Public
      PrivateIpAddress: 10.0.1.10
      SecurityGroupIds: [!Ref WebSg]
%(web)s
%(more)s
"""

SSH = """
- name: no ssh from the internet
  deny: {from: internet, to: %(to)s, protocol: tcp, ports: 22}
- name: no ssh from any IPv4 address
  deny: {from: 0.0.0.0/0, to: %(to)s, protocol: tcp, ports: 22}
"""


def template(subnet: str = "", web: str = "", more: str = "") -> str:
    return VPC % {"subnet": subnet, "web": web, "more": more}


def read(text: str):
    return parse_cloudformation(text, "t.yaml")


def results(network, assertions: str) -> dict:
    doc = parse_spec("assertions:\n" + textwrap.indent(textwrap.dedent(assertions), "  "))
    spec, _ = resolve_spec(doc, network)
    return {r.assertion.name: r for r in verify(network, spec)}


def warnings_of(loaded) -> list[str]:
    return [f"{w.location}: {w.message}" for w in loaded.warnings]


def line_of(text: str, marker: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if marker in line)


def _violated_over_ipv6(network, to: str = "Web") -> None:
    found = results(network, SSH % {"to": to})
    ssh = found["no ssh from the internet"]
    assert ssh.verdict is Verdict.VIOLATED
    assert ssh.counterexample.packet.family is Family.V6  # reached on an IPv6 address
    # Over IPv4 nothing admits ssh: still a proof, wherever the resource is in its subnet.
    assert found["no ssh from any IPv4 address"].verdict is Verdict.HOLDS


def test_an_instance_without_ipv6_keeps_its_written_address_and_is_not_reached():
    # No count, no launch template, a subnet that assigns none: AWS gives Web no IPv6 address, so the
    # ::/0 rule admits nothing that can reach it, and nothing admits IPv4 ssh.
    loaded = read(template())
    web = loaded.network.resources["Web"]
    assert web.ips == ((Family.V4, 0x0A00010A),)
    found = results(loaded.network, SSH % {"to": "Web"})
    assert {name: r.verdict for name, r in found.items()} == {
        "no ssh from the internet": Verdict.HOLDS, "no ssh from any IPv4 address": Verdict.HOLDS}
    assert not any("IPv6 addresses AWS assigns" in w for w in warnings_of(loaded))


def test_an_instance_whose_subnet_assigns_ipv6_is_reached_over_ipv6():
    text = template(subnet="      AssignIpv6AddressOnCreation: true")
    loaded = read(text)
    _violated_over_ipv6(loaded.network)
    assert (f"t.yaml:{line_of(text, '  Web:')}: Web may have IPv6 addresses AWS assigns (its subnet Public has "
            "AssignIpv6AddressOnCreation true): it is taken to be at its written addresses or any address of "
            "::/0") in warnings_of(loaded)


def test_an_instance_whose_launch_template_asks_for_ipv6_is_reached_over_ipv6():
    # The instance writes its IPv4 address; its launch template's interface asks AWS for one IPv6
    # address from the subnet. Before, Web kept 10.0.1.10 alone and the first deny held.
    text = template(web="      LaunchTemplate: {LaunchTemplateId: !Ref Lt, Version: \"1\"}", more="""\
  Lt:
    Type: AWS::EC2::LaunchTemplate
    Properties:
      LaunchTemplateData:
        NetworkInterfaces:
          - {DeviceIndex: 0, Ipv6AddressCount: 1}
""")
    loaded = read(text)
    _violated_over_ipv6(loaded.network)
    assert any(w.startswith(f"t.yaml:{line_of(text, '  Web:')}: Web may have IPv6 addresses AWS assigns "
                            "(its launch template Lt: Ipv6AddressCount is 1)") for w in warnings_of(loaded))
    # The template launches Web and nothing else: it is no resource of its own.
    assert sorted(loaded.network.resources) == ["Web"]


def test_an_interface_with_delegated_ipv6_prefixes_is_reached_over_ipv6():
    # Every address of a delegated /80 reaches the interface; AWS picks the prefix in the subnet.
    # Before, the interface kept its written IPv4 address alone and the first deny held.
    text = template(more="""\
  Eni:
    Type: AWS::EC2::NetworkInterface
    Properties:
      SubnetId: !Ref Public
      PrivateIpAddress: 10.0.1.20
      Ipv6PrefixCount: 1
      GroupSet: [!Ref WebSg]
""")
    loaded = read(text)
    _violated_over_ipv6(loaded.network, to="Eni")
    assert any("Eni may have IPv6 addresses AWS assigns (Ipv6PrefixCount is 1)" in w for w in warnings_of(loaded))


def test_a_count_of_zero_asks_for_none():
    loaded = read(template(web="      Ipv6AddressCount: 0"))
    assert loaded.network.resources["Web"].ips == ((Family.V4, 0x0A00010A),)
    assert results(loaded.network, SSH % {"to": "Web"})["no ssh from the internet"].verdict is Verdict.HOLDS


# Security groups only: an autoscaling group in a subnet of another stack, whose launch template asks
# for an IPv6 address. Its subnet's blocks are not known, so it may have any IPv6 address.
FLEET = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  WebSg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: web
      VpcId: vpc-0abc
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIpv6: "::/0"}
  Lt:
    Type: AWS::EC2::LaunchTemplate
    Properties:
      LaunchTemplateData:
        NetworkInterfaces:
          - {DeviceIndex: 0, Ipv6AddressCount: %s, Groups: [!Ref WebSg]}
  Fleet:
    Type: AWS::AutoScaling::AutoScalingGroup
    Properties:
      MinSize: "1"
      MaxSize: "2"
      VPCZoneIdentifier: [subnet-0abc]
      LaunchTemplate: {LaunchTemplateId: !Ref Lt, Version: "1"}
"""


def test_a_fleet_in_a_subnet_not_known_that_asks_for_ipv6_may_have_any_ipv6_address():
    # Before, the fleet stood for private IPv4 space only and "no ssh from the internet" held.
    loaded = read(FLEET % 1)
    fleet = loaded.network.resources["Fleet"]
    assert Cidr.parse("::/0") in fleet.subnets and Cidr.parse("10.0.0.0/8") in fleet.subnets
    _violated_over_ipv6(loaded.network, to="Fleet")
    assert any("Fleet may have IPv6 addresses AWS assigns (its launch template Lt: Ipv6AddressCount is 1) "
               "from a block the template does not give" in w for w in warnings_of(loaded))


def test_a_fleet_that_asks_for_no_ipv6_stays_in_private_ipv4_space():
    loaded = read(FLEET % 0)
    assert all(c.family is Family.V4 for c in loaded.network.resources["Fleet"].subnets)
    assert results(loaded.network, SSH % {"to": "Fleet"})["no ssh from the internet"].verdict is Verdict.HOLDS


# Web (its subnet assigns IPv6) and a database in the same subnet; the database's group admits
# 5432 from 2600:1f18::/32 only, a block AWS may well assign this VPC's addresses from.
DB = """\
  DbSg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: db
      VpcId: !Ref Vpc
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 5432, ToPort: 5432, CidrIpv6: "%s"}
  Db:
    Type: AWS::EC2::Instance
    Properties: {ImageId: ami-1, SubnetId: !Ref Public, SecurityGroupIds: [!Ref DbSg]}
"""
TO_DB = """
- name: web cannot reach the database
  deny: {from: Web, to: Db, protocol: tcp, ports: 5432}
"""


def test_a_literal_ipv6_rule_beside_an_assigned_block_may_admit_the_vpc():
    # Whether 2600:1f18::/32 holds the VPC's addresses is not known before deployment. Before, it was
    # compared with the stand-in 3fff:0:10:100::/56, matched neither address, and the deny held.
    text = template(subnet="      AssignIpv6AddressOnCreation: true", more=DB % "2600:1f18::/32")
    loaded = read(text)
    rules = loaded.network.groups["DbSg"].ingress
    assert [str(r.peer) for r in rules][0] == "2600:1f18::/32" and isinstance(rules[1].peer, UnknownPeer)
    assert results(loaded.network, TO_DB)["web cannot reach the database"].verdict is Verdict.VIOLATED
    assert (f"t.yaml:{line_of(text, 'FromPort: 5432')}: ingress rule CidrIpv6 is 2600:1f18::/32, which may or "
            f"may not hold the IPv6 block AWS assigns to VpcV6 (t.yaml:{line_of(text, '  VpcV6:')}): it is "
            "taken to admit the VPC's addresses or not, a free choice") in warnings_of(loaded)


def test_blocks_that_compare_the_same_with_any_assigned_block_stay_literal():
    # ::/0 holds every global address; fd00::/8 (unique local) and 2001:db8::/32 (documentation) hold
    # none AWS assigns: each admits the VPC's addresses or not whatever block AWS picks.
    for block in ("::/0", "fd00::/8", "2001:db8::/32"):
        loaded = read(template(subnet="      AssignIpv6AddressOnCreation: true", more=DB % block))
        assert [str(r.peer) for r in loaded.network.groups["DbSg"].ingress] == [block]
        assert not any("which may or may not hold" in w for w in warnings_of(loaded))
    verdict = results(read(template(subnet="      AssignIpv6AddressOnCreation: true", more=DB % "fd00::/8")).network,
                      TO_DB)["web cannot reach the database"].verdict
    assert verdict is Verdict.HOLDS  # Web sends from its global address, never from fd00::/8


def test_a_literal_ipv6_rule_without_an_assigned_block_is_the_block_itself():
    text = template(more=DB % "2600:1f18::/32").replace(
        "AmazonProvidedIpv6CidrBlock: true", "Ipv6CidrBlock: 2600:1f18:aa00::/56")
    loaded = read(text)
    assert [str(r.peer) for r in loaded.network.groups["DbSg"].ingress] == ["2600:1f18::/32"]


# A second subnet of the VPC for the database, whose NACL admits 5432 only from 2600:1f18::/32.
NACL = DB % "::/0" + """\
  Private:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Vpc
      CidrBlock: 10.0.2.0/24
      Ipv6CidrBlock: !Select [1, !Cidr [!Select [0, !GetAtt Vpc.Ipv6CidrBlocks], 256, 64]]
  Acl:
    Type: AWS::EC2::NetworkAcl
    Properties: {VpcId: !Ref Vpc}
  AclAssoc:
    Type: AWS::EC2::SubnetNetworkAclAssociation
    Properties: {SubnetId: !Ref Private, NetworkAclId: !Ref Acl}
  InDb:
    Type: AWS::EC2::NetworkAclEntry
    Properties: {NetworkAclId: !Ref Acl, RuleNumber: 100, RuleAction: allow, Protocol: 6,
                 PortRange: {From: 5432, To: 5432}, Ipv6CidrBlock: "%s"}
"""


def test_a_nacl_entry_with_a_literal_ipv6_block_beside_an_assigned_one_leaves_its_nacl_out():
    # Web (its subnet assigns IPv6) sends to Db in Private, whose NACL admits 5432 only from
    # 2600:1f18::/32 (and nothing over IPv4). Web's address may well lie in that block, and then AWS
    # delivers. Before, the entry was compared with the stand-in, admitted none of Web's addresses,
    # and the deny held. Now the NACL is left out, a free choice: the deny is violated.
    text = template(subnet="      AssignIpv6AddressOnCreation: true",
                    more=NACL.replace("SubnetId: !Ref Public, SecurityGroupIds: [!Ref DbSg]",
                                      "SubnetId: !Ref Private, SecurityGroupIds: [!Ref DbSg]") % "2600:1f18::/32")
    loaded = read(text)
    assert "Acl" not in loaded.network.topology.nacls
    assert (f"t.yaml:{line_of(text, '  InDb:')}: network ACL Acl is left out of the VPC layer (entry InDb: "
            f"Ipv6CidrBlock is not known before deployment: 2600:1f18::/32 may or may not hold the IPv6 block "
            f"AWS assigns to VpcV6 (t.yaml:{line_of(text, '  VpcV6:')})); what depends on it is a free choice"
            ) in warnings_of(loaded)
    found = results(loaded.network, TO_DB)["web cannot reach the database"]
    assert found.verdict is Verdict.VIOLATED and found.counterexample.packet.family is Family.V6


def test_a_nacl_entry_of_unique_local_space_is_kept_and_denies_the_vpc():
    # fd00::/8 holds none of the VPC's addresses whatever AWS assigns: the NACL is read, and it admits
    # nothing Web sends from (its global IPv6 address, or 10.0.1.0/24): the deny holds.
    text = template(subnet="      AssignIpv6AddressOnCreation: true",
                    more=NACL.replace("SubnetId: !Ref Public, SecurityGroupIds: [!Ref DbSg]",
                                      "SubnetId: !Ref Private, SecurityGroupIds: [!Ref DbSg]") % "fd00::/8")
    loaded = read(text)
    assert "Acl" in loaded.network.topology.nacls
    assert results(loaded.network, TO_DB)["web cannot reach the database"].verdict is Verdict.HOLDS


def test_a_route_with_a_literal_ipv6_block_beside_an_assigned_one_leaves_its_table_out():
    text = template(more="""\
  ToPeer:
    Type: AWS::EC2::Route
    Properties: {RouteTableId: !Ref Table, DestinationIpv6CidrBlock: "2600:1f18::/32",
                 VpcPeeringConnectionId: pcx-0abc}
""")
    loaded = read(text)
    assert "Table" not in loaded.network.topology.route_tables
    assert any("route ToPeer: DestinationIpv6CidrBlock" in w and "may or may not hold the IPv6 block AWS "
               "assigns to VpcV6" in w for w in warnings_of(loaded))


def test_a_literal_subnet_block_is_kept_in_a_vpc_whose_blocks_are_all_literal_only():
    subnet = "Ipv6CidrBlock: !Select [0, !Cidr [!Select [0, !GetAtt Vpc.Ipv6CidrBlocks], 256, 64]]"
    assigned = read(template().replace(subnet, "Ipv6CidrBlock: 2600:1f18:aa00:1::/64"))
    assert "Public" not in assigned.network.topology.subnets
    literal = read(template().replace(subnet, "Ipv6CidrBlock: 2600:1f18:aa00:1::/64").replace(
        "AmazonProvidedIpv6CidrBlock: true", "Ipv6CidrBlock: 2600:1f18:aa00::/56"))
    assert Cidr.parse("2600:1f18:aa00:1::/64") in literal.network.topology.subnets["Public"].cidrs


LOAD_BALANCER = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  LbSg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: lb
      VpcId: vpc-0abc
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIpv6: "::/0"}
  Lb:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties:
      Subnets: [subnet-0abc, subnet-0def]
      SecurityGroups: [!Ref LbSg]
%s
"""
HTTPS = """
- name: no https from the internet
  deny: {from: internet, to: Lb, protocol: tcp, ports: 443}
"""


def test_a_dual_stack_load_balancer_in_subnets_not_known_may_have_any_ipv6_address():
    # A dualstack load balancer has IPv6 addresses in its subnets; those of another stack have blocks
    # the template does not hold. An IPv4 one has none, and its ::/0 rule admits nothing.
    dual = read(LOAD_BALANCER % "      IpAddressType: dualstack")
    assert Cidr.parse("::/0") in dual.network.resources["Lb"].subnets
    assert results(dual.network, HTTPS)["no https from the internet"].verdict is Verdict.VIOLATED
    plain = read(LOAD_BALANCER % "      IpAddressType: ipv4")
    assert results(plain.network, HTTPS)["no https from the internet"].verdict is Verdict.HOLDS


PREFIX_LIST = """\
  Peers:
    Type: AWS::EC2::PrefixList
    Properties:
      PrefixListName: peers
      AddressFamily: IPv6
      MaxEntries: 2
      Entries: [{Cidr: "2600:1f18::/32"}]
"""


def test_a_prefix_list_entry_beside_an_assigned_block_is_a_free_choice_for_rules_and_routes():
    # The same as a rule's literal block: Web (its subnet assigns IPv6, its group lets it send) may
    # have an address in 2600:1f18::/32, and Db admits the list. Before, the deny held.
    db = (DB % "::/0").replace('CidrIpv6: "::/0"', "SourcePrefixListId: !Ref Peers")
    text = template(subnet="      AssignIpv6AddressOnCreation: true", more=db + PREFIX_LIST + """\
  ToPeers:
    Type: AWS::EC2::Route
    Properties: {RouteTableId: !Ref Table, DestinationPrefixListId: !Ref Peers, VpcPeeringConnectionId: pcx-0abc}
""")
    loaded = read(text)
    peers = [r.peer for r in loaded.network.groups["DbSg"].ingress]
    assert str(peers[0]) == "Peers" and isinstance(peers[1], UnknownPeer)
    assert results(loaded.network, TO_DB)["web cannot reach the database"].verdict is Verdict.VIOLATED
    assert "Table" not in loaded.network.topology.route_tables


# Db in a second subnet whose NACL admits IPv6 only; its group admits Web's members on 5432.
LOCAL_DB = """\
  DbSg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: db
      VpcId: !Ref Vpc
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 5432, ToPort: 5432, SourceSecurityGroupId: !Ref WebSg}
  Db:
    Type: AWS::EC2::Instance
    Properties: {ImageId: ami-1, SubnetId: !Ref Private, SecurityGroupIds: [!Ref DbSg]}
  Private:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Vpc
      CidrBlock: 10.0.2.0/24
      Ipv6CidrBlock: !Select [1, !Cidr [!Select [0, !GetAtt Vpc.Ipv6CidrBlocks], 256, 64]]
      AssignIpv6AddressOnCreation: true
  Acl:
    Type: AWS::EC2::NetworkAcl
    Properties: {VpcId: !Ref Vpc}
  AclAssoc:
    Type: AWS::EC2::SubnetNetworkAclAssociation
    Properties: {SubnetId: !Ref Private, NetworkAclId: !Ref Acl}
  InAll:
    Type: AWS::EC2::NetworkAclEntry
    Properties: {NetworkAclId: !Ref Acl, RuleNumber: 100, RuleAction: allow, Protocol: -1, Ipv6CidrBlock: "::/0"}
"""


def test_a_written_ipv6_address_in_a_block_aws_assigns_is_anywhere_in_its_subnet():
    # Web writes 2600:1f18:aa00:1::10: the VPC's block is AWS's, so that address is in whichever /64
    # Public gets, which the VPC layer holds as a stand-in. Web reaches Db over the local route in
    # IPv6 (the NACL admits ::/0, Db's group admits Web's members); IPv4 the NACL drops. Before, the
    # address was compared with the stand-in and the template refused as an address outside its subnet.
    text = template(web='      Ipv6Addresses: [{Ipv6Address: "2600:1f18:aa00:1::10"}]', more=LOCAL_DB)
    loaded = read(text)
    assert loaded.network.resources["Web"].symbolic
    assert any("Web may have IPv6 addresses AWS assigns (its written address 2600:1f18:aa00:1::10 may or may "
               "not be in the IPv6 block AWS assigns to VpcV6" in w for w in warnings_of(loaded))
    found = results(loaded.network, TO_DB)["web cannot reach the database"]
    assert found.verdict is Verdict.VIOLATED and found.counterexample.packet.family is Family.V6


def test_a_written_ipv6_address_in_a_literal_vpc_block_is_kept():
    text = template(web='      Ipv6Addresses: [{Ipv6Address: "2600:1f18:aa00:0::10"}]').replace(
        "AmazonProvidedIpv6CidrBlock: true", "Ipv6CidrBlock: 2600:1f18:aa00::/56")
    web = read(text).network.resources["Web"]
    assert not web.symbolic and len(web.ips) == 2


def test_a_block_from_an_ipam_pool_is_one_aws_assigns_too():
    text = template(more=DB % "2600:1f18::/32").replace(
        "AmazonProvidedIpv6CidrBlock: true", "Ipv6IpamPoolId: ipam-pool-0abc, Ipv6NetmaskLength: 56")
    loaded = read(text)
    assert isinstance(loaded.network.groups["DbSg"].ingress[1].peer, UnknownPeer)
    assert any("may or may not hold the IPv6 block AWS assigns to VpcV6" in w for w in warnings_of(loaded))
