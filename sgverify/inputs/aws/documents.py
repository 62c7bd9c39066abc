"""AWS describe output (one combined snapshot or many files) -> described objects by id.

Every top-level key is the one the AWS CLI prints for its call, so a combined
snapshot is simply those outputs side by side (see docs/aws.md). The same
object described twice must be described identically, or it is an error; the
one exception is a prefix list, which describe-managed-prefix-lists and
describe-prefix-lists show with different fields: those are merged when they
agree.

Two outputs do not repeat the id of what they list: get-managed-prefix-list-
entries (`Entries`) and search-transit-gateway-routes / get-transit-gateway-
route-table-propagations (`Routes`, `TransitGatewayRouteTablePropagations`).
Their file adds the id (`PrefixListId`, `TransitGatewayRouteTableId`) or is
named after it; a combined snapshot embeds them in the entry they belong to.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from .enis import Item
from .rules import Problems
from ..fields import type_name

# The VPC path layer: an input with any of these has a topology.
VPC_LAYER = {
    "Vpcs": "VpcId",
    "RouteTables": "RouteTableId",
    "NetworkAcls": "NetworkAclId",
    "InternetGateways": "InternetGatewayId",
    "EgressOnlyInternetGateways": "EgressOnlyInternetGatewayId",
    "NatGateways": "NatGatewayId",
    "VpcPeeringConnections": "VpcPeeringConnectionId",
    "TransitGateways": "TransitGatewayId",
    "TransitGatewayAttachments": "TransitGatewayAttachmentId",
    "TransitGatewayVpcAttachments": "TransitGatewayAttachmentId",
    "TransitGatewayRouteTables": "TransitGatewayRouteTableId",
    "VpcEndpoints": "VpcEndpointId",
}
# top-level key -> the id field of its entries
KINDS = {
    "SecurityGroups": "GroupId",
    "NetworkInterfaces": "NetworkInterfaceId",
    "SecurityGroupRules": "SecurityGroupRuleId",
    "PrefixLists": "PrefixListId",
    "Subnets": "SubnetId",
    **VPC_LAYER,
    "Reservations": None,  # describe-instances: instances are read for their Name tags
    "Entries": None,  # get-managed-prefix-list-entries of one list
    "Routes": None,  # search-transit-gateway-routes of one transit gateway route table
    "TransitGatewayRouteTablePropagations": None,  # get-transit-gateway-route-table-propagations
}
# Keys the CLI or the snapshot command print that carry no network data (or
# are read together with the list they qualify).
IGNORED = {"ResponseMetadata", "NextToken", "SgverifySnapshot", "PrefixListId",
           "TransitGatewayRouteTableId", "AdditionalRoutesAvailable"}
_PL_IN_NAME = re.compile(r"pl-[0-9a-f]+")
_TGW_RTB_IN_NAME = re.compile(r"tgw-rtb-[0-9a-f]+")


def looks_like_aws(data: Any) -> bool:
    """True for a mapping that has at least one key of AWS describe output."""
    return isinstance(data, dict) and any(key in KINDS for key in data)


@dataclass(frozen=True)
class TgwRoutes:
    """search-transit-gateway-routes of one table: its routes, and whether they are all."""

    items: list[Item]
    complete: bool  # False when AdditionalRoutesAvailable said more were not shown
    where: str


@dataclass
class Described:
    tables: dict[str, dict[str, Item]] = field(
        default_factory=lambda: {key: {} for key, ident in KINDS.items() if ident})
    instances: dict[str, Item] = field(default_factory=dict)
    entries: dict[str, list[Item]] = field(default_factory=dict)  # prefix list id -> entries
    tgw_routes: dict[str, TgwRoutes] = field(default_factory=dict)  # TGW route table id -> routes
    tgw_propagations: dict[str, list[Item]] = field(default_factory=dict)  # TGW route table id -> ...
    seen: set[str] = field(default_factory=set)  # top-level keys present in some file
    # What a snapshot says it left out (a denied call): (where it says so, the note).
    left_out: list[tuple[str, str]] = field(default_factory=list)
    vpc_layer: bool = False  # a snapshot that took the VPC layer (even if every call was denied)
    region: str = ""
    # (Account, Region) of every snapshot header read; "" where a header leaves one out.
    places: set[tuple[str, str]] = field(default_factory=set)

    def table(self, key: str) -> dict[str, Item]:
        return self.tables[key]

    @property
    def groups(self) -> dict[str, Item]:
        return self.tables["SecurityGroups"]

    @property
    def interfaces(self) -> dict[str, Item]:
        return self.tables["NetworkInterfaces"]

    @property
    def flat_rules(self) -> dict[str, Item]:
        return self.tables["SecurityGroupRules"]

    @property
    def prefix_lists(self) -> dict[str, Item]:
        return self.tables["PrefixLists"]

    @property
    def subnets(self) -> dict[str, Item]:
        return self.tables["Subnets"]

    @property
    def has_topology(self) -> bool:
        return self.vpc_layer or any(key in self.seen for key in VPC_LAYER)


def decode(text: str, file: str, problems: Problems) -> dict | None:
    """JSON text -> its top-level object; a syntax error is reported at file:line:column."""
    try:
        data = json.loads(text.removeprefix("\ufeff"))
    except json.JSONDecodeError as exc:
        problems.error(f"{file}:{exc.lineno}:{exc.colno}", f"not valid JSON: {exc.msg}")
        return None
    if not looks_like_aws(data):
        problems.error(file, "not AWS describe output: expected an object with one of "
                             + ", ".join(k for k in KINDS if k != "Entries"))
        return None
    return data


def add_document(described: Described, data: dict, file: str, problems: Problems) -> None:
    if "SgverifySnapshot" in data:
        _add_header(described, data["SgverifySnapshot"], file, problems)
    for key, value in data.items():
        if key in IGNORED:
            continue
        if key not in KINDS:
            problems.warn(f"{file}:{key}", f"unknown top-level key {key!r} ignored")
            continue
        if not isinstance(value, list):
            problems.error(f"{file}:{key}", f"expected a list, not {type_name(value)}")
            continue
        described.seen.add(key)
        if key == "Reservations":
            _add_reservations(described, value, file, problems)
        elif key == "Entries":
            _add_entries(described, data.get("PrefixListId"), value, file, problems)
        elif key == "Routes":
            _add_tgw_routes(described, data.get("TransitGatewayRouteTableId"), value,
                            data.get("AdditionalRoutesAvailable"), file, problems)
        elif key == "TransitGatewayRouteTablePropagations":
            _add_propagations(described, data.get("TransitGatewayRouteTableId"), value, file, problems)
        else:
            _add_items(described, key, value, file, problems)


def _add_items(described: Described, key: str, values: list, file: str, problems: Problems) -> None:
    id_field, table = KINDS[key], described.table(key)
    for i, data in enumerate(values):
        item = Item(file, f"{key}[{i}]", data)
        if not isinstance(data, dict):
            problems.error(item.where, f"expected an object, not {type_name(data)}")
            continue
        ident = data.get(id_field)
        if not isinstance(ident, str) or not ident:
            problems.error(item.where, f"missing {id_field}")
            continue
        _put(table, ident, item, problems, merge=key == "PrefixLists")
        if key == "PrefixLists":
            # describe-prefix-lists shows an AWS-managed list's blocks as Cidrs.
            for part in ("Entries", "Cidrs"):
                if part in data:
                    _add_entries(described, ident, data[part], file, problems, f"{item.path}.{part}")
        elif key == "TransitGatewayRouteTables":
            if "Routes" in data:
                _add_tgw_routes(described, ident, data["Routes"], data.get("AdditionalRoutesAvailable"),
                                file, problems, f"{item.path}.Routes")
            if "TransitGatewayRouteTablePropagations" in data:
                _add_propagations(described, ident, data["TransitGatewayRouteTablePropagations"], file,
                                  problems, f"{item.path}.TransitGatewayRouteTablePropagations")


def _put(table: dict[str, Item], ident: str, item: Item, problems: Problems, merge: bool = False) -> None:
    first = table.get(ident)
    if first is None:
        table[ident] = item
    elif first.data == item.data:
        return
    elif merge and all(first.data[k] == v for k, v in item.data.items() if k in first.data):
        table[ident] = Item(first.file, first.path, {**item.data, **first.data})
    else:
        problems.error(item.where, f"{ident} is also described, differently, at {first.where}")


def _add_header(described: Described, header: Any, file: str, problems: Problems) -> None:
    """The snapshot's own header: its account and Region, and what it left out (calls that were denied)."""
    if not isinstance(header, dict):
        problems.error(f"{file}:SgverifySnapshot", f"expected an object, not {type_name(header)}")
        return
    version = header.get("Version")
    described.vpc_layer |= isinstance(version, int) and version >= 2
    if isinstance(header.get("Region"), str):
        described.region = described.region or header["Region"]
    account, region = header.get("Account", ""), header.get("Region", "")
    if isinstance(account, str):
        described.places.add((account, region if isinstance(region, str) else ""))
    else:
        problems.error(f"{file}:SgverifySnapshot.Account", f"expected a string, not {type_name(account)}")
    notes = header.get("LeftOut", [])
    if not isinstance(notes, list):
        problems.error(f"{file}:SgverifySnapshot.LeftOut", f"expected a list, not {type_name(notes)}")
        return
    for i, note in enumerate(notes):
        described.left_out.append((f"{file}:SgverifySnapshot.LeftOut[{i}]", str(note)))


