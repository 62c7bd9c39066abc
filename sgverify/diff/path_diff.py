"""Diff on the VPC path: access NEW adds to OLD (and removes), pair by pair.

With a VPC layer, a route, NACL, gateway or peering change is a change of
access as much as a rule change. For every pair of ends (the internet, each
resource interface, the unmanaged hosts of each subnet) one query asks for a
request delivered in NEW and not in OLD (and one the other way): its model is
a witness, replayed on both networks before it is reported, with NEW's path
and the hop where OLD stopped it.

Ends are matched by what they are (the same resource in the same subnet, the
hosts of the same subnet, the outside), so an end that exists on one side
only adds or removes all it reaches.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import z3

from ..encode import smt
from ..encode.path_query import Alternative, PathQueryBuilder, arrivals
from ..encode.path_terms import Terms
from ..errors import ReplayMismatch
from ..explain.counterexample import packet_from_values
from ..explain.path_evaluate import Flow, PathEvaluator
from ..model import Family, Network
from ..model.ends import End, EndKind, Places
from ..model.legs import Legs
from ..model.service import SERVICE_BITS, SERVICE_TOP
from ..solve.result import PathHop
from ..solve.solver import Sat, check

FAMILIES = (Family.V4, Family.V6)


@dataclass(frozen=True)
class PathChange:
    added: bool  # True: NEW delivers it and OLD does not
    source: str
    destination: str
    packet: str
    path: tuple[PathHop, ...]  # on the network that delivers it
    stopped: tuple[PathHop, ...]  # on the one that does not, up to the hop that stops it
    stopped_at: str


def _key(end: End) -> tuple:
    return (end.kind.value, end.resource, end.subnet)


def _label(end: End) -> str:
    if end.kind is EndKind.OUTSIDE:
        return "outside (internet)"
    return end.label


def _ends(legs: Legs) -> dict[tuple, End]:
    ends = [e for es in legs.places.resource_ends.values() for e in es] + legs.places.host_ends + [legs.outside_end]
    return {_key(e): e for e in ends}


def path_diff(old: Network, new: Network, services=((0, SERVICE_TOP),)) -> list[PathChange]:
    out: list[PathChange] = []
    for family in FAMILIES:
        legs = {side: Legs(Places(net, family)) for side, net in (("old", old), ("new", new))}
        ends = {side: _ends(legs[side]) for side in legs}
        ctx = z3.Context()
        for added in (True, False):
            after, before = ("new", "old") if added else ("old", "new")
            for skey, src in ends[after].items():
                for dkey, dst in ends[after].items():
                    if dst.kind is EndKind.HOST and src.kind is not EndKind.RESOURCE:
                        continue  # between unmanaged hosts: nothing to attribute
                    if not any(arrivals(leg, dst) for leg in legs[after].from_end(src)):
                        continue
                    change = _change(ctx, legs[after], legs[before], src, dst, ends[before].get(skey),
                                     ends[before].get(dkey), services, added)
                    if change is not None:
                        out.append(change)
    return out


def _change(ctx, after_legs: Legs, before_legs: Legs, src: End, dst: End, src_before, dst_before,
            services, added: bool) -> PathChange | None:
    t_after, t_before = Terms(after_legs, "n"), Terms(before_legs, "o")
    width = after_legs.family.width
    now = PathQueryBuilder(after_legs, ctx).delivered(t_after, src, Alternative(dst, None, tuple(dst.reached)), False)
    then = smt.FALSE
    if src_before is not None and dst_before is not None:
        then = smt.all_of([t_before.addr_in("src", src_before.space),
                           PathQueryBuilder(before_legs, ctx).delivered(
                               t_before, src_before, Alternative(dst_before, None, tuple(dst_before.reached)), False)])
    body = smt.all_of([t_after.addr_in("src", src.space), t_after.svc_in("svc", services), now,
                       smt.negate(then), "(not (= src dst))" if _key(src) == _key(dst) else smt.TRUE])
    if body == smt.FALSE:
        return None
    decls = {"src": f"(_ BitVec {width})", "dst": f"(_ BitVec {width})", "svc": f"(_ BitVec {SERVICE_BITS})",
             **t_after.decls, **t_before.decls}
    text = "".join(f"(declare-const {n} {s})" for n, s in decls.items())
    text += f"(assert (and {body} {' '.join(t_after.defs + t_before.defs) or 'true'}))"
    answer = check(z3.parse_smt2_string(text, ctx=ctx)[0])
    if answer.status is not Sat.SAT:
        return None  # unsat: nothing changed for this pair (unknown cannot happen without a timeout)
    model = answer.model

    def value(name: str, bits: int) -> int:
        return model.eval(z3.BitVec(name, bits, ctx), model_completion=True).as_long()

    free = {n: z3.is_true(model.eval(z3.Bool(n, ctx), model_completion=True)) for n in t_after.free | t_before.free}
    addresses = {n.strip("|"): value(n.strip("|"), width) for n, s in decls.items()
                 if s == f"(_ BitVec {width})" and n not in ("src", "dst")}
    choices = {n.strip("|"): value(n.strip("|"), 8) for n, s in decls.items() if s == "(_ BitVec 8)"}
    flow = Flow(src, dst, value("src", width), value("dst", width), value("svc", SERVICE_BITS),
                free=free, choices=choices, addresses=addresses)
    delivered = PathEvaluator(after_legs).request(flow)
    stopped = None
    if src_before is not None and dst_before is not None:
        stopped = PathEvaluator(before_legs).request(Flow(src_before, dst_before, flow.src, flow.dst, flow.service,
                                                          free=free, choices=choices, addresses=addresses))
    if not delivered.ok or (stopped is not None and stopped.ok):
        raise ReplayMismatch(f"path diff witness {flow.src}->{flow.dst} does not replay")
    packet = packet_from_values(after_legs.family, flow.src, flow.dst, flow.service)
    return PathChange(added, _label(src), _label(dst), str(packet), tuple(delivered.hops),
                      tuple(stopped.hops) if stopped else (), stopped.failed_at if stopped else "absent before")


def render_text(changes: list[PathChange]) -> str:
    if not changes:
        return "no change of access on the path\n"
    lines = []
    for c in changes:
        sign = "+" if c.added else "-"
        lines.append(f"{sign} {c.source} -> {c.destination}: e.g. {c.packet}")
        lines += [f"    {hop}" for hop in c.path]
        lines.append(f"    {'before' if c.added else 'after'}: stopped at {c.stopped_at}")
    added = sum(c.added for c in changes)
    lines.append(f"{added} pairs gain access, {len(changes) - added} lose access (on the VPC path)")
    return "\n".join(lines) + "\n"


def render_json(changes: list[PathChange]) -> str:
    def hops(items):
        return [{"step": h.step, "element": h.element, "outcome": h.outcome, "origin": h.origin or None,
                 "reply": h.reply} for h in items]

    rows = [{"change": "added" if c.added else "removed", "source": c.source, "destination": c.destination,
             "packet": c.packet, "path": hops(c.path), "stopped": hops(c.stopped), "stopped_at": c.stopped_at}
            for c in changes]
    return json.dumps({"layers": "path", "changes": rows}, indent=2) + "\n"
