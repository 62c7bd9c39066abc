"""Stable fingerprints of findings, so a waiver can name one finding exactly.

A fingerprint is a short hash of what the finding *is* (its kind, the name it
is reported under and a normalized description of the packets concerned), not
of how it was found: the packet the solver happens to pick, timings or file
order never enter it, so the same finding keeps its fingerprint from run to
run and changes when the finding itself changes.
"""

from __future__ import annotations

import hashlib

from ..spec import Assertion

LENGTH = 16  # hex digits: short enough to copy, collisions negligible per project


def fingerprint(kind: str, name: str, *parts: str) -> str:
    text = "\x1f".join((kind, name, *parts))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:LENGTH]


def assertion_fingerprint(assertion: Assertion) -> str:
    """A violation of an assertion: its name plus the exact question it asks.

    Editing the assertion (endpoints, protocol, ports) gives a new fingerprint,
    so a waiver by fingerprint never silently carries over to a wider question.
    """
    traffic = ",".join(f"{lo}-{hi}" for lo, hi in assertion.traffic.intervals())
    return fingerprint(
        "violation",
        assertion.name,
        assertion.kind.value,
        "|".join(sorted(repr(e) for e in assertion.sources)),
        "|".join(sorted(repr(e) for e in assertion.destinations)),
        traffic,
    )
