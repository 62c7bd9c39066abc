"""check, lint and diff on a real local Dask cluster: a scheduler and workers as
subprocesses on 127.0.0.1, ended by their pids. The cluster's reports must be
the serial run's, byte for byte, even when a worker is killed mid-run; a
scheduler that cannot be reached is one line and exit 2."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from clitools import ROOT, run

pytest.importorskip("distributed")

SEED1 = ROOT / "examples/seed/1-inbound-world-web.yaml"
SEED2 = ROOT / "examples/seed/2-inbound-from-office.yaml"
SPEC = """assertions:
  - name: the internet reaches a on https
    allow: {from: internet, to: aws-resource-a, protocol: tcp, ports: [443]}
  - name: nothing reaches b
    deny: {from: any, to: aws-resource-b}
"""
# Assertions every generated estate can answer (benchmarks/generate.py names these groups).
ESTATE_SPEC = """assertions:
  - name: the office reaches bastions on ssh
    allow: {from: office, to: sg-bastion, protocol: tcp, ports: [22]}
  - name: no world access to databases
    deny: {from: internet, to: sg-fleet, protocol: tcp, ports: [3306, 5432]}
  - name: the partner never reaches monitoring
    deny: {from: partner, to: sg-monitoring}
"""
ENV = dict(os.environ, SGVERIFY_CACHE="0",
           PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))


class Cluster:
    """`dask scheduler` and `dask worker` processes; stop() ends each by its pid."""

    def __init__(self, folder: Path, workers: int):
        self.processes: list[subprocess.Popen] = []
        scheduler_file = folder / "scheduler.json"
        self._start([sys.executable, "-m", "dask", "scheduler", "--host", "127.0.0.1", "--port", "0",
                     "--no-dashboard", "--scheduler-file", str(scheduler_file)], folder / "scheduler.log")
        deadline = time.monotonic() + 30
        while not scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.address = json.loads(scheduler_file.read_text())["address"]
        self.workers = [self._start([sys.executable, "-m", "dask", "worker", self.address, "--host", "127.0.0.1",
                                     "--nthreads", "1", "--no-nanny", "--no-dashboard"], folder / f"worker{i}.log")
                        for i in range(workers)]
        with self.client() as client:
            client.wait_for_workers(workers, timeout=30)

    def _start(self, command: list[str], log: Path) -> subprocess.Popen:
        with log.open("wb") as out:
            process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=ENV, cwd=log.parent)
        self.processes.append(process)
        return process

    def client(self):
        from distributed import Client

        return Client(self.address, timeout=10, set_as_default=False)

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                os.kill(process.pid, 9)
            process.wait(timeout=30)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    started = Cluster(tmp_path_factory.mktemp("cluster"), workers=2)
    yield started
    started.stop()


@pytest.fixture
def estate(tmp_path: Path) -> Path:
    (tmp_path / "nets").mkdir()
    for i in range(3):
        shutil.copy(SEED1, tmp_path / f"nets/web{i}.yaml")
        shutil.copy(SEED2, tmp_path / f"nets/office{i}.yaml")
    (tmp_path / "spec.yaml").write_text(SPEC)
    return tmp_path


def test_the_cluster_gives_the_serial_report(cluster, estate):
    for fmt in ("text", "json", "sarif"):
        serial = run(["check", "spec.yaml", "--network", "nets/*.yaml", "-f", fmt], 1, cwd=estate)
        on_cluster = run(["check", "spec.yaml", "--network", "nets/*.yaml", "-f", fmt,
                          "--scheduler", cluster.address], 1, cwd=estate)
        assert on_cluster.stdout == serial.stdout, fmt
        assert on_cluster.stderr == serial.stderr
    # Every seed-2 network violates the first assertion; the seed-1 ones hold throughout.
    text = run(["check", "spec.yaml", "--network", "nets/*.yaml", "--scheduler", cluster.address], 1,
               cwd=estate).stdout
    assert text.splitlines()[-1] == "12 assertions: 9 hold, 3 violated, 0 unknown"


def test_the_scheduler_from_the_environment(cluster, estate):
    serial = run(["check", "spec.yaml", "--network", "nets/web0.yaml"], 0, cwd=estate).stdout
    on_cluster = run(["check", "spec.yaml", "--network", "nets/web0.yaml"], 0, cwd=estate,
                     env={"DASK_SCHEDULER_ADDRESS": cluster.address}).stdout
    assert on_cluster == serial  # one network: the usual report, computed on the cluster
    assert "on network" not in on_cluster


def test_an_error_entry_comes_back_from_the_cluster(cluster, estate):
    (estate / "nets/broken.yaml").write_text("resources: [\n")
    serial = run(["check", "spec.yaml", "--network", "nets/*.yaml", "-f", "json"], 2, cwd=estate).stdout
    on_cluster = run(["check", "spec.yaml", "--network", "nets/*.yaml", "-f", "json",
                      "--scheduler", cluster.address], 2, cwd=estate).stdout
    assert on_cluster == serial
    assert json.loads(on_cluster)["summary"]["networks_not_checked"] == 1


def test_lint_and_diff_on_the_cluster(cluster, estate):
    serial = run(["lint", "--network", "nets/*.yaml", "-f", "json"], 0, cwd=estate).stdout
    assert run(["lint", "--network", "nets/*.yaml", "-f", "json", "--scheduler", cluster.address], 0,
               cwd=estate).stdout == serial
    (estate / "old").mkdir()
    for i in range(3):
        shutil.copy(SEED2, estate / f"old/web{i}.yaml")
        shutil.copy(SEED2, estate / f"old/office{i}.yaml")
    serial = run(["diff", "old/*.yaml", "nets/*.yaml"], 1, cwd=estate).stdout
    assert run(["diff", "old/*.yaml", "nets/*.yaml", "--scheduler", cluster.address], 1,
               cwd=estate).stdout == serial


def test_a_worker_lost_mid_run_has_its_networks_run_elsewhere(tmp_path):
    sys.path.insert(0, str(ROOT))
    from benchmarks.generate import generate

    (tmp_path / "nets").mkdir()
    for i in range(12):  # enough work that the run is still going when a worker dies
        generate(3000, seed=200 + i).write(tmp_path / f"nets/account{i:02d}.json")
    (tmp_path / "spec.yaml").write_text(ESTATE_SPEC)
    args = [sys.executable, "-m", "sgverify", "check", "spec.yaml", "--network", "nets/*.json"]
    serial = subprocess.run(args, cwd=tmp_path, env=ENV, capture_output=True, text=True, timeout=120)
    assert serial.returncode == 1, serial.stderr
    cluster = Cluster(tmp_path, workers=2)
    try:
        ours = {p.pid for p in cluster.workers}
        running = subprocess.Popen([*args, "--scheduler", cluster.address], cwd=tmp_path, env=ENV,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        killed = _kill_a_busy_worker(cluster, ours)
        out, err = running.communicate(timeout=120)
        assert killed is not None, "no worker was seen at work"
        assert running.returncode == 1, err
        assert out == serial.stdout
        assert "12 networks: 12 checked, 0 not checked" in out
    finally:
        cluster.stop()


def _kill_a_busy_worker(cluster: Cluster, ours: set[int]) -> int | None:
    """Kill (by pid) the first of our workers seen running a network; its pid."""
    with cluster.client() as client:
        pids = client.run(os.getpid)  # worker address -> its pid
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            busy = [address for address, keys in client.processing().items()
                    if any(str(key).startswith("sgverify-") for key in keys)]
            for address in busy:
                if pids.get(address) in ours:
                    os.kill(pids[address], 9)
                    return pids[address]
            time.sleep(0.02)
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_scheduler_is_one_line_and_exit_2(estate):
    address = f"tcp://127.0.0.1:{_free_port()}"  # nothing listens there
    done = run(["check", "spec.yaml", "--network", "nets/*.yaml", "--scheduler", address], 2, cwd=estate,
               env={"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"})
    assert done.stderr.strip().splitlines() == [
        f"sgverify: error: cannot reach the Dask scheduler at {address} within 2 s (OSError)"]
    assert done.stdout == ""


def test_without_dask_the_scheduler_option_is_one_line_and_exit_2(tmp_path, estate):
    # An installation without the extra: `distributed` cannot be imported.
    (tmp_path / "nodask/distributed").mkdir(parents=True)
    (tmp_path / "nodask/distributed/__init__.py").write_text("raise ImportError('No module named distributed')\n")
    env = dict(ENV, PYTHONPATH=os.pathsep.join([str(tmp_path / "nodask"), ENV["PYTHONPATH"]]))
    done = subprocess.run([sys.executable, "-m", "sgverify", "check", "spec.yaml", "--network", "nets/*.yaml",
                           "--scheduler", "tcp://127.0.0.1:8786"], cwd=estate, env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "sgverify: error: --scheduler needs Dask distributed: pip install 'sgverify[distributed]'"]
    # Without --scheduler, the same installation runs as ever.
    assert subprocess.run([sys.executable, "-m", "sgverify", "check", "spec.yaml", "--network", "nets/web0.yaml"],
                          cwd=estate, env=env, capture_output=True, timeout=60).returncode == 0
