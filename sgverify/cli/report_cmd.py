"""`sgverify report --network N [--spec S] -o report.html`: one self-contained HTML report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..explore.html import ReportInput, lint_findings, report_page, resource_exposures
from ..explore.load import load_for_command, write_output
from ..explore.matrix import build_matrix
from ..explore.progress import progress
from ..report.outcome import Summary
from ..run.check import CheckRequest, run_check
from .app import app, run_command
from .check import exit_code, print_warnings
from .exitcodes import EXIT_OK
from .options import NetworkArgument, NetworkOption, network_of


@app.command()
def report(
    output: Annotated[Path, typer.Option("--output", "-o", help="HTML file to write.")],
    positional: NetworkArgument = None,
    network: NetworkOption = None,
    input_format: Annotated[Optional[str], typer.Option(help="Force the network format.")] = None,
    spec: Annotated[list[str], typer.Option(help="Spec to verify and include (repeatable).")] = [],
) -> None:
    """Graph, matrix, exposures, lint findings and (with --spec) verdicts and counterexamples,
    in one HTML file that needs no network access. With --spec, exits like `check`."""

    def body() -> int:
        source = network_of(positional, network)
        net = load_for_command(source, input_format)
        outcomes = ()
        if spec:
            outcomes = tuple(run_check(CheckRequest(specs=tuple(spec), network=source, input_format=input_format)))
            print_warnings(outcomes)
        with progress("matrix") as tick:
            if net.topology is not None:
                from ..explore.path_matrix import build_path_matrix

                matrix = build_path_matrix(net, None, tick)
            else:
                matrix = build_matrix(net, None, tick)
        with progress("exposures") as tick:
            exposures = resource_exposures(net, tick)
        data = ReportInput(net, str(source), matrix, exposures, lint_findings(net), outcomes)
        write_output(report_page(data), output)
        return exit_code(Summary.of(outcomes)) if outcomes else EXIT_OK

    run_command(body)
