"""Explore commands: matrix, exposure, query and graph, on the seed scenarios (as
docs/seed.md draws them), against the brute-force oracle, and through the CLI."""

from __future__ import annotations

import json
import os
from dataclasses import replace
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import oracle
from clitools import on_a_terminal
import strategies as S
from sgverify.explore.exposure import exposure
from sgverify.explore.graph import edges, to_dot, to_mermaid
from sgverify.explore.matrix import build_matrix
from sgverify.explore.names import traffic_of
from sgverify.explain import evaluate
from sgverify.explain.evaluate import Situation
from sgverify.explore.query import query
from sgverify.model import Direction, Rule
from sgverify.inputs import load_network
from sgverify.model import Family, Packet
from sgverify.model import intervals as iv
from sgverify.model.service import SERVICE_TOP, split_service

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "seed"
A, B, C = "aws-resource-a", "aws-resource-b", "aws-resource-c"


def seed_path(number: int) -> str:
    return str(next(SEED.glob(f"{number}-*.yaml")))


def seed(number: int):
    return load_network(seed_path(number)).network


def cells(number: int) -> dict:
    matrix = build_matrix(seed(number))
    labels = [p.label for p in matrix.places]
    return {(r, c): matrix.cell(r, c).text for r in labels for c in labels}


# ---------------------------------------------------------------- the seed diagrams

# Each scenario's arrows as docs/seed.md draws them (the resources' own rows and
# columns); every other resource-to-resource cell must be empty. Unmanaged
# destinations (internet, other) are stated where the article states them.
DRAWN = {
    1: {("internet", A): "tcp/80,443", (B, A): "tcp/80,443", (C, A): "tcp/80,443", ("other", A): "tcp/80,443",
        (A, "internet"): "all", (B, "internet"): "all", (C, "internet"): "all"},
    2: {("office", A): "tcp/80,443", (A, "internet"): "all"},
    3: {(B, A): "tcp/80,443", (A, "internet"): "all"},
    4: {(A, "internet"): "all", (A, B): "tcp/80,443", (A, C): "tcp/443", (C, B): "tcp/80,443",
        ("internet", B): "tcp/80,443", ("other", B): "tcp/80,443"},
    5: {(A, "office"): "all", ("unspecified", B): "tcp/443", ("partner", C): "tcp/443",
        (A, "internet"): "-", (A, "partner"): "-", (B, "internet"): "all"},
    6: {(A, "internet"): "-", (B, "internet"): "all", (C, "internet"): "all"},
}


@pytest.mark.parametrize("number", sorted(DRAWN))
def test_seed_matrix_is_the_article_diagram(number):
    found = cells(number)
    for key, text in DRAWN[number].items():
        assert found[key] == text, f"scenario {number} {key}: {found[key]!r}, expected {text!r}"
    resources = (A, B, C)
    for row in resources:
        for column in resources:
            if (row, column) not in DRAWN[number]:
                assert found[(row, column)] == "-", f"scenario {number}: {row} -> {column} is {found[(row, column)]}"
    nothing_reaches = {2: [B, C], 3: [B, C], 4: [A], 5: [A], 6: [A, B, C]}.get(number, [])
    for column in nothing_reaches:
        assert all(found[(row, column)] in ("-", "n/a") for row, _ in found if _ == column), column


def test_the_two_article_mistakes_come_out_blocked():
    # Scenario 5: "B accepts 443 from A"; scenario 6: "A reaches B on 80/443".
    assert cells(5)[(A, B)] == "-"
    assert cells(6)[(A, B)] == "-"


def test_seed_graph_arrows_between_resources_and_externals():
    network = seed(5)
    drawn = {(e.source, e.target): e.label for e in edges(network, build_matrix(network))
             if "other" not in (e.source, e.target)}
    assert {k: v for k, v in drawn.items() if k[0] not in (B, C)} == {
        (A, "office"): "all", ("unspecified", B): "tcp/443", ("partner", C): "tcp/443"}
    assert all(e.public == (e.source == "partner") for e in edges(network, build_matrix(network))
               if e.target in (A, B, C) and e.source != "unspecified")


