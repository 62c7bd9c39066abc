"""Skipping work on large estates never changes a result.

`diff`, `matrix` and `exposure` leave out pairs of principals that provably
deliver the same (diff) or nothing (matrix, exposure). Each is compared here
with the computation over every pair, on random networks with opaque groups,
unknown rules, prefix lists, symbolic resources, and, for diff, random edits:
rules changed, added or removed, group memberships, addresses, prefix lists,
resources present in one network only. Pairs with the unmanaged side, which the
diff compares on whole blocks and cuts to the unmanaged addresses at the end,
are also compared with the plain computation on the unmanaged addresses.
"""

from __future__ import annotations

import os
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sgverify.diff.engine import ChangeKind, compare, diff_networks
from sgverify.diff.explain import elsewhere
from sgverify.diff.shared import fix_membership, shared_opaque, valuations
from sgverify.explain.evaluate import Situation, egress_ok, ingress_ok, owner_of
from sgverify.explore.exposure import exposure
from sgverify.explore.matrix import build_matrix
from sgverify.model import CidrPeer, Direction, Family, Network, PortRange, Service
from sgverify.model import intervals as iv
from sgverify.regions.principals import address_space
from sgverify.regions import Principal, intersection as box_intersection, pair_sets, union as box_union
from sgverify.regions import difference as set_difference
from strategies import (CIDR_CHOICES, TRAFFIC_CHOICES, addr, cidr, draw_rules, group, network, networks,
                        peer_pool, pick, resource, services)

EXAMPLES = int(os.environ.get("SGVERIFY_EXAMPLES", "60"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))

EDITS = ("rule", "rule", "add", "drop", "members", "address", "prefix", "remove", "new", "opaque",
         "split", "split", "covered")


def _edit_rule(draw, net: Network, how: str) -> Network:
    key = pick(draw, sorted(k for k, g in net.groups.items() if not g.opaque))
    group = net.groups[key]
    direction = pick(draw, (Direction.INGRESS, Direction.EGRESS))
    rules = list(group.rules(direction))
    peers = peer_pool(tuple(net.groups), tuple(net.prefix_lists))
    if how == "drop" and rules:
        rules.pop(draw(st.integers(0, len(rules) - 1)))
    elif how in ("split", "covered") and rules:
        rules = _same_meaning(draw, rules, how)
    elif how == "rule" and rules:
        i = draw(st.integers(0, len(rules) - 1))
        rules[i] = replace(rules[i], service=draw(services), peer=pick(draw, peers))
    else:
        rules += draw_rules(draw, key, direction, peers, False)[:1]
    field = "ingress" if direction is Direction.INGRESS else "egress"
    return replace(net, groups={**net.groups, key: replace(group, **{field: tuple(rules)})})


def _same_meaning(draw, rules: list, how: str) -> list:
    """Edits that change rules but not what they admit, so the diff prunes by
    meaning: a CIDR rule split into its two halves, or a copy of a rule
    narrowed to its first half (the original covers it)."""
    i = draw(st.integers(0, len(rules) - 1))
    chosen = rules[i]
    if not isinstance(chosen.peer, CidrPeer) or chosen.peer.cidr.prefix >= chosen.peer.cidr.family.width:
        return rules
    block = chosen.peer.cidr
    halves = [replace(block, prefix=block.prefix + 1),
              replace(block, network=block.network | (1 << (block.family.width - block.prefix - 1)),
                      prefix=block.prefix + 1)]
    copies = [replace(chosen, peer=CidrPeer(half), index=len(rules) + n) for n, half in enumerate(halves)]
    if how == "split":
        return rules[:i] + copies + rules[i + 1:]
    return rules + copies[:1]


def _edit_resource(draw, net: Network, how: str) -> Network:
    resources = dict(net.resources)
    if not resources and how != "new":
        return net  # earlier edits removed every resource
    name = pick(draw, sorted(resources)) if resources else None
    described = sorted(k for k, g in net.groups.items() if not g.opaque)
    if how == "members":
        resources[name] = replace(resources[name], groups=(pick(draw, described),))
    elif how == "address":
        resources[name] = replace(resources[name], ips=((addr(pick(draw, ("10.0.0.9", "10.0.1.7", "fd00::3"))),)),
                                  public_ips=())
    elif how == "remove":
        del resources[name]
    else:
        resources["r-new"] = resource("r-new", (pick(draw, described),), ips=("10.0.0.77",))
    return replace(net, resources=resources)


