"""Run a diff from names and paths: load both networks, resolve --from/--to, compare."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import Callable, Iterator, Mapping

from ..errors import Diagnostic, InputError
from ..inputs import load_network
from ..inputs.fields import parse_ports, parse_protocol
from ..model import Network
from ..model.service import PORTED, protocol_name
from ..regions import Principal, resolve_principals
from ..spec import Traffic
from .align import align
from .engine import NetworkDiff, diff_networks
from .gate import DiffGate, FailOn
from .profiles import Profiles, merge_profiles
from .sides import checked_sides


@dataclass(frozen=True)
class DiffRequest:
    old: str
    new: str
    sources: tuple[str, ...] = ()
    destinations: tuple[str, ...] = ()
    protocol: str | None = None
    ports: str | None = None
    fail_on: FailOn = FailOn.added
    input_format: str | None = None
    parameters: Mapping[str, str] = field(default_factory=dict)
    by_profile: bool = False  # resources with the same groups as one endpoint (profiles.py)
    by_side: bool = False  # each resource's sides, not pairs of endpoints (sides.py)
    # Never choose the grouping: without by_profile or by_side, a row per pair of resources
    # even on a large estate (where the diff otherwise compares profiles' sides).
    per_resource: bool = False
    jobs: int = 1  # worker processes comparing the pairs (parallel.py); the same diff for every N
    # Report formats the caller will write: with jobs > 1, their rows are written by the
    # workers as they compare (written.py). The same report either way.
    formats: tuple[str, ...] = ()


@dataclass(frozen=True)
class DiffResult:
    """old, new: the networks compared (with --by-profile, each profile merged into one
    resource); profiles: which resources each merged one stands for."""

    diff: NetworkDiff
    gate: DiffGate
    old: Network
    new: Network
    warnings: tuple[Diagnostic, ...] = ()
    profiles: Profiles | None = None
    jobs: int = 1  # processes writing the text and JSON rows


# Resources (of either network) from which a diff asked for no grouping and no --from/--to
# compares by profile and by side: per pair of resources, a 1% edit of a 10k-rule estate
# (2,000 resources) took 106 s, and of a 100k one (20,000) did not end in 300 s.
LARGE_ESTATE = 500

# Pairs of resources past which a per-resource diff suggests --by-profile (a 100k-rule
# estate's 1% edit: 7.9 million pairs, against 156,045 pairs of profiles).
MANY_PAIRS = 1_000_000


def run_diff(request: DiffRequest, tick: Callable[[int, int], None] | None = None,
             notice: Callable[[str], None] | None = None) -> DiffResult:
    """`tick(done, total)` counts compared pairs (for a progress bar); `notice(text)` hears
    advice while the diff runs (a per-resource diff of very many pairs)."""
    traffic = parse_traffic(request.protocol, request.ports)
    if request.by_side:
        checked_sides(request.sources or None, request.destinations or None)
    loaded, errors = [], []
    for path in (request.old, request.new):
        try:
            loaded.append(load_network(path, input_format=request.input_format,
                                       parameters=request.parameters or None))
        except InputError as error:
            errors += error.diagnostics
    if errors:
        raise InputError(errors)
    old = loaded[0].network
    new = align(old, loaded[1].network)
    request = _grouping(request, old, new, notice)
    sources = resolve_both(old, new, request.sources, "--from")
    destinations = resolve_both(old, new, request.destinations, "--to")
    profiles = None
    if request.by_profile:
        profiles = merge_profiles(old, new, sources, destinations)
        old, new = profiles.old, profiles.new
        sources, destinations = profiles.principals(sources), profiles.principals(destinations)
    diff = diff_networks(old, new, sources=sources, destinations=destinations, traffic=traffic, progress=tick,
                         jobs=request.jobs, on_pairs=_advice(request, notice), by_side=request.by_side,
                         writers=_writers(request, profiles))
    warnings = tuple(dict.fromkeys(loaded[0].warnings + loaded[1].warnings))
    return DiffResult(diff, DiffGate(diff, request.fail_on), old, new, warnings, profiles, request.jobs)


def _grouping(request: DiffRequest, old: Network, new: Network,
              notice: Callable[[str], None] | None) -> DiffRequest:
    """The request, by profile and by side when it asks for no grouping on a large estate
    (said in one notice). Both views are exact; by side, a row holds every packet the
    pairs would, and may hold packets the far end never sends or receives."""
    if request.per_resource or request.by_profile or request.by_side or request.sources or request.destinations:
        return request
    count = len(old.resources.keys() | new.resources.keys())
    if count < LARGE_ESTATE:
        return request
    jobs = request.jobs if request.jobs > 1 else _spare_jobs()
    if notice is not None:
        workers = f", in {jobs} processes" if jobs > 1 else ""
        notice(f"{count:,} resources: comparing by profile and by side{workers} (as --by-profile --by-side: a row "
               f"per changed side of the resources with the same groups); --by-side gives a row per changed side "
               f"of each resource, --per-resource a row per pair of resources")
    return replace(request, by_profile=True, by_side=True, jobs=jobs)


# Worker processes a diff grouped by itself uses where processes fork (they inherit the
# networks): comparing the sides and writing their rows is most of a large diff's time.
AUTO_JOBS = 2


def _spare_jobs() -> int:
    from ..run.processes import start_method

    if start_method() != "fork":
        return 1  # spawned workers would receive both networks pickled: slower than one process
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(AUTO_JOBS, cores))


def _writers(request: DiffRequest, profiles: Profiles | None) -> tuple:
    if request.jobs <= 1:
        return ()
    from .render import ROW_FORMATS, RowWriter

    return tuple(RowWriter(fmt, profiles) for fmt in dict.fromkeys(request.formats) if fmt in ROW_FORMATS)


def _advice(request: DiffRequest, notice: Callable[[str], None] | None) -> Callable[[int], None] | None:
    if notice is None or request.by_profile or request.by_side:
        return None

    def on_pairs(count: int) -> None:
        if count > MANY_PAIRS:
            notice(f"comparing {count:,} pairs of resources; --by-profile compares resources with the same "
                   f"groups as one endpoint (the same packets, far fewer pairs and rows), and --by-side compares "
                   f"each resource's sides (a row per changed side)")
    return on_pairs


def parse_traffic(protocol: str | None, ports: str | None) -> Traffic | None:
    if protocol is None and ports is None:
        return None
    try:
        number = parse_protocol(protocol) if protocol is not None else -1
        if ports is None:
            return Traffic(number)
        if protocol is not None and number not in PORTED:
            raise ValueError(f"--ports given with protocol {protocol_name(number)}: ports apply only to tcp and "
                             f"udp (leave --protocol out to mean both)")
        items = [p.strip() for p in ports.split(",") if p.strip()]
        return Traffic(number, parse_ports(items if len(items) > 1 else (items[0] if items else ports)))
    except ValueError as exc:
        raise InputError(str(exc)) from None


def resolve_both(old: Network, new: Network, names: tuple[str, ...], option: str) -> list[Principal] | None:
    """Principals a name stands for in either network (a resource may exist in one only)."""
    if not names:
        return None
    out: list[Principal] = []
    problems = []
    for name in names:
        found = []
        for network in (old, new):
            try:
                found += resolve_principals(network, name)
            except InputError as error:
                problems.append(error.diagnostics[0].message)
        if not found:
            raise InputError(f"{option} {problems[-1]}")
        out += found
    return list(dict.fromkeys(out))


def render_diff(result: DiffResult, fmt: str) -> str:
    return "".join(diff_chunks(result, fmt))


def diff_chunks(result: DiffResult, fmt: str) -> Iterator[str]:
    """The report in `fmt`, a piece at a time: text and JSON a change at a time (a large
    diff's report is hundreds of MB, written as it is made), the others whole."""
    from ..report import junit, markdown, sarif
    from .render import json_chunks, text_chunks

    if fmt == "text":
        return text_chunks(result.diff, result.gate, result.old, result.new, result.profiles, result.jobs)
    if fmt == "json":
        return json_chunks(result.diff, result.gate, result.old, result.new, result.profiles, result.jobs)
    if fmt == "sarif":
        return iter([sarif.render_diff(result)])
    if fmt == "junit":
        return iter([junit.render_diff(result)])
    if fmt == "markdown":
        return iter([markdown.render_diff(result)])
    raise ValueError(f"unknown report format {fmt!r}")
