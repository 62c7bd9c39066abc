"""A fix as edits of a CloudFormation template (YAML).

A rule's origin is the line of its entry in `SecurityGroupIngress` /
`SecurityGroupEgress`, or of a separate `AWS::EC2::SecurityGroupIngress` /
`Egress` resource. One entry is one peer and one port range, so a narrowed
rule becomes as many entries (or resources) as it needs, each a copy of the
original with only the changed keys rewritten (Description and tags kept).

CloudFormation gives a group allow-all egress while it declares none, so the
writer never leaves an egress list empty (it writes the usual loopback entry)
and, when it adds the first egress entry of a group, writes the allow-all
entry the group had until then.
"""

from __future__ import annotations

from pathlib import Path

from ..model import CidrPeer, Direction, Family, GroupPeer, Network, PrefixListPeer, Rule
from ..model.service import ALL, PORTED, TYPED, protocol_name
from .changes import Addition, Rewrite, additions, nacl_additions, one_range_each, port_bounds, rewrites
from .text import FileEdits, Unwritable, indent_of, is_blank, yaml_extent
from .yaml_text import key_name, parent_line, set_key

LISTS = {Direction.INGRESS: "SecurityGroupIngress", Direction.EGRESS: "SecurityGroupEgress"}
PEER_KEYS = {
    Direction.INGRESS: {"v4": "CidrIp", "v6": "CidrIpv6", "group": "SourceSecurityGroupId",
                        "prefix": "SourcePrefixListId"},
    Direction.EGRESS: {"v4": "CidrIp", "v6": "CidrIpv6", "group": "DestinationSecurityGroupId",
                       "prefix": "DestinationPrefixListId"},
}
SEPARATE = ("AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress")
NO_EGRESS = '{IpProtocol: "-1", CidrIp: 127.0.0.1/32, Description: no egress}'
DEFAULT_EGRESS = '{IpProtocol: "-1", CidrIp: 0.0.0.0/0, Description: the allow-all egress CloudFormation gave it}'


def _lines(path: str, cache: dict) -> list[str]:
    if path not in cache:
        cache[path] = Path(path).read_text(encoding="utf-8").splitlines(keepends=True)
    return cache[path]


def editable_rule(network: Network, rule: Rule, cache: dict) -> bool:
    origin, group = rule.origin, network.groups.get(rule.group)
    if origin.line is None or group is None or group.origin == origin or not Path(origin.file).is_file():
        return False  # no line, or the default egress (written nowhere)
    lines = _lines(origin.file, cache)
    first = origin.line - 1
    if first >= len(lines):
        return False
    if lines[first].lstrip().startswith("- "):
        parent = parent_line(lines, first)
        return parent >= 0 and key_name(lines[parent]) in LISTS.values()
    last = yaml_extent(lines, first)
    return any(key_name(line) == "Type" and line.split(":", 1)[1].strip() in SEPARATE
               for line in lines[first + 1:last + 1])


def editable_group(network: Network, key: str, cache: dict) -> bool:
    group = network.groups.get(key)
    if group is None or group.origin.line is None or not Path(group.origin.file).is_file():
        return False
    lines = _lines(group.origin.file, cache)
    first = group.origin.line - 1
    return any(line.strip() == "Properties:" for line in lines[first + 1:yaml_extent(lines, first) + 1])


# ---------------------------------------------------------------- values

def _kind(peer) -> str:
    if isinstance(peer, CidrPeer):
        return "v4" if peer.cidr.family is Family.V4 else "v6"
    if isinstance(peer, GroupPeer):
        return "group"
    if isinstance(peer, PrefixListPeer):
        return "prefix"
    raise Unwritable(f"a peer that is not known cannot be written: {peer}")


def _peer_value(peer) -> str:
    kind = _kind(peer)
    if kind == "v4":
        return str(peer.cidr)
    if kind == "v6":
        return f'"{peer.cidr}"'
    if kind == "group":
        return peer.group if peer.group.startswith("sg-") else f"!GetAtt {peer.group}.GroupId"
    return peer.prefix_list if peer.prefix_list.startswith("pl-") else f"!Ref {peer.prefix_list}"


def _protocol(service) -> str:
    if service.protocol == ALL:
        return '"-1"'
    return protocol_name(service.protocol) if service.protocol in PORTED + TYPED else str(service.protocol)


