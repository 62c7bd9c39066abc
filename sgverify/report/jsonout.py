"""JSON report; the schema is documented in the README ("JSON output")."""

from __future__ import annotations

import json

from ..model.service import protocol_name
from ..solve.result import Block, Counterexample, Result
from .outcome import SpecOutcome, Summary
from .rules import rule_dict


def counterexample_dict(cx: Counterexample) -> dict:
    p = cx.packet
    return {
        "source": cx.source.name,
        "destination": cx.destination.name,
        "src_ip": cx.source.address,
        "dst_ip": cx.destination.address,
        "protocol": protocol_name(p.protocol) if protocol_name(p.protocol).isalpha() else p.protocol,
        "port": p.port,
        "icmp_type": p.icmp_type,
        "icmp_code": p.icmp_code,
        "packet": str(p),
        "allowed_by": [rule_dict(r) for r in cx.allowed_by],
        "blocked_by": block_dict(cx.blocked_by),
        "also_blocked_by": block_dict(cx.also_blocked_by),
        "assumptions": list(cx.assumptions),
        **(_path(cx) if cx.path else {}),
    }


def _path(cx: Counterexample) -> dict:
    """With a VPC layer: the path hop by hop, and where a connection fails."""
    return {
        "path": [{"step": h.step, "element": h.element, "outcome": h.outcome, "origin": h.origin or None,
                  "reply": h.reply} for h in cx.path],
        "failed_at": cx.failed_at or None,
        "client_port": cx.client_port,
    }


def block_dict(block: Block | None) -> dict | None:
    if block is None:
        return None
    return {
        "direction": block.direction.value,
        "resource": block.resource,
        "groups": list(block.groups),
        "nearest": [rule_dict(r) for r in block.nearest],
    }


def result_dict(result: Result, spec_path: str, with_stats: bool = False) -> dict:
    a = result.assertion
    out = {
        "name": a.name,
        "kind": a.kind.value,
        "status": result.verdict.value,
        "spec": spec_path,
        "location": str(a.origin) or None,
        "counterexample": counterexample_dict(result.counterexample) if result.counterexample else None,
    }
    if result.reason:
        out["reason"] = result.reason
    if with_stats:
        out["stats"] = {"seconds": round(result.stats.seconds, 6), "queries": result.stats.queries,
                        "solver": result.stats.solver}
    return out


def render(outcomes: list[SpecOutcome], with_stats: bool = False) -> str:
    results = [result_dict(r, o.spec.path, with_stats) for o in outcomes for r in o.results]
    s = Summary.of(outcomes)
    summary = {"total": s.total, "holds": s.holds, "violated": s.violated, "unknown": s.unknown}
    return json.dumps({"results": results, "summary": summary}, indent=2) + "\n"
