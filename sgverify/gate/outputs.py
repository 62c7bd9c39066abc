"""Several reports from one run: `--format X --output F` pairs, in order.

The i-th --format goes to the i-th --output; at most one format may be left
without an output, and it goes to stdout (so write it last:
`--format sarif -o r.sarif --format junit -o r.xml --format text`).
With no --format at all, text goes to the (single) output or to stdout.
An output named *.sarif, *.xml or *.md must get that format.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from ..errors import InputError


# File names that say which report they hold; a different format paired with one is refused.
SUFFIX_FORMAT = {".sarif": "sarif", ".xml": "junit", ".md": "markdown"}


@dataclass(frozen=True)
class Destination:
    fmt: str
    path: Path | None  # None: stdout


def pair(formats: list[str], outputs: list[Path], default: str = "text") -> list[Destination]:
    if not formats:
        if len(outputs) > 1:
            raise InputError(f"{len(outputs)} --output files but no --format: give one --format per --output")
        return [Destination(default, outputs[0] if outputs else None)]
    if len(outputs) > len(formats):
        raise InputError(f"{len(outputs)} --output files but only {len(formats)} --format: "
                         f"give one --format per --output, in the same order")
    if len(formats) - len(outputs) > 1:
        raise InputError(f"{len(formats) - len(outputs)} --format without an --output: only one report "
                         f"can go to stdout (pair each other --format with an --output)")
    pairs = [Destination(f, outputs[i] if i < len(outputs) else None) for i, f in enumerate(formats)]
    for d in pairs:
        expected = SUFFIX_FORMAT.get(d.path.suffix.lower()) if d.path is not None else None
        if expected is not None and d.fmt != expected:
            # Almost always a pairing slip (`--format text --format sarif -o r.sarif`):
            # refuse rather than write text into a file every CI tool will misread.
            raise InputError(f"--output {d.path} is paired with --format {d.fmt}, but its name says "
                             f"{expected}: pairs match in order, so put the format for stdout last")
    return pairs


def write_all(destinations: list[Destination], render: Callable[[str], str | Iterable[str]]) -> None:
    """Render each format once and write it; stdout last so files exist when it is read.

    `render` may give the report whole or in pieces; pieces are written as they come,
    so a report of hundreds of MB is never held whole.
    """
    for destination in sorted(destinations, key=lambda d: d.path is None):
        rendered = render(destination.fmt)
        pieces = [rendered] if isinstance(rendered, str) else rendered
        try:
            _write(destination, pieces)
        finally:
            # A report left half written (the reader went away, a full disk) is closed here,
            # not whenever it is collected: closing it stops the processes writing it.
            getattr(pieces, "close", lambda: None)()


def _write(destination: Destination, pieces: Iterable[str]) -> None:
    if destination.path is None:
        for piece in pieces:
            sys.stdout.write(piece)
        return
    try:
        with destination.path.open("w", encoding="utf-8") as out:
            for piece in pieces:
                out.write(piece)
    except OSError as error:
        raise InputError(f"cannot write {destination.fmt} report to {destination.path}: "
                         f"{error.strerror or error}") from None