def entry(rule: Rule) -> str:
    parts = [f"IpProtocol: {_protocol(rule.service)}"]
    bounds = port_bounds(rule.service)
    if bounds is not None:
        parts += [f"FromPort: {bounds[0]}", f"ToPort: {bounds[1]}"]
    parts.append(f"{PEER_KEYS[rule.direction][_kind(rule.peer)]}: {_peer_value(rule.peer)}")
    if rule.description:
        parts.append(f"Description: {rule.description}")
    return "{" + ", ".join(parts) + "}"


# ---------------------------------------------------------------- rewriting an entry

def _changed(block: list[str], old: Rule, new: Rule) -> list[str]:
    """The entry's lines with only the keys whose meaning changes rewritten."""
    last = len(block) - 1
    if new.service != old.service:
        if new.service.protocol != old.service.protocol:
            block = set_key(block, 0, last, "IpProtocol", _protocol(new.service))
        bounds = port_bounds(new.service)
        for key, value in zip(("FromPort", "ToPort"), bounds or (None, None)):
            block = set_key(block, 0, len(block) - 1, key, None if value is None else str(value), after="IpProtocol")
    if new.peer != old.peer:
        keys = PEER_KEYS[new.direction]
        old_key, new_key = keys[_kind(old.peer)], keys[_kind(new.peer)]
        if old_key != new_key:
            block = set_key(block, 0, len(block) - 1, old_key, None)
        block = set_key(block, 0, len(block) - 1, new_key, _peer_value(new.peer), after="IpProtocol")
    return block


def _renamed(block: list[str], text: str) -> list[str]:
    """A copy of a separate rule resource under a logical id the template does not use yet."""
    name = key_name(block[0])
    for n in range(2, 1000):
        if f"{name}{n}:" not in text:
            return [block[0].replace(f"{name}:", f"{name}{n}:", 1)] + block[1:]
    raise Unwritable("no free logical id")


def rewrite(files: dict[str, FileEdits], change: Rewrite) -> None:
    path, first = change.origin.file, change.origin.line - 1
    edits = files.setdefault(path, FileEdits.read(path))
    lines = edits.lines
    last = yaml_extent(lines, first)
    if len(change.old) != 1:
        raise Unwritable(f"{change.origin}: one entry that stands for {len(change.old)} rules")
    if not change.new:
        edits.replace(first, last, [])
        return
    old, block = change.old[0], lines[first:last + 1]
    written = [_changed(block, old, rule) for rule in one_range_each(change.new)]
    separate = not lines[first].lstrip().startswith("- ")
    text = "".join(lines)
    out = list(written[0])
    for more in written[1:]:
        if separate:
            more = _renamed(more, text)
            text += more[0]
        out += more
    edits.replace(first, last, out)


def _keep_lists_meaningful(files: dict[str, FileEdits], network: Network, changes, added) -> None:
    """A list whose every entry is removed: drop the key (ingress) or write the loopback entry
    (egress: an empty list would bring back CloudFormation's allow-all)."""
    removed: dict[tuple[str, int], list[int]] = {}
    for change in changes:
        first = change.origin.line - 1
        lines = files[change.origin.file].lines
        if not change.new and lines[first].lstrip().startswith("- "):
            removed.setdefault((change.origin.file, parent_line(lines, first)), []).append(first)
    for (path, parent), firsts in removed.items():
        edits = files[path]
        lines = edits.lines
        end = yaml_extent(lines, parent)
        items = [i for i in range(parent + 1, end + 1) if lines[i].lstrip().startswith("- ")
                 and indent_of(lines[i]) == indent_of(lines[firsts[0]])]
        direction = Direction.INGRESS if key_name(lines[parent]) == LISTS[Direction.INGRESS] else Direction.EGRESS
        group = _group_of(network, path, lines, parent)
        if sorted(items) != sorted(firsts) or (group, direction) in added:
            continue
        for first in firsts:
            edits.spans.pop((first, yaml_extent(lines, first)))
        keep = [lines[parent], " " * indent_of(lines[firsts[0]]) + f"- {NO_EGRESS}\n"]
        edits.replace(parent, end, keep if direction is Direction.EGRESS else [])


def _group_of(network: Network, path: str, lines: list[str], line: int) -> str | None:
    """The group whose resource holds `line` of the template."""
    for key, group in network.groups.items():
        start = (group.origin.line or 0) - 1
        if group.origin.file == path and 0 <= start < line <= yaml_extent(lines, start):
            return key
    return None


# ---------------------------------------------------------------- adding entries

