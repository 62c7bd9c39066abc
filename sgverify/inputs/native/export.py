"""A `Network` written back in the native format, each element commented with its origin.

`export_native(network)` returns YAML text that `native.parse_network` reads
back into an equivalent network (same groups, rules, peers, services,
resources, externals, prefix lists and VPC layer), so a user can review what
an import understood and check the written file instead of the original.

Unknown parts are written as `source: {unknown: REASON}` (an unknown peer) and
`unknown: REASON` on a rule (unknown protocol or ports); an opaque group keeps
its rules and its members, and one without rules says so (`ingress: []`,
`egress: []`). `check_round_trip` reads the text back and refuses,
listing each element, when the native reader cannot express something
faithfully.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Iterable, Mapping

from ...errors import Diagnostic, InputError, Severity
from ...model import (
    CidrPeer,
    Direction,
    GroupPeer,
    Network,
    Peer,
    PrefixListPeer,
    Resource,
    Rule,
    SecurityGroup,
    UnknownPeer,
    format_address,
)
from ...model.topology import Topology
from .export_topology import placement_fields, topology_lines, topology_problems
from .writing import comment as _comment
from .writing import flow as _flow
from .writing import scalar as _scalar
from .writing import service_fields

PEER_FIELD = {Direction.INGRESS: "source", Direction.EGRESS: "destination"}


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
            body = _resource(resource, network.topology)
            lines.append(f"  {_scalar(resource.name)}: {_flow(body)}{_comment(resource.origin)}")
    if network.externals:
        lines.append("externals:")
        for external in network.externals.values():
            cidrs = [str(c) for c in external.cidrs]
            lines.append(f"  {_scalar(external.name)}: {_flow(cidrs)}{_comment(external.origin)}")
    if network.topology is not None:
        lines += topology_lines(network.topology, network.resources)
    if len(lines) == 2:  # nothing at all: still a network file
        lines.append("security_groups: {}")
    return "\n".join(lines) + "\n"


def _group(group: SecurityGroup) -> list[str]:
    out = [f"  {_scalar(group.key)}:{_comment(group.origin)}"]
    if group.name and group.name != group.key:
        out.append(f"    name: {_scalar(group.name)}")
    if group.description:
        out.append(f"    description: {_scalar(group.description)}")
    if group.vpc:
        out.append(f"    vpc: {_scalar(group.vpc)}")
    if group.opaque:
        out.append("    opaque: true")
    if group.opaque and not group.ingress and not group.egress:
        # Stated, not left out: the reader refuses a carried opaque group whose rules are left out.
        return out + ["    ingress: []", "    egress: []"]
    for direction in Direction:
        rules = group.rules(direction)
        if rules:
            out.append(f"    {direction.value}:")
            out += [f"      - {_flow(_rule(rule))}{_comment(rule.origin, rule.text)}" for rule in rules]
    return out


def _rule(rule: Rule) -> dict[str, Any]:
    body = service_fields(rule.service)
    body[PEER_FIELD[rule.direction]] = _peer(rule.peer)
    if rule.service_unknown:
        body["unknown"] = rule.service_unknown
    if rule.description:
        body["description"] = rule.description
    return body


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


def _resource(resource: Resource, topology: Topology | None) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if resource.ips:
        body["ips"] = [format_address(f, v) for f, v in resource.ips]
    if resource.public_ips:
        body["public_ips"] = [format_address(f, v) for f, v in resource.public_ips]
    if resource.has_public_ip:
        body["has_public_ip"] = True
    body.update(placement_fields(resource, topology))
    body["security_groups"] = list(resource.groups)
    if resource.kind:
        body["kind"] = resource.kind
    if resource.aliases:
        body["aliases"] = list(resource.aliases)
    if not resource.source_dest_check:
        body["source_dest_check"] = False
    return body


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
    """What the native format cannot write: what topology_problems names."""
    return topology_problems(network)


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
    if (left.topology is None) != (right.topology is None):
        out.append("the VPC layer")
    elif left.topology is not None and right.topology is not None:
        for field in dataclasses.fields(Topology):
            what = field.name.replace("_", " ")
            out += _diff(what, _plain_elements(getattr(left.topology, field.name)),
                         _plain_elements(getattr(right.topology, field.name)))
    return out


def _plain_elements(elements: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _plain(element) for key, element in elements.items()}


def _plain(value: Any) -> Any:
    """An element as comparable values, without origins or texts as written."""
    if dataclasses.is_dataclass(value):
        return (type(value).__name__,) + tuple((f.name, _plain(getattr(value, f.name)))
                                               for f in dataclasses.fields(value) if f.name not in ("origin", "text"))
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    return value


def _diff(what: str, left: dict, right: dict) -> Iterable[str]:
    for key in left.keys() | right.keys():
        if left.get(key) != right.get(key):
            yield f"{what} {key!r}"


def _group_key(group: SecurityGroup) -> tuple:
    rules = tuple((r.direction, r.index, r.service, type(r.peer).__name__, str(r.peer), r.service_unknown,
                   r.description)
                  for r in group.ingress + group.egress)
    return group.name or group.key, group.opaque, group.vpc, group.description, rules


def _resource_key(resource: Resource) -> tuple:
    return (resource.groups, resource.ips, resource.public_ips, _texts(resource.subnets), resource.kind,
            resource.aliases, resource.vpc, resource.subnet_ids, resource.source_dest_check,
            resource.has_public_ip)


def _texts(cidrs: Iterable[Any]) -> tuple[str, ...]:
    return tuple(str(c) for c in cidrs)


def _problem(path: str, message: str) -> Diagnostic:
    return Diagnostic(Severity.ERROR, path, message)
