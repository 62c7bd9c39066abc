"""Spec files: parsing assertions, then resolving their names against a network."""

from __future__ import annotations

import os
import textwrap

import pytest

from sgverify.errors import InputError, InputFileNotFound, Severity
from sgverify.inputs.native.reader import parse_network
from sgverify.model import ALL, ICMP, TCP, UDP, Cidr, Origin, PortRange
from sgverify.spec import (
    AddressEndpoint,
    AnyEndpoint,
    GroupEndpoint,
    InternetEndpoint,
    Kind,
    ResourceEndpoint,
    Traffic,
)
from sgverify.spec.parse import NameRef, load_spec, parse_spec
from sgverify.spec.resolve import resolve_spec

SPEC = """\
network: ../examples/seed/sg-reference.yaml
assertions:
  - name: only sg-type-b reaches A on https
    only: {from: sg-type-b, to: aws-resource-a, protocol: tcp, ports: 443}
  - name: B reaches A on http and https
    allow: {from: aws-resource-b, to: aws-resource-a, protocol: tcp, ports: [80, 443]}
  - name: C cannot reach A
    description: nothing from C
    deny:
      from: aws-resource-c
      to:
        - aws-resource-a
        - web
"""


def test_parse_keeps_names_lines_kinds_and_traffic():
    doc = parse_spec(SPEC, "specs/s.yaml")
    assert doc.path == "specs/s.yaml"
    assert doc.network == os.path.normpath("examples/seed/sg-reference.yaml")
    only, allow, deny = doc.assertions
    assert (only.name, only.kind, only.origin) == ("only sg-type-b reaches A on https", Kind.ONLY,
                                                   Origin("specs/s.yaml", 3))
    assert only.sources == (NameRef("sg-type-b", 4),)
    assert only.traffic == Traffic(TCP, (PortRange(443, 443),))
    assert allow.traffic == Traffic(TCP, (PortRange(80, 80), PortRange(443, 443)))
    assert deny.kind is Kind.DENY and deny.traffic == Traffic(ALL, None)
    assert deny.description == "nothing from C"
    assert deny.sources == (NameRef("aws-resource-c", 10),)
    assert deny.destinations == (NameRef("aws-resource-a", 12), NameRef("web", 13))


@pytest.mark.parametrize(
    "body, traffic",
    [
        ("{from: a, to: b}", Traffic()),
        ("{from: a, to: b, ports: 53}", Traffic(ALL, (PortRange(53, 53),))),  # tcp and udp
        ("{from: a, to: b, protocol: udp, ports: '1000-2000'}", Traffic(UDP, (PortRange(1000, 2000),))),
        ("{from: a, to: b, protocol: 6, ports: [22, 22]}", Traffic(TCP, (PortRange(22, 22),))),
        ("{from: a, to: b, protocol: icmp}", Traffic(ICMP)),
        ("{from: a, to: b, protocol: all}", Traffic(ALL)),
        ("{from: a, to: b, protocol: 50}", Traffic(50)),
    ],
)
def test_traffic_forms(body, traffic):
    doc = parse_spec(f"assertions:\n  - name: x\n    deny: {body}\n", "s.yaml")
    assert doc.assertions[0].traffic == traffic


def test_network_path_is_relative_to_the_spec_folder_or_absolute():
    spec = "network: {}\nassertions:\n  - {{name: x, deny: {{from: a, to: b}}}}\n"
    assert parse_spec(spec.format("n.yaml"), "/a/b/s.yaml").network == "/a/b/n.yaml"
    assert parse_spec(spec.format("../n.yaml"), "/a/b/s.yaml").network == "/a/n.yaml"
    assert parse_spec(spec.format("/x/n.yaml"), "/a/b/s.yaml").network == "/x/n.yaml"
    assert parse_spec("assertions:\n  - {name: x, deny: {from: a, to: b}}\n", "s.yaml").network is None


