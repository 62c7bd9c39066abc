"""Exposure on the VPC path: who reaches a target (or whom it reaches), and how.

With a VPC layer, exposure is a path question: the internet reaches a
resource only through an internet gateway, at a public address, past every
NACL and group on the way. Each peer (the internet first, then every other
resource, then unmanaged hosts of each subnet) is one `deny` query on the
path; a refuted one is a row with its witness packet and the gateways,
peerings and transit gateways it took.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..model import Network
from ..solve import Verdict
from ..solve.path_prove import PathNetwork, check_path_assertion
from ..solve.result import Counterexample
from ..spec import AddressEndpoint, Assertion, InternetEndpoint, Kind, ResourceEndpoint, Traffic
from .names import endpoint_named
from .progress import Tick

GATEWAY_WORDS = ("internet gateway", "NAT gateway", "peering", "transit gateway", "gateway endpoint",
                 "not in the input")


@dataclass(frozen=True)
class PathRow:
    peer: str
    verdict: str  # "reaches", "unknown"
    witness: Counterexample | None
    via: tuple[str, ...]  # gateways, peerings, transit gateways on the path
    reason: str = ""


@dataclass(frozen=True)
class PathExposure:
    target: str
    egress: bool
    rows: tuple[PathRow, ...]


def path_exposure(network: Network, target: str, egress: bool = False, traffic: Traffic | None = None,
                  tick: Tick | None = None) -> PathExposure:
    paths = PathNetwork(network)
    own = endpoint_named(network, target)
    peers = [("internet", InternetEndpoint())]
    peers += [(name, ResourceEndpoint(name)) for name in sorted(network.resources)
              if not (isinstance(own, ResourceEndpoint) and own.name == name)]
    for key, subnet in sorted(network.topology.subnets.items()):
        peers.append((f"hosts of {key}", AddressEndpoint(key, subnet.cidrs)))
    rows = []
    for index, (label, peer) in enumerate(peers):
        sources, destinations = ((own,), (peer,)) if egress else ((peer,), (own,))
        a = Assertion(f"{label} -> {target}", Kind.DENY, sources, destinations, traffic or Traffic())
        result = check_path_assertion(paths, a)
        if tick is not None:
            tick(index + 1, len(peers))
        if result.verdict is Verdict.VIOLATED:
            cx = result.counterexample
            via = tuple(h.element for h in cx.path if any(w in h.element for w in GATEWAY_WORDS))
            rows.append(PathRow(label, "reaches", cx, via))
        elif result.verdict is Verdict.UNKNOWN:
            rows.append(PathRow(label, "unknown", None, (), result.reason))
    return PathExposure(target, egress, tuple(rows))


def render_text(result: PathExposure) -> str:
    arrow = "reaches" if result.egress else "is reached by"
    if not result.rows:
        return f"{result.target}: nothing on the path {'it reaches' if result.egress else 'reaches it'}\n"
    lines = [f"{result.target} {arrow} (on the VPC path):"]
    for row in result.rows:
        if row.witness is None:
            lines.append(f"  {row.peer}: unknown ({row.reason})")
            continue
        via = f"  via {'; '.join(row.via)}" if row.via else ""
        lines.append(f"  {row.peer}: e.g. {row.witness.packet}{via}")
        lines += [f"      {hop}" for hop in row.witness.path]
        lines += [f"      assuming: {text}" for text in row.witness.assumptions]
    return "\n".join(lines) + "\n"


def render_json(result: PathExposure) -> str:
    rows = [{"peer": r.peer, "verdict": r.verdict, "via": list(r.via), "reason": r.reason or None,
             "witness": None if r.witness is None else {
                 "packet": str(r.witness.packet), "source": r.witness.source.address,
                 "destination": r.witness.destination.address,
                 "path": [{"step": h.step, "element": h.element, "outcome": h.outcome,
                           "origin": h.origin or None} for h in r.witness.path],
                 "assumptions": list(r.witness.assumptions)}}
            for r in result.rows]
    return json.dumps({"target": result.target, "direction": "egress" if result.egress else "ingress",
                       "layers": "path", "rows": rows}, indent=2) + "\n"
