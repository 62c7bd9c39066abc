"""Terraform modules for the .tf reader: variables, locals, resources, child modules.

A module is a set of parsed blocks plus the values of its input variables; its
names (var, local, module, data, resource types, count/each) are evaluated on
demand, so only what the security-group mapping reads is ever computed, and a
cycle evaluates to Unknown instead of looping.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..fields import reject_huge_numbers
from ...errors import Diagnostic, InputError, Severity
from ...model import Origin
from .declared import undeclared
from .common import AssignedBlock, Ref, TfResource, Unknown
from .expr import Evaluator, Namespace, show
from .module_inputs import LazyInputs

_PENDING = object()


@dataclass
class Instance:
    module: "Module"
    block: Any
    key: Any  # None, an int (count) or a str (for_each); Unknown when not known
    bindings: dict[str, Any]
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def address(self) -> str:
        base = f"{self.module.prefix}{self.block.labels[0]}.{self.block.labels[1]}"
        if self.key is None:
            return base
        if isinstance(self.key, Unknown):
            return f"{base}[*]"
        return f"{base}[{self.key}]" if isinstance(self.key, int) else f'{base}["{self.key}"]'

    def evaluator(self) -> Evaluator:
        return self.module.evaluator.child(self.bindings)


class InstanceNS(Namespace):
    """`aws_subnet.a` as a value: literal attributes are read, computed ones are Refs."""

    def __init__(self, instance: Instance):
        self.instance = instance

    def get(self, name: str) -> Any:
        inst = self.instance
        if name in inst.block.attributes and name not in ("id", "arn"):
            if inst.cache.get(name) is _PENDING:
                return Unknown(f"is {inst.address}.{name}, defined in terms of itself")
            if name not in inst.cache:
                inst.cache[name] = _PENDING
                inst.cache[name] = inst.evaluator().eval(inst.block.attributes[name][0])
            value = inst.cache[name]
            if value is None and name == "ipv6_cidr_block" and self._asks_aws():
                return AssignedBlock(f"is the IPv6 block AWS assigns to {inst.address}, known only "
                                     "after apply", vpc=inst.address)
            if value is None:
                # null is not writing it: the provider may compute it at apply (a VPC's
                # ipv6_cidr_block from assign_generated_ipv6_cidr_block)
                return Ref(inst.address, name)
            if name == "name":
                # a name identifies the resource (a group, a subnet group, a launch
                # template by name) even when the name itself is not known
                return Ref(inst.address, "name", value)
            return value
        if name == "ipv6_cidr_block" and self._asks_aws():
            return AssignedBlock(f"is the IPv6 block AWS assigns to {inst.address}, known only after "
                                 "apply", vpc=inst.address)
        return Ref(inst.address, name)

    def _asks_aws(self) -> bool:
        """An aws_vpc with assign_generated_ipv6_cidr_block = true: Amazon's pool gives it a /56."""
        if self.instance.block.labels[0] != "aws_vpc" or \
                "assign_generated_ipv6_cidr_block" not in self.instance.block.attributes:
            return False
        flag = self.get("assign_generated_ipv6_cidr_block")
        return flag is True or flag == "true"


class TypeNS(Namespace):
    def __init__(self, module: "Module", rtype: str, mode: str = "resource"):
        self.module, self.rtype, self.mode = module, rtype, mode

    def get(self, name: str) -> Any:
        if self.mode == "data":
            return Unknown(f"comes from data source data.{self.rtype}.{name} (read at apply)")
        block = self.module.resource_block(self.rtype, name)
        if block is None:
            return Unknown(f"refers to {self.rtype}.{name}, which is not defined", error=True)
        return self.module.resource_value(block)


class DataNS(Namespace):
    def __init__(self, module: "Module"):
        self.module = module

    def get(self, name: str) -> Any:
        return TypeNS(self.module, name, "data")


class VarNS(Namespace):
    def __init__(self, module: "Module"):
        self.module = module

    def get(self, name: str) -> Any:
        return self.module.variable(name)


