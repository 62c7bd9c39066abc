"""The command-line side of a run over many networks (check and lint; see run/many.py).

AWS networks joined by a peering or a transit gateway across files are
analysed together (run/components.py): one unit of work per component.

Exit codes: the usual ones over all networks together (1 if any network has
a failing violation, else 3 if any has an unknown, else 0), except that a
network that could not be checked (bad input) makes the run exit 2, after
the whole report is written and even with --soft-fail: a run that left a
network unchecked has not shown what was asked, as with one bad network.
"""

from __future__ import annotations

import os
import sys
from collections import Counter

from ..errors import Diagnostic, InputError
from ..explore.progress import progress
from ..gate.check import gate_check
from ..gate.outputs import Destination, write_all
from ..report.outcome import SpecOutcome
from ..run.check import CheckRequest, run_check
from ..run.components import Plan, plan
from ..run.many import Backend, CheckJob, LintJob, check_network, lint_network, run_each
from .exitcodes import EXIT_INPUT

MANY_FORMATS = ("text", "json", "sarif", "junit")


def _job(request: CheckRequest, path: str | None) -> CheckJob:
    return CheckJob(path, request.specs, request.input_format, dict(request.parameters), request.options,
                    cwd=os.getcwd())


def check_one(request: CheckRequest, backend: Backend, tick) -> list[SpecOutcome]:
    """One network: here as always, or as one task on the Dask cluster."""
    if not backend.scheduler:
        return run_check(request, tick=tick)
    found = run_each(check_network, [_job(request, request.network)], backend, tick)[0]
    if found.errors:
        raise InputError(list(found.errors))
    return list(found.outcomes)


def check_many(request: CheckRequest, paths: tuple[str, ...], backend: Backend, destinations: list[Destination],
               with_stats: bool, soft_fail: bool, extras: bool) -> int:
    from ..gate.exit import decide

    from dataclasses import replace

    from ..run.joined import check_group

    _refuse(destinations, extras)
    _read_specs(request.specs)
    joined = _plan(paths, request.input_format)
    jobs = [replace(_job(request, group[0]), joined=group if len(group) > 1 else ()) for group in joined.groups]
    with progress("check") as tick:
        checks = joined.order(paths, run_each(check_group, jobs, backend, tick))
    _say_what_each_network_left(checks, joined)
    reports = [(check, gate_check(list(check.outcomes))) for check in checks]
    _waiver_warnings([report for check, report in reports if check.checked])
    write_all(destinations, lambda fmt: _render(reports, fmt, with_stats))
    if any(not check.checked for check in checks):
        return EXIT_INPUT
    return decide(sum(r.failing for _, r in reports), sum(r.unknown for _, r in reports), soft_fail)


def _refuse(destinations: list[Destination], extras: bool) -> None:
    if extras:
        raise InputError("--probes and --suggest-fix work on one network: run them on the network "
                         "the many-network report names")
    for destination in destinations:
        if destination.fmt not in MANY_FORMATS:
            raise InputError(f"a run over many networks writes {', '.join(MANY_FORMATS)}, "
                             f"not {destination.fmt}")


def _read_specs(specs: tuple[str, ...]) -> None:
    """A bad spec is bad for every network: said once, and nothing is checked."""
    from ..spec.parse import load_spec

    errors: list[Diagnostic] = []
    for path in specs:
        try:
            load_spec(path)
        except InputError as error:
            errors += error.diagnostics
    if errors:
        raise InputError(errors)


def _plan(paths: tuple[str, ...], input_format: str | None) -> Plan:
    """Which networks are analysed together; a link not followed is said once."""
    found = plan(paths, input_format)
    for note in found.notes:
        print(f"sgverify: note: {note}", file=sys.stderr)
    return found


