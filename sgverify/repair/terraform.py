"""A fix as edits of the user's .tf files.

A rule's origin is the line of the block that wrote it: an inline `ingress` /
`egress` block, an `aws_security_group_rule` or an
`aws_vpc_security_group_{ingress,egress}_rule` resource. The writer changes
only the attributes whose meaning changes (a narrowed `cidr_blocks`, new
ports), keeps every other line as written (description, comments, variables
that still hold), writes a block more where one block cannot hold the result
(two port ranges), and deletes a block that admits nothing any more. Blocks
written with `for_each`, `count` or `dynamic` stand for several rules at once
and are left alone: the search does not offer to change them.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..model import CidrPeer, Direction, Family, GroupPeer, Network, PrefixListPeer, Rule
from .changes import (Addition, Rewrite, additions, by_service, nacl_additions, port_bounds, protocol_text,
                      rewrites)
from .hcl_text import aligned, attributes, block_extent, nested_blocks, quoted, set_attribute
from .text import FileEdits, Unwritable, indent_of, is_blank

PEER_ATTRIBUTES = {
    "inline": {"v4": "cidr_blocks", "v6": "ipv6_cidr_blocks", "group": "security_groups", "self": "self",
               "prefix": "prefix_list_ids"},
    "rule": {"v4": "cidr_blocks", "v6": "ipv6_cidr_blocks", "group": "source_security_group_id", "self": "self",
             "prefix": "prefix_list_ids"},
    "vpc_rule": {"v4": "cidr_ipv4", "v6": "cidr_ipv6", "group": "referenced_security_group_id",
                 "self": "referenced_security_group_id", "prefix": "prefix_list_id"},
}
LISTS = {"cidr_blocks", "ipv6_cidr_blocks", "security_groups", "prefix_list_ids"}
REPEATED = ("for_each", "count")
GROUP_ADDRESS = re.compile(r"(data\.)?aws_security_group\.[A-Za-z_][\w-]*")


def _lines(path: str, cache: dict) -> list[str]:
    if path not in cache:
        cache[path] = Path(path).read_text(encoding="utf-8").splitlines(keepends=True)
    return cache[path]


def block_kind(line: str) -> str | None:
    words = line.split()
    if not words:
        return None
    if words[0] in ("ingress", "egress") and line.rstrip().endswith("{"):
        return "inline"
    if words[0] == "resource" and len(words) > 1:
        kind = words[1].strip('"')
        if kind == "aws_security_group_rule":
            return "rule"
        if kind in ("aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"):
            return "vpc_rule"
    return None


def shared_origins(network: Network) -> set:
    """Origins that wrote rules of more than one group (a module instantiated twice, a
    for_each over groups): changing the text would change every one of them."""
    owners: dict = {}
    for rule in network.all_rules():
        owners.setdefault(rule.origin, set()).add(rule.group)
    return {origin for origin, groups in owners.items() if len(groups) > 1}


def editable_rule(rule: Rule, cache: dict, shared: set) -> bool:
    """A rule written by one plain block, of one group, that the writer can change."""
    origin = rule.origin
    if origin.line is None or origin in shared or not origin.file.endswith(".tf") or not Path(origin.file).is_file():
        return False
    lines = _lines(origin.file, cache)
    first = origin.line - 1
    if first >= len(lines) or block_kind(lines[first]) is None:
        return False
    try:
        last = block_extent(lines, first, str(origin))
    except Unwritable:
        return False
    if any(name in attributes(lines, first, last) for name in REPEATED):
        return False
    return not any(kind == "dynamic" for kind, _, _ in nested_blocks(lines, first, last))


def editable_group(network: Network, key: str) -> bool:
    group = network.groups.get(key)
    return (group is not None and GROUP_ADDRESS.fullmatch(key) is not None and not key.startswith("data.")
            and group.origin.line is not None and Path(group.origin.file).is_file())


# ---------------------------------------------------------------- peers and values

def peer_kind(rule: Rule) -> str:
    peer = rule.peer
    if isinstance(peer, CidrPeer):
        return "v4" if peer.cidr.family is Family.V4 else "v6"
    if isinstance(peer, GroupPeer):
        return "self" if peer.group == rule.group else "group"
    if isinstance(peer, PrefixListPeer):
        return "prefix"
    raise Unwritable(f"{rule.origin}: a peer that is not known cannot be rewritten")


def _value(kind: str, peer, attribute: str) -> str:
    if kind == "self":
        return "true" if attribute == "self" else _group_reference(peer.group)
    if kind == "group":
        return _group_reference(peer.group)
    if kind == "prefix":
        return quoted(peer.prefix_list) if peer.prefix_list.startswith("pl-") else f"{peer.prefix_list}.id"
    return quoted(str(peer.cidr))


def _group_reference(key: str) -> str:
    if key.startswith("sg-"):
        return quoted(key)
    if GROUP_ADDRESS.fullmatch(key):
        return f"{key}.id"
    raise Unwritable(f"the group {key} cannot be named from the root module")


def _render(attribute: str, kind: str, peers: list) -> str:
    values = list(dict.fromkeys(_value(kind, p, attribute) for p in peers))
    if attribute in LISTS:
        return "[" + ", ".join(values) + "]"
    if len(values) != 1:
        raise Unwritable(f"{attribute} holds one value, not {len(values)}")
    return values[0]


def shapes(rules, kind: str) -> list[tuple]:
    """The written rules `rules` need: (service, {peer kind: [rules]}) each, one port range each;
    a single-valued peer attribute takes one rule per shape."""
    out = []
    for service, group in by_service(rules):
        together: dict[str, list] = {}
        for rule in group:
            k = peer_kind(rule)
            single = kind == "vpc_rule" or (kind == "rule" and k in ("group", "self"))
            if single:
                out.append((service, {k: [rule]}))
            else:
                together.setdefault(k, []).append(rule)
        if together:
            out.append((service, together))
    return out


# ---------------------------------------------------------------- rewriting a block

def _rewrite_block(block: list[str], kind: str, old: list[Rule], shape) -> list[str]:
    """The block's lines changed to write `shape`: only attributes whose meaning changes."""
    service, peers = shape
    attrs = attributes(block, 0, len(block) - 1)
    edits = FileEdits("block", list(block))
    old_services = {r.service for r in old}
    if old_services != {service}:
        _set_service(edits, block, attrs, kind, service)
    old_peers: dict[str, set] = {}
    for rule in old:
        old_peers.setdefault(peer_kind(rule), set()).add(rule.peer)
    names = PEER_ATTRIBUTES[kind]
    anchor = max((attrs[names[k]][1] for k in names if names[k] in attrs), default=None)
    for k in ("v4", "v6", "group", "self", "prefix"):
        wanted = [r.peer for r in peers.get(k, [])]
        if set(wanted) == old_peers.get(k, set()):
            continue
        attribute = names[k]
        if attribute in attrs:
            first, last = attrs[attribute]
            edits.replace(first, last, [set_attribute(block[first], _render(attribute, k, wanted))] if wanted else [])
        elif wanted:
            at = anchor if anchor is not None else max(b for _, b in attrs.values())
            edits.insert_after(at, [aligned(block[at], attribute, _render(attribute, k, wanted))])
    return edits.text().splitlines(keepends=True)