class LocalNS(Namespace):
    def __init__(self, module: "Module"):
        self.module = module

    def get(self, name: str) -> Any:
        return self.module.local(name)


class ModuleCallNS(Namespace):
    def __init__(self, module: "Module"):
        self.module = module

    def get(self, name: str) -> Any:
        return self.module.call_value(name)


class OutputsNS(Namespace):
    def __init__(self, child: "Module | None", reason: str = ""):
        self.child, self.reason = child, reason

    def get(self, name: str) -> Any:
        if self.child is None:
            return Unknown(self.reason)
        return self.child.output(name)


class ModuleEnv:
    """Everything shared by the modules of one configuration."""

    def __init__(self, root: Path, reader: Callable):
        self.root = root
        self.reader = reader
        self.diagnostics: list[Diagnostic] = []
        self.extra_resources: list[TfResource] = []
        self.rejected: list[tuple[str, str]] = []  # (file:line, message) Terraform refuses
        self._manifest: dict[str, str] | None = None

    def warn(self, origin: Origin, message: str) -> None:
        self.diagnostics.append(Diagnostic(Severity.WARNING, str(origin), message))

    def module(self, files: list[Path], prefix: str, inputs: dict[str, Any], key_path,
               texts: dict[str, str] | None = None, whole_folder: bool = True) -> "Module":
        texts = dict(texts or {})
        if whole_folder:
            _refuse_unsupported_files(files)
        for path in files:
            try:
                texts[str(path)] = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise InputError(f"cannot read: {exc}", str(path)) from None
            reject_huge_numbers(texts[str(path)], str(path))
        blocks = []
        for file, text in texts.items():
            blocks.extend(self.reader(file, text)[0])
        _refuse_duplicates(blocks)
        if whole_folder:  # a file given alone may use what its sibling files declare
            self.rejected.extend(undeclared(blocks))
        return Module(self, blocks, prefix, inputs, key_path or [],
                      files[0].parent if files else self.root)

    def installed(self, key: str) -> Path | None:
        """A registry module fetched by `terraform init` (.terraform/modules/modules.json)."""
        if self._manifest is None:
            path = self.root / ".terraform" / "modules" / "modules.json"
            self._manifest = {}
            if path.is_file():
                try:
                    data = json.loads(path.read_text(encoding="utf-8"))
                    self._manifest = {m["Key"]: m["Dir"] for m in data.get("Modules", [])}
                except (ValueError, KeyError, TypeError):
                    self._manifest = {}
        found = self._manifest.get(key)
        return (self.root / found) if found else None


def _refuse_unsupported_files(files: list[Path]) -> None:
    """Files Terraform would read but this reader cannot: refusing beats ignoring them."""
    if not files:
        return
    folder = files[0].parent
    json_files = sorted(folder.glob("*.tf.json"))
    overrides = [p for p in files if p.name == "override.tf" or p.name.endswith("_override.tf")]
    for path in json_files + overrides:
        kind = "JSON-syntax configuration" if path.name.endswith(".json") else "override file"
        raise InputError(f"{kind} is not read by the .tf reader; give the plan JSON "
                         "(terraform show -json) instead", str(path))


def _refuse_duplicates(blocks: list) -> None:
    seen: dict[tuple, Any] = {}
    for block in blocks:
        if block.kind not in ("resource", "data", "module", "variable", "output"):
            continue
        key = (block.kind, *block.labels)
        if key in seen:
            raise InputError(f"{block.kind} {' '.join(block.labels)} is also defined at "
                             f"{seen[key].origin()}", str(block.origin()))
        seen[key] = block