def _edit_other(draw, net: Network, how: str) -> Network:
    if how == "prefix" and net.prefix_lists:
        key = pick(draw, sorted(net.prefix_lists))
        lists = {**net.prefix_lists, key: replace(net.prefix_lists[key],
                                                  cidrs=tuple(map(cidr, pick(draw, CIDR_CHOICES))))}
        return replace(net, prefix_lists=lists)
    if how == "opaque" and "sg-other" in net.groups:
        groups = {k: g for k, g in net.groups.items() if k != "sg-other"}
        return replace(net, groups=groups)  # a referenced group no longer known at all
    return net


@st.composite
def network_pairs(draw):
    old = draw(networks())
    new = old
    for _ in range(draw(st.integers(0, 3))):
        how = pick(draw, EDITS)
        if how in ("rule", "add", "drop"):
            new = _edit_rule(draw, new, how)
        elif how in ("members", "address", "remove", "new"):
            new = _edit_resource(draw, new, how)
        else:
            new = _edit_other(draw, new, how)
    return old, new


@SETTINGS
@given(network_pairs())
def test_pruned_diff_equals_every_pair(pair):
    old, new = pair
    assert diff_networks(old, new) == diff_networks(old, new, prune=False)


@SETTINGS
@given(network_pairs())
def test_why_a_witness_is_not_delivered_elsewhere_is_what_the_evaluator_says(pair):
    """The report's replay of each certain witness in the other network (indexed by
    service point) blocks the same sides as the brute-force evaluator, and some side,
    unless an endpoint's address is not its own there (a resource's address moved, an
    unmanaged address is a resource's there)."""
    old, new = pair
    diff = diff_networks(old, new)
    for change in diff.added + diff.removed:
        r, other = change.region, (old if change.kind is ChangeKind.ADDED else new)
        packet = r.witness()
        names = [p.name if p.is_resource else None for p in (r.source, r.destination)]
        if not change.certain or packet is None or any(n and n not in other.resources for n in names):
            continue
        addresses = (packet.src, packet.dst)
        if any(len([x for x in other.resources.values() if a in x.addresses(r.family)]) > 1 for a in addresses):
            continue  # a shared address: which resource is meant is the engine's choice
        # Each end whose address is not its own there, the source first: the line names the first.
        reasons = []
        for p, a in zip((r.source, r.destination), addresses):
            if p.is_resource and not iv.meets(address_space(other, p, r.family), [(a, a)]):
                reasons.append(f"is not an address of {p.name} there")  # the pair there does not hold it
            elif not p.is_resource and owner_of(other, r.family, a):
                reasons.append(f"is an address of {owner_of(other, r.family, a)} there")  # unmanaged here only
        line = elsewhere(change, other)
        if reasons:
            assert reasons[0] in line, (reasons, line)
            continue
        situation = Situation(other, packet, *names, {})
        blocked = [f"{side} of {end} " for side, ok, end in (("egress", egress_ok, names[0]),
                                                             ("ingress", ingress_ok, names[1])) if not ok(situation)]
        assert blocked, (packet, change)
        assert [part for part in blocked if part in line] == blocked and line.count(" of ") == len(blocked), line


@SETTINGS
@given(network_pairs(), st.sampled_from(TRAFFIC_CHOICES))
def test_pruned_diff_equals_every_pair_for_some_traffic(pair, traffic):
    old, new = pair
    assert diff_networks(old, new, traffic=traffic) == diff_networks(old, new, traffic=traffic, prune=False)


@SETTINGS
@given(networks(), st.sampled_from((None,) + TRAFFIC_CHOICES))
def test_pruned_matrix_equals_every_cell(net, traffic):
    assert build_matrix(net, traffic) == build_matrix(net, traffic, prune=False)