def test_link_local_services_stay_reachable():
    assert cells(6)[(A, "link-local")] == "all"


# ---------------------------------------------------------------- matrix vs the oracle

def _edges(network, family):
    blocks = oracle.relevant_blocks(network, S.assertion(oracle.Kind.DENY, [], []), family)
    bounds = {b.first for b in blocks} | {b.last + 1 for b in blocks}
    return sorted({p for lo, hi in oracle._elementary(bounds, family.top) for p in (lo, hi)})


def _service_points(network):
    points = {0, SERVICE_TOP}
    for rule in network.all_rules():
        for lo, hi in rule.service.intervals():
            points.update(p for p in (lo - 1, lo, hi, hi + 1) if 0 <= p <= SERVICE_TOP)
    return sorted(points)


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(S.networks())
def test_matrix_cells_agree_with_the_oracle(network):
    """A resource-to-resource cell names a service iff some packet with it is delivered."""
    matrix = build_matrix(network)
    services = _service_points(network)
    for family in (Family.V4, Family.V6):
        edges_ = _edges(network, family)
        options = {x: oracle.who_options(network, family, x) for x in edges_}
        for src in network.resources:
            for dst in network.resources:
                cell = matrix.cell(src, dst)
                srcs = [x for x in edges_ if src in options[x]]
                dsts = [x for x in edges_ if dst in options[x]]
                for svc in services:
                    packets = [Packet(family, s, d, *split_service(svc)) for s in srcs for d in dsts if s != d]
                    sent = any(oracle.delivered(network, p, src, dst, {}) for p in packets)
                    if sent:  # a witness in this family: the cell must name the service
                        assert iv.contains(list(cell.services), svc), f"{src} -> {dst} {family.name} {svc:#x}"
    for src in network.resources:  # and nothing the oracle cannot deliver (all families at once)
        for dst in network.resources:
            cell = matrix.cell(src, dst)
            for svc in services:
                if not iv.contains(list(cell.services), svc):
                    continue
                assert any(oracle.delivered(network, Packet(f, s, d, *split_service(svc)), src, dst, {})
                           for f in (Family.V4, Family.V6)
                           for s in _edges(network, f) if src in oracle.who_options(network, f, s)
                           for d in _edges(network, f) if dst in oracle.who_options(network, f, d) and s != d), \
                    f"{src} -> {dst} names {svc:#x} but nothing is delivered"


# ---------------------------------------------------------------- exposure

def test_exposure_lists_public_sources_first_with_their_rules():
    result = exposure(seed(1), A)
    first = result.regions[0]
    assert first.public_source and first.service_text == "tcp/80,443"
    assert [r.label for r in first.ingress_rules] == ["sg-type-a ingress[0]", "sg-type-a ingress[1]"]
    assert {str(r.source) for r in result.regions} == {"unmanaged", B, C}


def test_egress_exposure_of_a_scenario_5():
    result = exposure(seed(5), A, egress=True)
    blocks = sorted(str(c) for r in result.regions for c in r.destination_blocks)
    assert "1.1.1.1/32" in blocks and "169.254.169.254/32" in blocks and len(blocks) == 5


def test_exposure_of_a_group_covers_its_members():
    result = exposure(seed(3), "sg-type-a")
    assert {str(r.destination) for r in result.regions} == {A}


# ---------------------------------------------------------------- query

def test_query_delivered_gives_a_witness_and_the_trace():
    result = query(seed(1), "internet", A, traffic_of("tcp", ["443"]))
    assert result.verdict == "delivered" and result.witness.packet.port == 443
    egress, ingress = result.trace
    assert egress.resource is None and ingress.admitted
    assert [step.matched for step in ingress.steps] == [False, True]


def test_query_blocked_names_the_side_and_the_smallest_rule():
    result = query(seed(6), A, B, traffic_of("tcp", ["443"]))
    assert result.verdict == "blocked"
    egress, ingress = result.trace
    assert not egress.admitted and ingress.admitted
    assert [h.text for h in result.suggestions] == [
        "add to sg-type-a egress: {protocol: tcp, ports: 443, destination: sg-type-b}"]
    assert_suggestions_admit(seed(6), result)


