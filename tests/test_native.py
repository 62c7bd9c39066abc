"""The native network format: accepted forms and what they mean in the model."""

from __future__ import annotations

import json
import textwrap

import pytest

from sgverify.errors import InputFileNotFound, Severity
from sgverify.inputs.native.reader import load_native, parse_network
from sgverify.model import (
    ALL,
    ICMP,
    ICMPV6,
    TCP,
    UDP,
    Cidr,
    CidrPeer,
    Direction,
    Family,
    GroupPeer,
    Origin,
    PortRange,
    PrefixListPeer,
    Service,
    parse_address,
)

NETWORK = """\
security_groups:
  sg-type-a:
    name: web
    description: front door
    ingress:
      - {protocol: tcp, ports: 443, source: sg-type-b, description: https from B}
      - {protocol: tcp, ports: [80, "8000-8080"], source: [10.0.0.0/8, self, pl-office]}
    egress: []
  sg-type-b:
    egress:
      - {protocol: all, destination: 0.0.0.0/0}
      - protocol: icmp
        icmp_type: 8
        destination: web
  sg-partner:
    opaque: true
prefix_lists:
  pl-office: [203.0.113.0/24, 2001:db8::/32]
  pl-two: {entries: [198.51.100.0/24], name: two, max_entries: 5}
resources:
  aws-resource-a: {ips: [10.0.1.10], security_groups: [sg-type-a]}
  aws-resource-b:
    ips: [10.0.1.11, "2001:db8::5"]
    public_ips: [54.1.2.3]
    security_groups: [web, sg-type-b]
    kind: instance
    aliases: [bee]
  asg-web: {subnet: [10.0.8.0/24, "2001:db8:8::/64"], security_groups: [sg-type-a]}
externals:
  office: 1.1.1.0/24
  host: 8.8.8.8
  nets: [9.9.9.0/24, "2001:db8:9::1"]
"""


@pytest.fixture(scope="module")
def loaded():
    return parse_network(NETWORK, "net.yaml")


def test_groups_keep_key_name_description_and_origin(loaded):
    net = loaded.network
    assert list(net.groups) == ["sg-type-a", "sg-type-b", "sg-partner"]
    a = net.groups["sg-type-a"]
    assert (a.key, a.name, a.description, a.opaque) == ("sg-type-a", "web", "front door", False)
    assert a.origin == Origin("net.yaml", 2)  # the line of its key
    assert a.egress == ()
    assert net.groups["sg-partner"].opaque
    assert net.group_named("web") is a
    assert net.source == "net.yaml" and net.input_format == "native"
    assert loaded.warnings == ()


def test_first_rule_as_written(loaded):
    rule = loaded.network.groups["sg-type-a"].ingress[0]
    assert rule.group == "sg-type-a"
    assert rule.direction is Direction.INGRESS
    assert rule.index == 0
    assert rule.service == Service(TCP, (PortRange(443, 443),))
    assert rule.peer == GroupPeer("sg-type-b")
    assert rule.description == "https from B"
    assert rule.origin == Origin("net.yaml", 6)
    assert rule.text == "{protocol: tcp, ports: 443, source: sg-type-b}"


def test_a_list_of_peers_expands_to_rules_sharing_index_and_origin(loaded):
    rules = loaded.network.groups["sg-type-a"].ingress[1:]
    assert [r.peer for r in rules] == [
        CidrPeer(Cidr.parse("10.0.0.0/8")), GroupPeer("sg-type-a"), PrefixListPeer("pl-office")]
    assert {r.index for r in rules} == {1}
    assert {r.origin for r in rules} == {Origin("net.yaml", 7)}
    assert rules[0].service.ports == (PortRange(80, 80), PortRange(8000, 8080))
    assert rules[0].text == "{protocol: tcp, ports: [80, 8000-8080], source: [10.0.0.0/8, self, pl-office]}"


def test_egress_rules_and_group_name_peer(loaded):
    everything, ping = loaded.network.groups["sg-type-b"].egress
    assert everything.service == Service(ALL) and everything.peer == CidrPeer(Cidr.parse("0.0.0.0/0"))
    assert ping.service == Service(ICMP, None, 8, None)
    assert ping.peer == GroupPeer("sg-type-a")  # written as the group's name `web`
    assert ping.origin.line == 12  # a block mapping starts at its first key
    assert ping.index == 1


def test_prefix_lists(loaded):
    office, two = loaded.network.prefix_lists.values()
    assert office.cidrs == (Cidr.parse("203.0.113.0/24"), Cidr.parse("2001:db8::/32"))
    assert (two.key, two.name, two.max_entries) == ("pl-two", "two", 5)
    assert office.origin.line == 18
    assert two.origin.line == 19


