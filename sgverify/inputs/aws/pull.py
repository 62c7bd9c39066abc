"""Take a snapshot of a Region's security groups, their members and the VPC path layer with boto3.

The snapshot is one JSON object whose keys are those the AWS CLI prints for
each describe call (see docs/aws.md), so `load_aws` reads it like any other
describe output. Outputs that belong to one element (a prefix list's
entries, a transit gateway route table's routes and propagations) are added
to that element's entry. boto3 is an optional extra (`pip install
'sgverify[aws]'`) and is imported only here, only when a snapshot is taken.

Only the group and interface calls are needed. Any other call that is denied
is left out with a warning, and the header's `LeftOut` says so, so a reader
of the file knows those elements are absent (free choices), not empty.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ...errors import SgverifyError

SNAPSHOT_VERSION = 2  # 2: with the VPC path layer and LeftOut


class SnapshotError(SgverifyError):
    """The snapshot could not be taken (no boto3, no credentials, no permission, no network)."""

    def __init__(self, message: str, code: str = ""):
        super().__init__(message)
        self.code = code  # AWS's error code, when AWS answered with one


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
        counts = [(len(self.data.get(k, [])), words) for k, words in _WORDS.items()
                  if k in self.data or k in _ALWAYS_COUNTED]
        return ", ".join(f"{n} {words}" for n, words in counts)


_ALWAYS_COUNTED = ("SecurityGroups", "NetworkInterfaces", "Subnets", "PrefixLists")
_WORDS = {"SecurityGroups": "security groups", "NetworkInterfaces": "network interfaces",
          "Subnets": "subnets", "PrefixLists": "prefix lists", "Vpcs": "VPCs",
          "RouteTables": "route tables", "NetworkAcls": "network ACLs",
          "InternetGateways": "internet gateways", "EgressOnlyInternetGateways": "egress-only gateways",
          "NatGateways": "NAT gateways", "VpcPeeringConnections": "peerings",
          "TransitGateways": "transit gateways", "TransitGatewayAttachments": "transit gateway attachments",
          "TransitGatewayRouteTables": "transit gateway route tables", "VpcEndpoints": "VPC endpoints"}


def _boto3():
    try:
        import boto3
        import botocore.config
        import botocore.exceptions
        import botocore.parsers
    except ImportError:
        raise SnapshotError("the snapshot command needs boto3: pip install 'sgverify[aws]'") from None
    return boto3, botocore.config, botocore.exceptions


def take_snapshot(options: PullOptions) -> Snapshot:
    """Describe everything the verifier reads; errors become one clear SnapshotError."""
    boto3, _, _ = _boto3()
    with aws_errors():
        session = boto3.Session(profile_name=options.profile, region_name=options.region)
        region = session.region_name
        if not region:
            raise SnapshotError("no AWS Region given: use --region or set AWS_REGION")
        return describe_region(ec2_client(session, region, options.endpoint_url), region, options)


def client_config() -> Any:
    """Retries and timeouts of every client a snapshot uses."""
    _, config, _ = _boto3()
    return config.Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=10, read_timeout=60)


def ec2_client(session: Any, region: str, endpoint_url: str | None, credentials: dict | None = None) -> Any:
    """An EC2 client of a boto3 session, with other credentials (an assumed role's) if given."""
    return session.client("ec2", region_name=region, endpoint_url=endpoint_url, config=client_config(),
                          **(credentials or {}))


def describe_region(client: Any, region: str, options: PullOptions, account: str = "") -> Snapshot:
    """One Region's snapshot through an EC2 client; `account` is recorded in the header."""
    _, _, exceptions = _boto3()
    with aws_errors():
        return _describe(client, region, options, exceptions, account)


@contextmanager
def aws_errors(service: str = "ec2"):
    """Turn what boto3 raises into one clear SnapshotError; `service` names the permission to grant."""
    _, _, exceptions = _boto3()
    try:
        yield
    except exceptions.BotoCoreError as error:
        raise SnapshotError(_botocore_message(error, exceptions)) from None
    except exceptions.ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        raise SnapshotError(_client_message(error, service), code) from None
    except _parser_error() as error:  # an answer that is not AWS's (a proxy's or a failing server's page)
        raise SnapshotError(_botocore_message(error, exceptions)) from None


def _parser_error() -> type:
    import botocore.parsers

    return botocore.parsers.ResponseParserError


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
    if isinstance(error, _parser_error()):
        return "the endpoint answered with something that is not an AWS response (an error page?)"
    # Some messages carry a whole response (an HTML error page): its first line is enough.
    first = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"AWS request failed: {type(error).__name__}: {first}"


def _client_message(error: Any, service: str = "ec2") -> str:
    info = error.response.get("Error", {})
    code, message = info.get("Code", "Error"), " ".join(str(info.get("Message", "")).split())
    operation = getattr(error, "operation_name", "the request")
    if code in ("AuthFailure", "UnrecognizedClientException", "InvalidClientTokenId"):
        return f"AWS rejected the credentials ({code}) on {operation}: {message}"
    # "403": a denial whose body botocore could not read, so that it has only the HTTP status.
    if code in ("UnauthorizedOperation", "AccessDenied", "AccessDeniedException", "403"):
        return f"not allowed to call {operation} ({code}): grant {service}:{operation}"
    return f"{operation} failed ({code}): {message}"


@dataclass(frozen=True)
class _Call:
    key: str  # the result key (the AWS CLI's output key)
    operation: str  # a paginated boto3 operation
    needed: bool = False  # a denied needed call ends the snapshot; others are left out
    vpc_filter: str | None = "vpc-id"  # the filter that keeps the chosen VPCs (None: keep all)
    filter_param: str = "Filters"


# In the order they are taken.
_CALLS = (
    _Call("SecurityGroups", "describe_security_groups", needed=True),
    _Call("NetworkInterfaces", "describe_network_interfaces", needed=True),
    _Call("Subnets", "describe_subnets"),
    _Call("Reservations", "describe_instances"),
    _Call("PrefixLists", "describe_managed_prefix_lists", vpc_filter=None),
    _Call("Vpcs", "describe_vpcs"),
    _Call("RouteTables", "describe_route_tables"),
    _Call("NetworkAcls", "describe_network_acls"),
    _Call("InternetGateways", "describe_internet_gateways", vpc_filter="attachment.vpc-id"),
    _Call("EgressOnlyInternetGateways", "describe_egress_only_internet_gateways", vpc_filter=None),
    _Call("NatGateways", "describe_nat_gateways", filter_param="Filter"),
    _Call("VpcPeeringConnections", "describe_vpc_peering_connections", vpc_filter=None),
    _Call("VpcEndpoints", "describe_vpc_endpoints"),
    # Transit gateways belong to the Region, not to a VPC: all are taken.
    _Call("TransitGateways", "describe_transit_gateways", vpc_filter=None),
    _Call("TransitGatewayAttachments", "describe_transit_gateway_attachments", vpc_filter=None),
    _Call("TransitGatewayVpcAttachments", "describe_transit_gateway_vpc_attachments", vpc_filter=None),
    _Call("TransitGatewayRouteTables", "describe_transit_gateway_route_tables", vpc_filter=None),
)
# search-transit-gateway-routes needs a filter; these states are the ones that route.
_ROUTE_STATES = [{"Name": "state", "Values": ["active", "blackhole"]}]


def _describe(client: Any, region: str, options: PullOptions, exceptions: Any, account: str = "") -> Snapshot:
    header = {"Version": SNAPSHOT_VERSION, **({"Account": account} if account else {}), "Region": region,
              "TakenAt": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
              "VpcIds": list(options.vpc_ids)}
    snapshot = Snapshot({"SgverifySnapshot": header})
    with _Steps(options.progress, len(_CALLS)) as steps:
        for call in _CALLS:
            steps.step(call.operation.replace("_", "-"))
            try:
                items = _paginate(client, call.operation, call.key, _filters(call, options.vpc_ids),
                                  call.filter_param)
            except exceptions.ClientError as error:
                if call.needed or not _denied(error):
                    raise
                snapshot.skipped.append(f"{call.key}: {_client_message(error)}")
                steps.done()
                continue
            snapshot.data[call.key] = _kept(call.key, _slim(call.key, items), options.vpc_ids)
            steps.done(len(items) if call.key == "PrefixLists" else
                       2 * len(items) if call.key == "TransitGatewayRouteTables" else 0)
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
        for table in snapshot.data.get("TransitGatewayRouteTables", []):
            _tgw_table(client, table, snapshot, steps, exceptions)
    header["LeftOut"] = list(snapshot.skipped)
    return snapshot


def _tgw_table(client: Any, table: dict, snapshot: Snapshot, steps: "_Steps", exceptions: Any) -> None:
    """A transit gateway route table's routes and propagations, added to its entry."""
    table_id = table.get("TransitGatewayRouteTableId")
    steps.step(f"search-transit-gateway-routes {table_id}")
    try:
        table["Routes"], table["AdditionalRoutesAvailable"] = _search_routes(client, table_id)
    except exceptions.ClientError as error:
        if not _denied(error):
            raise
        # Without its routes the table is left out when read: what it routes is a free choice.
        snapshot.skipped.append(f"routes of {table_id}: {_client_message(error)}")
    steps.done()
    steps.step(f"get-transit-gateway-route-table-propagations {table_id}")
    try:
        table["TransitGatewayRouteTablePropagations"] = _paginate(
            client, "get_transit_gateway_route_table_propagations", "TransitGatewayRouteTablePropagations",
            [], TransitGatewayRouteTableId=table_id)
    except exceptions.ClientError as error:
        if not _denied(error):
            raise
        snapshot.skipped.append(f"propagations of {table_id}: {_client_message(error)}")
    steps.done()


def _search_routes(client: Any, table_id: str) -> tuple[list, bool]:
    """Every route of a table. One search shows at most 1000; a table with more
    is searched once per route type, and still flagged if that is not enough."""
    found = client.search_transit_gateway_routes(TransitGatewayRouteTableId=table_id, Filters=_ROUTE_STATES)
    if not found.get("AdditionalRoutesAvailable"):
        return found.get("Routes", []), False
    routes, more = [], False
    for kind in ("static", "propagated"):
        part = client.search_transit_gateway_routes(
            TransitGatewayRouteTableId=table_id, Filters=_ROUTE_STATES + [{"Name": "type", "Values": [kind]}])
        routes += part.get("Routes", [])
        more |= bool(part.get("AdditionalRoutesAvailable"))
    return routes, more


def _denied(error: Any) -> bool:
    code = error.response.get("Error", {}).get("Code", "")
    return code in ("UnauthorizedOperation", "AccessDenied", "AccessDeniedException")


def _filters(call: _Call, vpc_ids: tuple[str, ...]) -> list[dict]:
    if not vpc_ids or call.vpc_filter is None:
        return []
    return [{"Name": call.vpc_filter, "Values": list(vpc_ids)}]


def _kept(key: str, items: list, vpc_ids: tuple[str, ...]) -> list:
    """Calls without a VPC filter, filtered here: an egress-only gateway attached to a
    chosen VPC, a peering with a chosen VPC on either side."""
    if not vpc_ids:
        return items
    chosen = set(vpc_ids)
    if key == "EgressOnlyInternetGateways":
        return [i for i in items if chosen & {a.get("VpcId") for a in i.get("Attachments", [])}]
    if key == "VpcPeeringConnections":
        return [i for i in items if chosen & {i.get(side, {}).get("VpcId")
                                             for side in ("RequesterVpcInfo", "AccepterVpcInfo")}]
    return items


def _paginate(client: Any, operation: str, key: str, filters: list[dict], filter_param: str = "Filters",
              **kwargs: Any) -> list:
    if filters:
        kwargs[filter_param] = filters
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
    temp = None
    try:
        # Not named *.json: a reader of the folder never takes a half-written file for a snapshot.
        handle, temp = tempfile.mkstemp(prefix=".snapshot-", suffix=".tmp", dir=folder)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temp, output)
    except OSError as error:
        if temp is not None and os.path.exists(temp):
            os.unlink(temp)
        raise SnapshotError(f"cannot write {output}: {error.strerror}") from None


def _json_value(value: Any) -> str:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return str(value)
