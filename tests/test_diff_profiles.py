"""`diff --by-profile`: resources with the same groups compared as one endpoint.

The claim is that a profile's rows hold exactly the packets of its members'
rows, address by address. It is checked against the per-resource diff (itself
checked against Z3 in test_diff.py) on random networks and edits, and every
witness is replayed with the brute-force evaluator on the original networks,
from and to the member resources the report names.
"""

from __future__ import annotations

import json
import os
import textwrap
from collections import defaultdict
from dataclasses import replace

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import oracle
from clitools import ROOT, run
from sgverify.diff.engine import ChangeKind, diff_networks
from sgverify.diff.profiles import merge_profiles
from sgverify.diff.render import render_json, render_text
from sgverify.diff.run import DiffRequest, run_diff
from sgverify.diff.gate import DiffGate
from sgverify.inputs.native.reader import parse_network
from sgverify.model import TCP, Family, GroupPeer, Packet
from sgverify.model.addresses import parse_address
from sgverify.regions import Certainty, Principal
from sgverify.regions import boxes as bx
from strategies import addr, pick
from test_scale_regions import network_pairs

EXAMPLES = int(os.environ.get("SGVERIFY_EXAMPLES", "60"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))


class _AllTrue(dict):
    """Every free Boolean true: what is delivered for some choice."""

    def get(self, key, default=None):
        return True


def _packets(changes, rename=lambda name: name) -> dict:
    """(kind, certainty, family, source, destination) -> boxes, sources renamed by `rename`."""
    out = defaultdict(list)
    for change in changes:
        r = change.region
        ends = tuple(rename(p.name) if p.is_resource else str(p) for p in (r.source, r.destination))
        out[(change.kind, r.certainty, r.family, *ends)].append(r.box)
    return out


def _only_self_points(boxes) -> bool:
    """Boxes holding no packet: each one address to the same address."""
    return all(b.sources == b.destinations and b.sources[0][0] == b.sources[0][1] and len(b.sources) == 1
               for b in boxes)


SPARE = {"private": ("10.0.0.3", "10.0.1.9", "fd00::9", "fd00::a"), "public": ("1.1.1.3", "1.1.1.4", "2001:db8::9", "2001:db8::a")}


@st.composite
def pairs_with_profiles(draw):
    """Network pairs where a resource has copies with the same groups (and addresses of
    the same kinds, drawn from addresses no strategy uses), in both networks."""
    old, new = draw(network_pairs())
    both = sorted(n for n in old.resources if n in new.resources and old.resources[n] == new.resources[n]
                  and not old.resources[n].symbolic)
    if not both:
        return old, new
    copies = {}
    original = old.resources[pick(draw, both)]
    for number in range(draw(st.integers(1, 2))):
        spare = {kind: list(values) for kind, values in SPARE.items()}
        def fresh(addresses, kind):
            out = []
            for family, _ in addresses:
                found = [a for a in map(addr, spare[kind]) if a[0] is family]
                if found:
                    out.append(found[number % len(found)])
            return tuple(out)
        name = f"{original.name}-copy{number}"
        copies[name] = replace(original, name=name, ips=fresh(original.ips, "private"),
                               public_ips=fresh(original.public_ips, "public"))
    return tuple(replace(net, resources={**net.resources, **copies}) for net in (old, new))


@SETTINGS
@given(pairs_with_profiles())
def test_profile_rows_hold_exactly_their_members_rows(pair):
    assert_profiles_hold_their_members(*pair)


def assert_profiles_hold_their_members(old, new, **options) -> None:
    """The diff by profile has exactly the packets of the diff per resource, each member
    renamed to its profile (`options`: more arguments of diff_networks, for both)."""
    profiles = merge_profiles(old, new)
    merged = diff_networks(profiles.old, profiles.new, **options)
    each = diff_networks(old, new, **options)
    index = {m: name for name, members in profiles.members.items() for m in members}
    expected = _packets(each.added + each.removed, lambda name: index.get(name, name))
    got = _packets(merged.added + merged.removed)
    for key in set(expected) | set(got):
        top = key[2].top
        # Boxes may differ only in points from an address to itself, which are no packets.
        assert _only_self_points(bx.difference(got.get(key, []), expected.get(key, []), top)), key
        assert _only_self_points(bx.difference(expected.get(key, []), got.get(key, []), top)), key


