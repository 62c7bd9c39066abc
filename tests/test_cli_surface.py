"""The whole command-line surface from one table: every command that reads a
network takes it as `--network` (and, where it has no other positional
argument, positionally too), and every `--help` is wrapped by the formatter,
never broken mid-sentence by a line break of the source. Real subprocesses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from clitools import ROOT, run
from sgverify.cli.app import COMMANDS

WEB = "examples/seed/1-inbound-world-web.yaml"  # the internet reaches aws-resource-a on 80 and 443
OFFICE = "examples/seed/5-outbound-to-office.yaml"  # one suspicious CIDR (lint exits 1)


def _spec(folder: Path) -> Path:
    path = folder / "spec.yaml"  # no `network:`: only --network says which
    path.write_text("assertions:\n"
                    "  - name: the internet reaches a on https\n"
                    "    allow: {from: internet, to: aws-resource-a, protocol: tcp, ports: [443]}\n")
    return path


def _file(name: str):
    return lambda folder: folder / name


# command, arguments before the network, network, exit code, text the output holds, where it is written
# (None: stdout), whether the network may be positional (no other positional argument)
SURFACE = [
    ("check", lambda t: [_spec(t)], WEB, 0, "1 assertions: 1 hold", None, False),
    ("query", lambda t: ["--from", "internet", "--to", "aws-resource-a", "--protocol", "tcp", "--port", "443"],
     WEB, 0, "DELIVERED", None, True),
    ("exposure", lambda t: ["aws-resource-a"], WEB, 0, "tcp/80,443", None, False),
    ("matrix", lambda t: [], WEB, 0, "internet        tcp/80,443", None, True),
    ("graph", lambda t: ["--format", "mermaid"], WEB, 0, '-->|"tcp/80,443"|', None, True),
    ("report", lambda t: ["-o", t / "report.html"], WEB, 0, "aws-resource-a", _file("report.html"), True),
    ("lint", lambda t: [], OFFICE, 1, "SG006-suspicious-cidr", None, True),
    ("infer", lambda t: ["-o", t / "spec.yaml"], WEB, 0, "aws-resource-a", _file("spec.yaml"), True),
    ("import", lambda t: ["-o", t / "net.yaml"], WEB, 0, "sg-type-a", _file("net.yaml"), True),
    ("fix", lambda t: [_spec(t), "-o", t / "fixed.yaml"], WEB, 0, "sg-type-a", _file("fixed.yaml"), False),
    # --network as a glob: a run over many networks, each verdict or finding naming its network.
    ("check", lambda t: [_spec(t)], "examples/seed/1-*.yaml", 0, f"on network {WEB}", None, False),
    ("lint", lambda t: [], "examples/seed/5-*.yaml", 1, f"on network {OFFICE}", None, True),
]
TWO_NETWORKS = {"diff"}  # OLD NEW, positional
NO_NETWORK = {"snapshot"}  # writes one


def test_the_table_covers_every_command():
    assert {row[0] for row in SURFACE} | TWO_NETWORKS | NO_NETWORK == set(COMMANDS)


def _output(done, where, folder: Path) -> str:
    """What the command wrote, without the HTML report's clock (two runs may straddle a minute)."""
    text = done.stdout if where is None else where(folder).read_text(encoding="utf-8")
    return re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", "(time) UTC", text)


@pytest.mark.parametrize("command,before,network,code,text,where,positional", SURFACE, ids=[r[0] for r in SURFACE])
def test_network_option(tmp_path, command, before, network, code, text, where, positional):
    first = _output(run([command, *before(tmp_path), "--network", network], code), where, tmp_path)
    assert text in first
    if positional:
        assert _output(run([command, *before(tmp_path), network], code), where, tmp_path) == first
        other = OFFICE if network == WEB else WEB
        twice = run([command, *before(tmp_path), other, "--network", network], 2)
        assert twice.stderr.strip().splitlines() == [
            f"sgverify: error: two networks given, {other!r} and --network {network!r}: give one"]
        run([command, *before(tmp_path), network, "--network", network], code)  # the same twice: fine
    else:  # the positional place is taken (specs, the target): a network there is bad input
        done = run([command, *before(tmp_path), network, "--network", network], 2)
        assert done.stderr.strip()
    if command != "check":  # a spec may name its own network
        missing = run([command, *before(tmp_path)], 2)
        assert missing.stderr.strip().splitlines() == ["sgverify: error: no network given: pass --network FILE"]


def _help_lines(text: str) -> list[str]:
    """The help's prose lines, without the boxes drawn around panels."""
    out = []
    for line in text.splitlines():
        line = "".join(ch for ch in line if not "\u2500" <= ch <= "\u257f").strip()
        if line and not line.startswith("Usage:") and line not in ("Options", "Commands", "Arguments"):
            out.append(line)
    return out


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_help_is_wrapped_by_the_formatter(command):
    # So wide that the formatter wraps nothing: every line is then one whole help text, which ends a
    # sentence (or a `[default: ...]`); a line break kept from a docstring would end one mid-sentence.
    done = run([*([command] if command else []), "--help"], 0, env={"COLUMNS": "1000"})
    lines = _help_lines(done.stdout)
    assert lines, done.stdout
    broken = [line for line in lines if not line.endswith((".", "]"))]
    assert broken == [], done.stdout
    if command in {row[0] for row in SURFACE}:
        assert "--network" in done.stdout


def test_help_at_a_narrow_width_wraps_between_words():
    done = run(["report", "--help"], 0, env={"COLUMNS": "60"})
    prose = " ".join(_help_lines(done.stdout)[:3])
    assert "verdicts and counterexamples, in one HTML file" in prose
    assert all(len(line) <= 60 for line in done.stdout.splitlines())

