"""YAML (and JSON) documents as plain values that remember their lines.

`load_yaml(text, path)` returns the top-level mapping as a `YMap`. Mappings
are `YMap` (a dict) and lists are `YList` (a list); both carry the 1-based line
where they start, and they know the line of each key, value and item, so every
reader can point at file:line. Scalars are plain Python values (str, int,
float, bool, None); their lines are asked of the container holding them.

PyYAML silently keeps the last of two equal keys and expands aliases without
limit; both are rejected here, along with everything else that would make a
document mean something other than what it looks like.
"""

from __future__ import annotations

import re
from types import MappingProxyType
from typing import Any

import yaml

from ..errors import Diagnostic, InputError, Severity

try:  # the C loader is many times faster on large JSON exports
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

MAX_EXPANDED_NODES = 1_000_000
# Real documents nest a dozen levels; PyYAML's C composer recurses per level
# and can crash the interpreter on absurd nesting, so depth is checked first.
MAX_DEPTH = 100

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"
_OCTAL = re.compile(r"^[-+]?0[0-7_]+$")


_NO_LINES: Any = MappingProxyType({})  # read-only: a flat container has no per-key lines


class YMap(dict):
    """A mapping that knows its own line and the lines of its keys and values.

    A mapping without per-key lines (read from a document written on one line)
    answers its own line for every key and value.
    """

    __slots__ = ("line", "_key_lines", "_value_lines")  # no __dict__: large documents hold many

    def __init__(self, line: int):
        super().__init__()
        self.line = line
        self._key_lines: dict[str, int] = {}
        self._value_lines: dict[str, int] = {}

    def key_line(self, key: str) -> int:
        return self._key_lines.get(key, self.line)

    def value_line(self, key: str) -> int:
        return self._value_lines.get(key, self.key_line(key))


class YList(list):
    """A list that knows its own line and the line of each item (its own when it has none)."""

    __slots__ = ("line", "_item_lines")

    def __init__(self, line: int):
        super().__init__()
        self.line = line
        self._item_lines: list[int] = []

    def item_line(self, index: int) -> int:
        return self._item_lines[index] if 0 <= index < len(self._item_lines) else self.line


def line_of(value: Any, default: int = 1) -> int:
    """The line of a YMap or YList; `default` for scalars (ask their container)."""
    return getattr(value, "line", default)


def load_yaml(text: str, path: str = "<string>") -> YMap:
    """Parse one YAML or JSON document whose top level is a mapping."""
    text = text.removeprefix("\ufeff")
    if text.lstrip(" \t\r\n").startswith("{"):
        from .jsonnodes import read_json  # it builds the YMap/YList defined here

        found = read_json(text, path)
        if found is not None:
            return found
    root = _compose(text, path)
    _check_size(root, path)
    builder = _Builder(path)
    value = builder.build(root)
    if builder.errors:
        raise InputError(builder.errors)
    if not isinstance(value, YMap):
        raise InputError(_error(path, _line(root), "the top level must be a mapping (key: value)"))
    return value


def _compose(text: str, path: str) -> yaml.Node:
    try:
        _check_depth(text, path)
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        raise InputError(_syntax_error(exc, path)) from None
    except yaml.YAMLError as exc:
        raise InputError(_error(path, 1, f"invalid YAML: {exc}")) from None
    if root is None:
        raise InputError(_error(path, 1, "the file is empty or holds only comments (no YAML document)"))
    return root


def _check_depth(text: str, path: str) -> None:
    """Reject nesting deeper than MAX_DEPTH from the (iterative) event stream."""
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise InputError(_error(path, event.start_mark.line + 1,
                                        f"nesting is deeper than {MAX_DEPTH} levels"))
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def _syntax_error(exc: yaml.MarkedYAMLError, path: str) -> Diagnostic:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else 1
    if isinstance(exc, yaml.composer.ComposerError) and "another document" in str(exc.problem):
        return _error(path, line, "more than one YAML document; expected exactly one")
    problem = exc.problem or exc.context or "syntax error"
    context = f" ({exc.context})" if exc.context and exc.problem else ""
    return _error(path, line, f"invalid YAML: {problem}{context}")


