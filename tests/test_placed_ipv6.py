"""Resources the path places in a VPC the input does not describe.

A resource whose subnet the input does not hold and whose VPC is not
described is "elsewhere": an outside host with its groups. Where its
addresses are not known it may be at any private IPv4 address and, when its
reader gives it IPv6 blocks (::/0 for addresses AWS assigns from a block not
known), at any of those: IPv6 addresses are global, so the internet may reach
it there. Such a resource must neither vanish (a `deny` about it would hold
vacuously) nor hide the outside hosts whose addresses it may have (a `deny`
from them would hold). Verdicts are worked out by hand.
"""

from __future__ import annotations

import textwrap

from sgverify.inputs.cloudformation.reader import parse_cloudformation
from sgverify.model import Family
from sgverify.solve import Verdict, verify
from sgverify.spec.parse import parse_spec
from sgverify.spec.resolve import resolve_spec

HEAD = 'AWSTemplateFormatVersion: "2010-09-09"\n'


def verdict(template: str, assertion: str):
    network = parse_cloudformation(HEAD + textwrap.dedent(template), "t.yaml").network
    doc = parse_spec("assertions:\n" + textwrap.indent(textwrap.dedent(assertion), "  "))
    spec, _ = resolve_spec(doc, network)
    return verify(network, spec)[0]


# A fleet in a subnet of another stack whose launch template asks for an IPv6 address; the only
# VPC described has no IPv6 block, so the fleet is in a VPC the input does not describe.
FLEET = """\
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.9.0.0/16}
  FleetSg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: fleet
      VpcId: vpc-0abc
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIpv6: "::/0"}
  Lt:
    Type: AWS::EC2::LaunchTemplate
    Properties:
      LaunchTemplateData:
        NetworkInterfaces:
          - {DeviceIndex: 0, Ipv6AddressCount: 1, Groups: [!Ref FleetSg]}
  Fleet:
    Type: AWS::AutoScaling::AutoScalingGroup
    Properties:
      MinSize: "1"
      MaxSize: "2"
      VPCZoneIdentifier: [subnet-0abc]
      LaunchTemplate: {LaunchTemplateId: !Ref Lt, Version: "1"}
"""


def test_a_fleet_elsewhere_that_gets_ipv6_is_reached_from_the_internet_over_ipv6():
    # Its VPC may route ::/0 to an internet gateway and its instances get global addresses: its
    # group admits ssh from any IPv6 address, so AWS may deliver ssh from the internet.
    found = verdict(FLEET, "- {name: ssh, deny: {from: internet, to: Fleet, protocol: tcp, ports: 22}}")
    assert found.verdict is Verdict.VIOLATED and found.counterexample.packet.family is Family.V6


# A dual-stack VPC whose public subnet routes ::/0 to the internet gateway; Web admits ssh from
# any IPv6 address and gets an address from the subnet. The fleet above is beside it.
WEB = FLEET + """\
  VpcV6:
    Type: AWS::EC2::VPCCidrBlock
    Properties: {VpcId: !Ref Vpc, Ipv6CidrBlock: "2600:1f18:aa00::/56"}
  Public:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.9.1.0/24, Ipv6CidrBlock: "2600:1f18:aa00:1::/64",
                 AssignIpv6AddressOnCreation: true}
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
  Web:
    Type: AWS::EC2::Instance
    Properties: {ImageId: ami-1, SubnetId: !Ref Public, SecurityGroupIds: [!Ref WebSg]}
"""


def test_a_fleet_elsewhere_does_not_hide_the_internet_from_other_resources():
    # Any internet host reaches Web's global address through the gateway; that the fleet may have
    # any IPv6 address does not take those hosts away.
    found = verdict(WEB, "- {name: ssh, deny: {from: internet, to: Web, protocol: tcp, ports: 22}}")
    assert found.verdict is Verdict.VIOLATED and found.counterexample.packet.family is Family.V6


# A VPC whose subnet routes 10.50.0.0/16 to a VPN gateway (an office network behind it); the
# database's group admits 5432 from the office. A launch configuration's fleet sits in a subnet of
# another stack, so it may be at any private IPv4 address of a VPC the input does not describe.
OFFICE = """\
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.0.0.0/16}
  Private:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.0.1.0/24}
  Table:
    Type: AWS::EC2::RouteTable
    Properties: {VpcId: !Ref Vpc}
  ToVpn:
    Type: AWS::EC2::Route
    Properties: {RouteTableId: !Ref Table, DestinationCidrBlock: 10.50.0.0/16, GatewayId: vgw-0abc}
  Assoc:
    Type: AWS::EC2::SubnetRouteTableAssociation
    Properties: {SubnetId: !Ref Private, RouteTableId: !Ref Table}
  DbSg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: db
      VpcId: !Ref Vpc
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 5432, ToPort: 5432, CidrIp: 10.50.0.0/16}
  Db:
    Type: AWS::EC2::Instance
    Properties: {ImageId: ami-1, SubnetId: !Ref Private, PrivateIpAddress: 10.0.1.10, SecurityGroupIds: [!Ref DbSg]}
  OtherSg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: other
      VpcId: vpc-0abc
      SecurityGroupEgress:
        - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 0.0.0.0/0}
  Lc:
    Type: AWS::AutoScaling::LaunchConfiguration
    Properties: {ImageId: ami-1, InstanceType: t3.micro, SecurityGroups: [!Ref OtherSg]}
  Fleet:
    Type: AWS::AutoScaling::AutoScalingGroup
    Properties:
      MinSize: "1"
      MaxSize: "2"
      VPCZoneIdentifier: [subnet-0abc]
      LaunchConfigurationName: !Ref Lc
"""


def test_a_fleet_elsewhere_does_not_hide_the_hosts_behind_a_vpn():
    # A host of the office network (behind the VPN gateway, which the input does not describe) sends
    # to Db: its NACL is the default one and its group admits the office. The fleet, which may sit at
    # any private address elsewhere and sends only https, is not every host at those addresses.
    found = verdict(OFFICE, "- {name: office, deny: {from: 10.50.0.0/16, to: Db, protocol: tcp, ports: 5432}}")
    assert found.verdict is Verdict.VIOLATED


# An instance in a subnet whose block is not known, of a VPC the template does not hold.
ABSENT_VPC = """\
Parameters:
  Block: {Type: String}
Resources:
  Other:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.9.0.0/16}
  Sub:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: vpc-0abc, CidrBlock: !Ref Block}
  WebSg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: web
      VpcId: vpc-0abc
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 0.0.0.0/0}
  Web:
    Type: AWS::EC2::Instance
    Properties: {ImageId: ami-1, SubnetId: !Ref Sub, SecurityGroupIds: [!Ref WebSg]}
"""


def test_a_resource_of_a_vpc_the_input_does_not_describe_is_still_somewhere():
    # vpc-0abc may have an internet gateway and Web a public address: its group admits ssh from
    # anywhere, so the internet may reach it. It must not vanish from the path.
    found = verdict(ABSENT_VPC, "- {name: ssh, deny: {from: internet, to: Web, protocol: tcp, ports: 22}}")
    assert found.verdict is Verdict.VIOLATED
