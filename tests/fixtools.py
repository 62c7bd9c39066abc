"""Helpers shared by the `sgverify fix` tests: a copied input and spec in a temporary
folder, the changed lines of a patch, and a patch applied with both `patch -p0` and
`git apply` and checked again with the real CLI."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from clitools import ROOT, run


def copy_input(tmp_path: Path, example: str) -> str:
    """The example (a file or a folder) copied into tmp_path; its name there."""
    source = ROOT / example
    target = tmp_path / source.name
    (shutil.copytree if source.is_dir() else shutil.copy)(source, target)
    return source.name


def write_spec(tmp_path: Path, network: str, body: str, name: str = "spec.yaml") -> str:
    """A spec naming `network` with the given assertions; its name, for runs in tmp_path."""
    (tmp_path / name).write_text(f"network: {network}\nassertions:\n{body}", encoding="utf-8")
    return name


def changed_lines(patch: str) -> list[str]:
    return [line for line in patch.splitlines() if line[:1] in "+-" and line[:3] not in ("---", "+++")]


def apply_both_ways(tmp_path: Path, network: str, patch: Path, spec: str = "spec.yaml") -> Path:
    """Apply the patch with `patch -p0` to one copy and `git apply` to another, in a fresh
    repository; both must give the same files, and `check` must prove the spec on them.
    The folder patched with `patch`."""
    results = []
    for tool in ("patch", "git"):
        folder = tmp_path / f"with-{tool}"
        folder.mkdir()
        source = tmp_path / network
        (shutil.copytree if source.is_dir() else shutil.copy)(source, folder / network)
        shutil.copy(tmp_path / spec, folder / "spec.yaml")
        if tool == "patch":
            command = ["patch", "-p0", "-i", str(patch)]
        else:
            subprocess.run(["git", "init", "-q"], cwd=folder, check=True)
            command = ["git", "apply", str(patch)]
        done = subprocess.run(command, cwd=folder, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
        run(["check", "spec.yaml"], 0, cwd=folder)
        paths = (folder / network).rglob("*") if (folder / network).is_dir() else [folder / network]
        results.append(sorted((p.relative_to(folder), p.read_bytes()) for p in paths if p.is_file()))
    assert results[0] == results[1]
    return tmp_path / "with-patch"
