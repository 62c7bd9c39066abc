"""The verifier's result on one hand-written case, checked against the oracle.

Kept apart from oracle.py, which must not import the verifier it judges.
"""

from __future__ import annotations

from oracle import decide, replay
from sgverify.solve import Result, Verdict, check_assertion


def checked(network, assertion) -> Result:
    """The verifier's result, once its verdict matches the brute-force oracle's
    and its counterexample (if any) replays as a real violation."""
    result = check_assertion(network, assertion)
    oracle = Verdict.HOLDS if decide(network, assertion).holds else Verdict.VIOLATED
    assert result.verdict is oracle, f"verifier {result.verdict.value}, oracle {oracle.value}"
    replay(network, assertion, result)
    return result