def add(files: dict[str, FileEdits], network: Network, addition: Addition) -> None:
    group = network.groups[addition.group]
    path, first = group.origin.file, group.origin.line - 1
    edits = files.setdefault(path, FileEdits.read(path))
    lines = edits.lines
    last = yaml_extent(lines, first)
    props = next(i for i in range(first + 1, last + 1) if lines[i].strip() == "Properties:")
    props_last = yaml_extent(lines, props)
    children = [i for i in range(props + 1, props_last + 1) if not is_blank(lines[i])]
    child_indent = indent_of(lines[children[0]]) if children else indent_of(lines[props]) + 2
    entries = [entry(rule) for rule in one_range_each(addition.rules)]
    if addition.direction is Direction.EGRESS and any(r.origin == group.origin for r in group.egress):
        entries.insert(0, DEFAULT_EGRESS)  # declaring egress ends the default: keep it, written out
    listed = [i for i in children if indent_of(lines[i]) == child_indent
              and key_name(lines[i]) == LISTS[addition.direction]]
    if listed:
        at = listed[0]
        if lines[at].split(":", 1)[1].strip():
            raise Unwritable(f"{path}:{at + 1}: {LISTS[addition.direction]} is written on one line")
        end = yaml_extent(lines, at)
        item_indent = indent_of(lines[at + 1]) if end > at else child_indent + 2
        edits.insert_after(end, [" " * item_indent + f"- {e}\n" for e in entries])
        return
    edits.insert_after(props_last, [" " * child_indent + f"{LISTS[addition.direction]}:\n"]
                       + [" " * (child_indent + 2) + f"- {e}\n" for e in entries])


# ---------------------------------------------------------------- NACL entries

def editable_nacl(network: Network, key: str, cache: dict) -> bool:
    """An AWS::EC2::NetworkAcl of the template (not a VPC's default NACL, written nowhere)."""
    acl = network.topology.nacls.get(key) if network.topology is not None else None
    if acl is None or acl.origin.line is None or not Path(acl.origin.file).is_file():
        return False
    lines = _lines(acl.origin.file, cache)
    first = acl.origin.line - 1
    return key_name(lines[first]) == key and any(
        key_name(line) == "Type" and line.split(":", 1)[1].strip() == "AWS::EC2::NetworkAcl"
        for line in lines[first + 1:yaml_extent(lines, first) + 1])


def _entry_resource(indent: int, name: str, acl: str, entry) -> list[str]:
    pad, inner = " " * indent, " " * (indent + 2)
    props = [f"NetworkAclId: !Ref {acl}", f"RuleNumber: {entry.number}",
             f"Protocol: {entry.service.protocol}", f"RuleAction: {entry.action.value}",
             f"Egress: {'true' if entry.egress else 'false'}",
             (f"CidrBlock: {entry.cidr}" if entry.cidr.family is Family.V4 else f'Ipv6CidrBlock: "{entry.cidr}"')]
    bounds = port_bounds(entry.service)
    if entry.service.protocol in PORTED:
        props.append(f"PortRange: {{From: {bounds[0]}, To: {bounds[1]}}}")
    elif entry.service.protocol in TYPED:
        props.append(f"Icmp: {{Type: {bounds[0]}, Code: {bounds[1]}}}")
    return ([f"{pad}{name}:\n", f"{inner}Type: AWS::EC2::NetworkAclEntry\n", f"{inner}Properties:\n"]
            + [f"{inner}  {p}\n" for p in props])


def add_entries(files: dict[str, FileEdits], network: Network, edit) -> None:
    """New AWS::EC2::NetworkAclEntry resources right after the NACL's own resource."""
    acl = network.topology.nacls[edit.nacl]
    path, first = acl.origin.file, acl.origin.line - 1
    edits = files.setdefault(path, FileEdits.read(path))
    text, new = "".join(edits.lines), []
    for entry in edit.entries:
        name = f"{edit.nacl}{'Outbound' if edit.egress else 'Inbound'}{entry.number}"
        while f"{name}:" in text:
            name += "Fix"
        text += f"{name}:"
        new += _entry_resource(indent_of(edits.lines[first]), name, edit.nacl, entry)
    edits.insert_after(yaml_extent(edits.lines, first), new)


def write(network: Network, fix) -> dict[str, FileEdits]:
    files: dict[str, FileEdits] = {}
    changes = rewrites(network, fix)
    for change in changes:
        rewrite(files, change)
    added = additions(fix)
    _keep_lists_meaningful(files, network, changes, {(a.group, a.direction) for a in added})
    for addition in added:
        add(files, network, addition)
    for edit in nacl_additions(fix):
        add_entries(files, network, edit)
    from .path_cloudformation import write_path  # entries and routes (that module imports this one)

    write_path(files, network, fix)
    return files
