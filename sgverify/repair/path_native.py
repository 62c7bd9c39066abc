"""NACL entry and route edits written into a native network file: an entry's or a route's
list item is written again in place (flow style, as `sgverify import` writes it),
removed (a list left without items becomes `[]`), or new items go at the end of
the list; deny entries go right before the entry they precede (AWS orders entries
by rule number, not by place, but a person reads them in place)."""

from __future__ import annotations

from ..inputs.native.export import _flow
from ..inputs.native.export_topology import route_fields
from ..inputs.native.routing import element_kinds
from ..model import Network
from .path_candidates import PathEditable
from .path_edits import EntryEdit, RouteEdit
from .text import FileEdits, Unwritable, indent_of, is_blank, yaml_extent
from .yaml_text import key_name, parent_line


def editable(network: Network) -> PathEditable:
    """Entries and routes written as items of the network file; tables written there."""
    def written(origin) -> bool:
        return origin.line is not None and origin.file == network.source

    def acl_written(key: str) -> bool:
        return written(network.topology.nacls[key].origin)

    return PathEditable(entry=lambda key, entry: acl_written(key) and written(entry.origin),
                        route=lambda table, route: written(route.origin),
                        table=lambda key: written(network.topology.route_tables[key].origin))


def _item_lines(edits: FileEdits, origin) -> tuple[int, int]:
    first = origin.line - 1
    if not edits.lines[first].lstrip().startswith("- "):
        raise Unwritable(f"{origin}: not an item of a block list")
    return first, yaml_extent(edits.lines, first)


def _replace_item(edits: FileEdits, origin, items: list[str], gone: dict) -> None:
    first, last = _item_lines(edits, origin)
    dash = " " * indent_of(edits.lines[first])
    edits.replace(first, last, [f"{dash}- {item}\n" for item in items])
    if not items:
        gone.setdefault(parent_line(edits.lines, first), []).append(first)


def _append(edits: FileEdits, origin, field: str, new: list[str]) -> int:
    """Items at the end of the element's `field` list (created when absent); the list's line."""
    from .native import _append as append_to

    first, lines = origin.line - 1, edits.lines
    if not lines[first].rstrip().endswith(":"):
        raise Unwritable(f"{origin}: written on one line")
    last = yaml_extent(lines, first)
    children = [i for i in range(first + 1, last + 1) if not is_blank(lines[i])]
    child = indent_of(lines[children[0]]) if children else indent_of(lines[first]) + 2
    for i in children:
        if indent_of(lines[i]) == child and key_name(lines[i]) == field:
            append_to(edits, i, child, field, new)
            return i
    edits.insert_after(last, [" " * child + f"{field}:\n"] + [" " * (child + 2) + f"- {item}\n" for item in new])
    return -1


def write_path(edits: FileEdits, network: Network, fix) -> None:
    from .native import empty_lists, entry_item

    if network.topology is None:
        return
    gone: dict = {}
    added_to: set = set()
    flows: dict[int, tuple] = {}  # one-line lists to write again: line -> what they list
    kinds = element_kinds(network.topology, network.resources)
    for edit in fix.edits:
        item = edit.target is not None and edits.lines[edit.target.origin.line - 1].lstrip().startswith("- ")
        if edit.target is not None and not item and edit.kind != "add":
            flows[edit.target.origin.line - 1] = (
                ("nacl", edit.target.nacl, edit.target.entry.egress) if isinstance(edit, EntryEdit)
                else ("table", edit.table))
        elif isinstance(edit, EntryEdit):
            acl = network.topology.nacls[edit.target.nacl]
            if edit.kind == "add" and item:
                first = edit.target.origin.line - 1  # deny entries go right before the entry
                dash = " " * indent_of(edits.lines[first])
                edits.insert_after(first - 1, [f"{dash}- {entry_item(e)}\n" for e in edit.added])
            elif edit.kind == "add":
                field = "outbound" if edit.target.entry.egress else "inbound"
                added_to.add(_append(edits, acl.origin, field, [entry_item(e) for e in edit.added]))
            else:
                _replace_item(edits, edit.target.origin, [entry_item(e) for e in edit.entries], gone)
        elif isinstance(edit, RouteEdit):
            if edit.target is not None:
                _replace_item(edits, edit.target.origin, [], gone)
            else:
                table = network.topology.route_tables[edit.table]
                added_to.add(_append(edits, table.origin, "routes", [_flow(route_fields(edit.route, kinds))]))
    empty_lists(edits, gone, added_to)  # a list whose every item went: an explicit "nothing"
    for line, what in flows.items():
        _rewrite_flow(edits, line, what, fix.network, kinds)


def _rewrite_flow(edits: FileEdits, line: int, what: tuple, edited: Network, kinds) -> None:
    """A one-line `[...]` list of entries or routes written again, whole, from the edited
    network (an addition to the same line is part of it)."""
    from .native import entry_item

    head, _, value = edits.lines[line].rstrip("\n").partition(":")
    if not (value.strip().startswith("[") and value.strip().endswith("]")):
        raise Unwritable(f"{edits.path}:{line + 1}: not a list written on one line")
    if what[0] == "nacl":
        items = [entry_item(e) for e in edited.topology.nacls[what[1]].entries(what[2])]
    else:
        items = [_flow(route_fields(r, kinds)) for r in edited.topology.route_tables[what[1]].routes]
    edits.spans.pop((line, line), None)
    edits.replace(line, line, [f"{head}: [{', '.join(items)}]\n"])
