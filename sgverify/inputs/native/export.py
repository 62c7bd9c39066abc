"""A `Network` written back in the native format, each element commented with its origin.

`export_native(network)` returns YAML text that `native.parse_network` reads
back into an equivalent network (same groups, rules, peers, services,
resources, externals and prefix lists), so a user can review what an import
understood and check the written file instead of the original.

Unknown parts are written as `source: {unknown: REASON}` (an unknown peer) and
`unknown: REASON` on a rule (unknown protocol or ports). `check_round_trip`
reads the text back and refuses, listing each element, when the native reader
cannot express something faithfully.
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterable

import yaml

from ...errors import Diagnostic, InputError, Severity
from ...model import (
    CidrPeer,
    Direction,
    GroupPeer,
    Network,
    Origin,
    Peer,
    PrefixListPeer,
    Resource,
    Rule,
    SecurityGroup,
    UnknownPeer,
    format_address,
)
from ...model.service import ALL, PORTED, TYPED, PROTOCOL_NAMES

PEER_FIELD = {Direction.INGRESS: "source", Direction.EGRESS: "destination"}
_PLAIN = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_ .:/@+-]*[A-Za-z0-9_.)/-])?$")


def export_native(network: Network) -> str:
    """The network as native YAML text with origin comments."""
    lines = [f"# Network read from {network.source or 'an unnamed input'} ({network.input_format}).",
             "# Written by `sgverify import`; each comment names where an element came from."]
    if network.groups:
        lines.append("security_groups:")
        for group in network.groups.values():
            lines += _group(group)
    if network.prefix_lists:
        lines.append("prefix_lists:")
        for plist in network.prefix_lists.values():
            body = {"entries": [str(c) for c in plist.cidrs]}
            if plist.name:
                body["name"] = plist.name
            if plist.max_entries is not None:
                body["max_entries"] = plist.max_entries
            lines.append(f"  {_scalar(plist.key)}: {_flow(body)}{_comment(plist.origin)}")
    if network.resources:
        lines.append("resources:")
        for resource in network.resources.values():
            lines.append(f"  {_scalar(resource.name)}: {_flow(_resource(resource))}{_comment(resource.origin)}")
    if network.externals:
        lines.append("externals:")
        for external in network.externals.values():
            cidrs = [str(c) for c in external.cidrs]
            lines.append(f"  {_scalar(external.name)}: {_flow(cidrs)}{_comment(external.origin)}")
    return "\n".join(lines) + "\n"


def _group(group: SecurityGroup) -> list[str]:
    out = [f"  {_scalar(group.key)}:{_comment(group.origin)}"]
    if group.name and group.name != group.key:
        out.append(f"    name: {_scalar(group.name)}")
    if group.description:
        out.append(f"    description: {_scalar(group.description)}")
    if group.opaque:
        out.append("    opaque: true")
    for direction in Direction:
        rules = group.rules(direction)
        if rules:
            out.append(f"    {direction.value}:")
            out += [f"      - {_flow(_rule(rule))}{_comment(rule.origin, rule.text)}" for rule in rules]
    return out


def _rule(rule: Rule) -> dict[str, Any]:
    service = rule.service
    body: dict[str, Any] = {"protocol": _protocol(service.protocol)}
    if service.protocol in PORTED and service.ports is not None:
        ports = [p.lo if p.lo == p.hi else f"{p.lo}-{p.hi}" for p in service.ports]
        body["ports"] = ports[0] if len(ports) == 1 else ports
    if service.protocol in TYPED and service.icmp_type is not None:
        body["icmp_type"] = service.icmp_type
        if service.icmp_code is not None:
            body["icmp_code"] = service.icmp_code
    body[PEER_FIELD[rule.direction]] = _peer(rule.peer)
    if rule.service_unknown:
        body["unknown"] = rule.service_unknown
    if rule.description:
        body["description"] = rule.description
    return body


def _protocol(number: int) -> Any:
    if number == ALL:
        return "all"
    return PROTOCOL_NAMES.get(number, number)


def _peer(peer: Peer) -> Any:
    if isinstance(peer, CidrPeer):
        return str(peer.cidr)
    if isinstance(peer, GroupPeer):
        return peer.group
    if isinstance(peer, PrefixListPeer):
        return peer.prefix_list
    if isinstance(peer, UnknownPeer):
        return {"unknown": peer.reason}
    raise TypeError(f"unexpected peer {peer!r}")


def _resource(resource: Resource) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if resource.ips:
        body["ips"] = [format_address(f, v) for f, v in resource.ips]
    if resource.public_ips:
        body["public_ips"] = [format_address(f, v) for f, v in resource.public_ips]
    if resource.subnets:
        body["subnet"] = [str(c) for c in resource.subnets]
    body["security_groups"] = list(resource.groups)
    if resource.kind:
        body["kind"] = resource.kind
    if resource.aliases:
        body["aliases"] = list(resource.aliases)
    return body


# -- YAML writing -------------------------------------------------------------

def _flow(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_scalar(k)}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return _scalar(value)


def _scalar(value: Any) -> str:
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


def _comment(origin: Origin, text: str = "") -> str:
    where = str(origin)
    shown = " ".join(text.split())
    if shown and len(shown) > 100:
        shown = shown[:97] + "..."
    parts = [p for p in (where, f"as written: {shown}" if shown else "") if p]
    return f"  # {' | '.join(parts)}" if parts else ""


# -- checking -------------------------------------------------------------------

def check_round_trip(network: Network, text: str, path: str) -> None:
    """Read `text` back with the native reader; InputError naming what did not survive."""
    from .reader import parse_network

    refused = inexpressible(network)
    if refused:
        raise InputError([_problem(path, message) for message in refused])
    try:
        again = parse_network(text, path).network
    except InputError as exc:
        raise InputError([_problem(path, "the native format cannot express this import faithfully: "
                                         + d.message + (f" ({d.location})" if d.location else ""))
                          for d in exc.diagnostics]) from None
    problems = differences(network, again)
    if problems:
        raise InputError([_problem(path, f"the native format does not keep {p}") for p in problems])


def inexpressible(network: Network) -> list[str]:
    """What the native format cannot write: an opaque group that has rules or members."""
    out: list[str] = []
    for group in network.groups.values():
        if not group.opaque:
            continue
        carriers = [r.name for r in network.members(group.key)]
        if carriers:
            out.append(f"group {group.key!r} is opaque (it may have members outside the input) and carried by "
                       f"{', '.join(carriers)}; the native format cannot write such a group, so check the "
                       f"original input instead")
        elif group.ingress or group.egress:
            out.append(f"group {group.key!r} has unknown members and known rules; the native format cannot "
                       f"write such a group, so check the original input instead")
    return out


def differences(left: Network, right: Network) -> list[str]:
    """What differs between two networks, ignoring origins and rule texts."""
    out: list[str] = []
    out += _diff("groups", {k: _group_key(g) for k, g in left.groups.items()},
                 {k: _group_key(g) for k, g in right.groups.items()})
    out += _diff("resources", {k: _resource_key(r) for k, r in left.resources.items()},
                 {k: _resource_key(r) for k, r in right.resources.items()})
    out += _diff("externals", {k: _texts(e.cidrs) for k, e in left.externals.items()},
                 {k: _texts(e.cidrs) for k, e in right.externals.items()})
    out += _diff("prefix lists", {k: (_texts(p.cidrs), p.name, p.max_entries) for k, p in left.prefix_lists.items()},
                 {k: (_texts(p.cidrs), p.name, p.max_entries) for k, p in right.prefix_lists.items()})
    return out


def _diff(what: str, left: dict, right: dict) -> Iterable[str]:
    for key in left.keys() | right.keys():
        if left.get(key) != right.get(key):
            yield f"{what} {key!r}"


def _group_key(group: SecurityGroup) -> tuple:
    rules = tuple((r.direction, r.index, r.service, type(r.peer).__name__, str(r.peer), r.service_unknown,
                   r.description)
                  for r in group.ingress + group.egress)
    return group.name or group.key, group.opaque, rules


def _resource_key(resource: Resource) -> tuple:
    return (resource.groups, resource.ips, resource.public_ips, _texts(resource.subnets), resource.kind,
            resource.aliases)


def _texts(cidrs: Iterable[Any]) -> tuple[str, ...]:
    return tuple(str(c) for c in cidrs)


def _problem(path: str, message: str) -> Diagnostic:
    return Diagnostic(Severity.ERROR, path, message)
