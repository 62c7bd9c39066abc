"""The pre-commit hook: its manifest, its entry run as pre-commit would, and
(when pre-commit is installed) `pre-commit try-repo` on a committed copy."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from clitools import ROOT

HOOKS = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
SPEC_OK = "network: ../net.yaml\nassertions:\n  - {name: b accepts nothing, deny: {from: any, to: aws-resource-b}}\n"
SPEC_BAD = "network: ../net.yaml\nassertions:\n  - {name: a is closed, deny: {from: internet, to: aws-resource-a}}\n"


def hook(hook_id: str = "sgverify-check") -> dict:
    return next(h for h in HOOKS if h["id"] == hook_id)


def test_manifest_declares_the_check_hook():
    h = hook()
    assert h["language"] == "python" and h["pass_filenames"] is True
    assert shlex.split(h["entry"])[:2] == ["sgverify", "check"]
    files = re.compile(h["files"])
    assert files.search("specs/seed/1-inbound-world-web.yaml")
    assert files.search("infra/specs/web.yml")
    assert not files.search("examples/seed/1-inbound-world-web.yaml")


def project(tmp_path: Path, spec: str) -> Path:
    shutil.copy(ROOT / "examples" / "seed" / "1-inbound-world-web.yaml", tmp_path / "net.yaml")
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "web.yaml").write_text(spec, encoding="utf-8")
    return tmp_path


def run_entry(folder: Path, files: list[str]) -> subprocess.CompletedProcess:
    """What pre-commit runs: the entry, then the matching file names."""
    entry = shlex.split(hook()["entry"])
    command = [sys.executable, "-m", "sgverify", *entry[1:], *files]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=300)


def test_entry_passes_on_a_spec_that_holds(tmp_path):
    done = run_entry(project(tmp_path, SPEC_OK), ["specs/web.yaml"])
    assert done.returncode == 0, done.stdout + done.stderr
    assert "holds: b accepts nothing" in done.stdout


def test_entry_fails_the_commit_on_a_violation(tmp_path):
    done = run_entry(project(tmp_path, SPEC_BAD), ["specs/web.yaml"])
    assert done.returncode == 1, done.stdout + done.stderr
    assert "VIOLATED: a is closed" in done.stdout


def _git(folder: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.email=ci@example.com", "-c", "user.name=ci", *args], cwd=folder,
                   check=True, capture_output=True, timeout=120)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pre-commit") is None or shutil.which("git") is None,
                    reason="pre-commit is not installed (the entry is tested directly above)")
def test_pre_commit_try_repo(tmp_path):
    # try-repo installs the hook's repository into its own environment: give it a
    # committed copy of this checkout (HEAD), so work in progress cannot leak in.
    source = tmp_path / "sgverify-src"
    source.mkdir()
    archive = subprocess.run(["git", "archive", "HEAD"], cwd=ROOT, capture_output=True, check=True, timeout=120)
    subprocess.run(["tar", "-x", "-C", str(source)], input=archive.stdout, check=True, timeout=120)
    shutil.copy(ROOT / ".pre-commit-hooks.yaml", source / ".pre-commit-hooks.yaml")
    _git(source, "init", "-q")
    _git(source, "add", "-A")
    _git(source, "commit", "-q", "-m", "snapshot")

    (tmp_path / "user").mkdir()
    user = project(tmp_path / "user", SPEC_BAD)
    _git(user, "init", "-q")
    _git(user, "add", "-A")
    env = dict(os.environ, PRE_COMMIT_HOME=str(tmp_path / "cache"),
               # Reuse the installed z3 and friends instead of downloading them again.
               VIRTUALENV_SYSTEM_SITE_PACKAGES="1")
    command = ["pre-commit", "try-repo", str(source), "sgverify-check", "--files", "specs/web.yaml"]
    # One run (installing the hook's environment takes minutes): the hook runs the
    # check on the spec and fails the commit on its violation; passing specs are
    # covered by the entry test above.
    done = subprocess.run(command, cwd=user, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "sgverify check" in done.stdout and "Failed" in done.stdout
    assert "VIOLATED: a is closed" in done.stdout
