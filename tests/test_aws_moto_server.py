"""The real thing end to end: a moto server process, `sgverify snapshot` and `sgverify check` as commands."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import boto3
import pytest

from test_aws_snapshot import EXPECTED, REGION, SPEC, build_world, check_world_model, repair_moto_snapshot
from test_aws_topology import build_vpc_world, check_vpc_world

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_command(port: int) -> list[str]:
    if shutil.which("moto_server"):
        return ["moto_server", "-H", "127.0.0.1", "-p", str(port)]
    return [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]


def _wait_until_up(url: str, server: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"moto server exited early: {server.stderr.read().decode(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{url}/moto-api/", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    pytest.fail("moto server did not answer in time")


@pytest.fixture
def moto_server():
    port = _free_port()
    server = subprocess.Popen(_server_command(port), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, server)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _env(tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    for name in ("config", "credentials"):
        (tmp_path / name).write_text("")
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
               AWS_CONFIG_FILE=str(tmp_path / "config"), AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "credentials"),
               AWS_EC2_METADATA_DISABLED="true")
    return env


def test_snapshot_and_check_through_a_moto_server(moto_server, tmp_path):
    ec2 = boto3.client("ec2", region_name=REGION, endpoint_url=moto_server,
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    world = build_world(ec2)
    out = tmp_path / "snapshot.json"
    env = _env(tmp_path)
    snap = subprocess.run(
        [sys.executable, "-m", "sgverify", "snapshot", "--endpoint-url", moto_server, "--region", REGION,
         "--vpc-id", world.vpc, "-o", str(out)],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert snap.returncode == 0, snap.stderr
    assert f"wrote {out}" in snap.stderr and "Traceback" not in snap.stderr
    repair_moto_snapshot(out)
    check_world_model(out, world)

    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC.format(network=out, layers="security-groups"))
    check = subprocess.run([sys.executable, "-m", "sgverify", "check", str(spec)],
                           capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert check.returncode == 1, check.stdout + check.stderr  # two claims cannot be proven
    for name, verdict in EXPECTED.items():
        assert f"{'holds' if verdict.value == 'holds' else 'VIOLATED'}: {name}" in check.stdout
    # the counterexample names the rule that lets the outside member in, by group and position
    assert f"{world.db}/IpPermissions[0].UserIdGroupPairs[1]" in check.stdout
    assert world.partner in check.stderr  # warned about when the snapshot is read


def test_snapshot_of_three_vpcs_through_a_moto_server(moto_server, tmp_path):
    """Two VPCs on one range, a third peered with the first: the command reads the path layer as built."""
    ec2 = boto3.client("ec2", region_name=REGION, endpoint_url=moto_server,
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    world = build_vpc_world(ec2)
    out = tmp_path / "snapshot.json"
    snap = subprocess.run(
        [sys.executable, "-m", "sgverify", "snapshot", "--endpoint-url", moto_server, "--region", REGION,
         "-o", str(out)],
        capture_output=True, text=True, env=_env(tmp_path), cwd=ROOT, timeout=300)
    assert snap.returncode == 0, snap.stderr
    assert "Traceback" not in snap.stderr and "warning" not in snap.stderr
    assert f"wrote {out}" in snap.stderr
    assert "4 VPCs" in snap.stderr and "7 route tables" in snap.stderr  # and moto's default VPC
    check_vpc_world(out, world, ec2)