def test_json_spec_keeps_lines():
    text = '{\n "assertions": [\n  {"name": "x",\n   "deny": {"from": ["a", "b"], "to": "c"}}\n ]\n}\n'
    doc = parse_spec(text, "s.json")
    assert doc.assertions[0].origin.line == 3
    assert doc.assertions[0].sources == (NameRef("a", 4), NameRef("b", 4))


def one(body: str) -> str:
    return f"assertions:\n  - name: x\n    {body}\n"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("assertions: []\n", ["s.yaml:1: error: the spec has no assertions (expected `assertions:` with a list of them)"]),
        ("network: n.yaml\n", ["s.yaml:1: error: the spec has no assertions (expected `assertions:` with a list of them)"]),
        ("assertions: {a: 1}\n", ["s.yaml:1: error: assertions must be a list, not a mapping"]),
        ("assertions: [deny]\n", ["s.yaml:1: error: an assertion must be a mapping, not the text 'deny'"]),
        ("network: 5\nassertions:\n  - {name: x, deny: {from: a, to: b}}\n",
         ["s.yaml:1: error: network must be a non-empty string, not the number 5 (the path of the network file)"]),
        ("asertions: []\n",
         ["s.yaml:1: error: unknown key 'asertions' in the spec file (did you mean 'assertions'?)",
          "s.yaml:1: error: the spec has no assertions (expected `assertions:` with a list of them)"]),
        ("assertions:\n  - {name: x, deny: {from: a, to: b}}\n  - {name: x, allow: {from: a, to: b}}\n",
         ["s.yaml:3: error: duplicate assertion name 'x' (first at line 2)"]),
        ("assertions:\n  - {deny: {from: a, to: b}}\n", ["s.yaml:2: error: an assertion needs a 'name'"]),
        ("assertions:\n  - {name: [x], deny: {from: a, to: b}}\n",
         ["s.yaml:2: error: the assertion name must be a non-empty string, not a list"]),
        (one("denny: {from: a, to: b}"),
         ["s.yaml:2: error: an assertion needs exactly one of deny, allow or only (found none)",
          "s.yaml:3: error: unknown key 'denny' in an assertion (did you mean 'deny'?)"]),
        (one("deny: {from: a, to: b}\n    allow: {from: a, to: b}"),
         ["s.yaml:2: error: an assertion needs exactly one of deny, allow or only (found deny and allow)"]),
        (one("deny: [a, b]"), ["s.yaml:3: error: deny must be a mapping with from and to, not a list"]),
        (one("deny: {form: a, to: b}"),
         ["s.yaml:3: error: unknown key 'form' in deny (did you mean 'from'?)",
          "s.yaml:3: error: missing 'from': name a resource, group, external, prefix list, CIDR, any or "
          "internet (or a list of them)"]),
        (one("deny: {from: a}"),
         ["s.yaml:3: error: missing 'to': name a resource, group, external, prefix list, CIDR, any or "
          "internet (or a list of them)"]),
        (one("deny: {from: [], to: b}"), ["s.yaml:3: error: from is an empty list"]),
        (one("deny: {from: [a, 5], to: b}"), ["s.yaml:3: error: from must name endpoints, not the number 5"]),
        (one("deny: {from: a, to: b, ports: 70000}"), ["s.yaml:3: error: port 70000 is outside 0-65535"]),
        (one("deny: {from: a, to: b, ports: 9-1}"),
         ["s.yaml:3: error: port range 9-1 runs backwards (from > to)"]),
        (one("deny: {from: a, to: b, protocol: tcpp}"),
         ["s.yaml:3: error: unknown protocol 'tcpp': use tcp, udp, icmp, icmpv6, all or a number 0-255"]),
        (one("deny: {from: a, to: b, protocol: 300}"), ["s.yaml:3: error: protocol number 300 is outside 0-255"]),
        (one("deny: {from: a, to: b, protocol: icmp, ports: 8}"),
         ["s.yaml:3: error: ports given with protocol icmp: ports apply only to tcp and udp "
          "(leave protocol out to mean both)"]),
        (one("deny: {from: a, to: b, protocol: all, ports: 22}"),
         ["s.yaml:3: error: ports given with protocol all: ports apply only to tcp and udp "
          "(leave protocol out to mean both)"]),
        (one("deny: {from: a, to: b, protocol: 47, ports: 22}"),
         ["s.yaml:3: error: ports given with protocol 47: ports apply only to tcp and udp "
          "(leave protocol out to mean both)"]),
    ],
)
def test_parse_rejections(rejected, text, expected):
    assert rejected(parse_spec, text, "s.yaml") == expected


