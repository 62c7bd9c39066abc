"""`sgverify infer --network N -o spec.yaml` (or `infer N`): a starter spec that today's network satisfies."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..explore.infer import infer as run_infer
from ..explore.infer import render_spec
from ..explore.load import load_for_command, write_output
from .app import app, run_command
from .exitcodes import EXIT_OK
from .options import NetworkArgument, NetworkOption, network_of


@app.command()
def infer(
    positional: NetworkArgument = None,
    network: NetworkOption = None,
    input_format: Annotated[Optional[str], typer.Option(help="Force the network format.")] = None,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the spec here instead of stdout.")]
    = None,
) -> None:
    """A spec capturing today's behaviour (`only` per exposed resource and port group, `deny` for the
    isolated), which `check` proves on the same network."""

    def body() -> int:
        source = network_of(positional, network)
        net = load_for_command(source, input_format)
        if net.topology is not None:  # a VPC layer: sources narrowed to what the path delivers
            import sys

            from ..explore.infer_path import infer_on_path

            items, dropped = infer_on_path(net)
            for name in dropped:
                print(f"sgverify: warning: left out {name!r}: it does not hold on the VPC path", file=sys.stderr)
        else:
            items = run_infer(net)
        write_output(render_spec(items, source, str(output) if output else None), output)
        return EXIT_OK

    run_command(body)
