"""`diff --by-side`: what each resource's rules admit with any address.

Two claims are checked on random network pairs and edits:
- the side view holds every packet the pair view holds (itself checked
  against Z3 and the evaluator elsewhere), so its gate fails whenever the pair
  view's does: a side view that passes is a proof of "no new access";
- each certain side row is what the brute-force evaluator says of that side:
  its witness admitted by the side in one network, by no choice in the other.
The fast reading of side rows is compared with the region engine, the pruned
choice of sides with every side, and the written forms with the addresses.
"""

from __future__ import annotations

import dataclasses
import json
import os
import textwrap

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import oracle_rules
from clitools import ROOT, run
from sgverify.diff import engine
from sgverify.diff.engine import ChangeKind, diff_networks
from sgverify.diff.explain import elsewhere, side_blocks
from sgverify.diff.gate import DiffGate, FailOn
from sgverify.diff.peers import describe_peers
from sgverify.diff.run import DiffRequest, run_diff
from sgverify.diff.side_sets import Sorted, side_changes, without
from sgverify.diff.sides import MOVED_LABEL, UNSURE_LABEL, side_pairs
from sgverify.inputs.native.reader import parse_network
from sgverify.model import Cidr, Family
from sgverify.model import intervals as iv
from sgverify.model.addresses import public_intervals
from sgverify.regions.compiled import FAMILIES
from test_diff_profiles import assert_profiles_hold_their_members, pairs_with_profiles
from test_scale_regions import network_pairs

EXAMPLES = int(os.environ.get("SGVERIFY_EXAMPLES", "60"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))


class _AllTrue(dict):
    def get(self, key, default=None):
        return True


def _points(region, count: int = 3):
    """A few packets (s, d, svc) of a region, s != d: the ends of its first intervals."""
    def ends(spans):
        out = []
        for lo, hi in spans[:count]:
            out += [lo, hi]
        return list(dict.fromkeys(out))
    return [(s, d, v) for s in ends(region.sources) for d in ends(region.destinations)
            for v in ends(region.services) if s != d]


def _covered(side_rows, kind, family, point, source, destination) -> bool:
    """Whether a row of `kind` holds the packet: the destination's ingress, the source's
    egress, or the same pair (one end of it without one known holder) or a pair of an
    address that changed hands or has no known holder."""
    s, d, v = point
    for change in side_rows:
        r = change.region
        if change.kind is not kind or r.family is not family:
            continue
        if not (iv.contains(r.sources, s) and iv.contains(r.destinations, d) and iv.contains(r.services, v)):
            continue
        if r.source.by_holder and r.destination == destination or r.destination.by_holder and r.source == source:
            return True
        if MOVED_LABEL in (r.source.label, r.destination.label) or (r.source, r.destination) == (source, destination):
            return True
        if UNSURE_LABEL == r.source.label and r.destination == destination \
                or UNSURE_LABEL == r.destination.label and r.source == source:
            return True
    return False


def _holds_the_pair_view(old, new):
    pairs, sides = diff_networks(old, new), diff_networks(old, new, by_side=True)
    for change in pairs.added + pairs.removed:
        r = change.region
        for point in _points(r):
            assert _covered(sides.added + sides.removed, change.kind, r.family, point, r.source, r.destination), \
                (change, point)
    for fail_on in FailOn:
        assert DiffGate(sides, fail_on).failing or not DiffGate(pairs, fail_on).failing
    return pairs, sides


@SETTINGS
@given(network_pairs())
def test_the_side_view_holds_every_packet_the_pair_view_holds(pair):
    old, new = pair
    pairs, sides = _holds_the_pair_view(old, new)
    assert bool(pairs.added) <= bool(sides.added) and bool(pairs.removed) <= bool(sides.removed)


@SETTINGS
@given(pairs_with_profiles())
def test_the_side_view_holds_the_pair_view_with_copies_of_resources(pair):
    _holds_the_pair_view(*pair)


def _holder(network, family, address):
    owner = oracle_rules.owner_of(network, family, address)
    return owner.name if owner is not None else None