def _set_service(edits: FileEdits, block: list[str], attrs, kind: str, service) -> None:
    protocol = "ip_protocol" if kind == "vpc_rule" else "protocol"
    if protocol not in attrs:
        raise Unwritable("a block without its protocol")
    edits.replace(*attrs[protocol], [set_attribute(block[attrs[protocol][0]], quoted(protocol_text(service)))])
    bounds = port_bounds(service) or ((0, 0) if kind != "vpc_rule" else None)
    for name, value in zip(("from_port", "to_port"), bounds or (None, None)):
        if name in attrs:
            first, last = attrs[name]
            edits.replace(first, last, [set_attribute(block[first], str(value))] if value is not None else [])
        elif value is not None:
            at = attrs[protocol][1]
            edits.insert_after(at, [aligned(block[at], name, str(value))])


def _rename(block: list[str], taken: str) -> list[str]:
    """A copy of a resource block under a name not yet used in the file."""
    match = re.match(r'^(\s*resource\s+"[^"]+"\s+")([^"]+)(".*)$', block[0], re.S)
    if match is None:
        raise Unwritable(f"cannot name a copy of: {block[0].strip()}")
    for n in range(2, 1000):
        name = f"{match.group(2)}_{n}"
        if f'"{name}"' not in taken:
            return [match.group(1) + name + match.group(3)] + block[1:]
    raise Unwritable("no free resource name")