def _names_every_group(network) -> bool:
    return all(r.peer.group in network.groups for r in network.all_rules() if isinstance(r.peer, GroupPeer))


@SETTINGS
@given(pairs_with_profiles())
def test_every_certain_profile_witness_replays_on_the_member_resources(pair):
    """Certain rows: delivered by one network with every free choice false, by the other
    with none, even with every choice true. (Possible rows rest on choices the two
    networks share; test_diff.py checks those with Z3.)"""
    old, new = pair
    assume(_names_every_group(old) and _names_every_group(new))
    profiles = merge_profiles(old, new)
    result = diff_networks(profiles.old, profiles.new)
    for change in result.added + result.removed:
        r = change.region
        packet = r.witness()
        if packet is None or r.certainty is not Certainty.CERTAIN:
            continue
        ends = [profiles.holders.get((r.family, address), p.name) if p.is_resource else None
                for p, address in ((r.source, packet.src), (r.destination, packet.dst))]
        after, before = (new, old) if change.kind is ChangeKind.ADDED else (old, new)
        assert _legal(after, packet, ends), (change, ends)
        assert oracle.delivered(after, packet, *ends, {}), (change, ends)
        if _legal(before, packet, ends):  # else the packet cannot even be sent there
            assert not oracle.delivered(before, packet, *ends, _AllTrue()), (change, ends)


def _legal(network, packet, ends) -> bool:
    """Whether the endpoints may hold the packet's addresses in `network` (two resources
    may hold one address; the evaluator names only one of them)."""
    def holds(end, address) -> bool:
        resource = network.resources.get(end) if end is not None else None
        if resource is not None and not resource.symbolic:
            return address in resource.addresses(packet.family)
        return end in oracle.who_options(network, packet.family, address)
    return all(holds(end, address) for end, address in zip(ends, (packet.src, packet.dst)))


BEFORE = """
security_groups:
  sg-web:
    ingress:
      - {protocol: tcp, ports: 443, source: 10.0.0.0/16}
  sg-app:
    egress:
      - {protocol: all, destination: 0.0.0.0/0}
resources:
  web-1: {ips: [10.0.1.10], security_groups: [sg-web]}
  web-2: {ips: [10.0.1.11], security_groups: [sg-web]}
  web-3: {ips: [10.0.1.12], security_groups: [sg-web]}
  app-1: {ips: [10.0.2.10], security_groups: [sg-app]}
  app-2: {ips: [10.0.2.11], security_groups: [sg-app]}
"""


def _networks(after: str, before: str = BEFORE):
    old = parse_network(textwrap.dedent(before), "before.yaml").network
    new = parse_network(textwrap.dedent(after), "after.yaml").network
    return old, new


