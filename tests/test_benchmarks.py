"""The benchmark's three engines (sgverify, the naive z3py encoding, the exact
interval limit) agree on every verdict; timings are never asserted."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest.importorskip("numpy")

from benchmarks.classbench import DEFAULT_FOLDER, FilterError, convert_files, convert_lines, parse_filter  # noqa: E402
from benchmarks.generate import generate  # noqa: E402
from benchmarks.run import run_engines  # noqa: E402
from sgverify.inputs import load_network  # noqa: E402


def _rows(tmp_path, rules, queries, naive_queries, only=None):
    path = tmp_path / "estate.json"
    generate(rules, seed=3).write(path)
    rows, _ = run_engines(str(path), queries, naive_queries, 120.0, only)
    return [r for r in rows if r.agree is not None]


def test_engines_agree_on_1k(tmp_path):
    rows = _rows(tmp_path, 1_000, queries=4, naive_queries=1)
    assert {r.workload for r in rows} >= {"deny", "only", "allow", "only-fleet-ref"}
    assert all(r.agree for r in rows), [r.workload for r in rows if not r.agree]


def test_sgverify_and_the_limit_agree_on_one_10k_workload(tmp_path):
    # The naive encoding takes minutes at 10k; it is checked at 1k above.
    rows = _rows(tmp_path, 10_000, queries=3, naive_queries=0, only=["only-fleet-ref"])
    assert [r.workload for r in rows] == ["only-fleet-ref"]
    assert rows[0].agree


@pytest.mark.slow
def test_all_three_engines_agree_on_one_10k_workload(tmp_path):
    rows = _rows(tmp_path, 10_000, queries=2, naive_queries=1, only=["only-fleet-ref"])
    assert [r.workload for r in rows] == ["only-fleet-ref"]
    assert rows[0].agree


def test_generated_estate_is_deterministic_and_readable(tmp_path):
    first, second = generate(1_000, seed=5), generate(1_000, seed=5)
    assert first.document == second.document
    assert first.rules >= 1_000
    first.write(tmp_path / "e.json")
    network = load_network(str(tmp_path / "e.json")).network
    assert sum(1 for _ in network.all_rules()) == first.rules
    assert len(network.members("sg-fleet")) == first.fleet_members > 0


def test_classbench_line_becomes_an_ingress_rule_of_the_destination(tmp_path):
    line = "@186.11.101.36/32\t20.69.109.43/32\t0 : 65535\t1521 : 1525\t0x06/0xFF\t0x1000/0x1000\t"
    assert parse_filter(line) == ("186.11.101.36/32", "20.69.109.43/32", (1521, 1525), 6)
    any_protocol = "@10.0.0.0/8\t20.69.109.43/32\t0 : 65535\t0 : 65535\t0x00/0x00\t0x0000/0x0000\t"
    document = convert_lines([line, any_protocol])
    (name, resource), = document["resources"].items()
    assert resource["ips"] == ["20.69.109.43"]
    (group,) = resource["security_groups"]
    assert document["security_groups"][group]["ingress"] == [
        {"protocol": "tcp", "source": "186.11.101.36/32", "ports": "1521-1525"},
        {"protocol": "all", "source": "10.0.0.0/8"},
    ]


GOOD = "@186.11.101.36/32\t20.69.109.43/32\t0 : 65535\t1521 : 1525\t0x06/0xFF\t0x1000/0x1000\t"


@pytest.mark.parametrize("line, message", [
    ("@garbage", "not a filter line"),
    (GOOD.replace("186.11.101.36/32", "186.11.101.360/32"), "'186.11.101.360/32' is not an IPv4 address block"),
    (GOOD.replace("1521 : 1525", "1521 : 70000"), "port '70000' is not a number 0-65535"),
    (GOOD.replace("1521 : 1525", "1525 : 1521"), "destination ports 1525 : 1521 run backwards"),
    (GOOD.replace("0x06/0xFF", "tcp/0xFF"), "protocol 'tcp/0xFF' is not value/mask in hex"),
    (GOOD.replace("0x06/0xFF", "0x106/0xFF"), "protocol 262 is outside 0-255"),
])
def test_a_bad_classbench_line_is_named_by_file_and_line(line, message):
    with pytest.raises(FilterError) as raised:
        convert_lines(["# comment", GOOD, line, GOOD], name="acl9")
    (problem,) = raised.value.problems
    assert problem.startswith(f"acl9:3: error: {message}")


def test_bad_classbench_input_through_the_command_is_one_line_each_and_exit_2(tmp_path):
    import subprocess
    import sys

    (tmp_path / "a").write_text(GOOD + "\n@garbage\n" + GOOD + "\n@x y\n")
    (tmp_path / "b").write_text(GOOD.replace("1521 : 1525", "1521 : 99999") + "\n")
    root = Path(__file__).resolve().parent.parent
    for folder, expected in ((tmp_path, [f"{tmp_path / 'a'}:2: error: not a filter line",
                                         f"{tmp_path / 'a'}:4: error: not a filter line",
                                         f"{tmp_path / 'b'}:1: error: port '99999' is not a number 0-65535"]),
                             (tmp_path / "missing", [f"{tmp_path / 'missing'}: error: no ClassBench folder there"])):
        done = subprocess.run([sys.executable, "-m", "benchmarks", "--size", "classbench", "--classbench",
                               str(folder), "--no-cli"], cwd=root, capture_output=True, text=True, timeout=300)
        assert done.returncode == 2, done.stderr
        lines = done.stderr.splitlines()
        assert len(lines) == len(expected) and "Traceback" not in done.stderr
        assert all(line.startswith(start) for line, start in zip(lines, expected)), lines


def test_classbench_file_when_available(tmp_path):
    folder = Path(os.environ.get("SGVERIFY_CLASSBENCH", DEFAULT_FOLDER))
    if not (folder / "acl1_1k").exists():
        pytest.skip("ClassBench filter sets not available")
    estate = convert_files([folder / "acl1_1k"])
    estate.write(tmp_path / "cb.json")
    network = load_network(str(tmp_path / "cb.json")).network
    assert sum(1 for _ in network.all_rules()) == estate.rules > 900
