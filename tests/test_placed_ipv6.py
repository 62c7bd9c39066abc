"""Resources the path places in a VPC the input does not describe.

A resource whose subnet the input does not hold and whose VPC is not
described is "elsewhere": an outside host with its groups, at any private
IPv4 address when its addresses are not known. Such a resource must neither
vanish (a `deny` about it would hold vacuously) nor hide the outside hosts
whose addresses it may have (a `deny` from them would hold). Verdicts are
worked out by hand.

Not yet: an elsewhere resource whose reader gives it IPv6 addresses (::/0
for addresses AWS assigns from a block not known) has no IPv6 end, since
giving it one would, as the outside end is made today, take those addresses
from the internet's hosts.
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


# A fleet in a subnet of another stack whose launch template asks for an IPv6 address, so it may
# have any IPv6 address; it is in no described subnet and its VPC is not known.
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