def rewrite(files: dict[str, FileEdits], change: Rewrite) -> None:
    path, first = change.origin.file, change.origin.line - 1
    edits = files.setdefault(path, FileEdits.read(path))
    lines = edits.lines
    last = block_extent(lines, first, str(change.origin))
    kind = block_kind(lines[first])
    if not change.new:
        before = first - 1
        if before >= 0 and is_blank(lines[before]) and not lines[before].strip() and \
                (last + 1 >= len(lines) or not lines[last + 1].strip() or lines[last + 1].strip() == "}"):
            first = before  # the block's blank separator goes with it
        edits.replace(first, last, [])
        return
    block = lines[first:last + 1]
    written = [_rewrite_block(block, kind, list(change.old), shape) for shape in shapes(change.new, kind)]
    edits.replace(first, last, written[0])
    taken = "".join(lines)
    for more in written[1:]:
        if kind != "inline":
            more = _rename(more, taken)
            taken += more[0]
        edits.insert_after(last, ["\n", *more])


# ---------------------------------------------------------------- adding rules

def add(files: dict[str, FileEdits], network: Network, addition: Addition) -> None:
    group = network.groups[addition.group]
    path, first = group.origin.file, group.origin.line - 1
    edits = files.setdefault(path, FileEdits.read(path))
    lines = edits.lines
    last = block_extent(lines, first, str(group.origin))
    inline = [b for b in nested_blocks(lines, first, last) if b[0] in ("ingress", "egress")]
    if inline:
        same = [b for b in inline if b[0] == addition.direction.value] or inline
        indent = " " * indent_of(lines[inline[0][1]])
        new = []
        for shape in shapes(addition.rules, "inline"):
            new += ["\n", *_inline_block(indent, addition, shape)]
        edits.insert_after(same[-1][2], new)
        return
    inner = attributes(lines, first, last)
    indent = " " * (indent_of(lines[min(a for a, _ in inner.values())]) if inner else 2)
    taken, new = "".join(lines), []
    for n, shape in enumerate(shapes(addition.rules, "vpc_rule"), 1):
        block = _vpc_rule_resource(indent, addition, shape, f"{addition.group.split('.')[-1]}_fix_{n}")
        block = _rename(block, taken) if f'"{addition.group.split(".")[-1]}_fix_{n}"' in taken else block
        taken += block[0]
        new += ["\n", *block]
    edits.insert_after(last, new)


def _attribute_lines(indent: str, pairs: list[tuple[str, str]]) -> list[str]:
    width = max(len(name) for name, _ in pairs)
    return [f"{indent}{name.ljust(width)} = {value}\n" for name, value in pairs]


def _inline_block(indent: str, addition: Addition, shape) -> list[str]:
    service, peers = shape
    bounds = port_bounds(service) or (0, 0)
    pairs = [("description", quoted(peers[next(iter(peers))][0].description)),
             ("from_port", str(bounds[0])), ("to_port", str(bounds[1])),
             ("protocol", quoted(protocol_text(service)))]
    for k, rules in peers.items():
        attribute = PEER_ATTRIBUTES["inline"][k]
        pairs.append((attribute, _render(attribute, k, [r.peer for r in rules])))
    return [f"{indent}{addition.direction.value} {{\n", *_attribute_lines(indent + "  ", pairs), f"{indent}}}\n"]


