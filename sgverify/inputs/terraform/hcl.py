"""A folder of .tf files (or one .tf file) -> Network, read with python-hcl2.

Evaluated as far as the configuration is literal: variables (defaults,
terraform.tfvars, *.auto.tfvars), locals, count/for_each, dynamic blocks,
local modules (and registry modules already fetched by `terraform init`) and
the common built-in functions. Anything else is `Unknown`, which the shared
mapping turns into rules that may match anything: values are never guessed.
Every rule keeps the file:line of the block it was written in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lark import Tree
from lark.exceptions import LarkError, UnexpectedInput

from ..fields import reject_huge_numbers
from ...errors import Diagnostic, InputError, InputFileNotFound, Severity
from ...model import Origin
from .. import Loaded
from .attach import build_network
from .common import TfResource, Unknown
from .expr import Evaluator, kids, tokens
from .modules import ModuleEnv

FORMAT = "terraform"
IGNORED_BLOCKS = ("lifecycle", "provisioner", "connection", "timeouts")


@dataclass
class Block:
    kind: str
    labels: list[str]
    attributes: dict[str, tuple[Any, int]]  # name -> (expression tree, line)
    blocks: list["Block"]
    file: str
    line: int

    def origin(self) -> Origin:
        return Origin(self.file, self.line)


def load_terraform_dir(path: str | Path) -> Loaded:
    """A folder of .tf files, or a single .tf file -> Loaded."""
    root = Path(path)
    if not root.exists():
        raise InputFileNotFound(f"no such file or folder: {root}", str(root))
    env = ModuleEnv(root if root.is_dir() else root.parent, read_blocks)
    files = [root] if root.is_file() else sorted(root.glob("*.tf"))
    if not files:
        raise InputError("no .tf files in this folder", str(root))
    module = env.module(files, "", _tfvars(root) if root.is_dir() else {}, None,
                        whole_folder=root.is_dir())
    return _finish(env, module, str(root))


def parse_terraform_text(text: str, path: str = "main.tf", whole_module: bool = False) -> Loaded:
    """One .tf file's text -> Loaded (tests and inline use). `whole_module`: the text is
    the module's whole configuration, so a reference to what it does not declare is an error."""
    env = ModuleEnv(Path(path).parent, read_blocks)
    return _finish(env, env.module([], "", {}, None, texts={path: text}, whole_folder=whole_module),
                   path)


def _finish(env: ModuleEnv, module, source: str) -> Loaded:
    resources = list(collect(module))  # first: unread modules add resources to env
    if env.rejected:  # Terraform stops there: no verdict on a configuration it refuses
        raise InputError([Diagnostic(Severity.ERROR, where, message)
                          for where, message in dict.fromkeys(env.rejected)])
    loaded = build_network(resources + env.extra_resources, source, FORMAT)
    return Loaded(loaded.network, tuple(env.diagnostics) + loaded.warnings)


# ---------------------------------------------------------------- parsing

def read_blocks(file: str, text: str) -> tuple[list[Block], dict[str, tuple[Any, int]]]:
    """Top-level blocks and attributes of one file; a syntax error -> InputError."""
    try:
        from hcl2 import parses_to_tree
    except ImportError:
        raise InputError("reading .tf files needs python-hcl2 >= 8.1 "
                         "(pip install 'sgverify[terraform]')", file) from None
    try:
        tree = parses_to_tree(text)
    except UnexpectedInput as exc:
        raise InputError(f"HCL syntax error: {_short(exc)}", f"{file}:{exc.line}") from None
    except (LarkError, ValueError, RuntimeError) as exc:
        raise InputError(f"HCL syntax error: {_short(exc)}", file) from None
    for node in tree.iter_subtrees():
        if node.data == "function_call":
            node.meta.file = file  # where a call Terraform refuses is reported
    body = kids(tree)[0]
    return _body(body, file)


def _short(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:200]


