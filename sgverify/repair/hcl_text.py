"""Finding blocks and attributes in .tf text without re-rendering it.

Braces and brackets are counted outside strings and comments, which is all a
rule block needs; heredocs do not occur in rule blocks and are not handled.
"""

from __future__ import annotations

import re

from .text import Unwritable

ATTRIBUTE = re.compile(r"^(\s*)([A-Za-z_][\w-]*)(\s*)=(?!=)")


def _depth_changes(line: str) -> tuple[int, bool]:
    """The net change of bracket depth on a line, and whether it opened a brace at all."""
    change, opened, in_string, i = 0, False, False, 0
    while i < len(line):
        ch = line[i]
        if in_string:
            if ch == "\\":
                i += 1
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch == "#" or line.startswith("//", i):
            break
        elif ch in "{[(":
            change += 1
            opened = opened or ch == "{"
        elif ch in "}])":
            change -= 1
        i += 1
    return change, opened


def block_extent(lines: list[str], first: int, where: str) -> int:
    """The line closing the block opened on line `first`."""
    depth, opened = 0, False
    for i in range(first, len(lines)):
        change, brace = _depth_changes(lines[i])
        depth += change
        opened = opened or brace
        if opened and depth <= 0:
            return i
    raise Unwritable(f"{where}: cannot find the end of the block")


def attributes(lines: list[str], first: int, last: int) -> dict[str, tuple[int, int]]:
    """Attributes written directly in the block first..last: name -> (first line, last line).
    A nested block is skipped whole (its brace keeps the depth above zero to its end)."""
    out: dict[str, tuple[int, int]] = {}
    i = first + 1
    while i < last:
        start, end = _attribute_end(lines, i, last)
        match = ATTRIBUTE.match(lines[i])
        if match:
            out[match.group(2)] = (start, end)
        i = end + 1
    return out


def nested_blocks(lines: list[str], first: int, last: int) -> list[tuple[str, int, int]]:
    """Blocks written directly in the block first..last: (type, first line, last line)."""
    out, i = [], first + 1
    while i < last:
        words = lines[i].split()
        if words and re.fullmatch(r"[A-Za-z_][\w-]*", words[0]) and lines[i].rstrip().endswith("{") \
                and not ATTRIBUTE.match(lines[i]):
            end = block_extent(lines, i, f"line {i + 1}")
            out.append((words[0], i, end))
            i = end + 1
            continue
        if ATTRIBUTE.match(lines[i]):
            _, end = _attribute_end(lines, i, last)
            i = end + 1
            continue
        i += 1
    return out


def _attribute_end(lines: list[str], i: int, last: int) -> tuple[int, int]:
    start, change = i, _depth_changes(lines[i])[0]
    while change > 0 and i + 1 < last:
        i += 1
        change += _depth_changes(lines[i])[0]
    return start, i


def set_attribute(line: str, value: str) -> str:
    """The attribute line with its value replaced, keeping the name's indentation and alignment."""
    match = ATTRIBUTE.match(line)
    return line[:match.end()] + " " + value + "\n"


def aligned(anchor: str, name: str, value: str) -> str:
    """A new attribute line aligned like `anchor` (terraform fmt lines up the `=` of neighbours)."""
    match = ATTRIBUTE.match(anchor)
    indent, width = match.group(1), len(match.group(2)) + len(match.group(3)) - 1
    return f"{indent}{name.ljust(width)} = {value}\n"


def quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
