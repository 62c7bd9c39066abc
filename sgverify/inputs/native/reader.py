"""The native network format (YAML or JSON) -> `Network`.

    security_groups:  {KEY: {name, description, ingress: [RULE], egress: [RULE], opaque}}
    prefix_lists:     {KEY: [CIDR...] | {entries: [CIDR...], name, max_entries}}
    resources:        {NAME: {ips, public_ips, subnet, security_groups, kind, aliases}}
    externals:        {NAME: CIDR | ADDRESS | [CIDR | ADDRESS ...]}
    RULE:             {protocol, ports, icmp_type, icmp_code, source | destination, description, unknown}
    (a peer may be {unknown: REASON} and a rule may carry unknown: REASON: parts an
    import could not know, which match only under a free choice, so no proof relies on them)

The whole file is checked before anything is raised, so a user sees every
problem at once, each as file:line. Anything that could make the model admit
less than AWS would (an unknown key, an ignored port range, an opaque group on
a resource) is an error, never a silent drop.
"""

from __future__ import annotations

import gc
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
from ..fields import Report, check_keys, expect_str, read_text, render, type_name
from .parts import Parts, read_parts, section
from .peers import PeerReading
from .services import read_service
from ..yamlnodes import YList, YMap, load_yaml

TOP_KEYS = ("security_groups", "prefix_lists", "resources", "externals")
GROUP_KEYS = ("name", "description", "ingress", "egress", "opaque")
RULE_KEYS = ("protocol", "ports", "icmp_type", "icmp_code", "source", "destination", "description",
             "unknown")
PEER_KEY = {Direction.INGRESS: "source", Direction.EGRESS: "destination"}
_RULE_KEY_SET = frozenset(RULE_KEYS)
_GROUP_KEY_SET = frozenset(GROUP_KEYS)
_SERVICE_FIELDS = ("protocol", "ports", "icmp_type", "icmp_code")
_ABSENT = object()


def load_native(path: Any) -> Loaded:
    """Read a native network file; a missing file raises InputFileNotFound."""
    return parse_network(read_text(path, "network"), str(path))


def parse_network(text: str, path: str = "<string>") -> Loaded:
    """Native-format text -> the network and its warnings; raises InputError listing every problem."""
    # A large estate is millions of small objects, none of them cyclic garbage:
    # the cycle collector would rescan them again and again while they are built.
    collecting = gc.isenabled()
    gc.disable()
    try:
        doc = load_yaml(text, path)
        report = Report(path)
        check_keys(report, doc, TOP_KEYS, "the network file")
        network = _Reader(report, doc).read()
        report.raise_if_errors()
        return Loaded(network, report.sorted_warnings())
    finally:
        if collecting:
            gc.enable()


class _Reader(PeerReading):
    def __init__(self, report: Report, doc: YMap):
        self.report = report
        self.path = report.path
        self.doc = doc
        self.bodies: dict[str, YMap] = {}
        self.names: dict[str, str] = {}  # group name -> key
        self.opaque: set[str] = set()
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
        parts: Parts = read_parts(self.report, self.doc, self.group_key,
                                  [*self.bodies, *self.names], self.opaque)
        self.parts = parts
        self._check_prefix_list_keys()
        groups = {key: self._group(key, body) for key, body in self.bodies.items()}
        return Network(groups=groups, resources=parts.resources, externals=parts.externals,
                       prefix_lists=parts.prefix_lists, source=self.path, input_format="native")

    # -- groups -------------------------------------------------------------

    def group_key(self, ref: str) -> str | None:
        """A group's key from its key or its name; None if unknown."""
        if ref in self.bodies:
            return ref
        return self.names.get(ref)

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
        for key, body in self.bodies.items():
            self._read_name(key, body)

    def _read_opaque(self, key: str, body: YMap) -> None:
        opaque = body.get("opaque", False)
        if not isinstance(opaque, bool):
            self.report.error(body.value_line("opaque"), f"opaque must be true or false, not {type_name(opaque)}")
        elif opaque:
            self.opaque.add(key)

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
        elif name in self.names and self.names[name] != key:
            other = self.names[name]
            self.report.error(line, f"group name {name!r} is already used by group {other!r} "
                                    f"(line {self._group_line(other)})")
        else:
            self.names[name] = key

    def _group_line(self, key: str) -> int:
        return self.lines[key]

    def _check_prefix_list_keys(self) -> None:
        for key, plist in self.parts.prefix_lists.items():
            if self.group_key(key) is not None:
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
        if key in self.opaque and (ingress or egress or body.get("ingress") or body.get("egress")):
            self.report.error(self.lines[key], f"group {key!r} is opaque (known only by reference), "
                                         f"so it cannot have ingress or egress rules")
        return SecurityGroup(key=key, name=name, description=text, ingress=ingress, egress=egress,
                             origin=Origin(self.path, self.lines[key]), opaque=key in self.opaque)

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
        service = self._cached_service(rule)
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
        text = render(rule, leave_out=("description",))
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
