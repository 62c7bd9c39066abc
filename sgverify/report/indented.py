"""json.dumps(value, indent=2), written faster for the report rows of a large diff.

With an indent, the standard library encodes in Python, a generator step per
value; a 100k-rule diff writes tens of millions of values that way. Here each
container is one join and each string goes through the C escaper, for the
same text byte for byte (the tests compare the two on random values).
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring_ascii

STEP = "  "


def dumps_indented(value, level: int = 0) -> str:
    """The text json.dumps(value, indent=2) gives, as if written `level` levels deep
    (continuation lines carry the indent of that depth)."""
    kind = type(value)
    if kind is str:
        return encode_basestring_ascii(value)
    if kind is int:
        return int.__repr__(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if kind is list or kind is tuple:
        if not value:
            return "[]"
        inner = "\n" + STEP * (level + 1)
        return "[" + inner + ("," + inner).join(_items(value, level + 1)) + "\n" + STEP * level + "]"
    if kind is dict and all(type(key) is str for key in value):
        if not value:
            return "{}"
        inner = "\n" + STEP * (level + 1)
        return "{" + inner + ("," + inner).join(encode_basestring_ascii(key) + ": " + dumps_indented(item, level + 1)
                                                for key, item in value.items()) + "\n" + STEP * level + "}"
    # Anything else (floats, subclasses, other keys): the standard library, re-indented.
    return json.dumps(value, indent=2).replace("\n", "\n" + STEP * level)


def _items(value, level: int) -> list[str]:
    if type(value[0]) is str:  # address blocks: thousands, each written by the C escaper
        try:
            return list(map(encode_basestring_ascii, value))
        except TypeError:  # not strings all through: item by item
            pass
    return [dumps_indented(item, level) for item in value]
