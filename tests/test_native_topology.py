"""The native format's VPC layer: each section as read, and every bad value as
one line with file:line."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from sgverify.errors import Severity
from sgverify.inputs import load_network
from sgverify.inputs.native.reader import parse_network
from sgverify.model import (
    ALL,
    ICMP,
    TCP,
    Cidr,
    GroupPeer,
    Network,
    Origin,
    PortRange,
    Service,
    UnknownPeer,
    parse_address,
)
from sgverify.model.topology import (
    AclAction,
    AclEntry,
    EgressOnlyGateway,
    InternetGateway,
    NatGateway,
    Peering,
    Subnet,
    TargetKind,
    TgwAttachment,
    TgwRoute,
    Topology,
    TransitGateway,
    Vpc,
    VpcEndpoint,
)

ROOT = Path(__file__).resolve().parent.parent


def read(text: str, path: str = "f.yaml"):
    return parse_network(textwrap.dedent(text), path)


def net(text: str) -> Network:
    return read(text).network


def cidr(text: str) -> Cidr:
    return Cidr.parse(text)


def ip(text: str) -> int:
    return parse_address(text)[1]


# -- each section as read --------------------------------------------------------

def test_without_a_vpc_layer_nothing_changes():
    network = net("""\
        security_groups: {g: {}}
        resources:
          r: {ips: [10.0.1.5], subnet: 10.0.1.0/24, security_groups: [g]}
        """)
    assert network.topology is None
    resource = network.resources["r"]
    assert resource.subnets == (cidr("10.0.1.0/24"),)
    assert (resource.vpc, resource.subnet_ids, resource.source_dest_check) == ("", (), True)


def test_an_empty_section_is_a_vpc_layer():
    network = net("vpcs: {}\n")
    assert network.topology == Topology()


def test_vpcs():
    topology = net("""\
        vpcs:
          vpc-a: {cidrs: [10.0.0.0/16, "2600:1f18:1::/56"], name: prod, region: eu-west-1, account: "1234"}
          vpc-b:
            cidrs: 10.1.0.0/16
        """).topology
    a, b = topology.vpcs.values()
    assert a == Vpc("vpc-a", (cidr("10.0.0.0/16"), cidr("2600:1f18:1::/56")), "prod", "eu-west-1", "1234",
                    Origin("f.yaml", 2))
    assert (b.key, b.cidrs, b.origin.line) == ("vpc-b", (cidr("10.1.0.0/16"),), 3)


def test_subnets():
    topology = net("""\
        vpcs: {v: {cidrs: [10.0.0.0/16]}}
        subnets:
          pub: {vpc: v, cidrs: [10.0.1.0/24], route_table: rt, nacl: acl, map_public_ip: true, name: public}
          priv: {vpc: v, cidrs: 10.0.2.0/24}
        """).topology
    assert topology.subnets["pub"] == Subnet("pub", "v", (cidr("10.0.1.0/24"),), "rt", "acl", True, "public",
                                             Origin("f.yaml", 3))
    priv = topology.subnets["priv"]
    assert (priv.route_table, priv.nacl, priv.map_public_ip, priv.origin.line) == (None, None, False, 4)


def test_network_acls_sorted_by_number_with_services_and_origins():
    acl = net("""\
        network_acls:
          acl:
            vpc: v
            default: true
            inbound:
              - {number: 200, action: deny, protocol: icmp, icmp_type: 8, cidr: 0.0.0.0/0}
              - {number: 100, action: allow, protocol: tcp, ports: [443, "1024-65535"], cidr: 10.0.0.0/8}
            outbound:
              - number: 100
                action: allow
                protocol: all
                cidr: "::/0"
        """).topology.nacls["acl"]
    assert acl.is_default and acl.vpc == "v" and acl.origin.line == 2
    first, second = acl.inbound
    assert first == AclEntry(100, False, AclAction.ALLOW, cidr("10.0.0.0/8"),
                             Service(TCP, (PortRange(443, 443), PortRange(1024, 65535))), Origin("f.yaml", 7),
                             "{number: 100, action: allow, protocol: tcp, ports: [443, 1024-65535], cidr: 10.0.0.0/8}")
    assert (second.number, second.action, second.service, second.origin.line) == \
        (200, AclAction.DENY, Service(ICMP, None, 8, None), 6)
    (out,) = acl.outbound
    assert (out.egress, out.service, out.cidr, out.origin.line) == (True, Service(ALL), cidr("::/0"), 9)


def test_a_nacl_without_entries_has_none():
    acl = net("network_acls:\n  a: {vpc: v}\n").topology.nacls["a"]
    assert (acl.inbound, acl.outbound, acl.is_default) == ((), (), False)


def test_gateways_of_each_type():
    topology = net("""\
        gateways:
          igw: {type: internet, vpc: v}
          loose: {type: internet}
          eigw: {type: egress-only, vpc: v, name: six}
          nat: {type: nat, subnet: s, private_ip: 10.0.1.5, public_ip: 54.1.2.3}
          natp: {type: nat, subnet: s, connectivity: private}
        """).topology
    assert topology.internet_gateways["igw"] == InternetGateway("igw", "v", "", Origin("f.yaml", 2))
    assert topology.internet_gateways["loose"].vpc is None  # detached
    assert topology.egress_only_gateways["eigw"] == EgressOnlyGateway("eigw", "v", "six", Origin("f.yaml", 4))
    assert topology.nat_gateways["nat"] == NatGateway("nat", "s", ip("10.0.1.5"), ip("54.1.2.3"), True, "",
                                                      Origin("f.yaml", 5))
    natp = topology.nat_gateways["natp"]
    assert (natp.public, natp.private_ip, natp.public_ip) == (False, None, None)


def test_peerings():
    topology = net("""\
        peerings:
          pcx: {requester: a, accepter: b}
          old: {requester: a, accepter: c, active: false, name: gone}
        """).topology
    assert topology.peerings["pcx"] == Peering("pcx", "a", "b", True, "", Origin("f.yaml", 2))
    assert not topology.peerings["old"].active and topology.peerings["old"].name == "gone"


def test_transit_gateways_with_attachments_and_route_tables():
    topology = net("""\
        transit_gateways:
          tgw:
            name: core
            attachments:
              att-a: {vpc: a, subnets: [sa1, sa2], route_table: rt}
              vpn: {type: vpn, route_table: rt}
            route_tables:
              rt:
                propagations: [att-a]
                routes:
                  - {destination: 10.9.0.0/16, attachment: vpn}
                  - {destination: 10.8.0.0/16, blackhole: true}
          shared:
            described: false
            attachments:
              att-b: {vpc: b}
        """).topology
    assert topology.transit_gateways == {"tgw": TransitGateway("tgw", "core", Origin("f.yaml", 2))}
    assert topology.tgw_attachments["att-a"] == TgwAttachment("att-a", "tgw", "a", ("sa1", "sa2"), "rt", "vpc", "",
                                                              Origin("f.yaml", 5))
    vpn = topology.tgw_attachments["vpn"]
    assert (vpn.kind, vpn.vpc) == ("vpn", None)
    assert topology.tgw_attachments["att-b"].transit_gateway == "shared"
    table = topology.tgw_route_tables["rt"]
    assert (table.transit_gateway, table.propagations, table.origin.line) == ("tgw", ("att-a",), 8)
    assert table.routes == (TgwRoute(cidr("10.9.0.0/16"), "vpn", False, Origin("f.yaml", 11)),
                            TgwRoute(cidr("10.8.0.0/16"), None, True, Origin("f.yaml", 12)))


def test_endpoints():
    topology = net("""\
        endpoints:
          s3: {vpc: v, service: com.amazonaws.eu-west-1.s3, prefix_list: pl-s3, route_tables: [rt1, rt2]}
          api: {vpc: v, type: interface}
        """).topology
    assert topology.endpoints["s3"] == VpcEndpoint("s3", "v", "com.amazonaws.eu-west-1.s3", "Gateway", "pl-s3",
                                                   ("rt1", "rt2"), "", Origin("f.yaml", 2))
    assert topology.endpoints["api"].kind == "Interface"  # AWS's spelling, whatever the case written


ROUTED = """\
    vpcs: {v: {cidrs: [10.0.0.0/16]}}
    subnets: {s: {vpc: v, cidrs: [10.0.1.0/24]}}
    gateways:
      igw: {type: internet, vpc: v}
      eigw: {type: egress-only, vpc: v}
      nat: {type: nat, subnet: s}
    peerings: {pcx: {requester: v, accepter: w}}
    transit_gateways: {tgw: {}}
    endpoints: {vpce: {vpc: v, prefix_list: pl-s3}}
    prefix_lists: {pl-s3: [52.216.0.0/15]}
    security_groups: {g: {}}
    resources:
      fw: {ips: [10.0.1.9], subnet: s, security_groups: [g], aliases: [firewall], source_dest_check: false}
    route_tables:
      rt:
        vpc: v
        main: true
        routes:
          - {destination: 0.0.0.0/0, target: igw}
          - {destination: "::/0", target: eigw}
          - {destination: 10.1.0.0/16, target: pcx}
          - {destination: 10.2.0.0/16, target: tgw}
          - {destination: pl-s3, target: vpce}
          - {destination: 10.3.0.0/16, target: firewall}
          - {destination: 10.4.0.0/16, target: nat}
          - {destination: 10.5.0.0/16, target: vgw-1, target_kind: vpn-gateway}
          - {destination: 10.6.0.0/16, blackhole: true}
          - {destination: 10.7.0.0/16, target: nat, blackhole: true}
          - {destination: 10.0.0.0/16, target: local}
          - {prefix_list: pl-other, target_kind: other}
