"""Bad network input: one diagnostic per problem, each with file:line, never a traceback."""

from __future__ import annotations

import pytest

from sgverify.inputs.native.reader import parse_network

RESOURCES = "\nresources:\n  r: {ips: [10.0.0.1], security_groups: [g]}\n"


def rule(written: str, direction: str = "ingress") -> str:
    """A network whose group g has one rule, written on line 4."""
    return f"security_groups:\n  g:\n    {direction}:\n      - {written}" + RESOURCES


CASES = [
    ('securty_groups: {}\n',
     ["f.yaml:1: error: unknown key 'securty_groups' in the network file (did you mean 'security_groups'?)"]),
    ('security_groups:\n  g: {ingres: []}\n',
     ["f.yaml:2: error: unknown key 'ingres' in group 'g' (did you mean 'ingress' or 'egress'?)"]),
    (rule('{protocol: tcp, port: 22, source: 1.2.3.4/32}'),
     ["f.yaml:4: error: unknown key 'port' in a rule of group 'g' (did you mean 'ports'?)"]),
    ('security_groups: {g: {}}\nresources:\n  r: {ip: [10.0.0.1], security_groups: [g]}\n',
     ["f.yaml:3: error: unknown key 'ip' in resource 'r' (did you mean 'ips'?)"]),
    ('prefix_lists:\n  p: {entrys: []}\n',
     ["f.yaml:2: error: unknown key 'entrys' in prefix list 'p' (did you mean 'entries'?)", "f.yaml:2: error: prefix list 'p' needs entries (a list of CIDRs, [] for none)"]),
    (rule('{protocol: tcp, source: sg-nope}'),
     ["f.yaml:4: error: unknown security group or prefix list 'sg-nope'"]),
    (rule('{protocol: tcp, source: gg}'),
     ["f.yaml:4: error: unknown security group or prefix list 'gg' (did you mean 'g'?)"]),
    ('security_groups: {g: {}}\nresources:\n  r: {ips: [10.0.0.1], security_groups: [h]}\n',
     ["f.yaml:3: error: unknown security group 'h'"]),
    (rule('{protocol: tcp, source: pl-nope}'),
     ["f.yaml:4: error: unknown security group or prefix list 'pl-nope'"]),
    (rule('{protocol: tcp, source: 10.0.0.300/8}'),
     ["f.yaml:4: error: invalid CIDR '10.0.0.300/8'"]),
    (rule('{protocol: tcp, source: 10.0.0.0/33}'),
     ["f.yaml:4: error: invalid CIDR '10.0.0.0/33'"]),
    (rule('{protocol: tcp, source: 10.0.0.1}'),
     ['f.yaml:4: error: a peer address needs a prefix length: write 10.0.0.1/32']),
    (rule("{protocol: tcp, source: '2001:db8::1'}"),
     ['f.yaml:4: error: a peer address needs a prefix length: write 2001:db8::1/128']),
    ('security_groups: {g: {}}\nresources:\n  r: {ips: [10.0.0.300], security_groups: [g]}\n',
     ["f.yaml:3: error: invalid IP address '10.0.0.300'"]),
    ('security_groups: {g: {}}\nresources:\n  r: {ips: [10.0.0.1/32], security_groups: [g]}\n',
     ['f.yaml:3: error: ips holds addresses, not CIDRs: write 10.0.0.1 (use subnet for a block)']),
    (rule('{protocol: tcp, ports: 65536, source: 1.2.3.4/32}'),
     ['f.yaml:4: error: port 65536 is outside 0-65535']),
    (rule('{protocol: tcp, ports: -1, source: 1.2.3.4/32}'),
     ['f.yaml:4: error: port -1 is outside 0-65535']),
    (rule('{protocol: tcp, ports: 90-80, source: 1.2.3.4/32}'),
     ['f.yaml:4: error: port range 90-80 runs backwards (from > to)']),
    (rule('{protocol: tcp, ports: 20:30, source: 1.2.3.4/32}'),
     ['f.yaml:4: error: invalid port \'20:30\': use a number or a range like "8000-8080"']),
    (rule('{protocol: tcp, ports: [], source: 1.2.3.4/32}'),
     ['f.yaml:4: error: ports is an empty list: leave it out for all ports']),
    (rule('{protocol: tcp, ports: 22.5, source: 1.2.3.4/32}'),
     ['f.yaml:4: error: invalid port 22.5: use a number or a range like "8000-8080"']),
    (rule('{protocol: all, ports: 22, source: 1.2.3.4/32}'),
     ['f.yaml:4: error: ports given with protocol all: AWS ignores ports there and the rule opens every port; remove ports or use tcp or udp']),
    (rule('{protocol: -1, ports: 22, source: 1.2.3.4/32}'),
     ['f.yaml:4: error: ports given with protocol all: AWS ignores ports there and the rule opens every port; remove ports or use tcp or udp']),
    (rule('{protocol: 47, ports: 22, source: 1.2.3.4/32}'),
     ['f.yaml:4: error: ports given with protocol 47: AWS ignores ports there and the rule opens every port; remove ports or use tcp or udp']),
    (rule('{protocol: icmp, ports: 8, source: 1.2.3.4/32}'),
     ['f.yaml:4: error: icmp has no ports: use icmp_type and icmp_code']),
    (rule('{protocol: tcp, icmp_type: 8, source: 1.2.3.4/32}'),
     ['f.yaml:4: error: icmp_type is only for icmp and icmpv6 rules, not protocol tcp']),
    (rule('{protocol: icmp, icmp_code: 0, source: 1.2.3.4/32}'),
     ['f.yaml:4: error: icmp_code needs an icmp_type']),
    (rule('{protocol: icmp, icmp_type: 256, source: 1.2.3.4/32}'),
     ['f.yaml:4: error: icmp_type must be a number from -1 (any) to 255, not the number 256']),
    (rule('{protocol: icmp, icmp_type: x, source: 1.2.3.4/32}'),
     ["f.yaml:4: error: icmp_type must be a number from -1 (any) to 255, not the text 'x'"]),
    (rule('{protocol: tpc, source: 1.2.3.4/32}'),
     ["f.yaml:4: error: unknown protocol 'tpc': use tcp, udp, icmp, icmpv6, all or a number 0-255"]),
    (rule('{protocol: 256, source: 1.2.3.4/32}'),
     ['f.yaml:4: error: protocol number 256 is outside 0-255']),
    (rule('{protocol: -2, source: 1.2.3.4/32}'),
     ['f.yaml:4: error: protocol number -2 is outside 0-255']),
    (rule('{protocol: true, source: 1.2.3.4/32}'),
     ['f.yaml:4: error: protocol must be a name or a number 0-255, not the boolean true']),
    (rule('{ports: 22, source: 1.2.3.4/32}'),
     ['f.yaml:4: error: a rule needs a protocol (tcp, udp, icmp, icmpv6, all or a number)']),
    (rule('{protocol: tcp, destination: 1.2.3.4/32}'),
     ["f.yaml:4: error: 'destination' is for egress rules; an ingress rule names its peer with 'source'"]),
    (rule('{protocol: tcp, source: 1.2.3.4/32}', 'egress'),
     ["f.yaml:4: error: 'source' is for ingress rules; an egress rule names its peer with 'destination'"]),
    (rule('{protocol: tcp}'),
     ["f.yaml:4: error: an ingress rule needs a 'source'"]),
    (rule('{protocol: tcp}', 'egress'),
     ["f.yaml:4: error: an egress rule needs a 'destination'"]),
    (rule('{protocol: tcp, source: []}'),
     ['f.yaml:4: error: source is an empty list: a rule needs at least one peer']),
    (rule('{protocol: tcp, source: 5}'),
     ['f.yaml:4: error: a peer must be a CIDR, a group or a prefix list, not the number 5']),
    ('security_groups:\n  g:\n    ingress: {protocol: tcp, source: 1.2.3.4/32}\nresources:\n  r: {ips: [10.0.0.1], security_groups: [g]}\n',
     ["f.yaml:3: error: ingress of group 'g' must be a list of rules, not a mapping"]),
    ('security_groups:\n  g:\n    ingress: [tcp]\nresources:\n  r: {ips: [10.0.0.1], security_groups: [g]}\n',
     ["f.yaml:3: error: a rule must be a mapping, not the text 'tcp'"]),
    ('security_groups: [g]\n',
     ['f.yaml:1: error: security_groups must be a mapping, not a list']),
    ('security_groups:\n  g: web\n',
     ["f.yaml:2: error: group 'g' must be a mapping, not the text 'web'"]),
    ('security_groups: {g: {}}\nresources:\n  r: {ips: 10.0.0.1, security_groups: [g]}\n',
     ["f.yaml:3: error: ips of resource 'r' must be a list of addresses, not the text '10.0.0.1'"]),
    ('security_groups: {g: {}}\nresources:\n  r: {ips: [10.0.0.1], security_groups: g}\n',
     ["f.yaml:3: error: security_groups of resource 'r' must be a list, not the text 'g'"]),
    ('security_groups: {g: {}}\nresources:\n  r: {ips: [10.0.0.1]}\n',
     ["f.yaml:3: error: resource 'r' needs a security_groups list"]),
    ('security_groups: {g: {}}\nresources:\n  r: {ips: [10.0.0.1], security_groups: [g]}\n  s: {ips: [10.0.0.1], security_groups: [g]}\n',
     ["f.yaml:4: error: address 10.0.0.1 is also on resource 'r' (line 3); an address belongs to one resource"]),
    ('security_groups: {g: {}}\nresources:\n  r: {ips: [10.0.0.1], public_ips: [10.0.0.1], security_groups: [g]}\n',
     ['f.yaml:3: error: address 10.0.0.1 is also on this resource (line 3); an address belongs to one resource']),
    ('security_groups:\n  g: {name: web, vpc: v}\n  h: {name: web, vpc: v}\n',
     ["f.yaml:3: error: group name 'web' is already used by group 'g' (line 2) in VPC v; names are unique within a VPC"]),
    ('security_groups:\n  g: {name: web}\n  h: {name: web}\nresources:\n  r: {ips: [10.0.0.1], security_groups: [web]}\n',
     ["f.yaml:5: error: group name 'web' is used by several groups: g, h; name the group by its key"]),
    ('security_groups:\n  g: {name: h}\n  h: {}\n',
     ["f.yaml:2: error: group name 'h' is also the key of another group (line 3)"]),
    ('security_groups:\n  g: {}\n  g: {}\n',
     ["f.yaml:3: error: duplicate key 'g' (first at line 2)"]),
    ('security_groups:\n  p: {opaque: true, ingress: []}\nresources:\n  r: {ips: [10.0.0.1], security_groups: [p]}\n',
     ["f.yaml:4: error: group 'p' is opaque and has no rules: a resource carrying it would be checked as if the "
      "group admitted nothing; write its rules (an unknown one as {protocol: all, source: {unknown: REASON}, "
      "unknown: REASON}), or `ingress: []` and `egress: []` if it has none"]),
    ("security_groups:\n  p: {opaque: 'yes please'}\n",
     ["f.yaml:2: error: opaque must be true or false, not the text 'yes please'"]),
    ('security_groups:\n  g: {}\nprefix_lists:\n  g: [1.2.3.0/24]\n',
     ["f.yaml:4: error: prefix list 'g' has the same name as a security group; rules could not tell them apart"]),
    ('prefix_lists:\n  p: {entries: [1.2.3.0/24, 1.2.4.0/24], max_entries: 1}\n',
     ["f.yaml:2: error: prefix list 'p' has 2 entries, more than its max_entries 1"]),
    ('prefix_lists:\n  p: 1.2.3.0/24\n',
     ["f.yaml:2: error: prefix list 'p' must be a list of CIDRs, not the text '1.2.3.0/24'"]),
    ('prefix_lists:\n  p: {name: x}\n',
     ["f.yaml:2: error: prefix list 'p' needs entries (a list of CIDRs, [] for none)"]),
    ('externals:\n  e: [1.2.3.4, nope]\n',
     ["f.yaml:2: error: invalid IP address 'nope'"]),
    ('externals:\n  e: []\n',
     ["f.yaml:2: error: external 'e' is an empty list"]),
    ('externals:\n  e: {cidr: 1.2.3.4/32}\n',
     ["f.yaml:2: error: external 'e' must be a CIDR, an address or a list of them, not a mapping"]),
    ('security_groups:\n  g: {name: self}\n',
     ["f.yaml:2: error: 'self' cannot be a group name: it is the word for a rule's own group"]),
    ('security_groups:\n  self: {}\n',
     ["f.yaml:2: error: 'self' cannot be a group key: it is the word for a rule's own group"]),
    ('security_groups: {g: {}}\nresources:\n  r: {ips: [10.0.0.1], security_groups: [g], aliases: x}\n',
     ["f.yaml:3: error: aliases of resource 'r' must be a list of names"]),
    ('security_groups: {g: {}}\nresources:\n  r: {ips: [10.0.0.1], security_groups: [g], kind: 5}\n',
     ['f.yaml:3: error: kind must be a non-empty string, not the number 5']),
    ('security_groups: {g: {description: 5}}\n',
     ['f.yaml:1: error: description must be text, not the number 5']),
    ("security_groups: {g: {name: ''}}\n",
     ["f.yaml:1: error: a group name must be a non-empty string, not the text ''"]),
    ('security_groups: {g: {}}\nresources:\n  r: {subnet: 10.0.0.0/40, security_groups: [g]}\n',
     ["f.yaml:3: error: invalid CIDR '10.0.0.0/40'"]),
    ('security_groups: {g: {}}\nresources:\n  r: [g]\n',
     ["f.yaml:3: error: resource 'r' must be a mapping, not a list"]),
]


