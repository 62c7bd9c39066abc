"""Snapshots of many accounts and Regions: one file per account and Region.

`take_snapshots` pulls every (account, Region) pair on a few threads (the work
is waiting for AWS), each through `describe_region` with the credentials of a
role assumed in its account, and writes FOLDER/ACCOUNT/REGION.json atomically
as soon as that pair is complete. A pair that fails (the role cannot be
assumed, a needed call is denied, the Region does not answer) is reported in
one line and written nowhere; the others go on. An account that fails to be
assumed is reported once, not once per Region. With every Region
(`all_regions`), each account's enabled Regions are first asked of that
account; an account that cannot say (DescribeRegions denied) is one line and
is still taken in the Region that was asked.
"""

from __future__ import annotations

import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

from .accounts import RoleCredentials, SharedSession, caller_account, in_order, organization_accounts
from .enabled_regions import DEFAULT_HOME, enabled_regions
from .pull import PullOptions, SnapshotError, _boto3, aws_errors, describe_region, ec2_client, write_snapshot

# Codes with which AWS refuses a Region that is not enabled for the account (an opt-in Region).
_REGION_REFUSED = ("AuthFailure", "UnrecognizedClientException", "InvalidClientTokenId")


@dataclass(frozen=True)
class FleetOptions:
    regions: tuple[str, ...] = ()  # empty: the profile's Region
    all_regions: bool = False  # every Region enabled for each account, instead of `regions`
    accounts: tuple[str, ...] = ()  # given on the command line or in a file
    organization: bool = False  # and every active account of the organization
    excluded: tuple[str, ...] = ()
    role_name: str | None = None  # None: the credentials' own account, no role
    session_name: str = "sgverify-snapshot"
    external_id: str | None = None  # given to sts:AssumeRole, when the role's trust policy asks for one
    jobs: int = 4
    pull: PullOptions = field(default_factory=PullOptions)  # profile, EC2 endpoint, VPCs


@dataclass(frozen=True)
class Target:
    account: str
    region: str

    def path(self, folder: str) -> str:
        return os.path.join(folder, self.account, f"{self.region}.json")


@dataclass
class FleetResult:
    written: list[tuple[Target, str]] = field(default_factory=list)  # and its summary
    failed: list[tuple[Target, str]] = field(default_factory=list)  # and why, one line
    unlisted: list[str] = field(default_factory=list)  # accounts whose enabled Regions are unknown
    targets: int = 0

    @property
    def complete(self) -> bool:
        return not self.failed and not self.unlisted


