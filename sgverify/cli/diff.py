"""`sgverify diff OLD NEW`: what access NEW adds to OLD (and removes), by meaning.

Exit 0 when nothing the gate fails on differs (`--fail-on added` by default:
the "no new access" gate), 1 when something does, 2 on bad input.
"""

from __future__ import annotations

import os
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
from ..run.many import Backend, expand_networks
from .options import SchedulerOption, parse_jobs, parse_parameters


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
    per_resource: Annotated[bool, typer.Option(
        "--per-resource", help="Never group by itself: without --by-profile or --by-side, a row per pair of "
                               "resources even on a large estate (which is otherwise compared by profile and "
                               "by side).")] = False,
    jobs: Annotated[str, typer.Option(
        "--jobs", "-j", metavar="N", help="Compare pairs of endpoints in N worker processes (N >= 1); "
                                          "with many networks, N networks at a time.")] = "1",
    scheduler: SchedulerOption = None,
) -> None:
    """Compare two networks by meaning: added and removed access, as exact regions.

    OLD and NEW may each name many networks (a quoted glob, a folder of snapshot files): the networks
    are paired by name (the part of the path the glob or the folder matched), and each pair is compared
    on its own, in one report.
    """

    def body() -> int:
        destinations = pair([f.value for f in format], list(output))
        olds, news = expand_networks([old]), expand_networks([new])
        if olds.many or news.many or scheduler:
            from ..run.many_diff import DiffJob

            job = DiffJob(None, None, tuple(d.fmt for d in destinations), tuple(source), tuple(destination),
                          protocol, ports, fail_on.value, input_format, parse_parameters(parameter),
                          by_profile, by_side, os.getcwd())
            return diff_many(olds, news, job, Backend(parse_jobs(jobs), scheduler or None),
                             destinations, soft_fail, many=olds.many or news.many)
        path = _path_diff(old, new, input_format, destinations, source or destination, protocol, ports, fail_on)
        if path is not None:
            return 0 if soft_fail else path
        request = DiffRequest(old=old, new=new, sources=tuple(source), destinations=tuple(destination),
                              protocol=protocol, ports=ports, fail_on=fail_on, input_format=input_format,
                              parameters=parse_parameters(parameter), by_profile=by_profile,
                              by_side=by_side, per_resource=per_resource, jobs=parse_jobs(jobs),
                              formats=tuple(d.fmt for d in destinations))
        with progress("diff") as tick:
            result = run_diff(request, tick, lambda text: print(f"sgverify: note: {text}", file=sys.stderr))
        for warning in result.warnings:
            print(f"sgverify: {warning}", file=sys.stderr)
        write_all(destinations, lambda fmt: diff_chunks(result, fmt))
        return result.gate.exit_code(soft_fail)

    run_command(body)


def _path_diff(old, new, input_format, destinations, filtered, protocol, ports, fail_on) -> int | None:
    """With a VPC layer on either side the diff is decided on the path (None: no VPC layer)."""
    from ..explore.load import load_for_command, write_output
    from ..run.many_diff import path_reports

    before, after = load_for_command(old, input_format), load_for_command(new, input_format)
    found = path_reports(before, after, [d.fmt for d in destinations] or ["text"], filtered, protocol, ports,
                         fail_on.value)
    if found is None:
        return None
    reports, fails = found
    for d in destinations or [None]:
        write_output(reports[d.fmt if d else "text"], Path(d.path) if d and d.path else None)
    return 1 if fails else 0


def diff_many(olds, news, job, backend, destinations, soft_fail: bool, many: bool = True) -> int:
    """Each pair of networks compared on its own, one report for all (exit codes as for check
    over many networks: 2 when a pair could not be compared). many=False: one pair, sent to
    the cluster, and its own report written as `diff` writes it."""
    from dataclasses import replace

    from ..errors import InputError
    from ..report import networks
    from ..run.many import run_each
    from ..run.many_diff import diff_pair, pair_by_name
    from .exitcodes import EXIT_INPUT
    from .many_networks import MANY_FORMATS, warn_outside

    if many and any(d.fmt not in MANY_FORMATS for d in destinations):
        raise InputError(f"a diff over many networks writes {', '.join(MANY_FORMATS)}")
    jobs = [replace(job, old=o, new=n, formats=tuple(dict.fromkeys(job.formats or ("text",))))
            for o, n in (pair_by_name(olds, news) if many else [(olds.paths[0], news.paths[0])])]
    with progress("diff") as tick:
        if many:
            from ..run.many_diff import diff_all

            pairs = diff_all(olds, news, jobs[0], backend, tick)
        else:
            pairs = run_each(diff_pair, jobs, backend, tick)
    for found in pairs:
        for diagnostic in found.errors if many else ():
            print(f"sgverify: network {found.name.label} not compared: {diagnostic}", file=sys.stderr)
        for warning in found.warnings:
            print(f"sgverify: {warning}", file=sys.stderr)
        warn_outside(found.name.path, found.outside, found.joinable)
    errors = {p.name.path: [str(d) for d in p.errors] for p in pairs if p.errors}
    if not many:
        if errors:
            raise InputError(list(pairs[0].errors))
        write_all(destinations, lambda fmt: pairs[0].reports[fmt])
        return 0 if soft_fail or not pairs[0].fails else 1

    def render(fmt: str) -> str:
        if fmt == "text":
            return networks.render_diff_text(pairs)
        if fmt == "json":
            return networks.render_diff_json(pairs)
        merge = networks.merge_sarif if fmt == "sarif" else networks.merge_junit
        return merge([(p.name, None if p.errors else p.reports[fmt]) for p in pairs], errors)

    write_all(destinations, render)
    if errors:
        return EXIT_INPUT
    return 0 if soft_fail or not any(p.fails for p in pairs) else 1
