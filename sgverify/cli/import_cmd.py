"""`sgverify import --network N -o network.yaml` (or `import N`): write what was understood in the native format."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import InputError
from ..inputs import load_network
from ..inputs.native.export import check_round_trip, export_native
from .app import app, run_command
from .options import NetworkArgument, NetworkOption, network_of, parse_parameters
from .exitcodes import EXIT_OK


@app.command("import")
def import_network(
    output: Annotated[str, typer.Option("--output", "-o", help="Native YAML file to write ('-' = stdout).")],
    positional: NetworkArgument = None,
    network: NetworkOption = None,
    input_format: Annotated[Optional[str], typer.Option(
        help="Force the input format: native, aws, terraform-plan, terraform, cloudformation.")] = None,
    parameter: Annotated[list[str], typer.Option(help="CloudFormation parameter KEY=VALUE (repeatable).")] = [],
) -> None:
    """Read a network and write it in the native format, each element commented with its origin."""

    def body() -> int:
        source = network_of(positional, network)
        if not source:
            raise InputError("no network given: pass --network FILE")
        loaded = load_network(source, input_format, parse_parameters(parameter) or None)
        for warning in loaded.warnings:
            print(f"sgverify: {warning}", file=sys.stderr)
        text = export_native(loaded.network)
        check_round_trip(loaded.network, text, output)
        if output == "-":
            sys.stdout.write(text)
            return EXIT_OK
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot write {output!r}: {exc.strerror}") from None
        net = loaded.network
        layer = f", {net.topology.elements()} VPC-layer elements" if net.topology is not None else ""
        print(f"sgverify: wrote {output}: {len(net.groups)} groups, {len(net.resources)} resources{layer}",
              file=sys.stderr)
        return EXIT_OK

    run_command(body)
