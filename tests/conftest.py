"""Shared fixtures: run a reader on inline text and get its diagnostics as lines."""

from __future__ import annotations

import os
import textwrap

import pytest

# Tests read their inputs for real; the cache's own tests turn it on.
os.environ["SGVERIFY_CACHE"] = "0"

from sgverify.errors import InputError


@pytest.fixture
def rejected():
    """rejected(parse, text) -> the printed diagnostics; fails if `parse` accepts the text."""

    def run(parse, text: str, path: str = "f.yaml") -> list[str]:
        with pytest.raises(InputError) as caught:
            parse(textwrap.dedent(text), path)
        return [str(d) for d in caught.value.diagnostics]

    return run
