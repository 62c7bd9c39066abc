"""`sgverify exposure TARGET`: everything that can reach TARGET (or, --egress, that it reaches)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..explore.exposure import exposure as run_exposure
from ..explore.exposure import render_json, render_text
from ..explore.load import load_for_command, write_output
from ..explore.names import traffic_of
from ..explore.progress import progress
from .app import app, run_command
from .exitcodes import EXIT_OK
from .options import NetworkOption


class Format(str, Enum):
    text = "text"
    json = "json"


@app.command()
def exposure(
    target: Annotated[str, typer.Argument(metavar="TARGET", help="Resource, group (its members), external, CIDR or internet.", show_default=False)],
    network: NetworkOption = None,
    input_format: Annotated[Optional[str], typer.Option(help="Force the network format.")] = None,
    egress: Annotated[bool, typer.Option("--egress", help="What TARGET reaches instead.")] = False,
    protocol: Annotated[Optional[str], typer.Option(help="Only this protocol.")] = None,
    port: Annotated[list[str], typer.Option(help="Only these destination ports (repeatable).")] = [],
    format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.text,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
) -> None:
    """Exact exposure: (source, protocol, ports) regions whose union is the delivered set,
    public sources first, with the rules that admit each."""

    def body() -> int:
        net = load_for_command(network, input_format)
        traffic = traffic_of(protocol, port or None) if (protocol or port) else None
        if net.topology is not None:  # a VPC layer: exposure is a path question
            from ..explore import path_exposure as path

            with progress("exposure") as tick:
                found = path.path_exposure(net, target, egress=egress, traffic=traffic, tick=tick)
            write_output(path.render_json(found) if format is Format.json else path.render_text(found), output)
            return EXIT_OK
        with progress("exposure") as tick:
            result = run_exposure(net, target, egress=egress, traffic=traffic, tick=tick)
        write_output(render_json(result) if format is Format.json else render_text(result), output)
        return EXIT_OK

    run_command(body)
