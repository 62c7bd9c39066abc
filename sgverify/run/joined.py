"""The work for one component of a run over many networks: its files read as one
network (inputs/aws/joined.py), each file's verdicts decided on that network.

Each file of a component is still reported as itself: the spec's names are
resolved among that file's own groups and interfaces (as when it was checked
alone, so a name that two accounts both use, such as `default`, still names
this account's), and `any`, `internet` and addresses mean what they mean on
the joined network. The verdicts are then decided on the whole component, so
a peer VPC in another file is its routes, NACLs and groups, no longer a free
choice. A name that only another file of the component holds is looked up
on the whole component.

Bad input: when the component cannot be read as one (a file that cannot be
read, or two files describing one object differently), each file is checked
alone, exactly as without joining; the bad file is then its own error entry,
and every file of the component carries one note naming the component and
the first problem. Joining is only ever more precise, never needed to be
sound: a file alone treats what lies beyond it as a free choice.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Sequence

from ..errors import Diagnostic, InputError
from ..gcpause import held, not_held
from ..report.networks import NetworkCheck, NetworkName
from .many import CheckJob, LintJob, NetworkLint, _only, check_network, in_folder, lint_network, outside_references


def check_group(job: CheckJob) -> tuple[NetworkCheck, ...]:
    """Every network of `job.joined` (or `job.path` alone), in the order named."""
    if len(job.joined) < 2:
        return (check_network(job),)
    from ..inputs.aws.joined import load_joined

    start = time.perf_counter()
    with in_folder(job.cwd), not_held():
        try:
            loaded = load_joined(job.joined)
        except InputError as error:
            note = _not_joined(job.joined, error)
            return tuple(replace(check_network(replace(job, path=p, joined=())), notes=(note,)) for p in job.joined)
        from ..solve.prove import CompiledNetwork

        compiled = held(CompiledNetwork(loaded.network))
        names = member_names(job.joined, loaded.network)
        out = tuple(_check_member(job, i, loaded, compiled, names) for i in range(len(job.joined)))
    seconds = (time.perf_counter() - start) / len(out)
    return tuple(replace(check, seconds=seconds) for check in out)


def _not_joined(paths: Sequence[str], error: InputError) -> str:
    first = error.diagnostics[0] if error.diagnostics else ""
    return (f"{' + '.join(paths)} are joined by a peering or a transit gateway but cannot be read as one "
            f"network ({first}): each is checked on its own")


def member_files(path: str) -> tuple[str, ...]:
    """The files a network path was read from: itself, or a folder's *.json files."""
    where = Path(path)
    if where.is_dir():
        return tuple(str(p) for p in sorted(where.rglob("*.json")) if p.is_file())
    return (str(where),)


def belongs(location: str, files: Sequence[str]) -> bool:
    return any(location == f or location.startswith(f + ":") for f in files)


def _listed_under(location: str, files: Sequence[str], others: Sequence[str], first: bool) -> bool:
    """A finding or warning is listed under the file it is written in; one written in no
    file of the component (the joining itself, say) under the first file."""
    return belongs(location, files) or (first and not belongs(location, others))


def member_names(paths: Sequence[str], network) -> list[NetworkName]:
    """Each file's name: its path, the account and Region of its own VPCs, the others it is joined with."""
    own = []
    for path in paths:
        files = member_files(path)
        vpcs = [v for v in network.topology.vpcs.values() if belongs(v.origin.file, files)] \
            if network.topology is not None else []
        own.append(NetworkName(path, _only({v.account for v in vpcs}), _only({v.region for v in vpcs})))
    return [replace(name, joined=tuple(n for n in own if n is not name)) for name in own]


def _check_member(job: CheckJob, index: int, loaded, compiled, names: list[NetworkName]) -> NetworkCheck:
    from .check import CheckRequest, run_check

    path, name = job.joined[index], names[index]
    files = member_files(path)
    others = [f for i, p in enumerate(job.joined) if i != index for f in member_files(p)]
    request = CheckRequest(specs=job.specs, network=" + ".join(job.joined), input_format=job.input_format,
                           parameters=job.parameters, options=replace(job.options, jobs=1))
    warnings = [w for w in loaded.warnings if _listed_under(w.location, files, others, index == 0)]
    try:
        prepared = _prepare(request, loaded.network, view_of(loaded.network, others), compiled, warnings, name)
    except InputError as error:
        return NetworkCheck(name, errors=tuple(error.diagnostics))
    outcomes = run_check(request, prepared=prepared)
    return NetworkCheck(name, tuple(outcomes), outside=outside_references(loaded.network, files))


def view_of(network, other_files: Sequence[str]):
    """The network without the groups and interfaces another file of the component describes:
    what a spec's names mean for this file."""
    groups = {k: g for k, g in network.groups.items() if not belongs(g.origin.file, other_files)}
    resources = {k: r for k, r in network.resources.items() if not belongs(r.origin.file, other_files)}
    return replace(network, groups=groups, resources=resources)


def _prepare(request, network, view, compiled, warnings: list[Diagnostic], name: NetworkName) -> list[tuple]:
    """As run/check.py `prepare`, with the spec's names resolved on this file's view."""
    from ..spec.parse import load_spec

    prepared, errors = [], []
    for spec_path in request.specs:
        try:
            doc = load_spec(spec_path)
            if doc.baseline:
                raise InputError(f"{spec_path}: `baseline:` compares one network with another, and "
                                 f"{name.label} is analysed together with the networks it is joined with: "
                                 f"check it with --network {name.path} alone")
            spec, found = _resolve(doc, view, network)
            prepared.append((spec, request.network, compiled, warnings + list(found), (doc, None)))
        except InputError as error:
            errors.extend(error.diagnostics)
    if errors:
        raise InputError(list(dict.fromkeys(errors)))
    return prepared


def _resolve(doc, view, network):
    """Names among this file's own elements; failing that, among the component's (a name only
    another file holds). When both fail, the file's own problems are the ones reported."""
    from ..spec.resolve import resolve_spec

    try:
        return resolve_spec(doc, view)
    except InputError as own:
        try:
            return resolve_spec(doc, network)
        except InputError:
            raise own from None


def lint_group(job: LintJob) -> tuple[NetworkLint, ...]:
    """Lint a component as one network; each finding is listed under the file it is written in."""
    if len(job.joined) < 2:
        return (lint_network(job),)
    from ..explore.lint import lint
    from ..inputs.aws.joined import load_joined

    with in_folder(job.cwd), not_held():
        try:
            loaded = load_joined(job.joined)
        except InputError as error:
            note = _not_joined(job.joined, error)
            return tuple(replace(lint_network(replace(job, path=p, joined=())), notes=(note,))
                         for p in job.joined)
        findings = lint(loaded.network)
        names = member_names(job.joined, loaded.network)
        files = [member_files(p) for p in job.joined]
        out = []
        for i, name in enumerate(names):
            others = [f for j, fs in enumerate(files) if j != i for f in fs]
            mine = [f for f in findings if _listed_under(f.location, files[i], others, i == 0)]
            warnings = tuple(w for w in loaded.warnings if _listed_under(w.location, files[i], others, i == 0))
            out.append(NetworkLint(name, tuple(mine), warnings=warnings,
                                   outside=outside_references(loaded.network, files[i])))
        return tuple(out)
