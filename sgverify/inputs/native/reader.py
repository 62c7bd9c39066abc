"""The native network format (YAML or JSON) -> `Network`.

    security_groups:  {KEY: {name, description, vpc, ingress: [RULE], egress: [RULE], opaque}}
    prefix_lists:     {KEY: [CIDR...] | {entries: [CIDR...], name, max_entries}}
    resources:        {NAME: {ips, public_ips, has_public_ip, subnet | subnets, vpc, security_groups, kind,
                              aliases, source_dest_check}}
    externals:        {NAME: CIDR | ADDRESS | [CIDR | ADDRESS ...]}
    RULE:             {protocol, ports, icmp_type, icmp_code, source | destination, description, unknown}
    (a peer may be {unknown: REASON} and a rule may carry unknown: REASON: parts an
    import could not know, which match only under a free choice, so no proof relies on them)
    vpcs, subnets, route_tables, network_acls, gateways, peerings, transit_gateways,
    endpoints: the VPC layer (topology.py, docs/vpc.md)

Group keys are unique; group names are unique within a VPC only (two VPCs
each have a `default` group). A name that fits several groups is resolved in
the VPC of whoever names it, else it is ambiguous and must be a key.

An opaque group (`opaque: true`) may have members outside the file; it may
have rules (known or `unknown`). A resource may carry it when it has any, or
when it writes `ingress: []` and `egress: []`, saying that it has none: left
out, the rules of a carried opaque group are far more often forgotten than
truly absent.

The whole file is checked before anything is raised, so a user sees every
problem at once, each as file:line. Anything that could make the model admit
less than AWS would (an unknown key, an ignored port range, a carried opaque
group whose rules are left out) is an error, never a silent drop.
"""

from __future__ import annotations

import gc
import json
from json.decoder import scanstring
from pathlib import Path
from typing import Any

from ...model import (
    Direction,
    Network,
    Origin,
    Peer,
    Rule,
    SecurityGroup,
    Service,
)
from .. import Loaded
from ...errors import Diagnostic, InputError, Severity
from ..fields import Report, check_keys, expect_str, read_text, render, type_name
from ..topology_checks import check_topology
from .parts import Parts, read_parts, section
from .peers import PeerReading
from .services import read_service
from .topology import SECTIONS, TopologyReading, has_vpc_layer
from ..jsonnodes import read_json
from ..yamlnodes import YList, YMap, load_yaml

TOP_KEYS = ("security_groups", "prefix_lists", "resources", "externals", *SECTIONS)
GROUP_KEYS = ("name", "description", "vpc", "ingress", "egress", "opaque")
RULE_KEYS = ("protocol", "ports", "icmp_type", "icmp_code", "source", "destination", "description",
             "unknown")
PEER_KEY = {Direction.INGRESS: "source", Direction.EGRESS: "destination"}
_RULE_KEY_SET = frozenset(RULE_KEYS)
_GROUP_KEY_SET = frozenset(GROUP_KEYS)
_SERVICE_FIELDS = ("protocol", "ports", "icmp_type", "icmp_code")
_ABSENT = object()

# Rules as written (their keys and values, in order) -> (service, text), both read from
# those alone; only rules read without an error are kept. A diff reads two estates that
# share nearly every rule, and an estate repeats many.
_SERVICE_AND_TEXT: dict[tuple, tuple[Service, str]] = {}
_KNOWN_RULES = 1 << 18


def load_native(path: Any) -> Loaded:
    """Read a native network file; a missing file raises InputFileNotFound."""
    return parse_network(read_text(path, "network"), str(path))


def read_if_native_json(path: str) -> Loaded | None:
    """A JSON file whose first key is a native section, read as native; None for any
    other file (detection then decides). What detecting would say is said: it would
    parse the whole file only to find that key, which is half the time of reading it."""
    where = Path(path)
    if where.suffix == ".tf" or not where.is_file():
        return None
    text = read_text(path, "network")
    body = text.removeprefix("\ufeff")
    start = len(body) - len(body.lstrip(" \t\r\n"))
    if body[start:start + 1] != "{":
        return None
    opening = start + 1
    opening += len(body) - opening - len(body[opening:].lstrip(" \t\r\n"))
    if body[opening:opening + 1] != '"':
        return None
    try:
        key, _ = scanstring(body, opening + 1)
    except ValueError:
        return None
    if key not in TOP_KEYS:
        return None
    return parse_network(text, path, json_only=True)


