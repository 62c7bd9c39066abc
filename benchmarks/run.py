"""Time the three engines on the same queries and the CLI commands on the same estate."""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass

from sgverify.inputs import load_network

from sgverify.solve.prove import CompiledNetwork, check_assertion
from sgverify.solve.result import Verdict

from .changes import CHANGES, write_changed
from .interval_limit import IntervalLimit
from .naive import Naive
from .workloads import mixed_spec, workloads


@dataclass
class Row:
    workload: str
    queries: int
    median_ms: float | None  # None: stopped before it finished
    p99_ms: float | None
    peak_mb: float
    naive_median_ms: float | None = None
    limit_median_ms: float | None = None
    agree: bool | None = None  # None: no baseline for this workload
    note: str = ""

    @property
    def naive_ratio(self):
        if self.naive_median_ms is None or self.median_ms is None:
            return None
        return self.naive_median_ms / max(self.median_ms, 1e-6)

    @property
    def limit_ratio(self):
        if self.limit_median_ms is None or self.median_ms is None:
            return None
        return self.median_ms / max(self.limit_median_ms, 1e-6)

    def as_dict(self) -> dict:
        return {**asdict(self), "naive_over_sgverify": self.naive_ratio, "sgverify_over_limit": self.limit_ratio}


def peak_mb(children: bool = False) -> float:
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return resource.getrusage(who).ru_maxrss / 1024


def _ms(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]
    return statistics.median(ordered) * 1000, p99 * 1000


def _read_uncached(path: str):
    """The estate read from its file: this row measures the reader, not the cache."""
    before = os.environ.get("SGVERIFY_CACHE")
    os.environ["SGVERIFY_CACHE"] = "0"
    try:
        return load_network(path).network
    finally:
        if before is None:
            del os.environ["SGVERIFY_CACHE"]
        else:
            os.environ["SGVERIFY_CACHE"] = before


def run_engines(path: str, queries: int, naive_queries: int, naive_timeout: float, only=None):
    started = time.perf_counter()
    network = _read_uncached(path)
    loaded = time.perf_counter()
    compiled = CompiledNetwork(network).prepare()  # both families, their z3 contexts
    done = time.perf_counter()
    rows = [Row("load (parse)", 1, (loaded - started) * 1000, (loaded - started) * 1000, peak_mb()),
            Row("compile", 1, (done - loaded) * 1000, (done - loaded) * 1000, peak_mb())]
    limit, naive = IntervalLimit(network), Naive(network, naive_timeout)
    for workload in workloads(network, queries):
        if only and workload.name not in only:
            continue
        rows.append(_compare(workload, compiled, limit, naive, naive_queries))
    return rows, network


def _compare(workload, compiled, limit, naive, naive_queries) -> Row:
    ours, limits, naives, agree, timeouts = [], [], [], True, 0
    for i, assertion in enumerate(workload.assertions):
        t0 = time.perf_counter()
        result = check_assertion(compiled, assertion)
        t1 = time.perf_counter()
        expected = limit.holds(assertion)
        t2 = time.perf_counter()
        ours.append(t1 - t0)
        limits.append(t2 - t1)
        if result.verdict is Verdict.UNKNOWN or (result.verdict is Verdict.HOLDS) != expected:
            agree = False
            print(f"DISAGREE {workload.name}: {assertion.name}: sgverify {result.verdict.value}, limit {expected}",
                  file=sys.stderr)
        if i < naive_queries:
            t3 = time.perf_counter()
            answer = naive.holds(assertion)
            naives.append(time.perf_counter() - t3)
            if answer is None:
                timeouts += 1
            elif answer != expected:
                agree = False
                print(f"DISAGREE {workload.name}: {assertion.name}: naive {answer}, limit {expected}", file=sys.stderr)
    median, p99 = _ms(ours)
    note = f"naive on {len(naives)} of {len(ours)}" if len(naives) < len(ours) else ""
    if timeouts:
        note += f"; naive timed out {timeouts}x (time is a lower bound)"
    return Row(workload.name, len(ours), median, p99, peak_mb(),
               _ms(naives)[0] if naives else None, _ms(limits)[0], agree, note.strip("; "))


def _cli(args: list[str], env: dict, timeout: float) -> tuple[float | None, float, int | None]:
    """Wall ms, peak MB and exit code of one CLI run; (None, peak, None) when it ran out of time.
    The peak is the largest child process so far (RUSAGE_CHILDREN keeps the maximum)."""
    t0 = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, "-m", "sgverify", *args], capture_output=True,
                              timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return None, peak_mb(children=True), None
    return (time.perf_counter() - t0) * 1000, peak_mb(children=True), proc.returncode


