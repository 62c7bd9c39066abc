"""Readers: each input format turns text into a `Network` (with origins kept).

`load_network(path, input_format=None)` is the one entry point; a format name
forces the reader, otherwise the format is detected from the content.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any, Mapping

from ..errors import Diagnostic, InputError, InputFileNotFound
from ..model import Network


@dataclass(frozen=True)
class Loaded:
    network: Network
    warnings: tuple[Diagnostic, ...] = ()


FORMATS = ("native", "aws", "terraform-plan", "terraform", "cloudformation")
_EXPECTED = ("a native network (security_groups, resources, externals, prefix_lists, vpcs, "
             "subnets...), AWS describe output (SecurityGroups, NetworkInterfaces...), a Terraform "
             "plan (format_version with planned_values or resource_changes), a CloudFormation template "
             "(AWSTemplateFormatVersion or Resources with AWS:: types), or a folder of .tf or AWS .json files")


def load_network(path: str, input_format: str | None = None,
                 parameters: Mapping[str, str] | None = None) -> Loaded:
    """Read a network in any supported format; the format is detected unless `input_format` names it.

    `parameters` (from `--parameter K=V`) override CloudFormation parameter defaults.
    """
    where = Path(path)
    if input_format is not None and input_format not in FORMATS:
        raise InputError(f"unknown input format {input_format!r}: expected one of {', '.join(FORMATS)}")
    if not where.exists():
        raise InputFileNotFound(f"network file {str(path)!r} does not exist")
    from ..gcpause import building_objects, held
    from .cache import cached

    # Detection parses the whole file, so the cache is asked first.
    with building_objects():
        return held(cached(str(path), input_format or "detect", parameters or {},
                           lambda: _detect_and_read(str(path), input_format, parameters or {})))


def _detect_and_read(path: str, input_format: str | None, parameters: Mapping[str, str]) -> Loaded:
    if input_format is None and not parameters:
        from .native.reader import read_if_native_json

        found = read_if_native_json(path)  # JSON that opens with a native key, read without detecting
        if found is not None:
            return found
    chosen = input_format or _detect(Path(path))
    if parameters and chosen != "cloudformation":
        raise InputError(f"--parameter applies to CloudFormation templates, but {path!r} "
                         f"is read as {chosen}")
    return _read(chosen, path, parameters)


def _detect(where: Path) -> str:
    if where.is_dir():
        if any(p.suffix == ".tf" for p in where.iterdir() if p.is_file()):
            return "terraform"
        if any(p.suffix == ".json" for p in where.rglob("*.json") if p.is_file()):
            return "aws"
        raise InputError(f"folder {str(where)!r} holds no .tf or .json file; expected {_EXPECTED}")
    if where.suffix == ".tf":
        return "terraform"
    data = _parse_any(where)
    return _detect_data(data, str(where))


def _detect_data(data: Any, path: str) -> str:
    from .cloudformation.reader import looks_like_cloudformation

    if isinstance(data, dict) and any(k in data for k in _NATIVE_KEYS):
        return "native"
    if _probe("terraform.plan", "looks_like_terraform_plan", data):
        return "terraform-plan"
    if _probe("aws.reader", "looks_like_aws", data):
        return "aws"
    if looks_like_cloudformation(data):
        return "cloudformation"
    raise InputError(f"cannot tell what kind of network this is: expected {_EXPECTED} "
                     f"(or choose with --input-format)", location=path)


_NATIVE_KEYS = ("security_groups", "resources", "externals", "prefix_lists",
                # the VPC layer (a file may describe only that, e.g. to review an import)
                "vpcs", "subnets", "route_tables", "network_acls", "gateways", "peerings",
                "transit_gateways", "endpoints")


def _probe(module: str, function: str, data: Any) -> bool:
    try:
        found = getattr(import_module(f"{__name__}.{module}"), function)
    except (ImportError, AttributeError):
        return False
    return bool(found(data))


def _parse_any(where: Path) -> Any:
    """The file's content as plain values, for detection only (each reader parses again)."""
    from .cloudformation.template_yaml import load_template
    from .fields import read_text

    text = read_text(where, "network")
    if text.removeprefix("\ufeff").lstrip(" \t\r\n").startswith(("{", "[")):
        try:
            return json.loads(text.removeprefix("\ufeff"))
        except json.JSONDecodeError as exc:
            raise InputError(f"invalid JSON: {exc.msg}", location=f"{where}:{exc.lineno}") from None
    if not text.strip():
        raise InputError("the file is empty; expected a network", location=str(where))
    return load_template(text, str(where))  # YAML, tolerating CloudFormation's short-form tags


_READERS = {
    "native": ("native.reader", "load_native"),
    "aws": ("aws.reader", "load_aws"),
    "terraform-plan": ("terraform.plan", "load_terraform_plan"),
    "terraform": ("terraform.hcl", "load_terraform_dir"),
}


def _read(chosen: str, path: str, parameters: Mapping[str, str]) -> Loaded:
    if chosen == "cloudformation":
        from .cloudformation.reader import load_cloudformation

        return load_cloudformation(path, parameters)
    module, function = _READERS[chosen]
    try:
        reader = getattr(import_module(f"{__name__}.{module}"), function)
    except (ImportError, AttributeError):
        raise InputError(f"reading {chosen} input is not available in this installation",
                         location=path) from None
    return reader(path)
