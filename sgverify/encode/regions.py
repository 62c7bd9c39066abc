"""Check a region set against the encoder: "delivered XOR in the regions" is unsat.

The region engine computes delivered sets by interval algebra; this module
states the same set as a formula, rule by rule, and asks the solver for a
packet on which the two disagree. None found = the
regions are exactly the delivered set (for the given value of every free
Boolean). Used by the tests, and available to anyone who wants the proof.
"""

from __future__ import annotations

from dataclasses import dataclass

import z3

from ..model import CidrPeer, Direction, Family, GroupPeer, Network, PrefixListPeer
from ..model import intervals as iv
from ..model.addresses import PRIVATE_V4, UNFILTERED_SERVICES, public_intervals
from ..model.service import SERVICE_BITS
from ..regions import Box, Principal
from ..solve.solver import Sat, check
from .terms import all_of, any_of, in_intervals


@dataclass(frozen=True)
class Mismatch:
    """A packet on which regions and encoder disagree."""

    src: int
    dst: int
    service: int
    delivered: bool  # what the encoder says


class _Encoder:
    """Delivered between two fixed principals, rule by rule, straight from the model.

    Deliberately not the merged policies of the verifier nor the region
    engine's algebra: a third statement of the semantics to compare against.
    """

    def __init__(self, network: Network, family: Family, free: bool, ctx: z3.Context):
        self.network, self.family, self.free, self.ctx = network, family, free, ctx
        tag = family.value
        self.src = z3.BitVec(f"src{tag}", family.width, ctx)
        self.dst = z3.BitVec(f"dst{tag}", family.width, ctx)
        self.service = z3.BitVec(f"service{tag}", SERVICE_BITS, ctx)

    def addr_in(self, x, intervals) -> z3.BoolRef:
        return in_intervals(x, iv.normalize(intervals), self.family.width)

    def concrete(self) -> iv.Intervals:
        return iv.of_points(v for r in self.network.resources.values() for v in r.addresses(self.family))

    def is_principal(self, x, principal: Principal) -> z3.BoolRef:
        """x is an address `principal` can have (identity fixed to it)."""
        family, parts = self.family, []
        if principal.is_resource:
            resource = self.network.resources[principal.name]
            if resource.symbolic:
                subnets = (iv.of_cidrs(resource.subnets, family) if resource.subnets else
                           iv.of_cidrs(PRIVATE_V4, family) if family is Family.V4 else [])
                parts += [self.addr_in(x, subnets), z3.Not(self.addr_in(x, self.concrete()))]
            else:
                parts.append(self.addr_in(x, iv.of_points(resource.addresses(family))))
        else:
            parts.append(z3.Not(self.addr_in(x, self.concrete())))
        if principal.within is not None:
            parts.append(self.addr_in(x, iv.of_cidrs(principal.within, family)))
        if principal.public_only:
            parts.append(self.addr_in(x, public_intervals(family)))
        if principal.excluding:
            parts.append(z3.Not(self.addr_in(x, iv.of_cidrs(principal.excluding, family))))
        return all_of(parts, self.ctx)

    def member(self, x, principal: Principal, group: str) -> z3.BoolRef:
        if principal.is_resource:
            resource = self.network.resources[principal.name]
            if group not in resource.groups:
                return z3.BoolVal(False, self.ctx)
            if resource.symbolic:
                return z3.BoolVal(True, self.ctx)
            return self.addr_in(x, iv.of_points(resource.private_addresses(self.family)))
        known = self.network.groups.get(group)
        return z3.BoolVal(bool(known and known.opaque and self.free), self.ctx)

    def rule(self, rule, x, peer: Principal) -> z3.BoolRef:
        target = rule.peer
        if isinstance(target, CidrPeer):
            matched = self.addr_in(x, iv.of_cidrs([target.cidr], self.family))
        elif isinstance(target, PrefixListPeer):
            matched = self.addr_in(x, iv.of_cidrs(self.network.prefix_lists[target.prefix_list].cidrs,
                                                  self.family))
        elif isinstance(target, GroupPeer):
            matched = self.member(x, peer, target.group)
        else:
            matched = z3.BoolVal(self.free, self.ctx)
        known = z3.BoolVal(self.free or not rule.service_unknown, self.ctx)
        services = in_intervals(self.service, rule.service.intervals(), SERVICE_BITS)
        return all_of([services, matched, known], self.ctx)

    def side_ok(self, own: Principal, peer: Principal, direction: Direction) -> z3.BoolRef:
        if not own.is_resource:
            return z3.BoolVal(True, self.ctx)
        x = self.dst if direction is Direction.EGRESS else self.src
        parts = []
        if direction is Direction.EGRESS:
            parts.append(self.addr_in(x, iv.of_cidrs(UNFILTERED_SERVICES, self.family)))
        for key in self.network.resources[own.name].groups:
            group = self.network.groups.get(key)
            for rule in (group.rules(direction) if group else ()):
                parts.append(self.rule(rule, x, peer))
        return any_of(parts, self.ctx)


def _in_boxes(e: _Encoder, boxes) -> z3.BoolRef:
    width = e.family.width
    return any_of([all_of([in_intervals(e.src, b.sources, width),
                           in_intervals(e.dst, b.destinations, width),
                           in_intervals(e.service, b.services, SERVICE_BITS)], e.ctx)
                   for b in boxes], e.ctx)


def mismatch_formula(network: Network, source: Principal, destination: Principal, family: Family,
                     boxes: list[Box], free: bool, ctx: z3.Context) -> z3.BoolRef:
    """Satisfiable iff some packet (s != d) is delivered but not in `boxes`, or the reverse.

    free: the value given to every free Boolean (False: "certain", True: "possible").
    """
    e = _Encoder(network, family, free, ctx)
    absent = any(p.is_resource and p.name not in network.resources for p in (source, destination))
    delivered = z3.BoolVal(False, ctx) if absent else all_of([
        e.is_principal(e.src, source),
        e.is_principal(e.dst, destination),
        e.side_ok(source, destination, Direction.EGRESS),
        e.side_ok(destination, source, Direction.INGRESS),
    ], ctx)
    return all_of([e.src != e.dst, z3.Xor(delivered, _in_boxes(e, boxes))], ctx)


def find_mismatch(network: Network, source: Principal, destination: Principal, family: Family,
                  boxes: list[Box], free: bool, timeout: float | None = 60.0,
                  ctx: z3.Context | None = None) -> Mismatch | None:
    """A packet where `boxes` and the encoder disagree, or None if they are equal.

    Raises RuntimeError when the solver cannot decide (never read as "equal").
    """
    ctx = ctx or z3.Context()  # a context costs ~0.1 s: callers checking many pairs pass one
    formula = mismatch_formula(network, source, destination, family, boxes, free, ctx)
    answer = check(formula, timeout)
    if answer.status is Sat.UNSAT:
        return None
    if answer.status is Sat.UNKNOWN:
        raise RuntimeError(f"solver could not compare regions: {answer.reason}")
    builder_model = answer.model

    def value(name: str, width: int) -> int:
        return builder_model.eval(z3.BitVec(name, width, ctx), model_completion=True).as_long()

    tag = family.value
    src, dst = value(f"src{tag}", family.width), value(f"dst{tag}", family.width)
    service = value(f"service{tag}", SERVICE_BITS)
    inside = any(b.contains(src, dst, service) for b in boxes)
    return Mismatch(src, dst, service, delivered=not inside)
