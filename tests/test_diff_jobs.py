"""diff --jobs N: the same diff, in every format, for every N."""

from __future__ import annotations

import dataclasses
import gc
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

import pytest
from hypothesis import HealthCheck, given, settings

from clitools import ROOT, on_a_terminal, run
from sgverify.diff import diff_networks
from sgverify.diff import parallel
from sgverify.diff.gate import DiffGate
from sgverify.diff.profiles import merge_profiles
from sgverify.diff import written as written_rows
from sgverify.diff.render import RowWriter, render_json, render_text
from sgverify.diff.run import DiffRequest, diff_chunks, run_diff
from sgverify.run.processes import WorkerCrashed, ordered_in_processes
from test_diff_profiles import pairs_with_profiles
from test_scale_regions import network_pairs

# Each example forks two workers: fewer examples than the other property tests.
SETTINGS = settings(max_examples=max(10, int(os.environ.get("SGVERIFY_EXAMPLES", "60")) // 4), deadline=None,
                    suppress_health_check=list(HealthCheck))
BEFORE, AFTER = str(ROOT / "examples/diff/before.yaml"), str(ROOT / "examples/diff/after.yaml")


@SETTINGS
@given(network_pairs())
def test_two_and_three_workers_give_the_serial_diff(pair):
    old, new = pair
    serial = diff_networks(old, new)
    assert diff_networks(old, new, jobs=2) == serial
    assert diff_networks(old, new, jobs=3, prune=False) == serial


@SETTINGS
@given(pairs_with_profiles())
def test_workers_give_the_serial_diff_by_profile(pair):
    profiles = merge_profiles(*pair)
    serial = diff_networks(profiles.old, profiles.new)
    assert diff_networks(profiles.old, profiles.new, jobs=2) == serial


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "markdown"])
def test_the_command_writes_the_same_report_with_two_jobs(fmt):
    serial = run(["diff", BEFORE, AFTER, "--format", fmt], 1)
    workers = run(["diff", BEFORE, AFTER, "--format", fmt, "--jobs", "2"], 1)
    assert workers.stdout == serial.stdout and workers.stderr == serial.stderr
    assert "10.0.1.10" in serial.stdout  # rows with addresses are part of what is compared


@pytest.mark.parametrize("value", ["0", "-1", "many"])
def test_bad_jobs_value_is_one_line_and_exit_2(value):
    done = run(["diff", BEFORE, AFTER, "--jobs", value], 2)
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        f"sgverify: error: --jobs expects a whole number of processes, at least 1; got {value!r}"]


@SETTINGS
@given(network_pairs())
def test_rows_written_by_workers_are_the_serial_rows(monkeypatch, pair):
    monkeypatch.setattr(parallel, "PARALLEL_WEIGHT", 1)
    monkeypatch.setattr(parallel, "RUN_WEIGHT", 2)
    old, new = pair
    for diff in (diff_networks(old, new), diff_networks(old, new, by_side=True)):
        gate = DiffGate(diff)
        for render in (render_json, render_text):
            assert render(diff, gate, old, new, None, 2) == render(diff, gate, old, new)


WRITERS = (RowWriter("json"), RowWriter("text"))


