"""Fn::Join, Fn::Select, Fn::Split and Fn::Cidr: the intrinsics on lists and text."""

from __future__ import annotations

import ipaddress
from typing import Any, Callable

from .values import CfnError, ResRef, Unknown


def as_text(value: Any) -> Any:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, ResRef):
        suffix = f".{value.attribute}" if value.attribute else ""
        return Unknown(f"{value.logical}{suffix} is an id AWS assigns")
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (str, int, float)):
        return str(value)
    return Unknown(f"a {type(value).__name__} used as text")


class ListFunctions:
    """Mixed into the resolver (intrinsics.Resolver), whose `resolve(value, line)`
    each function calls on its arguments."""

    resolve: Callable[..., Any]

    def _join(self, arg: Any, line: int) -> Any:
        if not isinstance(arg, list) or len(arg) != 2:
            raise CfnError(line, "Fn::Join takes [delimiter, [values]]")
        items = self.resolve(arg[1], line)
        if isinstance(items, Unknown):
            return items
        if not isinstance(items, list):
            raise CfnError(line, "Fn::Join needs a list of values")
        texts = [as_text(item) for item in items]
        unknown = [t for t in texts if isinstance(t, Unknown)]
        return unknown[0] if unknown else str(arg[0]).join(texts)

    def _select(self, arg: Any, line: int) -> Any:
        if not isinstance(arg, list) or len(arg) != 2:
            raise CfnError(line, "Fn::Select takes [index, [values]]")
        index, items = self.resolve(arg[0], line), self.resolve(arg[1], line)
        if isinstance(index, Unknown):
            return index
        if isinstance(items, Unknown):
            return items
        try:
            position = int(index)
        except (TypeError, ValueError):
            raise CfnError(line, f"Fn::Select index must be a number, not {index!r}") from None
        if not isinstance(items, list):
            raise CfnError(line, "Fn::Select needs a list of values")
        if not 0 <= position < len(items):
            raise CfnError(line, f"Fn::Select index {position} is outside a list of {len(items)}")
        return items[position]

    def _split(self, arg: Any, line: int) -> Any:
        if not isinstance(arg, list) or len(arg) != 2:
            raise CfnError(line, "Fn::Split takes [delimiter, string]")
        text = as_text(self.resolve(arg[1], line))
        if isinstance(text, Unknown):
            return text
        return text.split(str(arg[0]))

    def _cidr(self, arg: Any, line: int) -> Any:
        if not isinstance(arg, list) or len(arg) != 3:
            raise CfnError(line, "Fn::Cidr takes [ip block, count, cidr bits]")
        block, count, bits = (self.resolve(v, line) for v in arg)
        for value in (block, count, bits):
            if isinstance(value, Unknown):
                return value
        try:
            network = ipaddress.ip_network(str(block), strict=False)
            prefix = network.max_prefixlen - int(bits)
            subnets = network.subnets(new_prefix=prefix)
            return [str(next(subnets)) for _ in range(int(count))]
        except (TypeError, ValueError, StopIteration):
            raise CfnError(line, f"Fn::Cidr cannot split {block} into {count} blocks of {bits} host bits") from None