@pytest.mark.parametrize("text, expected", CASES)
def test_each_problem_is_one_line_with_its_location(rejected, text, expected):
    assert rejected(parse_network, text) == expected


def test_the_whole_file_is_checked_before_failing(rejected):
    text = """\
        security_groups:
          g:
            ingress:
              - {protocol: tcp, ports: 70000, source: 10.0.0.0/8}
              - {protocol: tcp, source: nobody}
            egress:
              - {protocol: all, ports: 22, destination: 0.0.0.0/0}
        resources:
          r: {ips: [10.0.0.1], security_groups: [g, h]}
          s: {ips: [10.0.0.1], security_groups: [g], colour: red}
        """
    assert rejected(parse_network, text) == [
        "f.yaml:4: error: port 70000 is outside 0-65535",
        "f.yaml:5: error: unknown security group or prefix list 'nobody'",
        "f.yaml:7: error: ports given with protocol all: AWS ignores ports there and the rule opens "
        "every port; remove ports or use tcp or udp",
        "f.yaml:9: error: unknown security group 'h'",
        "f.yaml:10: error: unknown key 'colour' in resource 's'; expected one of: ips, public_ips, "
        "has_public_ip, subnet, subnets, blocks, vpc, security_groups, kind, aliases, source_dest_check",
        "f.yaml:10: error: address 10.0.0.1 is also on resource 'r' (line 9); an address belongs to one resource",
    ]


