"""One way to run the CLI in tests.

`invoke` runs the typer app in-process and re-raises any exception the app did
not turn into an exit code, so a crash can never pass as "exit 2".
`run` runs `python -m sgverify` as a real subprocess, as a user would;
`on_a_terminal` does too, with stderr on a pseudo-terminal (progress bars).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent


def invoke(args: list[str], expected_code: int):
    from sgverify.cli.app import _register, app

    _register()
    result = CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == expected_code, (
        f"exit {result.exit_code}, expected {expected_code}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    )
    return result


def run(args: list[str], expected_code: int, cwd: Path = ROOT, timeout: float = 300, env: dict | None = None):
    env = dict(os.environ, **(env or {}), PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run([sys.executable, "-m", "sgverify", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == expected_code, (
        f"exit {done.returncode}, expected {expected_code}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    )
    return done


def on_a_terminal(args: list) -> tuple[subprocess.CompletedProcess, bytes]:
    """Run the CLI with stderr on a pseudo-terminal; return the run (stdout as
    bytes) and what it drew on the terminal."""
    import pty

    leader, follower = pty.openpty()
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run([sys.executable, "-m", "sgverify", *map(str, args)], stdout=subprocess.PIPE,
                          stderr=follower, cwd=ROOT, env=env, timeout=300)
    os.close(follower)
    drawn = b""
    try:
        while chunk := os.read(leader, 65536):
            drawn += chunk
    except OSError:  # the terminal is closed once the child is gone
        pass
    os.close(leader)
    return done, drawn


def golden(name: str, actual: str) -> None:
    """Compare with tests/golden/NAME; SGVERIFY_REGEN_GOLDEN=1 rewrites it instead."""
    path = ROOT / "tests" / "golden" / name
    if os.environ.get("SGVERIFY_REGEN_GOLDEN"):
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"no golden file {path}: run with SGVERIFY_REGEN_GOLDEN=1 and review it"
    assert actual == path.read_text(encoding="utf-8")
