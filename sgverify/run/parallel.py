"""Check assertions in worker processes (`sgverify check --jobs N`).

Work is dealt in batches: up to BATCH assertions on one network, in the order
the serial run checks them. A worker checks a batch in order with one z3
context of its own, created in the worker, after the fork: z3 contexts are
never shared between processes. Z3 may pick a different (equally valid)
counterexample depending on what a context has solved before, so each batch
starts from a fresh context: what a batch reports depends only on the batch,
never on which worker ran it or when. Output is therefore the same for every
N >= 2, run after run, and the same as the serial run whenever at most BATCH
assertions are checked against each network (beyond that, a later batch may
show another packet that violates the same assertion; verdicts never differ).

On Linux workers are forked and inherit the networks already loaded. Where
fork is not the platform's safe default (macOS, Windows) they are spawned and
receive the loaded networks pickled, never re-reading a file that may have
changed since it was resolved.

A worker that dies (killed, out of memory) raises WorkerCrashed: a result is
never silently missing.
"""

from __future__ import annotations

import multiprocessing
import sys
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from typing import Any, Callable, Sequence

from ..model import Network
from ..solve import Options
from ..solve.prove import CompiledNetwork, check_assertion
from ..solve.result import Result
from ..spec import Assertion

BATCH = 16  # assertions per batch: a fresh z3 context costs about a tenth of a second

Tick = Callable[[int, int], None]


class WorkerCrashed(RuntimeError):
    """A worker process died before returning its results (a bug or the OS killing it)."""


@dataclass(frozen=True)
class Batch:
    network: str  # path of the network, a key of the workers' networks
    assertions: tuple[Assertion, ...]


def start_method() -> str:
    """fork on Linux (workers inherit the loaded networks), spawn elsewhere."""
    if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
        return "fork"
    return "spawn"


def map_in_processes(work: Callable[[Any], Any], items: Sequence[Any], jobs: int, *,
                     setup: Callable[..., None] | None = None, setup_args: tuple = (),
                     sizes: Sequence[int] | None = None, tick: Tick | None = None,
                     method: str | None = None) -> list[Any]:
    """[work(item) for item in items], computed in up to `jobs` processes, in order.

    `setup(*setup_args)` runs once in each worker first. `tick(done, total)`
    counts finished items, each weighing sizes[i] (default 1). An exception
    raised by `work` is raised here; a worker that dies raises WorkerCrashed.
    """
    sizes = list(sizes) if sizes is not None else [1] * len(items)
    total = sum(sizes)
    if not items:
        return []
    context = multiprocessing.get_context(method or start_method())
    pool = ProcessPoolExecutor(max_workers=max(1, min(jobs, len(items))), mp_context=context,
                               initializer=setup, initargs=setup_args)
    try:
        # Every item is submitted before the first tick: with fork, the
        # workers start here, before any progress-bar thread exists.
        futures = [pool.submit(work, item) for item in items]
        weight = {future: size for future, size in zip(futures, sizes)}
        done, pending = 0, set(futures)
        if tick:
            tick(0, total)
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                future.result()  # raise a worker's exception now, not after the others finish
                done += weight[future]
            if tick:
                tick(done, total)
        return [future.result() for future in futures]
    except BrokenProcessPool as error:
        raise WorkerCrashed(f"a worker process died before returning its results ({error})") from error
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


# -- checking assertions --------------------------------------------------

_networks: dict[str, Network] = {}
_families: dict[str, dict] = {}  # per network: its compiled families, kept for the worker's life
_options = Options()


def _setup(networks: dict[str, Network], options: Options) -> None:
    global _options
    _networks.clear()
    _networks.update(networks)
    _families.clear()
    _options = options


def _check_batch(batch: Batch) -> list[Result]:
    # A fresh context for each batch (see the module docstring); the compiled
    # tables hold no z3 terms and are shared by the worker's batches.
    compiled = CompiledNetwork(_networks[batch.network], families=_families.setdefault(batch.network, {}))
    return [check_assertion(compiled, assertion, _options) for assertion in batch.assertions]


def batches(work: Sequence[tuple[str, Sequence[Assertion]]], size: int = BATCH) -> list[tuple[Batch, list]]:
    """Group every assertion by network, in the serial order, and cut each group
    into batches of at most `size`. Each batch comes with the (group, index)
    place of each of its assertions in `work`."""
    by_network: dict[str, list] = {}
    for group, (network, assertions) in enumerate(work):
        by_network.setdefault(network, []).extend((group, i, a) for i, a in enumerate(assertions))
    out = []
    for network, entries in by_network.items():
        for start in range(0, len(entries), size):
            chunk = entries[start:start + size]
            out.append((Batch(network, tuple(a for _, _, a in chunk)), [(g, i) for g, i, _ in chunk]))
    return out


def check_in_processes(work: Sequence[tuple[str, Sequence[Assertion]]], networks: dict[str, Network],
                       options: Options, tick: Tick | None = None) -> list[list[Result]]:
    """For each (network path, assertions) group, the results of check_assertion, in order."""
    cut = batches(work)
    found = map_in_processes(_check_batch, [batch for batch, _ in cut], options.jobs, setup=_setup,
                             setup_args=(networks, replace(options, jobs=1)),
                             sizes=[len(batch.assertions) for batch, _ in cut], tick=tick)
    out: list[list] = [[None] * len(assertions) for _, assertions in work]
    for (_, places), results in zip(cut, found):
        if len(results) != len(places):
            raise WorkerCrashed(f"a worker returned {len(results)} results for {len(places)} assertions")
        for (group, index), result in zip(places, results):
            # The parent's own assertion objects, not their pickled copies.
            out[group][index] = replace(result, assertion=work[group][1][index])
    return out
