"""`sgverify check SPEC...`: prove or refute every assertion of the specs."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import InputError
from ..explore.progress import progress
from ..gate.check import gate_check
from ..gate.outputs import pair, write_all
from ..gate.render import render_check
from ..report.outcome import Summary
from ..run.check import CheckRequest
from ..run.many import Backend, expand_networks
from ..solve import Options
from .app import app, run_command
from .exitcodes import EXIT_OK, EXIT_UNKNOWN, EXIT_VIOLATED
from .many_networks import check_many, check_one
from .options import (CheckNetworksOption, SchedulerOption, parse_client_ports, parse_jobs, parse_layers,
                      parse_parameters)


class Format(str, Enum):
    text = "text"
    json = "json"
    sarif = "sarif"
    junit = "junit"
    markdown = "markdown"


def exit_code(summary: Summary) -> int:
    if summary.violated:
        return EXIT_VIOLATED
    if summary.unknown:
        return EXIT_UNKNOWN
    return EXIT_OK


def print_warnings(outcomes) -> None:
    for outcome in outcomes:
        for warning in outcome.warnings:
            print(f"sgverify: {warning}", file=sys.stderr)
    # Said once per network: without a VPC layer nothing but the groups decides.
    for source in dict.fromkeys(o.network_source for o in outcomes if not o.vpc_layer):
        print(f"sgverify: note: {source} has no VPC layer (subnets, routes, NACLs, gateways): "
              f"verdicts are decided by security groups alone", file=sys.stderr)


@app.command()
def check(
    specs: Annotated[list[Path], typer.Argument(metavar="SPEC", help="Spec files (YAML).", show_default=False)],
    network: CheckNetworksOption = [],
    input_format: Annotated[Optional[str], typer.Option(
        help="Force the network format: native, aws, terraform-plan, terraform, cloudformation.")] = None,
    parameter: Annotated[list[str], typer.Option(help="CloudFormation parameter KEY=VALUE (repeatable).")] = [],
    format: Annotated[list[Format], typer.Option(
        "--format", "-f", help="Report format (repeatable; the i-th goes to the i-th --output, "
                               "one left over goes to stdout).")] = [],
    output: Annotated[list[Path], typer.Option(
        "--output", "-o", help="Write the report here (repeatable, paired in order with --format).")] = [],
    timeout: Annotated[Optional[float], typer.Option(help="Seconds per assertion; over it = unknown.")] = None,
    jobs: Annotated[str, typer.Option(
        "--jobs", "-j", metavar="N", help="Check assertions in N worker processes (N >= 1).")] = "1",
    stats: Annotated[bool, typer.Option(help="Per-assertion time and solver statistics (json).")] = False,
    soft_fail: Annotated[bool, typer.Option(
        "--soft-fail", help="Report everything but exit 0 (shadow mode while adopting the tool).")] = False,
    suggest_fix: Annotated[bool, typer.Option(
        "--suggest-fix", help="For each violated assertion, the smallest change that makes the spec hold (stderr).")] = False,
    probes: Annotated[Optional[Path], typer.Option(
        help="Write a shell script replaying every counterexample from its source host.")] = None,
    layers: Annotated[Optional[str], typer.Option(
        help="With a VPC layer: all (the whole path, the default) or security-groups (groups alone).")] = None,
    client_ports: Annotated[Optional[str], typer.Option(
        help="Client port range replies go back to, for allow (default 1024-65535; Linux: 32768-60999).")] = None,
    scheduler: SchedulerOption = None,
) -> None:
    """Prove or refute every assertion; exit 0 all hold, 1 violated, 2 bad input, 3 unknown."""

    def body() -> int:
        if timeout is not None and timeout <= 0:
            raise InputError("--timeout must be a positive number of seconds")
        networks = expand_networks(network)
        request = CheckRequest(
            specs=tuple(str(s) for s in specs),
            network=networks.paths[0] if networks.paths else None,
            input_format=input_format,
            parameters=parse_parameters(parameter),
            options=Options(timeout=timeout, jobs=parse_jobs(jobs), solver_statistics=stats,
                            layers=parse_layers(layers), client_ports=parse_client_ports(client_ports)),
        )
        destinations = pair([f.value for f in format], list(output))
        backend = Backend(request.options.jobs, scheduler or None)
        if networks.many:
            return check_many(request, networks.paths, backend, destinations,
                              with_stats=stats, soft_fail=soft_fail, extras=probes is not None or suggest_fix)
        with progress("check") as tick:
            outcomes = check_one(request, backend, tick)
        print_warnings(outcomes)
        report = gate_check(outcomes)
        for warning in report.warnings:
            print(f"sgverify: {warning}", file=sys.stderr)
        write_all(destinations, lambda fmt: render_check(report, fmt, stats))
        if probes is not None:
            from ..explore.probes import write_probes

            write_probes(outcomes, probes)
        if suggest_fix:
            from ..explore.repair import print_fixes

            print_fixes(request, outcomes)
        return report.exit_code(soft_fail)

    run_command(body)
