"""JSON documents read straight into YMap/YList with their lines.

Two readers, tried in order by `read_json` (called from yamlnodes.load_yaml):
one-line JSON (how large exports are written) goes through the standard
library's C decoder, every value taking the line of the document; other JSON
goes through a position-tracking reader. Either gives up (None) on anything
it cannot read exactly, and the caller falls back to the YAML path and its
messages.
"""

from __future__ import annotations

import bisect
import json
import re
from json.decoder import JSONDecodeError, scanstring
from json.scanner import NUMBER_RE
from typing import Any

from ..errors import Diagnostic, InputError
from .yamlnodes import _NO_LINES, MAX_DEPTH, YList, YMap, _error


def read_json(text: str, path: str) -> YMap | None:
    """The document as YMap/YList, or None when it is not JSON these readers take."""
    found = _read_flat_json(text)
    if found is not None:
        return found
    return _read_json(text, path)


# JSON goes through its own reader: composing YAML nodes costs ~10 us per node,
# which makes a large JSON export take seconds; this reader is several times
# faster and keeps the same lines. Anything it cannot read as strict JSON (flow
# YAML such as `{a: 1}` included) falls back to the YAML path and its messages.

_WS = re.compile(r"[ \t\n\r]*")
_WORDS = (("true", True), ("false", False), ("null", None))


class _NotJson(Exception):
    pass


def _read_json(text: str, path: str) -> YMap | None:
    reader = _JsonReader(text, path)
    try:
        value = reader.document()
    except (_NotJson, JSONDecodeError):
        return None
    if reader.errors:
        raise InputError(reader.errors)
    return value


class _JsonReader:
    def __init__(self, text: str, path: str):
        self.text = text
        self.path = path
        self.errors: list[Diagnostic] = []
        self.newlines = [m.start() for m in re.finditer("\n", text)]
        self.depth = 0

    def line(self, pos: int) -> int:
        return bisect.bisect_left(self.newlines, pos) + 1

    def skip(self, pos: int) -> int:
        return _WS.match(self.text, pos).end()

    def document(self) -> YMap:
        value, pos = self.value(self.skip(0))
        if self.skip(pos) != len(self.text):
            raise _NotJson
        return value

    def value(self, pos: int) -> tuple[Any, int]:
        char = self.text[pos:pos + 1]
        if char in ("{", "["):
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise InputError(_error(self.path, self.line(pos), f"nesting is deeper than {MAX_DEPTH} levels"))
            found = self.obj(pos) if char == "{" else self.array(pos)
            self.depth -= 1
            return found
        if char == '"':
            return scanstring(self.text, pos + 1)
        number = NUMBER_RE.match(self.text, pos)
        if number:
            integer, fraction, exponent = number.groups()
            value = float(number.group()) if fraction or exponent else int(integer)
            return value, number.end()
        for word, value in _WORDS:
            if self.text.startswith(word, pos):
                return value, pos + len(word)
        raise _NotJson

    def obj(self, pos: int) -> tuple[YMap, int]:
        out = YMap(self.line(pos))
        pos = self.skip(pos + 1)
        if self.text[pos:pos + 1] == "}":
            return out, pos + 1
        while True:
            if self.text[pos:pos + 1] != '"':
                raise _NotJson
            key_line = self.line(pos)
            key, pos = scanstring(self.text, pos + 1)
            pos = self.skip(pos)
            if self.text[pos:pos + 1] != ":":
                raise _NotJson
            pos = self.skip(pos + 1)
            value_line = self.line(pos)
            value, pos = self.value(pos)
            if key in out:
                self.errors.append(_error(self.path, key_line,
                                          f"duplicate key {key!r} (first at line {out.key_line(key)})"))
            else:
                out[key] = value
                out._key_lines[key] = key_line
                out._value_lines[key] = value_line
            pos = self.after_item(pos, "}")
            if pos < 0:
                return out, -pos

    def array(self, pos: int) -> tuple[YList, int]:
        out = YList(self.line(pos))
        pos = self.skip(pos + 1)
        if self.text[pos:pos + 1] == "]":
            return out, pos + 1
        while True:
            out._item_lines.append(self.line(pos))
            value, pos = self.value(pos)
            out.append(value)
            pos = self.after_item(pos, "]")
            if pos < 0:
                return out, -pos

    def after_item(self, pos: int, close: str) -> int:
        """The start of the next item, or minus the end of the container."""
        pos = self.skip(pos)
        char = self.text[pos:pos + 1]
        if char == ",":
            return self.skip(pos + 1)
        if char == close:
            return -(pos + 1)
        raise _NotJson


# A document written on one line (the usual form of a large generated export)
# needs no position tracking at all: every key, value and item is on the line
# of the opening brace. Such text is parsed by the C decoder of the standard
# library, many times faster than the reader above. Anything unusual for it
# (a duplicate key, nesting deeper than MAX_DEPTH, NaN or Infinity, any decoding
# error) makes it give up, and the reader above then reads the text as before,
# with its own messages.


class _GiveUp(Exception):
    pass


def _read_flat_json(text: str) -> YMap | None:
    start = len(text) - len(text.lstrip(" \t\r\n"))
    end = len(text.rstrip(" \t\r\n"))
    if text.find("\n", start, end) >= 0:
        return None
    builder = _FlatBuilder(text.count("\n", 0, start) + 1)
    try:
        value = json.loads(text, object_pairs_hook=builder.mapping, parse_constant=_give_up)
    except (_GiveUp, ValueError, RecursionError):
        return None
    return value if isinstance(value, YMap) else None


def _give_up(_text: str) -> Any:
    raise _GiveUp


class _FlatBuilder:
    """Builds YMap / YList bottom-up as the decoder finishes each object.

    `depths` holds the nesting depth of each finished container that holds
    another one (a container holding none has depth 1), until its parent takes it.
    """

    def __init__(self, line: int):
        self.line = line
        self.depths: dict[int, int] = {}

    def mapping(self, pairs: list[tuple[str, Any]]) -> YMap:
        out = YMap.__new__(YMap)
        dict.update(out, pairs)
        if len(out) != len(pairs):  # a duplicate key
            raise _GiveUp
        out.line = self.line
        out._key_lines = out._value_lines = _NO_LINES
        depth = 1
        for key, value in pairs:
            kind = type(value)
            if kind is list or kind is YMap:  # scalars, the most values, stay inline
                value, below = self._nested(value)
                dict.__setitem__(out, key, value)
                depth = below if below > depth else depth
        self._finish(out, depth)
        return out

    def sequence(self, items: list[Any]) -> YList:
        out = YList.__new__(YList)
        list.extend(out, items)
        out.line = self.line
        out._item_lines = ()
        depth = 1
        for index, value in enumerate(items):
            kind = type(value)
            if kind is list or kind is YMap:
                value, below = self._nested(value)
                list.__setitem__(out, index, value)
                depth = below if below > depth else depth
        self._finish(out, depth)
        return out

    def _nested(self, value: list | YMap) -> tuple[YMap | YList, int]:
        """A container inside another, as a node, and the depth it adds."""
        if type(value) is list:
            value = self.sequence(value)
        return value, self.depths.pop(id(value), 1) + 1

    def _finish(self, out: YMap | YList, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise _GiveUp
        if depth > 1:
            self.depths[id(out)] = depth
