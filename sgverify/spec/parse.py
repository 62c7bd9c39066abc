"""Spec files: YAML text -> `SpecDocument` (names not yet resolved against a network).

    network: ../network.yaml        # optional; relative to the spec file's folder
    assertions:
      - name: only b reaches a on https
        only: {from: b, to: a, protocol: tcp, ports: 443}

Resolving names needs the network and happens in `resolve.py`, so a spec can
be checked for form on its own and the network chosen later (`--network`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from ..gate.waivers import Waiver, read_waivers
from ..inputs.fields import (
    Report,
    check_keys,
    expect_str,
    parse_ports,
    parse_protocol,
    read_text,
    type_name,
)
from ..inputs.yamlnodes import YList, YMap, load_yaml
from ..model import Origin
from ..model.service import ALL, PORTED, protocol_name
from .model import Kind, Traffic

# Adding a top-level key (say `baseline` or `waivers`) is one entry here plus its reader.
TOP_KEYS = ("network", "assertions", "baseline", "waivers", "layers", "client_ports")
ASSERTION_KEYS = ("name", "description", "layers", "client_ports", *(k.value for k in Kind))
LAYERS = ("all", "security-groups")
BODY_KEYS = ("from", "to", "protocol", "ports")


@dataclass(frozen=True)
class NameRef:
    """A name as written in `from` or `to`, with its line."""

    name: str
    line: int


@dataclass(frozen=True)
class RawAssertion:
    name: str
    kind: Kind
    sources: tuple[NameRef, ...]
    destinations: tuple[NameRef, ...]
    traffic: Traffic
    origin: Origin
    description: str = ""
    layers: str | None = None  # "all" or "security-groups"; None = the spec's (or the default)
    client_ports: tuple[int, int] | None = None


@dataclass(frozen=True)
class SpecDocument:
    path: str
    network: str | None  # resolved against the spec file's folder
    assertions: tuple[RawAssertion, ...]
    origin: Origin = field(default_factory=Origin)
    baseline: str | None = None  # network to compare against (added access fails), resolved like `network`
    baseline_line: int | None = None
    waivers: tuple[Waiver, ...] = ()
    # The whole document, for readers of keys added later; not part of equality.
    raw: YMap | None = field(default=None, compare=False, repr=False)


def load_spec(path: Any) -> SpecDocument:
    """Read a spec file; a missing file raises InputFileNotFound."""
    return parse_spec(read_text(path, "spec"), str(path))


def parse_spec(text: str, path: str = "<string>") -> SpecDocument:
    """Spec text -> SpecDocument; raises InputError listing every problem with file:line."""
    doc = load_yaml(text, path)
    report = Report(path)
    check_keys(report, doc, TOP_KEYS, "the spec file")
    network = _network(report, doc)
    baseline = _network(report, doc, "baseline")
    defaults = _path_keys(report, doc)
    assertions = tuple(_with_defaults(a, defaults) for a in _assertions(report, doc))
    waivers = read_waivers(report, doc)
    report.raise_if_errors()
    return SpecDocument(path=path, network=network, assertions=assertions,
                        origin=Origin(path, doc.line), raw=doc, baseline=baseline,
                        baseline_line=doc.value_line("baseline") if baseline else None, waivers=waivers)


def _network(report: Report, doc: YMap, key: str = "network") -> str | None:
    if key not in doc:
        return None
    try:
        value = expect_str(doc[key], key)
    except ValueError as exc:
        report.error(doc.value_line(key), f"{exc} (the path of the network file)")
        return None
    if os.path.isabs(value):
        return value
    return os.path.normpath(os.path.join(os.path.dirname(report.path), value))


def _assertions(report: Report, doc: YMap) -> tuple[RawAssertion, ...]:
    items = doc.get("assertions")
    line = doc.value_line("assertions") if "assertions" in doc else doc.line
    if items is None or (isinstance(items, YList) and not items):
        report.error(line, "the spec has no assertions (expected `assertions:` with a list of them)")
        return ()
    if not isinstance(items, YList):
        report.error(line, f"assertions must be a list, not {type_name(items)}")
        return ()
    seen: dict[str, int] = {}
    out: list[RawAssertion] = []
    for index, item in enumerate(items):
        if not isinstance(item, YMap):
            report.error(items.item_line(index), f"an assertion must be a mapping, not {type_name(item)}")
            continue
        assertion = _assertion(report, item)
        if assertion is None:
            continue
        if assertion.name in seen:
            report.error(item.value_line("name"), f"duplicate assertion name {assertion.name!r} "
                                                  f"(first at line {seen[assertion.name]})")
            continue
        seen[assertion.name] = item.value_line("name")
        out.append(assertion)
    return tuple(out)


def _assertion(report: Report, item: YMap) -> RawAssertion | None:
    check_keys(report, item, ASSERTION_KEYS, "an assertion")
    errors = len(report.errors)
    name = _text(report, item, "name", required=True)
    description = _text(report, item, "description", required=False)
    kinds = [k for k in Kind if k.value in item]
    if len(kinds) != 1:
        found = " and ".join(k.value for k in kinds) if kinds else "none"
        report.error(item.line, f"an assertion needs exactly one of deny, allow or only (found {found})")
        return None
    kind = kinds[0]
    body = item[kind.value]
    if not isinstance(body, YMap):
        report.error(item.value_line(kind.value), f"{kind.value} must be a mapping with from and to, "
                                                  f"not {type_name(body)}")
        return None
    check_keys(report, body, BODY_KEYS, f"{kind.value}")
    sources = _names(report, body, "from")
    destinations = _names(report, body, "to")
    traffic = _traffic(report, body)
    layers, client_ports = _path_keys(report, item)
    if len(report.errors) > errors or traffic is None:
        return None
    return RawAssertion(name=name, kind=kind, sources=sources, destinations=destinations,
                        traffic=traffic, origin=Origin(report.path, item.line), description=description,
                        layers=layers, client_ports=client_ports)


def _path_keys(report: Report, item: YMap) -> tuple[str | None, tuple[int, int] | None]:
    """`layers:` and `client_ports:` (the spec's apply to assertions without their own)."""
    layers = client_ports = None
    if "layers" in item:
        value = item["layers"]
        if value not in LAYERS:
            report.error(item.value_line("layers"), f"layers must be one of {', '.join(LAYERS)}, not {value!r}")
        else:
            layers = value
    if "client_ports" in item:
        try:
            ranges = parse_ports(item["client_ports"])
        except ValueError as exc:
            report.error(item.value_line("client_ports"), f"client_ports: {exc}")
            return layers, None
        if len(ranges) != 1:
            report.error(item.value_line("client_ports"), "client_ports must be one range, e.g. 32768-60999")
        else:
            client_ports = (ranges[0].lo, ranges[0].hi)
    return layers, client_ports


def _with_defaults(a: RawAssertion, defaults) -> RawAssertion:
    from dataclasses import replace

    layers, client_ports = defaults
    return replace(a, layers=a.layers or layers, client_ports=a.client_ports or client_ports)


def _text(report: Report, item: YMap, key: str, required: bool) -> str:
    if key not in item:
        if required:
            report.error(item.line, f"an assertion needs a {key!r}")
        return ""
    try:
        return expect_str(item[key], f"the assertion {key}")
    except ValueError as exc:
        report.error(item.value_line(key), str(exc))
        return ""


def _names(report: Report, body: YMap, key: str) -> tuple[NameRef, ...]:
    if key not in body:
        report.error(body.line, f"missing {key!r}: name a resource, group, external, prefix list, CIDR, "
                                f"any or internet (or a list of them)")
        return ()
    value, line = body[key], body.value_line(key)
    items = list(enumerate(value)) if isinstance(value, YList) else [(None, value)]
    if not items:
        report.error(line, f"{key} is an empty list")
        return ()
    out: list[NameRef] = []
    for index, name in items:
        where = line if index is None else value.item_line(index)
        if not isinstance(name, str) or not name.strip():
            report.error(where, f"{key} must name endpoints, not {type_name(name)}")
            continue
        out.append(NameRef(name.strip(), where))
    return tuple(out)


def _traffic(report: Report, body: YMap) -> Traffic | None:
    protocol = ALL
    if "protocol" in body:
        try:
            protocol = parse_protocol(body["protocol"])
        except ValueError as exc:
            report.error(body.value_line("protocol"), str(exc))
            return None
    if "ports" not in body:
        return Traffic(protocol)
    line = body.value_line("ports")
    if "protocol" in body and protocol not in PORTED:
        report.error(line, f"ports given with protocol {protocol_name(protocol)}: ports apply only to "
                           f"tcp and udp (leave protocol out to mean both)")
        return None
    try:
        return Traffic(protocol, parse_ports(body["ports"]))
    except ValueError as exc:
        report.error(line, str(exc))
        return None
