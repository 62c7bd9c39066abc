"""Reading and changing one YAML mapping's keys in place, flow (`{A: 1, B: 2}`) or block.

Only the value of a key the fix changes is rewritten; the other keys, their
order, tags (`!Ref`, `!GetAtt`), quoting and comments stay as written.
"""

from __future__ import annotations

import re

from .text import Unwritable, indent_of, is_blank

KEY = r"(?:- )?{key}:(?:\s|$)"


def flow_span(line: str) -> tuple[int, int] | None:
    """Where the flow mapping `{...}` of a one-line item is: (index of `{`, index of `}`)."""
    opening = line.find("{")
    if opening < 0 or line[:opening].strip() not in ("-", ""):
        return None
    depth, quote = 0, ""
    for i in range(opening, len(line)):
        ch = line[i]
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
            if depth == 0:
                return opening, i
    return None


def _flow_entries(line: str, span: tuple[int, int]) -> list[tuple[int, int]]:
    """The (start, end) of each top-level `key: value` entry inside the braces."""
    out, depth, quote, start = [], 0, "", span[0] + 1
    for i in range(span[0] + 1, span[1]):
        ch = line[i]
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append((start, i))
            start = i + 1
    out.append((start, span[1]))
    return [(a, b) for a, b in out if line[a:b].strip()]


def _flow_set(line: str, key: str, value: str | None) -> str:
    """The one-line flow mapping with `key` set (None: dropped); other entries as written."""
    span = flow_span(line)
    inside = line[span[0] + 1:span[1]]
    lead, trail = inside[:len(inside) - len(inside.lstrip())], inside[len(inside.rstrip()):]
    entries = [line[a:b].strip() for a, b in _flow_entries(line, span)]
    found = [i for i, e in enumerate(entries) if e.partition(":")[0].strip() == key]
    if found and value is None:
        del entries[found[0]]
    elif found:
        entries[found[0]] = f"{key}: {value}"
    elif value is not None:
        entries.append(f"{key}: {value}")
    return line[:span[0] + 1] + lead + ", ".join(entries) + trail + line[span[1]:]


def set_key(lines: list[str], first: int, last: int, key: str, value: str | None, after: str = "") -> list[str]:
    """The node first..last with `key` set to `value` (None: removed); a missing key goes after
    the key `after` (block style) or at the end (flow style)."""
    block = lines[first:last + 1]
    if first == last and flow_span(block[0]) is not None:
        return [_flow_set(block[0], key, value)]
    pattern = re.compile(KEY.format(key=re.escape(key)))
    for i, line in enumerate(block):
        body = line.lstrip(" ")
        if pattern.match(body):
            end = i
            while end + 1 < len(block) and (is_blank(block[end + 1]) is False) and \
                    indent_of(block[end + 1]) > indent_of(line) + (2 if body.startswith("- ") else 0):
                end += 1
            if value is None:
                if body.startswith("- "):
                    raise Unwritable(f"line {first + i + 1}: cannot drop the key that starts the item")
                return block[:i] + block[end + 1:]
            head = line[:len(line) - len(body)] + body[:pattern.match(body).end()].rstrip()
            return block[:i] + [f"{head} {value}\n"] + block[end + 1:]
    if value is None:
        return block
    anchor = re.compile(KEY.format(key=re.escape(after))) if after else None
    for i, line in enumerate(block):
        body = line.lstrip(" ")
        if anchor is not None and anchor.match(body):
            column = len(line) - len(body) + (2 if body.startswith("- ") else 0)
            return block[:i + 1] + [" " * column + f"{key}: {value}\n"] + block[i + 1:]
    raise Unwritable(f"line {first + 1}: no place for {key}")


def parent_line(lines: list[str], line: int) -> int:
    """The key holding the node on `line`: the nearest line above indented less (or, for a
    list item, a key at the item's own indentation)."""
    own, item = indent_of(lines[line]), lines[line].lstrip().startswith("- ")
    for i in range(line - 1, -1, -1):
        if is_blank(lines[i]):
            continue
        if indent_of(lines[i]) < own or (item and indent_of(lines[i]) == own
                                         and not lines[i].lstrip().startswith("- ")):
            return i
    return -1


def key_name(line: str) -> str:
    body = line.strip()
    if body.startswith("- "):
        body = body[2:]
    return body.partition(":")[0].strip()
