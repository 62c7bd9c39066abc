"""The line-keeping YAML/JSON reader."""

from __future__ import annotations

import json
import time

import pytest

from sgverify.inputs.yamlnodes import MAX_DEPTH, MAX_EXPANDED_NODES, YList, YMap, load_yaml

DOC = """\
top: 1
items:
  - a
  - {k: v, n: 7}
nested:
  inner: text
"""


def test_values_are_plain_and_lines_are_kept():
    doc = load_yaml(DOC, "f.yaml")
    assert doc == {"top": 1, "items": ["a", {"k": "v", "n": 7}], "nested": {"inner": "text"}}
    assert isinstance(doc, YMap) and isinstance(doc["items"], YList)
    assert doc.line == 1
    assert doc.key_line("items") == 2
    assert doc["items"].item_line(0) == 3
    assert doc["items"].item_line(1) == 4
    assert doc["items"][1].line == 4
    assert doc["items"][1].value_line("n") == 4
    assert doc.value_line("nested") == 6  # a block mapping starts at its first key
    assert doc["nested"].key_line("inner") == 6


def test_json_is_read_with_lines():
    text = '{\n  "a": [\n    1,\n    {"b": "x\\/y"}\n  ],\n\t"c": true\n}\n'
    doc = load_yaml(text, "f.json")
    assert doc == {"a": [1, {"b": "x/y"}], "c": True}
    assert doc["a"].item_line(1) == 4
    assert doc.key_line("c") == 6


def test_large_json_is_read_quickly():
    rules = [{"protocol": "tcp", "ports": i, "source": f"10.{i % 250}.0.0/16"} for i in range(5_000)]
    text = json.dumps({"rules": rules}, indent=1)
    start = time.perf_counter()
    doc = load_yaml(text, "big.json")
    assert time.perf_counter() - start < 5  # generous: shared test machines are slow
    assert len(doc["rules"]) == 5_000
    assert doc["rules"][-1] == {"protocol": "tcp", "ports": 4_999, "source": "10.249.0.0/16"}
    assert doc["rules"].item_line(4_999) == 2 + 5 * 4_999 + 1  # indent=1: five lines per rule


def test_json_numbers_and_words():
    doc = load_yaml('{"i": -3, "f": 1.5e2, "t": true, "n": null, "s": "\\u00e9"}')
    assert doc == {"i": -3, "f": 150.0, "t": True, "n": None, "s": "é"}


def test_flow_yaml_that_is_not_json_still_reads():
    doc = load_yaml("{a: 1, b: [x, y]}\n")
    assert doc == {"a": 1, "b": ["x", "y"]}


def test_broken_json_is_reported_with_its_line(rejected):
    found = rejected(load_yaml, '{\n  "a": 1,\n  "b": [1, 2\n}\n')
    assert len(found) == 1 and found[0].startswith("f.yaml:4: error: invalid YAML"), found


def test_base60_looking_numbers_stay_text():
    # YAML 1.1 would read 20:30 as 1230; a port written like that must not be misread.
    assert load_yaml("p: 20:30\n")["p"] == "20:30"


def test_octal_looking_numbers_stay_text():
    # YAML 1.1 would read 0443 as octal 291.
    assert load_yaml("p: 0443\nq: 0\nr: 0x1bb\n") == {"p": "0443", "q": 0, "r": 443}


def test_dates_stay_text_and_null_is_none():
    doc = load_yaml("d: 2024-01-02\nn: ~\nh: 0x10\n")
    assert doc == {"d": "2024-01-02", "n": None, "h": 16}


def test_merge_keys_are_expanded_and_explicit_keys_win():
    doc = load_yaml("base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\n")
    assert doc["m"] == {"x": 1, "y": 3}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", "f.yaml:1: error: the file is empty or holds only comments"),
        ("# only\n# comments\n", "f.yaml:1: error: the file is empty or holds only comments"),
        ("a: 1\nb: 2\na: 3\n", "f.yaml:3: error: duplicate key 'a' (first at line 1)"),
        ("- 1\n- 2\n", "f.yaml:1: error: the top level must be a mapping"),
        ("just text\n", "f.yaml:1: error: the top level must be a mapping"),
        ("a: 1\n---\nb: 2\n", "f.yaml:2: error: more than one YAML document"),
        ("a: 1\nb: [1, 2\n", "f.yaml:3: error: invalid YAML: did not find expected ',' or ']'"),
        ("a: 1\n b: 2\n", "f.yaml:2: error: invalid YAML: mapping values are not allowed"),
        ("a:\n  1: x\n", "f.yaml:2: error: keys must be strings; got '1'"),
        ("a:\n  ? [1, 2]\n  : x\n", "f.yaml:2: error: keys must be strings"),
        ("a: !Ref thing\n", "f.yaml:1: error: unsupported YAML tag '!Ref'"),
        ("a: &x [1, *x]\n", "f.yaml:1: error: a YAML alias refers to a node that contains it"),
        ("a: *nowhere\n", "f.yaml:1: error: invalid YAML: found undefined alias"),
        ('{"a": 1, "a": 2}', "f.yaml:1: error: duplicate key 'a'"),
    ],
)
def test_rejections_name_the_line(rejected, text, expected):
    found = rejected(load_yaml, text)
    assert len(found) == 1
    assert found[0].startswith(expected), found


def test_every_duplicate_key_is_reported():
    found = rejected_all("a: 1\na: 2\nb:\n  c: 1\n  c: 2\n")
    assert found == [
        "f.yaml:2: error: duplicate key 'a' (first at line 1)",
        "f.yaml:5: error: duplicate key 'c' (first at line 4)",
    ]


def rejected_all(text):
    from sgverify.errors import InputError

    with pytest.raises(InputError) as caught:
        load_yaml(text, "f.yaml")
    return [str(d) for d in caught.value.diagnostics]


def test_billion_laughs_is_rejected_quickly(rejected):
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    start = time.perf_counter()
    found = rejected(load_yaml, "\n".join(lines) + "\n")
    assert time.perf_counter() - start < 1
    assert len(found) == 1
    assert f"YAML aliases expand to more than {MAX_EXPANDED_NODES:,} nodes" in found[0]


def test_moderate_alias_reuse_is_fine():
    doc = load_yaml("a: &a [1, 2]\nb: [*a, *a]\n")
    assert doc["b"] == [[1, 2], [1, 2]]


@pytest.mark.parametrize(
    "text",
    [
        "a: " + "[" * 100_000 + "]" * 100_000 + "\n",  # crashes the C composer if not caught first
        '{"a": ' + "[" * 100_000 + "]" * 100_000 + "}",
        "a:\n" + "".join(" " * i + "- \n" for i in range(1, MAX_DEPTH + 2)),
    ],
    ids=["yaml-flow", "json", "yaml-block"],
)
def test_absurd_nesting_is_rejected_not_crashing(rejected, text):
    found = rejected(load_yaml, text)
    # Our own depth check speaks first, except where a newer PyYAML (6.0.4+)
    # refuses the flow nesting itself: either way, one clear line, no crash.
    assert len(found) == 1 and ": error: " in found[0], found
    assert f"nesting is deeper than {MAX_DEPTH} levels" in found[0] or "maximum nesting depth" in found[0], found


def test_nesting_up_to_the_limit_is_read():
    depth = MAX_DEPTH - 1
    doc = load_yaml('{"a": ' + "[" * depth + "]" * depth + "}")
    inner = doc["a"]
    for _ in range(depth - 1):
        inner = inner[0]
    assert inner == []
