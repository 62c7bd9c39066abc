"""`sgverify snapshot -o FILE|DIR`: describe a Region's groups, their members and the VPC path layer
into one file, or many accounts and Regions into one file each."""

from __future__ import annotations

import os
import sys
from typing import Annotated, Optional

import typer

from ..errors import InputError
from ..inputs.aws.accounts import EXTERNAL_ID, ROLE_NAME, SESSION_NAME, check_account_id, read_accounts_file
from ..inputs.aws.fleet import FleetOptions, take_snapshots
from ..inputs.aws.pull import PullOptions, take_snapshot, write_snapshot
from .app import app, run_command
from .exitcodes import EXIT_OK
from .options import parse_jobs

# Snapshots of many accounts or Regions: some failed, the others are written.
EXIT_SOME_FAILED = 1


@app.command()
def snapshot(
    output: Annotated[str, typer.Option("--output", "-o", metavar="FILE|DIR", help=(
        "Snapshot file to write ('-' = stdout); with accounts or several Regions, a folder "
        "that gets ACCOUNT/REGION.json."))],
    profile: Annotated[Optional[str], typer.Option(help="AWS profile (default: the usual AWS chain).")] = None,
    region: Annotated[list[str], typer.Option(
        metavar="REGION", help=(
            "AWS Region (repeatable; default: the profile's); 'all': every Region enabled for each account "
            "(ec2:DescribeRegions, asked in the profile's Region, else us-east-1)."))] = [],
    account: Annotated[list[str], typer.Option(
        metavar="ACCOUNT", help="Account to snapshot through --role-name (repeatable).")] = [],
    accounts_file: Annotated[Optional[str], typer.Option(
        metavar="FILE", help="File of account ids, one a line (# comments).")] = None,
    organization: Annotated[bool, typer.Option(
        "--organization", help="Every active account of the AWS Organization (organizations:ListAccounts).")] = False,
    exclude_account: Annotated[list[str], typer.Option(
        metavar="ACCOUNT", help="Leave this account out (repeatable).")] = [],
    role_name: Annotated[Optional[str], typer.Option(
        metavar="NAME", help="Role assumed in each account: arn:aws:iam::ACCOUNT:role/NAME.")] = None,
    session_name: Annotated[str, typer.Option(
        "--session-name", "--role-session-name", metavar="NAME",
        help="Role session name (shown in CloudTrail).")] = "sgverify-snapshot",
    external_id: Annotated[Optional[str], typer.Option(
        metavar="ID", help="External id given to sts:AssumeRole, when the role's trust policy asks for one.")] = None,
    jobs: Annotated[str, typer.Option("--jobs", "-j", metavar="N", help=(
        "Take N account-Region snapshots at a time (N >= 1)."))] = "4",
    endpoint_url: Annotated[Optional[str], typer.Option(help="EC2 endpoint URL (e.g. a local test server).")] = None,
    vpc_id: Annotated[list[str], typer.Option(
        metavar="VPC", help="Only this VPC (repeatable; default: every VPC).")] = [],
    progress: Annotated[Optional[bool], typer.Option(
        help="Show progress (default: when stderr is a terminal).")] = None,
) -> None:
    """Take a snapshot (security groups, network interfaces, VPCs, subnets, route tables, network ACLs,
    gateways, peerings, transit gateways, endpoints, prefix lists) for `check --network`.

    With --account, --accounts-file or --organization, and --role-name, each account is read through
    that role (with --external-id if its trust policy asks for one); with those, with several --region
    or with --region all, -o names a folder and each account and Region is written to
    DIR/ACCOUNT/REGION.json. A pair that fails is reported in one line and the others are
    still written: the exit code is then 1 (2: bad usage, or nothing could start)."""

    def body() -> int:
        show = sys.stderr.isatty() if progress is None else progress
        pull = PullOptions(profile=profile, region=region[0] if region else None, endpoint_url=endpoint_url,
                           vpc_ids=tuple(vpc_id), progress=show)
        accounts = [check_account_id(a, "--account") for a in account]
        if accounts_file is not None:
            accounts += read_accounts_file(accounts_file)
        named = bool(accounts or organization)
        if named and role_name is None:
            raise InputError("--account, --accounts-file and --organization need --role-name, the role to "
                             "assume in each account")
        if not named and (role_name is not None or exclude_account):
            raise InputError(f"{'--role-name' if role_name else '--exclude-account'} needs the accounts: "
                             f"--account, --accounts-file or --organization")
        if external_id is not None and role_name is None:
            raise InputError("--external-id needs --role-name, the role whose trust policy asks for it")
        every = _all_regions(region)
        if not named and len(region) <= 1 and not every:
            return _one(output, pull)
        _check_names(role_name, session_name, external_id)
        return _many(output, show, FleetOptions(
            regions=() if every else tuple(dict.fromkeys(region)), all_regions=every, accounts=tuple(accounts),
            organization=organization, excluded=tuple(check_account_id(a, "--exclude-account")
                                                      for a in exclude_account),
            role_name=role_name, session_name=session_name, external_id=external_id, jobs=parse_jobs(jobs),
            pull=pull))

    run_command(body)


def _one(output: str, pull: PullOptions) -> int:
    folder = os.path.dirname(os.path.abspath(output))
    if output != "-" and not os.path.isdir(folder):
        raise InputError(f"cannot write {output}: folder {folder} does not exist")
    taken = take_snapshot(pull)
    for note in taken.skipped:
        print(f"sgverify: warning: left out {note}", file=sys.stderr)
    write_snapshot(taken, output)
    if output != "-":
        print(f"sgverify: wrote {output}: {taken.summary()}", file=sys.stderr)
    return EXIT_OK


def _many(output: str, show: bool, options: FleetOptions) -> int:
    if output == "-" or (os.path.exists(output) and not os.path.isdir(output)):
        raise InputError(f"-o {output}: many accounts or Regions are written to a folder, one file each")
    result = take_snapshots(options, output, lambda line: print(f"sgverify: {line}", file=sys.stderr), show)
    failed = f"; {len(result.failed)} failed" if result.failed else ""
    if result.unlisted:
        failed += f"; the enabled Regions of {len(result.unlisted)} account(s) could not be listed"
    print(f"sgverify: {len(result.written)} of {result.targets} account-Region snapshots written to "
          f"{output}{failed}", file=sys.stderr)
    return EXIT_OK if result.complete else EXIT_SOME_FAILED


def _all_regions(region: list[str]) -> bool:
    """Whether --region asks for every enabled Region; 'all' stands alone."""
    if "all" not in region:
        return False
    if len(set(region)) > 1:
        raise InputError("--region all takes every enabled Region: give no other --region with it")
    return True


def _check_names(role_name: str | None, session_name: str, external_id: str | None = None) -> None:
    if role_name is not None and not ROLE_NAME.fullmatch(role_name):
        raise InputError(f"--role-name {role_name!r}: a role name is 1 to 64 letters, digits or +=,.@_-")
    if not SESSION_NAME.fullmatch(session_name):
        raise InputError(f"--session-name {session_name!r}: 2 to 64 letters, digits or +=,.@_-")
    if external_id is not None and not EXTERNAL_ID.fullmatch(external_id):
        # The id itself is left unsaid: some treat it as a shared secret.
        raise InputError("--external-id: 2 to 1224 letters, digits or +=,.@:/_-")