def parse_network(text: str, path: str = "<string>", json_only: bool = False) -> Loaded:
    """Native-format text -> the network and its warnings; raises InputError listing every problem.
    json_only: text that is not JSON is refused as detection refuses it ("invalid JSON")."""
    # A large estate is millions of small objects, none of them cyclic garbage:
    # the cycle collector would rescan them again and again while they are built.
    collecting = gc.isenabled()
    gc.disable()
    try:
        doc = _json_document(text, path) if json_only else load_yaml(text, path)
        report = Report(path)
        check_keys(report, doc, TOP_KEYS, "the network file")
        network = _Reader(report, doc).read()
        for found in check_topology(network):
            _add(report, found)
        report.raise_if_errors()
        return Loaded(network, report.sorted_warnings())
    finally:
        if collecting:
            gc.enable()


def _json_document(text: str, path: str) -> YMap:
    body = text.removeprefix("\ufeff")
    found = read_json(body, path)
    if found is not None:
        return found
    try:  # not JSON these readers take: is it JSON at all?
        json.loads(body)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", location=f"{Path(path)}:{exc.lineno}") from None
    return load_yaml(text, path)


def _add(report: Report, diagnostic: Diagnostic) -> None:
    """A diagnostic of the format-independent checks, kept in line order with the reader's own."""
    line = int(diagnostic.location.rsplit(":", 1)[1]) if diagnostic.location.startswith(f"{report.path}:") else 0
    found = report.errors if diagnostic.severity is Severity.ERROR else report.warnings
    found.append((line, diagnostic))


def _says_it_has_no_rules(body: YMap) -> bool:
    """Whether a group writes `ingress: []` and `egress: []`, stating that it has
    no rules, rather than leaving its rules out."""
    return all(isinstance(body.get(key), YList) and not body[key] for key in ("ingress", "egress"))