@SETTINGS
@given(network_pairs())
def test_every_certain_side_row_is_what_the_evaluator_says_of_that_side(pair):
    """The witness: admitted by the side in the network delivering the row (every free
    choice false), by no choice in the other; the far end is whoever holds its address."""
    old, new = pair
    diff = diff_networks(old, new, by_side=True)
    for change in diff.added + diff.removed:
        r = change.region
        packet = r.witness()
        if packet is None or not change.certain or not (r.source.by_holder or r.destination.by_holder):
            continue
        after, before = (new, old) if change.kind is ChangeKind.ADDED else (old, new)
        ingress = r.source.by_holder
        own = r.destination.name if ingress else r.source.name
        for network, free, expected in ((after, {}, True), (before, _AllTrue(), False)):
            if own not in network.resources or not _holds(network, own, r.family, packet.dst if ingress else packet.src):
                assert not expected, change
                continue
            if ingress:
                admitted = oracle_rules.ingress_ok(network, packet, _holder(network, r.family, packet.src), own, free)
            else:
                admitted = oracle_rules.egress_ok(network, packet, own, _holder(network, r.family, packet.dst), free)
            assert admitted is expected, (change, network.source)
        if own in before.resources and _holds(before, own, r.family, packet.dst if ingress else packet.src):
            # The report's replay in the other network blocks the same side, and only it.
            side = "ingress" if ingress else "egress"
            assert f"blocked by {side} of {own} (" in elsewhere(change, before), change
            assert elsewhere(change, before).count(" of ") == 1


def _holds(network, name, family, address) -> bool:
    """Whether the resource may have the address there (one of unknown address: where no
    other resource is, in its subnets)."""
    resource = network.resources[name]
    if resource.symbolic:
        return oracle_rules.symbolic_can_be(resource, family, address) \
            and oracle_rules.owner_of(network, family, address) is None
    return address in resource.addresses(family)


@SETTINGS
@given(network_pairs())
def test_a_side_read_from_its_rules_equals_the_region_engine(pair):
    old, new = pair
    for src, dst in side_pairs(old, new, prune=False):
        for family in FAMILIES:
            fast = side_changes(old, new, src, dst, family, None)
            if fast is not None:
                assert fast == _engine_compare(old, new, src, dst, family), (src, dst, family)


def _engine_compare(old, new, src, dst, family):
    saved = engine.side_changes
    engine.side_changes = lambda *args: None
    try:
        return engine.compare(old, new, src, dst, family)
    finally:
        engine.side_changes = saved


@SETTINGS
@given(network_pairs())
def test_pruned_sides_equal_every_side(pair):
    old, new = pair
    assert diff_networks(old, new, by_side=True) == diff_networks(old, new, by_side=True, prune=False)


@SETTINGS
@given(network_pairs())
def test_the_written_far_end_is_exactly_the_rows_addresses(pair):
    """The JSON report's blocks minus its except-blocks are the row's addresses."""
    old, new = pair
    diff = diff_networks(old, new, by_side=True)
    for change in diff.added + diff.removed:
        r = change.region
        network = new if change.kind is ChangeKind.ADDED else old
        for sources in (True, False):
            if not (r.source if sources else r.destination).by_holder:
                continue  # as the pair view writes it (test_diff_render.py)
            blocks, holes = side_blocks(change, sources, network)
            written = iv.subtract(iv.of_cidrs(map(Cidr.parse, blocks), r.family),
                                  iv.of_cidrs(map(Cidr.parse, holes), r.family), r.family.top)
            assert written == list(r.sources if sources else r.destinations), change


FLEET = """
security_groups:
  sg-fleet:
    ingress:
      - {protocol: tcp, ports: 22, source: sg-fleet}
  sg-web:
    ingress:
      - {protocol: tcp, ports: 443, source: sg-fleet}
  sg-db:
    ingress:
      - {protocol: tcp, ports: 5432, source: 10.0.0.0/16}
resources:
  a: {ips: [10.0.1.1], security_groups: [sg-fleet]}
  b: {ips: [10.0.1.2], security_groups: [sg-fleet]}
  c: {ips: [10.0.1.7], security_groups: [sg-fleet]}
  web: {ips: [10.0.2.1], security_groups: [sg-web]}
  db: {ips: [10.0.3.1], security_groups: [sg-db]}
"""


def _net(text, name):
    return parse_network(textwrap.dedent(text), name).network