def _add_reservations(described: Described, values: list, file: str, problems: Problems) -> None:
    for i, reservation in enumerate(values):
        instances = reservation.get("Instances") if isinstance(reservation, dict) else None
        if not isinstance(instances, list):
            problems.error(f"{file}:Reservations[{i}]", "expected an object with an Instances list")
            continue
        for j, data in enumerate(instances):
            item = Item(file, f"Reservations[{i}].Instances[{j}]", data)
            ident = data.get("InstanceId") if isinstance(data, dict) else None
            if not isinstance(ident, str) or not ident:
                problems.error(item.where, "missing InstanceId")
                continue
            _put(described.instances, ident, item, problems)


def _add_entries(described: Described, pl_id: Any, values: Any, file: str, problems: Problems,
                 path: str = "Entries") -> None:
    if not isinstance(pl_id, str) or not pl_id:
        # get-managed-prefix-list-entries does not repeat the list id: take it from the file name.
        found = _PL_IN_NAME.findall(file.rsplit("/", 1)[-1])
        if len(found) != 1:
            problems.error(f"{file}:{path}", "prefix list entries without a list id: add "
                           "\"PrefixListId\" or name the file after the list (pl-0abc.json)")
            return
        pl_id = found[0]
    if not isinstance(values, list):
        problems.error(f"{file}:{path}", f"expected a list, not {type_name(values)}")
        return
    items = [Item(file, f"{path}[{i}]", v) for i, v in enumerate(values)]
    if pl_id in described.entries:
        # describe-prefix-lists (Cidrs) and get-managed-prefix-list-entries may both show one list.
        if _blocks(described.entries[pl_id]) != _blocks(items):
            problems.error(f"{file}:{path}", f"entries of {pl_id} are given twice, differently")
        return
    described.entries[pl_id] = items


