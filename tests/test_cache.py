"""The cache of loaded networks: a hit gives exactly what reading gives, and
nothing but the same content, path, format and code can ever hit."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from clitools import ROOT, run
from sgverify.errors import InputError
from sgverify.inputs import cache, load_network

SEED = ROOT / "examples" / "seed" / "3-inbound-from-sg.yaml"


@pytest.fixture
def folder(tmp_path: Path, monkeypatch) -> Path:
    """The cache on, for inputs of any size, in a private folder."""
    where = tmp_path / "cache"
    monkeypatch.setenv("SGVERIFY_CACHE", "1")
    monkeypatch.setenv("SGVERIFY_CACHE_DIR", str(where))
    monkeypatch.setenv("SGVERIFY_CACHE_MIN_BYTES", "0")
    return where


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.pickle")) if folder.exists() else []


def copy_of(tmp_path: Path, source: Path = SEED, name: str = "net.yaml") -> Path:
    target = tmp_path / name
    target.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    return target


def test_a_hit_equals_a_fresh_read(folder, tmp_path):
    path = copy_of(tmp_path)
    first = load_network(str(path))
    assert len(entries(folder)) == 1
    second = load_network(str(path))
    os.environ["SGVERIFY_CACHE"] = "0"  # the fixture's monkeypatch restores it
    assert second == first == load_network(str(path))
    assert second.network.resources and second.network.groups


def test_the_entry_is_what_is_returned(folder, tmp_path):
    # Planting a different network under the key shows that a hit reads the entry.
    path, other = copy_of(tmp_path), load_network(str(ROOT / "examples" / "seed" / "4-outbound-all.yaml"))
    for entry in entries(folder):
        entry.unlink()
    load_network(str(path))
    [entry] = entries(folder)
    entry.write_bytes(pickle.dumps(other))
    assert load_network(str(path)) == other


def test_changed_content_is_read_again(folder, tmp_path):
    path = copy_of(tmp_path)
    before = load_network(str(path)).network
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("10.0.1.10", "10.0.1.11"), encoding="utf-8")
    after = load_network(str(path)).network
    assert after.resources["aws-resource-a"] != before.resources["aws-resource-a"]
    assert len(entries(folder)) == 2


def test_the_path_is_part_of_the_key(folder, tmp_path):
    # Origins print the path as given, so another name for the same bytes is another entry.
    first, second = copy_of(tmp_path, name="a.yaml"), copy_of(tmp_path, name="b.yaml")
    a, b = load_network(str(first)).network, load_network(str(second)).network
    rule = next(iter(b.groups.values())).ingress[0]
    assert str(rule.origin).startswith(str(second))
    assert a != b and len(entries(folder)) == 2


def test_format_parameters_and_code_are_part_of_the_key(monkeypatch):
    base = cache._key("n.json", "detect", {}, b"{}")
    assert cache._key("n.json", "native", {}, b"{}") != base
    assert cache._key("n.json", "detect", {"Env": "prod"}, b"{}") != base
    monkeypatch.setattr(cache, "code_fingerprint", lambda: "another version")
    assert cache._key("n.json", "detect", {}, b"{}") != base


def test_a_damaged_entry_is_read_around(folder, tmp_path):
    path = copy_of(tmp_path)
    expected = load_network(str(path))
    [entry] = entries(folder)
    entry.write_bytes(b"not a pickle")
    assert load_network(str(path)) == expected


def test_a_folder_others_can_write_is_not_used(folder, tmp_path):
    folder.mkdir(mode=0o700)
    folder.chmod(0o777)
    path = copy_of(tmp_path)
    load_network(str(path))
    assert entries(folder) == []


def test_off_small_and_folders_are_not_cached(folder, tmp_path, monkeypatch):
    path = copy_of(tmp_path)
    monkeypatch.setenv("SGVERIFY_CACHE", "0")
    load_network(str(path))
    assert entries(folder) == []
    monkeypatch.setenv("SGVERIFY_CACHE", "1")
    monkeypatch.setenv("SGVERIFY_CACHE_MIN_BYTES", str(path.stat().st_size + 1))
    load_network(str(path))
    assert entries(folder) == []
    monkeypatch.setenv("SGVERIFY_CACHE_MIN_BYTES", "0")
    load_network(str(ROOT / "examples" / "terraform" / "seed" / "1-inbound-world-web"))
    assert entries(folder) == []


def test_errors_are_not_cached(folder, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("security_groups:\n  sg-a:\n    ingress:\n      - {protocol: tcp, ports: 99999, source: 0.0.0.0/0}\n")
    for _ in range(2):
        with pytest.raises(InputError) as caught:
            load_network(str(path))
        assert "bad.yaml:4" in str(caught.value.diagnostics[0])
    assert entries(folder) == []


def test_old_entries_are_removed(folder, tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "KEEP_ENTRIES", 3)
    for index in range(5):
        load_network(str(copy_of(tmp_path, name=f"n{index}.yaml")))
    assert len(entries(folder)) == 3


def test_the_command_gives_the_same_output_from_the_cache(folder, tmp_path):
    network = copy_of(tmp_path)
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"network: {network}\nassertions:\n"
                    "  - name: B cannot reach A on 80\n"
                    "    deny: {from: aws-resource-b, to: aws-resource-a, protocol: tcp, ports: [80]}\n")
    cold = run(["check", spec], 1)
    assert len(entries(folder)) == 1
    warm = run(["check", spec], 1)
    assert warm.stdout == cold.stdout and warm.stderr == cold.stderr
    assert f"{network}:" in cold.stdout  # the rule's file:line survives the cache


def test_an_entry_written_in_the_background_is_what_reading_gives(folder, tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "BACKGROUND_BYTES", 0)  # every input is large enough
    path = copy_of(tmp_path)
    read = load_network(str(path))
    assert len(cache._WRITERS) == 1  # a child is writing it
    cache.wait_for_writers()
    [entry] = entries(folder)
    assert pickle.loads(entry.read_bytes()) == read
    assert not list(folder.glob("*.tmp"))  # written whole, under its final name