def test_a_group_reference_matches_its_members_addresses_and_is_named_so():
    old = _net(FLEET, "old.yaml")
    new = _net(FLEET.replace("ports: 443, source: sg-fleet", "ports: [443, 8443], source: sg-fleet")
               .replace("ports: 5432, source: 10.0.0.0/16", "ports: [5432, 6432], source: 10.0.0.0/16"), "new.yaml")
    diff = diff_networks(old, new, by_side=True)
    assert not diff.removed
    rows = {(str(c.region.source), str(c.region.destination), c.region.service_text): c for c in diff.added}
    assert set(rows) == {("any address", "web", "tcp/8443"), ("any address", "db", "tcp/6432")}
    web = rows[("any address", "web", "tcp/8443")]
    assert web.region.sources == ((0x0A000101, 0x0A000102), (0x0A000107, 0x0A000107))  # a, b, c: by address
    assert describe_peers(list(web.region.sources), Family.V4, web.region.ingress_rules, new) == "members of sg-fleet"


def test_a_shared_address_is_no_members_address_and_is_left_out():
    """An address two resources hold names neither holder: the side leaves it out (it is
    compared as pairs), and the group's members are its other addresses, named so."""
    def sharing(text, name):  # the native format refuses a shared address: d takes c's afterwards
        network = _net(text + "  d: {ips: [10.0.9.9], security_groups: [sg-db]}\n", name)
        d = dataclasses.replace(network.resources["d"], ips=network.resources["c"].ips)
        return dataclasses.replace(network, resources={**network.resources, "d": d})

    old = sharing(FLEET, "old.yaml")
    new = sharing(FLEET.replace("ports: 443, source: sg-fleet", "ports: [443, 8443], source: sg-fleet"), "new.yaml")
    [web] = [c for c in diff_networks(old, new, by_side=True).added
             if str(c.region.source) == "any address" and str(c.region.destination) == "web"]
    assert web.region.sources == ((0x0A000101, 0x0A000102),)  # a and b; c's address is shared
    assert describe_peers(list(web.region.sources), Family.V4, web.region.ingress_rules, new) == "members of sg-fleet"


def test_a_side_naming_a_group_that_gained_a_member_is_compared():
    """web's rules do not change, but the group they name gains d: web's ingress now admits
    d's address. Pruning must not skip web's side."""
    old = _net(FLEET + "  d: {ips: [10.0.1.9], security_groups: [sg-db]}\n", "old.yaml")
    new = _net(FLEET + "  d: {ips: [10.0.1.9], security_groups: [sg-db, sg-fleet]}\n", "new.yaml")
    rows = {(str(c.region.destination), c.region.service_text): c for c in diff_networks(old, new, by_side=True).added
            if str(c.region.source) == "any address"}
    assert rows[("web", "tcp/443")].region.sources == ((0x0A000109, 0x0A000109),)
    assert rows[("d", "tcp/22")].region.sources == ((0x0A000101, 0x0A000102), (0x0A000107, 0x0A000107),
                                                   (0x0A000109, 0x0A000109))


def test_a_block_except_a_groups_members_is_named_so():
    before = FLEET.replace("ports: 5432, source: 10.0.0.0/16",
                           "ports: 5432, source: 10.0.0.0/16}\n      - {protocol: tcp, ports: 6432, source: sg-fleet")
    old, new = _net(before, "old.yaml"), _net(before.replace("ports: 5432,", "ports: [5432, 6432],"), "new.yaml")
    diff = diff_networks(old, new, by_side=True)
    [row] = diff.added
    spans = list(row.region.sources)
    assert spans == iv.subtract([(0x0A000000, 0x0A00FFFF)], [(0x0A000101, 0x0A000102), (0x0A000107, 0x0A000107)],
                                Family.V4.top)
    rules = [*row.region.ingress_rules, *new.groups["sg-db"].ingress]
    assert describe_peers(spans, Family.V4, rules, new) == "10.0.0.0/16 except members of sg-fleet"
    assert side_blocks(row, True, new) == (["10.0.0.0/16"], ["10.0.1.1/32", "10.0.1.2/32", "10.0.1.7/32"])


