"""NACL entry and route edits written into .tf files.

An entry is an inline `ingress`/`egress` block of an `aws_network_acl` or an
`aws_network_acl_rule` resource; a route an inline `route` block of an
`aws_route_table` or an `aws_route` resource. A narrowed entry keeps its block with
only the changed attributes rewritten (`cidr_block`, `from_port`/`to_port`); the
pieces it needs more are copies of it with their own rule number (a resource copy
under a new name). Deny entries go right before the entry they precede, written
like it. A removed entry or route is deleted with its blank separator.
A new route is an inline block after the table's last one, or, for a table without
inline routes, an `aws_route` resource after it. Blocks written with `for_each`,
`count` or `dynamic` are not changed.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..model import Family, Network
from ..model.topology import TargetKind
from .changes import port_bounds
from .hcl_text import attributes, block_extent, nested_blocks, quoted, set_attribute
from .path_candidates import PathEditable
from .path_edits import EntryEdit, RouteEdit
from .path_text import TextWriter, route_target, write_path_edits
from .text import FileEdits, Unwritable, indent_of

TABLE_ADDRESS = re.compile(r"aws_route_table\.[A-Za-z_][\w-]*")
TARGETS = {TargetKind.PEERING: "vpc_peering_connection_id", TargetKind.INTERNET_GATEWAY: "gateway_id"}


def _plain_block(origin, kinds: tuple[str, ...], cache: dict) -> bool:
    """The origin opens one plain block of these kinds (inline block name or resource type)."""
    from .terraform import _lines

    if origin.line is None or not origin.file.endswith(".tf") or not Path(origin.file).is_file():
        return False
    lines, first = _lines(origin.file, cache), origin.line - 1
    words = lines[first].split() if first < len(lines) else []
    kind = words[0] if words and words[0] != "resource" else (words[1].strip('"') if len(words) > 1 else "")
    if kind not in kinds or not lines[first].rstrip().endswith("{"):
        return False
    try:
        last = block_extent(lines, first, str(origin))
    except Unwritable:
        return False
    return not {"for_each", "count"} & set(attributes(lines, first, last)) and \
        not any(k == "dynamic" for k, _, _ in nested_blocks(lines, first, last))


def editable(network: Network) -> PathEditable:
    from .terraform import editable_nacl

    cache: dict = {}
    topology = network.topology

    def table(key: str) -> bool:
        origin = topology.route_tables[key].origin
        return TABLE_ADDRESS.fullmatch(key) is not None and _plain_block(origin, ("aws_route_table",), cache)

    return PathEditable(
        entry=lambda key, e: editable_nacl(network, key) and _plain_block(
            e.origin, ("ingress", "egress", "aws_network_acl_rule"), cache),
        route=lambda key, r: _plain_block(r.origin, ("aws_route",), cache) or (
            table(key) and _plain_block(r.origin, ("route",), cache)),
        table=table)


# ---------------------------------------------------------------- entries

def _entry_block(block: list[str], old, new) -> list[str]:
    """The entry's block with the attributes whose meaning changes rewritten."""
    attrs, out = attributes(block, 0, len(block) - 1), list(block)
    values = {"rule_no": new.number, "rule_number": new.number}
    if new.cidr != old.cidr:
        values["ipv6_cidr_block" if new.cidr.family is Family.V6 else "cidr_block"] = quoted(str(new.cidr))
    if new.service != old.service:
        values["from_port"], values["to_port"] = port_bounds(new.service)
    for name, value in values.items():
        if name in attrs:
            first, last = attrs[name]
            out[first:last + 1] = [set_attribute(block[first], str(value))] + [""] * (last - first)
        elif name in ("from_port", "to_port", "cidr_block", "ipv6_cidr_block"):
            raise Unwritable(f"{name} is not written in the entry's block")
    return [line for line in out if line]


def _delete(edits: FileEdits, first: int, last: int) -> None:
    lines = edits.lines
    if first > 0 and not lines[first - 1].strip() and \
            (last + 1 >= len(lines) or not lines[last + 1].strip() or lines[last + 1].strip() == "}"):
        first -= 1  # the block's blank separator goes with it
    edits.replace(first, last, [])


