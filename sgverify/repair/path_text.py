"""Entry and route edits written into the user's text (`.tf` files, templates).

The order is the same for every text format: deny entries added before the
entry they precede, narrowed entries rewritten, removed entries and routes
deleted, new routes added. Only how each is written differs (TextWriter).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from ..model import Network
from .path_edits import EntryEdit, RouteEdit
from .text import FileEdits, Unwritable

AWS_ID = re.compile(r"[a-z]+-[0-9a-f]+")  # pcx-0a1b..., igw-...: written as is, not as a reference


@dataclass(frozen=True)
class TextWriter:
    deny_before: Callable[[dict[str, FileEdits], EntryEdit], None]
    narrow: Callable[[FileEdits, EntryEdit], None]
    remove: Callable[[FileEdits, EntryEdit | RouteEdit], None]
    add_route: Callable[[dict[str, FileEdits], Network, RouteEdit], None]


def write_path_edits(files: dict[str, FileEdits], network: Network, fix, writer: TextWriter) -> None:
    for edit in fix.edits:
        if isinstance(edit, EntryEdit) and edit.kind == "add":
            writer.deny_before(files, edit)
        elif isinstance(edit, (EntryEdit, RouteEdit)) and edit.target is not None:
            path = edit.target.origin.file
            edits = files.setdefault(path, FileEdits.read(path))
            if isinstance(edit, EntryEdit) and edit.entries:
                writer.narrow(edits, edit)
            else:
                writer.remove(edits, edit)
        elif isinstance(edit, RouteEdit):
            writer.add_route(files, network, edit)


def route_target(route, names: dict) -> tuple[str, bool]:
    """The format's name (`names`: target kind -> name) for the route's target, and whether
    the target is an AWS id rather than an element of the input."""
    name = names.get(route.target_kind)
    if name is None:
        raise Unwritable(f"a route to a {route.target_kind.value} is not written by fix")
    return name, AWS_ID.fullmatch(route.target) is not None
