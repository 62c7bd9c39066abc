"""Reading a large input costs seconds, so two shortcuts skip work that changes
nothing: a JSON file that opens with a native key is read as native without
parsing it once more to detect its format, and a file read twice in one process
(same path and bytes) is read once while its result is alive. Neither may change
a value or a message."""

from __future__ import annotations

import gc
import json
import weakref
from pathlib import Path

import pytest

from sgverify.errors import InputError
from sgverify.inputs import load_network
from sgverify.inputs.native.reader import parse_network, read_if_native_json

DOC = {
    "security_groups": {
        "web": {"ingress": [{"protocol": "tcp", "ports": 443, "source": "0.0.0.0/0"}],
                "egress": [{"protocol": "all", "destination": "db"}]},
        "db": {"ingress": [{"protocol": "tcp", "ports": 5432, "source": "web"}]},
    },
    "resources": {"app": {"ips": ["10.0.0.5"], "security_groups": ["web"]},
                  "data": {"ips": ["10.0.0.6"], "security_groups": ["db"]}},
}


def write(tmp_path: Path, text: str, name: str = "net.json") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("text", [json.dumps(DOC), json.dumps(DOC, indent=2), "\ufeff" + json.dumps(DOC)])
def test_a_native_json_file_reads_as_when_its_format_is_named(tmp_path, text):
    path = write(tmp_path, text)
    assert read_if_native_json(str(path)) == load_network(str(path), input_format="native")


@pytest.mark.parametrize("text", [
    json.dumps({"SecurityGroups": []}),  # AWS output: detection decides
    json.dumps({"note": "x", **DOC}),  # a native key, but not the first one
    "security_groups: {}\n",  # YAML
])
def test_other_files_are_left_to_detection(tmp_path, text):
    assert read_if_native_json(str(write(tmp_path, text))) is None


def test_a_terraform_file_is_left_to_detection(tmp_path):
    assert read_if_native_json(str(write(tmp_path, json.dumps(DOC), "main.tf"))) is None


@pytest.mark.parametrize("text, line", [
    ('{"security_groups": {}, "resources": {},}', 1),  # a trailing comma
    ('{"security_groups": {},\n resources: {}}', 2),  # YAML flow inside braces is no JSON
])
def test_broken_json_is_refused_as_detection_refuses_it(tmp_path, text, line):
    path = write(tmp_path, text)
    with pytest.raises(InputError) as caught:
        load_network(str(path))
    (message,) = [str(d) for d in caught.value.diagnostics]
    assert message.startswith(f"{path}:{line}: error: invalid JSON")


@pytest.fixture
def no_disk_cache(monkeypatch):
    monkeypatch.setenv("SGVERIFY_CACHE", "0")
    monkeypatch.setenv("SGVERIFY_CACHE_MIN_BYTES", "0")


def test_a_file_read_twice_while_alive_is_read_once(tmp_path, no_disk_cache):
    path = write(tmp_path, json.dumps(DOC))
    first = load_network(str(path))
    assert load_network(str(path)) is first
    assert load_network(str(path), input_format="native") is not first  # another reading: another key


def test_changed_bytes_or_a_freed_result_are_read_again(tmp_path, no_disk_cache):
    path = write(tmp_path, json.dumps(DOC))
    first = load_network(str(path))
    path.write_text(json.dumps(DOC).replace("10.0.0.5", "10.0.0.7"), encoding="utf-8")
    second = load_network(str(path))
    assert second != first
    assert second.network.resources["app"].ips[0][1] == (10 << 24) + 7
    gone = weakref.ref(second)
    del first, second
    gc.collect()
    assert gone() is None  # nothing but the caller kept the network alive
    assert load_network(str(path)).network.resources["app"].ips[0][1] == (10 << 24) + 7


def test_a_rule_written_as_in_an_earlier_file_reads_as_there_and_true_is_no_port(tmp_path):
    # Service and text are kept per rule as written, across files; 1 and True are equal
    # keys in Python, yet `ports: true` is an error wherever it is written.
    plain = {"security_groups": {"web": {"ingress": [{"protocol": "tcp", "ports": 1, "source": "0.0.0.0/0"}]}}}
    first = parse_network(json.dumps(plain), "a.json").network.groups["web"].ingress[0]
    again = parse_network(json.dumps(plain, indent=1), "b.json").network.groups["web"].ingress[0]
    assert (again.service, again.text, str(again.origin)) == (first.service, first.text, "b.json:5")
    odd = json.loads(json.dumps(plain).replace('"ports": 1', '"ports": true'))
    with pytest.raises(InputError) as caught:
        parse_network(json.dumps(odd), "c.json")
    assert any("c.json:1" in str(d) and "port" in str(d) for d in caught.value.diagnostics)