def _check_size(root: yaml.Node, path: str) -> None:
    """Reject alias bombs and cycles before expanding anything.

    The size of every distinct node (counted with its aliases expanded) is
    computed once, so a billion-laughs document costs a few hundred steps here
    instead of a billion during conversion.
    """
    sizes: dict[int, int] = {}
    active: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            active.discard(key)
            sizes[key] = 1 + sum(sizes[id(c)] for c in _children(node))
            if sizes[key] > MAX_EXPANDED_NODES:
                raise InputError(_error(path, _line(node),
                                        f"YAML aliases expand to more than {MAX_EXPANDED_NODES:,} nodes"))
            continue
        if key in sizes:
            continue
        if key in active:
            raise InputError(_error(path, _line(node), "a YAML alias refers to a node that contains it"))
        active.add(key)
        stack.append((node, True))
        for child in _children(node):
            if id(child) in active:
                raise InputError(_error(path, _line(node), "a YAML alias refers to a node that contains it"))
            if id(child) not in sizes:
                stack.append((child, False))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


class _Builder:
    """Turns composed nodes into YMap / YList / scalars, collecting errors."""

    def __init__(self, path: str):
        self.path = path
        self.errors: list[Diagnostic] = []
        self._constructor = yaml.SafeLoader("")

    def build(self, node: yaml.Node) -> Any:
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node)
        if isinstance(node, yaml.SequenceNode):
            return self._sequence(node)
        return self._scalar(node)

    def _mapping(self, node: yaml.MappingNode) -> YMap:
        if node.tag != _MAP:
            self._fail(node, f"unsupported YAML tag {node.tag!r} on a mapping")
        out = YMap(_line(node))
        merged: list[yaml.Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merged.append(value_node)
                continue
            self._put(out, key_node, value_node, explicit=True)
        for source in merged:
            self._merge(out, source)
        return out

    def _put(self, out: YMap, key_node: yaml.Node, value_node: yaml.Node, explicit: bool) -> None:
        key = self.build(key_node) if isinstance(key_node, yaml.ScalarNode) else None
        if not isinstance(key, str):
            shown = key_node.value if isinstance(key_node, yaml.ScalarNode) else "a collection"
            self._fail(key_node, f"keys must be strings; got {shown!r} (quote it)")
            return
        if key in out:
            if explicit:
                self._fail(key_node, f"duplicate key {key!r} (first at line {out.key_line(key)})")
            return
        out[key] = self.build(value_node)
        out._key_lines[key] = _line(key_node)
        out._value_lines[key] = _line(value_node)

    def _merge(self, out: YMap, source: yaml.Node) -> None:
        """`<<: *base` (or a list of them): keys written explicitly win."""
        sources = source.value if isinstance(source, yaml.SequenceNode) else [source]
        for item in sources:
            if not isinstance(item, yaml.MappingNode):
                self._fail(item, "'<<' (merge) needs a mapping or a list of mappings")
                continue
            for key_node, value_node in item.value:
                if key_node.tag != _MERGE:
                    self._put(out, key_node, value_node, explicit=False)

    def _sequence(self, node: yaml.SequenceNode) -> YList:
        if node.tag != _SEQ:
            self._fail(node, f"unsupported YAML tag {node.tag!r} on a list")
        out = YList(_line(node))
        for item in node.value:
            out.append(self.build(item))
            out._item_lines.append(_line(item))
        return out

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        tag = node.tag
        if tag in (_STR, _TIMESTAMP):  # dates stay text: nothing here is a date
            return node.value
        if tag == _INT and (":" in node.value or _OCTAL.match(node.value)):
            # YAML 1.1 reads 20:30 as the base-60 number 1230 and 0443 as octal
            # 291; keep such values as text so a port or protocol written that
            # way is read as the decimal it looks like, or rejected, never misread.
            return node.value
        if tag == _INT:
            return self._constructor.construct_yaml_int(node)
        if tag == _FLOAT:
            return self._constructor.construct_yaml_float(node)
        if tag == _BOOL:
            return self._constructor.construct_yaml_bool(node)
        if tag == _NULL:
            return None
        self._fail(node, f"unsupported YAML tag {tag!r}")
        return node.value

    def _fail(self, node: yaml.Node, message: str) -> None:
        self.errors.append(_error(self.path, _line(node), message))


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _error(path: str, line: int, message: str) -> Diagnostic:
    return Diagnostic(Severity.ERROR, f"{path}:{line}", message)
