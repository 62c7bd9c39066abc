"""`sgverify query --network N --from X --to Y`: is anything delivered, with a witness and its trace."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..explore.load import load_for_command, write_output
from ..explore.names import traffic_of
from ..explore.query import query as run_query
from ..explore.query import render_json, render_text
from .app import app, run_command
from .exitcodes import EXIT_OK, EXIT_UNKNOWN
from .options import NetworkArgument, NetworkOption, network_of


class Format(str, Enum):
    text = "text"
    json = "json"


@app.command()
def query(
    source: Annotated[str, typer.Option("--from", help="Source: resource, group, external, CIDR, any, internet.")],
    destination: Annotated[str, typer.Option("--to", help="Destination (same kinds of names).")],
    positional: NetworkArgument = None,
    network: NetworkOption = None,
    input_format: Annotated[Optional[str], typer.Option(help="Force the network format.")] = None,
    protocol: Annotated[Optional[str], typer.Option(help="tcp, udp, icmp, icmpv6, all or a number.")] = None,
    port: Annotated[list[str], typer.Option(help="Destination port or range (repeatable, or 80,443).")] = [],
    format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.text,
    probes: Annotated[Optional[Path], typer.Option(help="Write a shell script replaying the witness.")] = None,
) -> None:
    """Is anything delivered from X to Y? A witness packet and the full rule trace; for a
    blocked flow, the side that blocks it and the smallest rule that would admit it."""

    def body() -> int:
        net = load_for_command(network_of(positional, network), input_format)
        result = run_query(net, source, destination, traffic_of(protocol, port or None))
        write_output(render_json(result) if format is Format.json else render_text(result), None)
        if probes is not None:
            from ..explore.probes import write_query_probes

            write_query_probes(result, probes)
        return EXIT_UNKNOWN if result.verdict == "unknown" else EXIT_OK

    run_command(body)
