"""`sgverify diff OLD NEW`: what access NEW adds to OLD (and removes), by meaning.

Exit 0 when nothing the gate fails on differs (`--fail-on added` by default:
the "no new access" gate), 1 when something does, 2 on bad input.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..diff.gate import FailOn
from ..diff.run import DiffRequest, diff_chunks, run_diff
from ..explore.progress import progress
from ..gate.outputs import pair, write_all
from .app import app, run_command
from .options import parse_jobs, parse_parameters


class DiffFormat(str, Enum):
    text = "text"
    json = "json"
    sarif = "sarif"
    junit = "junit"
    markdown = "markdown"


@app.command()
def diff(
    old: Annotated[str, typer.Argument(help="The network before (e.g. the live snapshot).", show_default=False)],
    new: Annotated[str, typer.Argument(help="The network after (e.g. a Terraform plan).", show_default=False)],
    source: Annotated[list[str], typer.Option(
        "--from", help="Only packets from this resource, group, external, CIDR, internet (repeatable).")] = [],
    destination: Annotated[list[str], typer.Option(
        "--to", help="Only packets to this resource, group, external, CIDR, internet (repeatable).")] = [],
    protocol: Annotated[Optional[str], typer.Option(help="Only this protocol (tcp, udp, icmp, a number).")] = None,
    ports: Annotated[Optional[str], typer.Option(help="Only these ports, e.g. 22 or 8000-8100,443.")] = None,
    fail_on: Annotated[FailOn, typer.Option(help="Which differences fail the run.")] = FailOn.added,
    input_format: Annotated[Optional[str], typer.Option(
        help="Force both networks' format: native, aws, terraform-plan, terraform, cloudformation.")] = None,
    parameter: Annotated[list[str], typer.Option(help="CloudFormation parameter KEY=VALUE (repeatable).")] = [],
    format: Annotated[list[DiffFormat], typer.Option(
        "--format", "-f", help="Report format (repeatable, paired in order with --output).")] = [],
    output: Annotated[list[Path], typer.Option("--output", "-o", help="Write the report here (repeatable).")] = [],
    soft_fail: Annotated[bool, typer.Option("--soft-fail", help="Report everything but exit 0.")] = False,
    by_profile: Annotated[bool, typer.Option(
        "--by-profile", help="Compare resources with exactly the same groups as one endpoint: one row per pair "
                             "of profiles, not per pair of resources (for large estates).")] = False,
    by_side: Annotated[bool, typer.Option(
        "--by-side", help="Compare what each resource's rules admit with any address: one row per side (ingress, "
                          "egress) that differs, not per pair; fails whenever the pair view would.")] = False,
    jobs: Annotated[str, typer.Option(
        "--jobs", "-j", metavar="N", help="Compare pairs of endpoints in N worker processes (N >= 1).")] = "1",
) -> None:
    """Compare two networks by meaning: added and removed access, as exact regions."""

    def body() -> int:
        destinations = pair([f.value for f in format], list(output))
        path = _path_diff(old, new, input_format, destinations, source or destination, protocol, ports, fail_on)
        if path is not None:
            return 0 if soft_fail else path
        request = DiffRequest(old=old, new=new, sources=tuple(source), destinations=tuple(destination),
                              protocol=protocol, ports=ports, fail_on=fail_on, input_format=input_format,
                              parameters=parse_parameters(parameter), by_profile=by_profile,
                              by_side=by_side, jobs=parse_jobs(jobs), formats=tuple(d.fmt for d in destinations))
        with progress("diff") as tick:
            result = run_diff(request, tick, lambda text: print(f"sgverify: note: {text}", file=sys.stderr))
        for warning in result.warnings:
            print(f"sgverify: {warning}", file=sys.stderr)
        write_all(destinations, lambda fmt: diff_chunks(result, fmt))
        return result.gate.exit_code(soft_fail)

    run_command(body)


def _path_diff(old, new, input_format, destinations, filtered, protocol, ports, fail_on) -> int | None:
    """With a VPC layer on either side the diff is decided on the path (None: no VPC layer)."""
    from ..diff import path_diff as path
    from ..errors import InputError
    from ..explore.load import load_for_command, write_output
    from ..explore.names import traffic_of

    before, after = load_for_command(old, input_format), load_for_command(new, input_format)
    if before.topology is None and after.topology is None:
        return None
    if filtered:
        raise InputError("--from/--to are not supported yet when a network has a VPC layer")
    if any(d.fmt not in ("text", "json") for d in destinations):
        raise InputError("with a VPC layer, diff writes text or json")
    services = traffic_of(protocol, [ports] if ports else None).intervals() if (protocol or ports) else None
    changes = path.path_diff(before, after, services) if services else path.path_diff(before, after)
    for d in destinations or [None]:
        fmt = d.fmt if d else "text"
        text = path.render_json(changes) if fmt == "json" else path.render_text(changes)
        write_output(text, Path(d.path) if d and d.path else None)
    failing = {"added": lambda c: c.added, "removed": lambda c: not c.added, "any": lambda c: True}[fail_on.value]
    return 1 if any(failing(c) for c in changes) else 0
