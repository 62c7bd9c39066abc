"""Lint: hand-worked findings of every kind, and redundancy checked against brute force."""

from __future__ import annotations

import itertools
import json

from hypothesis import HealthCheck, given, settings

import strategies as S
from clitools import invoke, run
from oracle import opaque_key, unknown_key, who_options
from oracle_rules import in_intervals, rule_matches
from sgverify.explore.lint import Level, lint, render_json
from sgverify.explore.lint_exposure import assembled_services
from sgverify.explore.lint_rules import redundant_in_group
from sgverify.model import (ALL, TCP, CidrPeer, Direction, Family, GroupPeer, PrefixList,
                            PrefixListPeer, Service, UnknownPeer)
from sgverify.model.addresses import PRIVATE_V4, UNFILTERED_SERVICES
from sgverify.model.service import SERVICE_TOP

SLOW = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
TCP80 = Service(TCP, S.ports(80))
TCP_ALL = Service(TCP)


def cidr_peer(text):
    return CidrPeer(S.cidr(text))


def ids(findings, subject=None):
    return sorted(f.id for f in findings if subject is None or f.subject == subject)


# ---------------------------------------------------------------- brute force

def _blocks(network, family):
    blocks = [c for r in network.all_rules() if isinstance(r.peer, CidrPeer) for c in [r.peer.cidr]]
    blocks += [c for p in network.prefix_lists.values() for c in p.cidrs]
    blocks += [c for r in network.resources.values() for c in r.subnets]
    blocks += list(PRIVATE_V4) + list(UNFILTERED_SERVICES)
    points = [v for r in network.resources.values() for v in r.addresses(family)]
    bounds = {0} | {b for c in blocks if c.family is family for b in (c.first, c.last + 1)}
    bounds |= {b for v in points for b in (v, v + 1)}
    return sorted(b for b in bounds if b <= family.top)


def _service_points(network):
    bounds = {0} | {b for r in network.all_rules() for lo, hi in r.service.intervals() for b in (lo, hi + 1)}
    return sorted(b for b in bounds if b <= SERVICE_TOP)


def brute_redundant(network, rules) -> set:
    """Rules r such that, in every world, every packet r matches is matched by another rule."""
    out = set()
    opaque = sorted(k for k, g in network.groups.items() if g.opaque)
    services = _service_points(network)
    for rule in rules:
        side = "src" if rule.direction is Direction.INGRESS else "dst"
        others = [r for r in rules if r is not rule]
        matches_somewhere, covered = False, True
        for family in (Family.V4, Family.V6):
            for x in _blocks(network, family):
                for who in who_options(network, family, x):
                    for bits in itertools.product((False, True), repeat=len(opaque) if who is None else 0):
                        free = {opaque_key(side, g): b for g, b in zip(opaque, bits)}
                        free[unknown_key(rule)] = True  # the worst case: only the tested rule's unknowns match
                        for svc in services:
                            if not rule_matches(network, rule, family, svc, x, who, side, free):
                                continue
                            matches_somewhere = True
                            if not any(rule_matches(network, o, family, svc, x, who, side,
                                                    {k: v for k, v in free.items() if k != unknown_key(rule)})
                                       for o in others):
                                covered = False
        if covered and matches_somewhere:
            out.add(rule)
    return out


@SLOW
@given(S.networks())
def test_redundancy_in_groups_matches_brute_force(net):
    for group in net.groups.values():
        for direction in Direction:
            rules = group.rules(direction)
            found = {r for r, _ in redundant_in_group(net, rules)}
            assert found == brute_redundant(net, rules), (group.key, direction)


@SLOW
@given(S.networks())
def test_redundancy_on_resources_matches_brute_force(net):
    for resource in net.resources.values():
        for direction in Direction:
            rules = tuple(r for g in resource.groups for r in net.groups[g].rules(direction))
            found = {r for r, _ in redundant_in_group(net, rules)}
            assert found == brute_redundant(net, rules), (resource.name, direction)


@SLOW
@given(S.networks())
def test_shadowing_rule_alone_covers(net):
    for group in net.groups.values():
        for direction in Direction:
            rules = group.rules(direction)
            for rule, by in redundant_in_group(net, rules):
                if by is not None:
                    assert rule in brute_redundant(net, (rule, by))


