"""`sgverify check --jobs N`: worker processes change nothing but the time taken,
and the progress bar is drawn on a terminal only."""

from __future__ import annotations

import os
import pickle
from functools import lru_cache
from pathlib import Path

import pytest

from clitools import ROOT, invoke, on_a_terminal, run
from sgverify.run import parallel
from sgverify.run.check import CheckRequest, prepare, run_check
from sgverify.solve import Options
from sgverify.solve.prove import check_assertion
from sgverify.solve.result import Verdict

SEED = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "specs" / "seed").glob("*.yaml"))
CLAIMS = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "specs" / "article-claims").glob("*.yaml"))
NETWORK = ROOT / "examples" / "seed" / "1-inbound-world-web.yaml"


def many(tmp_path: Path, name: str, ports: range) -> Path:
    """A spec of 2 assertions per port on seed network 1: some hold, some are violated."""
    lines = [f"network: {NETWORK}", "assertions:"]
    for port in ports:
        lines += [f"  - name: nothing reaches A on {port}",
                  f"    deny: {{from: any, to: aws-resource-a, protocol: tcp, ports: [{port}]}}",
                  f"  - name: B reaches A on {port}",
                  f"    allow: {{from: aws-resource-b, to: aws-resource-a, protocol: tcp, ports: [{port}]}}"]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@lru_cache(maxsize=None)
def cached_check(args: tuple, code: int):
    """`sgverify check ARGS`, run once per test process: several tests compare the same runs."""
    return run(["check", *args], code)


def both(args: list, code: int, jobs: str = "2"):
    return cached_check(tuple(args), code), cached_check((*args, "--jobs", jobs), code)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_seed_output_is_byte_identical_with_two_jobs(fmt):
    serial, parallel_run = both([*SEED, "--format", fmt], 0)
    assert parallel_run.stdout == serial.stdout and parallel_run.stderr == serial.stderr
    assert "50 assertions: 50 hold" in serial.stdout or '"total": 50' in serial.stdout


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_violations_and_counterexamples_are_identical_with_two_jobs(fmt):
    serial, parallel_run = both([*SEED, *CLAIMS, "--format", fmt], 1)
    assert parallel_run.stdout == serial.stdout and parallel_run.stderr == serial.stderr
    assert "10.0.1.10" in serial.stdout  # a counterexample packet is part of what is compared


def test_several_batches_and_specs_sharing_a_network_keep_their_order(tmp_path):
    # 2 specs x 24 assertions on one network: 2 batches, results put back in spec order,
    # the same counterexamples whatever the number of processes.
    first, second = many(tmp_path, "a.yaml", range(70, 82)), many(tmp_path, "b.yaml", range(438, 450))
    serial, parallel_run = both([first, second, "--format", "json"], 1, jobs="3")
    assert parallel_run.stdout == serial.stdout
    assert run(["check", first, second, "--format", "json", "--jobs", "2"], 1).stdout == serial.stdout
    assert '"status": "holds"' in serial.stdout and '"status": "violated"' in serial.stdout


@pytest.mark.parametrize("value", ["0", "-2", "two", "1.5"])
def test_bad_jobs_value_is_one_line_and_exit_2(value):
    done = run(["check", *SEED, "--jobs", value], 2)
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        f"sgverify: error: --jobs expects a whole number of processes, at least 1; got {value!r}"]


def test_jobs_one_starts_no_process(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("--jobs 1 must not start worker processes")

    monkeypatch.setattr(parallel, "map_in_processes", refuse)
    outcomes = run_check(CheckRequest(specs=tuple(SEED), options=Options(jobs=1)))
    assert sum(len(o.results) for o in outcomes) == 50


def test_timeout_applies_inside_workers():
    # A timeout too short for any query: every checked assertion is unknown, as in the serial run.
    options = Options(timeout=1e-9)
    serial = [r.verdict for o in run_check(CheckRequest(specs=tuple(SEED), options=options)) for r in o.results]
    jobs = [r.verdict for o in run_check(CheckRequest(specs=tuple(SEED), options=Options(timeout=1e-9, jobs=2)))
            for r in o.results]
    assert jobs == serial and Verdict.UNKNOWN in jobs


def test_results_pickle_with_their_counterexamples():
    results = [r for o in run_check(CheckRequest(specs=tuple(CLAIMS))) for r in o.results]
    assert any(r.counterexample is not None for r in results)
    assert [pickle.loads(pickle.dumps(r)) for r in results] == results


def test_spawned_workers_agree_with_the_cached_check():
    # The path taken where fork is not used: networks reach the workers pickled.
    prepared = prepare(CheckRequest(specs=tuple(CLAIMS)))
    work = [(path, spec.assertions) for spec, path, _, _, _ in prepared]
    networks = {path: compiled.network for _, path, compiled, _, _ in prepared}
    serial = [[check_assertion(compiled, a) for a in spec.assertions] for spec, _, compiled, _, _ in prepared]
    spawned = parallel.check_in_processes(work, networks, Options(jobs=2), method="spawn")
    assert [[(r.assertion, r.verdict, r.counterexample) for r in rs] for rs in spawned] == \
        [[(r.assertion, r.verdict, r.counterexample) for r in rs] for rs in serial]


# -- a worker that dies or fails ------------------------------------------------

def _die(item):
    os._exit(7)


def _fail(item):
    raise ValueError(f"bad item {item}")


def _square(item):
    return item * item


def test_map_in_processes_keeps_order_and_counts_progress():
    ticks = []
    assert parallel.map_in_processes(_square, list(range(9)), 3, sizes=[2] * 9,
                                     tick=lambda d, t: ticks.append((d, t))) == [i * i for i in range(9)]
    assert ticks[0] == (0, 18) and ticks[-1] == (18, 18)


def test_a_dead_worker_is_an_error_never_a_missing_result():
    with pytest.raises(parallel.WorkerCrashed, match="worker process died"):
        parallel.map_in_processes(_die, [1, 2, 3], 2)


def test_an_exception_in_a_worker_is_raised_in_the_caller():
    with pytest.raises(ValueError, match="bad item"):
        parallel.map_in_processes(_fail, [1, 2], 2)


def test_cli_reports_a_dead_worker_as_an_internal_error(monkeypatch):
    monkeypatch.setattr(parallel, "_check_in_worker", _die)
    result = invoke(["check", *SEED, "--jobs", "2"], 4)
    assert "worker process died" in result.stderr and "internal error" in result.stderr


# -- the progress bar -----------------------------------------------------------

@pytest.mark.parametrize("jobs", ["1", "2"])
def test_progress_bar_on_a_terminal_and_stdout_unchanged(jobs):
    done, drawn = on_a_terminal(["check", *SEED, "--jobs", jobs])
    assert done.returncode == 0
    assert b"check" in drawn and b"/50" in drawn  # the bar: its description and done/total
    assert done.stdout.decode() == cached_check((*SEED, "--format", "text"), 0).stdout


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_no_progress_bar_when_piped(jobs):
    done = cached_check((*SEED, "--format", "text", "--jobs", jobs), 0)
    assert "/50" not in done.stderr and "\x1b" not in done.stderr
    assert all(line.startswith("sgverify: ") for line in done.stderr.splitlines())
