"""Reading the network for an explore command: warnings go to stderr, once."""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import InputError
from ..model import Network


def load_for_command(path: str | None, input_format: str | None = None) -> Network:
    if not path:
        raise InputError("no network given: pass --network FILE")
    from ..inputs import load_network

    loaded = load_network(path, input_format=input_format)
    for warning in loaded.warnings:
        print(f"sgverify: {warning}", file=sys.stderr)
    return loaded.network


def write_output(text: str | bytes, output: Path | None) -> None:
    """To the file, or to stdout."""
    if output is not None:
        folder = output.resolve().parent
        if not folder.is_dir():
            raise InputError(f"cannot write {output}: folder {folder} does not exist")
        if isinstance(text, bytes):
            output.write_bytes(text)
        else:
            output.write_text(text, encoding="utf-8")
    elif isinstance(text, bytes):
        sys.stdout.buffer.write(text)
        sys.stdout.buffer.flush()
    else:
        sys.stdout.write(text)
