"""Many networks in one run: which files `--network` names, and each network's work.

`--network` names many networks when it is given more than once, when it is
a glob (`snapshots/*.json`, quoted so the shell leaves it alone), or when it
is a folder holding two or more `sgverify snapshot` files (JSON whose first
key is `SgverifySnapshot`). Any other folder stays one network, as before: a
Terraform folder, or AWS describe output split over several files.

AWS networks joined by a peering or a transit gateway across files are
analysed together, the others each on its own (run/components.py,
run/joined.py). The unit of work is a component: a plain function of
picklable values (`check_group`, `lint_group` in run/joined.py; for one
network `check_network`, `lint_network` here), run here, in local worker
processes (`--jobs N`) or on a Dask cluster (`--scheduler`), and what it
returns depends only on its input, so every way gives the same report. An
input error in one network is that network's error entry; the others are
still checked.
"""

from __future__ import annotations

import glob
import os
import re
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

from ..errors import Diagnostic, InputError
from ..gcpause import not_held
from ..model.topology import TargetKind
from ..report.networks import NetworkCheck, NetworkName
from ..solve import Options

Tick = Callable[[int, int], None]
_GLOB = re.compile(r"[*?\[]")
_SNAPSHOT_HEAD = re.compile(rb'^\s*\{\s*"SgverifySnapshot"\s*:')


@dataclass(frozen=True)
class Networks:
    paths: tuple[str, ...]
    many: bool  # report each verdict with its network (False: one network, the usual report)
    # Each path's name within what named it: the part a glob or a folder of snapshots matched
    # (`111122223333/eu-west-1.json`), else the file name; diff pairs its two sides by these.
    names: tuple[str, ...] = ()


def expand_networks(values: Sequence[str]) -> Networks:
    """The networks that the `--network` values name, in order, each once."""
    found: dict[str, str] = {}  # path -> its name
    many = len(values) > 1
    for value in values:
        if _GLOB.search(value) and not os.path.exists(value):
            matches = sorted(glob.glob(value, recursive=True))
            if not matches:
                raise InputError(f"--network {value!r} matches no file")
            root = _fixed_part(value)
            found.update((m, os.path.relpath(m, root)) for m in matches if m not in found)
            many = True
        elif snapshot_files(value):
            found.update((f, os.path.relpath(f, value)) for f in snapshot_files(value) if f not in found)
            many = True
        elif value not in found:
            found[value] = Path(value).name
    return Networks(tuple(found), many, tuple(found.values()))


def _fixed_part(pattern: str) -> str:
    """The folder a glob starts from: its parts before the first with a wildcard."""
    parts = Path(pattern).parts
    fixed = next((i for i, part in enumerate(parts) if _GLOB.search(part)), len(parts))
    return str(Path(*parts[:fixed])) if fixed else "."


def snapshot_files(folder: str) -> list[str]:
    """The snapshot files of a folder of two or more of them, else []."""
    where = Path(folder)
    if not where.is_dir() or any(p.suffix == ".tf" for p in where.iterdir()):
        return []
    files = sorted(p for p in where.rglob("*.json") if p.is_file())
    if len(files) < 2 or not all(_is_snapshot(p) or _laid_out(p, where) for p in files):
        return []
    return [str(p) for p in files]


_LAYOUT = re.compile(r"[0-9]{12}/[a-z]{2}(-[a-z]+)+-[0-9]+\.json")


def _laid_out(path: Path, folder: Path) -> bool:
    """Whether the file sits where `snapshot` writes one (ACCOUNT/REGION.json): a
    damaged snapshot is then its own network's error, not the folder's."""
    return bool(_LAYOUT.fullmatch(path.relative_to(folder).as_posix()))


def _is_snapshot(path: Path) -> bool:
    with path.open("rb") as handle:
        return bool(_SNAPSHOT_HEAD.match(handle.read(4096)))


def name_of(path: str, network) -> NetworkName:
    """The network's path, with the account and Region its snapshot records (or,
    failing that, the one its VPCs all share)."""
    account, region = getattr(network, "account", "") or "", getattr(network, "region", "") or ""
    vpcs = network.topology.vpcs.values() if network.topology is not None else ()
    if not account:
        account = _only({getattr(v, "account", "") for v in vpcs})
    if not region:
        region = _only({getattr(v, "region", "") for v in vpcs})
    return NetworkName(path, account, region)


def _only(values: set[str]) -> str:
    values.discard("")
    return values.pop() if len(values) == 1 else ""


