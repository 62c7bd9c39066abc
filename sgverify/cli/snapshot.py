"""`sgverify snapshot -o FILE`: describe a Region's groups, their members and the VPC path layer into one file."""

from __future__ import annotations

import os
import sys
from typing import Annotated, Optional

import typer

from ..errors import InputError
from ..inputs.aws.pull import PullOptions, take_snapshot, write_snapshot
from .app import app, run_command
from .exitcodes import EXIT_OK


@app.command()
def snapshot(
    output: Annotated[str, typer.Option("--output", "-o", help="Snapshot file to write ('-' = stdout).")],
    profile: Annotated[Optional[str], typer.Option(help="AWS profile (default: the usual AWS chain).")] = None,
    region: Annotated[Optional[str], typer.Option(help="AWS Region (default: the profile's).")] = None,
    endpoint_url: Annotated[Optional[str], typer.Option(help="EC2 endpoint URL (e.g. a local test server).")] = None,
    vpc_id: Annotated[list[str], typer.Option(help="Only this VPC (repeatable; default: every VPC).")] = [],
    progress: Annotated[Optional[bool], typer.Option(
        help="Show progress (default: when stderr is a terminal).")] = None,
) -> None:
    """Take a snapshot (security groups, network interfaces, VPCs, subnets, route tables, network ACLs,
    gateways, peerings, transit gateways, endpoints, prefix lists) for `check --network`."""

    def body() -> int:
        folder = os.path.dirname(os.path.abspath(output))
        if output != "-" and not os.path.isdir(folder):
            raise InputError(f"cannot write {output}: folder {folder} does not exist")
        options = PullOptions(
            profile=profile, region=region, endpoint_url=endpoint_url, vpc_ids=tuple(vpc_id),
            progress=sys.stderr.isatty() if progress is None else progress)
        taken = take_snapshot(options)
        for note in taken.skipped:
            print(f"sgverify: warning: left out {note}", file=sys.stderr)
        write_snapshot(taken, output)
        if output != "-":
            print(f"sgverify: wrote {output}: {taken.summary()}", file=sys.stderr)
        return EXIT_OK

    run_command(body)