def test_resources(loaded):
    a, b, asg = loaded.network.resources.values()
    assert a.ips == (parse_address("10.0.1.10"),) and a.groups == ("sg-type-a",)
    assert b.groups == ("sg-type-a", "sg-type-b")  # `web` is sg-type-a's name
    assert b.ips == (parse_address("10.0.1.11"), parse_address("2001:db8::5"))
    assert b.public_ips == (parse_address("54.1.2.3"),)
    assert (b.kind, b.aliases, b.origin) == ("instance", ("bee",), Origin("net.yaml", 22))
    assert asg.symbolic and asg.subnets == (Cidr.parse("10.0.8.0/24"), Cidr.parse("2001:db8:8::/64"))


def test_externals_take_cidrs_bare_addresses_and_lists(loaded):
    ext = loaded.network.externals
    assert ext["office"].cidrs == (Cidr.parse("1.1.1.0/24"),)
    assert ext["host"].cidrs == (Cidr.host(Family.V4, parse_address("8.8.8.8")[1]),)
    assert ext["nets"].cidrs == (Cidr.parse("9.9.9.0/24"), Cidr.parse("2001:db8:9::1/128"))
    assert ext["office"].origin == Origin("net.yaml", 30)


def rule_of(rule_yaml: str, direction: str = "ingress"):
    text = f"security_groups:\n  g:\n    {direction}:\n      - {rule_yaml}\n" \
           "resources:\n  r: {ips: [10.0.0.1], security_groups: [g]}\n"
    rules = parse_network(text, "f.yaml").network.groups["g"].rules(Direction(direction))
    return rules[0]


@pytest.mark.parametrize(
    "written, service",
    [
        ("{protocol: tcp, source: 1.2.3.4/32}", Service(TCP)),
        ("{protocol: udp, ports: 53, source: 1.2.3.4/32}", Service(UDP, (PortRange(53, 53),))),
        ("{protocol: TCP, ports: '0', source: 1.2.3.4/32}", Service(TCP, (PortRange(0, 0),))),
        ("{protocol: 6, ports: 0-0, source: 1.2.3.4/32}", Service(TCP, (PortRange(0, 0),))),
        ("{protocol: 017, ports: 0443, source: 1.2.3.4/32}", Service(UDP, (PortRange(443, 443),))),
        ("{protocol: '17', ports: [1-2, 2-3], source: 1.2.3.4/32}",
         Service(UDP, (PortRange(1, 2), PortRange(2, 3)))),
        ("{protocol: -1, source: 1.2.3.4/32}", Service(ALL)),
        ("{protocol: '-1', source: 1.2.3.4/32}", Service(ALL)),
        ("{protocol: 47, source: 1.2.3.4/32}", Service(47)),
        ("{protocol: 0, source: 1.2.3.4/32}", Service(0)),
        ("{protocol: 255, source: 1.2.3.4/32}", Service(255)),
        ("{protocol: icmp, source: 1.2.3.4/32}", Service(ICMP)),
        ("{protocol: icmp, icmp_type: -1, icmp_code: -1, source: 1.2.3.4/32}", Service(ICMP)),
        ("{protocol: icmp, icmp_type: 3, icmp_code: 4, source: 1.2.3.4/32}", Service(ICMP, None, 3, 4)),
        ("{protocol: icmpv6, icmp_type: 128, source: '::/0'}", Service(ICMPV6, None, 128, None)),
        ("{protocol: 58, source: '::/0'}", Service(ICMPV6)),
        ("{protocol: 1, icmp_type: 0, source: 1.2.3.4/32}", Service(ICMP, None, 0, None)),
    ],
)
def test_protocol_and_port_forms(written, service):
    assert rule_of(written).service == service


def test_egress_rule_with_ipv6_destination():
    rule = rule_of("{protocol: all, destination: '2001:db8::/32'}", "egress")
    assert rule.peer == CidrPeer(Cidr.parse("2001:db8::/32"))
    assert rule.direction is Direction.EGRESS


def test_group_without_body_and_sections_left_out():
    net = parse_network("security_groups:\n  g:\n", "f.yaml").network
    assert net.groups["g"].ingress == () and net.groups["g"].egress == ()
    assert net.resources == {} and net.externals == {} and net.prefix_lists == {}


