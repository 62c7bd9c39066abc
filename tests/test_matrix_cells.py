"""Matrix cells from each side's filter (explore/cells.py) against the region engine.

`build_matrix` answers most cells from per-group-set summaries and the rest
with the region engine; `prune=False` uses the region engine for every cell.
Each case below is checked both ways, and against values worked out by hand
from the rules. tests/test_scale_regions.py compares the two on random networks.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sgverify.explore.cells import FastCells
from sgverify.explore.matrix import build_matrix, matrix_dict, render_json
from sgverify.explore.names import places, traffic_of
from sgverify.model import ALL, TCP, UDP, CidrPeer, GroupPeer, Service, UnknownPeer
from strategies import TRAFFIC_CHOICES, cidr, group, network, networks, ports, resource

HTTPS = Service(TCP, ports(443))
SSH = Service(TCP, ports(22))
ANYWHERE = CidrPeer(cidr("0.0.0.0/0"))
TEN = CidrPeer(cidr("10.0.0.0/8"))


def both_ways(net, traffic=None):
    """The matrix, after checking that the fast cells equal the region engine's."""
    fast = build_matrix(net, traffic)
    assert fast == build_matrix(net, traffic, prune=False)
    return fast


def texts(matrix, row: str, column: str) -> tuple[str, bool]:
    cell = matrix.cell(row, column)
    return cell.text, cell.partial


def test_rules_on_both_sides_meet():
    net = network(
        [group("sg-web", egress=[(Service(ALL), ANYWHERE)], ingress=[(HTTPS, TEN)]),
         group("sg-db", ingress=[(Service(TCP, ports(5432)), GroupPeer("sg-web")), (SSH, ANYWHERE)])],
        [resource("web", ["sg-web"], ["10.0.0.1"]), resource("db", ["sg-db"], ["10.0.0.2"])])
    matrix = both_ways(net)
    assert texts(matrix, "web", "db") == ("tcp/22,5432", False)
    assert texts(matrix, "db", "web") == ("-", False)  # sg-db has no egress rule
    # Partial: the internet's IPv6 addresses reach nothing in db, which has none.
    assert texts(matrix, "internet", "db") == ("tcp/22", True)
    assert texts(matrix, "internet", "web") == ("-", False)  # 10/8 is not public


def test_an_unknown_peer_only_possibly_admits():
    net = network(
        [group("sg-a", egress=[(HTTPS, UnknownPeer("known after apply"))]),
         group("sg-b", ingress=[(HTTPS, TEN)])],
        [resource("a", ["sg-a"], ["10.0.0.1"]), resource("b", ["sg-b"], ["10.0.0.2"])])
    matrix = both_ways(net)
    assert texts(matrix, "a", "b") == ("(possibly tcp/443)", False)


def test_an_unknown_service_only_possibly_admits():
    net = network(
        [group("sg-a", egress=[(Service(ALL), ANYWHERE)]),
         group("sg-b", ingress=[(SSH, TEN, "computed"), (HTTPS, TEN)])],
        [resource("a", ["sg-a"], ["10.0.0.1"]), resource("b", ["sg-b"], ["10.0.0.2"])])
    matrix = both_ways(net)
    assert texts(matrix, "a", "b") == ("tcp/443 (possibly tcp/22)", False)


def test_a_group_with_unknown_members_may_be_any_unmanaged_address():
    net = network(
        [group("sg-b", ingress=[(SSH, GroupPeer("sg-other"))]), group("sg-other", opaque=True)],
        [resource("b", ["sg-b"], ["10.0.0.2"])])
    matrix = both_ways(net)
    assert texts(matrix, "internet", "b") == ("(possibly tcp/22)", True)  # IPv6 sends nothing


def test_group_references_match_private_addresses_only():
    # a's public address is not a member address, so it sends nothing: the cell is partial.
    net = network(
        [group("sg-a", egress=[(Service(ALL), ANYWHERE)]), group("sg-b", ingress=[(HTTPS, GroupPeer("sg-a"))])],
        [resource("a", ["sg-a"], ["10.0.0.1"], ["1.1.1.1"]), resource("b", ["sg-b"], ["10.0.0.2"])])
    matrix = both_ways(net)
    assert texts(matrix, "a", "b") == ("tcp/443", True)


def test_an_address_family_the_peer_lacks_leaves_the_cell_partial():
    net = network(
        [group("sg-a", egress=[(Service(ALL), ANYWHERE)]), group("sg-b", ingress=[(HTTPS, ANYWHERE)])],
        [resource("a", ["sg-a"], ["10.0.0.1", "fd00::1"]), resource("b", ["sg-b"], ["10.0.0.2"])])
    matrix = both_ways(net)
    assert texts(matrix, "a", "b") == ("tcp/443", True)


def test_link_local_services_pass_egress_without_rules():
    net = network([group("sg-a")], [resource("a", ["sg-a"], ["10.0.0.1"])])
    matrix = both_ways(net, traffic_of("udp", ["53"]))
    assert texts(matrix, "a", "link-local") == ("udp/53", False)
    assert texts(matrix, "a", "internet") == ("-", False)


