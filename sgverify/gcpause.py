"""Building a large, long-lived object graph without the cyclic collector,
and, for the command line, running that collector less often and ending the
process without freeing the graph.

A 100k-rule network is a few million small objects that refer to each other
only acyclically. While they are being built, Python's cyclic collector runs
again and again over all of them for nothing; measured at 100k, that made
unpickling about 25x slower. Inside `building_objects()` the collector is off;
on leaving, the objects built are moved out of its reach (`gc.freeze`), so
later collections do not scan them either. They are still freed as usual by
reference counting when the last reference goes; only a reference cycle that
became garbage just before a freeze is kept until the process ends (the
models are acyclic, so that is a few small objects at most).
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
from contextlib import contextmanager
from typing import Iterator, NoReturn


@contextmanager
def building_objects() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


# The command line runs the cyclic collector less often. Its default (a pass
# every 700 new objects) runs it thousands of times over a 100k diff's working
# sets, which are acyclic: measured there, 1.5-2 s of a 6 s run. Cycles that do
# become garbage are still collected, a little later.
COMMAND_LINE_THRESHOLDS = (100_000, 50, 100)


def collect_less_often() -> None:
    gc.set_threshold(*COMMAND_LINE_THRESHOLDS)


# The command line ends its process without tearing the heap down: freeing a
# 100k-rule network object by object takes 1-2 s of CPU, for memory the
# operating system reclaims at once anyway. None: a library caller, whose
# objects are freed as usual.
_held_until_exit: list[object] | None = None


def hold_until_exit() -> None:
    """From now on, `held` keeps large graphs alive until the process exits."""
    global _held_until_exit
    if _held_until_exit is None:
        _held_until_exit = []


def held(graph):
    """`graph`, kept alive until exit if `hold_until_exit()` was called."""
    if _held_until_exit is not None:
        _held_until_exit.append(graph)
    return graph


@contextmanager
def not_held() -> Iterator[None]:
    """Within it `held` keeps nothing: a run over many networks frees each one
    when it is done with it, instead of holding them all to the end."""
    global _held_until_exit
    saved, _held_until_exit = _held_until_exit, None
    try:
        yield
    finally:
        _held_until_exit = saved


def exit_without_teardown(code: int) -> NoReturn:
    """Run the exit hooks (which remove temporary folders, among others), flush what was
    printed, then end the process at once (no object is freed)."""
    atexit._run_exitfuncs()  # what a normal exit runs first; os._exit runs none
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing more can be said
            pass
    os._exit(code)
