"""Take a snapshot of a Region's security groups and their members with boto3.

The snapshot is one JSON object whose keys are those the AWS CLI prints for
each describe call (see docs/aws.md), so `load_aws` reads it like any other
describe output. boto3 is an optional extra (`pip install 'sgverify[aws]'`)
and is imported only here, only when a snapshot is taken.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import tempfile
from dataclasses import dataclass, field
from typing import Any

from ...errors import SgverifyError

SNAPSHOT_VERSION = 1


class SnapshotError(SgverifyError):
    """The snapshot could not be taken (no boto3, no credentials, no permission, no network)."""


@dataclass(frozen=True)
class PullOptions:
    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    vpc_ids: tuple[str, ...] = ()
    progress: bool = False  # show a progress bar (on a terminal)


@dataclass
class Snapshot:
    data: dict[str, Any]
    skipped: list[str] = field(default_factory=list)  # optional parts left out, and why

    def summary(self) -> str:
        counts = [(len(self.data.get(k, [])), k) for k in
                  ("SecurityGroups", "NetworkInterfaces", "Subnets", "PrefixLists")]
        return ", ".join(f"{n} {_words(k)}" for n, k in counts)


def _words(key: str) -> str:
    return {"SecurityGroups": "security groups", "NetworkInterfaces": "network interfaces",
            "Subnets": "subnets", "PrefixLists": "prefix lists"}[key]


def _boto3():
    try:
        import boto3
        import botocore.config
        import botocore.exceptions
    except ImportError:
        raise SnapshotError("the snapshot command needs boto3: pip install 'sgverify[aws]'") from None
    return boto3, botocore.config, botocore.exceptions


def take_snapshot(options: PullOptions) -> Snapshot:
    """Describe everything the verifier reads; errors become one clear SnapshotError."""
    boto3, config, exceptions = _boto3()
    try:
        session = boto3.Session(profile_name=options.profile, region_name=options.region)
        region = session.region_name
        if not region:
            raise SnapshotError("no AWS Region given: use --region or set AWS_REGION")
        client = session.client(
            "ec2", region_name=region, endpoint_url=options.endpoint_url,
            config=config.Config(retries={"max_attempts": 3, "mode": "standard"},
                                 connect_timeout=10, read_timeout=60))
        return _describe(client, region, options, exceptions)
    except exceptions.BotoCoreError as error:
        raise SnapshotError(_botocore_message(error, exceptions)) from None
    except exceptions.ClientError as error:
        raise SnapshotError(_client_message(error)) from None


def _botocore_message(error: Exception, exceptions: Any) -> str:
    if isinstance(error, (exceptions.NoCredentialsError, exceptions.PartialCredentialsError)):
        return ("no AWS credentials found: configure a profile (--profile), "
                "or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
    if isinstance(error, exceptions.ProfileNotFound):
        return f"AWS profile not found: {error.kwargs.get('profile')}"
    if isinstance(error, exceptions.EndpointConnectionError):
        return f"cannot connect to the EC2 endpoint {error.kwargs.get('endpoint_url')}"
    if isinstance(error, exceptions.NoRegionError):
        return "no AWS Region given: use --region or set AWS_REGION"
    return f"AWS request failed: {type(error).__name__}: {error}"


def _client_message(error: Any) -> str:
    info = error.response.get("Error", {})
    code, message = info.get("Code", "Error"), info.get("Message", "")
    operation = getattr(error, "operation_name", "the request")
    if code in ("AuthFailure", "UnrecognizedClientException", "InvalidClientTokenId"):
        return f"AWS rejected the credentials ({code}) on {operation}: {message}"
    if code in ("UnauthorizedOperation", "AccessDenied", "AccessDeniedException"):
        return f"not allowed to call {operation} ({code}): grant ec2:{operation}"
    return f"{operation} failed ({code}): {message}"


# (result key, paginated operation, needed?) in the order they are taken.
_CALLS = (
    ("SecurityGroups", "describe_security_groups", True),
    ("NetworkInterfaces", "describe_network_interfaces", True),
    ("Subnets", "describe_subnets", False),
    ("Reservations", "describe_instances", False),
    ("PrefixLists", "describe_managed_prefix_lists", False),
)


def _describe(client: Any, region: str, options: PullOptions, exceptions: Any) -> Snapshot:
    snapshot = Snapshot({"SgverifySnapshot": {
        "Version": SNAPSHOT_VERSION, "Region": region,
        "TakenAt": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "VpcIds": list(options.vpc_ids)}})
    with _Steps(options.progress, len(_CALLS)) as steps:
        for key, operation, needed in _CALLS:
            steps.step(operation.replace("_", "-"))
            try:
                items = _paginate(client, operation, key, _filters(operation, options.vpc_ids))
            except exceptions.ClientError as error:
                if needed or not _denied(error):
                    raise
                snapshot.skipped.append(f"{key}: {_client_message(error)}")
                steps.done()
                continue
            snapshot.data[key] = _slim(key, items)
            steps.done(len(items) if key == "PrefixLists" else 0)
        for prefix_list in snapshot.data.get("PrefixLists", []):
            steps.step(f"get-managed-prefix-list-entries {prefix_list.get('PrefixListId')}")
            try:
                prefix_list["Entries"] = _paginate(
                    client, "get_managed_prefix_list_entries", "Entries", [],
                    PrefixListId=prefix_list["PrefixListId"])
            except exceptions.ClientError as error:
                if not _denied(error):
                    raise
                # Without entries the list stays unknown: rules using it prove nothing.
                snapshot.skipped.append(f"entries of {prefix_list['PrefixListId']}: {_client_message(error)}")
            steps.done()
    return snapshot


def _denied(error: Any) -> bool:
    code = error.response.get("Error", {}).get("Code", "")
    return code in ("UnauthorizedOperation", "AccessDenied", "AccessDeniedException")


def _filters(operation: str, vpc_ids: tuple[str, ...]) -> list[dict]:
    if not vpc_ids or operation == "describe_managed_prefix_lists":
        return []
    return [{"Name": "vpc-id", "Values": list(vpc_ids)}]


def _paginate(client: Any, operation: str, key: str, filters: list[dict], **kwargs: Any) -> list:
    if filters:
        kwargs["Filters"] = filters
    items: list = []
    for page in client.get_paginator(operation).paginate(**kwargs):
        items.extend(page.get(key, []))
    return items


def _slim(key: str, items: list) -> list:
    """Instances are kept only for their Name tags; everything else as described."""
    if key != "Reservations":
        return items
    return [{"Instances": [{"InstanceId": i.get("InstanceId"), "Tags": i.get("Tags", [])}
                           for i in r.get("Instances", [])]} for r in items]


class _Steps:
    """Reports each describe call: a progress bar on a terminal, nothing otherwise."""

    def __init__(self, enabled: bool, total: int):
        self.progress = self.task = None
        if enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self.progress = Progress(TextColumn("{task.description:<48}"), BarColumn(), MofNCompleteColumn(),
                                     console=Console(stderr=True), transient=True)
            self.task = self.progress.add_task("", total=total)

    def __enter__(self) -> "_Steps":
        if self.progress is not None:
            self.progress.start()
        return self

    def step(self, label: str) -> None:
        if self.progress is not None:
            self.progress.update(self.task, description=label)

    def done(self, more: int = 0) -> None:
        """One step finished; `more` steps were found to follow."""
        if self.progress is not None:
            total = self.progress.tasks[0].total or 0
            self.progress.update(self.task, advance=1, total=total + more)

    def __exit__(self, *exc: Any) -> None:
        if self.progress is not None:
            self.progress.stop()


def write_snapshot(snapshot: Snapshot, output: str) -> None:
    """Write the snapshot as JSON ('-' = standard output); a file is replaced atomically."""
    text = json.dumps(snapshot.data, indent=2, default=_json_value) + "\n"
    if output == "-":
        sys.stdout.write(text)
        return
    folder = os.path.dirname(os.path.abspath(output))
    try:
        handle, temp = tempfile.mkstemp(prefix=".snapshot-", suffix=".json", dir=folder)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temp, output)
    except OSError as error:
        raise SnapshotError(f"cannot write {output}: {error.strerror}") from None


def _json_value(value: Any) -> str:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return str(value)