def _say_what_each_network_left(checks, joined: Plan) -> None:
    """Warnings, one line each; a network not checked; references to other files; one
    line for all the networks without a VPC layer."""
    bare = []
    for note in dict.fromkeys(n for check in checks for n in check.notes):
        print(f"sgverify: warning: {note}", file=sys.stderr)
    for check in checks:
        for diagnostic in check.errors:
            print(f"sgverify: network {check.name.label} not checked: {diagnostic}", file=sys.stderr)
        for outcome in check.outcomes:
            for warning in outcome.warnings:
                print(f"sgverify: {warning}", file=sys.stderr)
        warn_outside(check.name.path, check.outside, check.name.path in joined.joinable)
        if check.outcomes and not all(o.vpc_layer for o in check.outcomes):
            bare.append(check.name.path)
    if bare:
        which = bare[0] if len(bare) == 1 else f"{len(bare)} of {len(checks)} networks"
        print(f"sgverify: note: {which} {'has' if len(bare) == 1 else 'have'} no VPC layer (subnets, routes, "
              f"NACLs, gateways): verdicts are decided by security groups alone", file=sys.stderr)


def warn_outside(path: str, outside: tuple[str, ...], joinable: bool = False) -> None:
    """One line for the references that lead outside; `joinable`: an AWS network, which would
    have been joined with a file of the run holding the other end."""
    if outside:
        more = f" and {len(outside) - 1} more" if len(outside) > 1 else ""
        why = ("in no file of this run (what lies beyond is a free choice)" if joinable else
               "outside this file, and networks are not joined across files (each file is checked on its own)")
        print(f"sgverify: warning: {path}: {outside[0]}{more}: {why}", file=sys.stderr)


def _waiver_warnings(reports) -> None:
    """A waiver that matches nothing in any network (not: in some network)."""
    counts = Counter(str(w) for report in reports for w in report.warnings)
    for text, count in counts.items():
        if count == len(reports):
            print(f"sgverify: {text}", file=sys.stderr)


def _render(reports, fmt: str, with_stats: bool) -> str:
    from ..gate.render import render_check
    from ..report import networks

    errors = {check.name.path: [str(d) for d in check.errors] for check, _ in reports if not check.checked}
    if fmt == "text":
        return networks.render_text(reports)
    rendered = [(check, render_check(report, fmt, with_stats) if check.checked else None)
                for check, report in reports]
    if fmt == "json":
        return networks.render_json(rendered)
    merge = networks.merge_sarif if fmt == "sarif" else networks.merge_junit
    return merge([(check.name, text) for check, text in rendered], errors)


# -- lint ---------------------------------------------------------------------------

def lint_one(path: str, input_format: str | None, backend: Backend) -> list:
    """One network's findings, linted on the Dask cluster."""
    entry = run_each(lint_network, [LintJob(path, input_format, os.getcwd())], backend)[0]
    if entry.errors:
        raise InputError(list(entry.errors))
    for warning in entry.warnings:
        print(f"sgverify: {warning}", file=sys.stderr)
    return list(entry.findings)


def lint_many(paths: tuple[str, ...], input_format: str | None, backend: Backend, fmt: str, fail_on) -> tuple[str, int]:
    """The report and the exit code of linting every network."""
    from ..explore.lint import at_or_above
    from ..report.networks import render_lint_json, render_lint_text
    from .exitcodes import EXIT_OK, EXIT_VIOLATED

    from ..run.joined import lint_group

    joined = _plan(paths, input_format)
    jobs = [LintJob(group[0], input_format, os.getcwd(), group if len(group) > 1 else ()) for group in joined.groups]
    with progress("lint") as tick:
        linted = joined.order(paths, run_each(lint_group, jobs, backend, tick))
    for note in dict.fromkeys(n for entry in linted for n in entry.notes):
        print(f"sgverify: warning: {note}", file=sys.stderr)
    for entry in linted:
        for diagnostic in entry.errors:
            print(f"sgverify: network {entry.name.label} not checked: {diagnostic}", file=sys.stderr)
        for warning in entry.warnings:
            print(f"sgverify: {warning}", file=sys.stderr)
        warn_outside(entry.name.path, entry.outside, entry.name.path in joined.joinable)
    text = render_lint_json(linted) if fmt == "json" else render_lint_text(linted)
    if any(entry.errors for entry in linted):
        return text, EXIT_INPUT
    return text, EXIT_VIOLATED if any(at_or_above(entry.findings, fail_on) for entry in linted) else EXIT_OK
