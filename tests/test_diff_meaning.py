"""`side_meaning`: equal exactly when two sides admit the same packets.

The diff skips a pair whose sides have equal meanings in both networks, so an
equal value for sides that admit different packets would hide a change. Each
property compares the meanings with a brute-force reading of the rules at
every address and service where the answer can change.
"""

from __future__ import annotations

import os
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sgverify.diff.engine import diff_networks
from sgverify.diff.engine import principals as all_principals
from sgverify.diff.meaning import side_meaning
from sgverify.diff.prune import pairs_to_compare
from sgverify.model import CidrPeer, Direction, Family, GroupPeer, PortRange, PrefixList, PrefixListPeer
from sgverify.model import Service, UnknownPeer
from sgverify.model.intervals import contains
from strategies import cidr, group, network, resource, rule, services

EXAMPLES = int(os.environ.get("SGVERIFY_EXAMPLES", "60"))
SETTINGS = settings(max_examples=EXAMPLES * 3, deadline=None, suppress_health_check=list(HealthCheck))
TCP = 6
LIST = PrefixList("pl-office", (cidr("10.0.0.0/25"), cidr("fd00::/64")))
PEERS = tuple(CidrPeer(cidr(c)) for c in (
    "0.0.0.0/0", "10.0.0.0/8", "10.0.0.0/24", "10.0.0.128/25", "10.0.0.7/32", "192.168.0.0/16",
    "::/0", "fd00::/8", "fd00::/64")) + (GroupPeer("sg-a"), GroupPeer("sg-b"), PrefixListPeer("pl-office"))
NET = network([group("sg-a"), group("sg-b")], [], prefix_lists=[LIST])


def _rules(specs) -> tuple:
    return tuple(rule("sg-x", Direction.INGRESS, i, service, peer) for i, (service, peer) in enumerate(specs))


def _blocks(peer) -> list:
    if isinstance(peer, CidrPeer):
        return [peer.cidr]
    if isinstance(peer, PrefixListPeer):
        return list(NET.prefix_lists[peer.prefix_list].cidrs)
    return []


def _admits(rules, family: Family, address: int | None, via: str | None, point: int) -> bool:
    """Brute force: does some rule admit service `point` from a peer at `address`
    (or, with `via`, from a member of that group)?"""
    for r in rules:
        if not contains(list(r.service.intervals()), point):
            continue
        if via is not None and isinstance(r.peer, GroupPeer) and r.peer.group == via:
            return True
        if address is not None and any(
                b.family is family and b.network <= address <= b.network + (1 << (family.width - b.prefix)) - 1
                for b in _blocks(r.peer)):
            return True
    return False


def _probes(rules_a, rules_b):
    """Every (family, address, group, service) where either side's answer may change."""
    addresses = {Family.V4: {0, Family.V4.top}, Family.V6: {0, Family.V6.top}}
    points = {0}
    for r in (*rules_a, *rules_b):
        for lo, hi in r.service.intervals():
            points |= {lo, max(lo - 1, 0), hi, hi + 1}
        for block in _blocks(r.peer):
            last = block.network + (1 << (block.family.width - block.prefix)) - 1
            addresses[block.family] |= {block.network, max(block.network - 1, 0), last,
                                        min(last + 1, block.family.top)}
    for family, values in addresses.items():
        for value in values:
            for point in points:
                yield family, value, None, point
    for via in ("sg-a", "sg-b"):
        for point in points:
            yield Family.V4, None, via, point


def _same_by_brute_force(rules_a, rules_b) -> bool:
    return all(_admits(rules_a, *probe) == _admits(rules_b, *probe) for probe in _probes(rules_a, rules_b))


specs = st.lists(st.tuples(services, st.sampled_from(PEERS)), max_size=5)
group_specs = st.lists(st.tuples(services, st.sampled_from(PEERS[-3:-1])), max_size=3)


@st.composite
def rewritten(draw, specs_a):
    """The same rules rewritten without changing what they admit: shuffled,
    a CIDR split in halves, a covered copy added, a port range cut in two."""
    out = list(specs_a)
    for _ in range(draw(st.integers(1, 3))):
        if not out:
            break
        i = draw(st.integers(0, len(out) - 1))
        service, peer = out[i]
        how = draw(st.sampled_from(("shuffle", "split", "covered", "ports")))
        if how == "split" and isinstance(peer, CidrPeer) and peer.cidr.prefix < peer.cidr.family.width:
            block = peer.cidr
            upper = replace(block, network=block.network | (1 << (block.family.width - block.prefix - 1)),
                            prefix=block.prefix + 1)
            out[i:i + 1] = [(service, CidrPeer(replace(block, prefix=block.prefix + 1))), (service, CidrPeer(upper))]
        elif how == "covered" and isinstance(peer, CidrPeer) and peer.cidr.prefix < peer.cidr.family.width:
            out.append((service, CidrPeer(replace(peer.cidr, prefix=peer.cidr.prefix + 1))))
        elif how == "ports" and service.ports and service.ports[0].lo < service.ports[0].hi:
            first, last = service.ports[0].lo, service.ports[0].hi
            out[i:i + 1] = [(replace(service, ports=(PortRange(first, first),)), peer),
                            (replace(service, ports=(PortRange(first + 1, last),)), peer)]
        else:
            out = draw(st.permutations(out))
    return out


