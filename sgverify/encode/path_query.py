"""One path query: a source end, its destination alternatives -> one z3 formula.

For `deny` and `only` the formula's models are delivered requests: some leg
from the source end arrives at the destination end and every filter on it
admits the request. For `allow` they are connections that complete at none
of the destination's alternatives (its addresses, or every end holding an
address): the request or the reply fails on every leg.

Free choices (absent NACLs and tables, undescribed targets, opaque members,
unknown rule parts, zones, free addresses) are free symbols, so a proof holds
for every value they may take and a counterexample states the ones it used.
"""

from __future__ import annotations

from dataclasses import dataclass

import z3

from ..model import Direction
from ..model import intervals as iv
from ..model.ends import Addr, End, EndKind
from ..model.free import unplaced, unplaced_choice
from ..model.leg import Crossing, Leg, RouteBack
from ..model.legs import Legs
from ..model.service import SERVICE_BITS
from . import smt
from .path_terms import Terms, safe


@dataclass(frozen=True)
class Alternative:
    """A destination end, at a fixed address, at a free one (its public address
    when not known), or (None) at any address of `space`."""

    end: End
    address: int | Addr | None
    space: tuple


WHO_BITS = 24  # cases per query: at most 16M


@dataclass(frozen=True)
class Case:
    """One source end (with the addresses that count) and its destination alternatives."""

    src: End
    src_space: tuple
    alternatives: tuple[Alternative, ...]


@dataclass
class PathQuery:
    formula: z3.BoolRef
    variables: dict[str, z3.ExprRef]
    free: dict[str, z3.BoolRef]
    choices: dict[str, z3.BitVecRef]
    addresses: dict[str, z3.BitVecRef]


def arrivals(leg: Leg, end: End) -> tuple | None:
    """The destinations (as sent) at which the leg arrives at that end."""
    if leg.arrival == "public":
        if leg.at is not None:
            return leg.space if leg.lands_on_free_public(end) else None
        if end.kind is EndKind.RESOURCE and end.subnet == leg.subnet and end.publics:
            return tuple(iv.intersect(list(leg.space), iv.of_points(end.publics)))
        return None
    if leg.arrival == "subnet":
        if end.kind is not EndKind.OUTSIDE and end.subnet == leg.subnet:
            return tuple(iv.intersect(list(leg.space), list(end.space)))
        return None
    if end.kind is EndKind.OUTSIDE:
        return leg.space
    if end.kind is EndKind.RESOURCE and not end.subnet and leg.arrival == "outside":
        return tuple(iv.intersect(list(leg.space), list(end.space)))
    return None


