"""`baseline: FILE` in a spec: added access since the baseline, as one more assertion.

The assertion holds when the spec's network delivers nothing that the baseline
does not (possible added access counts: a pass is a proof). Otherwise it is
violated, with a witness packet of the first added region as counterexample
and the number of added regions in the reason; `sgverify diff` lists them all.
Resources with exactly the same groups are compared as one profile (see
profiles.py: the same packets, and a gate that finishes on a large estate);
the counterexample names the member resources the witness goes between.
"""

from __future__ import annotations

import time

from ..explain.evaluate import Situation, admitting_rules
from ..model import Direction, Family, Network, Origin
from ..model.addresses import format_address
from ..solve.result import Counterexample, Result, Side, Stats, Verdict
from ..spec import AnyEndpoint, Assertion, Kind
from .align import align
from .engine import Change, diff_networks
from .explain import describe_side
from .profiles import Profiles, merge_profiles

NAME = "no access added since the baseline"


def baseline_assertion(spec_path: str, line: int | None) -> Assertion:
    return Assertion(name=NAME, kind=Kind.DENY, sources=(AnyEndpoint(),), destinations=(AnyEndpoint(),),
                     origin=Origin(spec_path, line))


def baseline_result(assertion: Assertion, baseline: Network, network: Network) -> Result:
    started = time.perf_counter()
    network = align(baseline, network)
    profiles = merge_profiles(baseline, network)
    diff = diff_networks(profiles.old, profiles.new)
    stats = Stats(time.perf_counter() - started)
    if not diff.added:
        return Result(assertion, Verdict.HOLDS, stats=stats)
    ordered = sorted(diff.added, key=lambda c: not c.certain)  # a certain witness first
    first = ordered[0]
    possible = sum(1 for c in diff.added if not c.certain)
    reason = (f"{len(diff.added)} region(s) of access added since {baseline.source}"
              + (f" ({possible} possible)" if possible else "") + ": "
              + "; ".join(_row(c, profiles.new) for c in ordered[:5]) + ("; ..." if len(ordered) > 5 else ""))
    return Result(assertion, Verdict.VIOLATED, _counterexample(first, network, profiles), reason=reason,
                  stats=stats)


def _row(change: Change, network: Network) -> str:
    """One added row (`network`: the one delivering it, to write unmanaged sides briefly)."""
    r = change.region
    return f"{r.source} [{describe_side(change, True, None, network)}] -> {r.destination} {r.service_text}"


def _counterexample(change: Change, network: Network, profiles: Profiles) -> Counterexample | None:
    r = change.region
    packet = r.witness()
    if packet is None:
        return None
    # The resources the witness goes between (a profile's member holding the address).
    who = [profiles.resource_at(p, packet.family, address) for p, address in
           ((r.source, packet.src), (r.destination, packet.dst))]
    assumptions = tuple(r.depends_on) + (
        f"not delivered by the baseline: {_row(change, profiles.new)} is added access",)
    return Counterexample(
        packet=packet,
        source=_side(network, packet.family, packet.src, who[0]),
        destination=_side(network, packet.family, packet.dst, who[1]),
        allowed_by=_admitting(change, network, packet, who),
        assumptions=assumptions,
    )


def _admitting(change: Change, network: Network, packet, who: list) -> tuple:
    """The rules admitting the witness itself (all the region's rules when it rests on unknowns)."""
    r = change.region
    if not change.certain:
        return tuple(r.egress_rules) + tuple(r.ingress_rules)
    s = Situation(network, packet, who[0], who[1], {})
    return tuple(admitting_rules(s, Direction.EGRESS) + admitting_rules(s, Direction.INGRESS))


def _side(network: Network, family: Family, address: int, resource: str | None) -> Side:
    external = next((e.name for e in network.externals.values()
                     if any(c.contains(family, address) for c in e.cidrs)), None)
    return Side(format_address(family, address), resource, external)
