"""The quick paths of the native reader give exactly what the careful paths give.

A document written on one line is decoded without position tracking, each
distinct service and peer text is read once, and plain addresses skip the
ipaddress module; none of that may change a value, a line or a message.
"""

from __future__ import annotations

import gc
import ipaddress
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sgverify.errors import InputError
from sgverify.inputs.native.reader import parse_network
from sgverify.inputs.yamlnodes import YList, YMap, load_yaml
from sgverify.model import Cidr, CidrPeer, Direction, Family, GroupPeer, PrefixListPeer, parse_address
from sgverify.model.service import PortRange, Service

DOC = {
    "security_groups": {
        "web": {
            "name": "web-sg",
            "ingress": [
                {"protocol": "tcp", "ports": 443, "source": "0.0.0.0/0", "description": "https"},
                {"protocol": "tcp", "ports": [80, "8000-8080"], "source": ["10.0.0.1/8", "db"]},
                {"protocol": "icmp", "icmp_type": 8, "source": "pl-office"},
                {"protocol": "tcp", "ports": 443, "source": "2600:1f18::/56"},
            ],
            "egress": [{"protocol": "all", "destination": "db"}],
        },
        "db": {"ingress": [{"protocol": 6, "ports": "5432", "source": "web"}]},
    },
    "prefix_lists": {"pl-office": ["203.0.113.0/24"]},
    "resources": {
        "app": {"ips": ["10.0.0.5", "2600:1f18::5"], "security_groups": ["web-sg"]},
        "pg": {"ips": ["10.0.1.5"], "security_groups": ["db"]},
    },
    "externals": {"office": "198.51.100.7"},
}


def one_line(doc) -> str:
    return json.dumps(doc, separators=(",", ":"))


def test_one_line_json_is_read_with_every_line_the_first():
    network = parse_network(one_line(DOC), "n.json").network
    web = network.groups["web"]
    assert [r.origin.line for r in web.ingress + web.egress] == [1] * 6
    assert web.ingress[0].text == "{protocol: tcp, ports: 443, source: 0.0.0.0/0}"
    assert web.ingress[0].description == "https"
    assert web.ingress[1].text == "{protocol: tcp, ports: [80, 8000-8080], source: [10.0.0.1/8, db]}"
    assert web.ingress[1].service == Service(6, (PortRange(80, 80), PortRange(8000, 8080)))
    assert [r.peer for r in web.ingress[1:3]] == [CidrPeer(Cidr(Family.V4, 10 << 24, 8, True)), GroupPeer("db")]
    assert web.ingress[3].service == Service(1, None, 8, None)
    assert web.ingress[3].peer == PrefixListPeer("pl-office")
    assert web.ingress[4].peer == CidrPeer(Cidr(Family.V6, 0x2600_1F18 << 96, 56))
    assert network.groups["db"].ingress[0].service == Service(6, (PortRange(5432, 5432),))
    assert network.resources["app"].ips == ((Family.V4, (10 << 24) | 5), (Family.V6, (0x2600_1F18 << 96) | 5))
    assert network.resources["app"].groups == ("web",)
    assert network.externals["office"].cidrs == (Cidr(Family.V4, int(ipaddress.ip_address("198.51.100.7")), 32),)


def test_the_same_document_over_many_lines_gives_the_same_values_with_its_own_lines():
    flat = parse_network(one_line(DOC), "n.json")
    pretty = parse_network(json.dumps(DOC, indent=2), "n.json")
    web = pretty.network.groups["web"]
    assert [r.origin.line for r in web.ingress] == [6, 12, 12, 23, 28]

    def without_lines(network):
        return [(r.group, r.direction, r.index, r.service, r.peer, r.description, r.text)
                for r in network.all_rules()]

    assert without_lines(flat.network) == without_lines(pretty.network)
    assert flat.network.resources.keys() == pretty.network.resources.keys()
    assert [str(w).split(": ", 1)[1] for w in flat.warnings] == [str(w).split(": ", 1)[1] for w in pretty.warnings]


def test_leading_blank_lines_move_every_line_of_a_one_line_document():
    network = parse_network("\n\n" + one_line(DOC) + "\n", "n.json").network
    assert {r.origin.line for r in network.all_rules()} == {3}
    assert network.groups["web"].origin.line == 3


def test_a_repeated_peer_warns_at_each_rule_that_names_it():
    doc = {"security_groups": {"a": {"ingress": [{"protocol": "tcp", "source": "10.0.0.1/8"}] * 2
                                     + [{"protocol": "tcp", "source": "b"}] * 2}, "b": {}}}
    text = json.dumps(doc, indent=1)
    warnings = [str(w) for w in parse_network(text, "n.json").warnings]
    assert warnings == ["n.json:7: warning: 10.0.0.1/8 has host bits set; it is read as 10.0.0.0/8",
                        "n.json:11: warning: 10.0.0.1/8 has host bits set; it is read as 10.0.0.0/8",
                        "n.json:15: warning: group 'b' has no members (no resource carries it), "
                        "so this rule matches no address",
                        "n.json:19: warning: group 'b' has no members (no resource carries it), "
                        "so this rule matches no address"]