def _cli_row(name: str, args: list[str], env: dict, timeout: float, runs: int = 1, before=None) -> Row:
    """The median wall time of `runs` whole-process runs (`before()` ahead of each)."""
    times, code, mb = [], None, 0.0
    for _ in range(runs):
        if before is not None:
            before()
        ms, mb, code = _cli(args, env, timeout)
        if ms is None:
            return Row(name, len(times) + 1, None, None, mb, note=f"stopped after {timeout:.0f} s")
        times.append(ms)
    spread = f", {min(times) / 1000:.2f}-{max(times) / 1000:.2f} s" if runs > 1 else ""
    return Row(name, runs, statistics.median(times), max(times), mb, note=f"exit {code}{spread}")


def run_cli_workloads(path: str, network, estate, folder: str, timeout: float = 900, runs: int = 1) -> list[Row]:
    """The CLI end to end, each row the median of `runs` runs. "no cache" rows read the
    estate from its file (as every diff row does); a "first run" starts from an empty
    cache and fills it; "cached" rows find the entries the first run wrote."""
    cold = dict(os.environ, SGVERIFY_CACHE="0")
    cache = os.path.join(folder, "cache")
    warm = dict(os.environ, SGVERIFY_CACHE="1", SGVERIFY_CACHE_DIR=cache)

    def empty_cache() -> None:
        shutil.rmtree(cache, ignore_errors=True)

    one = os.path.join(folder, "one.yaml")
    with open(one, "w", encoding="utf-8") as out:
        out.write(mixed_spec(network, path, count=1))
    rows = [_cli_row("load + 1 assertion, no cache (CLI)", ["check", one, "--format", "json"], cold, timeout, runs)]
    _cli(["check", one, "--format", "json"], warm, timeout)  # fills the cache
    rows.append(_cli_row("load + 1 assertion, cached (CLI)", ["check", one, "--format", "json"], warm, timeout,
                         runs))
    spec = os.path.join(folder, "spec200.yaml")
    with open(spec, "w", encoding="utf-8") as out:
        out.write(mixed_spec(network, path))
    check = ["check", spec, "--format", "json"]
    rows.append(_cli_row("spec-200, no cache (CLI)", check, cold, timeout, runs))
    rows.append(_cli_row("spec-200, first run, fills the cache (CLI)", check, warm, timeout, runs, empty_cache))
    rows.append(_cli_row("spec-200, cached (CLI)", check, warm, timeout, runs))
    report = os.path.join(folder, "diff.json")  # tens of MB at 100k: a file, not a pipe
    for change in CHANGES:
        changed = os.path.join(folder, f"changed-{change}.json")
        write_changed(estate.document, change, changed)
        diff = ["diff", path, changed, "--format", "json", "-o", report]
        rows.append(_cli_row(f"diff {change} (CLI, no cache)", diff, cold, timeout, runs))
        if change == "1%":
            one_process = diff + ["--by-side", "--by-profile", "--jobs", "1"]
            rows.append(_cli_row("diff 1% --by-side --by-profile, one process (CLI, no cache)", one_process, cold,
                                 timeout, runs))
        if change == "narrow":
            rows.append(_cli_row("diff narrow --per-resource (CLI, no cache)", diff + ["--per-resource"], cold,
                                 timeout, runs))
    if os.path.exists(report):
        os.remove(report)
    small = os.path.join(folder, "matrix1000.json")
    _first_resources(estate.document, small, 1000)
    rows.append(_cli_row("matrix 1000 tcp/443 (CLI)", ["matrix", "--network", small, "--protocol", "tcp",
                                                       "--port", "443", "--format", "json"], warm, timeout, runs))
    target = sorted(network.resources)[0]
    rows.append(_cli_row(f"exposure {target} (CLI)", ["exposure", target, "--network", path,
                                                      "--format", "json"], warm, timeout, runs))
    return rows


def _first_resources(document: dict, path: str, count: int) -> None:
    subset = dict(document)
    subset["resources"] = dict(list(document["resources"].items())[:count])
    with open(path, "w", encoding="utf-8") as out:
        json.dump(subset, out, separators=(",", ":"))


def format_table(rows: list[Row]) -> str:
    def num(v, fmt="{:.1f}"):
        return "-" if v is None else fmt.format(v)

    head = ("workload", "n", "median ms", "p99 ms", "peak MB", "naive ms", "limit ms", "naive/sgv", "sgv/limit",
            "agree", "note")
    lines = [head]
    for r in rows:
        lines.append((r.workload, str(r.queries), num(r.median_ms), num(r.p99_ms), num(r.peak_mb, "{:.0f}"),
                      num(r.naive_median_ms), num(r.limit_median_ms), num(r.naive_ratio), num(r.limit_ratio),
                      {None: "-", True: "yes", False: "NO"}[r.agree], r.note))
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip() for line in lines)
