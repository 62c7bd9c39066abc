"""HCL's binary operators on known values, as Terraform computes them."""

from __future__ import annotations

from typing import Any


def binary(op: str, left: Any, right: Any) -> Any:
    if op in ("==", "!="):
        same = left == right and type(left) is type(right) or (
            _num(left) and _num(right) and left == right)
        return same if op == "==" else not same
    if op in ("&&", "||"):
        if not isinstance(left, bool) or not isinstance(right, bool):
            raise TypeError
        return (left and right) if op == "&&" else (left or right)
    a, b = _number(left), _number(right)
    result = {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b,
              "/": lambda: a / b, "%": lambda: a % b, "<": lambda: a < b,
              ">": lambda: a > b, "<=": lambda: a <= b, ">=": lambda: a >= b}[op]()
    if isinstance(result, float) and result.is_integer():
        return int(result)
    return result


def _num(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _number(value: Any) -> int | float:
    if _num(value):
        return value
    if isinstance(value, str):
        return float(value) if "." in value else int(value)
    raise TypeError