def test_query_both_sides_blocking():
    result = query(seed(5), A, B, traffic_of("tcp", ["443"]))
    assert len(result.suggestions) == 2
    assert result.suggestions[1].text == "add to sg-type-b ingress: {protocol: tcp, ports: 443, source: sg-type-a}"
    assert_suggestions_admit(seed(5), result)


def assert_suggestions_admit(network, result):
    """With the suggested rules added, the blocked witness is delivered (and not before)."""
    cx = result.witness
    before = Situation(network, cx.packet, cx.source.resource, cx.destination.resource, {})
    assert not evaluate.delivered(before)
    groups = dict(network.groups)
    for hint in result.suggestions:
        group = groups[hint.group]
        rules = group.rules(hint.direction)
        rule = Rule(hint.group, hint.direction, len(rules), hint.service, hint.peer)
        field = "ingress" if hint.direction is Direction.INGRESS else "egress"
        groups[hint.group] = replace(group, **{field: rules + (rule,)})
    after = replace(before, network=replace(network, groups=groups))
    assert evaluate.delivered(after)


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(S.networks(), st.data())
def test_query_suggestions_admit_random_blocked_flows(network, data):
    names = sorted(network.resources)
    src, dst = data.draw(st.sampled_from(names)), data.draw(st.sampled_from(names))
    if network.resources[src].symbolic or network.resources[dst].symbolic or src == dst:
        return
    result = query(network, src, dst, traffic_of("tcp", ["443"]))
    if result.verdict == "blocked" and result.witness is not None:
        assert result.suggestions
        assert_suggestions_admit(network, result)


# ---------------------------------------------------------------- graph

def test_graph_draws_public_exposure_in_red():
    network = seed(1)
    matrix = build_matrix(network)
    found = {(e.source, e.target): e for e in edges(network, matrix)}
    assert found[("internet", A)].public and found[("internet", A)].label == "tcp/80,443"
    assert not found[(B, A)].public
    assert ("link-local" not in {e.target for e in found.values()})
    dot = to_dot(network, matrix)
    assert '"internet" -> "aws-resource-a" [label="tcp/80,443", color="#c62828"' in dot
    assert 'subgraph cluster_0 {' in dot and 'label="sg-type-a"' in dot
    mermaid = to_mermaid(network, matrix)
    assert mermaid.startswith("flowchart LR") and "linkStyle" in mermaid and '-->|"tcp/80,443"|' in mermaid


def test_mermaid_escapes_hostile_names():
    from sgverify.model import TCP, CidrPeer, External, Service

    group = '<script>alert("g")</script>'
    web = "<img src=x onerror=alert(1)>"
    other = 'db"]\n  click n0 call evil() #amp; `md` |x|'
    g = S.group(group, ingress=[(Service(TCP, S.ports(80)), CidrPeer(S.cidr("0.0.0.0/0")))])
    outsider = External(name="<b>partner</b>", cidrs=(S.cidr("198.51.100.0/24"),))
    network = S.network([g], [S.resource(web, [group], ["10.0.0.5"]), S.resource(other, [group], ["10.0.0.6"])],
                        externals=[outsider])
    mermaid = to_mermaid(network, build_matrix(network))
    markup = mermaid.replace("<br/>", "").replace("-->", "")
    assert "<" not in markup and ">" not in markup and "`" not in markup
    assert "#lt;script#gt;alert(#quot;g#quot;)#lt;/script#gt;" in mermaid
    assert "#lt;img src=x onerror=alert(1)#gt;" in mermaid and "#lt;b#gt;partner#lt;/b#gt;" in mermaid
    # the third name stays inside its label: its quote, hash, backticks and bars escaped
    assert 'db#quot;]<br/>  click n0 call evil() #35;amp; #96;md#96; #124;x#124;' in mermaid
    assert not any(line.startswith("  click") for line in mermaid.splitlines())
    for line in mermaid.splitlines():
        assert line.count('"') % 2 == 0, line