"""


def test_route_targets_take_their_kind_from_the_element_they_name():
    loaded = read(ROUTED)
    table = loaded.network.topology.route_tables["rt"]
    assert (table.vpc, table.is_main, table.origin.line) == ("v", True, 15)
    kinds = [(r.destination_text, r.target_kind, r.target, r.blackhole) for r in table.routes]
    assert kinds == [
        ("0.0.0.0/0", TargetKind.INTERNET_GATEWAY, "igw", False),
        ("::/0", TargetKind.EGRESS_ONLY_GATEWAY, "eigw", False),
        ("10.1.0.0/16", TargetKind.PEERING, "pcx", False),
        ("10.2.0.0/16", TargetKind.TRANSIT_GATEWAY, "tgw", False),
        ("pl-s3", TargetKind.GATEWAY_ENDPOINT, "vpce", False),
        ("10.3.0.0/16", TargetKind.INTERFACE, "firewall", False),
        ("10.4.0.0/16", TargetKind.NAT_GATEWAY, "nat", False),
        ("10.5.0.0/16", TargetKind.VPN_GATEWAY, "vgw-1", False),
        ("10.6.0.0/16", TargetKind.OTHER, "", True),
        ("10.7.0.0/16", TargetKind.NAT_GATEWAY, "nat", True),
        ("10.0.0.0/16", TargetKind.LOCAL, "local", False),
        ("pl-other", TargetKind.OTHER, "", False),
    ]
    assert [r.origin.line for r in table.routes] == list(range(19, 31))
    pl = table.routes[4]
    assert (pl.destination, pl.prefix_list) == (None, "pl-s3")
    # Only what is absent is warned about: the VPN gateway and the prefix list.
    assert [str(w) for w in loaded.warnings] == [
        "f.yaml:26: warning: route table rt: route 10.5.0.0/16 targets vpn-gateway vgw-1, which is not in "
        "the input; what it delivers is a free choice",
        "f.yaml:30: warning: route table rt: prefix list pl-other is not in the input; where it leads is a free "
        "choice",
        "f.yaml:30: warning: route table rt: route pl-other targets other (unnamed), which is not in the input; "
        "what it delivers is a free choice",
    ]


def test_resources_in_subnets_get_their_vpc_and_blocks():
    network = net("""\
        vpcs: {a: {cidrs: [10.0.0.0/16, "2001:db8::/56"]}, b: {cidrs: [10.0.0.0/16]}}
        subnets:
          a1: {vpc: a, cidrs: [10.0.1.0/24, "2001:db8::/64"]}
          a2: {vpc: a, cidrs: [10.0.2.0/24]}
          b1: {vpc: b, cidrs: [10.0.1.0/24]}
        security_groups: {g: {}}
        resources:
          asg: {subnets: [a1, a2], security_groups: [g]}
          one: {ips: [10.0.1.5], subnet: a1, security_groups: [g]}
          twin: {ips: [10.0.1.5], subnet: b1, security_groups: [g], source_dest_check: false}
        """)
    asg, one, twin = network.resources.values()
    assert (asg.vpc, asg.subnet_ids) == ("a", ("a1", "a2"))
    assert asg.subnets == (cidr("10.0.1.0/24"), cidr("2001:db8::/64"), cidr("10.0.2.0/24"))
    assert asg.symbolic and asg.source_dest_check
    assert (one.vpc, one.subnet_ids, one.subnets) == ("a", ("a1",), (cidr("10.0.1.0/24"), cidr("2001:db8::/64")))
    # Two VPCs may reuse an address.
    assert (twin.vpc, twin.ips, twin.source_dest_check) == ("b", one.ips, False)


def test_a_subnet_not_in_the_file_is_kept_as_a_free_choice():
    loaded = read("""\
        vpcs: {}
        security_groups: {g: {}}
        resources:
          r: {ips: [10.0.1.5], subnet: subnet-other, vpc: vpc-other, security_groups: [g]}
        """)
    resource = loaded.network.resources["r"]
    assert (resource.vpc, resource.subnet_ids, resource.subnets) == ("vpc-other", ("subnet-other",), ())
    assert [str(w) for w in loaded.warnings] == [
        "f.yaml:4: warning: r is in subnet subnet-other, which is not in the input: its NACL and routes are free "
        "choices"]


def test_group_names_are_unique_per_vpc_and_resolved_in_the_vpc_of_who_names_them():
    network = net("""\
        vpcs: {a: {cidrs: [10.0.0.0/16]}, b: {cidrs: [10.1.0.0/16]}}
        subnets: {sa: {vpc: a, cidrs: [10.0.1.0/24]}, sb: {vpc: b, cidrs: [10.1.1.0/24]}}
        security_groups:
          sg-a: {vpc: a, name: default, ingress: [{protocol: all, source: default}]}
          sg-b: {vpc: b, name: default, egress: [{protocol: tcp, ports: 22, destination: default}]}
        resources:
          ra: {ips: [10.0.1.5], subnet: sa, security_groups: [default]}
          rb: {ips: [10.1.1.5], subnet: sb, security_groups: [default]}
        """)
    assert network.groups["sg-a"].vpc == "a" and network.groups["sg-b"].name == "default"
    assert network.groups["sg-a"].ingress[0].peer == GroupPeer("sg-a")
    assert network.groups["sg-b"].egress[0].peer == GroupPeer("sg-b")
    assert network.resources["ra"].groups == ("sg-a",) and network.resources["rb"].groups == ("sg-b",)


def test_an_opaque_group_may_have_rules_and_members():
    network = net("""\
        security_groups:
          partner:
            opaque: true
            ingress: [{protocol: all, source: {unknown: rules not in the input}, unknown: rules not in the input}]
            egress: [{protocol: tcp, ports: 443, destination: 0.0.0.0/0}]
        resources:
          r: {ips: [10.0.0.5], security_groups: [partner]}
        """)
    group = network.groups["partner"]
    assert group.opaque and network.resources["r"].groups == ("partner",)
    (unknown,) = group.ingress
    assert unknown.peer == UnknownPeer("rules not in the input") and unknown.service_unknown
    assert group.egress[0].service == Service(TCP, (PortRange(443, 443),))


def test_a_file_with_only_a_vpc_layer_is_detected_as_native(tmp_path):
    path = tmp_path / "layer.json"
    path.write_text(json.dumps({"vpcs": {"v": {"cidrs": ["10.0.0.0/16"]}},
                                "subnets": {"s": {"vpc": "v", "cidrs": ["10.0.9.0/24"]}}}, indent=1))
    network = load_network(str(path)).network
    assert network.input_format == "native"
    assert network.topology.subnets["s"].origin == Origin(str(path), 10)  # the line of its key


# -- bad values: one line each, at file:line ------------------------------------------

BAD = [
    ("vpcs:\n  v: {cidrs: [10.0.0.0/33]}\n", ["f.yaml:2: error: invalid CIDR '10.0.0.0/33'"]),
    ("vpcs:\n  v: {cidrs: [10.0.0.0/16], colour: red}\n",
     ["f.yaml:2: error: unknown key 'colour' in VPC 'v'; expected one of: cidrs, name, region, account"]),
    ("vpcs:\n  v: {name: x}\n", ["f.yaml:2: error: VPC 'v' needs cidrs (a list of CIDRs)"]),
    ("vpcs: [v]\n", ["f.yaml:1: error: vpcs must be a mapping of VPCs by key, not a list"]),
    ("vpcs:\n  v: 10.0.0.0/16\n", ["f.yaml:2: error: VPC 'v' must be a mapping, not the text '10.0.0.0/16'"]),
    ("subnets:\n  s: {cidrs: [10.0.1.0/24]}\n", ["f.yaml:2: error: subnet 's' needs vpc"]),
    ("subnets:\n  s: {vpc: v, cidrs: [10.0.1.0/24], map_public_ip: yes please}\n",
     ["f.yaml:2: error: map_public_ip of subnet 's' must be true or false, not the text 'yes please'"]),
    ("vpcs: {v: {cidrs: [10.0.0.0/16]}}\nsubnets:\n  s: {vpc: v, cidrs: [10.1.1.0/24]}\n",
     ["f.yaml:3: error: subnet s block 10.1.1.0/24 is outside the blocks of VPC v (10.0.0.0/16)"]),
    ("network_acls:\n  a:\n    vpc: v\n    inbound:\n      - {number: 0, action: allow, protocol: all, cidr: 0.0.0.0/0}\n",
     ["f.yaml:5: error: network ACL a inbound rule number 0 is outside 1-32766"]),
    ("network_acls:\n  a:\n    vpc: v\n    outbound:\n      - {number: 32767, action: deny, protocol: all, cidr: 0.0.0.0/0}\n",
     ["f.yaml:5: error: network ACL a outbound rule number 32767 is outside 1-32766"]),
    ("network_acls:\n  a:\n    vpc: v\n    inbound:\n"
     "      - {number: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}\n"
     "      - {number: 100, action: deny, protocol: tcp, cidr: \"::/0\"}\n",
     ["f.yaml:6: error: network ACL a has two inbound rules numbered 100"]),
    ("network_acls:\n  a:\n    vpc: v\n    inbound:\n      - {number: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}\n"
     "    outbound:\n      - {number: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}\n", []),  # one per direction
    ("network_acls:\n  a:\n    vpc: v\n    inbound:\n      - {number: '100', action: allow, protocol: all, cidr: 0.0.0.0/0}\n",
     ["f.yaml:5: error: the number of an entry of network ACL 'a' must be a whole number (1-32766), not the text '100'"]),
    ("network_acls:\n  a:\n    vpc: v\n    inbound:\n      - {action: allow, protocol: all, cidr: 0.0.0.0/0}\n",
     ["f.yaml:5: error: an entry of network ACL 'a' needs a number (its rule number, 1-32766)"]),
    ("network_acls:\n  a:\n    vpc: v\n    inbound:\n      - {number: 1, action: permit, protocol: all, cidr: 0.0.0.0/0}\n",
     ["f.yaml:5: error: unknown action 'permit' of an entry of network ACL 'a': use allow, deny"]),
    ("network_acls:\n  a:\n    vpc: v\n    inbound:\n      - {number: 1, action: allow, protocol: all, cidr: 10.0.0.1}\n",
     ["f.yaml:5: error: invalid CIDR '10.0.0.1': expected ADDRESS/LENGTH, e.g. 10.0.0.0/16"]),
    ("network_acls:\n  a:\n    vpc: v\n    inbound:\n      - {number: 1, action: allow, protocol: all}\n",
     ["f.yaml:5: error: an entry of network ACL 'a' needs cidr (a CIDR)"]),
    ("network_acls:\n  a:\n    vpc: v\n    inbound:\n      - {number: 1, action: allow, cidr: 0.0.0.0/0}\n",
     ["f.yaml:5: error: an entry of network ACL 'a' needs a protocol (tcp, udp, icmp, icmpv6, all or a number)"]),
    ("network_acls:\n  a:\n    vpc: v\n    inbound:\n      - {number: 1, action: allow, protocol: all, ports: 22, cidr: 0.0.0.0/0}\n",
     ["f.yaml:5: error: ports given with protocol all: AWS ignores ports there and the rule opens every port; "
      "remove ports or use tcp or udp"]),
    ("network_acls:\n  a:\n    vpc: v\n    inbound:\n      - {number: 1, action: allow, protocol: all, cidr: 0.0.0.0/0, egress: true}\n",
     ["f.yaml:5: error: unknown key 'egress' in an entry of network ACL 'a'; expected one of: number, action, "
      "cidr, protocol, ports, icmp_type, icmp_code"]),
    ("network_acls:\n  a: {vpc: v, inbound: {number: 1}}\n",
     ["f.yaml:2: error: inbound of network ACL 'a' must be a list of entries, not a mapping"]),
    ("route_tables:\n  r:\n    vpc: v\n    routes:\n      - {destination: 0.0.0.0/0, target: igw-x}\n",
     ["f.yaml:5: error: route target 'igw-x' is not in the file; give its target_kind (local, internet-gateway, "
      "egress-only-internet-gateway, nat-gateway, vpc-peering, transit-gateway, vpc-endpoint, network-interface, "
      "vpn-gateway, other) to keep it as a free choice"]),
    ("gateways: {igw: {type: internet}}\nroute_tables:\n  r:\n    vpc: v\n    routes:\n"
     "      - {destination: 0.0.0.0/0, target: igv}\n",
     ["f.yaml:6: error: route target 'igv' is not in the file (did you mean 'igw'?); give its target_kind (local, "
      "internet-gateway, egress-only-internet-gateway, nat-gateway, vpc-peering, transit-gateway, vpc-endpoint, "
      "network-interface, vpn-gateway, other) to keep it as a free choice"]),
    ("route_tables:\n  r:\n    vpc: v\n    routes:\n      - {destination: 0.0.0.0/0, target: x, target_kind: warp}\n",
     ["f.yaml:5: error: unknown target_kind 'warp' of a route: use local, internet-gateway, "
      "egress-only-internet-gateway, nat-gateway, vpc-peering, transit-gateway, vpc-endpoint, network-interface, "
      "vpn-gateway, other"]),
    ("gateways: {igw: {type: internet}}\nroute_tables:\n  r:\n    vpc: v\n    routes:\n"
     "      - {destination: 0.0.0.0/0, target: igw, target_kind: nat-gateway}\n",
     ["f.yaml:6: error: route target 'igw' is an internet-gateway in this file, not nat-gateway"]),
    ("gateways: {x: {type: internet}}\npeerings: {x: {requester: a, accepter: b}}\nroute_tables:\n  r:\n"
     "    vpc: v\n    routes:\n      - {destination: 0.0.0.0/0, target: x}\n",
     ["f.yaml:7: error: route target 'x' names an internet-gateway and a vpc-peering: say which with target_kind"]),
    ("route_tables:\n  r:\n    vpc: v\n    routes:\n      - {destination: 0.0.0.0/0, prefix_list: pl, blackhole: true}\n",
     ["f.yaml:5: error: a route has one destination: give destination (a CIDR or a prefix list) or prefix_list, "
      "not both"]),
    ("route_tables:\n  r:\n    vpc: v\n    routes:\n      - {blackhole: true}\n",
     ["f.yaml:5: error: a route needs a destination (a CIDR or the key of a prefix list)"]),
    ("route_tables:\n  r:\n    vpc: v\n    routes:\n      - {destination: 10.0.0.5, blackhole: true}\n",
     ["f.yaml:5: error: a route destination needs a prefix length: write 10.0.0.5/32 (or name a prefix list)"]),
    ("route_tables:\n  r:\n    vpc: v\n    routes:\n      - {destination: 10.0.0.500, blackhole: true}\n",
     ["f.yaml:5: error: route destination '10.0.0.500' is not a CIDR"]),
    ("route_tables:\n  r:\n    vpc: v\n    routes:\n      - {destination: 10.0.0.0/40, blackhole: true}\n",
     ["f.yaml:5: error: invalid CIDR '10.0.0.0/40'"]),
    ("route_tables:\n  r:\n    vpc: v\n    routes:\n      - {destination: 10.0.0.0/8}\n",
     ["f.yaml:5: error: a route needs a target (or target_kind, or blackhole: true)"]),
    ("route_tables:\n  r:\n    vpc: v\n    routes:\n      - {destination: 10.0.0.0/8, blackhole: true}\n"
     "      - {destination: 10.0.0.0/8, blackhole: true}\n",
     ["f.yaml:6: error: route table r has two routes for 10.0.0.0/8"]),
    ("route_tables:\n  r: {vpc: v, routes: {destination: 10.0.0.0/8}}\n",
     ["f.yaml:2: error: routes of route table 'r' must be a list, not a mapping"]),
    ("route_tables:\n  r: {routes: []}\n", ["f.yaml:2: error: route table 'r' needs vpc"]),
    ("transit_gateways:\n  t:\n    route_tables:\n      r: {routes: 10.0.0.0/8}\n",
     ["f.yaml:4: error: routes of transit gateway route table 'r' must be a list, not the text '10.0.0.0/8'"]),
    ("transit_gateways:\n  t: {attachments: [a]}\n",
     ["f.yaml:2: error: attachments of transit gateway 't' must be a mapping of attachments by key, not a list"]),
    ("gateways:\n  g: {vpc: v}\n", ["f.yaml:2: error: gateway 'g' needs type (internet, egress-only, nat)"]),
    ("gateways:\n  g: {type: nats, subnet: s}\n",
     ["f.yaml:2: error: unknown type 'nats' of gateway 'g': use internet, egress-only, nat (did you mean 'nat'?)"]),
    ("gateways:\n  g: {type: internet, subnet: s}\n",
     ["f.yaml:2: error: subnet is not a key of gateway 'g': an internet gateway takes vpc, name"]),
    ("gateways:\n  g: {type: egress-only}\n", ["f.yaml:2: error: gateway 'g' needs vpc"]),
    ("gateways:\n  g: {type: nat, vpc: v}\n",
     ["f.yaml:2: error: vpc is not a key of gateway 'g': a nat gateway takes subnet, private_ip, public_ip, "
      "connectivity, name", "f.yaml:2: error: gateway 'g' needs subnet"]),
    ("gateways:\n  g: {type: nat, subnet: s, private_ip: 10.0.1.0/24}\n",
     ["f.yaml:2: error: invalid IP address '10.0.1.0/24'"]),
    ("gateways:\n  g: {type: nat, subnet: s, public_ip: \"2001:db8::1\"}\n",
     ["f.yaml:2: error: public_ip of gateway 'g' must be an IPv4 address, not 2001:db8::1"]),
    ("gateways:\n  g: {type: nat, subnet: s, connectivity: private, public_ip: 1.2.3.4}\n",
     ["f.yaml:2: error: gateway 'g' is a private NAT gateway: it has no public_ip"]),
    ("gateways:\n  g: {type: nat, subnet: s, connectivity: secret}\n",
     ["f.yaml:2: error: unknown connectivity 'secret' of gateway 'g': use public, private"]),
    ("peerings:\n  p: {requester: a}\n", ["f.yaml:2: error: peering 'p' needs accepter"]),
    ("peerings:\n  p: {requester: a, accepter: b, active: 1}\n",
     ["f.yaml:2: error: active of peering 'p' must be true or false, not the number 1"]),
    ("transit_gateways:\n  t:\n    attachments:\n      a: {subnets: [s]}\n",
     ["f.yaml:4: error: attachment 'a' is a VPC attachment, so it needs vpc"]),
    ("transit_gateways:\n  t:\n    attachments:\n      a: {type: satellite}\n",
     ["f.yaml:4: error: unknown type 'satellite' of attachment 'a': use vpc, vpn, direct-connect-gateway, connect, "
      "peering, tgw-peering, network-function"]),
    ("transit_gateways:\n  t:\n    attachments:\n      a: {vpc: v, subnets: s1, colour: red}\n",
     ["f.yaml:4: error: unknown key 'colour' in attachment 'a'; expected one of: vpc, subnets, route_table, "
      "type, name"]),
    ("transit_gateways:\n  t:\n    attachments: {a: {vpc: v}}\n  u:\n    attachments: {a: {vpc: w}}\n",
     ["f.yaml:5: error: attachment 'a' is also under transit gateway 't' (line 3); keys are unique"]),
    ("transit_gateways:\n  t:\n    route_tables:\n      r: {routes: [{destination: 10.0.0.0/8, attachment: a, blackhole: true}]}\n",
     ["f.yaml:4: error: a transit gateway route goes to an attachment or is a blackhole, not both"]),
    ("transit_gateways:\n  t:\n    route_tables:\n      r:\n        routes:\n          - {destination: 10.0.0.0/8}\n",
     ["f.yaml:6: error: a transit gateway route needs an attachment (or blackhole: true)"]),
    ("transit_gateways:\n  t:\n    route_tables:\n      r:\n        routes:\n          - {attachment: a}\n",
     ["f.yaml:6: error: a transit gateway route needs destination (a CIDR)"]),
    ("transit_gateways:\n  t: {described: false, name: other}\n",
     ["f.yaml:2: error: transit gateway 't' is not described (described: false), so it has no name here"]),
    ("endpoints:\n  e: {vpc: v, type: bridge}\n",
     ["f.yaml:2: error: unknown type 'bridge' of endpoint 'e': use Gateway, Interface, GatewayLoadBalancer"]),
    ("endpoints:\n  e: {vpc: v, route_tables: [rt, 5]}\n",
     ["f.yaml:2: error: route_tables of endpoint 'e' holds keys, not the number 5"]),
    ("endpoints:\n  e: {service: s3}\n", ["f.yaml:2: error: endpoint 'e' needs vpc"]),
    ("vpcs: {}\nsecurity_groups: {g: {}}\nresources:\n  r: {ips: [10.0.1.5], subnet: 10.0.1.0/24, security_groups: [g]}\n",
     ["f.yaml:4: error: subnet of resource 'r' names subnets by key in a file with a VPC layer, and 10.0.1.0/24 "
      "is a CIDR"]),
    ("subnets: {s: {vpc: v, cidrs: [10.0.1.0/24]}}\nsecurity_groups: {g: {}}\nresources:\n"
     "  r: {subnets: [10.0.1.0/24], security_groups: [g]}\n",
     ["f.yaml:4: error: subnets of resource 'r' names subnets by key in a file with a VPC layer, and 10.0.1.0/24 "
      "is a CIDR: subnet 's' has that block"]),
    ("vpcs: {}\nsecurity_groups: {g: {}}\nresources:\n  r: {subnet: s, subnets: [t], security_groups: [g]}\n",
     ["f.yaml:4: error: resource 'r' has both subnet and subnets: give one"]),
    ("subnets: {s: {vpc: a, cidrs: [10.0.1.0/24]}, t: {vpc: b, cidrs: [10.0.2.0/24]}}\nsecurity_groups: {g: {}}\n"
     "resources:\n  r: {subnets: [s, t], security_groups: [g]}\n",
     ["f.yaml:4: error: resource 'r' has subnets in different VPCs: s (VPC a), t (VPC b)"]),
    ("subnets: {s: {vpc: a, cidrs: [10.0.1.0/24]}}\nsecurity_groups: {g: {}}\nresources:\n"
     "  r: {subnet: s, vpc: b, security_groups: [g]}\n",
     ["f.yaml:4: error: r is in VPC b but its subnet s is in VPC a"]),
    ("subnets: {s: {vpc: a, cidrs: [10.0.1.0/24]}}\nsecurity_groups: {g: {}}\nresources:\n"
     "  r: {ips: [10.0.2.5], subnet: s, security_groups: [g]}\n",
     ["f.yaml:4: error: r address 10.0.2.5 is outside its subnets (s)"]),
    ("subnets: {s: {vpc: a, cidrs: [10.0.1.0/24]}}\nsecurity_groups: {g: {}}\nresources:\n"
     "  r: {ips: [10.0.1.5], subnet: s, security_groups: [g]}\n  q: {ips: [10.0.1.5], subnet: s, security_groups: [g]}\n",
     ["f.yaml:5: error: address 10.0.1.5 is also on resource 'r' (line 4) in VPC a; an address belongs to one "
      "resource"]),
    ("security_groups: {g: {}}\nresources:\n  r: {ips: [10.0.1.5], security_groups: [g], source_dest_check: no way}\n",
     ["f.yaml:3: error: source_dest_check of resource 'r' must be true or false, not the text 'no way'"]),
    ("security_groups:\n  g: {vpc: 5}\n", ["f.yaml:2: error: the vpc of a group must be a non-empty string, not the number 5"]),
    ("security_groups:\n  a: {vpc: v, name: web}\n  b: {vpc: w, name: web}\n  c:\n    vpc: x\n"
     "    ingress: [{protocol: all, source: web}]\n",
     ["f.yaml:6: error: group name 'web' is used by several groups: a (VPC v), b (VPC w); name the group by its key"]),
]


@pytest.mark.parametrize("text, expected", BAD)
def test_each_bad_value_is_one_line_at_its_place(rejected, text, expected):
    if not expected:
        read(text)  # accepted
        return
    assert rejected(parse_network, text) == expected


def test_what_is_absent_is_warned_about_not_refused():
    loaded = read("""\
        vpcs: {v: {cidrs: [10.0.0.0/16]}}
        subnets:
          s: {vpc: v, cidrs: [10.0.1.0/24], route_table: rt-gone, nacl: acl-gone}
          t: {vpc: w, cidrs: [10.9.1.0/24]}
        security_groups:
          g: {vpc: elsewhere}
        resources:
          r: {subnet: subnet-gone, security_groups: [g]}
        """)
    assert all(w.severity is Severity.WARNING for w in loaded.warnings)
    assert [str(w) for w in loaded.warnings] == [
        "f.yaml:4: warning: subnet t is in VPC 'w', which is not in the input: its blocks are not checked",
        "f.yaml:6: warning: group 'g' is in VPC 'elsewhere', which is not in the file",
        "f.yaml:8: warning: r is in subnet subnet-gone, which is not in the input: its NACL and routes are free "
        "choices",
    ]
    assert loaded.network.topology.subnets["s"].route_table == "rt-gone"


def test_every_problem_of_a_file_is_reported_at_once(rejected):
    text = """\
        vpcs:
          v: {cidrs: [10.0.0.0/16]}
        subnets:
          s: {vpc: v, cidrs: [10.0.1.0/24], nacl: a}
        network_acls:
          a:
            vpc: v
            inbound:
              - {number: 40000, action: allow, protocol: all, cidr: 0.0.0.0/0}
        route_tables:
          r: {vpc: v, routes: [{destination: 0.0.0.0/0, target: nowhere}]}
        security_groups: {g: {opaque: maybe}}
        """
    assert rejected(parse_network, text) == [
        "f.yaml:9: error: network ACL a inbound rule number 40000 is outside 1-32766",
        "f.yaml:11: error: route target 'nowhere' is not in the file; give its target_kind (local, "
        "internet-gateway, egress-only-internet-gateway, nat-gateway, vpc-peering, transit-gateway, vpc-endpoint, "
        "network-interface, vpn-gateway, other) to keep it as a free choice",
        "f.yaml:12: error: opaque must be true or false, not the text 'maybe'",
    ]
