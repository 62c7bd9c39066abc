"""Verdicts and findings: what verification returns (plain values, no z3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from ..model import Direction, Packet, Rule
from ..spec import Assertion


class Verdict(Enum):
    HOLDS = "holds"
    VIOLATED = "violated"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Side:
    """One end of a counterexample packet: who the address is."""

    address: str
    resource: str | None = None  # resource name, or None for an unmanaged address
    external: str | None = None  # external whose blocks contain the address, if any

    @property
    def name(self) -> str | None:
        return self.resource or self.external


@dataclass(frozen=True)
class Block:
    """Why a packet is not delivered: the side that drops it and its nearest rules."""

    direction: Direction  # EGRESS: the source's egress drops it; INGRESS: the destination's
    resource: str
    groups: tuple[str, ...]
    nearest: tuple[Rule, ...]  # rules of that side closest to admitting the packet


@dataclass(frozen=True)
class PathHop:
    """One step of a packet's path in a counterexample: the element that
    decides it, what it decided, and where that element is written."""

    step: str  # e.g. "egress", "nacl", "route", "gateway", "ingress"
    element: str  # e.g. "sg-web egress[0]", "acl-1 outbound #100", "route rt-1: 0.0.0.0/0 -> igw-1"
    outcome: str  # "admits", "denies", "no rule admits", "dropped", ...
    origin: str = ""
    reply: bool = False  # on the reply, not the request

    def __str__(self) -> str:
        where = f"  {self.origin}" if self.origin else ""
        return f"{'reply ' if self.reply else ''}{self.step}: {self.element}: {self.outcome}{where}"


@dataclass(frozen=True)
class Counterexample:
    packet: Packet
    source: Side
    destination: Side
    allowed_by: tuple[Rule, ...] = ()  # egress then ingress rules admitting a delivered packet
    blocked_by: Block | None = None  # the first side that drops the packet (egress before ingress)
    also_blocked_by: Block | None = None  # the destination's ingress, when it drops it too
    assumptions: tuple[str, ...] = ()  # e.g. "10.9.9.9 is a member of opaque group sg-x"
    # With a VPC layer: the path hop by hop (request, then reply for `allow`),
    # the hop that fails (for a blocked connection) and the client port used.
    path: tuple[PathHop, ...] = ()
    failed_at: str = ""
    client_port: int | None = None


@dataclass(frozen=True)
class Stats:
    seconds: float = 0.0
    queries: int = 0
    solver: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Result:
    assertion: Assertion
    verdict: Verdict
    counterexample: Counterexample | None = None
    reason: str = ""  # for UNKNOWN: why (timeout, solver gave up...)
    stats: Stats = field(default_factory=Stats)
