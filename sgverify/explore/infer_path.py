"""`infer` with a VPC layer: today's sources, narrowed to those the path delivers.

The region engine's sources are what the security groups admit; the path
can only take some away (routes, NACLs and gateways add filters). Each
inferred `only` keeps the sources that still reach the resource on the path
(one `deny` query per source) and becomes `deny from any` when none is left.
Every item is then proved on the path before it is written; one that does
not hold (none should) is left out and named.
"""

from __future__ import annotations

from dataclasses import replace

from ..model import Network
from ..solve import Verdict, check_assertion
from ..solve.prove import CompiledNetwork
from ..spec import AddressEndpoint, Assertion, Kind, ResourceEndpoint
from .infer import Inferred, Sources, infer, to_assertion


def infer_on_path(network: Network) -> tuple[list[Inferred], list[str]]:
    compiled = CompiledNetwork(network)
    kept, dropped = [], []
    for item in infer(network):
        if item.kind is Kind.ONLY and item.sources is not None:
            item = _narrowed(compiled, item)
        if check_assertion(compiled, to_assertion(item)).verdict is Verdict.HOLDS:
            kept.append(item)
        else:
            dropped.append(item.name)
    return kept, dropped


def _narrowed(compiled: CompiledNetwork, item: Inferred) -> Inferred:
    target = (ResourceEndpoint(item.resource),)

    def reaches(sources) -> bool:
        a = Assertion("reach", Kind.DENY, sources, target, item.traffic())
        return check_assertion(compiled, a).verdict is not Verdict.HOLDS

    resources = frozenset(r for r in item.sources.resources if reaches((ResourceEndpoint(r),)))
    blocks = item.sources.blocks if item.sources.blocks and reaches(
        (AddressEndpoint("blocks", item.sources.blocks),)) else ()
    if not resources and not blocks:
        return replace(item, kind=Kind.DENY, sources=None)
    return replace(item, sources=Sources(resources, tuple(blocks)))