def test_a_repeated_bad_service_or_peer_is_an_error_at_each_rule():
    doc = {"security_groups": {"a": {"ingress": [{"protocol": "tpc", "source": "10.0.0.0/8"},
                                                 {"protocol": "tpc", "source": "nowhere"},
                                                 {"protocol": "tcp", "source": "nowhere"}]}}}
    with pytest.raises(InputError) as caught:
        parse_network(json.dumps(doc, indent=1), "n.json")
    lines = [str(d).split(": ")[0] for d in caught.value.diagnostics]
    assert lines == ["n.json:6", "n.json:10", "n.json:11", "n.json:15"]


def test_services_that_look_alike_are_told_apart():
    doc = {"security_groups": {"a": {"ingress": [{"protocol": 1, "source": "10.0.0.0/8"},
                                                 {"protocol": True, "source": "10.0.0.0/8"}]}}}
    with pytest.raises(InputError) as caught:
        parse_network(one_line(doc), "n.json")
    assert [str(d) for d in caught.value.diagnostics] == [
        "n.json:1: error: protocol must be a name or a number 0-255, not the boolean true"]


@pytest.mark.parametrize("text, message", [
    ('{"a": 1, "b": {"c": 2, "c": 3}}', "duplicate key 'c' (first at line 1)"),
    ('{"a": ' + "[" * 101 + "]" * 101 + "}", "nesting is deeper than 100 levels"),
])
def test_one_line_json_that_the_quick_decoder_refuses_gets_the_careful_message(text, message):
    with pytest.raises(InputError) as caught:
        load_yaml(text, "d.json")
    assert [str(d) for d in caught.value.diagnostics] == [f"d.json:1: error: {message}"]


def test_one_line_json_at_the_depth_limit_is_read():
    value = load_yaml('{"a": ' + "[" * 99 + "]" * 99 + "}", "d.json")
    inner = value["a"]
    for _ in range(98):
        assert isinstance(inner, YList) and inner.line == 1 and inner.item_line(0) == 1
        inner = inner[0]
    assert inner == []


def test_one_line_json_gives_line_aware_containers():
    value = load_yaml('  {"a": {"b": [1, {"c": null}]}, "d": 1.5}', "d.json")
    assert isinstance(value, YMap) and isinstance(value["a"], YMap) and isinstance(value["a"]["b"], YList)
    assert value == {"a": {"b": [1, {"c": None}]}, "d": 1.5}
    assert (value.key_line("a"), value.value_line("d"), value["a"]["b"].item_line(1)) == (1, 1, 1)
    assert value["a"]["b"][1].line == 1


def test_the_cycle_collector_is_left_as_it_was():
    assert gc.isenabled()
    parse_network(one_line(DOC), "n.json")
    assert gc.isenabled()
    with pytest.raises(InputError):
        parse_network('{"security_groups": 5}', "n.json")
    assert gc.isenabled()


def _oracle_address(text: str):
    try:
        found = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    return (Family.V4 if found.version == 4 else Family.V6), int(found)


def _oracle_cidr(text: str):
    raw = text.strip()
    try:
        net = ipaddress.ip_network(raw, strict=False)
        host = int(ipaddress.ip_address(raw.split("/")[0]))
    except ValueError:
        return None
    family = Family.V4 if net.version == 4 else Family.V6
    return family, int(net.network_address), net.prefixlen, host != int(net.network_address)


_octet = st.sampled_from(["0", "00", "1", "01", "9", "10", "99", "199", "255", "256", "300", "1000", "٣", ""])
_hextet = st.sampled_from(["0", "1", "a", "F", "ff", "0db8", "1f18", "fffff", "g", "00000", ""])
_quads = st.lists(_octet, min_size=3, max_size=5).map(".".join)
_v6 = st.builds(lambda parts, gap: ":".join(parts[:gap] + [""] + parts[gap:]) if gap >= 0 else ":".join(parts),
                st.lists(_hextet, min_size=1, max_size=9), st.integers(-3, 9))
_prefix = st.sampled_from(["0", "1", "8", "08", "24", "32", "33", "64", "064", "128", "129", "0128", "", "x", " 8"])
_space = st.sampled_from(["", " ", "\n"])


@settings(max_examples=200, deadline=None)
@given(st.one_of(_quads, _v6), _space)
def test_addresses_read_as_ipaddress_reads_them(text, space):
    expected = _oracle_address(space + text + space)
    try:
        assert parse_address(space + text + space) == expected
    except ValueError:
        assert expected is None


@settings(max_examples=200, deadline=None)
@given(st.one_of(_quads, _v6), _prefix, _space)
def test_cidrs_read_as_ipaddress_reads_them(address, prefix, space):
    text = f"{space}{address}/{prefix}{space}"
    expected = _oracle_cidr(text)
    try:
        cidr = Cidr.parse(text)
    except ValueError:
        assert expected is None
    else:
        assert (cidr.family, cidr.network, cidr.prefix, cidr.had_host_bits) == expected


def test_rules_keep_their_direction_and_index():
    network = parse_network(one_line(DOC), "n.json").network
    egress = network.groups["web"].egress[0]
    assert (egress.direction, egress.index, egress.peer, egress.service) == (
        Direction.EGRESS, 0, GroupPeer("db"), Service())
