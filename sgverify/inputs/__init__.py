"""Readers: each input format turns text into a `Network` (with origins kept).

`load_network(path, input_format=None)` is the one entry point; a format name
forces the reader, otherwise the format is detected from the content.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import Diagnostic
from ..model import Network


@dataclass(frozen=True)
class Loaded:
    network: Network
    warnings: tuple[Diagnostic, ...] = ()
