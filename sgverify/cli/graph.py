"""`sgverify graph --format dot|mermaid|svg|png|html`: the reachability picture."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..explore.graph import render_dot, to_dot, to_mermaid
from ..explore.html import graph_page
from ..explore.load import load_for_command, write_output
from ..explore.matrix import build_matrix
from ..explore.names import traffic_of
from ..explore.progress import progress
from .app import app, run_command
from .exitcodes import EXIT_OK
from .options import NetworkArgument, NetworkOption, network_of


class Format(str, Enum):
    dot = "dot"
    mermaid = "mermaid"
    svg = "svg"
    png = "png"
    html = "html"


@app.command()
def graph(
    positional: NetworkArgument = None,
    network: NetworkOption = None,
    input_format: Annotated[Optional[str], typer.Option(help="Force the network format.")] = None,
    format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.dot,
    protocol: Annotated[Optional[str], typer.Option(help="Only this protocol.")] = None,
    port: Annotated[list[str], typer.Option(help="Only these destination ports (repeatable).")] = [],
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
) -> None:
    """Resources grouped by security group, externals and the internet, an arrow per
    reachable pair; public exposure in red. svg/png need Graphviz's `dot`."""

    def body() -> int:
        net = load_for_command(network_of(positional, network), input_format)
        traffic = traffic_of(protocol, port or None) if (protocol or port) else None
        with progress("graph") as tick:
            if net.topology is not None:  # a VPC layer: arrows are what the path delivers
                from ..explore.path_matrix import build_path_matrix

                result = build_path_matrix(net, traffic, tick)
            else:
                result = build_matrix(net, traffic, tick)
        if net.topology is not None and format not in (Format.mermaid, Format.html):
            from ..explore.graph_vpc import to_dot_vpc

            dot = to_dot_vpc(net, result)
            write_output(dot if format is Format.dot else render_dot(dot, format.value), output)
            return EXIT_OK
        if format is Format.mermaid:
            write_output(to_mermaid(net, result), output)
        elif format is Format.html:
            write_output(graph_page(net, result), output)
        elif format is Format.dot:
            write_output(to_dot(net, result), output)
        else:
            write_output(render_dot(to_dot(net, result), format.value), output)
        return EXIT_OK

    run_command(body)
