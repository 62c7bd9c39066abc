"""The reachability picture: resources grouped by security group, externals,
the internet, one arrow per reachable pair labelled with its services.

Arrows from public sources (the internet, externals with public addresses)
into resources are drawn in red: that is public exposure. Link-local
services are left out (security groups never filter them; see the matrix).
DOT is rendered to SVG/PNG by Graphviz's `dot` when it is installed.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass

from ..errors import InputError
from ..model import Network
from ..model.addresses import is_public
from .matrix import Matrix
from .names import Place

HIDDEN = ("link-local",)
PUBLIC_COLOR = "#c62828"


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str
    public: bool


def edges(network: Network, matrix: Matrix) -> list[Edge]:
    shown = [p for p in matrix.places if p.kind not in HIDDEN]
    public = {p.label for p in shown if _public_place(network, p)}
    out = []
    for row in shown:
        for column in shown:
            cell = matrix.cell(row.label, column.label)
            if cell.text not in ("-", "n/a"):
                out.append(Edge(row.label, column.label, cell.text,
                                row.label in public and column.kind == "resource"))
    return out


def _public_place(network: Network, place: Place) -> bool:
    if place.kind == "internet":
        return True
    if place.kind == "external":
        return any(is_public(c.family, c.first) for c in network.externals[place.label].cidrs)
    return False


def clusters(matrix: Matrix) -> dict[str, list[Place]]:
    """Resources by their first security group (the label lists the others)."""
    out: dict[str, list[Place]] = {}
    for place in matrix.places:
        if place.kind == "resource":
            out.setdefault(place.groups[0] if place.groups else "(no security group)", []).append(place)
    return out


def _others(matrix: Matrix) -> list[Place]:
    return [p for p in matrix.places if p.kind not in ("resource",) + HIDDEN]


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return '"' + escaped + '"'


def _node_label(place: Place) -> str:
    extra = [", ".join(place.groups[1:])] if len(place.groups) > 1 else []
    return "\n".join([place.label, place.detail] + extra)


def to_dot(network: Network, matrix: Matrix) -> str:
    lines = ["digraph sgverify {", "  rankdir=LR;", '  graph [fontname="Helvetica", fontsize=11];',
             '  node [shape=box, style="rounded,filled", fillcolor="#e8eef8", fontname="Helvetica", fontsize=10];',
             '  edge [fontname="Helvetica", fontsize=9];']
    for index, (group, members) in enumerate(sorted(clusters(matrix).items())):
        lines.append(f"  subgraph cluster_{index} {{")
        lines.append(f'    label={_quote(group)}; style="rounded,dashed"; color="#5c6bc0";')
        for place in members:
            lines.append(f"    {_quote(place.label)} [label={_quote(_node_label(place))}];")
        lines.append("  }")
    for place in _others(matrix):
        fill = "#fde0dc" if _public_place(network, place) else "#f1f1f1"
        lines.append(f"  {_quote(place.label)} [shape=ellipse, fillcolor={_quote(fill)}, "
                     f"label={_quote(place.label + chr(10) + place.detail)}];")
    for edge in edges(network, matrix):
        style = f', color="{PUBLIC_COLOR}", fontcolor="{PUBLIC_COLOR}", penwidth=2' if edge.public else ""
        lines.append(f"  {_quote(edge.source)} -> {_quote(edge.target)} [label={_quote(edge.label)}{style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


# Mermaid decodes `#name;` and `#number;` in a label, then draws the label as HTML:
# every character that HTML or Mermaid would read as markup becomes an entity code
# (the HTML report escapes the same characters with html.escape), `#` first.
_MERMAID_ENTITIES = (("#", "#35;"), ("&", "#amp;"), ("<", "#lt;"), (">", "#gt;"), ('"', "#quot;"),
                     ("'", "#39;"), ("`", "#96;"), ("|", "#124;"))


def _mermaid_text(text: str) -> str:
    """A name as literal text in a quoted Mermaid label: markup escaped, one line."""
    for raw, code in _MERMAID_ENTITIES:
        text = text.replace(raw, code)
    return "".join(" " if ch < " " or ch == "\x7f" else ch for ch in text)


def to_mermaid(network: Network, matrix: Matrix) -> str:
    ids = {p.label: f"n{i}" for i, p in enumerate(matrix.places)}
    lines = ["flowchart LR"]
    for index, (group, members) in enumerate(sorted(clusters(matrix).items())):
        lines.append(f'  subgraph g{index}["{_mermaid_text(group)}"]')
        for place in members:
            label = "<br/>".join(_mermaid_text(x) for x in _node_label(place).split("\n"))
            lines.append(f'    {ids[place.label]}["{label}"]')
        lines.append("  end")
    for place in _others(matrix):
        lines.append(f'  {ids[place.label]}(("{_mermaid_text(place.label)}"))')
        if _public_place(network, place):
            lines.append(f"  class {ids[place.label]} public")
    public_links = []
    for index, edge in enumerate(edges(network, matrix)):
        lines.append(f'  {ids[edge.source]} -->|"{_mermaid_text(edge.label)}"| {ids[edge.target]}')
        if edge.public:
            public_links.append(str(index))
    lines.append("  classDef public fill:#fde0dc,stroke:#c62828")
    if public_links:
        lines.append(f"  linkStyle {','.join(public_links)} stroke:{PUBLIC_COLOR},stroke-width:3px,color:{PUBLIC_COLOR}")
    return "\n".join(lines) + "\n"


def dot_available() -> bool:
    return shutil.which("dot") is not None


def render_dot(dot_text: str, output_format: str) -> bytes:
    """SVG or PNG bytes from Graphviz; InputError (exit 2) naming the tool if it is missing."""
    tool = shutil.which("dot")
    if tool is None:
        raise InputError(f"--format {output_format} needs Graphviz's `dot` program, which is not installed "
                         f"(e.g. apt-get install graphviz); --format dot, mermaid and html work without it")
    done = subprocess.run([tool, f"-T{output_format}"], input=dot_text.encode(), capture_output=True,
                          timeout=120, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"dot failed: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout
