"""Diff on the VPC path: NACL and route changes are changes of access."""

from __future__ import annotations

from dataclasses import replace

from sgverify.diff.path_diff import path_diff, render_text

from pathnets import acl, route, table, three_tier


def test_opening_a_nacl_adds_access_and_closing_it_removes_it():
    closed = three_tier(private_acl=acl("acl-priv", "vpc-a"))  # no entries: denies everything
    opened = three_tier()
    added = path_diff(closed, opened)
    pairs = {(c.source, c.destination) for c in added if c.added}
    assert ("web (pub)", "db (priv)") in pairs
    assert all(c.added for c in added)
    web_db = next(c for c in added if (c.source, c.destination) == ("web (pub)", "db (priv)"))
    assert "acl-priv" in web_db.stopped_at or "priv" in web_db.stopped_at
    removed = path_diff(opened, closed)
    assert {(c.source, c.destination) for c in removed if not c.added} >= {("web (pub)", "db (priv)")}


def test_a_route_change_is_a_change_of_access():
    before = three_tier()
    t = before.topology
    tables = dict(t.route_tables)
    tables["rt-pub"] = table("rt-pub", "vpc-a", [])  # the public subnet loses its internet route
    after = replace(before, topology=replace(t, route_tables=tables))
    changes = path_diff(before, after)
    lost = {(c.source, c.destination) for c in changes if not c.added}
    # Requests: web can no longer send to the internet, and db's NAT path to web's public address is
    # gone; requests *from* the internet still arrive (inbound needs no route), only their replies die.
    assert {("web (pub)", "outside (internet)"), ("db (priv)", "web (pub)")} <= lost
    assert ("outside (internet)", "web (pub)") not in lost
    assert not [c for c in changes if c.added]
    assert "lose access" in render_text(changes)


def test_identical_networks_differ_in_nothing():
    assert path_diff(three_tier(), three_tier()) == []
