"""AWS describe output (one combined snapshot or many files) -> described objects by id.

Every top-level key is the one the AWS CLI prints for its call, so a combined
snapshot is simply those outputs side by side (see docs/aws.md). The same
object described twice must be described identically, or it is an error.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from .enis import Item
from .rules import Problems
from ..fields import type_name

# top-level key -> the id field of its entries
KINDS = {
    "SecurityGroups": "GroupId",
    "NetworkInterfaces": "NetworkInterfaceId",
    "SecurityGroupRules": "SecurityGroupRuleId",
    "PrefixLists": "PrefixListId",
    "Subnets": "SubnetId",
    "Reservations": None,  # describe-instances: instances are read for their Name tags
    "Entries": None,  # get-managed-prefix-list-entries of one list
}
# Keys the CLI or the snapshot command print that carry no network data.
IGNORED = {"ResponseMetadata", "NextToken", "SgverifySnapshot", "PrefixListId"}
_PL_IN_NAME = re.compile(r"pl-[0-9a-f]+")


def looks_like_aws(data: Any) -> bool:
    """True for a mapping that has at least one key of AWS describe output."""
    return isinstance(data, dict) and any(key in KINDS for key in data)


@dataclass
class Described:
    groups: dict[str, Item] = field(default_factory=dict)
    interfaces: dict[str, Item] = field(default_factory=dict)
    flat_rules: dict[str, Item] = field(default_factory=dict)
    prefix_lists: dict[str, Item] = field(default_factory=dict)
    subnets: dict[str, Item] = field(default_factory=dict)
    instances: dict[str, Item] = field(default_factory=dict)
    entries: dict[str, list[Item]] = field(default_factory=dict)  # prefix list id -> entries
    seen: set[str] = field(default_factory=set)  # top-level keys present in some file

    def table(self, key: str) -> dict[str, Item]:
        return {"SecurityGroups": self.groups, "NetworkInterfaces": self.interfaces,
                "SecurityGroupRules": self.flat_rules, "PrefixLists": self.prefix_lists,
                "Subnets": self.subnets}[key]


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
        _put(table, ident, item, problems)
        if key == "PrefixLists" and "Entries" in data:
            _add_entries(described, ident, data["Entries"], file, problems, f"{item.path}.Entries")


def _put(table: dict[str, Item], ident: str, item: Item, problems: Problems) -> None:
    first = table.get(ident)
    if first is None:
        table[ident] = item
    elif first.data != item.data:
        problems.error(item.where, f"{ident} is also described, differently, at {first.where}")


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
    if pl_id in described.entries:
        problems.error(f"{file}:{path}", f"entries of {pl_id} are given twice")
        return
    described.entries[pl_id] = [Item(file, f"{path}[{i}]", v) for i, v in enumerate(values)]