def _vpc_rule_resource(indent: str, addition: Addition, shape, name: str) -> list[str]:
    service, peers = shape
    (k, rules), = peers.items()
    attribute = PEER_ATTRIBUTES["vpc_rule"][k]
    pairs = [("security_group_id", f"{addition.group}.id"), ("ip_protocol", quoted(protocol_text(service)))]
    bounds = port_bounds(service)
    if bounds is not None:
        pairs += [("from_port", str(bounds[0])), ("to_port", str(bounds[1]))]
    pairs += [(attribute, _render(attribute, k, [rules[0].peer])), ("description", quoted(rules[0].description))]
    kind = "ingress" if addition.direction is Direction.INGRESS else "egress"
    return [f'resource "aws_vpc_security_group_{kind}_rule" "{name}" {{\n', *_attribute_lines(indent, pairs), "}\n"]


# ---------------------------------------------------------------- NACL entries

ACL_ADDRESS = re.compile(r"aws_network_acl\.[A-Za-z_][\w-]*")


def editable_nacl(network: Network, key: str) -> bool:
    """An `aws_network_acl` of the root module, written in a .tf file (not a default NACL)."""
    acl = network.topology.nacls.get(key) if network.topology is not None else None
    return (acl is not None and ACL_ADDRESS.fullmatch(key) is not None and acl.origin.line is not None
            and Path(acl.origin.file).is_file())


def _entry_pairs(entry, inline: bool) -> list[tuple[str, str]]:
    bounds = port_bounds(entry.service) or (0, 0)
    family = "cidr_block" if entry.cidr.family is Family.V4 else "ipv6_cidr_block"
    pairs = [("rule_no" if inline else "rule_number", str(entry.number)),
             ("action" if inline else "rule_action", quoted(entry.action.value)),
             ("protocol", quoted(protocol_text(entry.service)))]
    if entry.service.protocol in (1, 58):
        pairs += [("icmp_type", str(bounds[0])), ("icmp_code", str(bounds[1]))]
    else:
        pairs += [("from_port", str(bounds[0])), ("to_port", str(bounds[1]))]
    return pairs + [(family, quoted(str(entry.cidr)))]


def add_entries(files: dict[str, FileEdits], network: Network, edit) -> None:
    """Inline blocks in the `aws_network_acl` when it writes its entries inline, else
    `aws_network_acl_rule` resources after it."""
    acl = network.topology.nacls[edit.nacl]
    path, first = acl.origin.file, acl.origin.line - 1
    files_edits = files.setdefault(path, FileEdits.read(path))
    lines = files_edits.lines
    last = block_extent(lines, first, str(acl.origin))
    direction = "egress" if edit.egress else "ingress"
    inline = [b for b in nested_blocks(lines, first, last) if b[0] in ("ingress", "egress")]
    if inline:
        same = [b for b in inline if b[0] == direction] or inline
        indent = " " * indent_of(lines[inline[0][1]])
        spaced = not lines[same[-1][1] - 1].strip()  # blocks set apart by blank lines, or not
        new = []
        for entry in edit.entries:
            new += (["\n"] if spaced else []) + [f"{indent}{direction} {{\n",
                                                 *_attribute_lines(indent + "  ", _entry_pairs(entry, True)),
                                                 f"{indent}}}\n"]
        files_edits.insert_after(same[-1][2], new)
        return
    taken, new = "".join(lines), []
    for entry in edit.entries:
        name = f"{edit.nacl.split('.')[-1]}_{direction}_{entry.number}"
        pairs = [("network_acl_id", f"{edit.nacl}.id"), ("egress", "true" if edit.egress else "false"),
                 *_entry_pairs(entry, False)]
        block = [f'resource "aws_network_acl_rule" "{name}" {{\n', *_attribute_lines("  ", pairs), "}\n"]
        block = _rename(block, taken) if f'"{name}"' in taken else block
        taken += block[0]
        new += ["\n", *block]
    files_edits.insert_after(last, new)


def write(network: Network, fix) -> dict[str, FileEdits]:
    """Every changed .tf file and its edits."""
    files: dict[str, FileEdits] = {}
    for change in rewrites(network, fix):
        rewrite(files, change)
    for addition in additions(fix):
        add(files, network, addition)
    for edit in nacl_additions(fix):
        add_entries(files, network, edit)
    from .path_terraform import write_path  # entries and routes (that module imports this one)

    write_path(files, network, fix)
    return files