def take_snapshots(options: FleetOptions, folder: str, say: Callable[[str], None], progress: bool = False
                   ) -> FleetResult:
    """Snapshot every account and Region into `folder`; `say` gets one line per warning or failure."""
    session = _session(options.pull.profile, (options.regions or (None,))[0])
    if options.all_regions and not session.region_name:
        session = _session(options.pull.profile, DEFAULT_HOME)  # STS and DescribeRegions need one
    with aws_errors():
        found = session.session.get_credentials()
    if found is None:
        # Said once here, rather than once for every account that cannot be assumed without them.
        raise SnapshotError("no AWS credentials found: configure a profile (--profile), "
                            "or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
    if options.all_regions:
        regions: tuple[str, ...] = (session.region_name,)  # where the Regions are asked
    else:
        regions = options.regions or ((session.region_name,) if session.region_name else ())
    if not regions:
        raise SnapshotError("no AWS Region given: use --region or set AWS_REGION")
    accounts, roles = _accounts(session, options, say), None
    if options.role_name:
        roles = RoleCredentials(session, options.role_name, options.session_name, session.partition_of(regions[0]),
                                external_id=options.external_id)
    result = FleetResult()
    puller = _Puller(session, roles, replace(options.pull, progress=False), folder, say, result)
    pool = ThreadPoolExecutor(max_workers=options.jobs)
    try:
        if options.all_regions:
            listed = pool.map(lambda account: puller.regions_of(account, regions[0]), accounts)
            targets = [target for found in listed for target in found]
        else:
            targets = [Target(a, r) for a in accounts for r in regions]
        result.targets = len(targets) + len(result.failed)  # an account not assumed counts once
        with _Bar(progress, len(targets)) as bar:
            list(pool.map(lambda target: puller.pull(target, bar), targets))  # re-raises a bug of any thread
    finally:
        # After a bug or an interrupt, what has not started is not started: only running pulls finish.
        pool.shutdown(wait=True, cancel_futures=True)
    result.written.sort(key=lambda pair: (pair[0].account, pair[0].region))
    return result


def _session(profile: str | None, region: str | None) -> SharedSession:
    boto3, _, _ = _boto3()
    with aws_errors():
        return SharedSession(boto3.Session(profile_name=profile, region_name=region))


def _accounts(session: SharedSession, options: FleetOptions, say: Callable[[str], None]) -> list[str]:
    if not options.role_name:
        return [caller_account(session)]
    listed: list[str] = []
    if options.organization:
        found = organization_accounts(session)
        listed = found.active
        if found.inactive:
            say("warning: left out the organization's accounts that are not ACTIVE (suspended or closing): "
                + ", ".join(found.inactive))
    accounts = in_order([*options.accounts, *listed], options.excluded)
    if not accounts:
        raise SnapshotError("no account left to snapshot")
    return accounts


class _Puller:
    """Pulls one target; shared by the threads (its bookkeeping is under a lock)."""

    def __init__(self, session: SharedSession, roles: RoleCredentials | None, options: PullOptions,
                 folder: str, say: Callable[[str], None], result: FleetResult):
        self.session, self.roles, self.options, self.folder = session, roles, options, folder
        self.say, self.result = say, result
        self.lock = threading.Lock()
        self.accounts_failed: set[str] = set()

    def regions_of(self, account: str, home: str) -> list[Target]:
        """The account's enabled Regions, asked in `home`; failures are said here, once per account."""
        try:
            credentials = self.roles.of(account) if self.roles else None
        except SnapshotError as error:
            self._account_failed(Target(account, home), str(error))
            return []
        try:
            client = ec2_client(self.session, home, self.options.endpoint_url, credentials)
            regions = enabled_regions(client, self.session.partition_of(home), self.session.partition_of)
        except SnapshotError as error:
            with self.lock:
                self.result.unlisted.append(account)
                self.say(f"error: account {account}: cannot list its enabled Regions: {error}; "
                         f"only {home} is taken")
            return [Target(account, home)]
        return [Target(account, region) for region in regions]

    def pull(self, target: Target, bar: "_Bar") -> None:
        bar.started(target)
        try:
            credentials = self.roles.of(target.account) if self.roles else None
        except SnapshotError as error:
            self._account_failed(target, str(error))
            bar.advance()
            return
        try:
            client = ec2_client(self.session, target.region, self.options.endpoint_url, credentials)
            taken = describe_region(client, target.region, self.options, target.account)
            path = target.path(self.folder)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            write_snapshot(taken, path)
        except SnapshotError as error:
            self._region_failed(target, error)
        else:
            with self.lock:
                for note in taken.skipped:
                    self.say(f"warning: {target.account} {target.region}: left out {note}")
                self.result.written.append((target, taken.summary()))
        bar.advance()

    def _account_failed(self, target: Target, message: str) -> None:
        with self.lock:
            self.result.failed.append((target, message))
            if target.account in self.accounts_failed:
                return
            self.accounts_failed.add(target.account)
            kept = Path(self.folder, target.account)
            earlier = " (snapshots there from an earlier run are kept)" if kept.is_dir() and any(
                kept.glob("*.json")) else ""
            self.say(f"error: account {target.account}: {message}{earlier}")

    def _region_failed(self, target: Target, error: SnapshotError) -> None:
        message = str(error)
        if error.code in _REGION_REFUSED:
            message += f" (if {target.region} is an opt-in Region, it may not be enabled for this account)"
        if os.path.exists(target.path(self.folder)):
            message += f" ({target.path(self.folder)} is from an earlier run)"
        with self.lock:
            self.result.failed.append((target, message))
            self.say(f"error: {target.account} {target.region}: {message}")


class _Bar:
    """One step per account and Region: a progress bar on a terminal, nothing otherwise."""

    def __init__(self, enabled: bool, total: int):
        self.progress: Any = None
        if enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.progress = Progress(TextColumn("{task.description:<32}"), BarColumn(), MofNCompleteColumn(),
                                     TimeElapsedColumn(), console=Console(file=sys.stderr), transient=True)
            self.task = self.progress.add_task("snapshots", total=total)

    def __enter__(self) -> "_Bar":
        if self.progress is not None:
            self.progress.start()
        return self

    def started(self, target: Target) -> None:
        if self.progress is not None:
            self.progress.update(self.task, description=f"{target.account} {target.region}")

    def advance(self) -> None:
        if self.progress is not None:
            self.progress.update(self.task, advance=1)

    def __exit__(self, *exc: Any) -> None:
        if self.progress is not None:
            self.progress.stop()