def _blocks(items: list[Item]) -> set:
    return {str(i.data.get("Cidr")) if isinstance(i.data, dict) else str(i.data) for i in items}


def _table_id(table_id: Any, file: str, path: str, problems: Problems) -> str | None:
    if isinstance(table_id, str) and table_id:
        return table_id
    found = _TGW_RTB_IN_NAME.findall(file.rsplit("/", 1)[-1])
    if len(found) != 1:
        problems.error(f"{file}:{path}", "transit gateway routes or propagations without a route table id: "
                       "add \"TransitGatewayRouteTableId\" or name the file after the table "
                       "(tgw-rtb-0abc.json)")
        return None
    return found[0]


def _add_tgw_routes(described: Described, table_id: Any, values: Any, more: Any, file: str,
                    problems: Problems, path: str = "Routes") -> None:
    table_id = _table_id(table_id, file, path, problems)
    if table_id is None:
        return
    if not isinstance(values, list):
        problems.error(f"{file}:{path}", f"expected a list, not {type_name(values)}")
        return
    if table_id in described.tgw_routes:
        problems.error(f"{file}:{path}", f"routes of {table_id} are given twice")
        return
    described.tgw_routes[table_id] = TgwRoutes([Item(file, f"{path}[{i}]", v) for i, v in enumerate(values)],
                                               more is not True, f"{file}:{path}")


def _add_propagations(described: Described, table_id: Any, values: Any, file: str, problems: Problems,
                      path: str = "TransitGatewayRouteTablePropagations") -> None:
    table_id = _table_id(table_id, file, path, problems)
    if table_id is None:
        return
    if not isinstance(values, list):
        problems.error(f"{file}:{path}", f"expected a list, not {type_name(values)}")
        return
    if table_id in described.tgw_propagations:
        problems.error(f"{file}:{path}", f"propagations of {table_id} are given twice")
        return
    described.tgw_propagations[table_id] = [Item(file, f"{path}[{i}]", v) for i, v in enumerate(values)]