# ---------------------------------------------------------------- CLI (real subprocess)

def run(*args, env=None):
    return subprocess.run([sys.executable, "-m", "sgverify", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=300)


def test_cli_query():
    done = run("query", "--network", seed_path(6), "--from", A, "--to", B, "--protocol", "tcp", "--port", "443")
    assert done.returncode == 0, done.stderr
    assert "BLOCKED" in done.stdout and "to admit it: add to sg-type-a egress" in done.stdout
    assert all(": warning: " in line for line in done.stderr.splitlines())  # the network's own warning only
    data = json.loads(run("query", "--network", seed_path(1), "--from", "internet", "--to", A,
                          "--format", "json").stdout)
    assert data["verdict"] == "delivered" and data["trace"][1]["admitted"]


@pytest.mark.parametrize("args", [
    ("exposure", "nope"),
    ("query", "--from", "nope", "--to", A),
    ("matrix", "--protocol", "tcpp"),
    ("graph", "--port", "99999"),
])
def test_cli_bad_input_is_one_line_and_exit_2(args):
    done = run(*args, "--network", seed_path(1))
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sgverify: ") and "Traceback" not in done.stderr


def test_cli_exposure_json_and_text():
    done = run("exposure", A, "--network", seed_path(1), "--format", "json")
    assert done.returncode == 0 and done.stderr == ""
    data = json.loads(done.stdout)
    assert data["regions"][0]["source"]["public"] and data["regions"][0]["services"] == "tcp/80,443"
    text = run("exposure", A, "--network", seed_path(5), "--egress").stdout
    assert "1.1.1.1/32 (in office)" in text


def test_cli_matrix_formats_and_no_progress_when_piped():
    text = run("matrix", "--network", seed_path(4))
    assert text.returncode == 0 and text.stderr == ""
    assert text.stdout.splitlines()[0].split()[:4] == ["from", "\\", "to", A]
    csv = run("matrix", "--network", seed_path(4), "--format", "csv").stdout.splitlines()
    assert csv[1].split(",")[:4] == [A, "-", '"tcp/80', '443"']
    data = json.loads(run("matrix", "--network", seed_path(4), "--format", "json", "--protocol", "tcp",
                          "--port", "443").stdout)
    by_pair = {(c["from"], c["to"]): c["services"] for c in data["cells"]}
    assert by_pair[(A, B)] == "tcp/443" and by_pair[(A, C)] == "tcp/443"


def test_cli_progress_bar_on_a_terminal():
    done, drawn = on_a_terminal(["matrix", "--network", seed_path(5)])
    assert done.returncode == 0
    assert b"matrix" in drawn  # the bar's description, drawn on the terminal only


def test_cli_graph_formats(tmp_path):
    assert run("graph", "--network", seed_path(1)).stdout.startswith("digraph sgverify {")
    assert run("graph", "--network", seed_path(1), "--format", "mermaid").stdout.startswith("flowchart LR")
    page = tmp_path / "graph.html"
    assert run("graph", "--network", seed_path(1), "--format", "html", "-o", str(page)).returncode == 0
    assert "<!DOCTYPE html>" in page.read_text()


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` is not installed (apt-get install graphviz)")
def test_cli_graph_svg_and_png(tmp_path):
    svg = run("graph", "--network", seed_path(1), "--format", "svg")
    assert svg.returncode == 0 and "<svg" in svg.stdout and "tcp/80,443" in svg.stdout
    png = tmp_path / "g.png"
    assert run("graph", "--network", seed_path(1), "--format", "png", "-o", str(png)).returncode == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_graph_svg_without_graphviz_names_the_tool(tmp_path):
    env = dict(os.environ, PATH=str(tmp_path))  # no `dot` on this PATH
    done = subprocess.run([sys.executable, "-m", "sgverify", "graph", "--network", seed_path(1), "--format", "svg"],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    assert done.returncode == 2
    assert "`dot`" in done.stderr and "graphviz" in done.stderr.lower() and len(done.stderr.splitlines()) == 1