class PathQueryBuilder:
    def __init__(self, legs: Legs, ctx: z3.Context):
        self.legs = legs
        self.ctx = ctx
        self.family = legs.family

    def leg_term(self, t: Terms, src: End, dst: End, leg: Leg, dst_term: str, reply: bool, within=None) -> str:
        """`within`: the source addresses the case already confines `src` to, so
        a leg's own source space is written only where it narrows them (the
        internet minus every public address of a large input is thousands of
        intervals; the case's, after the groups' filter, a few)."""
        space = arrivals(leg, dst)
        if not space:
            return smt.FALSE
        parts = [t.addr_in(dst_term, space)]
        if leg.at is not None:
            parts.append(f"(= {dst_term} {t.addr(leg.at)})")
        if leg.source_space is not None:
            parts.append(self._source_in(t, leg.source_space, within))
        parts += [t.bool_var(name) for name in leg.assume]
        parts += [t.bool_var(unplaced_choice(e.resource)) for e in (src, dst) if unplaced(e)]
        for name, value, count in leg.choices:
            parts.append(f"(= {safe(name)} {smt.bv(value, 8)})")
            t.decls[safe(name)] = "(_ BitVec 8)"
            t.defs.append(f"(bvult {safe(name)} {smt.bv(count, 8)})")
        if leg.protocols is not None:
            parts.append(smt.any_of(f"(= ((_ extract 23 16) svc) {smt.bv(p, 8)})" for p in leg.protocols))
        parts += [t.crossing(c, dst_term) for c in leg.request]
        if leg.arrival != "service":
            if src.resource:
                parts.append(t.sg(src, dst, leg, Direction.EGRESS, dst_term))
            if dst.resource:
                parts.append(t.sg(dst, src, leg, Direction.INGRESS, dst_term))
        if reply and leg.arrival != "service":
            back = [self._reply_check(t, c, dst_term) for c in leg.reply]
            parts.append(smt.any_of([smt.negate("reply_needed"), smt.all_of(back)]))
        return smt.all_of(parts)

    @staticmethod
    def _source_in(t: Terms, source_space, within) -> str:
        if within is None:
            return t.addr_in("src", source_space)
        within = list(within)
        if not iv.subtract(within, list(source_space), t.family.top):
            return smt.TRUE
        return t.addr_in("src", iv.intersect(within, list(source_space)))

    def _reply_check(self, t: Terms, check, dst_term: str) -> str:
        if isinstance(check, Crossing):
            return t.crossing(check, dst_term)
        if isinstance(check, RouteBack):
            return t.route_back(check, dst_term)
        return t.tgw_back(check, dst_term)

    def delivered(self, t: Terms, src: End, alternative: Alternative, reply: bool, within=None) -> str:
        address = alternative.address
        if address is None:
            dst_term = "dst"
        elif isinstance(address, Addr):
            dst_term = t.addr(address)
        else:
            dst_term = smt.bv(address, self.family.width)
        terms = [self.leg_term(t, src, alternative.end, leg, dst_term, reply, within) for leg in self.legs.from_end(src)]
        body = smt.any_of(terms)
        if alternative.address is None:
            body = smt.all_of([t.addr_in("dst", alternative.space), body])
        return body

    def build(self, src: End, src_space, alternatives: list[Alternative], services, *,
                  connection: bool, client_ports: tuple[int, int]) -> PathQuery | None:
        return self.build_many([Case(src, tuple(src_space), tuple(alternatives))], services,
                               connection=connection, client_ports=client_ports)

    def build_many(self, cases: list["Case"], services, *, connection: bool,
                   client_ports: tuple[int, int]) -> PathQuery | None:
        """One formula for many (source end, destinations) cases: `who` names the
        case of a model. NACLs and groups met by many cases are written once."""
        t = Terms(self.legs)
        t.reply_definitions()
        w = self.family.width
        for name in ("src", "dst"):
            t.decls[name] = f"(_ BitVec {w})"
        t.decls["svc"] = f"(_ BitVec {SERVICE_BITS})"
        t.decls["cport"] = "(_ BitVec 16)"
        t.decls["natport"] = "(_ BitVec 16)"
        t.decls["who"] = f"(_ BitVec {WHO_BITS})"
        shared = [t.svc_in("svc", services), smt.in_intervals("cport", [client_ports], 16),
                  smt.in_intervals("natport", [(1024, 65535)], 16)]
        bodies = []
        for index, case in enumerate(cases):
            body = self._case(t, case, connection)
            if body != smt.FALSE:
                bodies.append(smt.all_of([f"(= who {smt.bv(index, WHO_BITS)})", body]))
        formula_body = smt.all_of(shared + [smt.any_of(bodies)])
        if formula_body == smt.FALSE:
            return None
        return self._parse(t, formula_body)

    def _case(self, t: Terms, case: "Case", connection: bool) -> str:
        src, alternatives = case.src, case.alternatives
        body = [t.addr_in("src", case.src_space)]
        if all(a.address is None for a in alternatives) and (
                any(a.end == src for a in alternatives) or (src.vpc and all(a.end.vpc == src.vpc for a in alternatives))):
            # A packet from an address to itself never crosses the network, and two
            # interfaces of one VPC never share an address.
            body.append("(not (= src dst))")
        if connection:
            body.append(smt.all_of(smt.negate(self.delivered(t, src, a, True, case.src_space)) for a in alternatives))
            if any(a.address is None for a in alternatives):
                body.append(smt.any_of(t.addr_in("dst", a.space) for a in alternatives if a.address is None))
        else:
            body.append(smt.any_of(self.delivered(t, src, a, False, case.src_space) for a in alternatives))
        return smt.all_of(body)

    def _parse(self, t: Terms, body: str) -> PathQuery:
        decls = "".join(f"(declare-const {name} {sort})" for name, sort in t.decls.items())
        text = f"{decls}(assert (and {body} {' '.join(t.defs) or 'true'}))"
        formula = z3.parse_smt2_string(text, ctx=self.ctx)[0]
        width = self.family.width
        variables = {"src": z3.BitVec("src", width, self.ctx), "dst": z3.BitVec("dst", width, self.ctx),
                     "svc": z3.BitVec("svc", SERVICE_BITS, self.ctx), "cport": z3.BitVec("cport", 16, self.ctx),
                     "natport": z3.BitVec("natport", 16, self.ctx),
                     "who": z3.BitVec("who", WHO_BITS, self.ctx)}
        free = {name: z3.Bool(name, self.ctx) for name in t.free}
        choices = {s.strip("|"): z3.BitVec(s.strip("|"), 8, self.ctx) for s, sort in t.decls.items()
                   if sort == "(_ BitVec 8)"}
        addresses = {s.strip("|"): z3.BitVec(s.strip("|"), width, self.ctx) for s, sort in t.decls.items()
                     if sort == f"(_ BitVec {width})" and s not in ("src", "dst")}
        return PathQuery(formula, variables, free, choices, addresses)
