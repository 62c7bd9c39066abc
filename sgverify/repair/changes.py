"""What a fix changes, seen from the text: per written rule (its origin) the rules
it wrote and the rules it must write now, and the rules added to each group.

A rule of the model is one (service, peer) pair; one written rule (a Terraform
block with two CIDRs and two ports, a native item with a list of sources) may
stand for several, all with the same origin. Writers rewrite a written rule as a
whole, so they work from this per-origin view, never from single model rules.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

from ..model import Direction, Network, Origin, PortRange, Rule, Service
from ..model.service import PORTED


@dataclass(frozen=True)
class Rewrite:
    origin: Origin
    old: tuple[Rule, ...]  # what the written rule stands for today
    new: tuple[Rule, ...]  # what it must stand for (empty: remove it)


@dataclass(frozen=True)
class Addition:
    group: str
    direction: Direction
    rules: tuple[Rule, ...]


def _meaning(rule: Rule) -> tuple:
    return rule.group, rule.direction, rule.service, rule.peer, rule.service_unknown


def rewrites(network: Network, fix) -> list[Rewrite]:
    """The written rules a fix changes, in file and line order."""
    origins = {edit.target.origin for edit in fix.edits if edit.target is not None and hasattr(edit, "group")}
    out = []
    for origin in sorted(origins, key=lambda o: (o.file, o.line or 0)):
        old = tuple(r for r in network.all_rules() if r.origin == origin)
        new = tuple(r for r in fix.network.all_rules() if r.origin == origin)
        if Counter(map(_meaning, old)) != Counter(map(_meaning, new)):
            out.append(Rewrite(origin, old, new))
    return out


def additions(fix) -> list[Addition]:
    out: dict[tuple[str, Direction], list[Rule]] = {}
    for edit in fix.edits:
        if edit.target is None and hasattr(edit, "group"):
            out.setdefault((edit.group, edit.direction), []).extend(edit.rules)
    return [Addition(group, direction, tuple(rules)) for (group, direction), rules in out.items()]


def nacl_additions(fix) -> list:
    """The fix's NACL entry additions (explore/repair_nacl.py NaclEdit)."""
    from ..explore.repair_nacl import NaclEdit

    return [edit for edit in fix.edits if isinstance(edit, NaclEdit)]


def one_range_each(rules) -> list[Rule]:
    """The rules with every tcp/udp service split into single port ranges (one written rule
    holds one range)."""
    out = []
    for rule in rules:
        s = rule.service
        if s.protocol in PORTED and s.ports and len(s.ports) > 1:
            out += [replace(rule, service=replace(s, ports=(p,))) for p in s.ports]
        else:
            out.append(rule)
    return out


def by_service(rules) -> list[tuple[Service, list[Rule]]]:
    """Rules grouped by service (single ranges), in order of first appearance."""
    groups: dict[Service, list[Rule]] = {}
    for rule in one_range_each(rules):
        groups.setdefault(rule.service, []).append(rule)
    return list(groups.items())


def port_bounds(service: Service) -> tuple[int, int] | None:
    """(from, to) as AWS writes them: a port range, the icmp type and code (-1: any),
    0-65535 for a ported protocol without ports; None for all protocols."""
    from ..model.service import ALL, TYPED

    if service.protocol in PORTED:
        ports = service.ports or (PortRange(0, 65535),)
        return ports[0].lo, ports[0].hi
    if service.protocol in TYPED:
        return (-1 if service.icmp_type is None else service.icmp_type,
                -1 if service.icmp_code is None else service.icmp_code)
    if service.protocol == ALL:
        return None
    return None


def protocol_text(service: Service) -> str:
    from ..model.service import ALL, protocol_name

    return "-1" if service.protocol == ALL else protocol_name(service.protocol)
