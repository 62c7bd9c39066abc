"""The region engine: exact delivered sets, checked three ways.

1. Against a rule-by-rule z3 statement of the semantics ("delivered XOR in
   the regions" is unsat), on the seed networks and on random ones.
2. Against the brute-force oracle (tests/oracle.py), packet by packet, at
   every boundary of every block and service interval of random networks.
3. Against hand-worked expectations from the seed scenarios.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest
import z3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import oracle
import strategies as S
from test_scale_regions import network_pairs
from sgverify.encode.regions import find_mismatch
from sgverify.explore.names import places
from sgverify.inputs import load_network
from sgverify.model import TCP, Direction, Family, Packet, PortRange, Service
from sgverify.model import intervals as iv
from sgverify.model.addresses import public_intervals
from sgverify.model.service import SERVICE_TOP, split_service
from sgverify.regions import (
    Box,
    Certainty,
    Principal,
    added_regions,
    all_principals,
    attribute,
    box_difference,
    canonical,
    delivered_regions,
    describe_services,
    intersection,
    pair_sets,
    regions_of,
    resolve_principals,
    union,
)
from sgverify.regions.boxes import restrict
from sgverify.regions.delivered import admissions
from sgverify.spec import Traffic

SEED = Path(__file__).resolve().parent.parent / "examples" / "seed"
A, B, C = "aws-resource-a", "aws-resource-b", "aws-resource-c"
FAMILIES = (Family.V4, Family.V6)


def seed(number: int):
    return load_network(str(next(SEED.glob(f"{number}-*.yaml")))).network


def principals(network):
    return all_principals(network) + [Principal.internet()]


CTX = z3.Context()


def assert_exact(network, source, destination, family):
    """Certain regions = delivered for every free choice; all regions = for some choice."""
    regions = regions_of(network, pair_sets(network, source, destination, family))
    certain = [r.box for r in regions if r.certainty is Certainty.CERTAIN]
    everything = [r.box for r in regions]
    for free, boxes in ((False, certain), (True, everything)):
        found = find_mismatch(network, source, destination, family, boxes, free, ctx=CTX)
        assert found is None, (f"{source} -> {destination} {family.name} free={free}: "
                               f"{'missing' if found.delivered else 'extra'} packet {found}")


def no_unknown_services(network):
    """The verifier's encoder reads an unknown service as "any"; give such rules that service."""
    def fix(rule):
        return replace(rule, service=Service()) if rule.service_unknown else rule
    groups = {k: replace(g, ingress=tuple(map(fix, g.ingress)), egress=tuple(map(fix, g.egress)))
              for k, g in network.groups.items()}
    return replace(network, groups=groups)


# ---------------------------------------------------------------- z3 exactness

@pytest.mark.parametrize("number", range(1, 7))
def test_seed_regions_equal_the_formula(number):
    network = seed(number)
    for source in principals(network):
        for destination in principals(network):
            for family in FAMILIES:
                assert_exact(network, source, destination, family)


def test_the_check_catches_a_wrong_region():
    network = seed(1)
    sets = pair_sets(network, Principal.internet(), Principal.resource(A), Family.V4)
    (box,) = sets.certain
    wider = Box(box.sources, box.destinations, tuple(iv.union(list(box.services), [(TCP << 16 | 22,) * 2])))
    found = find_mismatch(network, Principal.internet(), Principal.resource(A), Family.V4, [wider], False, ctx=CTX)
    assert found is not None and not found.delivered and found.service == TCP << 16 | 22
    narrower = Box(box.sources, box.destinations, ((TCP << 16 | 80,) * 2,))
    found = find_mismatch(network, Principal.internet(), Principal.resource(A), Family.V4, [narrower], False, ctx=CTX)
    assert found is not None and found.delivered and found.service == TCP << 16 | 443


SLOW = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))


@SLOW
@given(S.networks(), st.randoms(use_true_random=False))
def test_random_regions_equal_the_formula(network, rnd):
    network = no_unknown_services(network)
    everyone = principals(network) + [p.principal for p in places(network)]  # narrowed ones too
    for _ in range(6):
        source, destination = rnd.choice(everyone), rnd.choice(everyone)
        assert_exact(network, source, destination, rnd.choice(FAMILIES))


