"""Exposure: everything that can reach a target (or that it can reach), exactly.

The rows are the target's delivered regions from every principal, public
sources first, then resources, then other unmanaged addresses; their union
is the delivered set (the certain rows alone: what is delivered whatever
the unknowns).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..model import Direction, Family, Network
from ..model import intervals as iv
from ..regions import Certainty, Principal, Region, all_principals, delivered_regions
from ..regions.boxes import span
from ..regions.compiled import compiled
from ..report.rules import rule_dict, rule_line
from ..spec import Traffic
from .names import Place, place_named
from .progress import Tick

FAMILIES = (Family.V4, Family.V6)


@dataclass(frozen=True)
class Exposure:
    target: str
    egress: bool  # True: what the target reaches; False: what reaches it
    places: tuple[Place, ...]
    regions: tuple[Region, ...]
    externals: tuple[tuple[str, ...], ...] = ()  # per region: `in office`, `includes office`...


def exposure(network: Network, target: str, egress: bool = False, traffic: Traffic | None = None,
             tick: Tick | None = None, prune: bool = True) -> Exposure:
    targets = place_named(network, target)
    principals = [p.principal for p in targets]
    # Between two unmanaged addresses no security group decides anything: leave those pairs out.
    everyone = all_principals(network)
    resources = [p for p in everyone if p.is_resource]
    others = everyone if all(p.is_resource for p in principals) else resources
    jobs = [(own, _peers(network, own, others, egress, traffic) if prune else others) for own in principals]
    total, done = sum(len(peers) for _, peers in jobs) * len(FAMILIES), 0
    regions = []
    for own, peers in jobs:
        step = _shifted(tick, done, total)
        if egress:
            regions += delivered_regions(network, source=own, destination=peers, traffic=traffic, progress=step)
        else:
            regions += delivered_regions(network, source=peers, destination=own, traffic=traffic, progress=step)
        done += len(peers) * len(FAMILIES)
    ordered = tuple(sorted(regions, key=lambda r: _rank(r, egress)))
    names = tuple(_externals(network, r, egress) for r in ordered)
    return Exposure(target, egress, tuple(targets), ordered, names)


def _peers(network: Network, own: Principal, others: list[Principal], egress: bool,
           traffic: Traffic | None) -> list[Principal]:
    """The principals of `others` that own's filter may admit at all (the rest deliver nothing)."""
    if not own.is_resource:
        return others
    services = span(traffic.intervals()) if traffic is not None else None
    direction = Direction.EGRESS if egress else Direction.INGRESS
    admitted = compiled(network).candidates(own.name, direction, services)
    if admitted is None:
        return others
    return [p for p in others if not p.is_resource or p.name in admitted]


def _shifted(tick: Tick | None, before: int, total: int) -> Tick | None:
    if tick is None:
        return None
    return lambda done, _total: tick(before + done, total)


def _externals(network: Network, region: Region, egress: bool) -> tuple[str, ...]:
    """Named externals that overlap the peer's blocks (to label unmanaged rows)."""
    if peer_of(region, egress).is_resource:
        return ()
    blocks = list(region.destinations if egress else region.sources)
    out = []
    for external in network.externals.values():
        named = iv.of_cidrs(external.cidrs, region.family)
        if not iv.intersect(blocks, named):
            continue
        inside = not iv.subtract(blocks, named, region.family.top)
        out.append(("in " if inside else "includes ") + external.name)
    return tuple(out)


def _rank(region: Region, egress: bool) -> tuple:
    peer = region.destination if egress else region.source
    public = region.public_destination if egress else region.public_source
    return (region.certainty is not Certainty.CERTAIN, not public, not peer.is_resource, str(peer),
            region.family.value, region.sources, region.destinations)


def peer_of(region: Region, egress: bool) -> Principal:
    return region.destination if egress else region.source


def render_text(result: Exposure) -> str:
    verb = "reaches" if result.egress else "is reached by"
    if not result.regions:
        return f"{result.target} {verb} nothing\n"
    lines = [f"{result.target} {verb}:"]
    for index, region in enumerate(result.regions):
        names = result.externals[index] if index < len(result.externals) else ()
        lines += _region_lines(region, result.egress, names)
    return "\n".join(lines) + "\n"


def _region_lines(region: Region, egress: bool, externals: tuple[str, ...] = ()) -> list[str]:
    peer = peer_of(region, egress)
    blocks = region.describe_destinations() if egress else region.describe_sources()
    own = region.source if egress else region.destination
    mark = "" if region.certainty is Certainty.CERTAIN else "  [possible]"
    public = region.public_destination if egress else region.public_source
    if peer.is_resource:
        head = f"  resource {peer} ({blocks})"
    else:
        where = f" ({', '.join(externals)})" if externals else ""
        head = f"  {'public' if public else 'unmanaged'} {blocks}{where}"
    arrow = f"-> {own}" if not egress else f"from {own}"
    lines = [f"{head}  {region.service_text}  {arrow}{mark}"]
    if region.egress_unfiltered:
        lines.append("      egress: not filtered (" + ("unmanaged source" if not region.source.is_resource
                                                        else "link-local service") + ")")
    lines += ["      " + rule_line(rule) for rule in region.egress_rules]
    if region.ingress_unfiltered:
        lines.append("      ingress: not filtered (unmanaged destination)")
    lines += ["      " + rule_line(rule) for rule in region.ingress_rules]
    lines += [f"      assuming {text}" for text in region.depends_on]
    return lines


def region_dict(region: Region, externals: tuple[str, ...] = ()) -> dict:
    return {
        "externals": list(externals),
        "family": f"ipv{region.family.value}",
        "source": {"name": str(region.source), "kind": region.source.kind.value,
                   "blocks": [str(c) for c in region.source_blocks], "public": region.public_source},
        "destination": {"name": str(region.destination), "kind": region.destination.kind.value,
                        "blocks": [str(c) for c in region.destination_blocks],
                        "public": region.public_destination},
        "services": region.service_text,
        "certainty": region.certainty.value,
        "egress_rules": [rule_dict(r) for r in region.egress_rules],
        "ingress_rules": [rule_dict(r) for r in region.ingress_rules],
        "egress_unfiltered": region.egress_unfiltered,
        "ingress_unfiltered": region.ingress_unfiltered,
        "depends_on": list(region.depends_on),
    }


def render_json(result: Exposure) -> str:
    data = {
        "target": result.target,
        "direction": "egress" if result.egress else "ingress",
        "regions": [region_dict(r, result.externals[i] if i < len(result.externals) else ())
                    for i, r in enumerate(result.regions)],
    }
    return json.dumps(data, indent=2) + "\n"
