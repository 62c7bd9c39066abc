"""One self-contained HTML page: graph, matrix, exposures, lint findings, verdicts.

Everything is inline (CSS, SVG): the file opens with no network access. The
graph is Graphviz's SVG when `dot` is installed; otherwise an HTML list of
the arrows plus the Mermaid source.
"""

from __future__ import annotations

import datetime
import html
import subprocess
from dataclasses import dataclass
from typing import Sequence

from ..model import Network
from .exposure import Exposure, _region_lines, exposure
from .graph import dot_available, edges, render_dot, to_dot, to_mermaid
from .matrix import Matrix

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em;color:#1d2330;max-width:1400px}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:2px solid #dde3ee;padding-bottom:.2em;margin-top:1.8em}
.meta{color:#5a6272}.graph svg{max-width:100%;height:auto}
table{border-collapse:collapse;font-size:.9em;margin:.5em 0}
th,td{border:1px solid #cfd6e4;padding:.3em .55em;text-align:left;vertical-align:top}
th{background:#eef2f8}td.none{color:#9aa3b2;text-align:center}td.public{background:#fde0dc;font-weight:600}
td.possible{background:#fff4d6}td.na{color:#c0c6d0;text-align:center}
.verdict-holds{color:#1b7f3b;font-weight:700}.verdict-violated{color:#c62828;font-weight:700}
.verdict-unknown{color:#b26a00;font-weight:700}
pre{background:#f6f8fb;border:1px solid #dde3ee;padding:.7em;overflow-x:auto;font-size:.85em}
details{margin:.4em 0}summary{cursor:pointer;font-weight:600}
.edge-public{color:#c62828;font-weight:600}.note{color:#5a6272;font-size:.9em}
"""


@dataclass(frozen=True)
class ReportInput:
    network: Network
    network_path: str
    matrix: Matrix
    exposures: tuple[Exposure, ...]
    findings: tuple | None  # None: lint not available
    outcomes: tuple = ()  # SpecOutcome per spec, when specs were given


def _e(text: object) -> str:
    return html.escape(str(text))


def page(title: str, sections: Sequence[str]) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{_e(title)}</title><style>{CSS}</style></head><body>\n"
            + "\n".join(sections) + "\n</body></html>\n")


def graph_section(network: Network, matrix: Matrix) -> str:
    parts = ['<section id="graph"><h2>Reachability graph</h2>']
    svg = _svg(network, matrix)
    if svg:
        parts.append('<div class="graph">' + svg[svg.find("<svg"):] + "</div>")
    else:
        parts.append('<p class="note">Graphviz (`dot`) is not installed or failed, so the graph is shown as a '
                     "list of arrows and as Mermaid source.</p>")
        parts.append(_edge_list(network, matrix))
        parts.append(f'<pre class="mermaid-source">{_e(to_mermaid(network, matrix))}</pre>')
    parts.append('<p class="note">Red: public sources reaching a resource. Link-local services '
                 "(metadata, DNS, time) are never filtered and are left out of the graph.</p></section>")
    return "\n".join(parts)


def _svg(network: Network, matrix: Matrix) -> str:
    if not dot_available():
        return ""
    try:
        if network.topology is not None:
            from .graph_vpc import to_dot_vpc

            return render_dot(to_dot_vpc(network, matrix), "svg").decode("utf-8")
        return render_dot(to_dot(network, matrix), "svg").decode("utf-8")
    except (RuntimeError, OSError, subprocess.SubprocessError):
        return ""  # the page still shows the graph as a list


def _edge_list(network: Network, matrix: Matrix) -> str:
    items = [f'<li class="{"edge-public" if e.public else "edge"}">{_e(e.source)} &rarr; {_e(e.target)}: '
             f"{_e(e.label)}</li>" for e in edges(network, matrix)]
    return '<ul class="edges">' + "".join(items) + "</ul>" if items else "<p>No arrows: nothing is delivered.</p>"


def matrix_section(network: Network, matrix: Matrix) -> str:
    labels = [p.label for p in matrix.places]
    public = {p.label for p in matrix.places if p.kind == "internet" or
              (p.kind == "external" and any(c.first and _is_public(c) for c in network.externals[p.label].cidrs))}
    head = "".join(f"<th>{_e(label)}</th>" for label in labels)
    rows = []
    for row in labels:
        cells = []
        for column in labels:
            cell = matrix.cell(row, column)
            css = "na" if cell.text == "n/a" else "none" if cell.empty else \
                "public" if row in public and matrix.kinds[column] == "resource" else \
                "possible" if cell.possible else "some"
            cells.append(f'<td class="{css}">{_e(cell.text)}</td>')
        rows.append(f"<tr><th>{_e(row)}</th>{''.join(cells)}</tr>")
    return ('<section id="matrix"><h2>Reachability matrix</h2><p class="note">Row: source; column: '
            'destination; a cell lists the services some packet is delivered with.</p>'
            f'<table class="matrix"><tr><th>from \\ to</th>{head}</tr>{"".join(rows)}</table></section>')


def _is_public(cidr) -> bool:
    from ..model.addresses import is_public

    return is_public(cidr.family, cidr.first)


def exposures_section(exposures: Sequence[Exposure]) -> str:
    if exposures and not isinstance(exposures[0], Exposure):
        return path_exposures_section(exposures)
    parts = ['<section id="exposures"><h2>Exposures</h2><p class="note">Everything that can reach each '
             "resource: the rows' union is exactly the delivered set.</p>"]
    for item in exposures:
        public = sum(1 for r in item.regions if r.public_source)
        flag = f" &mdash; <span class=\"edge-public\">{public} public</span>" if public else ""
        lines = []
        for index, region in enumerate(item.regions):
            names = item.externals[index] if index < len(item.externals) else ()
            lines += _region_lines(region, item.egress, names)
        body = _e("\n".join(lines)) if lines else "reached by nothing"
        parts.append(f"<details open><summary>{_e(item.target)} ({len(item.regions)} regions{flag})</summary>"
                     f"<pre>{body}</pre></details>")
    parts.append("</section>")
    return "\n".join(parts)


def path_exposures_section(exposures) -> str:
    """With a VPC layer: who reaches each resource on the path, and through what."""
    from .path_exposure import render_text

    parts = ['<section id="exposures"><h2>Exposures</h2><p class="note">Who reaches each resource on the '
             "VPC path, each with a witness packet and its hops.</p>"]
    for item in exposures:
        public = any(r.peer == "internet" for r in item.rows)
        flag = ' &mdash; <span class="edge-public">reached from the internet</span>' if public else ""
        parts.append(f"<details open><summary>{_e(item.target)} ({len(item.rows)} sources{flag})</summary>"
                     f"<pre>{_e(render_text(item))}</pre></details>")
    parts.append("</section>")
    return "\n".join(parts)


def lint_section(findings) -> str:
    if findings is None:
        return '<section id="lint"><h2>Lint findings</h2><p class="note">Lint is not available.</p></section>'
    if not findings:
        return '<section id="lint"><h2>Lint findings</h2><p>No findings.</p></section>'
    rows = "".join(f"<tr><td>{_e(_field(f, 'severity', 'level'))}</td>"
                   f"<td>{_e(_field(f, 'id', 'code', 'check', 'kind'))}</td>"
                   f"<td>{_e(_field(f, 'message', 'title') or f)}</td>"
                   f"<td>{_e(_field(f, 'location', 'where', 'origin'))}</td></tr>"
                   for f in findings)
    return ('<section id="lint"><h2>Lint findings</h2><table class="lint"><tr><th>severity</th><th>check</th>'
            f"<th>finding</th><th>where</th></tr>{rows}</table></section>")


def _field(finding, *names: str) -> str:
    for name in names:
        value = getattr(finding, name, None)
        if value not in (None, ""):
            return str(getattr(value, "value", value))
    return ""


def verdicts_section(outcomes) -> str:
    from ..report.text import format_result

    parts = ['<section id="verdicts"><h2>Verdicts</h2>']
    for outcome in outcomes:
        rows = []
        for result in outcome.results:
            verdict = result.verdict.value
            detail = "" if result.counterexample is None and not result.reason else \
                "<pre>" + _e("\n".join(format_result(result))) + "</pre>"
            rows.append(f"<tr><td>{_e(result.assertion.name)}</td><td>{_e(result.assertion.kind.value)}</td>"
                        f'<td class="verdict-{verdict}">{_e(verdict.upper())}</td><td>{detail}</td></tr>')
        parts.append(f"<h3>{_e(outcome.spec.path)}</h3><table class=\"verdicts\"><tr><th>assertion</th>"
                     f"<th>kind</th><th>verdict</th><th>details</th></tr>{''.join(rows)}</table>")
    parts.append("</section>")
    return "\n".join(parts)


def report_page(data: ReportInput) -> str:
    network = data.network
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    header = (f"<h1>sgverify report</h1><p class=\"meta\">Network: {_e(data.network_path)} &middot; "
              f"{len(network.resources)} resources, {len(network.groups)} security groups, "
              f"{len(network.externals)} externals &middot; {when}</p>")
    sections = [header, graph_section(network, data.matrix), matrix_section(network, data.matrix),
                exposures_section(data.exposures), lint_section(data.findings)]
    if data.outcomes:
        sections.append(verdicts_section(data.outcomes))
    return page("sgverify report", sections)


def graph_page(network: Network, matrix: Matrix) -> str:
    return page("sgverify graph", ["<h1>sgverify graph</h1>", graph_section(network, matrix)])


def resource_exposures(network: Network, tick=None) -> tuple:
    names = list(network.resources)
    out = []
    for index, name in enumerate(names):
        if network.topology is not None:  # a VPC layer: exposure is a path question
            from .path_exposure import path_exposure

            out.append(path_exposure(network, name))
        else:
            out.append(exposure(network, name))
        if tick:
            tick(index + 1, len(names))
    return tuple(out)


LINT_ENTRY_POINTS = (("sgverify.explore.lint", "lint"), ("sgverify.explore.lint", "lint_network"),
                     ("sgverify.lint", "lint"))


def lint_findings(network: Network):
    """The lint findings, or None when this build has no lint module."""
    import importlib

    for module_name, function in LINT_ENTRY_POINTS:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        if callable(getattr(module, function, None)):
            return tuple(getattr(module, function)(network))
    return None
