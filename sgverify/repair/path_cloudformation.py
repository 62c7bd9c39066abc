"""NACL entry and route edits written into a CloudFormation template (YAML).

An entry is an `AWS::EC2::NetworkAclEntry` resource, a route an `AWS::EC2::Route`
resource. A narrowed entry keeps its resource with only the changed keys rewritten
(`RuleNumber`, `CidrBlock`, `PortRange`); each more piece is a copy under a new
logical id. A removed entry or route is deleted as a whole resource; deny entries
are new resources right before the entry's, a new route a new resource after its
table's.
"""

from __future__ import annotations

from pathlib import Path

from ..model import Family, Network
from ..model.topology import TargetKind
from .changes import port_bounds
from .path_candidates import PathEditable
from .path_edits import EntryEdit, RouteEdit
from .path_text import TextWriter, route_target, write_path_edits
from .text import FileEdits, indent_of, yaml_extent
from .yaml_text import key_name, set_key

TARGETS = {TargetKind.PEERING: "VpcPeeringConnectionId", TargetKind.INTERNET_GATEWAY: "GatewayId"}


def _resource_of(origin, kind: str, cache: dict, key: str | None = None) -> bool:
    """The origin is the logical id line of a resource of type `kind` (named `key`, if given)."""
    from .cloudformation import _lines

    if origin.line is None or not Path(origin.file).is_file():
        return False
    lines, first = _lines(origin.file, cache), origin.line - 1
    if first >= len(lines) or lines[first].lstrip().startswith("- ") or (key and key_name(lines[first]) != key):
        return False
    return any(key_name(line) == "Type" and line.split(":", 1)[1].strip() == kind
               for line in lines[first + 1:yaml_extent(lines, first) + 1])


def editable(network: Network) -> PathEditable:
    from .cloudformation import editable_nacl

    cache: dict = {}
    tables = network.topology.route_tables
    return PathEditable(
        entry=lambda key, e: editable_nacl(network, key, cache) and _resource_of(
            e.origin, "AWS::EC2::NetworkAclEntry", cache),
        route=lambda key, r: _resource_of(r.origin, "AWS::EC2::Route", cache),
        table=lambda key: _resource_of(tables[key].origin, "AWS::EC2::RouteTable", cache, key))


def _changed(block: list[str], old, new) -> list[str]:
    if new.number != old.number:
        block = set_key(block, 0, len(block) - 1, "RuleNumber", str(new.number))
    if new.cidr != old.cidr:
        key = "Ipv6CidrBlock" if new.cidr.family is Family.V6 else "CidrBlock"
        value = f'"{new.cidr}"' if new.cidr.family is Family.V6 else str(new.cidr)
        block = set_key(block, 0, len(block) - 1, key, value)
    if new.service != old.service:
        low, high = port_bounds(new.service)
        block = set_key(block, 0, len(block) - 1, "PortRange", f"{{From: {low}, To: {high}}}")
    return block


def _narrow(edits: FileEdits, edit: EntryEdit) -> None:
    from .cloudformation import _renamed

    lines, first = edits.lines, edit.target.origin.line - 1
    last = yaml_extent(lines, first)
    block, text = lines[first:last + 1], "".join(lines)
    out = list(_changed(block, edit.target.entry, edit.entries[0]))
    for piece in edit.entries[1:]:
        more = _renamed(_changed(block, edit.target.entry, piece), text)
        text += more[0]
        out += more
    edits.replace(first, last, out)


def _add_route(files: dict[str, FileEdits], network: Network, edit: RouteEdit) -> None:
    table = network.topology.route_tables[edit.table]
    path, first = table.origin.file, table.origin.line - 1
    edits = files.setdefault(path, FileEdits.read(path))
    route, text = edit.route, "".join(edits.lines)
    key, literal = route_target(route, TARGETS)
    target = route.target if literal else f"!Ref {route.target}"
    destination = (f'DestinationIpv6CidrBlock: "{route.destination}"' if route.destination.family is Family.V6
                   else f"DestinationCidrBlock: {route.destination}")
    name = f"{edit.table}FixRoute"
    while f"{name}:" in text:
        name += "2"
    pad, inner = " " * indent_of(edits.lines[first]), " " * (indent_of(edits.lines[first]) + 2)
    edits.insert_after(yaml_extent(edits.lines, first), [
        f"{pad}{name}:\n", f"{inner}Type: AWS::EC2::Route\n", f"{inner}Properties:\n",
        *[f"{inner}  {p}\n" for p in (f"RouteTableId: !Ref {edit.table}", destination, f"{key}: {target}")]])


def _deny_before(files: dict[str, FileEdits], edit: EntryEdit) -> None:
    """The deny entries as resources right before the entry's own resource."""
    from .cloudformation import _entry_resource

    path, first = edit.target.origin.file, edit.target.origin.line - 1
    edits = files.setdefault(path, FileEdits.read(path))
    text, new = "".join(edits.lines), []
    for entry in edit.added:
        name = f"{edit.target.nacl}{'Outbound' if entry.egress else 'Inbound'}{entry.number}"
        while f"{name}:" in text:
            name += "Fix"
        text += f"{name}:"
        new += _entry_resource(indent_of(edits.lines[first]), name, edit.target.nacl, entry)
    edits.insert_after(first - 1, new)


def _remove(edits: FileEdits, edit) -> None:
    first = edit.target.origin.line - 1
    edits.replace(first, yaml_extent(edits.lines, first), [])


def write_path(files: dict[str, FileEdits], network: Network, fix) -> None:
    write_path_edits(files, network, fix, TextWriter(_deny_before, _narrow, _remove, _add_route))
