"""`sgverify matrix`: resource-by-resource (and externals, internet) reachability."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..explore.load import load_for_command, write_output
from ..explore.matrix import build_matrix, render_csv, render_json, render_text
from ..explore.names import traffic_of
from ..explore.progress import progress
from .app import app, run_command
from .exitcodes import EXIT_OK
from .options import NetworkArgument, NetworkOption, network_of


class Format(str, Enum):
    text = "text"
    csv = "csv"
    json = "json"


RENDER = {Format.text: render_text, Format.csv: render_csv, Format.json: render_json}


@app.command()
def matrix(
    positional: NetworkArgument = None,
    network: NetworkOption = None,
    input_format: Annotated[Optional[str], typer.Option(help="Force the network format.")] = None,
    protocol: Annotated[Optional[str], typer.Option(help="Only this protocol.")] = None,
    port: Annotated[list[str], typer.Option(help="Only these destination ports (repeatable).")] = [],
    format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.text,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
) -> None:
    """Who reaches whom, with what: one row per source, one column per destination."""

    def body() -> int:
        net = load_for_command(network_of(positional, network), input_format)
        traffic = traffic_of(protocol, port or None) if (protocol or port) else None
        with progress("matrix") as tick:
            if net.topology is not None:  # a VPC layer: every cell is decided on the path
                from ..explore.path_matrix import build_path_matrix

                result = build_path_matrix(net, traffic, tick)
            else:
                result = build_matrix(net, traffic, tick)
        write_output(RENDER[format](result), output)
        return EXIT_OK

    run_command(body)
