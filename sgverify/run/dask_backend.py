"""Run each network's work on a Dask distributed cluster (`--scheduler tcp://HOST:PORT`).

Dask is an optional extra (`pip install 'sgverify[distributed]'`), imported
only here, and only when a scheduler is named.

What crosses the network: to a worker, the job (paths and options, a few
hundred bytes); back, the network's verdicts. The workers read the network
and spec files themselves, so every worker must see them at the paths the
client names (a shared or copied folder), and must have the same sgverify
installed. Start workers with one thread each (`dask worker ADDRESS
--nthreads 1 --nworkers N`): the solver's work holds the GIL, so threads
add nothing.

Faults: a scheduler that cannot be reached is one line and exit 2, after a
short connect timeout (10 s, or Dask's own
DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT). A worker lost mid-run has its
networks run again on another worker by the scheduler; a task whose
workers keep dying (Dask's allowed-failures), a task that raises, or a
cluster left without any worker for NO_WORKERS_SECONDS ends the run with
WorkerCrashed, never a report missing a network.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from typing import Any, Callable, Sequence

from ..errors import InputError
from .processes import Tick, WorkerCrashed

CONNECT_SECONDS = 10.0
NO_WORKERS_SECONDS = 60.0
POLL_SECONDS = 0.2  # how often the client looks at what finished: a small share of a network's time
RETRIES = 1  # a task that raised (not a lost worker: the scheduler reruns those by itself) runs once more


def connect(address: str):
    try:
        from distributed import Client
    except ImportError:
        raise InputError("--scheduler needs Dask distributed: pip install 'sgverify[distributed]'") from None
    timeout = _connect_timeout()
    # The client's own log lines (a lost connection, a retry) are not the report's business.
    logging.getLogger("distributed").setLevel(logging.ERROR)
    try:
        return Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError) as error:
        raise InputError(f"cannot reach the Dask scheduler at {address} within {timeout:g} s "
                         f"({type(error).__name__})") from None
    except ValueError as error:
        raise InputError(f"--scheduler {address!r} is not a scheduler address such as "
                         f"tcp://HOST:8786 ({error})") from None


def _connect_timeout() -> float:
    if os.environ.get("DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT"):
        import dask
        from dask.utils import parse_timedelta

        return float(parse_timedelta(dask.config.get("distributed.comm.timeouts.connect"), "s"))
    return CONNECT_SECONDS


def map_on_cluster(work: Callable[[Any], Any], items: Sequence[Any], address: str,
                   tick: Tick | None = None) -> list[Any]:
    """[work(item) for item in items], each item one task on the cluster, results in order."""
    client = connect(address)
    run = uuid.uuid4().hex[:12]
    try:
        futures = client.map(work, list(items), key=[f"sgverify-{run}-{i}" for i in range(len(items))],
                             retries=RETRIES, pure=False)
        position = {future.key: i for i, future in enumerate(futures)}
        pending, without_workers_since = set(futures), None
        if tick:
            tick(0, len(futures))
        last_look = time.monotonic()
        while pending:
            # The futures' states are kept up to date by the client's own thread: looking is cheap.
            finished = [future for future in pending if future.done()]
            pending.difference_update(finished)
            for future in finished:
                _raise_failure(future, items[position[future.key]])
            if finished and tick:
                tick(len(futures) - len(pending), len(futures))
            if time.monotonic() - last_look > 5:
                without_workers_since, last_look = _watch_workers(client, without_workers_since), time.monotonic()
            if pending and not finished:
                time.sleep(POLL_SECONDS)
        return client.gather(futures)
    finally:
        client.close()


def _raise_failure(future, item) -> None:
    if future.status == "error":
        error = future.exception()
        raise WorkerCrashed(f"the cluster could not run the work for {getattr(item, 'path', item)}: "
                            f"{type(error).__name__}: {error}") from error
    if future.status == "cancelled":
        raise WorkerCrashed(f"the cluster cancelled the work for {getattr(item, 'path', item)}")


def _watch_workers(client, since: float | None) -> float | None:
    """When the cluster has had no worker at all for NO_WORKERS_SECONDS, end the run."""
    if client.scheduler_info().get("workers"):
        return None
    now = time.monotonic()
    if since is not None and now - since > NO_WORKERS_SECONDS:
        raise WorkerCrashed(f"the Dask cluster has had no worker for {NO_WORKERS_SECONDS:g} s: "
                            f"start workers (dask worker ADDRESS) and run again")
    return since if since is not None else now
