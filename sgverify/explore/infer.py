"""`infer`: a starter spec that captures what the network delivers today.

Per resource: `deny` from any when nothing reaches it; otherwise one `only`
over all traffic naming every source that can reach it, then, for tcp and
udp, one `only` per port group (ports reached by the same sources) and one
`deny` for the ports nothing reaches. Sources are resource names and, for
unmanaged addresses, CIDR blocks.

Every assertion is built from the *possible* delivered sets of the region
engine (delivered for some free choice), which is exactly what `only` and
`deny` need to hold: a packet outside them is never delivered. The blocks
naming unmanaged sources may be widened by resource addresses, which only
makes an `only` weaker, never false.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import yaml

from ..model import Family, Network, PortRange
from ..model import intervals as iv
from ..model.service import PORTED, PROTOCOL_NAMES
from ..regions import Principal, all_principals, pair_sets
from ..regions.principals import concrete_addresses
from ..spec import AddressEndpoint, AnyEndpoint, Assertion, Kind, ResourceEndpoint, Traffic
from ..model.addresses import Cidr

FAMILIES = (Family.V4, Family.V6)


@dataclass(frozen=True)
class Sources:
    """Who reaches a resource on some services: resource names and unmanaged blocks."""

    resources: frozenset[str]
    blocks: tuple[Cidr, ...]

    @property
    def empty(self) -> bool:
        return not self.resources and not self.blocks

    def names(self) -> list[str]:
        return sorted(self.resources) + [str(c) for c in self.blocks]


@dataclass(frozen=True)
class Inferred:
    kind: Kind
    resource: str
    sources: Sources | None  # None for deny (from any)
    protocol: int | None = None  # None: all traffic
    ports: tuple[PortRange, ...] | None = None

    @property
    def name(self) -> str:
        what = "all traffic" if self.protocol is None else PROTOCOL_NAMES.get(self.protocol, str(self.protocol))
        if self.ports:
            what += "/" + ",".join(map(str, self.ports))
        if self.kind is Kind.DENY:
            return f"nothing reaches {self.resource} on {what}"
        return f"only today's sources reach {self.resource} on {what}"

    def traffic(self) -> Traffic:
        return Traffic() if self.protocol is None else Traffic(self.protocol, self.ports)


def _reach(network: Network, name: str) -> list[tuple[str | None, Family, iv.Intervals, iv.Intervals]]:
    """(source resource or None for unmanaged, family, source addresses, services) boxes."""
    out = []
    for source in all_principals(network):
        for family in FAMILIES:
            for box in pair_sets(network, source, Principal.resource(name), family).possible:
                if _only_self(box):
                    continue  # a packet to its own address is not a packet
                out.append((source.name if source.is_resource else None, family,
                            list(box.sources), list(box.services)))
    return out


def _only_self(box) -> bool:
    one = box.sources == box.destinations and len(box.sources) == 1 and box.sources[0][0] == box.sources[0][1]
    return one


def ambiguous(network: Network, name: str) -> bool:
    """A resource name a spec would read as something else too (a group, an external...)."""
    return (name in ("any", "internet") or name in network.externals or name in network.prefix_lists
            or network.group_named(name) is not None or any(g.name == name for g in network.groups.values()))


def _sources(network: Network, boxes) -> Sources:
    names = {s for s, _, _, _ in boxes if s is not None}
    blocks: list[Cidr] = []
    for name in sorted(names):
        resource = network.resources[name]
        if ambiguous(network, name) and not resource.symbolic:
            # A concrete resource is exactly its addresses: name them instead.
            names.discard(name)
            blocks += [Cidr.host(f, v) for f, v in resource.ips + resource.public_ips]
    names = frozenset(names)
    for family in FAMILIES:
        addresses = iv.normalize(a for s, f, srcs, _ in boxes if s is None and f is family for a in srcs)
        if addresses:
            # Filling holes left by resource addresses keeps the list short; it only widens `from`.
            filled = iv.union(addresses, concrete_addresses(network, family))
            filled = _fill(addresses, filled)
            blocks += [c for lo, hi in filled for c in iv.to_cidrs(lo, hi, family)]
    return Sources(names, tuple(blocks))


def _fill(addresses: iv.Intervals, filled: iv.Intervals) -> iv.Intervals:
    """The parts of `filled` that touch `addresses` (resource addresses far away stay out)."""
    return [(lo, hi) for lo, hi in filled if iv.intersect([(lo, hi)], addresses)]


def infer_resource(network: Network, name: str) -> list[Inferred]:
    boxes = _reach(network, name)
    if not boxes:
        return [Inferred(Kind.DENY, name, None)]
    out = [Inferred(Kind.ONLY, name, _sources(network, boxes))]
    for protocol in PORTED:
        out += _port_groups(network, name, protocol, boxes)
    return out


def _port_groups(network: Network, name: str, protocol: int, boxes) -> list[Inferred]:
    base = protocol << 16
    line = [(base, base | 0xFFFF)]
    cuts = sorted({b for *_, svcs in boxes for lo, hi in iv.intersect(svcs, line) for b in (lo, hi + 1)}
                  | {base, (base | 0xFFFF) + 1})
    groups: dict[Sources, list[tuple[int, int]]] = {}
    for lo, nxt in zip(cuts, cuts[1:]):
        here = [b for b in boxes if iv.contains(b[3], lo)]
        groups.setdefault(_sources(network, here), []).append((lo - base, nxt - 1 - base))
    if len(groups) == 1:
        return []  # every port has the same sources: the all-traffic `only` says it already
    out = []
    for sources, ranges in groups.items():
        ports = tuple(PortRange(lo, hi) for lo, hi in iv.normalize(ranges))
        if sources.empty:
            out.append(Inferred(Kind.DENY, name, None, protocol, ports))
        else:
            out.append(Inferred(Kind.ONLY, name, sources, protocol, ports))
    return sorted(out, key=lambda i: (i.kind.value, i.ports))


def infer(network: Network) -> list[Inferred]:
    return [a for name in sorted(network.resources) for a in infer_resource(network, name)]


def to_assertion(item: Inferred) -> Assertion:
    """The assertion an inferred item stands for (endpoints built directly, for tests and callers)."""
    destination = (ResourceEndpoint(item.resource),)
    if item.sources is None:
        sources = (AnyEndpoint(),)
    else:
        sources = tuple(ResourceEndpoint(r) for r in sorted(item.sources.resources))
        if item.sources.blocks:
            sources += (AddressEndpoint("blocks", item.sources.blocks),)
    return Assertion(item.name, item.kind, sources, destination, item.traffic())


def render_spec(items, network_path: str, output_path: str | None) -> str:
    """The spec as YAML; `network:` relative to where the spec is written."""
    folder = os.path.dirname(os.path.abspath(output_path)) if output_path else os.getcwd()
    entries = []
    for item in items:
        body: dict = {"from": "any" if item.sources is None else item.sources.names(), "to": item.resource}
        if item.protocol is not None:
            body["protocol"] = PROTOCOL_NAMES.get(item.protocol, item.protocol)
        if item.ports:
            body["ports"] = [p.lo if p.lo == p.hi else f"{p.lo}-{p.hi}" for p in item.ports]
        entries.append({"name": item.name, item.kind.value: body})
    header = ("# Inferred by `sgverify infer`: what the network delivers today.\n"
              "# Tighten it by hand, then keep it in CI so no access is added unnoticed.\n")
    doc = {"network": os.path.relpath(os.path.abspath(network_path), folder), "assertions": entries}
    return header + yaml.safe_dump(doc, sort_keys=False, default_flow_style=None, width=100)