def test_a_peer_list_reports_each_bad_item_on_its_own_line(rejected):
    text = """\
        security_groups:
          g:
            ingress:
              - protocol: tcp
                source:
                  - 10.0.0.0/8
                  - 10.0.0.0/99
                  - gg
        """
    assert rejected(parse_network, text) == [
        "f.yaml:7: error: invalid CIDR '10.0.0.0/99'",
        "f.yaml:8: error: unknown security group or prefix list 'gg' (did you mean 'g'?)",
    ]


def test_a_broken_prefix_list_is_reported_once_not_as_unknown_where_used(rejected):
    text = """\
        prefix_lists:
          pl: [1.2.3.0/99]
        security_groups:
          g:
            ingress: [{protocol: tcp, source: pl}]
        """
    assert rejected(parse_network, text) == ["f.yaml:2: error: invalid CIDR '1.2.3.0/99'"]


def test_yaml_errors_come_through_with_the_file_name(rejected):
    assert rejected(parse_network, "security_groups:\n  g: {}\n  g: {}\n", "net.yaml") == [
        "net.yaml:3: error: duplicate key 'g' (first at line 2)"]
    assert rejected(parse_network, "", "net.yaml") == [
        "net.yaml:1: error: the file is empty or holds only comments (no YAML document)"]