def outside_references(network, files: Sequence[str] | None = None) -> tuple[str, ...]:
    """Peerings and transit gateways the network refers to but does not hold: another
    file's VPC or gateway, which no file of this run joins to this one. `files`: only
    the references written in these files (one file of a joined network)."""
    topology = network.topology
    if topology is None:
        return ()

    def mine(element) -> bool:
        return files is None or any(element.origin.file == f for f in files)

    found = [f"peering {p.key} to {vpc}" for p in topology.peerings.values() if mine(p)
             for vpc in (p.requester_vpc, p.accepter_vpc) if vpc not in topology.vpcs]
    found += [f"transit gateway {a.transit_gateway} (attachment {a.key})" for a in topology.tgw_attachments.values()
              if a.transit_gateway not in topology.transit_gateways and mine(a)]
    found += [f"transit gateway peering attachment {a.key}" for a in topology.tgw_attachments.values()
              if a.kind != "vpc" and "peering" in a.kind and mine(a)]
    known = {TargetKind.PEERING: topology.peerings, TargetKind.TRANSIT_GATEWAY: topology.transit_gateways}
    found += [f"route {route} of {table.key} to {route.target_kind.value} {route.target}"
              for table in topology.route_tables.values() if mine(table) for route in table.routes
              if route.target_kind in known and route.target and route.target not in known[route.target_kind]]
    return tuple(dict.fromkeys(found))


# -- the work for one network -------------------------------------------------

@dataclass(frozen=True)
class CheckJob:
    path: str
    specs: tuple[str, ...]
    input_format: str | None = None
    parameters: Mapping[str, str] = field(default_factory=dict)
    options: Options = field(default_factory=Options)
    cwd: str = ""  # relative paths are relative to this folder (a cluster worker's own may differ)
    joined: tuple[str, ...] = ()  # the paths of its component, when it has two or more (run/joined.py)


def check_network(job: CheckJob) -> NetworkCheck:
    """Check every spec against one network; an input error is the network's error entry."""
    from .check import CheckRequest, prepare, run_check

    start = time.perf_counter()
    request = CheckRequest(specs=job.specs, network=job.path, input_format=job.input_format,
                           parameters=job.parameters, options=replace(job.options, jobs=1))
    with in_folder(job.cwd), not_held():
        try:
            prepared = prepare(request)
        except InputError as error:
            return NetworkCheck(NetworkName(job.path), errors=tuple(error.diagnostics),
                                seconds=time.perf_counter() - start)
        network = prepared[0][2].network
        outcomes = run_check(request, prepared=prepared)
    return NetworkCheck(name_of(job.path, network), tuple(outcomes), outside=outside_references(network),
                        seconds=time.perf_counter() - start)


@dataclass(frozen=True)
class LintJob:
    path: str
    input_format: str | None = None
    cwd: str = ""
    joined: tuple[str, ...] = ()


@dataclass(frozen=True)
class NetworkLint:
    name: NetworkName
    findings: tuple = ()
    errors: tuple[Diagnostic, ...] = ()
    warnings: tuple[Diagnostic, ...] = ()
    outside: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


def lint_network(job: LintJob) -> NetworkLint:
    from ..explore.lint import lint
    from ..inputs import load_network

    with in_folder(job.cwd), not_held():
        try:
            loaded = load_network(job.path, input_format=job.input_format)
        except InputError as error:
            return NetworkLint(NetworkName(job.path), errors=tuple(error.diagnostics))
        return NetworkLint(name_of(job.path, loaded.network), tuple(lint(loaded.network)),
                           warnings=loaded.warnings, outside=outside_references(loaded.network))


_folder_lock = threading.Lock()


@contextmanager
def in_folder(folder: str) -> Iterator[None]:
    """Relative paths resolved as the caller meant them: a cluster worker runs in a
    folder of its own. One network at a time per process changes folder (a lock),
    since the working folder belongs to the whole process."""
    if not folder or os.path.abspath(folder) == os.getcwd():
        yield
        return
    with _folder_lock:
        before = os.getcwd()
        os.chdir(folder)
        try:
            yield
        finally:
            os.chdir(before)


# -- where the work runs --------------------------------------------------------

@dataclass(frozen=True)
class Backend:
    jobs: int = 1
    scheduler: str | None = None  # a Dask scheduler's address: the work goes to its cluster


def run_each(work: Callable[[Any], Any], items: Sequence[Any], backend: Backend,
             tick: Tick | None = None) -> list[Any]:
    """[work(item) for item in items], in order: here, in local processes or on a Dask cluster."""
    if backend.scheduler:
        from .dask_backend import map_on_cluster

        return map_on_cluster(work, items, backend.scheduler, tick)
    if backend.jobs > 1 and len(items) > 1:
        from .processes import map_in_processes

        return map_in_processes(work, items, backend.jobs, tick=tick)
    out = []
    for done, item in enumerate(items):
        if tick:
            tick(done, len(items))
        out.append(work(item))
    if tick:
        tick(len(items), len(items))
    return out