def test_load_spec_reads_a_file_and_reports_a_missing_one(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(textwrap.dedent(SPEC))
    doc = load_spec(path)
    assert doc.path == str(path)
    assert doc.network == os.path.normpath(str(tmp_path / "../examples/seed/sg-reference.yaml"))
    with pytest.raises(InputFileNotFound) as caught:
        load_spec(tmp_path / "none.yaml")
    assert str(caught.value) == f"error: spec file '{tmp_path / 'none.yaml'}' does not exist"


# -- resolving names --------------------------------------------------------

NETWORK = """\
security_groups:
  sg-a: {name: web-sg}
  sg-empty: {}
  sg-partner: {opaque: true}
prefix_lists:
  pl-office: [203.0.113.0/24]
  pl-none: []
resources:
  res-a: {ips: [10.0.0.1], security_groups: [sg-a], aliases: [alpha, shared]}
  res-b: {ips: [10.0.0.2], security_groups: [sg-a], aliases: [shared]}
  clash: {ips: [10.0.0.3], security_groups: [sg-a]}
externals:
  office: [198.51.100.0/24, 198.51.101.7]
  clash: 192.0.2.0/24
"""


@pytest.fixture(scope="module")
def network():
    return parse_network(NETWORK, "net.yaml").network


def resolve(network, names: str, kind: str = "deny", to: str = "res-a"):
    doc = parse_spec(f"assertions:\n  - name: x\n    {kind}: {{from: {names}, to: {to}}}\n", "s.yaml")
    return resolve_spec(doc, network)


@pytest.mark.parametrize(
    "name, endpoint",
    [
        ("res-a", ResourceEndpoint("res-a")),
        ("alpha", ResourceEndpoint("res-a")),
        ("sg-a", GroupEndpoint("sg-a")),
        ("web-sg", GroupEndpoint("sg-a")),
        ("sg-partner", GroupEndpoint("sg-partner")),
        ("office", AddressEndpoint("office", (Cidr.parse("198.51.100.0/24"), Cidr.parse("198.51.101.7/32")))),
        ("pl-office", AddressEndpoint("pl-office", (Cidr.parse("203.0.113.0/24"),))),
        ("10.0.0.0/8", AddressEndpoint("10.0.0.0/8", (Cidr.parse("10.0.0.0/8"),))),
        ("10.9.9.9", AddressEndpoint("10.9.9.9", (Cidr.parse("10.9.9.9/32"),))),
        ("'2001:db8::/32'", AddressEndpoint("2001:db8::/32", (Cidr.parse("2001:db8::/32"),))),
        ("any", AnyEndpoint()),
        ("internet", InternetEndpoint()),
    ],
)
def test_each_kind_of_name_resolves(network, name, endpoint):
    spec, warnings = resolve(network, name)
    assert spec.assertions[0].sources == (endpoint,)
    assert spec.assertions[0].destinations == (ResourceEndpoint("res-a"),)
    assert warnings == []


def test_resolved_spec_keeps_everything_else(network):
    doc = parse_spec("network: n.yaml\nassertions:\n  - name: x\n    allow: {from: [res-b, sg-a, res-b], "
                     "to: res-a, protocol: tcp, ports: 22}\n", "dir/s.yaml")
    spec, _ = resolve_spec(doc, network)
    assert (spec.path, spec.network) == ("dir/s.yaml", os.path.normpath("dir/n.yaml"))
    (assertion,) = spec.assertions
    assert (assertion.name, assertion.kind, assertion.origin) == ("x", Kind.ALLOW, Origin("dir/s.yaml", 3))
    assert assertion.sources == (ResourceEndpoint("res-b"), GroupEndpoint("sg-a"))  # duplicates dropped
    assert assertion.traffic == Traffic(TCP, (PortRange(22, 22),))


def resolve_errors(network, text: str) -> list[str]:
    doc = parse_spec(textwrap.dedent(text), "s.yaml")
    with pytest.raises(InputError) as caught:
        resolve_spec(doc, network)
    return [str(d) for d in caught.value.diagnostics]


def test_unknown_ambiguous_and_bad_names_are_all_reported(network):
    assert resolve_errors(network, """\
        assertions:
          - name: one
            deny: {from: res-aa, to: shared}
          - name: two
            deny: {from: clash, to: [nothing-like-it, 10.0.0.0/40]}
        """) == [
        "s.yaml:3: error: unknown name 'res-aa': not a resource, group, external, prefix list, CIDR, any or "
        "internet (did you mean 'res-a', 'res-b' or 'sg-a'?)",
        "s.yaml:3: error: 'shared' is an alias of several resources: 'res-a' (line 9), 'res-b' (line 10); "
        "name one of them",
        "s.yaml:5: error: 'clash' is ambiguous: it names both resource 'clash' (line 11) and external "
        "'clash' (line 14); rename one",
        "s.yaml:5: error: unknown name 'nothing-like-it': not a resource, group, external, prefix list, "
        "CIDR, any or internet",
        "s.yaml:5: error: invalid CIDR '10.0.0.0/40'",
    ]


def test_a_network_name_that_shadows_a_keyword_is_ambiguous():
    net = parse_network("security_groups: {g: {}}\nexternals: {internet: 0.0.0.0/0}\n", "n.yaml").network
    assert resolve_errors(net, "assertions: [{name: x, deny: {from: internet, to: g}}]\n") == [
        "s.yaml:1: error: 'internet' is ambiguous: it names both external 'internet' (line 2) and "
        "the keyword 'internet'; rename one"]


@pytest.mark.parametrize(
    "kind, names, to, message",
    [
        ("deny", "res-a", "sg-empty", "`to` names no address (e.g. a group with no members), so it holds vacuously"),
        ("allow", "sg-empty", "res-a", "`from` names no address (e.g. a group with no members), so it holds vacuously"),
        ("deny", "pl-none", "res-a", "`from` names no address (e.g. a group with no members), so it holds vacuously"),
        ("only", "sg-empty", "res-a", "`from` names no address, so it claims that nothing at all reaches `to`"),
    ],
)
def test_empty_endpoint_sets_warn(network, kind, names, to, message):
    _, warnings = resolve(network, names, kind, to)
    assert [str(w) for w in warnings] == [f"s.yaml:2: warning: assertion 'x': {message}"]
    assert warnings[0].severity is Severity.WARNING


def test_opaque_group_or_a_partly_empty_list_is_not_vacuous(network):
    assert resolve(network, "sg-partner", "deny", "res-a")[1] == []
    assert resolve(network, "[sg-empty, res-b]", "deny", "res-a")[1] == []


def test_host_bits_in_a_spec_cidr_warn(network):
    _, warnings = resolve(network, "10.0.0.1/8")
    assert [str(w) for w in warnings] == ["s.yaml:3: warning: 10.0.0.1/8 has host bits set; it is read as 10.0.0.0/8"]


def test_a_group_name_shared_by_several_groups_must_be_named_by_key():
    # The native format forbids this, but other formats (several VPCs) allow it.
    from sgverify.model import Network, SecurityGroup

    net = Network(groups={"sg-1": SecurityGroup("sg-1", name="web"), "sg-2": SecurityGroup("sg-2", name="web")},
                  resources={})
    assert resolve_errors(net, "assertions: [{name: x, deny: {from: web, to: sg-1}}]\n") == [
        "s.yaml:1: error: 'web' is the name of several security groups: 'sg-1', 'sg-2'; name one by its key"]
