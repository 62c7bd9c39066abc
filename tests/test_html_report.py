"""The HTML report: one self-contained file, rendered in headless Chromium.

Needs the Debian packages `chromium` (and `graphviz` for the inline SVG graph;
without it the page shows the graph as a list). The screenshot is kept in the
test's tmp folder, and in tests/artifacts/ when SGVERIFY_ARTIFACTS is set.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "seed"
CLAIMS = ROOT / "specs" / "article-claims"
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def seed_path(number: int) -> str:
    return str(next(SEED.glob(f"{number}-*.yaml")))


def browser() -> str | None:
    return next((shutil.which(name) for name in BROWSERS if shutil.which(name)), None)


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    out = tmp_path_factory.mktemp("report") / "report.html"
    claims = str(next(CLAIMS.glob("6-*.yaml")))
    done = subprocess.run([sys.executable, "-m", "sgverify", "report", "--network", seed_path(6), "--spec", claims,
                           "-o", str(out)], capture_output=True, text=True, cwd=ROOT, timeout=600)
    return out, done


def test_report_is_written_and_exits_like_check(report):
    out, done = report
    assert done.returncode == 1, done.stderr  # the article's scenario-6 claim is refuted
    assert out.exists() and "Traceback" not in done.stderr


def test_report_is_self_contained(report):
    text = report[0].read_text()
    assert not re.search(r"<(script|link|img|iframe)\b[^>]*\b(src|href)\s*=", text, re.I)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", text, re.I)
    assert not re.search(r"@import", text)


def test_report_holds_every_section(report):
    text = report[0].read_text()
    for section in ("graph", "matrix", "exposures", "lint", "verdicts"):
        assert f'<section id="{section}">' in text
    assert "VIOLATED" in text and "counterexample: tcp 10.0.1.10:* -&gt; 10.0.2.10:" in text
    assert '<table class="matrix">' in text
    # Scenario 6's group sg-type-z has no members: lint says so, in the report too.
    assert '<table class="lint">' in text and "SG008-reference-to-empty-group" in text


def test_report_without_a_spec_has_no_verdicts(tmp_path):
    out = tmp_path / "r.html"
    done = subprocess.run([sys.executable, "-m", "sgverify", "report", "--network", seed_path(1), "-o", str(out)],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    assert '<section id="verdicts">' not in text and "tcp/80,443" in text


def _chromium(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}"]
    return subprocess.run([binary, *flags, *args], capture_output=True, text=True, timeout=180)


def test_report_renders_in_chromium(report, tmp_path):
    binary = browser()
    if binary is None:
        pytest.skip("no Chromium found (apt-get install chromium)")
    page = report[0].resolve().as_uri()
    dom = _chromium(binary, tmp_path / "profile-dom", "--dump-dom", page)
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    assert '<table class="matrix">' in html and "<th>aws-resource-a</th>" in html
    assert '<section id="exposures">' in html and '<section id="verdicts">' in html
    assert '<table class="lint">' in html
    if shutil.which("dot"):
        assert "<svg" in html and 'class="graph"' in html
    else:
        assert '<ul class="edges">' in html
    shot = tmp_path / "report.png"
    taken = _chromium(binary, tmp_path / "profile-shot", f"--screenshot={shot}", "--window-size=1280,2000", page)
    assert shot.exists(), taken.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000  # a blank page compresses far smaller
    if os.environ.get("SGVERIFY_ARTIFACTS"):
        artifacts = ROOT / "tests" / "artifacts"
        artifacts.mkdir(exist_ok=True)
        shutil.copy(shot, artifacts / "report.png")


def test_graph_without_graphviz_is_a_list_and_mermaid(monkeypatch, tmp_path):
    from sgverify.explore.html import graph_section
    from sgverify.explore.matrix import build_matrix
    from sgverify.inputs import load_network

    network = load_network(seed_path(1)).network
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` here
    section = graph_section(network, build_matrix(network))
    assert "<svg" not in section and '<ul class="edges">' in section
    assert '<li class="edge-public">internet &rarr; aws-resource-a: tcp/80,443</li>' in section
    assert "flowchart LR" in section
