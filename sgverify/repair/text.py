"""Text surgery shared by the patch writers: line edits, extents, unified diffs.

A writer never re-renders a file: it replaces, inserts or deletes whole line
spans found from a rule's origin line, so everything the fix does not touch
(comments, blank lines, alignment) stays byte for byte.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


class Unwritable(Exception):
    """An edit that cannot be written as a change of the user's text (the message says where and why)."""


@dataclass
class FileEdits:
    """Pending edits of one file: (first line, last line) -> replacement lines (0-based, inclusive).

    An insertion is a span whose last line is first - 1 (nothing replaced)."""

    path: str
    lines: list[str]  # the file's lines, each with its line ending
    spans: dict[tuple[int, int], list[str]] = field(default_factory=dict)

    @classmethod
    def read(cls, path: str) -> "FileEdits":
        text = Path(path).read_text(encoding="utf-8")
        return cls(path, text.splitlines(keepends=True))

    def replace(self, first: int, last: int, new: list[str]) -> None:
        for a, b in self.spans:
            if b >= a and last >= first and not (last < a or first > b):
                raise Unwritable(f"{self.path}:{first + 1}: two edits of the same lines")
        self.spans[(first, last)] = [line if line.endswith("\n") else line + "\n" for line in new]

    def insert_after(self, line: int, new: list[str]) -> None:
        key = (line + 1, line)
        self.spans[key] = self.spans.get(key, []) + [x if x.endswith("\n") else x + "\n" for x in new]

    def text(self) -> str:
        out, at = [], 0
        for (first, last), new in sorted(self.spans.items(), key=lambda kv: (kv[0][0], kv[0][1] >= kv[0][0])):
            out += self.lines[at:first]
            out += new
            at = max(at, last + 1, first)
        out += self.lines[at:]
        return "".join(out)

    def changes(self) -> list[tuple[int, int, list[str]]]:
        """(first old line, end of the old lines (exclusive), new lines), in order; spans that
        touch are one change."""
        out: list[tuple[int, int, list[str]]] = []
        for (first, last), new in sorted(self.spans.items(), key=lambda kv: (kv[0][0], kv[0][1] >= kv[0][0])):
            end = max(last + 1, first)
            if out and out[-1][1] == first:
                out[-1] = (out[-1][0], end, out[-1][2] + new)
            else:
                out.append((first, end, list(new)))
        return [c for c in map(self._trimmed, out) if self.lines[c[0]:c[1]] != c[2]]

    def _trimmed(self, change: tuple[int, int, list[str]]) -> tuple[int, int, list[str]]:
        """The change without the lines it leaves as they were, at either end (a rewritten
        block whose one attribute changed is a one-line change)."""
        first, end, new = change
        while first < end and new and self.lines[first] == new[0]:
            first, new = first + 1, new[1:]
        while first < end and new and self.lines[end - 1] == new[-1]:
            end, new = end - 1, new[:-1]
        return first, end, new


def indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def is_blank(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def yaml_extent(lines: list[str], first: int) -> int:
    """The last line of the YAML node that starts at line `first` (a `- ` item or a `key:`):
    every following line indented deeper belongs to it, and so do the items of a key's list
    written at the key's own indentation; trailing blank lines do not."""
    base = indent_of(lines[first])  # an item's keys are deeper than its dash
    key = not lines[first].lstrip().startswith("- ")
    last = first
    for i in range(first + 1, len(lines)):
        if is_blank(lines[i]):
            continue
        deeper = indent_of(lines[i]) > base
        own_item = key and indent_of(lines[i]) == base and lines[i].lstrip().startswith("- ")
        if not (deeper or own_item):
            break
        last = i
    return last


def unified_diff(edits: FileEdits, context: int = 3) -> str:
    """A unified diff of the edits, hunk by hunk from the spans that changed (not a diff of the
    two texts, which may pair a removed block with an added one that looks alike). Named so
    that both `patch -p0` and `git apply` find the file: `./relative/path` (git strips the
    `./`), or the absolute path outside the current folder."""
    changes = edits.changes()
    if not changes:
        return ""
    name = display_path(edits.path)
    out = [f"--- {name}\n", f"+++ {name}\n"]
    groups: list[list] = []
    for change in changes:
        if groups and change[0] - context <= groups[-1][-1][1] + context:
            groups[-1].append(change)
        else:
            groups.append([change])
    lines, shift = edits.lines, 0
    for group in groups:
        start, end = max(0, group[0][0] - context), min(len(lines), group[-1][1] + context)
        body, pos, added, removed = [], start, 0, 0
        for first, stop, new in group:
            body += [" " + line for line in lines[pos:first]]
            body += ["-" + line for line in lines[first:stop]] + ["+" + line for line in new]
            removed, added, pos = removed + stop - first, added + len(new), stop
        body += [" " + line for line in lines[pos:end]]
        old_len, new_len = end - start, end - start - removed + added
        out.append(f"@@ -{_range(start, old_len)} +{_range(start + shift, new_len)} @@\n")
        out += [line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in body]
        shift += added - removed
    return "".join(out)


def _range(start: int, length: int) -> str:
    return f"{start + 1},{length}" if length else f"{start},0"


def display_path(path: str) -> str:
    absolute = os.path.abspath(path)
    here = os.getcwd()
    if absolute.startswith(here + os.sep):
        return "./" + os.path.relpath(absolute, here).replace(os.sep, "/")
    return absolute
