"""A cache of loaded networks, keyed by content.

Reading a 100k-rule estate takes seconds; loading the same network from a
pickle takes a fraction of that. An entry is found only by a key that covers
everything the result depends on, so a stale entry can never be used:

- the bytes of the input file and the path it was named by (origins print it);
- the input format and parameters asked for;
- the bytes of every module of this package and the Python version (a new
  sgverify or a changed model never reads an old entry).

Only single-file inputs are cached: a folder (Terraform modules, AWS
snapshots) may draw on files outside it, which the key could not cover.
Small files are not cached either: reading them costs less than the cache.

A large input's new entry is written by a forked child while the command goes
on (the command waits for it before it exits), so a first run costs little
more than a run without the cache.

Within one process, the same file (path, bytes, format, parameters) is read
once while its result is alive, cache on or off: `diff` asks for each network
twice (whether it has a VPC layer, then the diff itself), and a 100k-rule
estate takes seconds to read.

Settings (environment): SGVERIFY_CACHE=0 turns the cache off;
SGVERIFY_CACHE_DIR moves it (default: $XDG_CACHE_HOME/sgverify or
~/.cache/sgverify); SGVERIFY_CACHE_MIN_BYTES sets the smallest input cached
(default 512 KiB). Entries are pickles, so the folder must be the user's own:
one that others can write to is not used.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import pickle
import stat
import sys
import tempfile
import threading
import weakref
from functools import lru_cache
from pathlib import Path
from typing import Callable, Mapping, TypeVar

from ..gcpause import building_objects

T = TypeVar("T")

DEFAULT_MIN_BYTES = 512 * 1024
KEEP_ENTRIES = 16  # the newest entries kept; older ones are removed on write


def cache_dir() -> Path | None:
    """The cache folder, or None when the cache is off."""
    if os.environ.get("SGVERIFY_CACHE", "1").strip().lower() in ("0", "off", "no", "false"):
        return None
    chosen = os.environ.get("SGVERIFY_CACHE_DIR")
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "sgverify"


def _min_bytes() -> int:
    try:
        return int(os.environ.get("SGVERIFY_CACHE_MIN_BYTES", DEFAULT_MIN_BYTES))
    except ValueError:
        return DEFAULT_MIN_BYTES


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A digest of this package's modules and the Python version."""
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256(sys.version.encode())
    for module in sorted(package.rglob("*.py")):
        digest.update(str(module.relative_to(package)).encode() + b"\0")
        digest.update(module.read_bytes())
    return digest.hexdigest()


# Results read in this process, by what they were read from; an entry goes with its
# result, so a run that frees each network when done with it still frees it.
_ALIVE: weakref.WeakValueDictionary = weakref.WeakValueDictionary()


def cached(path: str, chosen: str, parameters: Mapping[str, str], read: Callable[[], T]) -> T:
    """`read()`, or its result from an earlier read in this process or run on the same content."""
    folder = cache_dir()
    where = Path(path)
    if not where.is_file() or where.stat().st_size < _min_bytes():
        return read()
    content = where.read_bytes()
    alive_key = _alive_key(str(path), chosen, parameters, content)
    found = _ALIVE.get(alive_key)
    if found is not None:
        return found
    key = _key(str(path), chosen, parameters, content) if folder is not None else ""
    found = _load(folder / f"{key}.pickle", folder) if folder is not None else None
    if found is None:
        found = read()
        if folder is not None and where.read_bytes() == content:  # unchanged while it was read
            store = _store_in_background if len(content) >= BACKGROUND_BYTES else _store
            store(folder / f"{key}.pickle", folder, found)
    _remember(alive_key, found)
    return found


def _alive_key(path: str, chosen: str, parameters: Mapping[str, str], content: bytes) -> tuple:
    """Within one process the code cannot change: the input and its reading are the key."""
    return path, chosen, tuple(sorted(parameters.items())), hashlib.sha256(content).digest()


def _remember(key: tuple, result) -> None:
    try:
        _ALIVE[key] = result
    except TypeError:  # a result that cannot be referred to weakly is read again next time
        pass


def _key(path: str, chosen: str, parameters: Mapping[str, str], content: bytes) -> str:
    digest = hashlib.sha256(code_fingerprint().encode())
    for part in (path, chosen, repr(sorted(parameters.items()))):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    digest.update(content)
    return digest.hexdigest()


def _usable(folder: Path) -> bool:
    """The folder exists, is ours and no one else can write to it."""
    try:
        info = folder.stat()
    except OSError:
        return False
    if not stat.S_ISDIR(info.st_mode) or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return False
    return not hasattr(os, "getuid") or info.st_uid == os.getuid()


def _load(entry: Path, folder: Path):
    if not _usable(folder) or not entry.is_file():
        return None
    try:
        with building_objects():
            found = pickle.loads(entry.read_bytes())
    except Exception:  # a damaged or foreign entry: read the input instead
        return None
    try:
        os.utime(entry)  # recently used: kept longest
    except OSError:
        pass
    return found


def _store(entry: Path, folder: Path, result) -> None:
    """Write atomically; a cache that cannot be written is skipped, not an error."""
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not _usable(folder):
            return
        data = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        handle, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, entry)
        finally:
            Path(temporary).unlink(missing_ok=True)
        _prune(folder)
    except (OSError, pickle.PicklingError, RecursionError):
        return


# Inputs from which a new entry is written by a forked child while the command goes
# on: pickling a 100k-rule estate takes most of a second, a fork a few milliseconds.
BACKGROUND_BYTES = 4 * 1024 * 1024
_WRITERS: list[int] = []  # children writing entries; waited for before the process exits


def _store_in_background(entry: Path, folder: Path, result) -> None:
    """_store in a child process, where one can be forked safely (no other thread runs:
    a child of a threaded process may find a lock held forever); else here and now."""
    if not hasattr(os, "fork") or threading.active_count() > 1:
        _store(entry, folder, result)
        return
    wait_for_writers()  # one at a time: a run reading many networks holds at most two copies
    try:
        child = os.fork()
    except OSError:
        _store(entry, folder, result)
        return
    if child == 0:  # the child: write, then end without running the parent's exit hooks
        code = 1
        try:
            _store(entry, folder, result)
            code = 0
        finally:
            os._exit(code)
    if not _WRITERS and not _EXIT_HOOK:
        atexit.register(wait_for_writers)
        _EXIT_HOOK.append(True)
    _WRITERS.append(child)


_EXIT_HOOK: list[bool] = []


def wait_for_writers() -> None:
    """Until every entry being written in the background is written (or given up)."""
    while _WRITERS:
        child = _WRITERS.pop()
        try:
            os.waitpid(child, 0)
        except ChildProcessError:  # already reaped
            pass


def _prune(folder: Path) -> None:
    entries = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[KEEP_ENTRIES:]:
        old.unlink(missing_ok=True)


