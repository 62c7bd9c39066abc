"""Field readers for the elements of the native VPC layer.

Each reader reports what is wrong with a value at its own line and returns a
value the caller can go on with (None, "" or a default), so the whole file is
checked before anything is raised.
"""

from __future__ import annotations

from typing import Iterator, Mapping, TypeVar

from ...model import Cidr, Family, Origin, parse_address
from ..fields import Report, check_keys, parse_cidr, type_name
from ..suggest import did_you_mean
from ..yamlnodes import YList, YMap

T = TypeVar("T")


class Values:
    def __init__(self, report: Report):
        self.report = report

    def origin(self, line: int) -> Origin:
        return Origin(self.report.path, line)

    def elements(self, doc: YMap, name: str, what: str, keys: tuple[str, ...]) -> Iterator[tuple[str, YMap, int]]:
        """(key, body, line of the key) of each element of section `name`, each body a
        mapping with no key outside `keys`; a section or body of the wrong kind is reported."""
        yield from self.children(doc, name, name, what, keys)

    def children(self, parent: YMap, name: str, section: str, what: str,
                 keys: tuple[str, ...]) -> Iterator[tuple[str, YMap, int]]:
        value = parent.get(name)
        if value is None:
            return
        if not isinstance(value, YMap):
            self.report.error(parent.value_line(name), f"{section} must be a mapping of {what}s by key, "
                                                       f"not {type_name(value)}")
            return
        for key, body in value.items():
            key_line = value.key_line(key)
            if body is None:
                body = YMap(key_line)
            if not isinstance(body, YMap):
                self.report.error(value.value_line(key), f"{what} {key!r} must be a mapping, not {type_name(body)}")
                continue
            check_keys(self.report, body, keys, f"{what} {key!r}")
            yield key, body, key_line

    def text(self, body: YMap, key: str, what: str, *, needed: bool = False) -> str:
        """A non-empty text (a key of another element, a name...); "" when absent or wrong."""
        if key not in body:
            if needed:
                self.report.error(body.line, f"{what} needs {key}")
            return ""
        value = body[key]
        if not isinstance(value, str) or not value.strip():
            self.report.error(body.value_line(key), f"{key} of {what} must be a non-empty text, "
                                                    f"not {type_name(value)}")
            return ""
        return value

    def optional(self, body: YMap, key: str, what: str) -> str | None:
        """A key naming another element, or None when absent (or wrong)."""
        if key not in body:
            return None
        return self.text(body, key, what) or None

    def flag(self, body: YMap, key: str, what: str, default: bool) -> bool:
        if key not in body:
            return default
        value = body[key]
        if not isinstance(value, bool):
            self.report.error(body.value_line(key), f"{key} of {what} must be true or false, not {type_name(value)}")
            return default
        return value

    def keys(self, body: YMap, key: str, what: str) -> tuple[str, ...]:
        """A list of keys of other elements (a single key is a list of one)."""
        if key not in body:
            return ()
        value, line = body[key], body.value_line(key)
        if isinstance(value, str) and value.strip():
            return (value,)
        if not isinstance(value, YList):
            self.report.error(line, f"{key} of {what} must be a list of keys, not {type_name(value)}")
            return ()
        out: list[str] = []
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                self.report.error(value.item_line(index), f"{key} of {what} holds keys, not {type_name(item)}")
            elif item not in out:
                out.append(item)
        return tuple(out)

    def cidrs(self, body: YMap, key: str, what: str, *, needed: bool = True) -> tuple[Cidr, ...] | None:
        """A CIDR or a list of them ([] for none); None when absent-but-needed or wrong."""
        if key not in body:
            if needed:
                self.report.error(body.line, f"{what} needs {key} (a list of CIDRs)")
            return None if needed else ()
        value, line = body[key], body.value_line(key)
        if isinstance(value, str):
            cidr = parse_cidr(value, self.report, line)
            return (cidr,) if cidr else None
        if not isinstance(value, YList):
            self.report.error(line, f"{key} of {what} must be a CIDR or a list of CIDRs, not {type_name(value)}")
            return None
        found = [parse_cidr(v, self.report, value.item_line(i)) for i, v in enumerate(value)]
        if any(c is None for c in found):
            return None
        return tuple(dict.fromkeys(found))  # keeps the first of equal blocks

    def cidr(self, body: YMap, key: str, what: str) -> Cidr | None:
        if key not in body:
            self.report.error(body.line, f"{what} needs {key} (a CIDR)")
            return None
        return parse_cidr(body[key], self.report, body.value_line(key))

    def ipv4(self, body: YMap, key: str, what: str) -> int | None:
        if key not in body:
            return None
        value, line = body[key], body.value_line(key)
        if not isinstance(value, str):
            self.report.error(line, f"{key} of {what} must be an IPv4 address, not {type_name(value)}")
            return None
        try:
            family, address = parse_address(value)
        except ValueError as exc:
            self.report.error(line, str(exc))
            return None
        if family is not Family.V4:
            self.report.error(line, f"{key} of {what} must be an IPv4 address, not {value}")
            return None
        return address

    def choice(self, body: YMap, key: str, what: str, choices: Mapping[str, T], default: T | None) -> T | None:
        """One of `choices` by its word (any case); `default` when absent, None when wrong."""
        if key not in body:
            if default is None:
                self.report.error(body.line, f"{what} needs {key} ({', '.join(choices)})")
            return default
        value, line = body[key], body.value_line(key)
        if isinstance(value, str):
            for word, chosen in choices.items():
                if word.lower() == value.strip().lower():
                    return chosen
            self.report.error(line, f"unknown {key} {value!r} of {what}: use "
                                    f"{', '.join(choices)}{did_you_mean(value, list(choices))}")
            return None
        self.report.error(line, f"{key} of {what} must be one of {', '.join(choices)}, not {type_name(value)}")
        return None


def article(word: str) -> str:
    """'a' or 'an', as said before `word` (an internet gateway, a nat gateway)."""
    return "an" if word[:1].lower() in "aeiou" else "a"
