"""Explore commands on the VPC path: matrix cells and exposure rows, worked by hand."""

from __future__ import annotations

from sgverify.explore.matrix import render_text
from sgverify.explore.path_exposure import path_exposure
from sgverify.explore.path_matrix import build_path_matrix

from pathnets import acl, entry, three_tier, TCP


def test_matrix_cells_follow_the_path():
    m = build_path_matrix(three_tier())
    # web -> db: db admits only sg-web on 5432; web -> internet: the internet gateway carries
    # everything; db -> internet: only what the NAT gateway carries; nothing reaches db from outside.
    assert m.cell("web", "db").text == "tcp/5432"
    assert m.cell("web", "internet").text == "all"
    assert m.cell("db", "internet").text == "tcp udp icmp"
    assert m.cell("internet", "db").text == "-"
    assert m.cell("internet", "web").text == "tcp/443"


def test_a_nacl_narrows_a_matrix_cell():
    public = acl("acl-pub", "vpc-a", [entry(100, "deny", "203.0.113.0/24"), entry(200, "allow")],
                 [entry(100, "allow")])
    m = build_path_matrix(three_tier(public_acl=public))
    assert m.cell("internet", "web").text == "tcp/443"  # the rest of the internet still gets in
    private = acl("acl-priv", "vpc-a", [entry(100, "allow", "10.0.1.0/24", TCP, (5000, 5999))],
                  [entry(100, "allow")])
    assert build_path_matrix(three_tier(private_acl=private)).cell("web", "db").text == "tcp/5432"
    closed = acl("acl-priv", "vpc-a", [entry(100, "allow", "10.0.1.0/24", TCP, (6000, 6999))],
                 [entry(100, "allow")])
    assert build_path_matrix(three_tier(private_acl=closed)).cell("web", "db").text == "-"
    assert "from \\ to" in render_text(build_path_matrix(three_tier()))


def test_exposure_on_the_path_names_the_gateway():
    found = path_exposure(three_tier(), "web")
    internet = next(r for r in found.rows if r.peer == "internet")
    assert any("internet gateway igw-a" in via for via in internet.via)
    db = path_exposure(three_tier(), "db")
    assert "internet" not in [r.peer for r in db.rows]
    assert "web" in [r.peer for r in db.rows]


def test_graph_draws_vpcs_and_subnets_as_clusters_with_gateways():
    import shutil
    import subprocess

    from sgverify.explore.graph_vpc import to_dot_vpc

    net = three_tier()
    dot = to_dot_vpc(net, build_path_matrix(net))
    assert 'label="vpc-a (10.0.0.0/16)"' in dot
    assert "pub 10.0.1.0/24" in dot and "nat-a" in dot and "igw-a" in dot
    assert '"internet" -> "web"' in dot and "#c62828" in dot  # exposure in red
    assert '"internet" -> "db"' not in dot
    if shutil.which("dot"):
        done = subprocess.run(["dot", "-Tsvg"], input=dot.encode(), capture_output=True, check=False)
        assert done.returncode == 0 and b"<svg" in done.stdout


def test_infer_on_the_path_narrows_sources_to_those_the_path_delivers():
    from sgverify.explore.infer_path import infer_on_path
    from sgverify.solve import Verdict, check_assertion
    from sgverify.explore.infer import to_assertion

    # db admits tcp/5432 from 0.0.0.0/0 by its groups, but no route or gateway brings the internet to it.
    from pathnets import rule
    net = three_tier(db_ingress=[rule("", "ingress", TCP, (5432, 5432), cidr="0.0.0.0/0")])
    items, dropped = infer_on_path(net)
    assert dropped == []
    for item in items:
        assert check_assertion(net, to_assertion(item)).verdict is Verdict.HOLDS
    db_only = [i for i in items if i.resource == "db" and i.protocol is None]
    assert db_only and "web" in db_only[0].sources.resources
