"""python -m benchmarks.organisation [--count 500] [--json FILE]

An organisation's estate: COUNT generated account networks of 2k-20k rules
each (benchmarks/generate.py, one seed per account), written to a temporary
folder (never kept), all checked against one spec in one run:

- serially (`check --network 'DIR/*.json'`),
- in two local processes (`--jobs 2`),
- on a local Dask cluster (a scheduler and two one-thread workers on
  127.0.0.1, `--scheduler`), whose start-up is timed apart.

The three JSON reports must be the same bytes (exit 1 if not). Then, in this
process, for every STEP-th network: the time its work takes (read, resolve,
check) and what would cross a real cluster's network for it: the job sent to
a worker, the result sent back, the file the worker reads from shared
storage, and, for comparison, the loaded network pickled (what a client that
read the files itself would have to send instead).
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .generate import generate

SPEC = """assertions:
  - name: the office reaches bastions on ssh
    allow: {from: office, to: sg-bastion, protocol: tcp, ports: [22]}
  - name: no world access to databases
    deny: {from: internet, to: sg-fleet, protocol: tcp, ports: [3306, 5432]}
  - name: the partner never reaches monitoring
    deny: {from: partner, to: sg-monitoring}
  - name: monitoring reaches the fleet's node exporter
    allow: {from: sg-monitoring, to: sg-fleet, protocol: tcp, ports: [9100]}
"""
FEWEST, MOST = 2_000, 20_000


def write_organisation(folder: Path, count: int, seed: int = 27) -> list[int]:
    """COUNT account networks in FOLDER/account-NNNN.json; the rules of each."""
    rng = random.Random(seed)
    sizes = []
    for number in range(count):
        estate = generate(rng.randint(FEWEST, MOST), seed=seed * 100_000 + number)
        estate.write(folder / f"account-{number:04d}.json")
        sizes.append(estate.rules)
    return sizes


def _cli(args: list[str], folder: Path, env: dict) -> tuple[float, bytes, int]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "sgverify", *args], cwd=folder, env=env, capture_output=True)
    if done.returncode not in (0, 1):
        sys.stderr.write(done.stderr.decode(errors="replace"))
    return time.perf_counter() - started, done.stdout, done.returncode


def _cpu_of_children() -> float:
    """CPU seconds of every child process waited for so far (their own children included)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _load() -> float:
    """The machine's 1-minute load average: on a shared machine, how much else was running."""
    return round(os.getloadavg()[0], 2)


