"""`diff OLD NEW` over many pairs of networks: OLD and NEW each name many (see run/many.py).

The networks of the two sides are paired by name: the part of the path a
glob or a folder of snapshots matched (`old/*.json` and `new/*.json` pair
`old/acct-1.json` with `new/acct-1.json`; two snapshot folders pair
`111122223333/eu-west-1.json` on each side), a file's name otherwise; a name
on one side only is that pair's error entry,
never a pair left out. Each pair is diffed on its own, as `diff` would diff
it, and the reports it asked for are rendered where it ran, so only text
comes back from a cluster worker.

Pairs whose AWS files a peering or a transit gateway joins, on either side
(run/components.py), are diffed together: the OLD files of the group read as
one network, the NEW files as another, one report for the group, named by
each of its networks. When a side of a group cannot be read as one network,
each pair of the group is diffed on its own, with a warning that says why.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Mapping

from ..errors import Diagnostic, InputError, Severity
from ..gcpause import not_held
from ..report.networks import NetworkName
from .many import Networks, in_folder, name_of, outside_references


@dataclass(frozen=True)
class DiffJob:
    old: str | None  # None: NEW's file has no counterpart on the OLD side (or the other way round)
    new: str | None
    formats: tuple[str, ...]
    sources: tuple[str, ...] = ()
    destinations: tuple[str, ...] = ()
    protocol: str | None = None
    ports: str | None = None
    fail_on: str = "added"
    input_format: str | None = None
    parameters: Mapping[str, str] = field(default_factory=dict)
    by_profile: bool = False
    by_side: bool = False
    cwd: str = ""
    # A group of pairs diffed together: each side's paths, in the same order (old may hold None: no
    # counterpart, which never happens in a group of two or more).
    olds: tuple[str, ...] = ()
    news: tuple[str, ...] = ()

    @property
    def path(self) -> str:
        return self.new or self.old or ""


@dataclass(frozen=True)
class PairDiff:
    name: NetworkName
    old: str | None
    new: str | None
    reports: Mapping[str, str] = field(default_factory=dict)  # format -> the pair's own report
    fails: bool = False  # the gate fails on what differs
    warnings: tuple[Diagnostic, ...] = ()
    errors: tuple[Diagnostic, ...] = ()
    outside: tuple[str, ...] = ()
    seconds: float = 0.0
    joinable: bool = False  # AWS input: `outside` leads out of every file of the run, not just this one


def pair_by_name(olds: Networks, news: Networks) -> list[tuple[str | None, str | None]]:
    """(old, new) pairs by name (see Networks.names), in NEW's order, then OLD's names that NEW lacks."""
    old_by, new_by = _by_name(olds, "OLD"), _by_name(news, "NEW")
    pairs = [(old_by.get(name), path) for name, path in new_by.items()]
    return pairs + [(path, None) for name, path in old_by.items() if name not in new_by]


def _by_name(networks: Networks, side: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for path, name in zip(networks.paths, networks.names):
        if name in out:
            raise InputError(f"{side} names two networks called {name} ({out[name]} and {path}): "
                             f"the two sides are paired by name")
        out[name] = path
    return out


def diff_pair(job: DiffJob) -> PairDiff:
    start = time.perf_counter()
    path = job.path
    if job.old is None or job.new is None:
        missing = "OLD" if job.old is None else "NEW"
        return PairDiff(NetworkName(path), job.old, job.new, errors=(Diagnostic(
            Severity.ERROR, path, f"no network of the same name on the {missing} side to compare with"),))
    with in_folder(job.cwd), not_held():
        try:
            return _diff(job, start)
        except InputError as error:
            return PairDiff(NetworkName(path), job.old, job.new, errors=tuple(error.diagnostics),
                            seconds=time.perf_counter() - start)


def _diff(job: DiffJob, start: float) -> PairDiff:
    from ..diff.gate import FailOn
    from ..diff.run import DiffRequest, render_diff, run_diff
    from ..inputs import load_network

    before = load_network(job.old, input_format=job.input_format)
    after = load_network(job.new, input_format=job.input_format)
    name = name_of(job.new, after.network)
    outside = outside_references(after.network)
    warnings = tuple(dict.fromkeys(before.warnings + after.warnings))
    path = path_reports(before.network, after.network, job.formats, bool(job.sources or job.destinations),
                        job.protocol, job.ports, job.fail_on)
    if path is not None:
        reports, fails = path
        return PairDiff(name, job.old, job.new, reports, fails, warnings, outside=outside,
                        seconds=time.perf_counter() - start)
    request = DiffRequest(old=job.old, new=job.new, sources=job.sources, destinations=job.destinations,
                          protocol=job.protocol, ports=job.ports, fail_on=FailOn(job.fail_on),
                          input_format=job.input_format, parameters=job.parameters, by_profile=job.by_profile,
                          by_side=job.by_side, formats=job.formats)
    result = run_diff(request)
    reports = {fmt: render_diff(result, fmt) for fmt in dict.fromkeys(job.formats)}
    return PairDiff(name, job.old, job.new, reports, result.gate.exit_code(False) != 0, result.warnings,
                    outside=outside, seconds=time.perf_counter() - start)


def path_reports(before, after, formats, filtered: bool, protocol, ports, fail_on: str):
    """With a VPC layer on either side the diff is decided on the path: (format -> report,
    whether the gate fails); None when neither network has a VPC layer."""
    from ..diff import path_diff as path
    from ..explore.names import traffic_of

    if before.topology is None and after.topology is None:
        return None
    if filtered:
        raise InputError("--from/--to are not supported yet when a network has a VPC layer")
    if any(fmt not in ("text", "json") for fmt in formats):
        raise InputError("with a VPC layer, diff writes text or json")
    services = traffic_of(protocol, [ports] if ports else None).intervals() if (protocol or ports) else None
    changes = path.path_diff(before, after, services) if services else path.path_diff(before, after)
    reports = {fmt: path.render_json(changes) if fmt == "json" else path.render_text(changes)
               for fmt in dict.fromkeys(formats)}
    failing = {"added": lambda c: c.added, "removed": lambda c: not c.added, "any": lambda c: True}[fail_on]
    return reports, any(failing(c) for c in changes)


# -- pairs joined by a peering or a transit gateway ---------------------------------------------------

def diff_all(olds: Networks, news: Networks, job: DiffJob, backend, tick=None) -> list[PairDiff]:
    """Every pair's diff, in the order of pair_by_name: one unit of work per group of joined pairs."""
    from dataclasses import replace

    from .components import plan
    from .many import run_each

    pairs = pair_by_name(olds, news)
    found = run_each(diff_group, group_jobs(pairs, job), backend, tick)
    aws = plan([new for _, new in pairs if new is not None], job.input_format).joinable
    return [replace(pair, joinable=pair.name.path in aws) for group in found for pair in group]