def test_holes_are_a_groups_members_within_each_whole_in_turn():
    """The members inside one whole are not those inside another: a member outside
    10.0.0.0/16 is a hole of the non-public addresses only."""
    network = _net(FLEET + "  d: {ips: [192.168.5.5], security_groups: [sg-fleet]}\n", "new.yaml")
    rules = [*network.groups["sg-db"].ingress, *network.groups["sg-web"].ingress]
    members = [(0x0A000101, 0x0A000102), (0x0A000107, 0x0A000107)]
    in_block = iv.subtract([(0x0A000000, 0x0A00FFFF)], members, Family.V4.top)
    non_public = iv.complement(public_intervals(Family.V4), Family.V4.top)
    everywhere = iv.subtract(non_public, [*members, (0xC0A80505, 0xC0A80505)], Family.V4.top)
    for _ in range(2):  # each answer is remembered: asked again, in turn
        assert describe_peers(in_block, Family.V4, rules, network) == "10.0.0.0/16 except members of sg-fleet"
        assert describe_peers(everywhere, Family.V4, rules, network) == "non-public except members of sg-fleet"


def test_an_address_that_changed_hands_is_compared_as_pairs():
    """A removed resource's address becomes unmanaged: packets from it are new access
    for whoever admits its block, though no side changed its rules."""
    old = _net(FLEET, "old.yaml")
    new = _net(FLEET.replace("  c: {ips: [10.0.1.7], security_groups: [sg-fleet]}\n", ""), "new.yaml")
    pairs, sides = diff_networks(old, new), diff_networks(old, new, by_side=True)
    moved = [c for c in sides.added if MOVED_LABEL in (c.region.source.label, c.region.destination.label)]
    assert [(str(c.region.source), str(c.region.destination), c.region.service_text) for c in moved] \
        == [(MOVED_LABEL, "db", "tcp/5432")]
    assert moved[0].region.sources == ((0x0A000107, 0x0A000107),)
    assert any(str(c.region.source) == "unmanaged" and str(c.region.destination) == "db" for c in pairs.added)
    assert DiffGate(pairs, FailOn.added).failing and DiffGate(sides, FailOn.added).failing


def test_the_command_by_side_on_the_example(tmp_path):
    """The example hides three real changes among rewritten rules; by side they are six
    rows (IPv4 and IPv6, public and not), checked by hand against the two files."""
    before, after = ROOT / "examples/diff/before.yaml", ROOT / "examples/diff/after.yaml"
    done = run(["diff", before, after, "--by-side"], 1)
    heads = [line.strip() for line in done.stdout.splitlines() if line.startswith("    ") and "[" in line
             and not line.startswith("        ")]
    assert heads == [
        "any address [internet except 203.0.113.0/24] -> web [10.0.1.10/32] tcp/22 IPv4",
        "any address [non-public] -> web [10.0.1.10/32] tcp/22 IPv4",
        "any address [internet (IPv6)] -> web [2600:1f18::10/128] tcp/443 IPv6",
        "any address [non-public (IPv6)] -> web [2600:1f18::10/128] tcp/443 IPv6",
        "db [10.0.3.10/32] -> any address [internet] all IPv4",
        "db [10.0.3.10/32] -> any address [non-public except 169.254.169.123/32, 169.254.169.253/32, "
        "169.254.169.254/32, 169.254.170.2/32] all IPv4"]
    assert "by side" in done.stdout.splitlines()[0]
    assert "old: blocked by ingress of web (sg-web): no rule admits it" in done.stdout
    assert "filters nothing" not in done.stdout  # "any address" is no host
    report = json.loads(run(["diff", before, after, "--by-side", "--format", "json"], 1).stdout)
    assert report["view"] == "sides" and report["summary"]["added"] == 6
    assert report["added"][0]["source_blocks"][0] == "0.0.0.0/0" or report["added"][0]["source_except_blocks"]
    parallel = run(["diff", before, after, "--by-side", "--jobs", "2", "--format", "json"], 1).stdout
    assert json.loads(parallel) == report
    sarif = json.loads(run(["diff", before, after, "--by-side", "--format", "sarif"], 1).stdout)
    assert len(sarif["runs"][0]["results"]) == 6
    assert 'failures="1"' in run(["diff", before, after, "--by-side", "--format", "junit"], 1).stdout
    markdown = run(["diff", before, after, "--by-side", "--format", "markdown"], 1).stdout
    assert "| ❌ | added | internet (any address) | 10.0.3.10/32 (db) | all | IPv4 |" in markdown


def test_by_side_takes_no_from_or_to(tmp_path):
    before, after = ROOT / "examples/diff/before.yaml", ROOT / "examples/diff/after.yaml"
    done = run(["diff", before, after, "--by-side", "--to", "web"], 2)
    assert done.stderr.strip().count("\n") == 0 and "--by-side" in done.stderr and "--from/--to" in done.stderr
    with_profiles = run(["diff", before, after, "--by-side", "--by-profile", "--format", "json"], 1)
    assert json.loads(with_profiles.stdout)["summary"]["added"] == 6


