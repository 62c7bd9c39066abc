"""Writing native YAML: scalars that read back as themselves, flow mappings and
lists on one line, origin comments, and a service as a rule's fields."""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from ...model import Origin, Service
from ...model.service import ALL, PORTED, PROTOCOL_NAMES, TYPED

_PLAIN = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_ .:/@+-]*[A-Za-z0-9_.)/-])?$")


def flow(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{scalar(k)}: {flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    return scalar(value)


def scalar(value: Any) -> str:
    """A scalar that YAML reads back as exactly this value (plain when safe, else quoted)."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if _PLAIN.match(text) and ": " not in text and _reads_back(text):
        return text
    return json.dumps(text, ensure_ascii=False)


def _reads_back(text: str) -> bool:
    try:
        return yaml.safe_load(text) == text
    except yaml.YAMLError:
        return False


def comment(origin: Origin, text: str = "") -> str:
    where = str(origin)
    shown = " ".join(text.split())
    if shown and len(shown) > 100:
        shown = shown[:97] + "..."
    parts = [p for p in (where, f"as written: {shown}" if shown else "") if p]
    return f"  # {' | '.join(parts)}" if parts else ""


def service_fields(service: Service) -> dict[str, Any]:
    """protocol, ports, icmp_type and icmp_code as a rule or NACL entry writes them."""
    body: dict[str, Any] = {"protocol": _protocol(service.protocol)}
    if service.protocol in PORTED and service.ports is not None:
        ports = [p.lo if p.lo == p.hi else f"{p.lo}-{p.hi}" for p in service.ports]
        body["ports"] = ports[0] if len(ports) == 1 else ports
    if service.protocol in TYPED and service.icmp_type is not None:
        body["icmp_type"] = service.icmp_type
        if service.icmp_code is not None:
            body["icmp_code"] = service.icmp_code
    return body


def _protocol(number: int) -> Any:
    if number == ALL:
        return "all"
    return PROTOCOL_NAMES.get(number, number)