def test_traffic_cuts_every_cell():
    net = network(
        [group("sg-a", egress=[(Service(ALL), ANYWHERE)]),
         group("sg-b", ingress=[(Service(TCP, ports(20, 25)), TEN), (Service(UDP), TEN)])],
        [resource("a", ["sg-a"], ["10.0.0.1"]), resource("b", ["sg-b"], ["10.0.0.2"])])
    assert texts(both_ways(net, traffic_of("tcp", ["22"])), "a", "b") == ("tcp/22", False)
    assert texts(both_ways(net, traffic_of("tcp", ["443"])), "a", "b") == ("-", False)


def test_pairs_the_summaries_cannot_answer_go_to_the_region_engine():
    # a and b share an address; c has two addresses (its own row and column);
    # s has no known address.
    net = network(
        [group("sg-a", egress=[(Service(ALL), ANYWHERE)], ingress=[(Service(ALL), TEN)])],
        [resource("a", ["sg-a"], ["10.0.0.1"]), resource("b", ["sg-a"], ["10.0.0.1"]),
         resource("c", ["sg-a"], ["10.0.0.5", "10.0.0.6"]), resource("s", ["sg-a"], subnets=["10.0.1.0/24"])])
    fast = FastCells(net, None)
    asked = {p.label: p.principal for p in places(net)}
    for row, column in (("a", "b"), ("a", "c"), ("c", "c"), ("s", "c"), ("internet", "s")):
        assert fast.cell(asked[row], asked[column]) is None, (row, column)
    assert fast.cell(asked["c"], asked["internet"]) is not None
    matrix = both_ways(net)
    assert texts(matrix, "c", "c") == ("all", False)  # between its two addresses
    assert texts(matrix, "a", "a") == ("-", False)  # one address: no packet to itself


@pytest.mark.parametrize("traffic", [None, ("tcp", ["443"])])
def test_a_group_shared_by_many_resources(traffic):
    members = [resource(f"m{i}", ["sg-m"], [f"10.0.{i // 200}.{i % 200 + 1}"]) for i in range(30)]
    net = network(
        [group("sg-m", egress=[(Service(ALL), ANYWHERE)],
               ingress=[(HTTPS, GroupPeer("sg-m")), (SSH, CidrPeer(cidr("10.0.0.0/28")))])],
        members)
    matrix = both_ways(net, traffic and traffic_of(*traffic))
    # m0..m13 are at 10.0.0.1-14, inside 10.0.0.0/28; m14 (10.0.0.15) too; m15 is at .16.
    assert texts(matrix, "m3", "m20")[0] == ("tcp/22,443" if traffic is None else "tcp/443")
    assert texts(matrix, "m20", "m3")[0] == "tcp/443"


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(networks(), st.sampled_from((None,) + TRAFFIC_CHOICES))
def test_json_is_the_standard_encoders_output_byte_for_byte(net, traffic):
    matrix = build_matrix(net, traffic)
    assert render_json(matrix) == json.dumps(matrix_dict(matrix), indent=2) + "\n"


def test_json_of_labels_that_need_escaping():
    net = network([group("sg-a", egress=[(Service(ALL), ANYWHERE)], ingress=[(Service(ALL), ANYWHERE)])],
                  [resource('wéb "1"', ["sg-a"], ["10.0.0.1"]), resource("db\\2", ["sg-a"], ["10.0.0.2"])])
    matrix = build_matrix(net)
    assert render_json(matrix) == json.dumps(matrix_dict(matrix), indent=2) + "\n"
    assert json.loads(render_json(matrix))["cells"][0]["from"] in ('wéb "1"', "db\\2")


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(networks(), st.sampled_from((None,) + TRAFFIC_CHOICES))
def test_the_json_lists_every_nonempty_cell_once_in_label_order(net, traffic):
    """The JSON cells, read back, are exactly the non-empty cells that `cell()`
    gives over every pair of computed labels, sorted by (row, column)."""
    matrix = build_matrix(net, traffic)
    expected = sorted((row, column) for row in matrix.columns for column in matrix.columns
                      if not matrix.cell(row, column).empty and matrix.cell(row, column).text != "n/a")
    listed = [(c["from"], c["to"]) for c in json.loads(render_json(matrix))["cells"]]
    assert listed == expected
    for c in json.loads(render_json(matrix))["cells"]:
        cell = matrix.cell(c["from"], c["to"])
        assert (c["services"], c["possible"], c["partial"]) == (cell.services_text, cell.possible_text, cell.partial)


def test_rows_that_share_a_side_still_meet_each_columns_own_ingress():
    """Two rows with one egress side, two columns with different ingress: every
    cell of the second row meets its own column's ingress (answers are shared
    between rows, so a mix-up of columns would show here)."""
    net = network(
        [group("sg-client", egress=[(Service(ALL), ANYWHERE)]),
         group("sg-web", ingress=[(HTTPS, TEN)]),
         group("sg-ssh", ingress=[(SSH, TEN)])],
        [resource("a1", ["sg-client"], ["10.0.0.1"]), resource("a2", ["sg-client"], ["10.0.0.2"]),
         resource("b", ["sg-web"], ["10.0.1.1"]), resource("c", ["sg-ssh"], ["10.0.1.2"])])
    matrix = both_ways(net)
    for row in ("a1", "a2"):
        assert texts(matrix, row, "b") == ("tcp/443", False)
        assert texts(matrix, row, "c") == ("tcp/22", False)
