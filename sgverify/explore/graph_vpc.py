"""The picture of a network with a VPC layer: VPCs and subnets as nested
clusters, resources in their subnets, gateways and peerings as nodes, and one
arrow per pair the path delivers (from the path matrix); exposure from the
internet in red."""

from __future__ import annotations

from ..model import Network
from .graph import PUBLIC_COLOR, _quote, edges
from .matrix import Matrix


def _node(label: str, shape: str, fill: str, text: str | None = None) -> str:
    return f'{_quote(label)} [shape={shape}, fillcolor="{fill}", label={_quote(text or label)}];'


def to_dot_vpc(network: Network, matrix: Matrix) -> str:
    t = network.topology
    lines = ["digraph sgverify {", "  rankdir=LR; compound=true;", '  graph [fontname="Helvetica", fontsize=11];',
             '  node [shape=box, style="rounded,filled", fillcolor="#e8eef8", fontname="Helvetica", fontsize=10];',
             '  edge [fontname="Helvetica", fontsize=9];']
    placed: set[str] = set()
    resources = {p.label: p for p in matrix.places if p.kind == "resource"}
    for v, vpc in enumerate(sorted(t.vpcs.values(), key=lambda x: x.key)):
        blocks = ", ".join(str(c) for c in vpc.cidrs)
        lines.append(f"  subgraph cluster_vpc_{v} {{")
        lines.append(f'    label={_quote(f"{vpc.key} ({blocks})")}; style="rounded"; color="#2e7d32";')
        for s, subnet in enumerate(sorted((x for x in t.subnets.values() if x.vpc == vpc.key), key=lambda x: x.key)):
            lines.append(f"    subgraph cluster_vpc_{v}_{s} {{")
            table = t.route_table_of(subnet) or "?"
            nacl = t.nacl_of(subnet) or "?"
            label = f"{subnet.key} {', '.join(str(c) for c in subnet.cidrs)}\\ntable {table}, NACL {nacl}"
            lines.append(f'      label="{label}"; style="rounded,dashed"; color="#5c6bc0";')
            for name, place in resources.items():
                if subnet.key in network.resources[name].subnet_ids and name not in placed:
                    placed.add(name)
                    lines.append(f"      {_quote(name)} [label={_quote(name + chr(10) + place.detail)}];")
            for nat in t.nat_gateways.values():
                if nat.subnet == subnet.key:
                    lines.append("      " + _node(nat.key, "hexagon", "#fff3e0", f"{nat.key}\nNAT gateway"))
            lines.append("    }")
        for igw in t.internet_gateways.values():
            if igw.vpc == vpc.key:
                lines.append("    " + _node(igw.key, "hexagon", "#fde0dc", f"{igw.key}\ninternet gateway"))
        lines.append("  }")
    for name, place in resources.items():
        if name not in placed:
            lines.append(f"  {_quote(name)} [label={_quote(name + chr(10) + place.detail)}];")
    for peering in t.peerings.values():
        state = "" if peering.active else " (inactive)"
        lines.append("  " + _node(peering.key, "diamond", "#f1f1f1",
                                  f"{peering.key}{state}\n{peering.requester_vpc} <-> {peering.accepter_vpc}"))
    for tgw in t.transit_gateways.values():
        lines.append("  " + _node(tgw.key, "octagon", "#f1f1f1", f"{tgw.key}\ntransit gateway"))
    for place in matrix.places:
        if place.kind == "internet":
            lines.append(f"  {_quote(place.label)} [shape=ellipse, fillcolor=\"#fde0dc\"];")
    for edge in edges(network, matrix):
        style = f', color="{PUBLIC_COLOR}", fontcolor="{PUBLIC_COLOR}", penwidth=2' if edge.public else ""
        lines.append(f"  {_quote(edge.source)} -> {_quote(edge.target)} [label={_quote(edge.label)}{style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