class LocalCluster:
    """A Dask scheduler and one-thread workers on 127.0.0.1, ended by their pids."""

    def __init__(self, folder: Path, workers: int, env: dict):
        started = time.perf_counter()
        scheduler_file = folder / "scheduler.json"
        self.processes = [self._start(["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                       "--scheduler-file", str(scheduler_file)], folder, env)]
        while not scheduler_file.exists():
            if time.perf_counter() - started > 60:
                raise RuntimeError("the Dask scheduler did not start within 60 s")
            time.sleep(0.05)
        self.address = json.loads(scheduler_file.read_text())["address"]
        self.processes += [self._start(["worker", self.address, "--host", "127.0.0.1", "--nthreads", "1",
                                        "--no-nanny", "--no-dashboard"], folder, env) for _ in range(workers)]
        from distributed import Client

        with Client(self.address, timeout=30, set_as_default=False) as client:
            client.wait_for_workers(workers, timeout=60)
        self.start_seconds = time.perf_counter() - started

    @staticmethod
    def _start(arguments: list[str], folder: Path, env: dict) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "dask", *arguments], cwd=folder, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                os.kill(process.pid, 9)
            process.wait(timeout=30)


def per_network(folder: Path, paths: list[Path], step: int) -> list[dict]:
    """Time and transfer sizes of every STEP-th network's work, measured here."""
    from sgverify.inputs import load_network
    from sgverify.run.many import CheckJob, check_network

    rows = []
    for path in paths[::step]:
        job = CheckJob(str(path.relative_to(folder)), ("spec.yaml",), cwd=str(folder))
        result = check_network(job)
        if not result.checked:
            raise RuntimeError(f"{path} was not checked: {result.errors[0]}")
        network = load_network(str(path)).network
        rows.append({"network": path.name, "rules": sum(1 for _ in network.all_rules()),
                     "seconds": round(result.seconds, 4),
                     "job_bytes": len(pickle.dumps(job)), "result_bytes": len(pickle.dumps(result)),
                     "file_bytes": path.stat().st_size, "network_pickle_bytes": len(pickle.dumps(network))})
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.organisation", description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=500, help="account networks (default 500)")
    parser.add_argument("--step", type=int, default=10, help="measure every STEP-th network in-process")
    parser.add_argument("--json", dest="json_file", help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    from . import __main__ as bench

    env = dict(os.environ, SGVERIFY_CACHE="0")  # each run reads every file: no cache between the runs
    figures: dict = {"count": args.count, "machine": bench.machine()}
    with tempfile.TemporaryDirectory(prefix="sgorg") as temp:
        folder = Path(temp)
        (folder / "spec.yaml").write_text(SPEC)
        started = time.perf_counter()
        nets = folder / "nets"
        nets.mkdir()
        sizes = write_organisation(nets, args.count)
        figures.update(rules=sum(sizes), fewest=min(sizes), most=max(sizes),
                       generate_seconds=round(time.perf_counter() - started, 1),
                       bytes_on_disk=sum(p.stat().st_size for p in nets.iterdir()))
        print(f"{args.count} networks, {sum(sizes):,} rules ({min(sizes):,}-{max(sizes):,} each), "
              f"{figures['bytes_on_disk'] / 1e6:.0f} MB, generated in {figures['generate_seconds']} s", flush=True)
        check = ["check", "spec.yaml", "--network", "nets/*.json", "-f", "json"]
        reports, runs = {}, {}
        for name, extra in (("serial", []), ("jobs 2", ["--jobs", "2"])):
            cpu, load = _cpu_of_children(), _load()
            seconds, reports[name], code = _cli(check + extra, folder, env)
            runs[name] = {"seconds": round(seconds, 1), "cpu_seconds": round(_cpu_of_children() - cpu, 1),
                          "exit": code, "load_before": load, "load_after": _load()}
            print(f"{name}: {runs[name]}", flush=True)
        cpu, load = _cpu_of_children(), _load()
        cluster = LocalCluster(folder, workers=2, env=env)
        try:
            seconds, reports["dask"], code = _cli(check + ["--scheduler", cluster.address], folder, env)
            after = _load()
        finally:
            cluster.stop()  # its processes' CPU is counted once they are waited for
        runs["dask"] = {"seconds": round(seconds, 1), "cpu_seconds": round(_cpu_of_children() - cpu, 1),
                        "exit": code, "load_before": load, "load_after": after,
                        "cluster_start_seconds": round(cluster.start_seconds, 1)}
        print(f"dask, 2 workers: {runs['dask']} (cpu: client, scheduler and workers)", flush=True)
        same = len(set(reports.values())) == 1
        summary = json.loads(reports["serial"])["summary"]
        measured = per_network(folder, sorted(nets.iterdir()), args.step)
    figures.update(runs=runs, same_report=same, summary=summary, per_network=measured,
                   peak_child_mb=round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024))
    _print_per_network(measured)
    print(f"reports identical: {same}; {summary}")
    if args.json_file:
        Path(args.json_file).write_text(json.dumps(figures, indent=2) + "\n")
    return 0 if same else 1


def _print_per_network(rows: list[dict]) -> None:
    def spread(key: str) -> str:
        values = sorted(r[key] for r in rows)
        return f"median {statistics.median(values):,} (min {values[0]:,}, max {values[-1]:,})"

    print(f"per network, {len(rows)} measured in one process:")
    for key in ("rules", "seconds", "job_bytes", "result_bytes", "file_bytes", "network_pickle_bytes"):
        print(f"  {key}: {spread(key)}")


if __name__ == "__main__":
    sys.exit(main())
