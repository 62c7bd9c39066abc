"""Small readers of describe-output fields, each reporting at the field's own path.

Every reader takes a described object (`Item`) and a field name, and returns
the value or None after reporting one problem at `file:Path[i].Field`, so one
bad field never hides the others.
"""

from __future__ import annotations

from typing import Any, Iterator, Mapping

from ...model import Family, Origin, parse_address
from ..fields import is_int, type_name
from .enis import Item
from .rules import Problems


def at(item: Item, key: str) -> str:
    """Where field `key` of `item` is: file:Path[i].Key."""
    return f"{item.where}.{key}"


def origin(item: Item, suffix: str = "") -> Origin:
    return Origin(item.file, None, item.path + suffix)


def child(item: Item, key: str, index: int, value: Any) -> Item:
    """Entry `index` of the list in field `key`, as an item of its own."""
    return Item(item.file, f"{item.path}.{key}[{index}]", value)


def text(item: Item, key: str, problems: Problems, required: bool = True) -> str | None:
    value = item.data.get(key)
    if value is None or value == "":
        if required:
            problems.error(item.where, f"missing {key}")
        return None
    if not isinstance(value, str):
        problems.error(at(item, key), f"expected text, not {type_name(value)}")
        return None
    return value


def flag(item: Item, key: str, problems: Problems, default: bool | None = False) -> bool | None:
    """A true/false field; `default` when it is absent (None: it is required)."""
    value = item.data.get(key)
    if value is None:
        if default is None:
            problems.error(item.where, f"missing {key}")
        return default
    if not isinstance(value, bool):
        problems.error(at(item, key), f"{key} must be true or false, not {type_name(value)}")
        return default
    return value


def number(item: Item, key: str, problems: Problems) -> int | None:
    value = item.data.get(key)
    if value is None:
        problems.error(item.where, f"missing {key}")
        return None
    if not is_int(value):
        problems.error(at(item, key), f"{key} must be a whole number, not {type_name(value)}")
        return None
    return value


def items(item: Item, key: str, problems: Problems) -> Iterator[Item]:
    """The entries of list field `key` that are objects; the others are reported as they
    come, so problems stay in the order of the input. Nothing when it is absent."""
    value = item.data.get(key)
    if value is None:
        return
    if not isinstance(value, list):
        problems.error(at(item, key), f"expected a list, not {type_name(value)}")
        return
    for i, entry in enumerate(value):
        if isinstance(entry, dict):
            yield child(item, key, i, entry)
        else:
            problems.error(f"{item.where}.{key}[{i}]", f"expected an object, not {type_name(entry)}")


def texts(item: Item, key: str, problems: Problems) -> tuple[str, ...]:
    """A list of ids (RouteTableIds, SubnetIds...); () when absent."""
    value = item.data.get(key)
    if value is None:
        return ()
    if not isinstance(value, list):
        problems.error(at(item, key), f"expected a list, not {type_name(value)}")
        return ()
    out = []
    for i, entry in enumerate(value):
        if isinstance(entry, str) and entry:
            out.append(entry)
        else:
            problems.error(f"{item.where}.{key}[{i}]", f"expected an id, not {type_name(entry)}")
    return tuple(dict.fromkeys(out))


def state(value: Any, key: str = "State") -> str | None:
    """A state written as text or as {"State": ...} / {"Code": ...}; None when absent."""
    if isinstance(value, Mapping):
        value = value.get(key)
    return value if isinstance(value, str) else None


def address(item: Item, key: str, family: Family, problems: Problems) -> int | None:
    value = item.data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        problems.error(at(item, key), f"expected an IP address, not {type_name(value)}")
        return None
    try:
        found, parsed = parse_address(value)
    except ValueError as exc:
        problems.error(at(item, key), str(exc))
        return None
    if found is not family:
        problems.error(at(item, key), f"{value} is not an IPv{family.value} address")
        return None
    return parsed