def brute_assembled(net, name, family, svc) -> bool:
    """Every public address is admitted on svc by ingress rules, and no single rule admits them all."""
    from sgverify.model.addresses import public_intervals
    from sgverify.model import intervals as iv

    rules = [r for g in net.resources[name].groups for r in net.groups[g].ingress
             if not r.service_unknown and in_intervals(svc, r.service.intervals())]
    public = public_intervals(family)

    def certain(rule):
        # What the rule admits whatever the world: its blocks, or members' private addresses.
        if isinstance(rule.peer, CidrPeer):
            got = iv.of_cidrs([rule.peer.cidr], family)
        elif isinstance(rule.peer, PrefixListPeer):
            got = iv.of_cidrs(net.prefix_lists[rule.peer.prefix_list].cidrs, family)
        elif isinstance(rule.peer, GroupPeer):
            got = iv.of_points(v for r in net.members(rule.peer.group) for v in r.private_addresses(family))
        else:
            got = []
        return iv.intersect(got, public)

    parts = [certain(r) for r in rules]
    whole = iv.normalize(x for p in parts for x in p)
    return whole == public and not any(p == public for p in parts)


@SLOW
@given(S.networks())
def test_assembled_exposure_matches_brute_force(net):
    for name in net.resources:
        for family in (Family.V4, Family.V6):
            found = assembled_services(net, name, family)
            for svc in _service_points(net):
                assert in_intervals(svc, found) == brute_assembled(net, name, family, svc), (name, svc)


# ---------------------------------------------------------------- hand-worked

def test_shadowed_and_redundant_in_one_group():
    g = S.group("sg-a", ingress=[(TCP_ALL, cidr_peer("10.0.0.0/8")),   # 0
                                 (TCP80, cidr_peer("10.1.0.0/16")),     # 1: inside 0
                                 (TCP80, cidr_peer("0.0.0.0/1")),       # 2
                                 (TCP80, cidr_peer("128.0.0.0/1")),     # 3
                                 (TCP80, cidr_peer("1.2.3.0/24"))])     # 4: inside 2
    net = S.network([g], [S.resource("web", ["sg-a"], ["10.0.0.5"])])
    by_rule = {f.message.split(" ")[1]: f.id for f in lint(net) if f.id.startswith(("SG001", "SG002"))}
    assert by_rule == {"ingress[1]": "SG001-shadowed-rule", "ingress[4]": "SG001-shadowed-rule"}
    # 1 is also covered by 2 (0.0.0.0/1 holds 10.1/16): shadowed twice, reported once.


def test_union_of_rules_makes_a_rule_redundant():
    g = S.group("sg-a", ingress=[(Service(TCP, S.ports(0, 100)), cidr_peer("10.0.0.0/8")),
                                 (Service(TCP, S.ports(101, 65535)), cidr_peer("10.0.0.0/8")),
                                 (TCP80, cidr_peer("10.0.0.0/24"))])
    net = S.network([g], [S.resource("web", ["sg-a"], ["10.0.0.5"])])
    assert {r.index: by for r, by in redundant_in_group(net, g.ingress)} == {2: g.ingress[0]}
    wide = S.group("sg-b", ingress=[(Service(TCP, S.ports(0, 100)), cidr_peer("10.0.0.0/8")),
                                    (Service(TCP, S.ports(101, 65535)), cidr_peer("10.0.0.0/8")),
                                    (TCP_ALL, cidr_peer("10.0.0.0/24"))])
    net = S.network([wide], [S.resource("web", ["sg-b"], ["10.0.0.5"])])
    assert [(r.index, by) for r, by in redundant_in_group(net, wide.ingress)] == [(2, None)]


def test_unknown_peer_never_covers_and_group_peers_compare_by_identity():
    g = S.group("sg-a", ingress=[(Service(ALL), UnknownPeer("computed")),
                                 (TCP80, cidr_peer("10.0.0.0/8")),
                                 (TCP80, GroupPeer("sg-b")), (TCP_ALL, GroupPeer("sg-b"))])
    b = S.group("sg-b")
    net = S.network([g, b], [S.resource("web", ["sg-a"], ["10.0.0.5"]),
                             S.resource("app", ["sg-b"], subnets=["10.0.1.0/24"])])
    assert [r.index for r, _ in redundant_in_group(net, g.ingress)] == [2]