def _body(body: Tree, file: str) -> tuple[list[Block], dict[str, tuple[Any, int]]]:
    blocks: list[Block] = []
    attributes: dict[str, tuple[Any, int]] = {}
    for item in kids(body):
        if item.data == "attribute":
            name_node, expr = kids(item)
            attributes[_name(name_node)] = (expr, item.meta.line)
        elif item.data == "block":
            parts = kids(item)
            inner_blocks, inner_attrs = _body(parts[-1], file)
            labels = [_label(p) for p in parts[1:-1]]
            blocks.append(Block(_name(parts[0]), labels, inner_attrs, inner_blocks, file,
                                item.meta.line))
    return blocks, attributes


def _name(node: Tree) -> str:
    return str(tokens(node)[0]) if tokens(node) else _name(kids(node)[0])


def _label(node: Tree) -> str:
    if node.data == "string":
        return "".join(str(p.children[0]) for p in kids(node))
    return _name(node)


def _tfvars(root: Path) -> dict[str, Any]:
    values: dict[str, Any] = {}
    names = ["terraform.tfvars", "terraform.tfvars.json"]
    auto = sorted(p.name for p in root.glob("*.auto.tfvars")) + sorted(
        p.name for p in root.glob("*.auto.tfvars.json"))
    for name in names + auto:
        path = root / name
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        reject_huge_numbers(text, str(path))
        if name.endswith(".json"):
            try:
                values.update(json.loads(text))
            except json.JSONDecodeError as exc:
                raise InputError(f"not valid JSON: {exc.msg}", f"{path}:{exc.lineno}") from None
            continue
        _, attributes = read_blocks(str(path), text)
        ev = Evaluator({}, lambda n: Unknown(f"refers to {n} in a tfvars file"))
        values.update({k: ev.eval(expr) for k, (expr, _) in attributes.items()})
    return values


# ---------------------------------------------------------------- resources

def collect(module) -> Any:
    """Every managed resource instance of a module and its children, as TfResource."""
    for block in module.resources:
        for instance in module.instances(block):
            values, origins = evaluate_body(block, instance.evaluator(), instance.address)
            yield TfResource(instance.address, block.labels[0], values, block.origin(), origins)
    for child in module.children():
        yield from collect(child)


def evaluate_body(block: Block, ev: Evaluator, address: str) -> tuple[dict[str, Any], dict]:
    values: dict[str, Any] = {k: ev.eval(expr) for k, (expr, _) in block.attributes.items()
                              if k not in ("count", "for_each", "depends_on", "provider")}
    origins: dict[tuple[str, int], Origin] = {}
    for inner in block.blocks:
        if inner.kind in IGNORED_BLOCKS:
            continue
        if inner.kind == "dynamic" and inner.labels:
            _dynamic(inner, ev, values, origins, address)
            continue
        items = values.setdefault(inner.kind, [])
        if not isinstance(items, list):
            continue
        origins[(inner.kind, len(items))] = inner.origin()
        items.append(evaluate_body(inner, ev, address)[0])
    return values, origins


def _dynamic(block: Block, ev: Evaluator, values: dict, origins: dict, address: str) -> None:
    """`dynamic "ingress" { for_each = ...; content { ... } }` -> ingress blocks."""
    name = block.labels[0]
    items = values.setdefault(name, [])
    content = next((b for b in block.blocks if b.kind == "content"), None)
    if not isinstance(items, list) or content is None:
        return
    iterator = name
    if "iterator" in block.attributes:
        iterator = _name(block.attributes["iterator"][0]) if isinstance(
            block.attributes["iterator"][0], Tree) else name
    source = ev.eval(block.attributes["for_each"][0]) if "for_each" in block.attributes else None
    if not isinstance(source, (dict, list)):
        reason = source.reason if isinstance(source, Unknown) else (
            f"is {source!r}, not a collection" if source is not None else "is missing")
        origins[(name, len(items))] = content.origin()
        items.append(Unknown(f"comes from dynamic {name} blocks whose for_each {reason}"))
        return
    pairs = source.items() if isinstance(source, dict) else enumerate(source)
    for key, value in pairs:
        key = value if isinstance(source, list) and isinstance(value, str) else key
        child = ev.child({iterator: {"key": key, "value": value}})
        origins[(name, len(items))] = content.origin()
        items.append(evaluate_body(content, child, address)[0])


__all__ = ["Block", "load_terraform_dir", "parse_terraform_text", "read_blocks"]
