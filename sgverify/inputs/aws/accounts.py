"""Which accounts a snapshot covers, and the credentials of a role in each.

Accounts come from the command line, from a file (one id a line), or from
AWS Organizations (`ListAccounts`, as the management account or a delegated
administrator). In each account the snapshot assumes one named role with
`sts:AssumeRole`; the credentials are kept per account and taken again
shortly before they expire, so a long run never uses stale ones.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from ...errors import Diagnostic, InputError, Severity
from .pull import SnapshotError, aws_errors, client_config

ACCOUNT_ID = re.compile(r"\d{12}")
# RoleSessionName: 2 to 64 of these characters.
SESSION_NAME = re.compile(r"[\w+=,.@-]{2,64}")
# ExternalId: 2 to 1224 of these characters.
EXTERNAL_ID = re.compile(r"[\w+=,.@:/-]{2,1224}")
# IAM role names (the path is not part of the name here).
ROLE_NAME = re.compile(r"[\w+=,.@-]{1,64}")
REFRESH_BEFORE = dt.timedelta(minutes=10)


def check_account_id(text: str, where: str) -> str:
    """A 12-digit account id, or an InputError naming where it was given."""
    text = text.strip()
    if not ACCOUNT_ID.fullmatch(text):
        raise InputError(f"{text!r} is not an AWS account id (12 digits)", where)
    return text


def read_accounts_file(path: str) -> list[str]:
    """One account id a line; `#` starts a comment; blank lines are skipped. Every bad line is reported."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise InputError(f"cannot read the accounts file {path}: {error.strerror}") from None
    accounts, problems = [], []
    for number, line in enumerate(lines, start=1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        if ACCOUNT_ID.fullmatch(text):
            accounts.append(text)
        else:
            problems.append(Diagnostic(Severity.ERROR, f"{path}:{number}",
                                       f"{text!r} is not an AWS account id (12 digits)"))
    if problems:
        raise InputError(problems)
    if not accounts:
        raise InputError(f"the accounts file {path} lists no account")
    return accounts


@dataclass(frozen=True)
class OrganizationAccounts:
    active: list[str]
    inactive: list[str]  # suspended or leaving: no role can be assumed there


def organization_accounts(session: Any) -> OrganizationAccounts:
    """Every account of the caller's organization, by its status."""
    with _organization_errors(), aws_errors("organizations"):
        client = session.client("organizations", config=client_config())
        active, inactive = [], []
        for page in client.get_paginator("list_accounts").paginate():
            for account in page.get("Accounts", []):
                # `State` replaces `Status` in newer answers; either says ACTIVE.
                state = account.get("State") or account.get("Status")
                (active if state == "ACTIVE" else inactive).append(account["Id"])
    return OrganizationAccounts(sorted(active), sorted(inactive))


@contextmanager
def _organization_errors():
    try:
        yield
    except SnapshotError as error:
        if error.code == "AWSOrganizationsNotInUseException":
            raise SnapshotError("--organization: the caller's account is not in an AWS Organization",
                                error.code) from None
        if error.code in ("AccessDenied", "AccessDeniedException", "403"):
            raise SnapshotError(f"--organization: {error} (only the management account or a delegated "
                                f"administrator may list the accounts)", error.code) from None
        raise


def caller_account(session: Any) -> str:
    """The account of the credentials themselves (sts:GetCallerIdentity)."""
    with aws_errors("sts"):
        return session.client("sts", config=client_config()).get_caller_identity()["Account"]


def in_order(accounts: Iterable[str], excluded: Iterable[str] = ()) -> list[str]:
    """Accounts without repeats, in the order first given, less the excluded ones."""
    left_out = set(excluded)
    return [a for a in dict.fromkeys(accounts) if a not in left_out]


class SharedSession:
    """A boto3 session whose clients may be made from many threads: a session is
    not thread-safe, the clients it makes are."""

    def __init__(self, session: Any):
        self.session = session
        self._lock = threading.Lock()

    @property
    def region_name(self) -> str | None:
        return self.session.region_name

    def client(self, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            return self.session.client(*args, **kwargs)

    def partition_of(self, region: str) -> str:
        """`aws`, `aws-cn`, `aws-us-gov`...; `aws` for a Region botocore does not know (AWS will say if wrong)."""
        with self._lock:
            try:
                return self.session.get_partition_for_region(region)
            except Exception:  # botocore raises its own UnknownRegionError, or ValueError on a bad name
                return "aws"


class RoleCredentials:
    """The credentials of `role_name` in each account, assumed once per account.

    Safe to share between threads: one lock per account, so accounts are
    assumed in parallel but no account twice. A failure is kept too, so the
    account's other Regions report it without asking STS again.
    """

    def __init__(self, session: SharedSession, role_name: str, session_name: str, partition: str = "aws",
                 refresh_before: dt.timedelta = REFRESH_BEFORE, external_id: str | None = None):
        self.role_name, self.session_name, self.partition = role_name, session_name, partition
        self.external_id = external_id  # the same in every account, as a vendor's or auditor's role asks
        self.refresh_before = refresh_before  # credentials this close to expiring are taken again
        with aws_errors():
            self._sts = session.client("sts", config=client_config())
        self._locks: dict[str, threading.Lock] = {}
        self._locks_lock = threading.Lock()
        self._known: dict[str, tuple[dict, dt.datetime] | SnapshotError] = {}

    def role_arn(self, account: str) -> str:
        return f"arn:{self.partition}:iam::{account}:role/{self.role_name}"

    def of(self, account: str) -> dict:
        """boto3 client keyword arguments for the role in `account`; SnapshotError if it cannot be assumed."""
        with self._lock_of(account):
            known = self._known.get(account)
            if isinstance(known, SnapshotError):
                raise known
            if known is None or known[1] - self.refresh_before < dt.datetime.now(dt.timezone.utc):
                try:
                    known = self._known[account] = self._assume(account)
                except SnapshotError as error:
                    self._known[account] = error
                    raise
            return known[0]

    def _lock_of(self, account: str) -> threading.Lock:
        with self._locks_lock:
            return self._locks.setdefault(account, threading.Lock())

    def _assume(self, account: str) -> tuple[dict, dt.datetime]:
        arn = self.role_arn(account)
        asked = {"RoleArn": arn, "RoleSessionName": self.session_name}
        if self.external_id is not None:
            asked["ExternalId"] = self.external_id
        try:
            with aws_errors("sts"):
                answer = self._sts.assume_role(**asked)
        except SnapshotError as error:
            raise SnapshotError(_assume_message(arn, error, self.external_id is not None), error.code) from None
        given = answer["Credentials"]
        expires = given.get("Expiration")
        if not isinstance(expires, dt.datetime):
            expires = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)
        credentials = {"aws_access_key_id": given["AccessKeyId"],
                       "aws_secret_access_key": given["SecretAccessKey"],
                       "aws_session_token": given["SessionToken"]}
        return credentials, expires.astimezone(dt.timezone.utc)


def _assume_message(arn: str, error: SnapshotError, with_external_id: bool = False) -> str:
    if error.code in ("AccessDenied", "AccessDeniedException"):
        # AWS says AccessDenied both for a role that does not exist and for one
        # whose trust policy does not name the caller (or wants another
        # external id): it will not tell which.
        trust = ("does not allow this caller with this --external-id" if with_external_id else
                 "does not allow this caller (or asks for an --external-id)")
        return (f"cannot assume {arn} (AccessDenied): the role does not exist, its trust policy "
                f"{trust}, or the caller may not call sts:AssumeRole on it")
    if error.code == "RegionDisabledException":
        return f"cannot assume {arn}: STS is not enabled in this Region for the account"
    return f"cannot assume {arn}: {error}"