def _narrow(edits: FileEdits, edit: EntryEdit) -> None:
    from .terraform import _rename

    lines, first = edits.lines, edit.target.origin.line - 1
    last = block_extent(lines, first, str(edit.target.origin))
    block, old = lines[first:last + 1], edit.target.entry
    written = [_entry_block(block, old, e) for e in edit.entries]
    separate = lines[first].lstrip().startswith("resource")
    spaced = separate or (first > 0 and not lines[first - 1].strip())
    taken, out = "".join(lines), list(written[0])
    for more in written[1:]:
        if separate:
            more = _rename(more, taken)
            taken += more[0]
        out += (["\n"] if spaced else []) + more
    edits.replace(first, last, out)


# ---------------------------------------------------------------- routes

def _target(route) -> tuple[str, str]:
    attribute, literal = route_target(route, TARGETS)
    return attribute, (quoted(route.target) if literal else f"{route.target}.id")


def _add_route(files: dict[str, FileEdits], network: Network, edit: RouteEdit) -> None:
    from .terraform import _attribute_lines, _rename

    table = network.topology.route_tables[edit.table]
    path, first = table.origin.file, table.origin.line - 1
    edits = files.setdefault(path, FileEdits.read(path))
    lines = edits.lines
    last = block_extent(lines, first, str(table.origin))
    attribute, target = _target(edit.route)
    v6 = edit.route.destination.family is Family.V6
    inline = [b for b in nested_blocks(lines, first, last) if b[0] == "route"]
    if inline:
        indent = " " * indent_of(lines[inline[-1][1]])
        pairs = [("ipv6_cidr_block" if v6 else "cidr_block", quoted(str(edit.route.destination))), (attribute, target)]
        spaced = not lines[inline[-1][1] - 1].strip()
        edits.insert_after(inline[-1][2], (["\n"] if spaced else []) + [
            f"{indent}route {{\n", *_attribute_lines(indent + "  ", pairs), f"{indent}}}\n"])
        return
    pairs = [("route_table_id", f"{edit.table}.id"),
             ("destination_ipv6_cidr_block" if v6 else "destination_cidr_block", quoted(str(edit.route.destination))),
             (attribute, target)]
    name = f"{edit.table.split('.')[-1]}_fix"
    block = [f'resource "aws_route" "{name}" {{\n', *_attribute_lines("  ", pairs), "}\n"]
    taken = "".join(lines)
    edits.insert_after(last, ["\n", *(_rename(block, taken) if f'"{name}"' in taken else block)])


def _deny_before(files: dict[str, FileEdits], edit: EntryEdit) -> None:
    """The deny entries right before the entry they precede: blocks like it (inline blocks, or
    `aws_network_acl_rule` resources)."""
    from .terraform import _attribute_lines, _entry_pairs, _rename

    path, first = edit.target.origin.file, edit.target.origin.line - 1
    edits = files.setdefault(path, FileEdits.read(path))
    lines, direction = edits.lines, "egress" if edit.target.entry.egress else "ingress"
    new, taken = [], "".join(lines)
    if lines[first].lstrip().startswith("resource"):
        for entry in edit.added:
            pairs = [("network_acl_id", f"{edit.target.nacl}.id"), ("egress", "true" if entry.egress else "false"),
                     *_entry_pairs(entry, False)]
            name = f"{edit.target.nacl.split('.')[-1]}_{direction}_{entry.number}"
            block = [f'resource "aws_network_acl_rule" "{name}" {{\n', *_attribute_lines("  ", pairs), "}\n"]
            block = _rename(block, taken) if f'"{name}"' in taken else block
            taken += block[0]
            new += [*block, "\n"]
    else:
        indent = " " * indent_of(lines[first])
        spaced = first > 0 and not lines[first - 1].strip()
        for entry in edit.added:
            new += [f"{indent}{direction} {{\n", *_attribute_lines(indent + "  ", _entry_pairs(entry, True)),
                    f"{indent}}}\n"] + (["\n"] if spaced else [])
    edits.insert_after(first - 1, new)


def _remove(edits: FileEdits, edit) -> None:
    first = edit.target.origin.line - 1
    _delete(edits, first, block_extent(edits.lines, first, str(edit.target.origin)))


def write_path(files: dict[str, FileEdits], network: Network, fix) -> None:
    write_path_edits(files, network, fix, TextWriter(_deny_before, _narrow, _remove, _add_route))
