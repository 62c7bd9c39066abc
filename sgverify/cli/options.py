"""Options several commands share, parsed by hand so that a bad value is one line
(exit 2) like every input error.

One convention for the network a command reads: `--network N` on every such
command; a command with no other positional argument takes it positionally too
(`sgverify lint N`), and giving both is an error unless they agree.
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from ..errors import InputError

NETWORK_HELP = "Network file or folder (native YAML, AWS JSON, Terraform plan or .tf folder, CloudFormation)."
NetworkOption = Annotated[Optional[str], typer.Option("--network", help=NETWORK_HELP, show_default=False)]
NetworkArgument = Annotated[Optional[str], typer.Argument(
    metavar="NETWORK", help="The network, as with --network.", show_default=False)]


NETWORKS_HELP = ("Network file or folder; repeat it, give a quoted glob ('snaps/*.json') or a folder of "
                 "snapshot files to run over many networks, each verdict naming its network.")
NetworksOption = Annotated[list[str], typer.Option("--network", help=NETWORKS_HELP, show_default=False)]
CheckNetworksOption = Annotated[list[str], typer.Option(
    "--network", help=NETWORKS_HELP + " Overrides each spec's `network:`.", show_default=False)]
SchedulerOption = Annotated[Optional[str], typer.Option(
    "--scheduler", metavar="ADDRESS", envvar="DASK_SCHEDULER_ADDRESS", show_envvar=False,
    help="Run each network's work on this Dask scheduler (tcp://HOST:PORT; default: "
         "$DASK_SCHEDULER_ADDRESS); without it, local processes (--jobs).", show_default=False)]


def networks_of(positional: str | None, options: list[str]) -> list[str]:
    """The networks given as NETWORK and/or --network (repeatable)."""
    if positional is not None and options and set(options) != {positional}:
        shown = options[0] if len(options) == 1 else options
        raise InputError(f"two networks given, {positional!r} and --network {shown!r}: give one")
    return list(options) or ([positional] if positional is not None else [])


def network_of(positional: str | None, option: str | None) -> str | None:
    """The network given as NETWORK or --network (None: neither)."""
    if positional is not None and option is not None and positional != option:
        raise InputError(f"two networks given, {positional!r} and --network {option!r}: give one")
    return option if option is not None else positional


def parse_parameters(values: list[str]) -> dict[str, str]:
    out = {}
    for value in values:
        key, sep, val = value.partition("=")
        if not sep or not key:
            raise InputError(f"--parameter expects KEY=VALUE, got {value!r}")
        out[key] = val
    return out


def parse_jobs(value: str) -> int:
    try:
        jobs = int(value.strip())
    except ValueError:
        jobs = 0
    if jobs < 1:
        raise InputError(f"--jobs expects a whole number of processes, at least 1; got {value!r}")
    return jobs


def parse_layers(value: str | None) -> str | None:
    if value is None or value in ("all", "security-groups"):
        return value
    raise InputError(f"--layers must be all or security-groups, not {value!r}")


def parse_client_ports(value: str | None) -> tuple[int, int] | None:
    """`--client-ports 32768-60999` -> (32768, 60999)."""
    if value is None:
        return None
    lo, _, hi = value.partition("-")
    try:
        first, last = int(lo), int(hi or lo)
    except ValueError:
        raise InputError(f"--client-ports must be a port range such as 32768-60999, not {value!r}") from None
    if not 0 <= first <= last <= 65535:
        raise InputError(f"--client-ports must be a range within 0-65535, not {value!r}")
    return first, last
