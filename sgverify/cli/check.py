"""`sgverify check SPEC...`: prove or refute every assertion of the specs."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import InputError
from ..report import jsonout, text
from ..report.outcome import Summary
from ..run.check import CheckRequest, run_check
from ..solve import Options
from .app import app, run_command
from .exitcodes import EXIT_OK, EXIT_UNKNOWN, EXIT_VIOLATED


class Format(str, Enum):
    text = "text"
    json = "json"


def parse_parameters(values: list[str]) -> dict[str, str]:
    out = {}
    for value in values:
        key, sep, val = value.partition("=")
        if not sep or not key:
            raise InputError(f"--parameter expects KEY=VALUE, got {value!r}")
        out[key] = val
    return out


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


@app.command()
def check(
    specs: Annotated[list[Path], typer.Argument(help="Spec files (YAML).", show_default=False)],
    network: Annotated[Optional[str], typer.Option(help="Network to check; overrides each spec's `network:`.")] = None,
    input_format: Annotated[Optional[str], typer.Option(
        help="Force the network format: native, aws, terraform-plan, terraform, cloudformation.")] = None,
    parameter: Annotated[list[str], typer.Option(help="CloudFormation parameter KEY=VALUE (repeatable).")] = [],
    format: Annotated[Format, typer.Option("--format", "-f", help="Report format.")] = Format.text,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the report here.")] = None,
    timeout: Annotated[Optional[float], typer.Option(help="Seconds per assertion; over it = unknown.")] = None,
    stats: Annotated[bool, typer.Option(help="Per-assertion time and solver statistics (json).")] = False,
) -> None:
    """Prove or refute every assertion; exit 0 all hold, 1 violated, 2 bad input, 3 unknown."""

    def body() -> int:
        if timeout is not None and timeout <= 0:
            raise InputError("--timeout must be a positive number of seconds")
        request = CheckRequest(
            specs=tuple(str(s) for s in specs),
            network=network,
            input_format=input_format,
            parameters=parse_parameters(parameter),
            options=Options(timeout=timeout),
        )
        outcomes = run_check(request)
        print_warnings(outcomes)
        rendered = jsonout.render(outcomes, stats) if format is Format.json else text.render(outcomes)
        if output is None:
            sys.stdout.write(rendered)
        else:
            output.write_text(rendered, encoding="utf-8")
        return exit_code(Summary.of(outcomes))

    run_command(body)