@SLOW
@given(S.networks(), st.booleans())
def test_one_address_on_each_side_gives_the_box_algebras_answer(network, free):
    """The shortcut for two single addresses equals the general sweep over the same admissions."""
    from sgverify.model import Direction
    from sgverify.regions import address_space
    from sgverify.regions.delivered import _combined_boxes, admissions, between_points

    for family in FAMILIES:
        for source in all_principals(network):
            for destination in all_principals(network):
                sources, destinations = address_space(network, source, family), address_space(network, destination, family)
                if [len(sources), len(destinations)] != [1, 1] or sources[0][0] != sources[0][1] \
                        or destinations[0][0] != destinations[0][1]:
                    continue
                outbound = admissions(network, source, destination, Direction.EGRESS, family, free)
                inbound = admissions(network, destination, source, Direction.INGRESS, family, free)
                expected = _combined_boxes(outbound, inbound, family) if outbound else []
                assert between_points(sources[0][0], destinations[0][0], outbound, inbound) == expected


# ---------------------------------------------------------------- brute force

def _who(principal):
    return principal.name if principal.is_resource else None


def _all_true(network):
    free = {oracle.opaque_key(side, g): True for g, grp in network.groups.items() if grp.opaque
            for side in (oracle.SRC, oracle.DST)}
    free.update({oracle.unknown_key(rule): True for rule in network.all_rules()})
    return free


def _edges(network, family):
    """Both ends of every elementary address cell: where any decision can change."""
    blocks = oracle.relevant_blocks(network, S.assertion(oracle.Kind.DENY, [], []), family)
    bounds = {b.first for b in blocks} | {b.last + 1 for b in blocks}
    return sorted({p for lo, hi in oracle._elementary(bounds, family.top) for p in (lo, hi)})


def _service_edges(network):
    points = {0, SERVICE_TOP}
    for rule in network.all_rules():
        for lo, hi in rule.service.intervals():
            points.update(p for p in (lo - 1, lo, hi, hi + 1) if 0 <= p <= SERVICE_TOP)
    return sorted(points)


@SLOW
@given(S.networks(), st.randoms(use_true_random=False))
def test_random_regions_agree_with_the_oracle(network, rnd):
    services = _service_edges(network)
    all_true = _all_true(network)
    for family in FAMILIES:
        edges = _edges(network, family)
        options = {x: oracle.who_options(network, family, x) for x in edges}
        for source in all_principals(network):
            for destination in all_principals(network):
                regions = regions_of(network, pair_sets(network, source, destination, family))
                certain = [r.box for r in regions if r.certainty is Certainty.CERTAIN]
                possible = [r.box for r in regions]
                srcs = [x for x in edges if _who(source) in options[x]]
                dsts = [x for x in edges if _who(destination) in options[x]]
                for _ in range(20 if srcs and dsts else 0):
                    s, d, svc = rnd.choice(srcs), rnd.choice(dsts), rnd.choice(services)
                    if s == d:
                        continue
                    packet = Packet(family, s, d, *split_service(svc))
                    args = (network, packet, _who(source), _who(destination))
                    where = f"{source} -> {destination}: {packet}"
                    assert oracle.delivered(*args, {}) == any(b.contains(s, d, svc) for b in certain), where
                    assert oracle.delivered(*args, all_true) == any(b.contains(s, d, svc) for b in possible), where


# ---------------------------------------------------------------- hand-worked seed expectations

def _sources_to(network, destination, family=Family.V4, **kwargs):
    regions = delivered_regions(network, destination=Principal.resource(destination), family=family, **kwargs)
    return regions


def test_scenario_1_internet_reaches_a_on_80_and_443_exactly():
    network = seed(1)
    regions = delivered_regions(network, source=Principal.internet(), destination=Principal.resource(A))
    (region,) = regions
    assert region.family is Family.V4 and region.certainty is Certainty.CERTAIN
    assert list(region.sources) == public_intervals(Family.V4)
    assert region.service_text == "tcp/80,443" and region.public_source
    assert [r.label for r in region.ingress_rules] == ["sg-type-a ingress[0]", "sg-type-a ingress[1]"]
    assert region.egress_unfiltered


def test_scenario_1_nothing_reaches_b_or_c():
    network = seed(1)
    for name in (B, C):
        assert delivered_regions(network, destination=Principal.resource(name)) == []