def test_redundant_across_groups_on_a_resource():
    a = S.group("sg-a", ingress=[(TCP80, cidr_peer("10.0.0.0/24"))])
    b = S.group("sg-b", ingress=[(TCP_ALL, cidr_peer("10.0.0.0/16"))])
    net = S.network([a, b], [S.resource("web", ["sg-a", "sg-b"], ["10.0.0.5"]),
                             S.resource("other", ["sg-a"], ["10.0.0.6"])])
    found = [f for f in lint(net) if f.id == "SG003-redundant-across-groups"]
    assert [(f.subject, f.severity) for f in found] == [("web", Level.INFO)]


def test_public_exposure_split_in_halves_is_found():
    g = S.group("sg-a", ingress=[(TCP80, cidr_peer("0.0.0.0/1")), (TCP80, cidr_peer("128.0.0.0/1"))])
    net = S.network([g], [S.resource("web", ["sg-a"], ["10.0.0.5"])])
    found = [f for f in lint(net) if f.id == "SG004-assembled-public-exposure"]
    assert len(found) == 1 and "tcp/80" in found[0].message and "IPv4" in found[0].message
    whole = S.group("sg-a", ingress=[(TCP80, cidr_peer("0.0.0.0/0")), (TCP80, cidr_peer("128.0.0.0/1"))])
    net = S.network([whole], [S.resource("web", ["sg-a"], ["10.0.0.5"])])
    assert "SG004-assembled-public-exposure" not in ids(lint(net))


ADMIN = "SG005-admin-port-open-to-internet"


def admin_ports(finding) -> set:
    """The ports an SG005 finding lists (its rule's, "every port" being every admin port)."""
    import re

    from sgverify.explore.lint_exposure import ADMIN_PORTS

    if " opens every port " in finding.message or " opens every tcp port " in finding.message:
        return set(ADMIN_PORTS)
    return {int(p) for p in re.findall(r"tcp/(\d+) \([a-z ]+\)", finding.message)}


def test_admin_ports_open_exactly():
    g = S.group("sg-a", ingress=[(Service(TCP, S.ports(20, 25)), cidr_peer("0.0.0.0/0")),
                                 (Service(TCP, S.ports(3306)), cidr_peer("10.0.0.0/8")),
                                 (Service(TCP, S.ports(5432)), UnknownPeer("computed"))])
    net = S.network([g], [S.resource("db", ["sg-a"], ["10.0.0.5"])])
    found = [f for f in lint(net) if f.id == ADMIN]
    # 20-25 holds ssh and telnet; 3306 only admits private space; the unknown peer may be anyone
    assert [f.message for f in found] == [
        "db: sg-a ingress[0] (tcp/20-25 0.0.0.0/0) opens tcp/22 (ssh), tcp/23 (telnet) to the whole internet",
        "db: sg-a ingress[2] (tcp/5432 <unknown: computed>) opens tcp/5432 (postgresql) to the internet for some "
        "values of unknown rule parts or members"]
    assert [f.severity for f in found] == [Level.ERROR, Level.WARNING]


def test_a_rule_open_on_every_port_is_one_finding_per_resource():
    g = S.group("sg-a", ingress=[(Service(ALL), cidr_peer("0.0.0.0/0"))])
    net = S.network([g], [S.resource("web", ["sg-a"], ["10.0.0.5"]), S.resource("api", ["sg-a"], ["10.0.0.6"])])
    found = [f for f in lint(net) if f.id == ADMIN]
    assert [(f.subject, f.severity, f.message.split(" opens ")[1]) for f in found] == [
        ("api", Level.ERROR, "every port to the whole internet"),
        ("web", Level.ERROR, "every port to the whole internet")]
    assert found[0].fingerprint != found[1].fingerprint
    tcp = S.group("sg-a", ingress=[(TCP_ALL, cidr_peer("0.0.0.0/0"))])
    [only] = [f for f in lint(S.network([tcp], [S.resource("web", ["sg-a"], ["10.0.0.5"])])) if f.id == ADMIN]
    assert "opens every tcp port to the whole internet" in only.message


