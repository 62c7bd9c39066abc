"""Field readers shared by the native network format and the spec format.

Each reader takes a value as written and either returns the model value or
raises ValueError with a message meant for a person; `Report` turns those into
file:line diagnostics so a whole file is checked before anything is raised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from ..errors import Diagnostic, InputError, InputFileNotFound, Severity
from ..model import Cidr, Family, parse_address
from ..model.service import ALL, PORTED, PROTOCOL_NUMBERS, PortRange, protocol_name
from .suggest import unknown_key
from .yamlnodes import YList, YMap

_RANGE = re.compile(r"^\s*(-?\d+)\s*-\s*(-?\d+)\s*$")


@dataclass
class Report:
    """Errors and warnings found in one file, in the order of their lines."""

    path: str
    errors: list[tuple[int, Diagnostic]] = field(default_factory=list)
    warnings: list[tuple[int, Diagnostic]] = field(default_factory=list)

    def error(self, line: int, message: str) -> None:
        self.errors.append((line, Diagnostic(Severity.ERROR, f"{self.path}:{line}", message)))

    def warn(self, line: int, message: str) -> None:
        self.warnings.append((line, Diagnostic(Severity.WARNING, f"{self.path}:{line}", message)))

    def sorted_warnings(self) -> tuple[Diagnostic, ...]:
        return tuple(d for _, d in sorted(self.warnings, key=lambda pair: pair[0]))

    def raise_if_errors(self) -> None:
        if self.errors:
            raise InputError([d for _, d in sorted(self.errors, key=lambda pair: pair[0])])


def check_keys(report: Report, mapping: YMap, allowed: Iterable[str], where: str) -> None:
    """One error per key that is not in `allowed` (with a did-you-mean)."""
    allowed = tuple(allowed)
    for key in mapping:
        if key not in allowed:
            report.error(mapping.key_line(key), unknown_key(key, where, allowed))


def type_name(value: Any) -> str:
    if isinstance(value, YMap) or isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (YList, list)):
        return "a list"
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    return f"the text {value!r}"


def expect_str(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must be a non-empty string, not {type_name(value)}")
    return value


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_protocol(value: Any) -> int:
    """tcp | udp | icmp | icmpv6 | all | -1 | 0-255 (int or numeric text) -> number or ALL."""
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("all", "-1"):
            return ALL
        if text in PROTOCOL_NUMBERS:
            return PROTOCOL_NUMBERS[text]
        if text.isdigit():
            value = int(text)
        else:
            raise ValueError(f"unknown protocol {value!r}: use tcp, udp, icmp, icmpv6, all or a number 0-255")
    if not is_int(value):
        raise ValueError(f"protocol must be a name or a number 0-255, not {type_name(value)}")
    if value == ALL:
        return ALL
    if not 0 <= value <= 255:
        raise ValueError(f"protocol number {value} is outside 0-255")
    return value


def parse_ports(value: Any) -> tuple[PortRange, ...]:
    """443 | "8000-8080" | a list of those -> sorted port ranges."""
    items = list(value) if isinstance(value, list) else [value]
    if not items:
        raise ValueError("ports is an empty list: leave it out for all ports")
    ranges = [_port_range(item) for item in items]
    return tuple(sorted(set(ranges)))


def _port_range(item: Any) -> PortRange:
    if is_int(item):
        lo = hi = item
    elif isinstance(item, str) and item.strip().isdigit():
        lo = hi = int(item)
    elif isinstance(item, str) and _RANGE.match(item):
        found = _RANGE.match(item)
        lo, hi = int(found.group(1)), int(found.group(2))
    else:
        raise ValueError(f"invalid port {item!r}: use a number or a range like \"8000-8080\"")
    for port in (lo, hi):
        if not 0 <= port <= 65535:
            raise ValueError(f"port {port} is outside 0-65535")
    if lo > hi:
        raise ValueError(f"port range {lo}-{hi} runs backwards (from > to)")
    return PortRange(lo, hi)


def ports_not_allowed(protocol: int) -> str | None:
    """Why ports cannot be given with this protocol, or None when they can."""
    if protocol in PORTED:
        return None
    name = protocol_name(protocol)
    if protocol in (1, 58):
        return f"{name} has no ports: use icmp_type and icmp_code"
    return (f"ports given with protocol {name}: AWS ignores ports there and the rule "
            f"opens every port; remove ports or use tcp or udp")


def parse_cidr(text: Any, report: Report, line: int, *, host_ok: bool = False) -> Cidr | None:
    """A CIDR (or, with host_ok, a bare address = one host); warns on likely mistakes."""
    if not isinstance(text, str):
        report.error(line, f"expected a CIDR, not {type_name(text)}")
        return None
    try:
        if host_ok and "/" not in text:
            family, value = parse_address(text)
            return Cidr.host(family, value)
        cidr = Cidr.parse(text)
    except ValueError as exc:
        report.error(line, str(exc))
        return None
    warn_cidr(cidr, text, report, line)
    return cidr


def warn_cidr(cidr: Cidr, text: str, report: Report, line: int) -> None:
    warning = cidr_warning(cidr, text)
    if warning is not None:
        report.warn(line, warning)


def cidr_warning(cidr: Cidr, text: str) -> str | None:
    """The warning a CIDR written as `text` deserves (a likely mistake), or None."""
    if cidr.network == 0 and cidr.prefix == cidr.family.width:
        wide = "0.0.0.0/0" if cidr.family is Family.V4 else "::/0"
        return f"{text} is the single address {str(cidr).split('/')[0]}, not every address: did you mean {wide}?"
    if cidr.had_host_bits:
        return f"{text} has host bits set; it is read as {cidr}"
    return None


def read_text(path: Any, what: str) -> str:
    """The text of an input file; a missing or unreadable file is one clear error."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        raise InputFileNotFound(f"{what} file {str(path)!r} does not exist") from None
    except IsADirectoryError:
        raise InputError(f"{what} file {str(path)!r} is a folder, not a file") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{what} file is not UTF-8 text ({exc.reason})", location=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read {what} file {str(path)!r}: {exc.strerror}") from None
    reject_huge_numbers(text, str(path))
    return text


_HUGE_NUMBER = re.compile(r"\d{%d,}" % 4000)


def reject_huge_numbers(text: str, path: str) -> None:
    """A run of thousands of digits is no port, protocol or address, and Python
    refuses to turn it into an integer: say where it is instead of crashing."""
    found = _HUGE_NUMBER.search(text)
    if found:
        line = text.count("\n", 0, found.start()) + 1
        raise InputError(f"a number of {len(found.group())} digits is far too long to be a value here",
                         location=f"{path}:{line}")


def render(value: Any, leave_out: tuple[str, ...] = ()) -> str:
    """A value written back compactly, flow-style: {protocol: tcp, ports: 443, source: b}."""
    if isinstance(value, dict):
        # Text and whole numbers (nearly every value of a rule) are written inline.
        inner = ", ".join([f"{k}: {v}" if type(v) is str or type(v) is int else f"{k}: {render(v)}"
                           for k, v in value.items() if k not in leave_out])
        return "{" + inner + "}"
    if isinstance(value, list):
        return "[" + ", ".join(render(v) for v in value) + "]"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)