def test_three_web_servers_and_two_app_servers_are_two_profiles():
    old, new = _networks(BEFORE.replace("ports: 443,", "ports: [443, 8443],"))
    profiles = merge_profiles(old, new)
    assert dict(profiles.members) == {"profile sg-web": ("web-1", "web-2", "web-3"),
                                      "profile sg-app": ("app-1", "app-2")}
    result = diff_networks(profiles.old, profiles.new)
    assert not result.removed
    # The per-resource diff has six rows app-i -> web-j; the profile diff has one.
    rows = [(str(c.region.source), c.region.describe_sources(), str(c.region.destination),
             c.region.describe_destinations(), c.region.service_text) for c in result.added]
    assert rows[0] == ("profile sg-app", "10.0.2.10/31", "profile sg-web", "10.0.1.10/31, 10.0.1.12/32", "tcp/8443")
    assert [row[0] for row in rows] == ["profile sg-app", "unmanaged"]  # and the rest of 10.0.0.0/16
    text = render_text(result, DiffGate(result), profiles.old, profiles.new, profiles)
    assert "\n    profile sg-app [10.0.2.10/31] -> profile sg-web [10.0.1.10/31, 10.0.1.12/32] tcp/8443 IPv4\n" \
           "        profile sg-app: app-1, app-2 (2 resources); witness from app-1\n" \
           "        profile sg-web: web-1, web-2, web-3 (3 resources); witness to web-1\n" \
           "        witness: tcp 10.0.2.10:* -> 10.0.1.10:8443\n" in text
    report = json.loads(render_json(result, DiffGate(result), profiles.old, profiles.new, profiles))
    assert report["profiles"] == {"profile sg-web": ["web-1", "web-2", "web-3"], "profile sg-app": ["app-1", "app-2"]}
    change = report["added"][0]
    assert (change["source"], change["destination"]) == ("profile sg-app", "profile sg-web")
    assert (change["witness"]["src_resource"], change["witness"]["dst_resource"]) == ("app-1", "web-1")


def test_the_order_of_a_resources_groups_does_not_matter():
    text = BEFORE.replace("sg-app:\n    egress:", "sg-db: {}\n  sg-app:\n    egress:")
    text = text.replace("app-1: {ips: [10.0.2.10], security_groups: [sg-app]}",
                        "app-1: {ips: [10.0.2.10], security_groups: [sg-app, sg-db]}")
    text = text.replace("app-2: {ips: [10.0.2.11], security_groups: [sg-app]}",
                        "app-2: {ips: [10.0.2.11], security_groups: [sg-db, sg-app, sg-db]}")
    old, new = _networks(text, text)
    assert merge_profiles(old, new).members["profile sg-app+sg-db"] == ("app-1", "app-2")


def test_resources_the_argument_does_not_hold_for_stay_on_their_own():
    after = BEFORE.replace("web-3: {ips: [10.0.1.12], security_groups: [sg-web]}",
                           "web-3: {ips: [10.0.1.12], security_groups: [sg-web, sg-app]}")  # groups changed
    after = after.replace("app-2: {ips: [10.0.2.11],", "app-2: {ips: [10.0.2.12],")  # address changed
    after += "  web-4: {ips: [10.0.1.13], security_groups: [sg-web]}\n"  # only in new
    old, new = _networks(after)
    assert merge_profiles(old, new).members == {"profile sg-web": ("web-1", "web-2")}


def test_a_shared_address_a_free_rule_or_no_address_keeps_a_resource_apart():
    text = BEFORE.replace("app-2: {ips: [10.0.2.11], security_groups: [sg-app]}",
                          "app-2: {subnet: 10.0.2.0/24, security_groups: [sg-app]}")
    old, new = _networks(text, text)
    assert merge_profiles(old, new).members == {"profile sg-web": ("web-1", "web-2", "web-3")}  # not app-2
    # Native input refuses an address on two resources; other inputs may not.
    web = dict(new.resources)
    web["web-2"] = replace(web["web-2"], ips=web["web-1"].ips)
    assert merge_profiles(old, replace(new, resources=web)).members == {}
    opaque = BEFORE.replace("  sg-app:\n", "  sg-partner: {opaque: true}\n  sg-app:\n").replace(
        "      - {protocol: tcp, ports: 443, source: 10.0.0.0/16}",
        "      - {protocol: tcp, ports: 443, source: 10.0.0.0/16}\n      - {protocol: tcp, ports: 22, source: sg-partner}")
    old, new = _networks(opaque, opaque)
    assert merge_profiles(old, new).members == {"profile sg-app": ("app-1", "app-2")}