@pytest.mark.parametrize(
    "text, warning",
    [
        ("externals: {e: 0.0.0.0/32}\n",
         "f.yaml:1: warning: 0.0.0.0/32 is the single address 0.0.0.0, not every address: "
         "did you mean 0.0.0.0/0?"),
        ("externals: {e: '::/128'}\n",
         "f.yaml:1: warning: ::/128 is the single address ::, not every address: did you mean ::/0?"),
        ("externals: {e: 10.1.2.3/16}\n",
         "f.yaml:1: warning: 10.1.2.3/16 has host bits set; it is read as 10.1.0.0/16"),
        ("security_groups:\n  g: {}\n  h:\n    ingress: [{protocol: tcp, source: g}]\n"
         "resources: {r: {ips: [10.0.0.1], security_groups: [h]}}\n",
         "f.yaml:4: warning: group 'g' has no members (no resource carries it), so this rule matches no address"),
        ("security_groups: {g: {}}\nresources:\n  r: {ips: [10.0.0.1], security_groups: []}\n",
         "f.yaml:3: warning: resource 'r' has no security groups: it can send and receive nothing"),
        ("security_groups: {g: {}}\nresources:\n  r: {ips: [10.0.0.1], subnet: 10.1.0.0/16, security_groups: [g]}\n",
         "f.yaml:3: warning: address 10.0.0.1 of resource 'r' is outside its subnet 10.1.0.0/16"),
    ],
)
def test_warnings_are_returned_not_raised(text, warning):
    warnings = parse_network(text, "f.yaml").warnings
    assert len(warnings) == 1
    assert warnings[0].severity is Severity.WARNING
    assert str(warnings[0]).startswith(warning), str(warnings[0])


def test_host_bits_peer_is_read_as_its_network():
    rule = rule_of("{protocol: tcp, source: 10.0.0.5/24}")
    cidr = rule.peer.cidr
    assert (cidr.family, cidr.first, cidr.last) == (Family.V4, parse_address("10.0.0.0")[1],
                                                    parse_address("10.0.0.255")[1])
    assert str(rule.peer) == "10.0.0.0/24"


def test_opaque_group_may_be_a_peer_without_warning():
    text = "security_groups:\n  p: {opaque: true}\n  g:\n    ingress: [{protocol: tcp, source: p}]\n" \
           "resources: {r: {ips: [10.0.0.1], security_groups: [g]}}\n"
    loaded = parse_network(text, "f.yaml")
    assert loaded.network.groups["g"].ingress[0].peer == GroupPeer("p")
    assert loaded.warnings == ()


def test_json_network_keeps_lines():
    doc = {
        "security_groups": {"g": {"ingress": [{"protocol": "tcp", "ports": 22, "source": "10.0.0.0/8"}]}},
        "resources": {"r": {"ips": ["10.0.0.1"], "security_groups": ["g"]}},
    }
    text = json.dumps(doc, indent=2)
    rule = parse_network(text, "net.json").network.groups["g"].ingress[0]
    assert rule.origin == Origin("net.json", 5)
    assert rule.text == "{protocol: tcp, ports: 22, source: 10.0.0.0/8}"
    assert rule.service == Service(TCP, (PortRange(22, 22),))


def test_load_native_reads_a_file(tmp_path):
    path = tmp_path / "n.yaml"
    path.write_text(textwrap.dedent(NETWORK))
    loaded = load_native(path)
    assert loaded.network.source == str(path)
    assert loaded.network.groups["sg-type-a"].ingress[0].origin == Origin(str(path), 6)


def test_missing_file_is_one_clear_line(tmp_path):
    missing = tmp_path / "nope.yaml"
    with pytest.raises(InputFileNotFound) as caught:
        load_native(missing)
    assert [str(d) for d in caught.value.diagnostics] == [f"error: network file '{missing}' does not exist"]
    assert isinstance(caught.value, FileNotFoundError)


def test_the_same_network_as_json_reads_the_same():
    import yaml

    as_json = json.dumps(yaml.safe_load(NETWORK), indent=2)
    from_yaml = parse_network(NETWORK, "n.yaml").network
    from_json = parse_network(as_json, "n.json").network

    def shape(net):
        rules = [(r.group, r.direction, r.index, r.service, r.peer, r.description, r.text)
                 for r in net.all_rules()]
        resources = [(r.name, r.groups, r.ips, r.public_ips, r.subnets, r.kind, r.aliases)
                     for r in net.resources.values()]
        return (rules, resources, {k: e.cidrs for k, e in net.externals.items()},
                {k: (p.cidrs, p.name, p.max_entries) for k, p in net.prefix_lists.items()},
                {k: (g.name, g.description, g.opaque) for k, g in net.groups.items()})

    assert shape(from_json) == shape(from_yaml)
    protocol_line = as_json.splitlines().index('          "protocol": "icmp",') + 1
    assert from_json.groups["sg-type-b"].egress[1].origin == Origin("n.json", protocol_line - 1)  # its "{"


def test_unknown_peer_and_unknown_service_are_kept_as_unknown():
    from sgverify.model import UnknownPeer

    rule = rule_of("{protocol: all, source: {unknown: computed at apply}, unknown: ports from a variable}")
    assert rule.peer == UnknownPeer("computed at apply")
    assert rule.service_unknown == "ports from a variable"
    assert rule.service == Service(ALL)


def test_an_unknown_without_a_reason_is_rejected(rejected):
    text = "security_groups:\n  g:\n    ingress:\n      - {protocol: all, source: {unknown: ''}}\n"
    assert rejected(parse_network, text) == ["f.yaml:4: error: unknown must be a non-empty reason, not the text ''"]
