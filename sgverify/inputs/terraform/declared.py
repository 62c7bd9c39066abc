"""References to what a module does not declare, which Terraform refuses before planning.

Checked only where the reader holds the whole module (a folder, or a module read from
one): a single file given alone may rely on a sibling file's declarations. The check
reads the expressions as written, so a reference the evaluation never reaches (a
resource with count = 0, an unused local) is checked too, as Terraform does.
"""

from __future__ import annotations

from typing import Any, Iterator

from lark import Tree

from .expr import kids, tokens

# root names that are not references to declared things (or not checked here)
BUILT_IN = frozenset(("count", "each", "self", "path", "terraform", "ephemeral", "resource",
                      "template", "provider", "lazy", "arg"))
CHECKED = ("resource", "data", "module", "output", "locals", "provider")
SKIPPED_ATTRS = {"resource": ("provider",), "data": ("provider",),
                 "module": ("source", "version", "providers"), "provider": ("alias",)}
SKIPPED_BLOCKS = ("lifecycle",)  # ignore_changes names attributes, not objects


def undeclared(blocks: list) -> list[tuple[str, str]]:
    """(file:line, message) for each reference to something the module does not declare."""
    names = _declared(blocks)
    out: list[tuple[str, str]] = []
    for block in blocks:
        if block.kind not in CHECKED:
            continue
        for path, line in _block_refs(block, SKIPPED_ATTRS.get(block.kind, ()), frozenset()):
            message = _problem(path, names)
            if message:
                out.append((f"{block.file}:{line}", message))
    return out


def _declared(blocks: list) -> dict[str, set]:
    names: dict[str, set] = {"var": set(), "local": set(), "module": set(), "data": set(),
                             "resource": set()}
    for b in blocks:
        if b.kind == "variable" and b.labels:
            names["var"].add(b.labels[0])
        elif b.kind == "locals":
            names["local"].update(b.attributes)
        elif b.kind == "module" and b.labels:
            names["module"].add(b.labels[0])
        elif b.kind in ("data", "resource") and len(b.labels) == 2:
            names[b.kind].add(tuple(b.labels))
    return names


def _problem(path: list[str], names: dict[str, set]) -> str:
    root = path[0]
    what = {"var": "input variable", "local": "local value", "module": "module"}
    if root in what:
        if path[1] not in names[root]:
            return (f"reference to undeclared {what[root]}: {root}.{path[1]} is not declared "
                    "in this module")
    elif root == "data":
        if len(path) > 2 and (path[1], path[2]) not in names["data"]:
            return (f"reference to undeclared data source: data.{path[1]}.{path[2]} is not "
                    "declared in this module")
    elif (root, path[1]) not in names["resource"]:
        return (f"reference to undeclared resource: {root}.{path[1]} is not declared in this "
                "module")
    return ""


def _block_refs(block, skipped: tuple, bound: frozenset) -> Iterator[tuple[list[str], int]]:
    for name, (expr, _) in block.attributes.items():
        if name not in skipped and not (block.kind == "dynamic" and name == "iterator"):
            yield from _refs(expr, bound)
    for inner in block.blocks:
        if inner.kind in SKIPPED_BLOCKS:
            continue
        inner_bound = bound
        if inner.kind == "dynamic" and inner.labels:
            iterator = inner.attributes.get("iterator")
            named = _root_name(iterator[0]) if iterator else inner.labels[0]
            inner_bound = bound | {named or inner.labels[0]}
        yield from _block_refs(inner, (), inner_bound)


def _refs(node: Any, bound: frozenset) -> Iterator[tuple[list[str], int]]:
    if not isinstance(node, Tree):
        return
    if node.data in ("for_tuple_expr", "for_object_expr"):
        yield from _for_refs(node, bound)
        return
    if node.data == "get_attr_expr_term":
        path = _path(node)
        if path and path[0] not in bound and path[0] not in BUILT_IN and (
                len(path) == 2 and path[0] != "data" or len(path) == 3 and path[0] == "data"):
            yield path, node.meta.line
    for child in kids(node):
        yield from _refs(child, bound)


def _for_refs(node: Tree, bound: frozenset) -> Iterator[tuple[list[str], int]]:
    parts = kids(node)
    intro = parts[0]
    names = {str(tokens(n)[0]) for n in kids(intro) if n.data == "identifier"}
    yield from _refs(kids(intro)[-1], bound)
    for part in parts[1:]:
        yield from _refs(part, bound | names)


def _path(node: Tree) -> list[str] | None:
    """aws_vpc.x -> ["aws_vpc", "x"]; None when the chain does not start at a name."""
    base, attr = kids(node)
    while isinstance(base, Tree) and base.data == "expr_term" and len(kids(base)) == 1:
        base = kids(base)[0]
    name = str(tokens(kids(attr)[0] if kids(attr) else attr)[0])
    if base.data == "identifier":
        return [str(tokens(base)[0]), name]
    if base.data == "get_attr_expr_term":
        inner = _path(base)
        return inner + [name] if inner else None
    return None


def _root_name(node: Any) -> str:
    while isinstance(node, Tree) and node.data == "expr_term" and len(kids(node)) == 1:
        node = kids(node)[0]
    if isinstance(node, Tree) and node.data == "identifier":
        return str(tokens(node)[0])
    return ""