def test_chosen_resources_are_merged_only_among_themselves():
    old, new = _networks(BEFORE.replace("ports: 443,", "ports: [443, 8443],"))
    chosen = [Principal.resource("web-1"), Principal.resource("web-2")]
    profiles = merge_profiles(old, new, destinations=chosen)
    assert dict(profiles.members) == {"profile sg-web (--to)": ("web-1", "web-2"),
                                      "profile sg-app": ("app-1", "app-2")}
    assert profiles.principals(chosen) == [Principal.resource("profile sg-web (--to)")]
    # web-3 alone is not chosen: it is its own endpoint, and web-1, web-2 are not merged with it.
    assert "web-3" in profiles.old.resources and "web-1" not in profiles.old.resources


def test_the_command_with_by_profile(tmp_path):
    before, after = tmp_path / "before.yaml", tmp_path / "after.yaml"
    before.write_text(textwrap.dedent(BEFORE))
    after.write_text(textwrap.dedent(BEFORE.replace("ports: 443,", "ports: [443, 8443],")))
    done = run(["diff", before, after, "--by-profile", "--to", "web-3", "--format", "json"], 1)
    report = json.loads(done.stdout)
    assert [(c["source"], c["destination"], c["services"]) for c in report["added"]] \
        == [("profile sg-app", "web-3", "tcp/8443"), ("unmanaged", "web-3", "tcp/8443")]
    assert report["profiles"] == {"profile sg-app": ["app-1", "app-2"], "profile sg-web (not --to)": ["web-1", "web-2"]}
    library = run_diff(DiffRequest(str(before), str(after), destinations=("web-3",), by_profile=True))
    assert library.profiles.members["profile sg-app"] == ("app-1", "app-2")


def test_by_profile_on_the_example_pair_finds_the_same_changes():
    """One resource per profile there: the rows are the per-resource rows."""
    files = [str(ROOT / "examples" / "diff" / name) for name in ("before.yaml", "after.yaml")]
    plain = run(["diff", *files, "--format", "json"], 1)
    grouped = run(["diff", *files, "--format", "json", "--by-profile"], 1)
    first, second = json.loads(plain.stdout), json.loads(grouped.stdout)
    for kind in ("added", "removed"):
        assert [c["fingerprint"] for c in first[kind]] == [c["fingerprint"] for c in second[kind]]


def test_the_baseline_gate_compares_profiles_and_names_member_resources(tmp_path):
    """A spec's `baseline:` gate: one row for the profiles, a counterexample between two
    member resources that the evaluator replays (delivered now, not by the baseline)."""
    before, after = tmp_path / "before.yaml", tmp_path / "after.yaml"
    before.write_text(textwrap.dedent(BEFORE))
    after.write_text(textwrap.dedent(BEFORE.replace("ports: 443,", "ports: [443, 8443],")))
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"network: {after}\nbaseline: {before}\nassertions:\n"
                    "  - {name: web closed to the internet, deny: {from: internet, to: web-1}}\n")
    report = json.loads(run(["check", spec, "--format", "json"], 1).stdout)
    entry = next(r for r in report["results"] if r["name"] == "no access added since the baseline")
    assert entry["status"] == "violated"
    assert entry["reason"].startswith("2 region(s) of access added since ")
    assert entry["reason"].endswith(": profile sg-app [10.0.2.10/31] -> profile sg-web tcp/8443; "
                                    "unmanaged [10.0.0.0/16] -> profile sg-web tcp/8443")
    example = entry["counterexample"]
    assert (example["source"], example["destination"]) == ("app-1", "web-1")
    old, new = _networks(BEFORE.replace("ports: 443,", "ports: [443, 8443],"))
    packet = Packet(Family.V4, parse_address("10.0.2.10")[1], parse_address("10.0.1.10")[1], TCP, 8443)
    assert example["packet"] == str(packet)
    assert oracle.delivered(new, packet, "app-1", "web-1", {})
    assert not oracle.delivered(old, packet, "app-1", "web-1", _AllTrue())
