"""Compiled policies: narrowing to a query's services and grouping profiles by
policy keep exactly what the rules admit.

Checked against the rules themselves, point by point, on random networks:
a (service, address) pair is admitted by a narrowed policy iff some rule of
the profile's groups admits it and the service is one asked for.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sgverify.encode.compile import FULL_SERVICES, compile_family
from sgverify.model import CidrPeer, Direction, Family, GroupPeer, PrefixListPeer
from sgverify.model import intervals as iv
from strategies import networks

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
ASKED = st.sampled_from([None, ((6 << 16 | 22, 6 << 16 | 22),), ((6 << 16 | 0, 6 << 16 | 1024),),
                         ((17 << 16, 17 << 16 | 0xFFFF),), ((6 << 16 | 443, 6 << 16 | 443), (17 << 16 | 53, 17 << 16 | 53))])


def points(intervals) -> set[int]:
    """Both ends of each interval and the values just outside: where a set can change."""
    return {v for lo, hi in intervals for v in (lo - 1, lo, hi, hi + 1) if v >= 0}


def rule_addresses(network, rule, family):
    """A rule's address peer as intervals in `family`, straight from its CIDRs; None for other peers."""
    if isinstance(rule.peer, CidrPeer):
        cidrs = [rule.peer.cidr]
    elif isinstance(rule.peer, PrefixListPeer):
        cidrs = network.prefix_lists[rule.peer.prefix_list].cidrs
    else:
        return None
    return iv.normalize((c.first, c.last) for c in cidrs if c.family is family)


def by_rules(network, groups, direction, family, svc, addr) -> bool:
    """Some known rule with an address peer admits (svc, addr)."""
    for key in groups:
        for rule in network.groups[key].rules(direction) if key in network.groups else ():
            blocks = rule_addresses(network, rule, family)
            if rule.service_unknown or blocks is None:
                continue
            if iv.contains(rule.service.intervals(), svc) and iv.contains(blocks, addr):
                return True
    return False


def groups_by_rules(network, groups, direction) -> dict[str, list]:
    out: dict[str, list] = {}
    for key in groups:
        for rule in network.groups[key].rules(direction) if key in network.groups else ():
            if isinstance(rule.peer, GroupPeer) and not rule.service_unknown:
                out.setdefault(rule.peer.group, []).extend(rule.service.intervals())
    return {g: iv.normalize(s) for g, s in out.items()}


def admitted(policy, svc, addr) -> bool:
    return any(iv.contains(list(s), svc) and iv.contains(list(a), addr) for s, a in policy.by_services)


@SETTINGS
@given(networks(), ASKED, st.sampled_from(list(Direction)), st.sampled_from(list(Family)))
def test_narrowed_policies_admit_exactly_what_the_rules_admit(network, asked, direction, family):
    c = compile_family(network, family)
    wanted = list(asked) if asked is not None else FULL_SERVICES
    for slot, groups in enumerate(c.profiles, start=1):
        policy = c.policy_for(slot, direction, asked)
        services = points([i for s, _ in policy.by_services for i in s]) | points(wanted) | {s for r in network.groups.values() for d in Direction
                                      for rule in r.rules(d) for s in points(rule.service.intervals())}
        addresses = {0, family.top} | points([i for _, a in policy.by_services for i in a])
        for svc in services:
            for addr in addresses:
                expected = iv.contains(wanted, svc) and by_rules(network, groups, direction, family, svc, addr)
                assert admitted(policy, svc, addr) == expected, (groups, svc, addr)
        expected_groups = {g: iv.intersect(s, wanted) for g, s in groups_by_rules(network, groups, direction).items()}
        assert {g: list(s) for g, s in policy.by_group} == {g: s for g, s in expected_groups.items() if s}


@SETTINGS
@given(networks(), ASKED, st.sampled_from(list(Direction)), st.sampled_from(list(Family)))
def test_policy_classes_partition_the_profiles_with_addresses(network, asked, direction, family):
    c = compile_family(network, family)
    classes = c.policy_classes(direction, asked)
    seen = [slot for cls in classes for slot in cls.slots]
    assert sorted(seen) == [s for s in range(1, len(c.profiles) + 1) if c.profile_addresses[s - 1]]
    for cls in classes:
        assert all(c.policy_for(slot, direction, asked) is cls.policy for slot in cls.slots)
        assert cls.addresses == iv.normalize(a for slot in cls.slots for a in c.profile_addresses[slot - 1])
    policies = [cls.policy for cls in classes]
    assert len(policies) == len(set(policies))  # equal policies are one class


SPACES = st.lists(st.tuples(st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1)).map(sorted).map(tuple),
                  max_size=3).map(iv.normalize)


@SETTINGS
@given(networks(), st.sampled_from(list(Family)), st.lists(SPACES, min_size=1, max_size=4))
def test_address_lookups_match_a_scan_of_the_profiles(network, family, spaces):
    c = compile_family(network, family)
    for space in spaces + [[(0, family.top)]] + [[(lo, lo)] for a in c.profile_addresses for lo, _ in a[:1]]:
        scanned = {i + 1 for i, addrs in enumerate(c.profile_addresses) if iv.intersect(addrs, space)}
        assert c.profiles_meeting(space) == scanned
    assert c.unowned == iv.complement(c.all_concrete, family.top)
    for name, resource in network.resources.items():
        symbolic = [c.symbolic_slot(i) for i, (n, _, _) in enumerate(c.symbolic) if n == name]
        profile = c.profiles.index(tuple(sorted(set(resource.groups)))) + 1
        expected = symbolic[0] if symbolic else profile if resource.addresses(family) else None
        assert c.slot_of_resource(name) == expected


def test_profiles_meeting_a_space_when_two_profiles_share_an_address():
    # Inputs refuse an address on two resources; the lookup stays right without that promise.
    from strategies import group, network, resource
    net = network([group("sg-a"), group("sg-b")],
                  [resource("x", ["sg-a"], ["10.0.0.1", "10.0.0.5"]), resource("y", ["sg-b"], ["10.0.0.3"]),
                   resource("z", ["sg-b", "sg-a"], ["10.0.0.5"])])
    c = compile_family(net, Family.V4)
    base = (10 << 24)
    assert c.profiles_meeting([(base + 5, base + 5)]) == {1, 3}
    assert c.profiles_meeting([(base + 2, base + 4)]) == {2}
    assert c.profiles_meeting([(0, base)]) == set()


@SETTINGS
@given(networks(), ASKED.filter(lambda a: a is not None), st.sampled_from(list(Direction)),
       st.sampled_from(list(Family)))
def test_narrowing_while_sorting_equals_sorting_then_narrowing(network, asked, direction, family):
    """A group first asked about with some services is narrowed as its rules are
    sorted; one already sorted is narrowed from its sorted rules. Both give one part."""
    from sgverify.encode.parts import Narrowing, PeerBlocks, sort_group_rules

    peers = PeerBlocks(network, family)
    for key in network.groups:
        whole = sort_group_rules(network, key, direction, peers)
        direct = sort_group_rules(network, key, direction, peers, Narrowing(asked))
        assert direct == whole.narrowed(Narrowing(asked))
        first, second = compile_family(network, family), compile_family(network, family)
        second.group_part(key, direction)  # sorted first: narrowed from the sorted part
        assert first.group_part(key, direction, asked) == second.group_part(key, direction, asked) == direct
