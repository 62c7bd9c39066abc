"""The verifier against the brute-force oracle on random small networks.

Both decide the same semantics independently; they must agree on every
verdict, and every counterexample the verifier reports must be a real
violation when replayed by the oracle.  Run more examples with
SGVERIFY_EXAMPLES=5000.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oracle import decide, replay
from sgverify.encode import atoms
from sgverify.solve import Verdict, check_assertion
from sgverify.spec import Kind
from strategies import assertions, cases, networks

EXAMPLES = int(os.environ.get("SGVERIFY_EXAMPLES", 200))
# Rules with an unknown service keep their known parts (protocol) in the drawn
# networks; True would give them Service(ALL) instead.
UNKNOWN_SERVICE_ALL = False
SETTINGS = settings(max_examples=EXAMPLES, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def agree(network, assertion) -> None:
    result = check_assertion(network, assertion)
    expected = decide(network, assertion)
    want = Verdict.HOLDS if expected.holds else Verdict.VIOLATED
    assert result.verdict is want, (
        f"verifier says {result.verdict.value}, oracle says {want.value}"
        f" (oracle witness: {expected.witness}; verifier reason: {result.reason!r})")
    replay(network, assertion, result)


@SETTINGS
@given(cases(UNKNOWN_SERVICE_ALL))
def test_verifier_agrees_with_oracle(case):
    agree(*case)


@st.composite
def _kind_cases(draw, kind: Kind):
    net = draw(networks(UNKNOWN_SERVICE_ALL))
    a = draw(assertions(net))
    return net, type(a)(a.name, kind, a.sources, a.destinations, a.traffic)


@SETTINGS
@given(_kind_cases(Kind.ONLY))
def test_only_assertions_agree(case):
    """`only` negates the source set, which exercises every endpoint kind's complement."""
    agree(*case)


@SETTINGS
@given(_kind_cases(Kind.ALLOW))
def test_allow_assertions_agree(case):
    """`allow` needs every free choice to deliver: unknown rules and opaque groups bite here."""
    agree(*case)


@SETTINGS
@given(cases(UNKNOWN_SERVICE_ALL), st.sampled_from([1, 2, 3]))
def test_verdicts_are_the_same_with_sets_swept_as_a_group(case, smallest):
    """Sets of `smallest` intervals or more swept together and remembered across queries,
    as the large sets of a large estate are (atoms._Group): the same verdicts."""
    saved = atoms.GROUP_MIN, atoms.GROUP_REST
    atoms.GROUP_MIN, atoms.GROUP_REST = smallest, 10**9
    try:
        agree(*case)
        agree(*case)  # the group remembered from the first time
    finally:
        atoms.GROUP_MIN, atoms.GROUP_REST = saved
