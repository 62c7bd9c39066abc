"""The fast indented JSON writer gives json.dumps(indent=2)'s text exactly."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from sgverify.report.indented import dumps_indented

leaves = st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.text() \
    | st.floats(allow_nan=True, allow_infinity=True)
values = st.recursive(leaves, lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
                      | st.dictionaries(st.text(max_size=5), inner, max_size=4), max_leaves=30)


@given(values, st.integers(0, 3))
def test_same_text_as_the_standard_library(value, level):
    expected = json.dumps(value, indent=2).replace("\n", "\n" + "  " * level)
    assert dumps_indented(value, level) == expected


def test_by_hand():
    assert dumps_indented({"a": [1, "é"], "b": {}, "c": [], "d": None, "e": True}) == (
        '{\n  "a": [\n    1,\n    "\\u00e9"\n  ],\n  "b": {},\n  "c": [],\n  "d": null,\n  "e": true\n}')
    assert dumps_indented({"k": [[]]}, 1) == '{\n    "k": [\n      []\n    ]\n  }'


def test_keys_that_are_not_strings_go_to_the_standard_library():
    assert dumps_indented({1: "x", None: 2}) == json.dumps({1: "x", None: 2}, indent=2)