def test_the_library_request_by_side():
    result = run_diff(DiffRequest(str(ROOT / "examples/diff/before.yaml"), str(ROOT / "examples/diff/after.yaml"),
                                  by_side=True))
    assert result.diff.by_side and len(result.diff.added) == 6 and result.gate.failing == 6
    assert all(c.region.source.by_holder or c.region.destination.by_holder for c in result.diff.added)


_SPANS = st.lists(st.tuples(st.integers(0, 250), st.integers(0, 5)), max_size=40).map(
    lambda raw: iv.normalize((lo, lo + length) for lo, length in raw))


@settings(max_examples=500, deadline=None)
@given(_SPANS, _SPANS, _SPANS.map(lambda spans: spans[:2]))
def test_subtracting_peers_either_way_round_is_the_difference(a, b, few):
    for small, big in ((a, b), (a, few), (few, a)):  # gaps as slices, and blocks cut out of many
        assert without(small, Sorted(big)) == iv.subtract(small, big, 300)


@SETTINGS
@given(pairs_with_profiles())
def test_side_rows_by_profile_hold_exactly_their_members_side_rows(pair):
    """A profile's side is the union of its members' sides, address by address (their rules
    are the same), as for pairs (test_diff_profiles.py)."""
    assert_profiles_hold_their_members(*pair, by_side=True)


@st.composite
def wholes_and_spans(draw):
    """A whole of 64 or more ranges (the holes' shortcut), and spans that keep some of its
    ranges as they are, drop or trim others, and add ranges of their own."""
    whole = [(10 * i, 10 * i + draw(st.integers(0, 5))) for i in range(draw(st.integers(64, 90)))]
    spans = []
    for lo, hi in whole:
        kept = draw(st.sampled_from(["as is", "as is", "dropped", "trimmed", "split"]))
        if kept == "as is":
            spans.append((lo, hi))
        elif kept == "trimmed":
            spans.append((lo + 1, hi + 1))  # past the range's end too: spans need not be inside it
        elif kept == "split" and hi > lo + 1:
            spans += [(lo, lo), (hi, hi)]
    extra = draw(st.lists(st.tuples(st.integers(0, 1000), st.integers(0, 8)), max_size=4))
    return whole, iv.normalize(spans + [(lo, lo + n) for lo, n in extra])


@settings(max_examples=max(50, EXAMPLES), deadline=None)
@given(wholes_and_spans())
def test_the_holes_of_a_far_end_are_the_whole_less_its_addresses(case):
    from sgverify.diff.peers import _holes

    whole, spans = case
    assert _holes(whole, spans, 1023) == iv.subtract(whole, spans, 1023)
    assert _holes(whole, whole, 1023) == []


def test_addresses_that_are_several_groups_members_name_them_all_and_no_larger_group():
    network = _net(FLEET.replace("      - {protocol: tcp, ports: 5432, source: 10.0.0.0/16}", """\
      - {protocol: tcp, ports: 5432, source: sg-fleet}
      - {protocol: tcp, ports: 5432, source: sg-web}
      - {protocol: tcp, ports: 5432, source: sg-all}
  sg-all:
    ingress: []""").replace("security_groups: [sg-fleet]}", "security_groups: [sg-fleet, sg-all]}")
                   .replace("security_groups: [sg-web]}", "security_groups: [sg-web, sg-all]}")
                   .replace("security_groups: [sg-db]}", "security_groups: [sg-db, sg-all]}"), "net.yaml")
    rules = network.groups["sg-db"].ingress
    fleet_and_web = [(0x0A000101, 0x0A000102), (0x0A000107, 0x0A000107), (0x0A000201, 0x0A000201)]
    assert describe_peers(fleet_and_web, Family.V4, rules, network) == "members of sg-fleet, sg-web"
    assert describe_peers(fleet_and_web + [(0x0A000301, 0x0A000301)], Family.V4, rules, network) \
        == "members of sg-fleet, sg-web, sg-all"
    assert describe_peers(fleet_and_web[1:], Family.V4, rules, network) == "10.0.1.7/32, 10.0.2.1/32"
