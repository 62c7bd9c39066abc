"""Lint findings of the path layer, on hand-worked networks."""

from __future__ import annotations

from dataclasses import replace

from sgverify.explore.lint import lint
from sgverify.explore.lint_path import covered

from pathnets import TCP, acl, entry, route, rule, table, three_tier


def ids(network):
    return sorted(f.id for f in lint(network) if f.id.startswith("NET"))


def test_covered_is_exact_over_pieces_of_the_address_line():
    box = ([(0, 99)], [(10, 20)])
    assert covered(box, [([(0, 49)], [(0, 30)]), ([(50, 99)], [(10, 20)])])
    assert not covered(box, [([(0, 49)], [(0, 30)]), ([(51, 99)], [(10, 20)])])  # 50 is left
    assert not covered(box, [([(0, 99)], [(10, 19)])])  # service 20 is left


def test_an_entry_after_a_wider_one_is_shadowed_and_its_replies_warning_fires():
    private = acl("acl-priv", "vpc-a",
                  [entry(100, "allow", "10.0.0.0/16", TCP, (5432, 5432)),
                   entry(110, "deny", "10.0.1.0/24", TCP, (5432, 5432))],  # decided by 100 already
                  [entry(100, "allow", protocol=TCP, ports=(5432, 5432))])  # no ephemeral range
    found = [f for f in lint(three_tier(private_acl=private)) if f.id.startswith("NET")]
    shadowed = [f for f in found if f.id == "NET001-shadowed-nacl-entry"]
    assert [f.message.split(" never")[0] for f in shadowed] == ["acl-priv inbound #110"]
    assert any(f.id == "NET002-nacl-drops-replies" and "#100" in f.message for f in found)


def test_routes_to_nothing_and_public_addresses_without_internet_route():
    net = three_tier()
    t = net.topology
    tables = dict(t.route_tables)
    tables["rt-pub"] = table("rt-pub", "vpc-a", [route("0.0.0.0/0", "nat-gateway", "nat-a"),
                                                 route("192.168.0.0/16", "vpc-peering", "pcx-gone"),
                                                 route("172.16.0.0/12", "vpc-peering", "", blackhole=True)])
    net = replace(net, topology=replace(t, route_tables=tables))
    found = ids(net)
    assert found.count("NET003-route-to-nothing") == 2
    assert "NET004-public-address-without-internet-route" in found


def test_a_rule_no_path_delivers_is_reported_and_a_live_one_is_not():
    # db admits 0.0.0.0/0 on 22 too, but db's subnet has no way in from the internet: only the VPC
    # can use it, so the rule is live (10.0.0.0/16 is in 0.0.0.0/0). A rule for 192.168.0.0/16 is dead.
    ingress = [rule("", "ingress", TCP, (5432, 5432), peer_group="sg-web"),
               rule("", "ingress", TCP, (22, 22), cidr="192.168.0.0/16"),
               rule("", "ingress", TCP, (23, 23), cidr="0.0.0.0/0")]
    found = [f for f in lint(three_tier(db_ingress=ingress)) if f.id == "NET005-rule-never-delivered"]
    assert len(found) == 1 and "192.168.0.0/16" in found[0].message
