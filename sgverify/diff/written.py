"""Report rows written by the worker that compared their pairs (diff --jobs N).

A row's text asks again much of what comparing its pair asked (the side's
rules, the members of the groups they name, the far end's addresses). The
worker that compared a run of pairs has all of it at hand; a fresh process
would find it all again (at 100k rules: most of a second per worker). So
when the caller names the formats it will write, each worker writes those
rows of its runs as it compares them, and the report reads them back in
order: the same text as rows written afterwards.

A run's rows come back with its changes when they are small. Larger ones
are kept in a file of a temporary folder and read back a run at a time, so
the rows of a large diff (hundreds of MB) are never all held at once. A row
that cannot be kept in a file (no temporary folder, a full disk) comes
back with its changes instead.
"""

from __future__ import annotations

import os
import pickle
import shutil
import tempfile
import weakref
from dataclasses import dataclass, field
from typing import Iterator, Protocol, Sequence

from ..model import Network

INLINE_TOTAL = 64 << 20  # characters of rows the runs may hand back with their changes, in all


class RowWriter(Protocol):
    """Writes one format's row of a change (render.RowWriter)."""

    format: str
    profiles: object  # what the rows say of profiles (None: no profiles)

    def row(self, change, other: Network, this: Network) -> str: ...


Part = list | str  # a run's rows of one kind, or the file that holds them


@dataclass
class Spill:
    """Where a worker keeps the rows of its runs: a folder (None: no folder could be made),
    and how many characters of rows one run may hand back with its changes instead."""

    folder: str | None
    inline_limit: int

    def keep(self, texts: list[str], name: str) -> Part:
        if self.folder is None or sum(map(len, texts)) <= self.inline_limit:
            return texts
        path = os.path.join(self.folder, name)
        try:
            with open(path, "wb") as out:
                pickle.dump(texts, out, protocol=pickle.HIGHEST_PROTOCOL)
        except OSError:  # a full or unwritable disk: the rows travel with the changes
            return texts
        return path


def write_run(writers: Sequence[RowWriter], spill: Spill, run: int, added, removed,
              old: Network, new: Network) -> dict[str, tuple[Part, Part]]:
    """Each format's rows of one run's changes: (added, removed), as the report walks
    them (added rows are delivered by `new`, not by `old`; removed ones the other way)."""
    return {w.format: (spill.keep([w.row(c, old, new) for c in added], f"{w.format}.{run}.added"),
                       spill.keep([w.row(c, new, old) for c in removed], f"{w.format}.{run}.removed"))
            for w in writers}


@dataclass(eq=False)
class WrittenRows:
    """One format's rows of a whole diff, run by run; they are the rows of a report only
    on the networks and profiles they were written with (`fits`)."""

    format: str
    against: tuple  # (old, new, profiles): the objects the rows were written with
    added: list[Part] = field(default_factory=list)
    removed: list[Part] = field(default_factory=list)
    folder: "_Folder | None" = None  # kept alive while the rows may be read

    def fits(self, old: Network, new: Network, profiles) -> bool:
        return all(a is b for a, b in zip(self.against, (old, new, profiles)))

    def texts(self) -> Iterator[str]:
        """Every added row, then every removed row, in order."""
        for part in (*self.added, *self.removed):
            if isinstance(part, str):
                with open(part, "rb") as source:
                    yield from pickle.load(source)
            else:
                yield from part


class _Folder:
    """A temporary folder removed when the last set of rows in it is forgotten (or at exit)."""

    def __init__(self):
        self.path = tempfile.mkdtemp(prefix="sgverify-rows-")
        self.remove = weakref.finalize(self, shutil.rmtree, self.path, ignore_errors=True)


def new_spill(runs: int) -> tuple[_Folder | None, Spill]:
    try:
        folder = _Folder()
    except OSError:  # no usable temporary folder: every run's rows come back with its changes
        return None, Spill(None, 0)
    return folder, Spill(folder.path, INLINE_TOTAL // max(1, runs))


def gather(writers: Sequence[RowWriter], folder: _Folder, written_runs: list[dict],
           old: Network, new: Network) -> dict[str, WrittenRows]:
    """The runs' rows (in run order) as one WrittenRows per format."""
    out = {w.format: WrittenRows(w.format, (old, new, w.profiles), folder=folder) for w in writers}
    for run in written_runs:
        for name, (added, removed) in run.items():
            out[name].added.append(added)
            out[name].removed.append(removed)
    return out