class Module:
    def __init__(self, env: ModuleEnv, blocks: list, prefix: str, inputs: dict[str, Any],
                 key_path: list[str], directory: Path):
        self.env, self.prefix, self.inputs = env, prefix, inputs
        self.key_path, self.directory = key_path, directory
        self.blocks = blocks
        self.resources = [b for b in blocks if b.kind == "resource" and len(b.labels) == 2]
        self.variables = {b.labels[0]: b for b in blocks if b.kind == "variable" and b.labels}
        self.locals = {k: v for b in blocks if b.kind == "locals" for k, v in b.attributes.items()}
        self.outputs = {b.labels[0]: b for b in blocks if b.kind == "output" and b.labels}
        self.calls = {b.labels[0]: b for b in blocks if b.kind == "module" and b.labels}
        self.cache: dict[str, Any] = {}
        self._children: dict[str, list[tuple[Any, Module | None, str]]] = {}
        self.evaluator = Evaluator({}, self._root_name, env.rejected)

    def _root_name(self, name: str) -> Any:
        special = {"var": VarNS(self), "local": LocalNS(self), "module": ModuleCallNS(self),
                   "data": DataNS(self),
                   "path": {"module": str(self.directory), "root": str(self.env.root),
                            "cwd": str(self.env.root)},
                   "terraform": {"workspace": "default"}}
        if name in special:
            return special[name]
        if name in ("count", "each", "self"):
            return Unknown(f"uses {name} outside a resource that defines it", error=True)
        if any(b.labels[0] == name for b in self.resources):
            return TypeNS(self, name)
        return Unknown(f"refers to {name}, which is not defined", error=True)

    def _cached(self, key: str, compute: Callable[[], Any]) -> Any:
        if self.cache.get(key) is _PENDING:
            return Unknown(f"is {key}, defined in terms of itself")
        if key not in self.cache:
            self.cache[key] = _PENDING
            self.cache[key] = compute()
        return self.cache[key]

    def variable(self, name: str) -> Any:
        if name in self.inputs:
            return self.inputs[name]
        block = self.variables.get(name)
        if block is None:
            return Unknown(f"refers to var.{name}, which is not declared", error=True)
        if "default" in block.attributes:
            return self._cached(f"var.{name}", lambda: self.evaluator.eval(
                block.attributes["default"][0]))
        return Unknown(f"is variable {self.prefix}var.{name}, which has no value "
                       "(no default, no tfvars)")

    def local(self, name: str) -> Any:
        if name not in self.locals:
            return Unknown(f"refers to local.{name}, which is not defined", error=True)
        return self._cached(f"local.{name}", lambda: self.evaluator.eval(self.locals[name][0]))

    def output(self, name: str) -> Any:
        block = self.outputs.get(name)
        if block is None or "value" not in block.attributes:
            return Unknown(f"refers to output {name} of {self.prefix or 'the root'}, "
                           "which is not defined", error=True)
        return self._cached(f"output.{name}", lambda: self.evaluator.eval(block.attributes["value"][0]))

    # ------------------------------------------------------------ resources
    def resource_block(self, rtype: str, name: str):
        return next((b for b in self.resources if b.labels == [rtype, name]), None)

    def instances(self, block) -> list[Instance]:
        return self._cached(f"instances:{block.labels[0]}.{block.labels[1]}",
                            lambda: self._expand(block, lambda k, b: Instance(self, block, k, b)))

    def resource_value(self, block) -> Any:
        counted = "count" in block.attributes or "for_each" in block.attributes
        items = self.instances(block)
        if not counted:
            return InstanceNS(items[0])
        if items and isinstance(items[0].key, Unknown):
            return Unknown(f"refers to {items[0].address}, whose count/for_each "
                           f"{items[0].key.reason}")
        if "count" in block.attributes:
            return [InstanceNS(i) for i in items]
        return {i.key: InstanceNS(i) for i in items}

    def _expand(self, block, make: Callable[[Any, dict], Any]) -> list:
        """count / for_each -> instances; an unknown one -> one instance, keyed Unknown."""
        if "count" in block.attributes:
            count = self.evaluator.eval(block.attributes["count"][0])
            if isinstance(count, str) and count.strip().isdigit():
                count = int(count)  # "3" (a 0.11 variable) converts to a number, as in Terraform
            if isinstance(count, int) and not isinstance(count, bool) and 0 <= count <= 65536:
                return [make(i, {"count": {"index": i}}) for i in range(count)]
            return [self._unknown_expansion(block, make, "count", count)]
        if "for_each" in block.attributes:
            source = self.evaluator.eval(block.attributes["for_each"][0])
            if isinstance(source, dict):
                return [make(k, {"each": {"key": k, "value": v}}) for k, v in source.items()]
            if isinstance(source, list) and all(isinstance(s, str) for s in source):
                return [make(s, {"each": {"key": s, "value": s}}) for s in dict.fromkeys(source)]
            return [self._unknown_expansion(block, make, "for_each", source)]
        return [make(None, {})]

    def _unknown_expansion(self, block, make, what: str, value: Any):
        reason = value.reason if isinstance(value, Unknown) else f"is {show(value)}"
        why = Unknown(f"{what} {reason}")
        # a module called twice has its blocks at the same file:line: say which call it is
        where = f" in {self.prefix.rstrip('.')}" if self.prefix else ""
        self.env.warn(block.origin(), f"{' '.join(block.labels)}{where}: {what} {reason}; modelled as "
                                      "one instance whose count/each values are unknown")
        unknown = Unknown(f"is {what} of {self.prefix}{'.'.join(block.labels)}, which is not known")
        return make(why, {"count": {"index": unknown}, "each": {"key": unknown, "value": unknown}})

    # ------------------------------------------------------------ child modules
    def children(self) -> list["Module"]:
        out = []
        for name in self.calls:
            out.extend(child for _, child, _ in self._child_instances(name) if child is not None)
        return out

    def call_value(self, name: str) -> Any:
        if name not in self.calls:
            return Unknown(f"refers to module.{name}, which is not defined", error=True)
        items = self._child_instances(name)
        block = self.calls[name]
        values = {k: OutputsNS(child, why) for k, child, why in items}
        if "count" in block.attributes:
            return list(values.values())
        if "for_each" in block.attributes:
            return values
        return next(iter(values.values()))

    def _child_instances(self, name: str) -> list:
        if self._children.get(name) is _PENDING:  # its count or for_each uses its own outputs
            return [(None, None, f"is module.{name}, whose count or for_each uses it")]
        if name not in self._children:
            block = self.calls[name]
            self._children[name] = _PENDING
            self._children[name] = self._expand(block, lambda k, b: self._load_child(block, k, b))
        return self._children[name]

    def _load_child(self, block, key: Any, bindings: dict) -> tuple[Any, Module | None, str]:
        from .unread import unread_module

        name = block.labels[0]
        inputs = LazyInputs(self.evaluator.child(bindings), {
            k: e for k, (e, _) in block.attributes.items()
            if k not in ("source", "version", "count", "for_each", "providers", "depends_on")},
            f"{self.prefix}module.{name}")
        suffix = "" if key is None else "[*]" if isinstance(key, Unknown) else (
            f"[{key}]" if isinstance(key, int) else f'["{key}"]')
        prefix = f"{self.prefix}module.{name}{suffix}."
        directory = self._source_dir(block)
        if directory is None:
            why = unread_module(self.env, block, prefix, dict(inputs))  # every input, for its groups
            return key, None, why
        files = sorted(directory.glob("*.tf"))
        child = self.env.module(files, prefix, inputs, self.key_path + [name])
        child.directory = directory
        return key, child, ""

    def _source_dir(self, block) -> Path | None:
        source = self.evaluator.eval(block.attributes["source"][0]) \
            if "source" in block.attributes else None
        if not isinstance(source, str):
            raise InputError("module source must be a literal string", str(block.origin()))
        if source.startswith(("./", "../")):
            directory = Path(os.path.normpath(self.directory / source))
            if not directory.is_dir() or not list(directory.glob("*.tf")):
                raise InputError(f"module {block.labels[0]}: source {source} is not a folder "
                                 "with .tf files", str(block.origin()))
            return directory
        return self.env.installed(".".join(self.key_path + [block.labels[0]]))