@SETTINGS
@given(networks(), st.booleans(), st.sampled_from((None,) + TRAFFIC_CHOICES), st.data())
def test_pruned_exposure_equals_every_peer(net, egress, traffic, data):
    target = data.draw(st.sampled_from(sorted(net.resources) + sorted(net.groups) + ["internet"]))
    assert exposure(net, target, egress, traffic) == exposure(net, target, egress, traffic, prune=False)


def test_an_edit_is_found_between_two_resources():
    """A changed port on one rule shows up in the pruned diff (the test is not vacuous)."""
    def build(port: int) -> Network:
        return network(
            [group("sg-a", egress=[(Service(6, (PortRange(port, port),)), CidrPeer(cidr("10.0.0.0/24")))]),
             group("sg-b", ingress=[(Service(6), CidrPeer(cidr("10.0.0.0/24")))])],
            [resource("a", ("sg-a",), ips=("10.0.0.1",)), resource("b", ("sg-b",), ips=("10.0.0.2",)),
             resource("c", ("sg-b",), ips=("10.0.1.2",))])

    result = diff_networks(build(22), build(443))
    pairs = {(str(c.region.source), str(c.region.destination)) for c in result.added}
    assert pairs == {("a", "b"), ("a", "unmanaged")}  # not ("a", "c"): c's address is outside the block
    assert {c.region.service_text for c in result.added} == {"tcp/443"}
    assert result == diff_networks(build(22), build(443), prune=False)


def _compared_in_full(old, new, src, dst, family, traffic):
    """What `compare` gives for a pair, computed the plain way: each network's sets on the
    unmanaged side's own addresses (every hole in place), per valuation of the shared
    opaque groups; certain = surely gained under every valuation, possible = for some."""
    top = family.top
    certain, possible = {}, {}
    for direction, (before, after) in (("gained", (old, new)), ("lost", (new, old))):
        sure, maybe = None, []
        for valuation in valuations(shared_opaque(old, new, src, dst)):
            was = pair_sets(fix_membership(before, valuation), src, dst, family, traffic)
            now = pair_sets(fix_membership(after, valuation), src, dst, family, traffic)
            found = set_difference(was, now)
            sure = list(found.certain) if sure is None else box_intersection(sure, list(found.certain), top)
            maybe = box_union(maybe, box_union(list(found.certain), list(found.possible), top), top)
        certain[direction] = tuple(sure or ())
        possible[direction] = tuple(box_union(list(sure or ()), maybe, top))
    return tuple((certain[d], possible[d]) for d in ("gained", "lost"))


@SETTINGS
@given(network_pairs(), st.sampled_from((None,) + TRAFFIC_CHOICES))
def test_pairs_with_the_unmanaged_side_equal_the_plain_computation(pair, traffic):
    """Such pairs are compared on whole blocks and cut to the unmanaged addresses at the end;
    here each network's sets are built on the unmanaged addresses from the start."""
    old, new = pair
    unmanaged = Principal.unmanaged()
    for name in sorted(set(old.resources) | set(new.resources)):
        for src, dst in ((Principal.resource(name), unmanaged), (unmanaged, Principal.resource(name))):
            for family in Family:
                gained, lost = compare(old, new, src, dst, family, traffic)
                assert ((gained.certain, gained.possible), (lost.certain, lost.possible)) \
                    == _compared_in_full(old, new, src, dst, family, traffic), (src, dst, family)


@SETTINGS
@given(networks())
def test_free_groups_are_the_groups_with_a_rule_that_rests_on_a_choice(net):
    """Found once for a groups mapping and shared by the networks made from it (profiles
    merged): the same groups as asking each rule."""
    from sgverify.regions.compiled import compiled, rule_is_free

    for direction in Direction:
        expected = frozenset(key for key, g in net.groups.items()
                             if any(rule_is_free(net, r) for r in g.rules(direction)))
        assert compiled(net).free_groups(direction) == expected
        assert compiled(replace(net, resources={})).free_groups(direction) == expected
        for name, held in net.resources.items():
            assert compiled(net).any_free(name, direction) == (not expected.isdisjoint(held.groups))
