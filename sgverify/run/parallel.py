"""Check assertions in batches, in this process or in N worker processes.

Z3 may pick a different (equally valid) counterexample for an assertion
depending on what its context solved before. So that `--jobs N` changes only
the time taken, assertions are checked in batches, and each batch starts
from a fresh z3 context: up to BATCH assertions on one network, in spec
order. What a batch reports depends only on the batch, never on the process
that ran it or when, so every N (1 included) gives the same output, run after
run. Within a batch the context is reused, which is what keeps this cheap.

A worker builds its own z3 contexts, after the fork: none is ever shared
between processes. On Linux workers are forked and inherit the networks
already loaded. Where fork is not the platform's safe default (macOS,
Windows) they are spawned and receive the loaded networks pickled, never
re-reading a file that may have changed since it was resolved.

A worker that dies (killed, out of memory) raises WorkerCrashed: a result is
never silently missing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

from ..model import Network
from ..solve import Options
from ..solve.prove import CompiledNetwork, check_assertion
from ..solve.result import Result
from ..spec import Assertion
from .processes import Tick, WorkerCrashed, map_in_processes

# Assertions per batch: big enough that a fresh z3 context (about a tenth of a
# second) is a small part of a batch, small enough to spread over the workers.
BATCH = 32


# -- checking assertions --------------------------------------------------

Work = Sequence[tuple[str, Sequence[Assertion]]]  # per spec: (network path, its assertions)


@dataclass(frozen=True)
class Batch:
    network: str  # path of the network
    assertions: tuple[Assertion, ...]
    places: tuple[tuple[int, int], ...]  # (spec, index) of each assertion in the Work


def batches(work: Work, size: int = BATCH) -> list[Batch]:
    """Group the assertions by network, in the order given, and cut each group
    into batches of at most `size`."""
    by_network: dict[str, list] = {}
    for group, (network, assertions) in enumerate(work):
        by_network.setdefault(network, []).extend(((group, i), a) for i, a in enumerate(assertions))
    return [Batch(network, tuple(a for _, a in entries[start:start + size]),
                  tuple(place for place, _ in entries[start:start + size]))
            for network, entries in by_network.items() for start in range(0, len(entries), size)]


def check_batch(network: Network, families: dict, batch: Batch, options: Options) -> list[Result]:
    """Check a batch in order, in a z3 context of its own (see the module
    docstring); `families` (compiled tables, no z3 terms) is shared and filled."""
    compiled = CompiledNetwork(network, families=families)
    return [check_assertion(compiled, assertion, options) for assertion in batch.assertions]


def check_serially(work: Work, networks: dict[str, Network], families: dict[str, dict],
                   options: Options, tick: Tick | None = None) -> list[list[Result]]:
    """What check_in_processes returns, computed in this process."""
    cut = batches(work)
    total, done, found = sum(len(b.assertions) for b in cut), 0, []
    if tick:
        tick(0, total)
    for batch in cut:
        found.append(check_batch(networks[batch.network], families.setdefault(batch.network, {}), batch, options))
        done += len(batch.assertions)
        if tick:
            tick(done, total)
    return _placed(work, cut, found)


def check_in_processes(work: Work, networks: dict[str, Network], options: Options,
                       tick: Tick | None = None, method: str | None = None) -> list[list[Result]]:
    """For each spec of `work`, the results of its assertions, in order, checked
    in options.jobs worker processes."""
    cut = batches(work)
    found = map_in_processes(_check_in_worker, cut, options.jobs, setup=_setup,
                             setup_args=(networks, replace(options, jobs=1)),
                             sizes=[len(b.assertions) for b in cut], tick=tick, method=method)
    return _placed(work, cut, found)


def _placed(work: Work, cut: list[Batch], found: list[list[Result]]) -> list[list[Result]]:
    out: list[list] = [[None] * len(assertions) for _, assertions in work]
    for batch, results in zip(cut, found):
        if len(results) != len(batch.places):
            raise WorkerCrashed(f"{len(results)} results came back for {len(batch.places)} assertions")
        for (group, index), result in zip(batch.places, results):
            # The caller's own assertion objects, not pickled copies.
            out[group][index] = replace(result, assertion=work[group][1][index])
    return out


# In each worker: the networks it was given and their compiled tables.
_networks: dict[str, Network] = {}
_families: dict[str, dict] = {}
_options = Options()


def _setup(networks: dict[str, Network], options: Options) -> None:
    global _options
    _networks.clear()
    _networks.update(networks)
    _families.clear()
    _options = options


def _check_in_worker(batch: Batch) -> list[Result]:
    return check_batch(_networks[batch.network], _families.setdefault(batch.network, {}), batch, _options)
