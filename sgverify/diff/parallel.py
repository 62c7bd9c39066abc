"""diff --jobs N: the pairs of a diff compared in N worker processes.

A pair's changes depend only on the two networks, the traffic and the pair.
The pairs are cut into runs in their serial order, each run is compared in a
worker, and the runs' changes are put back in that order: the diff is the
same for every N, 1 included. Workers build their own side summaries (the
caches they fill are theirs); on Linux they inherit the loaded networks.
"""

from __future__ import annotations

from typing import Callable, Sequence

from ..gcpause import building_objects
from ..model import Network
from ..regions import Principal
from ..run.processes import map_in_processes
from ..spec import Traffic
from .engine import Change, changes_of_pairs
from .summary import SummarySets

RUNS_PER_JOB = 8  # runs differ in cost: more runs than workers keeps every worker busy

_STATE: dict = {}


def changes_in_processes(old: Network, new: Network, pairs: Sequence[tuple[Principal, Principal]],
                         traffic: Traffic | None, summaries: bool, jobs: int,
                         progress: Callable[[int, int], None] | None = None) -> tuple[list[Change], list[Change]]:
    """What changes_of_pairs returns, computed in up to `jobs` processes."""
    size = max(1, -(-len(pairs) // (jobs * RUNS_PER_JOB)))
    runs = [list(pairs[start:start + size]) for start in range(0, len(pairs), size)]
    with building_objects():  # the runs' changes come back as a million small objects, unpickled
        found = map_in_processes(_compare_run, runs, jobs, setup=_setup, setup_args=(old, new, traffic, summaries),
                                 sizes=[len(run) for run in runs], tick=progress)
    added: list[Change] = []
    removed: list[Change] = []
    for run_added, run_removed in found:
        added += run_added
        removed += run_removed
    if progress and not runs:
        progress(0, 0)
    return added, removed


def _setup(old: Network, new: Network, traffic: Traffic | None, summaries: bool) -> None:
    """Once per worker: the networks, and side summaries kept for all the runs it compares."""
    _STATE.update(old=old, new=new, traffic=traffic,
                  summaries=(SummarySets(old, traffic), SummarySets(new, traffic)) if summaries else None)


def _compare_run(pairs: list[tuple[Principal, Principal]]) -> tuple[list[Change], list[Change]]:
    return changes_of_pairs(_STATE["old"], _STATE["new"], pairs, _STATE["traffic"], _STATE["summaries"])