def test_admin_finding_fingerprint_is_the_rule_and_the_resource():
    from dataclasses import replace
    from sgverify.model import Origin

    def fingerprints(group):
        net = S.network([group], [S.resource("web", ["sg-a"], ["10.0.0.5"])])
        return [f.fingerprint for f in lint(net) if f.id == ADMIN]

    world = (Service(ALL), cidr_peer("0.0.0.0/0"))
    g = S.group("sg-a", ingress=[world])
    moved = replace(g, ingress=(replace(g.ingress[0], origin=Origin("f.yaml", 40)),))
    # another rule before it: a new index and another admin port, the same rule
    more = S.group("sg-a", ingress=[(Service(TCP, S.ports(3389)), cidr_peer("1.1.1.0/30")), world])
    narrower = S.group("sg-a", ingress=[(Service(TCP, S.ports(22)), cidr_peer("0.0.0.0/0"))])
    [first] = fingerprints(g)
    assert fingerprints(moved) == [first]
    assert first in fingerprints(more) and len(fingerprints(more)) == 2
    assert fingerprints(narrower) != [first]


def test_admin_port_assembled_from_halves_is_an_error_on_each_rule():
    g = S.group("sg-a", ingress=[(Service(TCP, S.ports(22)), cidr_peer("0.0.0.0/1")),
                                 (Service(TCP, S.ports(22)), cidr_peer("128.0.0.0/1"))])
    net = S.network([g], [S.resource("db", ["sg-a"], ["10.0.0.5"])])
    found = [f for f in lint(net) if f.id == ADMIN]
    assert [f.severity for f in found] == [Level.ERROR, Level.ERROR]
    assert all(f.message.endswith("; with other rules of db, tcp/22 (ssh) to the whole internet") for f in found)
    assert "some internet addresses (" in found[0].message


def _internal(net) -> bool:
    """No resource has a public address or lives in public space: the internet is then exactly
    the unmanaged public addresses, for the verifier's `internet` endpoint as for lint."""
    from sgverify.model.addresses import is_public

    return not any(r.public_ips or any(is_public(c.family, c.first) or is_public(c.family, c.last)
                                       for c in r.subnets) for r in net.resources.values())


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(S.networks())
def test_admin_ports_agree_with_the_verifier(net):
    from hypothesis import assume
    from sgverify.explore.lint_exposure import admin_ports_open
    from sgverify.solve.prove import CompiledNetwork, check_assertion
    from sgverify.spec import InternetEndpoint, Kind, ResourceEndpoint, Traffic

    assume(_internal(net))
    compiled = CompiledNetwork(net)
    for name in net.resources:
        found = admin_ports_open(net, name)
        assert len({f.message.split(" opens ")[0] for f in found}) == len(found)  # one finding per rule
        reported = {p for f in found for p in admin_ports(f)}
        for port in (22, 23, 3306):
            deny = S.assertion(Kind.DENY, [InternetEndpoint()], [ResourceEndpoint(name)],
                               Traffic(TCP, S.ports(port)))
            violated = check_assertion(compiled, deny).verdict.value == "violated"
            assert (port in reported) == violated, (name, port)


def test_admin_port_open_to_part_of_the_internet_is_a_warning():
    g = S.group("sg-a", ingress=[(Service(TCP, S.ports(22)), cidr_peer("1.1.1.0/30"))])
    net = S.network([g], [S.resource("db", ["sg-a"], ["10.0.0.5"])])
    [found] = [f for f in lint(net) if f.subject == "db"]
    assert found.id == "SG005-admin-port-open-to-internet" and found.severity is Level.WARNING
    assert "some internet addresses (1.1.1.0/30)" in found.message


