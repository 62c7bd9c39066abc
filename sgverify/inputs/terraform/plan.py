"""Terraform plan JSON (`terraform show -json plan.out`, format 0.1 and 1.x) -> Network.

Values come from planned_values (root and child modules). A value that is
unknown until apply is found through resource_changes[].change.after_unknown;
where it is another resource's id (a group created in the same plan), the
configuration's `references` say which resource, so the rule keeps its peer.
Anything else unknown stays an `Unknown`: the rule it feeds may match anything.
An attribute that is unknown and not written in the configuration is one the
provider computes; it is read as absent (e.g. an aws_security_group without
egress blocks has no egress: Terraform removes AWS's default allow-all rule).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from ..fields import reject_huge_numbers
from ...errors import Diagnostic, InputError, InputFileNotFound, Severity
from ...model import Origin
from .attach import build_network
from .common import Ref, TfResource, Unknown

FORMAT = "terraform-plan"
UNRESOLVABLE = ("var.", "local.", "data.", "path.", "terraform.", "self.")
IGNORED_REFS = ("count.", "each.")
IDENTITIES = ("id", "name", "arn")  # attributes whose value names the resource itself
# Nested blocks: the configuration JSON does not show dynamic blocks (nor always
# blocks of attributes-as-blocks such as ingress/egress), so "not written there"
# proves nothing about them; an unknown one stays unknown.
BLOCKS = frozenset((
    "ingress", "egress", "entry", "vpc_config", "network_configuration", "network_interfaces",
    "network_interface", "launch_template", "subnet_mapping", "mixed_instances_policy",
))


def looks_like_terraform_plan(data: Any) -> bool:
    """A `terraform show -json` document (plan or state)?"""
    return (isinstance(data, dict) and "format_version" in data
            and any(k in data for k in ("planned_values", "resource_changes", "values",
                                        "terraform_version")))


def load_terraform_plan(path: str | Path):
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputFileNotFound(f"no such file: {p}", str(p)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {p}: {exc}", str(p)) from None
    reject_huge_numbers(text, str(p))
    return parse_terraform_plan(text, str(p))


def parse_terraform_plan(text: str, path: str = "<plan>"):
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}", f"{path}:{exc.lineno}") from None
    if not looks_like_terraform_plan(data):
        raise InputError("not a Terraform plan: expected the output of "
                         "`terraform show -json` (format_version, planned_values)", path)
    version = str(data.get("format_version", ""))
    if not re.match(r"^(0\.[12]|1\.\d+)$", version):
        raise InputError(f"unsupported plan format_version {version!r} (0.1, 0.2, 1.x)", path)
    reader = _PlanReader(data, path)
    return build_network(reader.resources(), path, FORMAT)


class _PlanReader:
    def __init__(self, data: dict, path: str):
        self.path = path
        values = _obj(data.get("planned_values") or data.get("values"), path, "planned_values")
        self.planned: dict[str, dict] = {}
        self._collect(_obj(values.get("root_module"), path, "root_module"), "root_module")
        self.unknown: dict[str, Any] = {}
        for i, change in enumerate(_arr(data.get("resource_changes"), path, "resource_changes")):
            change = _obj(change, path, f"resource_changes[{i}]")
            after = _obj(change.get("change"), path, f"resource_changes[{i}].change")
            self.unknown[str(change.get("address"))] = after.get("after_unknown") or {}
        config = _obj(data.get("configuration"), path, "configuration")
        self.config_root = _obj(config.get("root_module"), path, "configuration.root_module")

    def _collect(self, module: dict, where: str) -> None:
        for i, res in enumerate(_arr(module.get("resources"), self.path, f"{where}.resources")):
            res = _obj(res, self.path, f"{where}.resources[{i}]")
            if res.get("mode", "managed") == "managed":
                self.planned[str(res.get("address"))] = res
        children = _arr(module.get("child_modules"), self.path, f"{where}.child_modules")
        for i, child in enumerate(children):
            self._collect(_obj(child, self.path, f"{where}.child_modules[{i}]"),
                          f"{where}.child_modules[{i}]")

    # ------------------------------------------------------------ resources
    def resources(self) -> list[TfResource]:
        out = []
        for address, res in self.planned.items():
            if not res.get("type"):
                raise InputError(Diagnostic(Severity.ERROR, f"{self.path}:{address}",
                                            "resource without a type"))
            values = _obj(res.get("values"), self.path, f"{address}.values")
            marker = self.unknown.get(address, {})
            config = self._config_of(address)
            exprs = _dig(config, "expressions")
            merged = self._merge(values, marker, address, exprs, True)
            merged = self._resolve_refs(merged, exprs, address)
            _mark_merged_blocks(merged, exprs)
            out.append(TfResource(address, str(res["type"]), merged,
                                  Origin(self.path, None, address)))
        return out

    def _merge(self, value: Any, marker: Any, where: str, exprs: Any, top: bool) -> Any:
        """Known values with Unknown where after_unknown says true."""
        if marker is True:
            return Unknown("is known only after apply")
        if isinstance(marker, dict) and isinstance(value, (dict, type(None))):
            out = dict(value or {})
            for key, sub in marker.items():
                if top and sub is True and key not in BLOCKS and not _written(exprs, key):
                    out[key] = None  # computed by the provider, not written: absent
                else:
                    out[key] = self._merge(out.get(key), sub, f"{where}.{key}", None, False)
            return out
        if isinstance(marker, list) and isinstance(value, (list, type(None))):
            items = list(value or [])
            items += [None] * (len(marker) - len(items))
            return [self._merge(v, m, f"{where}[{i}]", None, False)
                    for i, (v, m) in enumerate(zip(items, marker + [False] * len(items)))]
        return value

    # ------------------------------------------------------------ configuration
    def _config_of(self, address: str) -> dict | None:
        module, prefix = _split_module(address)
        node = self._module_node(module)
        base = re.sub(r"\[[^\]]*\]$", "", address[len(prefix):])
        for res in _dig(node, "resources") if isinstance(_dig(node, "resources"), list) else []:
            if isinstance(res, dict) and res.get("address") == base:
                return res
        return None

    def _module_node(self, module: list[str]) -> dict:
        node = self.config_root
        for name in module:
            node = _dig(node, "module_calls", name, "module") or {}
        return node

    def _resolve_refs(self, value: Any, exprs: Any, address: str) -> Any:
        """Replace Unknowns that are ids of resources named in the configuration by Refs."""
        if not isinstance(value, dict) or not isinstance(exprs, dict):
            return value
        module = _split_module(address)
        out = dict(value)
        for key, item in value.items():
            expr = exprs.get(key)
            if isinstance(item, list) and isinstance(expr, list):
                # nested blocks: planned sets need not keep the written order, so each
                # value block takes the one written block its constants match
                out[key] = [self._resolve_refs(v, _matching_block(v, expr), address)
                            for v in item]
            elif isinstance(expr, dict) and isinstance(expr.get("references"), list):
                out[key] = self._fill(item, expr["references"], module)
        return out

    def _fill(self, item: Any, refs: list, module: tuple[list[str], str]) -> Any:
        names, prefix = module
        targets = self._targets(refs, names, prefix)
        if targets is None:
            return item
        item = self._identities(item, targets)
        pending = [t for t in targets if not isinstance(self._id_of(t), str)]
        if isinstance(item, Unknown):
            # A value whose very shape is unknown (a conditional, a function) could be
            # any subset of the resources it names: only a single one is taken as it.
            return Ref(targets[0], _attribute(refs, prefix, targets[0])) if len(targets) == 1 else item
        if isinstance(item, list):
            holes = [i for i, v in enumerate(item) if isinstance(v, Unknown) or v is None]
            if holes and len(holes) == len(pending):
                filled = list(item)
                for i, target in zip(holes, pending):
                    filled[i] = Ref(target, _attribute(refs, prefix, target))
                return filled
        return item

    def _identities(self, item: Any, targets: list[str]) -> Any:
        """Known names, ids and arns of the referenced resources -> Refs to them: a
        subnet group or launch template named by its name is that resource."""
        if isinstance(item, list):
            return [self._identities(v, targets) for v in item]
        if not isinstance(item, str) or not item:
            return item
        found = [(t, attr) for t in targets for attr in IDENTITIES
                 if _dig(self.planned.get(t), "values", attr) == item]
        if len({t for t, _ in found}) != 1:
            return item
        return Ref(found[0][0], found[0][1], item)

    def _id_of(self, address: str) -> Any:
        return _dig(self.planned.get(address), "values", "id")

    def _targets(self, refs: list, module: list[str], prefix: str) -> list[str] | None:
        """Resource addresses the references name; None if any is not a resource."""
        found: list[str] = []
        for ref in refs:
            ref = str(ref)
            if ref.startswith(IGNORED_REFS):
                continue
            if ref.startswith("var.") and module:
                sub = self._module_input(ref, module, prefix)
                if sub is None:
                    return None
                found += sub
                continue
            if ref.startswith(UNRESOLVABLE):
                return None
            if ref.startswith("module."):
                sub = self._module_output(ref, module, prefix)
                if sub is None:
                    return None
                found += sub
                continue
            address = self._match(prefix + ref)
            if address is None:
                if not any(a.startswith(prefix + ref + "[") for a in self.planned):
                    return None
                continue  # the bare name next to an indexed reference
            found.append(address)
        found = [a for a in dict.fromkeys(found)
                 if not any(b != a and b.startswith(a + "[") for b in found)]
        return found or None

    def _match(self, ref: str) -> str | None:
        while ref:
            if ref in self.planned:
                return ref
            cut = max(ref.rfind("."), ref.rfind("["))
            if cut <= 0:
                return None
            ref = ref[:cut]
        return None

    def _module_output(self, ref: str, module: list[str], prefix: str) -> list[str] | None:
        parts = ref.split(".")
        if len(parts) < 3:
            return []  # the bare module, listed next to its output
        name = re.sub(r"\[[^\]]*\]$", "", parts[1])
        node = self._module_node(module + [name])
        expr = _dig(node, "outputs", parts[2], "expression")
        if not isinstance(expr, dict) or not isinstance(expr.get("references"), list):
            return None
        return self._targets(expr["references"], module + [name], f"{prefix}module.{parts[1]}.")


    def _module_input(self, ref: str, module: list[str], prefix: str) -> list[str] | None:
        """`var.x` inside a module -> what the calling module passes as x."""
        variable = ref.split(".")[1].split("[")[0]
        parent = self._module_node(module[:-1])
        expr = _dig(parent, "module_calls", module[-1], "expressions", variable)
        if not isinstance(expr, dict) or not isinstance(expr.get("references"), list):
            return None
        parent_prefix = prefix[:prefix.rstrip(".").rfind("module.")]
        return self._targets(expr["references"], module[:-1], parent_prefix)


def _attribute(refs: list, prefix: str, target: str) -> str:
    """The attribute of `target` the references read (`source_security_group_id`...); id if none."""
    base = re.sub(r"\[[^\]]*\]$", "", target)
    for ref in map(str, refs):
        for start in (target + ".", base + "."):
            found = re.match(r"[A-Za-z_][\w-]*", (prefix + ref)[len(start):])
            if (prefix + ref).startswith(start) and found:
                return found.group(0)
    return "id"


def _mark_merged_blocks(values: dict, exprs: Any) -> None:
    """Fewer planned rule blocks than written ones: blocks with unknown values merged
    in the plan's set, so some rules are not shown; one unknown rule stands for them."""
    for name in ("ingress", "egress"):
        written, planned = _dig(exprs, name), values.get(name)
        if isinstance(written, list) and isinstance(planned, list) and len(written) > len(planned):
            planned.append(Unknown(f"hides {len(written) - len(planned)} written block(s) "
                                   "whose values are known only after apply"))


