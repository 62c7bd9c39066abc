"""A progress bar on a terminal, and nothing at all when stderr is not one."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Callable, Iterator

Tick = Callable[[int, int], None]


def _silent(done: int, total: int) -> None:
    return None


@contextmanager
def progress(description: str, enabled: bool | None = None) -> Iterator[Tick]:
    """Yield tick(done, total); draws a rich bar on stderr only if it is a terminal.

    The bar (and the thread that redraws it) starts at the first tick, so a
    caller can start worker processes before any thread exists.
    """
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        yield _silent
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    bar = Progress(*columns, console=Console(stderr=True), transient=True)
    task = bar.add_task(description, total=None)

    def tick(done: int, total: int) -> None:
        if not bar.live.is_started:
            bar.start()
        bar.update(task, completed=done, total=total)

    try:
        yield tick
    finally:
        if bar.live.is_started:
            bar.stop()