@pytest.fixture(autouse=True)
def own_temporary_folder(tmp_path_factory, monkeypatch):
    """Rows written by workers wait in a temporary folder, removed with the diff or at exit; a
    test process may end without its exit hooks (a pytest-xdist worker), so each test's
    folders go where pytest cleans up."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path_factory.mktemp("rows")))


@SETTINGS
@given(network_pairs())
def test_rows_written_as_the_pairs_are_compared_are_the_serial_rows(monkeypatch, pair):
    """Rows written by the worker that compared their pairs, kept with the changes or in
    files (a limit of 0 characters keeps every non-empty run's rows in a file)."""
    old, new = pair
    for limit in (written_rows.INLINE_TOTAL, 0):
        monkeypatch.setattr(written_rows, "INLINE_TOTAL", limit)
        for by_side in (False, True):
            serial = diff_networks(old, new, by_side=by_side)
            diff = diff_networks(old, new, by_side=by_side, jobs=2, writers=WRITERS)
            assert diff == serial and set(diff.written) == {"json", "text"}
            gate = DiffGate(serial)
            for render in (render_json, render_text):
                assert render(diff, gate, old, new) == render(serial, gate, old, new)


def test_rows_kept_in_files_are_read_in_order_and_their_folder_removed(monkeypatch):
    from test_diff_render import OLD, network

    monkeypatch.setattr(written_rows, "INLINE_TOTAL", 0)
    old = network(OLD, "old.yaml")
    new = network(OLD.replace("ports: 8000-8100, source: 0.0.0.0/0", "ports: 8000-8200, source: 10.0.0.0/8"),
                  "new.yaml")
    diff = diff_networks(old, new, jobs=2, writers=WRITERS)
    serial = diff_networks(old, new)
    kept = diff.written["json"]
    files = [part for part in kept.added + kept.removed if isinstance(part, str)]
    assert files and all(os.path.dirname(f) == kept.folder.path for f in files)
    assert render_json(diff, DiffGate(diff), old, new) == render_json(serial, DiffGate(serial), old, new)
    folder = kept.folder.path
    del diff, kept
    gc.collect()
    assert not os.path.exists(folder)  # forgotten with the diff: nothing left in the temporary folder


def test_rows_that_cannot_be_kept_in_a_file_come_back_with_the_changes(tmp_path, monkeypatch):
    spill = written_rows.Spill(str(tmp_path / "missing" / "folder"), 0)
    assert spill.keep(["row one", "row two"], "json.0.added") == ["row one", "row two"]
    assert written_rows.Spill(str(tmp_path), 100).keep(["short"], "json.0.added") == ["short"]
    assert written_rows.Spill(str(tmp_path), 3).keep(["long row"], "x") == str(tmp_path / "x")
    assert written_rows.Spill(None, 0).keep(["long row"], "x") == ["long row"]

    def no_folder(**_):
        raise FileNotFoundError("No usable temporary directory found")
    monkeypatch.setattr(written_rows.tempfile, "mkdtemp", no_folder)
    monkeypatch.setattr(written_rows, "INLINE_TOTAL", 0)
    result = run_diff(DiffRequest(BEFORE, AFTER, jobs=2, formats=("json",)))
    kept = result.diff.written["json"]
    assert kept.folder is None and not any(isinstance(part, str) for part in kept.added + kept.removed)
    assert "".join(diff_chunks(result, "json")) == "".join(diff_chunks(run_diff(DiffRequest(BEFORE, AFTER)), "json"))


def test_the_command_leaves_no_temporary_folder_behind(tmp_path, large_pair):
    """Workers' rows wait in a temporary folder; the command ends without tearing its objects
    down, and still removes the folder, whether the report was written or its reader left."""
    folder = tmp_path / "temporary"
    folder.mkdir()
    env = dict(os.environ, PYTHONPATH=str(ROOT), TMPDIR=str(folder))
    command = [sys.executable, "-m", "sgverify", "diff", *large_pair, "--jobs", "2", "-f", "json", "-o",
               str(tmp_path / "report.json"), "-f", "text"]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 1 and "added access" in done.stdout
    reader_left = subprocess.run(f"{subprocess.list2cmdline(command)} | head -c 10", shell=True, env=env,
                                 capture_output=True, timeout=300)
    assert reader_left.stdout == b"diff " + large_pair[0].encode()[:5]
    assert list(folder.iterdir()) == []


def test_written_rows_are_used_only_with_the_networks_they_were_written_with():
    from test_diff_render import OLD, network

    old = network(OLD, "old.yaml")
    new = network(OLD.replace("ports: 8000-8100, source: 0.0.0.0/0", "ports: 8000-8200, source: 10.0.0.0/8"),
                  "new.yaml")
    diff = diff_networks(old, new, jobs=2, writers=WRITERS)
    marked = written_rows.WrittenRows("json", (old, new, None), [["    \"marked\""] * len(diff.added)],
                                      [["    \"marked\""] * len(diff.removed)])
    diff = dataclasses.replace(diff, written={"json": marked})
    gate = DiffGate(diff)
    assert '"marked"' in render_json(diff, gate, old, new)
    equal_copies = (dataclasses.replace(old), dataclasses.replace(new))
    assert '"marked"' not in render_json(diff, gate, *equal_copies)
    assert render_json(diff, gate, *equal_copies) == render_json(diff_networks(old, new), gate, old, new)


def test_a_diff_run_has_its_text_and_json_rows_written_by_the_workers():
    request = DiffRequest(BEFORE, AFTER, jobs=2, formats=("json", "sarif", "text", "json"))
    result = run_diff(request)
    assert set(result.diff.written) == {"json", "text"}  # sarif and junit are written whole, afterwards
    serial = run_diff(DiffRequest(BEFORE, AFTER))
    for fmt in ("json", "text"):
        assert "".join(diff_chunks(result, fmt)) == "".join(diff_chunks(serial, fmt))
    assert not run_diff(DiffRequest(BEFORE, AFTER, formats=("json",))).diff.written  # one process: written after


@pytest.fixture
def large_pair(tmp_path):
    """A generated 1k-rule estate and its 1% edit: thousands of rows, so the command
    writes them in workers too (added rows weighing more than PARALLEL_WEIGHT)."""
    sys.path.insert(0, str(ROOT))
    from benchmarks.generate import generate
    from benchmarks.changes import write_changed

    estate = generate(1_000, seed=1)
    before, after = tmp_path / "before.json", tmp_path / "after.json"
    estate.write(str(before))
    write_changed(estate.document, "1%", str(after))
    return str(before), str(after)


def test_a_large_report_is_the_same_with_two_jobs(large_pair):
    for fmt in ("json", "text"):
        serial = run(["diff", *large_pair, "--format", fmt], 1)
        workers = run(["diff", *large_pair, "--format", fmt, "--jobs", "2"], 1)
        assert workers.stdout == serial.stdout
        if fmt == "json":
            assert json.loads(serial.stdout)["summary"]["added"] > parallel.PARALLEL_WEIGHT


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="lists processes through /proc")
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_reader_going_away_ends_the_workers_too(large_pair, fmt):
    command = [sys.executable, "-m", "sgverify", "diff", *large_pair, "--jobs", "2", "--format", fmt]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdout.read(200)  # the report has started: its rows are being written
    proc.stdout.close()
    try:
        assert proc.wait(timeout=120) == 141
        deadline = time.monotonic() + 30
        while _running(large_pair[0]) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _running(large_pair[0])  # no worker left behind, waiting for work forever
        assert proc.stderr.read() == b""  # read once no process holds the pipe open
    finally:
        for pid in _running(large_pair[0]):  # this test's own processes, if it failed
            os.kill(pid, signal.SIGKILL)