def _matching_block(value: Any, blocks: list) -> dict | None:
    """The written block whose constant attributes all equal the value's; None unless unique."""
    if not isinstance(value, dict):
        return None
    found = [b for b in blocks if isinstance(b, dict) and all(
        _same(value.get(k), e["constant_value"]) for k, e in b.items()
        if isinstance(e, dict) and "constant_value" in e)]
    return found[0] if len(found) == 1 else None


def _same(value: Any, constant: Any) -> bool:
    if isinstance(value, list) and isinstance(constant, list):
        return sorted(map(str, value)) == sorted(map(str, constant))
    return value == constant or str(value) == str(constant)


def _dig(value: Any, *keys: str) -> Any:
    """value[k1][k2]... or None where a step is missing or not an object."""
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _obj(value: Any, path: str, where: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InputError(f"{where}: expected an object, found {type(value).__name__}",
                         f"{path}:{where}")
    return value


def _arr(value: Any, path: str, where: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError(f"{where}: expected a list, found {type(value).__name__}",
                         f"{path}:{where}")
    return value


def _written(exprs: Any, key: str) -> bool:
    """Is the attribute written in the configuration (or is the configuration missing)?"""
    if not isinstance(exprs, dict):
        return True  # no configuration in the plan: cannot tell, keep it unknown
    return key in exprs


def _split_module(address: str) -> tuple[list[str], str]:
    """'module.a[0].module.b.aws_x.y' -> (['a', 'b'], 'module.a[0].module.b.')."""
    parts = address.split(".")
    module: list[str] = []
    prefix = ""
    while len(parts) > 2 and parts[0] == "module":
        module.append(re.sub(r"\[[^\]]*\]$", "", parts[1]))
        prefix += f"module.{parts[1]}."
        parts = parts[2:]
    return module, prefix