@SETTINGS
@given(st.data())
def test_equal_meaning_exactly_when_the_rules_admit_the_same(data):
    specs_a = data.draw(specs)
    specs_b = data.draw(st.one_of(rewritten(specs_a), specs, group_specs.map(lambda extra: specs_a + extra)))
    rules_a, rules_b = _rules(specs_a), _rules(specs_b)
    same = side_meaning(NET, rules_a) == side_meaning(NET, rules_b)
    assert same == _same_by_brute_force(rules_a, rules_b)


def test_a_cidr_split_in_two_has_the_same_meaning():
    whole = _rules([(Service(TCP), CidrPeer(cidr("10.0.0.0/8")))])
    halves = _rules([(Service(TCP), CidrPeer(cidr("10.0.0.0/9"))), (Service(TCP), CidrPeer(cidr("10.128.0.0/9")))])
    assert side_meaning(NET, whole) == side_meaning(NET, halves)
    assert side_meaning(NET, whole) != side_meaning(NET, halves[:1])


def test_group_and_address_rules_are_kept_apart():
    by_group = _rules([(Service(TCP), GroupPeer("sg-a"))])
    assert side_meaning(NET, by_group) != side_meaning(NET, _rules([(Service(17), GroupPeer("sg-a"))]))
    assert side_meaning(NET, by_group) == side_meaning(NET, _rules([
        (Service(TCP, (PortRange(0, 1023),)), GroupPeer("sg-a")),
        (Service(TCP, (PortRange(1024, 65535),)), GroupPeer("sg-a"))]))
    assert side_meaning(NET, by_group) != side_meaning(NET, _rules([(Service(TCP), GroupPeer("sg-b"))]))
    assert side_meaning(NET, by_group) != side_meaning(NET, _rules([(Service(TCP), CidrPeer(cidr("0.0.0.0/0")))]))


def test_rules_that_depend_on_a_free_choice_have_no_meaning():
    unknown_peer = _rules([(Service(TCP), UnknownPeer("unknown until apply"))])
    unknown_service = (replace(_rules([(Service(TCP), CidrPeer(cidr("10.0.0.0/8")))])[0], service_unknown="computed"),)
    opaque = network([group("sg-gone", opaque=True)], [])
    assert side_meaning(NET, unknown_peer) is None
    assert side_meaning(NET, unknown_service) is None
    assert side_meaning(opaque, _rules([(Service(TCP), GroupPeer("sg-gone"))])) is None


def _estate(ingress_specs) -> object:
    return network(
        [group("sg-web", ingress=ingress_specs), group("sg-app", egress=[(Service(), CidrPeer(cidr("0.0.0.0/0")))])],
        [resource("web", ("sg-web",), ips=("10.0.0.10",)), resource("app", ("sg-app",), ips=("10.0.1.5",))])


def test_the_diff_skips_a_rewrite_and_still_sees_a_change():
    """A rewrite that admits the same is not compared at all; a real change is found."""
    old = _estate([(Service(TCP, (PortRange(443, 443),)), CidrPeer(cidr("10.0.0.0/16")))])
    split = _estate([(Service(TCP, (PortRange(443, 443),)), CidrPeer(cidr("10.0.0.0/17"))),
                     (Service(TCP, (PortRange(443, 443),)), CidrPeer(cidr("10.0.128.0/17")))])
    narrowed = _estate([(Service(TCP, (PortRange(443, 443),)), CidrPeer(cidr("10.0.0.0/24")))])
    everyone = all_principals(old, split)
    assert pairs_to_compare(old, split, everyone, everyone) == []
    assert diff_networks(old, split).empty and diff_networks(old, split, prune=False).empty
    result = diff_networks(old, narrowed)
    assert {(str(c.region.source), str(c.region.destination)) for c in result.removed} == {
        ("app", "web"), ("unmanaged", "web")}
    assert result == diff_networks(old, narrowed, prune=False)
