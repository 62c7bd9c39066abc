"""`sgverify lint --network N` (or `lint N`): shadowed rules, split exposures, open admin ports, quotas..."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..explore.lint import Level, at_or_above, lint as run_lint, render_json, render_text
from ..explore.load import load_for_command, write_output
from .app import app, run_command
from .exitcodes import EXIT_OK, EXIT_VIOLATED
from ..run.many import Backend, expand_networks
from .many_networks import lint_many, lint_one
from .options import NetworkArgument, NetworksOption, SchedulerOption, networks_of, parse_jobs


class Format(str, Enum):
    text = "text"
    json = "json"


@app.command()
def lint(
    positional: NetworkArgument = None,
    network: NetworksOption = [],
    input_format: Annotated[Optional[str], typer.Option(help="Force the network format.")] = None,
    fail_on: Annotated[Level, typer.Option("--fail-on", help="Exit 1 on a finding at or above this severity.")]
    = Level.ERROR,
    format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.text,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
    jobs: Annotated[str, typer.Option(
        "--jobs", "-j", metavar="N", help="With many networks, lint them in N worker processes (N >= 1).")] = "1",
    scheduler: SchedulerOption = None,
) -> None:
    """Findings with locations and fingerprints; exit 0 none at or above --fail-on, 1 some, 2 bad input."""

    def body() -> int:
        networks = expand_networks(networks_of(positional, network))
        backend = Backend(parse_jobs(jobs), scheduler or None)
        if networks.many:
            text, code = lint_many(networks.paths, input_format, backend, format.value, fail_on)
            write_output(text, output)
            return code
        path = networks.paths[0] if networks.paths else None
        if backend.scheduler and path:
            findings = lint_one(path, input_format, backend)
        else:
            findings = run_lint(load_for_command(path, input_format))
        write_output(render_json(findings) if format is Format.json else render_text(findings), output)
        return EXIT_VIOLATED if at_or_above(findings, fail_on) else EXIT_OK

    run_command(body)