def test_scenario_2_only_the_office_address():
    network = seed(2)
    (region,) = delivered_regions(network, destination=Principal.resource(A))
    assert [str(c) for c in region.source_blocks] == ["1.1.1.1/32"]
    assert region.service_text == "tcp/80,443"
    office = resolve_principals(network, "office")
    assert [r.service_text for r in delivered_regions(network, source=office, destination=Principal.resource(A))] \
        == ["tcp/80,443"]


def test_scenario_3_only_b_reaches_a_on_80_and_443():
    network = seed(3)
    (region,) = delivered_regions(network, destination=Principal.resource(A))
    assert region.source == Principal.resource(B)
    assert [str(c) for c in region.source_blocks] == ["10.0.2.10/32"]
    assert region.service_text == "tcp/80,443"


def test_scenario_4_a_reaches_b_on_80_443_and_c_on_443():
    network = seed(4)
    to_b = delivered_regions(network, source=Principal.resource(A), destination=Principal.resource(B))
    to_c = delivered_regions(network, source=Principal.resource(A), destination=Principal.resource(C))
    assert [r.service_text for r in to_b] == ["tcp/80,443"]
    assert [r.service_text for r in to_c] == ["tcp/443"]
    assert delivered_regions(network, destination=Principal.resource(A)) == []


def test_scenario_5_a_reaches_only_the_office_and_link_local_services():
    network = seed(5)
    out = delivered_regions(network, source=Principal.resource(A))
    blocks = sorted(str(c) for r in out for c in r.destination_blocks)
    assert blocks == ["1.1.1.1/32", "169.254.169.123/32", "169.254.169.253/32", "169.254.169.254/32",
                      "169.254.170.2/32"]
    assert all(r.service_text == "all" for r in out)
    (to_b,) = delivered_regions(network, destination=Principal.resource(B))
    assert [str(c) for c in to_b.source_blocks] == ["0.0.0.0/32"] and to_b.service_text == "tcp/443"


def test_scenario_6_nothing_reaches_b():
    network = seed(6)
    assert delivered_regions(network, destination=Principal.resource(B)) == []
    assert delivered_regions(network, destination=Principal.resource(C)) == []


def test_traffic_restricts_regions():
    network = seed(1)
    only_443 = Traffic(TCP, (PortRange(443, 443),))
    texts = {r.service_text for r in delivered_regions(network, destination=Principal.resource(A),
                                                       traffic=only_443)}
    assert texts == {"tcp/443"}


# ---------------------------------------------------------------- opaque groups and unknown rules

def _opaque_network():
    return S.network(
        [S.group("sg-a", ingress=[(Service(TCP, S.ports(22)), S.GroupPeer("sg-x")),
                                  (Service(TCP, S.ports(80)), S.CidrPeer(S.cidr("10.0.0.0/8"))),
                                  (Service(TCP, S.ports(443)), S.UnknownPeer("computed"))]),
         S.group("sg-x", opaque=True)],
        [S.resource("a", ["sg-a"], ips=["10.0.0.1"])])


def test_opaque_and_unknown_are_possible_never_certain():
    network = _opaque_network()
    regions = delivered_regions(network, destination=Principal.resource("a"), family=Family.V4)
    certain = [r for r in regions if r.certainty is Certainty.CERTAIN]
    possible = [r for r in regions if r.certainty is Certainty.POSSIBLE]
    assert {r.service_text for r in certain} == {"tcp/80"}
    assert {r.service_text for r in possible} >= {"tcp/22,443"} or \
        {s for r in possible for s in r.service_text.split()} == {"tcp/22,443"}
    assert all(r.depends_on for r in possible)
    for r in possible:  # never overlapping a certain region
        assert not intersection([r.box], [c.box for c in certain], Family.V4.top)


# ---------------------------------------------------------------- boxes algebra

SMALL = 7


def _small_boxes():
    spans = st.lists(st.tuples(st.integers(0, SMALL), st.integers(0, SMALL)), min_size=1, max_size=3).map(
        lambda pairs: tuple(iv.normalize((min(a, b), max(a, b)) for a, b in pairs)))
    return st.lists(st.builds(Box, spans, spans, spans), max_size=4)


def _points(boxes):
    return {(s, d, v) for s in range(SMALL + 1) for d in range(SMALL + 1) for v in range(SMALL + 1)
            if any(b.contains(s, d, v) for b in boxes)}


