"""`sgverify fix SPEC... [--network N] -o OUT`: the smallest change of rules, NACL entries and
routes that makes every assertion hold, written in the input's own format and proved on what
was written."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..explore.load import write_output
from .app import app, run_command
from .exitcodes import EXIT_OK, EXIT_VIOLATED
from .options import NetworkOption, parse_parameters


class FixFormat(str, Enum):
    own = "own"
    diff = "diff"


@app.command()
def fix(
    specs: Annotated[list[Path], typer.Argument(metavar="SPEC", help="Spec files (YAML).", show_default=False)],
    network: NetworkOption = None,
    input_format: Annotated[Optional[str], typer.Option(
        help="Force the network format: native, terraform or cloudformation.")] = None,
    parameter: Annotated[list[str], typer.Option(help="CloudFormation parameter KEY=VALUE (repeatable).")] = [],
    output: Annotated[Optional[Path], typer.Option(
        "--output", "-o", help="Write the repaired network (native input) or the patch (Terraform, "
                               "CloudFormation) here instead of stdout.")] = None,
    format: Annotated[FixFormat, typer.Option(
        "--format", "-f", help="own: the input's own format (a native file, or a patch of the .tf files or the "
                               "template); diff: a unified diff for any input.")] = FixFormat.own,
) -> None:
    """Find the cheapest edit of security-group rules (narrow, remove, add), NACL entries (narrow,
    remove, deny before, add) and routes (remove, add) that makes every assertion of the specs hold,
    write it in the input's format and prove every assertion again on a patched copy; exit 0 fixed,
    1 no fix within the search bounds, 2 bad input."""

    def body() -> int:
        from ..repair.run import FixRequest, run_fix

        request = FixRequest(specs=tuple(str(s) for s in specs), network=network, input_format=input_format,
                             parameters=parse_parameters(parameter))
        outcome = run_fix(request)
        for warning in outcome.prepared.warnings:
            print(f"sgverify: {warning}", file=sys.stderr)
        if outcome.written is None:
            for reason in outcome.reasons:
                print(f"sgverify: {reason}", file=sys.stderr)
            return EXIT_VIOLATED
        _describe(outcome)
        write_output(_text(outcome, format), output)
        return EXIT_OK

    run_command(body)


def _text(outcome, format: FixFormat) -> str:
    written, network = outcome.written, outcome.prepared.network
    if format is FixFormat.diff or network.input_format != "native":
        return written.diff()
    new = written.texts().get(network.source)
    return new if new is not None else Path(network.source).read_text(encoding="utf-8")


def _describe(outcome) -> None:
    source = outcome.prepared.network_path
    if not outcome.edits:
        print(f"sgverify: nothing to change in {source}: every assertion already holds", file=sys.stderr)
        return
    for edit in outcome.edits:
        where = f" ({edit.target.origin})" if edit.target is not None else ""
        print(f"sgverify: change: {edit.why}{where}", file=sys.stderr)
    print(f"sgverify: {len(outcome.edits)} change(s) to {source}; every assertion of "
          f"{len(outcome.prepared.documents)} spec(s) proved on {outcome.proved_on}", file=sys.stderr)
