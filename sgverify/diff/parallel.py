"""diff --jobs N: the pairs of a diff compared, and its rows written, in N worker processes.

A pair's changes depend only on the two networks, the traffic and the pair.
The pairs are cut into runs in their serial order, each run is compared in a
worker, and the runs' changes are put back in that order: the diff is the
same for every N, 1 included. Workers build their own side summaries (the
caches they fill are theirs); on Linux they inherit the loaded networks.
A row's text depends only on its change and the networks, so rows are
written the same way: runs of rows in workers, joined in order; or, when
the caller names its formats first, by the worker that compared the pairs
(written.py), whose caches hold most of what the rows ask.
"""

from __future__ import annotations

from typing import Callable, Iterator, Sequence

from ..gcpause import building_objects
from ..model import Network
from ..regions import Principal
from ..run.processes import map_in_processes, ordered_in_processes
from ..spec import Traffic
from .engine import Change, changes_of_pairs
from .summary import SummarySets
from .written import RowWriter, Spill, WrittenRows, gather, new_spill, write_run

RUNS_PER_JOB = 8  # runs differ in cost: more runs than workers keeps every worker busy

_STATE: dict = {}


def changes_in_processes(old: Network, new: Network, pairs: Sequence[tuple[Principal, Principal]],
                         traffic: Traffic | None, summaries: bool, jobs: int,
                         progress: Callable[[int, int], None] | None = None, writers: Sequence[RowWriter] = (),
                         ) -> tuple[list[Change], list[Change], dict[str, WrittenRows]]:
    """What changes_of_pairs returns, computed in up to `jobs` processes, and the rows of each
    of the writers' formats, written by the worker that compared them (written.py)."""
    size = max(1, -(-len(pairs) // (jobs * RUNS_PER_JOB)))
    runs = [(number, list(pairs[start:start + size])) for number, start in enumerate(range(0, len(pairs), size))]
    folder, spill = new_spill(len(runs)) if writers else (None, None)
    with building_objects():  # the runs' changes come back as a million small objects, unpickled
        found = map_in_processes(_compare_run, runs, jobs, setup=_setup,
                                 setup_args=(old, new, traffic, summaries, tuple(writers), spill),
                                 sizes=[len(run) for _, run in runs], tick=progress)
    added: list[Change] = []
    removed: list[Change] = []
    for run_added, run_removed, _ in found:
        added += run_added
        removed += run_removed
    written = gather(writers, folder, [rows for _, _, rows in found], old, new) if writers else {}
    return added, removed, written


def _setup(old: Network, new: Network, traffic: Traffic | None, summaries: bool,
           writers: tuple[RowWriter, ...] = (), spill: Spill | None = None) -> None:
    """Once per worker: the networks, and side summaries kept for all the runs it compares."""
    _STATE.update(old=old, new=new, traffic=traffic, writers=writers, spill=spill,
                  summaries=(SummarySets(old, traffic), SummarySets(new, traffic)) if summaries else None)


def _compare_run(run: tuple[int, list[tuple[Principal, Principal]]]) -> tuple[list[Change], list[Change], dict]:
    number, pairs = run
    old, new = _STATE["old"], _STATE["new"]
    added, removed = changes_of_pairs(old, new, pairs, _STATE["traffic"], _STATE["summaries"])
    rows = write_run(_STATE["writers"], _STATE["spill"], number, added, removed, old, new) if _STATE["writers"] else {}
    return added, removed, rows


# -- writing the rows of a report -----------------------------------------------

# A row weighs 1, plus 1 per 64 address ranges it lists (a side row may list thousands).
PARALLEL_WEIGHT = 2000  # lighter reports are written in this process: a fork costs more
RUN_WEIGHT = 500


def rows(render_row: Callable[..., str], sections: Sequence[tuple[Sequence[Change], tuple]],
         jobs: int) -> Iterator[str]:
    """render_row(change, *context) for each change of each (changes, context) section, in
    order; written in `jobs` worker processes when there are many, a run of rows at a
    time, as the report is written. One pool serves every section (a report's added and
    removed rows). Closing this generator early (the reader went away) stops the workers."""
    flat = [(change, context) for changes, context in sections for change in changes]
    weights = [1 + (len(c.region.sources) + len(c.region.destinations)) // 64 for c, _ in flat] if jobs > 1 else []
    if jobs <= 1 or sum(weights) < PARALLEL_WEIGHT:
        yield from (render_row(change, *context) for change, context in flat)
        return
    bounds = _runs(weights)
    runs = ordered_in_processes(_render_run, bounds, jobs, setup=_setup_rows, setup_args=(render_row, flat))
    try:
        for run in runs:
            yield from run
    finally:
        runs.close()


def _runs(weights: list[int]) -> list[tuple[int, int]]:
    """(start, end) of consecutive rows weighing about RUN_WEIGHT each."""
    bounds, start, held = [], 0, 0
    for number, weight in enumerate(weights):
        held += weight
        if held >= RUN_WEIGHT:
            bounds.append((start, number + 1))
            start, held = number + 1, 0
    return bounds + ([(start, len(weights))] if start < len(weights) else [])


def _setup_rows(render_row: Callable[..., str], flat: Sequence[tuple[Change, tuple]]) -> None:
    _STATE.update(render=(render_row, flat))


def _render_run(bounds: tuple[int, int]) -> list[str]:
    render_row, flat = _STATE["render"]
    return [render_row(change, *context) for change, context in flat[bounds[0]:bounds[1]]]
