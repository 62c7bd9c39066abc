"""A fix as edits of a native network file (YAML): each changed rule item is
written again in place, in the flow style of `sgverify import`, with its
description; every other line stays as written. A group written on one line
(`sg-a: {ingress: [...]}`) cannot take a new item in place: the whole edited
network is then written instead (the `import` rendering, which `check` reads
the same way)."""

from __future__ import annotations

from ..inputs.native.export import PEER_FIELD, _flow, _peer, _rule, export_native
from ..inputs.native.writing import service_fields
from ..model import Network
from .changes import Addition, Rewrite, additions, nacl_additions, rewrites
from .path_native import write_path
from .text import FileEdits, Unwritable, indent_of, is_blank, yaml_extent
from .yaml_text import key_name, parent_line


def items(rules) -> list[str]:
    """Flow items for `rules`: rules alike but for their peer share one item with a peer list."""
    alike: dict[tuple, list] = {}
    for rule in rules:
        alike.setdefault((rule.direction, rule.service, rule.description, rule.service_unknown), []).append(rule)
    out = []
    for group in alike.values():
        body = _rule(group[0])
        peers = list(dict.fromkeys(_peer(r.peer) for r in group))
        body[PEER_FIELD[group[0].direction]] = peers[0] if len(peers) == 1 else peers
        if "description" in body:  # last, as people write it
            body["description"] = body.pop("description")
        out.append(_flow(body))
    return out


def rewrite(edits: FileEdits, change: Rewrite) -> None:
    first = change.origin.line - 1
    lines = edits.lines
    if not lines[first].lstrip().startswith("- "):
        raise Unwritable(f"{change.origin}: not a list item")
    last = yaml_extent(lines, first)
    dash = " " * indent_of(lines[first])
    edits.replace(first, last, [f"{dash}- {item}\n" for item in items(change.new)])


def _empty_lists(edits: FileEdits, changes, added_to: set[int]) -> None:
    """A rule list whose every item goes becomes `[]` (an explicit "no rules")."""
    gone: dict[int, list[int]] = {}
    for change in changes:
        if not change.new:
            first = change.origin.line - 1
            gone.setdefault(parent_line(edits.lines, first), []).append(first)
    empty_lists(edits, gone, added_to)


def empty_lists(edits: FileEdits, gone: dict[int, list[int]], added_to: set[int]) -> None:
    """Each list (parent line -> the first lines of its removed items) left with no item
    and nothing added is written `[]`."""
    lines = edits.lines
    for parent, firsts in gone.items():
        end = yaml_extent(lines, parent)
        listed = [i for i in range(parent + 1, end + 1) if lines[i].lstrip().startswith("- ")
                  and indent_of(lines[i]) == indent_of(lines[firsts[0]])]
        if sorted(listed) != sorted(firsts) or parent in added_to:
            continue
        for first in firsts:
            edits.spans.pop((first, yaml_extent(lines, first)))
        edits.replace(parent, end, [lines[parent].rstrip("\n").rstrip() + " []\n"])


def _append(edits: FileEdits, at: int, child: int, field: str, new: list[str]) -> None:
    """Append items to the list under the key on line `at`: a block list, `[]` or a one-line
    flow list (which stays one line)."""
    lines = edits.lines
    head, _, value = lines[at].rstrip("\n").partition(":")
    value = value.strip()
    if not value:
        end = yaml_extent(lines, at)
        dash = " " * (indent_of(lines[at + 1]) if end > at else child + 2)
        edits.insert_after(end, [f"{dash}- {item}\n" for item in new])
    elif value.startswith("[") and value.endswith("]"):
        inside = value[1:-1].strip()
        edits.replace(at, at, [f"{head}: [{', '.join(([inside] if inside else []) + new)}]\n"])
    else:
        raise Unwritable(f"{edits.path}:{at + 1}: {field} is not a list written in place")


def add(edits: FileEdits, network: Network, addition: Addition) -> int:
    """Append the new items to the group's list; the list's line (to keep it from `[]`)."""
    group = network.groups[addition.group]
    first = group.origin.line - 1
    lines = edits.lines
    if lines[first].rstrip().endswith(":") is False:
        raise Unwritable(f"{group.origin}: the group is written on one line")
    last = yaml_extent(lines, first)
    children = [i for i in range(first + 1, last + 1) if not is_blank(lines[i])]
    child = indent_of(lines[children[0]]) if children else indent_of(lines[first]) + 2
    field = addition.direction.value
    new = items(addition.rules)
    for i in children:
        if indent_of(lines[i]) == child and key_name(lines[i]) == field:
            _append(edits, i, child, field, new)
            return i
    edits.insert_after(last, [" " * child + f"{field}:\n"] + [" " * (child + 2) + f"- {item}\n" for item in new])
    return -1


def entry_item(entry) -> str:
    return _flow({"number": entry.number, "action": entry.action.value, **service_fields(entry.service),
                  "cidr": str(entry.cidr)})


def add_entries(edits: FileEdits, network: Network, edit) -> None:
    """The new entries at the end of the NACL's inbound or outbound list (block or one-line flow)."""
    acl = network.topology.nacls[edit.nacl]
    if acl.origin.file != edits.path or acl.origin.line is None:
        raise Unwritable(f"{edit.nacl} is not written in {edits.path}")
    first, lines = acl.origin.line - 1, edits.lines
    if not lines[first].rstrip().endswith(":"):
        raise Unwritable(f"{acl.origin}: the NACL is written on one line")
    last = yaml_extent(lines, first)
    children = [i for i in range(first + 1, last + 1) if not is_blank(lines[i])]
    child = indent_of(lines[children[0]]) if children else indent_of(lines[first]) + 2
    field, new = ("outbound" if edit.egress else "inbound"), [entry_item(e) for e in edit.entries]
    for i in children:
        if indent_of(lines[i]) == child and key_name(lines[i]) == field:
            _append(edits, i, child, field, new)
            return
    edits.insert_after(last, [" " * child + f"{field}:\n"] + [" " * (child + 2) + f"- {item}\n" for item in new])


def write(network: Network, fix) -> dict[str, FileEdits]:
    """The native file's edits."""
    path = network.source
    try:
        edits = FileEdits.read(path)
        changes = rewrites(network, fix)
        if any(c.origin.file != path for c in changes):
            raise Unwritable("a rule written outside the network file")
        for change in changes:
            if change.new:
                rewrite(edits, change)
            else:
                edits.replace(change.origin.line - 1, yaml_extent(edits.lines, change.origin.line - 1), [])
        added_to = {add(edits, network, addition) for addition in additions(fix)}
        for edit in nacl_additions(fix):
            add_entries(edits, network, edit)
        _empty_lists(edits, changes, added_to)
        write_path(edits, network, fix)
        return {path: edits}
    except Unwritable:
        whole = FileEdits.read(path)
        whole.replace(0, len(whole.lines) - 1, export_native(fix.network).splitlines(keepends=True))
        return {path: whole}