def _running(token: str) -> list[int]:
    """Processes whose command line names `token` (this test's own files)."""
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                if token.encode() in cmdline.read():
                    found.append(int(entry))
        except (OSError, ValueError):
            continue
    return found


def test_progress_bar_with_workers_and_the_same_report():
    done, drawn = on_a_terminal(["diff", BEFORE, AFTER, "--jobs", "2"])
    assert done.returncode == 1
    assert b"diff" in drawn and b"/" in drawn  # the bar, ticked as the workers' runs finish
    assert done.stdout.decode() == run(["diff", BEFORE, AFTER], 1).stdout


def _negate(item):
    return -item


def _die(item):
    os._exit(7)


def _fail(item):
    raise ValueError(f"bad item {item}")


def test_ordered_results_come_back_in_order_with_few_in_flight():
    assert list(ordered_in_processes(_negate, list(range(25)), 3, ahead=1)) == [-i for i in range(25)]
    assert list(ordered_in_processes(_negate, [], 2)) == []


def test_ordered_results_never_miss_a_dead_worker_or_an_exception():
    with pytest.raises(WorkerCrashed, match="worker process died"):
        list(ordered_in_processes(_die, [1, 2, 3], 2))
    with pytest.raises(ValueError, match="bad item"):
        list(ordered_in_processes(_fail, [1, 2], 2))


def test_spawned_workers_give_the_same_diff_and_rows(monkeypatch):
    """Where fork is not the default (macOS, Windows) workers are spawned and get the
    networks pickled: the diff and its rows are the same."""
    from sgverify.run import processes
    from test_diff_render import OLD, network

    asked = []
    monkeypatch.setattr(processes, "start_method", lambda: asked.append(1) or "spawn")
    monkeypatch.setattr(parallel, "PARALLEL_WEIGHT", 1)
    old = network(OLD, "old.yaml")
    new = network(OLD.replace("ports: 8000-8100, source: 0.0.0.0/0", "ports: 8000-8200, source: 10.0.0.0/8"),
                  "new.yaml")
    serial = diff_networks(old, new)
    assert serial.added and serial.removed
    assert diff_networks(old, new, jobs=2) == serial
    gate = DiffGate(serial)
    assert render_json(serial, gate, old, new, None, 2) == render_json(serial, gate, old, new)
    assert len(asked) == 2  # the pairs, then the rows (added and removed, one pool)
    written = diff_networks(old, new, jobs=2, writers=WRITERS)
    assert len(asked) == 3  # the pairs and their rows, in one pool
    for render in (render_json, render_text):
        assert render(written, gate, old, new) == render(serial, gate, old, new)



@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the kernel ends workers with their parent on Linux")
def test_workers_end_when_their_parent_is_killed(large_pair, tmp_path):
    command = [sys.executable, "-m", "sgverify", "diff", *large_pair, "--jobs", "2", "-o", os.devnull]
    env = dict(os.environ, PYTHONPATH=str(ROOT), TMPDIR=str(tmp_path))  # a killed parent leaves its rows folder
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        deadline = time.monotonic() + 60
        while len(_running(large_pair[0])) < 3 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        workers = [pid for pid in _running(large_pair[0]) if pid != proc.pid]
        if proc.poll() is not None or not workers:
            pytest.skip("the diff finished before its workers could be seen")
        proc.kill()  # SIGKILL: the parent runs no cleanup at all
        proc.wait(timeout=30)
        deadline = time.monotonic() + 30
        while _running(large_pair[0]) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _running(large_pair[0])
    finally:
        for pid in _running(large_pair[0]):  # this test's own processes, if it failed
            os.kill(pid, signal.SIGKILL)


def test_runs_of_rows_cut_by_weight():
    assert parallel._runs([1] * 5) == [(0, 5)]
    assert parallel._runs([parallel.RUN_WEIGHT, 1, 1, parallel.RUN_WEIGHT - 2, 3]) == [(0, 1), (1, 4), (4, 5)]
    assert parallel._runs([]) == []