def group_jobs(pairs: list[tuple[str | None, str | None]], job: DiffJob) -> list[DiffJob]:
    """One job per group of pairs that either side's plan joins; groups in the order of their first pair,
    which keeps the order of `pairs` (each group's pairs are then reported together)."""
    from dataclasses import replace

    from .components import plan

    whole = [i for i, (old, new) in enumerate(pairs) if old is not None and new is not None]
    parent = {i: i for i in range(len(pairs))}

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for side in (0, 1):
        paths = [pairs[i][side] for i in whole]
        for members in plan(paths, job.input_format).groups:
            first, *others = (whole[paths.index(m)] for m in members)
            for other in others:
                low, high = sorted((root(first), root(other)))
                parent[high] = low
    groups: dict[int, list[int]] = {}
    for i in range(len(pairs)):
        groups.setdefault(root(i), []).append(i)
    out = []
    for members in (groups[k] for k in sorted(groups)):
        old, new = pairs[members[0]]
        olds = tuple(pairs[i][0] for i in members) if len(members) > 1 else ()
        news = tuple(pairs[i][1] for i in members) if len(members) > 1 else ()
        out.append(replace(job, old=old, new=new, olds=olds, news=news))
    return out


def diff_group(job: DiffJob) -> tuple[PairDiff, ...]:
    """A group's one diff (or, for one pair, that pair's)."""
    if len(job.news) < 2:
        return (diff_pair(job),)
    from dataclasses import replace

    from ..inputs.aws.joined import load_joined
    from .joined import member_names

    start = time.perf_counter()
    with in_folder(job.cwd), not_held():
        try:
            before, after = load_joined(job.olds), load_joined(job.news)
        except InputError as error:
            first = error.diagnostics[0] if error.diagnostics else ""
            note = Diagnostic(Severity.WARNING, "", f"{' + '.join(job.news)} (and {' + '.join(job.olds)}) are "
                              f"joined by a peering or a transit gateway but cannot be read as one network "
                              f"({first}): each pair is compared on its own")
            alone = [diff_pair(replace(job, old=o, new=n, olds=(), news=())) for o, n in zip(job.olds, job.news)]
            return tuple(replace(pair, warnings=(note, *pair.warnings)) for pair in alone)
        try:
            found = path_reports(before.network, after.network, job.formats,
                                 bool(job.sources or job.destinations), job.protocol, job.ports, job.fail_on)
        except InputError as error:
            return (PairDiff(member_names(job.news, after.network)[0], " + ".join(job.olds), " + ".join(job.news),
                             errors=tuple(error.diagnostics), seconds=time.perf_counter() - start),)
    if found is None:  # no VPC layer on either side (security groups only): each pair as it always was
        return tuple(diff_pair(replace(job, old=o, new=n, olds=(), news=())) for o, n in zip(job.olds, job.news))
    reports, fails = found
    warnings = tuple(dict.fromkeys(before.warnings + after.warnings))
    return (PairDiff(member_names(job.news, after.network)[0], " + ".join(job.olds), " + ".join(job.news),
                     reports, fails, warnings, outside=outside_references(after.network),
                     seconds=time.perf_counter() - start),)
