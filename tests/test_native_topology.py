"""The native format's VPC layer: each section as read, every bad value as one
line with file:line, and the writer's output reading back as the same model."""

from __future__ import annotations

import dataclasses
import json
import re
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sgverify.errors import InputError, Severity
from sgverify.inputs import load_network
from sgverify.inputs.native.export import check_round_trip, differences, export_native
from sgverify.inputs.native.reader import parse_network
from sgverify.solve import check_assertion
from sgverify.spec.parse import load_spec
from sgverify.spec.resolve import resolve_spec
from sgverify.model import (
    ALL,
    ICMP,
    TCP,
    UDP,
    Cidr,
    Direction,
    GroupPeer,
    Network,
    Origin,
    PortRange,
    Resource,
    Rule,
    SecurityGroup,
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
    NetworkAcl,
    Peering,
    Route,
    RouteTable,
    Subnet,
    TargetKind,
    TgwAttachment,
    TgwRoute,
    TgwRouteTable,
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


def test_blocks_narrow_a_resource_within_its_subnets_and_has_public_ip_marks_an_assigned_address():
    loaded = read("""\
        vpcs: {a: {cidrs: [10.0.0.0/16, "2001:db8::/56"]}}
        subnets: {a1: {vpc: a, cidrs: [10.0.1.0/24, "2001:db8::/64"]}}
        security_groups: {g: {}}
        resources:
          prefixes: {subnet: a1, blocks: [10.0.1.32/28], security_groups: [g]}
          box: {ips: [10.0.1.10], subnet: a1, blocks: [10.0.1.10/32, "2001:db8::/64"], security_groups: [g],
                has_public_ip: true}
          none: {subnet: a1, blocks: [], security_groups: [g]}
          wide: {subnet: a1, blocks: [10.0.0.0/16], security_groups: [g]}
        """)
    prefixes, box, none, wide = loaded.network.resources.values()
    assert (prefixes.subnet_ids, prefixes.subnets, prefixes.has_public_ip) == (("a1",), (cidr("10.0.1.32/28"),), False)
    assert box.subnets == (cidr("10.0.1.10/32"), cidr("2001:db8::/64")) and box.has_public_ip
    assert none.subnets == () and wide.subnets == (cidr("10.0.0.0/16"),)
    assert [str(w) for w in loaded.warnings if "outside" in str(w)] == [
        "f.yaml:9: warning: block 10.0.0.0/16 of resource 'wide' is outside its subnets' blocks 10.0.1.0/24"]
    again = parse_network(export_native(loaded.network), "w.yaml").network
    assert differences(loaded.network, again) == []
    assert [r.subnets for r in again.resources.values()] == [r.subnets for r in loaded.network.resources.values()]


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
    ("security_groups: {g: {}}\nresources:\n  r: {ips: [10.0.1.5], security_groups: [g], has_public_ip: 1}\n",
     ["f.yaml:3: error: has_public_ip of resource 'r' must be true or false, not the number 1"]),
    ("security_groups: {g: {}}\nresources:\n  r: {subnet: 10.0.1.0/24, blocks: [10.0.1.0/28], security_groups: [g]}\n",
     ["f.yaml:3: error: blocks of resource 'r' narrow its subnets in a file with a VPC layer; without one, write "
      "the CIDRs as its subnet"]),
    ("vpcs: {}\nsecurity_groups: {g: {}}\nresources:\n  r: {subnet: s, blocks: [10.0.1.0/33], security_groups: [g]}\n",
     ["f.yaml:4: error: invalid CIDR '10.0.1.0/33'"]),
    ("vpcs: {}\nsecurity_groups: {g: {}}\nresources:\n  r: {subnet: s, blocks: 5, security_groups: [g]}\n",
     ["f.yaml:4: error: blocks of resource 'r' must be a CIDR or a list of CIDRs, not the number 5"]),
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
        "f.yaml:3: warning: subnet s uses route table rt-gone, which is not in the input or was left out of it: "
        "its routes are a free choice",
        "f.yaml:3: warning: subnet s uses network ACL acl-gone, which is not in the input or was left out of it: "
        "what it admits is a free choice",
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


# -- writing ---------------------------------------------------------------------------

def _doc_example() -> str:
    text = (ROOT / "docs" / "vpc.md").read_text()
    return re.search(r"```yaml\n(.*?)```", text, re.S).group(1)


def test_the_documented_example_reads_and_writes_back_the_same():
    loaded = parse_network(_doc_example(), "vpc.md")
    network = loaded.network
    assert len(network.topology.vpcs) == 2 and network.topology.elements() == 19
    # `default` is each resource's own VPC's group.
    assert network.resources["fw"].groups == ("sg-default-a",)
    assert network.resources["db"].groups == ("sg-default-b",)
    assert [str(w) for w in loaded.warnings] == [
        "vpc.md:18: warning: route table rt-main: route 172.16.0.0/12 targets vpn-gateway vgw-corp, which is not "
        "in the input; what it delivers is a free choice"]
    text = export_native(network)
    again = parse_network(text, "written.yaml").network
    assert differences(network, again) == []
    check_round_trip(network, text, "written.yaml")


def test_the_documented_example_keeps_its_verdicts_when_written(tmp_path):
    original = tmp_path / "vpc.yaml"
    original.write_text(_doc_example())
    written = tmp_path / "written.yaml"
    written.write_text(export_native(load_network(str(original)).network))
    assertions = """\
        assertions:
          - {name: web serves https, allow: {from: internet, to: web, protocol: tcp, ports: 443}}
          - {name: no ssh to web, deny: {from: any, to: web, protocol: tcp, ports: 22}}
          - {name: the firewall takes all of 10/8, allow: {from: 10.0.0.0/8, to: fw, protocol: udp, ports: 53}}
          - {name: db hears only its own group, only: {from: sg-default-b, to: db}}
          - {name: web reaches db, allow: {from: web, to: db, protocol: tcp, ports: 5432}}
        """
    found = {}
    for path in (original, written):
        spec_path = tmp_path / f"spec-{path.stem}.yaml"
        spec_path.write_text(f"network: {path.name}\n" + textwrap.dedent(assertions))
        network = load_network(str(path)).network
        spec, _ = resolve_spec(load_spec(spec_path), network)
        found[path.name] = [(a.name, check_assertion(network, a).verdict) for a in spec.assertions]
    assert {v.value for _, v in found["vpc.yaml"]} == {"holds", "violated"}
    assert found["written.yaml"] == found["vpc.yaml"]


def test_differences_name_what_changed_in_the_vpc_layer():
    network = parse_network(_doc_example(), "vpc.md").network
    topology = network.topology
    table = topology.route_tables["rt-main"]
    acl = topology.nacls["acl-public"]
    changed = dataclasses.replace(topology, route_tables={
        **topology.route_tables, "rt-main": dataclasses.replace(table, routes=table.routes[1:])},
        nacls={**topology.nacls, "acl-public": dataclasses.replace(
            acl, inbound=(dataclasses.replace(acl.inbound[0], action=AclAction.DENY),) + acl.inbound[1:])})
    assert sorted(differences(network, dataclasses.replace(network, topology=changed))) == [
        "nacls 'acl-public'", "route tables 'rt-main'"]
    assert differences(network, dataclasses.replace(network, topology=None)) == ["the VPC layer"]
    moved = dataclasses.replace(network, resources={
        **network.resources, "web": dataclasses.replace(network.resources["web"], subnet_ids=("private-a",))})
    assert differences(network, moved) == ["resources 'web'"]


def test_written_routes_and_entries_name_their_origin():
    text = export_native(net(ROUTED))
    lines = text.splitlines()
    assert "      - {destination: 10.0.0.0/16, target: local}  # f.yaml:29" in lines
    assert "      - {destination: 10.5.0.0/16, target: vgw-1, target_kind: vpn-gateway}  # f.yaml:26" in lines
    assert "      - {prefix_list: pl-s3, target: vpce}  # f.yaml:23" in lines
    assert "  rt:  # f.yaml:15" in lines


def test_a_transit_gateway_not_in_the_input_is_written_as_not_described():
    topology = Topology(tgw_attachments={"att": TgwAttachment("att", "tgw-shared", "v", ("s",), "rt")},
                        tgw_route_tables={"rt": TgwRouteTable("rt", "tgw-shared", (TgwRoute(cidr("10.0.0.0/8"), "att"),))})
    network = Network(groups={}, resources={}, topology=topology)
    again = parse_network(export_native(network), "x.yaml").network
    assert again.topology.transit_gateways == {}
    assert differences(network, again) == []


def test_an_empty_vpc_layer_is_kept():
    network = Network(groups={}, resources={}, topology=Topology())
    assert parse_network(export_native(network), "x.yaml").network.topology == Topology()


def test_the_writer_refuses_what_it_cannot_keep():
    no_layer = Network(groups={"g": SecurityGroup("g")},
                       resources={"r": Resource("r", ("g",), subnet_ids=("s",))})
    same_key = Network(groups={}, resources={},
                       topology=Topology(internet_gateways={"gw": InternetGateway("gw", "v")},
                                         nat_gateways={"gw": NatGateway("gw", "s")}))
    for network, message in ((no_layer, "resource 'r' is in subnets s but the input has no VPC layer"),
                             (same_key, "NAT gateway 'gw' has the key of internet gateway 'gw'")):
        with pytest.raises(InputError, match=re.escape(message)):
            check_round_trip(network, export_native(network), "x.yaml")


# -- random topologies survive the round trip --------------------------------------------

NAMES = st.sampled_from(["", "prod", "two words", "x: y", "# not a comment", "yes", "123", "ünï"])
SERVICES = (Service(ALL), Service(TCP, (PortRange(443, 443),)), Service(TCP, (PortRange(22, 22), PortRange(80, 90))),
            Service(UDP, (PortRange(1024, 65535),)), Service(ICMP, None, 8, None), Service(ICMP, None, 3, 4),
            Service(47))
ENTRY_CIDRS = ("0.0.0.0/0", "10.0.0.0/8", "::/0", "2001:db8::/32", "192.168.1.0/24")
ROUTE_CIDRS = ("0.0.0.0/0", "::/0", "10.50.0.0/16", "172.16.0.0/12", "192.168.0.0/24", "2001:db8:9::/48")


@st.composite
def topologies(draw) -> Network:
    count = draw(st.integers(1, 2))
    vpcs = {f"vpc-{i}": Vpc(f"vpc-{i}", (cidr(f"10.{i}.0.0/16"),) + ((cidr(f"2001:db8:{i}::/56"),)
                                                                    if draw(st.booleans()) else ()),
                            draw(NAMES), draw(st.sampled_from(["", "eu-west-1"])), draw(st.sampled_from(["", "1234"])))
            for i in range(count)}
    subnets, nacls, tables = {}, {}, {}
    for i, vpc in enumerate(vpcs):
        for j in range(draw(st.integers(1, 3))):
            key = f"s-{i}-{j}"
            subnets[key] = Subnet(key, vpc, (cidr(f"10.{i}.{j}.0/24"),),
                                  draw(st.sampled_from([None, f"rt-{i}", "rt-gone"])),
                                  draw(st.sampled_from([None, f"acl-{i}", "acl-gone"])), draw(st.booleans()),
                                  draw(NAMES))
        if draw(st.booleans()):
            nacls[f"acl-{i}"] = NetworkAcl(f"acl-{i}", vpc, _entries(draw, False), _entries(draw, True),
                                           draw(st.booleans()), draw(NAMES))
    gateways = {}
    for i, vpc in enumerate(vpcs):
        if draw(st.booleans()):
            gateways[f"igw-{i}"] = InternetGateway(f"igw-{i}", draw(st.sampled_from([vpc, None])), draw(NAMES))
    eigws = {"eigw": EgressOnlyGateway("eigw", "vpc-0")} if draw(st.booleans()) else {}
    nats = {"nat": NatGateway("nat", "s-0-0", draw(st.sampled_from([None, ip("10.0.0.7")])),
                              draw(st.sampled_from([None, ip("54.1.2.3")])), True)} if draw(st.booleans()) else {}
    if draw(st.booleans()):
        nats["natp"] = NatGateway("natp", "s-0-0", public=False, name=draw(NAMES))
    peerings = {"pcx": Peering("pcx", "vpc-0", "vpc-1", draw(st.booleans()))} if count == 2 else {}
    tgw_key = draw(st.sampled_from([None, "tgw", "tgw-shared"]))
    transit, attachments, tgw_tables = {}, {}, {}
    if tgw_key:
        if tgw_key == "tgw":
            transit["tgw"] = TransitGateway("tgw", draw(NAMES))
        for i, vpc in enumerate(vpcs):
            attachments[f"att-{i}"] = TgwAttachment(f"att-{i}", tgw_key, vpc, (f"s-{i}-0",),
                                                    draw(st.sampled_from([None, "tgw-rt"])))
        attachments["vpn"] = TgwAttachment("vpn", tgw_key, None, (), "tgw-rt", "vpn")
        routes = tuple(TgwRoute(cidr(c), None if hole else "vpn", hole)
                       for c, hole in zip(draw(st.lists(st.sampled_from(ROUTE_CIDRS), unique=True, max_size=3)),
                                          draw(st.lists(st.booleans(), min_size=3, max_size=3))))
        tgw_tables["tgw-rt"] = TgwRouteTable("tgw-rt", tgw_key, routes, tuple(draw(st.lists(
            st.sampled_from(sorted(attachments)), unique=True, max_size=2))), draw(NAMES))
    endpoints = {"vpce": VpcEndpoint("vpce", "vpc-0", draw(st.sampled_from(["", "com.amazonaws.s3"])),
                                     draw(st.sampled_from(["Gateway", "Interface"])), draw(st.sampled_from([None, "pl-s3"])),
                                     ("rt-0",))} if draw(st.booleans()) else {}
    groups = {f"sg-{i}": SecurityGroup(f"sg-{i}", "default", vpc=vpc,
                                       ingress=(Rule(f"sg-{i}", Direction.INGRESS, 0, Service(ALL), GroupPeer(f"sg-{i}")),))
              for i, vpc in enumerate(vpcs)}
    resources = {}
    for i, vpc in enumerate(vpcs):
        key = f"s-{i}-0"
        shape = draw(st.sampled_from(["ip", "symbolic", "narrowed", "absent"]))
        ids = (key,) if shape != "absent" else ("subnet-gone",)
        ips = ((parse_address(f"10.{i}.0.9"),) if shape == "ip" else ())
        blocks = {"absent": (), "narrowed": (cidr(f"10.{i}.0.32/28"),)}.get(shape, subnets[key].cidrs)
        resources[f"r{i}"] = Resource(f"r{i}", (f"sg-{i}",), ips=ips, subnets=blocks, aliases=(f"box{i}",) if i else (),
                                      vpc=vpc if shape != "absent" or draw(st.booleans()) else "", subnet_ids=ids,
                                      source_dest_check=draw(st.booleans()), has_public_ip=draw(st.booleans()))
    targets = [(TargetKind.INTERNET_GATEWAY, k) for k in gateways] + \
        [(TargetKind.EGRESS_ONLY_GATEWAY, k) for k in eigws] + [(TargetKind.NAT_GATEWAY, k) for k in nats] + \
        [(TargetKind.PEERING, k) for k in peerings] + [(TargetKind.TRANSIT_GATEWAY, k) for k in transit] + \
        [(TargetKind.GATEWAY_ENDPOINT, k) for k in endpoints] + [(TargetKind.INTERFACE, k) for k in resources] + \
        [(TargetKind.INTERFACE, "box1"), (TargetKind.VPN_GATEWAY, "vgw"), (TargetKind.OTHER, ""),
         (TargetKind.LOCAL, ""), (TargetKind.TRANSIT_GATEWAY, "tgw-shared"), (TargetKind.NAT_GATEWAY, "")]
    for i, vpc in enumerate(vpcs):
        if draw(st.booleans()):
            destinations = draw(st.lists(st.sampled_from(ROUTE_CIDRS + ("pl-s3", "pl-gone")), unique=True, max_size=5))
            routes = []
            # AWS accepts a route to a NAT or internet gateway of the table's own VPC only
            own = [(k, t) for k, t in targets
                   if not (k is TargetKind.NAT_GATEWAY and t in nats and subnets[nats[t].subnet].vpc != vpc)
                   and not (k is TargetKind.INTERNET_GATEWAY and gateways[t].vpc not in (None, vpc))]
            for destination in destinations:
                kind, target = draw(st.sampled_from(own))
                routes.append(Route(kind, target, None if destination.startswith("pl-") else cidr(destination),
                                    destination if destination.startswith("pl-") else None,
                                    draw(st.booleans()) if target or kind is not TargetKind.LOCAL else False))
            tables[f"rt-{i}"] = RouteTable(f"rt-{i}", vpc, tuple(routes), draw(st.booleans()), draw(NAMES))
    topology = Topology(vpcs=vpcs, subnets=subnets, route_tables=tables, nacls=nacls, internet_gateways=gateways,
                        egress_only_gateways=eigws, nat_gateways=nats, peerings=peerings, transit_gateways=transit,
                        tgw_attachments=attachments, tgw_route_tables=tgw_tables, endpoints=endpoints)
    return Network(groups=groups, resources=resources, topology=topology)


def _entries(draw, egress: bool) -> tuple[AclEntry, ...]:
    numbers = sorted(draw(st.lists(st.integers(1, 32766), unique=True, max_size=4)))
    return tuple(AclEntry(n, egress, draw(st.sampled_from(list(AclAction))), cidr(draw(st.sampled_from(ENTRY_CIDRS))),
                          draw(st.sampled_from(SERVICES))) for n in numbers)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(topologies())
def test_random_topologies_read_back_as_written(network):
    text = export_native(network)
    again = parse_network(text, "written.yaml").network
    assert differences(network, again) == []
    check_round_trip(network, text, "written.yaml")
