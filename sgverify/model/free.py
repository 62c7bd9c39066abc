"""Names of the free choices a verdict must hold for (shared by encoder and explainer).

Where the input leaves something unknown, the verifier does not guess: it
leaves a Boolean free, and a counterexample states the value it relied on.
"""

from __future__ import annotations

from .network import Rule


def member_choice(side: str, group: str) -> str:
    """Whether the unmanaged address on `side` ("src"/"dst") is a member of opaque `group`."""
    return f"member:{side}:{group}"


def unknown_choice(rule: Rule, position: int) -> str:
    """Whether the unknown part of a rule (at `position` in its group's list) matches."""
    return f"unknown:{rule.group}/{rule.direction.value}/{position}"


def unplaced_choice(resource: str) -> str:
    """Whether the way to and from a resource whose subnet the input does not
    describe (its route table, NACL, gateways) carries the packet."""
    return f"placed:{resource}"


def unplaced(end) -> bool:
    """A resource end outside every described subnet."""
    return bool(end.resource) and not end.subnet