@settings(max_examples=100, deadline=None)
@given(_small_boxes(), _small_boxes())
def test_box_algebra_is_exact_and_canonical(a, b):
    pa, pb = _points(a), _points(b)
    assert _points(union(a, b, SMALL)) == pa | pb
    assert _points(intersection(a, b, SMALL)) == pa & pb
    assert _points(box_difference(a, b, SMALL)) == pa - pb
    assert canonical(a + b, SMALL) == canonical(b + a + a, SMALL) == union(a, b, SMALL)
    diff = box_difference(a, b, SMALL)
    assert all(not intersection([x], [y], SMALL) for i, x in enumerate(diff) for y in diff[i + 1:])


@settings(max_examples=200, deadline=None)
@given(_small_boxes(), _small_boxes(), st.booleans())
def test_restricting_one_side_is_the_canonical_intersection(a, b, on_sources):
    """restrict() cuts canonical boxes to a set of addresses without the sweep, and
    gives exactly the canonical form the sweep would."""
    keep = tuple(iv.normalize(i for box in b for i in box.sources))
    everything = ((0, SMALL),)
    side = Box(keep, everything, everything) if on_sources else Box(everything, keep, everything)
    assert restrict(canonical(a, SMALL), keep, on_sources) == intersection(a, [side], SMALL)


def _named_by_admissions(network, region):
    """What attribution means: the rules of `admissions` whose peers and services touch the region."""
    free = region.certainty is Certainty.POSSIBLE
    out = []
    for own, peer, direction, addresses in ((region.source, region.destination, Direction.EGRESS, region.destinations),
                                            (region.destination, region.source, Direction.INGRESS, region.sources)):
        found = [a for a in admissions(network, own, peer, direction, region.family, free)
                 if iv.meets(a.peers, addresses) and iv.meets(a.services, region.services)]
        out.append((tuple(dict.fromkeys(a.rule for a in found if a.rule is not None)),
                    any(a.rule is None for a in found)))
    return out


@settings(max_examples=int(os.environ.get("SGVERIFY_EXAMPLES", "60")), deadline=None,
          suppress_health_check=list(HealthCheck))
@given(network_pairs())
def test_attribution_names_the_rules_whose_admissions_touch_the_region(pair):
    """In the network that delivers each region, and in the other one (a diff names both)."""
    old, new = pair
    for region in delivered_regions(new):
        for network in (new, old):
            if any(p.is_resource and p.name not in network.resources for p in (region.source, region.destination)):
                continue
            named = attribute(network, region)
            assert [(named.egress_rules, named.egress_unfiltered), (named.ingress_rules, named.ingress_unfiltered)] \
                == _named_by_admissions(network, region)


# ---------------------------------------------------------------- differences between networks

def test_added_regions_between_two_networks():
    old = seed(1)
    new_group = replace(old.groups["sg-type-a"], ingress=old.groups["sg-type-a"].ingress[:1])
    new = replace(old, groups={**old.groups, "sg-type-a": new_group})  # 443 no longer open
    removed = added_regions(new, old, Principal.internet(), Principal.resource(A), Family.V4)
    assert [r.service_text for r in removed] == ["tcp/443"]
    assert [r.label for r in removed[0].ingress_rules] == ["sg-type-a ingress[1]"]
    assert added_regions(old, new, Principal.internet(), Principal.resource(A), Family.V4) == []


def test_describe_services_is_compact_and_exact():
    assert describe_services(Service(TCP, (PortRange(80, 80), PortRange(443, 443))).intervals()) == "tcp/80,443"
    everything_but_ssh = iv.subtract([(0, SERVICE_TOP)], Service(TCP, S.ports(22)).intervals(), SERVICE_TOP)
    assert describe_services(everything_but_ssh) == "all except tcp/22"
    assert describe_services(Service(1, icmp_type=8).intervals()) == "icmp type 8"
    assert describe_services([]) == "nothing"


def test_box_algebra_takes_spans_that_are_not_merged():
    # Overlapping and adjacent intervals inside one box's spans: the sweep counts them.
    loose = Box(((0, 3), (2, 5), (6, 7)), ((1, 2), (2, 4)), ((0, 1), (1, 3)))
    tidy = Box(((0, 7),), ((1, 4),), ((0, 3),))
    assert _points(union([loose], [], SMALL)) == _points([tidy])
    assert canonical([loose], SMALL) == canonical([tidy], SMALL)
    assert not box_difference([loose], [tidy], SMALL)