def test_suspicious_cidrs():
    g = S.group("sg-a", ingress=[(TCP80, cidr_peer("0.0.0.0/32")), (TCP80, cidr_peer("10.0.0.1/8")),
                                 (TCP80, cidr_peer("127.0.0.0/8")), (TCP80, cidr_peer("0.1.0.0/16"))])
    net = S.network([g], [S.resource("web", ["sg-a"], ["10.0.0.5"])])
    found = [f for f in lint(net) if f.id == "SG006-suspicious-cidr"]
    assert sorted(f.severity.value for f in found) == ["error", "warning", "warning", "warning"]
    assert any("host bits" in f.message for f in found)


def test_unattached_empty_and_outside_references():
    a = S.group("sg-a", ingress=[(TCP80, GroupPeer("sg-empty")), (TCP80, GroupPeer("sg-other"))])
    net = S.network([a, S.group("sg-empty"), S.group("sg-other", opaque=True)],
                    [S.resource("web", ["sg-a"], ["10.0.0.5"])])
    got = ids(lint(net))
    assert got.count("SG007-unattached-group") == 1  # sg-empty; the opaque one is not ours
    assert "SG008-reference-to-empty-group" in got and "SG009-reference-outside-network" in got


def test_quotas_count_prefix_list_max_entries():
    plist = PrefixList("pl-1", (S.cidr("10.0.0.0/8"),), max_entries=61)
    g = S.group("sg-a", ingress=[(TCP80, PrefixListPeer("pl-1"))])
    many = [S.group(f"sg-{i}") for i in range(6)]
    net = S.network([g] + many, [S.resource("web", ["sg-a"] + [m.key for m in many], ["10.0.0.5"])],
                    prefix_lists=[plist])
    got = ids(lint(net))
    assert "SG010-quota-rules-per-group" in got and "SG011-quota-groups-per-resource" in got
    big = PrefixList("pl-1", (S.cidr("10.0.0.0/8"),), max_entries=1001)
    net = S.network([g], [S.resource("web", ["sg-a"], ["10.0.0.5"])], prefix_lists=[big])
    assert "SG012-quota-rules-per-resource" in ids(lint(net))


def test_fingerprint_ignores_lines_but_not_content():
    from dataclasses import replace
    from sgverify.model import Origin

    g = S.group("sg-a", ingress=[(TCP80, cidr_peer("0.0.0.0/32"))])
    moved = replace(g, ingress=(replace(g.ingress[0], origin=Origin("f.yaml", 40)),))
    wider = S.group("sg-a", ingress=[(Service(TCP), cidr_peer("0.0.0.0/32"))])
    prints = [lint(S.network([x], [S.resource("w", ["sg-a"], ["10.0.0.5"])]))[0].fingerprint
              for x in (g, moved, wider)]
    assert prints[0] == prints[1] != prints[2]


def test_seed_scenarios_hand_worked():
    from sgverify.inputs import load_network

    assert lint(load_network("examples/seed/1-inbound-world-web.yaml").network) == []
    five = lint(load_network("examples/seed/5-outbound-to-office.yaml").network)
    assert [(f.id, f.location) for f in five] == [
        ("SG006-suspicious-cidr", "examples/seed/5-outbound-to-office.yaml:11")]
    six = ids(lint(load_network("examples/seed/6-outbound-to-sg.yaml").network))
    assert six == ["SG007-unattached-group", "SG008-reference-to-empty-group"]


def test_json_output_is_parseable():
    g = S.group("sg-a", ingress=[(TCP80, cidr_peer("0.0.0.0/32"))])
    items = json.loads(render_json(lint(S.network([g], [S.resource("w", ["sg-a"], ["10.0.0.5"])]))))["findings"]
    assert items[0]["id"] == "SG006-suspicious-cidr" and items[0]["severity"] == "error"


def test_cli_exit_codes(tmp_path):
    done = run(["lint", "examples/seed/5-outbound-to-office.yaml"], 1)
    assert "SG006-suspicious-cidr" in done.stdout
    run(["lint", "examples/seed/6-outbound-to-sg.yaml"], 0)
    invoke(["lint", "examples/seed/6-outbound-to-sg.yaml", "--fail-on", "info", "-f", "json"], 1)
    bad = tmp_path / "bad.yaml"
    bad.write_text("security_groups: [\n")
    done = run(["lint", str(bad)], 2)
    assert len(done.stderr.strip().splitlines()) == 1