class _Reader(PeerReading):
    def __init__(self, report: Report, doc: YMap):
        self.report = report
        self.path = report.path
        self.doc = doc
        self.bodies: dict[str, YMap] = {}
        self.names: dict[str, list[str]] = {}  # group name -> the keys of the groups so named
        self.group_vpcs: dict[str, str] = {}  # group key -> its VPC ("" = not said)
        self.opaque: set[str] = set()
        self.bare_opaque: set[str] = set()  # opaque groups without a single rule
        self.lines: dict[str, int] = {}  # group key -> line of the key
        # Large estates repeat the same services, peers and lines many times;
        # each distinct one is read once. Only values read without an error are
        # kept, so every bad value is reported wherever it is written.
        self.services: dict[tuple, Service] = {}
        self.peers: dict[str, tuple[Peer, str | None]] = {}  # text -> (peer, its warning)
        self.origins: dict[int, Origin] = {}

    def read(self) -> Network:
        groups_section = section(self.report, self.doc, "security_groups")
        self._read_headers(groups_section)
        layer = TopologyReading(self.report, self.doc) if has_vpc_layer(self.doc) else None
        parts: Parts = read_parts(self.report, self.doc, self, self.bare_opaque,
                                  layer.subnets if layer is not None else None)
        self.parts = parts
        self._check_prefix_list_keys()
        if layer is not None:
            self._check_group_vpcs(layer)
        groups = {key: self._group(key, body) for key, body in self.bodies.items()}
        topology = layer.finish(parts.resources) if layer is not None else None
        return Network(groups=groups, resources=parts.resources, externals=parts.externals,
                       prefix_lists=parts.prefix_lists, source=self.path, input_format="native",
                       topology=topology)

    # -- groups -------------------------------------------------------------

    def group_key(self, ref: str, vpc: str = "") -> str | None:
        """A group's key from its key or its name (within `vpc` when the name is
        used in several VPCs); None if unknown or ambiguous."""
        if ref in self.bodies:
            return ref
        keys = self.names.get(ref)
        if not keys:
            return None
        if len(keys) == 1:
            return keys[0]
        scoped = [k for k in keys if vpc and self.group_vpcs.get(k) == vpc]
        return scoped[0] if len(scoped) == 1 else None

    def ambiguity(self, ref: str, vpc: str = "") -> str | None:
        """Why `ref` names no single group though groups have that name, or None."""
        keys = self.names.get(ref, ())
        if ref in self.bodies or len(keys) < 2 or self.group_key(ref, vpc) is not None:
            return None
        listed = ", ".join(f"{k} (VPC {self.group_vpcs[k]})" if self.group_vpcs.get(k) else k for k in keys)
        return f"group name {ref!r} is used by several groups: {listed}; name the group by its key"

    def known_groups(self) -> list[str]:
        return [*self.bodies, *self.names]

    def _read_headers(self, groups: YMap) -> None:
        for key, body in groups.items():
            line = groups.key_line(key)
            if key == "self":
                self.report.error(line, "'self' cannot be a group key: it is the word for a rule's own group")
            if body is None:
                body = YMap(line)
            if not isinstance(body, YMap):
                self.report.error(groups.value_line(key),
                                  f"group {key!r} must be a mapping, not {type_name(body)}")
                body = YMap(line)
            if not _GROUP_KEY_SET.issuperset(body):
                check_keys(self.report, body, GROUP_KEYS, f"group {key!r}")
            self.bodies[key] = body
            self.lines[key] = line
            self._read_opaque(key, body)
            self._read_vpc(key, body)
        for key, body in self.bodies.items():
            self._read_name(key, body)

    def _read_opaque(self, key: str, body: YMap) -> None:
        opaque = body.get("opaque", False)
        if not isinstance(opaque, bool):
            self.report.error(body.value_line("opaque"), f"opaque must be true or false, not {type_name(opaque)}")
        elif opaque:
            self.opaque.add(key)
            if not body.get("ingress") and not body.get("egress") and not _says_it_has_no_rules(body):
                self.bare_opaque.add(key)

    def _read_vpc(self, key: str, body: YMap) -> None:
        if "vpc" not in body:
            return
        try:
            self.group_vpcs[key] = expect_str(body["vpc"], "the vpc of a group")
        except ValueError as exc:
            self.report.error(body.value_line("vpc"), str(exc))

    def _check_group_vpcs(self, layer: TopologyReading) -> None:
        for key, vpc in self.group_vpcs.items():
            if vpc not in layer.vpcs:
                self.report.warn(self.bodies[key].value_line("vpc"),
                                 f"group {key!r} is in VPC {vpc!r}, which is not in the file")

    def _read_name(self, key: str, body: YMap) -> None:
        if "name" not in body:
            return
        line = body.value_line("name")
        try:
            name = expect_str(body["name"], "a group name")
        except ValueError as exc:
            self.report.error(line, str(exc))
            return
        if name == "self":
            self.report.error(line, "'self' cannot be a group name: it is the word for a rule's own group")
        elif name != key and name in self.bodies:
            self.report.error(line, f"group name {name!r} is also the key of another group "
                                    f"(line {self._group_line(name)})")
        else:
            vpc = self.group_vpcs.get(key, "")
            clash = [k for k in self.names.get(name, ()) if vpc and self.group_vpcs.get(k) == vpc]
            if clash:
                self.report.error(line, f"group name {name!r} is already used by group {clash[0]!r} "
                                        f"(line {self._group_line(clash[0])}) in VPC {vpc}; names are "
                                        f"unique within a VPC")
            else:
                self.names.setdefault(name, []).append(key)

    def _group_line(self, key: str) -> int:
        return self.lines[key]

    def _check_prefix_list_keys(self) -> None:
        for key, plist in self.parts.prefix_lists.items():
            if key in self.bodies or key in self.names:
                self.report.error(plist.origin.line or 1,
                                  f"prefix list {key!r} has the same name as a security group; "
                                  f"rules could not tell them apart")

    def _group(self, key: str, body: YMap) -> SecurityGroup:
        text = body.get("description", "")
        if not isinstance(text, str):
            self.report.error(body.value_line("description"), f"description must be text, not {type_name(text)}")
            text = ""
        name = body.get("name") if isinstance(body.get("name"), str) else ""
        ingress = self._rules(key, body, Direction.INGRESS)
        egress = self._rules(key, body, Direction.EGRESS)
        return SecurityGroup(key=key, name=name, description=text, ingress=ingress, egress=egress,
                             origin=Origin(self.path, self.lines[key]), opaque=key in self.opaque,
                             vpc=self.group_vpcs.get(key, ""))

    # -- rules --------------------------------------------------------------

    def _rules(self, key: str, body: YMap, direction: Direction) -> tuple[Rule, ...]:
        field = direction.value
        items = body.get(field)
        if items is None:
            return ()
        if not isinstance(items, YList):
            self.report.error(body.value_line(field),
                              f"{field} of group {key!r} must be a list of rules, not {type_name(items)}")
            return ()
        rules: list[Rule] = []
        for index, item in enumerate(items):
            if not isinstance(item, YMap):
                self.report.error(items.item_line(index), f"a rule must be a mapping, not {type_name(item)}")
                continue
            rules.extend(self._rule(key, direction, index, item))
        return tuple(rules)

    def _rule(self, key: str, direction: Direction, index: int, rule: YMap) -> list[Rule]:
        if not _RULE_KEY_SET.issuperset(rule):
            check_keys(self.report, rule, RULE_KEYS, f"a rule of group {key!r}")
        errors_before = len(self.report.errors)
        try:  # a rule written as an earlier one (in this file or another): its service and text
            # (with the values' types: 1, 1.0 and True are equal keys, but not the same port)
            items = (tuple(dict.items(rule)), tuple(map(type, dict.values(rule))))
            known = _SERVICE_AND_TEXT.get(items)
        except TypeError:  # a list among its values
            items = known = None
        service = known[0] if known is not None else self._cached_service(rule)
        peers = self._peers(key, direction, rule)
        description = rule.get("description", "")
        if not isinstance(description, str):
            self.report.error(rule.value_line("description"), f"description must be text, not {type_name(description)}")
            description = ""
        if service is None or peers is None:
            return []
        origin = self.origins.get(rule.line)
        if origin is None:
            origin = self.origins[rule.line] = Origin(self.path, rule.line)
        if known is not None:
            text = known[1]
        else:
            text = render(rule, leave_out=("description",))
            if items is not None and len(self.report.errors) == errors_before:
                if len(_SERVICE_AND_TEXT) >= _KNOWN_RULES:
                    _SERVICE_AND_TEXT.clear()
                _SERVICE_AND_TEXT[items] = (service, text)
        unknown = self._unknown_text(rule, "unknown") if "unknown" in rule else ""
        if len(peers) == 1:
            return [Rule(group=key, direction=direction, index=index, service=service, peer=peers[0],
                         description=description, origin=origin, text=text, service_unknown=unknown)]
        return [Rule(group=key, direction=direction, index=index, service=service, peer=peer,
                     description=description, origin=origin, text=text, service_unknown=unknown)
                for peer in peers]

    def _cached_service(self, rule: YMap) -> Service | None:
        """_service, once per distinct (protocol, ports, icmp_type, icmp_code) as written."""
        get = rule.get
        protocol, ports = get("protocol", _ABSENT), get("ports", _ABSENT)
        icmp_type, icmp_code = get("icmp_type", _ABSENT), get("icmp_code", _ABSENT)
        cache_key: tuple = (type(protocol), protocol, type(ports), ports,
                            type(icmp_type), icmp_type, type(icmp_code), icmp_code)
        try:
            service = self.services.get(cache_key)
        except TypeError:  # a list or mapping among them
            cache_key = tuple(_typed(get(field, _ABSENT)) for field in _SERVICE_FIELDS)
            service = self.services.get(cache_key)
        if service is None:
            errors_before = len(self.report.errors)
            service = read_service(self.report, rule)
            if service is not None and len(self.report.errors) == errors_before:
                self.services[cache_key] = service
        return service

    def _unknown_text(self, body: YMap, field: str) -> str:
        if field not in body:
            return ""
        value = body[field]
        if not isinstance(value, str) or not value.strip():
            self.report.error(body.value_line(field), f"{field} must be a non-empty reason, not {type_name(value)}")
            return ""
        return value


def _typed(value: Any) -> Any:
    """A value as a cache key that tells 1 from 1.0 and True, and lists from scalars."""
    if isinstance(value, list):
        return (list, tuple(_typed(v) for v in value))
    if isinstance(value, dict):
        return (dict, tuple((k, _typed(v)) for k, v in value.items()))
    return (type(value), value)
