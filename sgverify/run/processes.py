"""Map a function over items in N worker processes, in order (check --jobs, diff --jobs).

On Linux workers are forked and inherit what the caller has loaded; where
fork is not the platform's safe default (macOS, Windows) they are spawned
and receive the setup arguments pickled. A worker that dies (killed, out of
memory) raises WorkerCrashed: a result is never silently missing. A parent
that dies (even by SIGKILL) takes its workers with it on Linux.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from itertools import islice
from typing import Any, Callable, Iterator, Sequence

Tick = Callable[[int, int], None]
PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when its parent dies


class WorkerCrashed(RuntimeError):
    """A worker process died before returning its results (a bug or the OS killing it)."""


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
    pool = _pool(jobs, len(items), setup, setup_args, method)
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


def ordered_in_processes(work: Callable[[Any], Any], items: Sequence[Any], jobs: int, *,
                         setup: Callable[..., None] | None = None, setup_args: tuple = (),
                         method: str | None = None, ahead: int = 2) -> Iterator[Any]:
    """work(item) for each item, computed in up to `jobs` processes and yielded in order as
    they come: at most `ahead` items per worker are in flight, so results wait for the
    consumer a few at a time, never all at once (a report written as it is made)."""
    if not items:
        return
    workers = max(1, min(jobs, len(items)))
    pool = _pool(jobs, len(items), setup, setup_args, method)
    try:
        pending: deque = deque()
        following = iter(items)
        for item in islice(following, workers * ahead):
            pending.append(pool.submit(work, item))
        while pending:
            result = pending.popleft().result()
            for item in islice(following, 1):
                pending.append(pool.submit(work, item))
            yield result
    except BrokenProcessPool as error:
        raise WorkerCrashed(f"a worker process died before returning its results ({error})") from error
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _pool(jobs: int, items: int, setup: Callable[..., None] | None, setup_args: tuple,
          method: str | None) -> ProcessPoolExecutor:
    context = multiprocessing.get_context(method or start_method())
    return ProcessPoolExecutor(max_workers=max(1, min(jobs, items)), mp_context=context,
                               initializer=_start_worker, initargs=(os.getpid(), setup, setup_args))


def _start_worker(parent: int, setup: Callable[..., None] | None, setup_args: tuple) -> None:
    _end_with(parent)
    if setup is not None:
        setup(*setup_args)


def _end_with(parent: int) -> None:
    """On Linux, have the kernel end this worker when its parent dies, even by SIGKILL or
    the OOM killer: a worker left behind would wait for work forever. Elsewhere the
    parent's own shutdown is all there is."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        return  # no prctl to call: the parent's shutdown still ends the worker
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)
