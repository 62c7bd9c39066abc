"""Workloads: the assertions each engine answers, chosen deterministically from an estate."""

from __future__ import annotations

import random
from dataclasses import dataclass

from sgverify.model import Network
from sgverify.model.service import ALL, TCP, UDP, PortRange
from sgverify.spec import AddressEndpoint, Assertion, GroupEndpoint, InternetEndpoint, Kind, ResourceEndpoint, Traffic

from .generate import FLEET


@dataclass(frozen=True)
class Workload:
    name: str
    assertions: tuple[Assertion, ...]


def _traffic(port: int | None = None, lo: int | None = None, hi: int | None = None, protocol: int = TCP) -> Traffic:
    if port is not None:
        return Traffic(protocol, (PortRange(port, port),))
    if lo is not None:
        return Traffic(protocol, (PortRange(lo, hi),))
    return Traffic(ALL)


def workloads(network: Network, count: int = 20, seed: int = 7) -> list[Workload]:
    rng = random.Random(seed)
    names = sorted(network.resources)
    targets = rng.sample(names, min(count, len(names)))
    office = network.externals.get("office")
    out = [
        Workload("deny", tuple(
            Assertion(f"internet cannot reach {t} on 3389", Kind.DENY, (InternetEndpoint(),),
                      (ResourceEndpoint(t),), _traffic(3389)) for t in targets)),
        Workload("only", tuple(_only(network, t, rng) for t in targets)),
        Workload("allow", tuple(
            Assertion(f"{t} admits 10/8 on 1024-65535", Kind.ALLOW,
                      (AddressEndpoint("10.0.0.0/8", _cidrs("10.0.0.0/8")),), (ResourceEndpoint(t),),
                      _traffic(lo=1024, hi=65535, protocol=UDP)) for t in targets)),
    ]
    if office is not None:
        out.append(Workload("deny-office-all", tuple(
            Assertion(f"office cannot reach {t}", Kind.DENY, (AddressEndpoint("office", office.cidrs),),
                      (ResourceEndpoint(t),), _traffic()) for t in targets[: max(1, count // 2)])))
    fleet = [n for n in names if FLEET in network.resources[n].groups]
    if fleet:
        out.append(Workload("only-fleet-ref", tuple(
            Assertion(f"only the fleet reaches {t} on 443", Kind.ONLY, (GroupEndpoint(FLEET),),
                      (ResourceEndpoint(t),), _traffic(443)) for t in rng.sample(fleet, min(count, len(fleet))))))
    return out


def _only(network: Network, target: str, rng: random.Random) -> Assertion:
    group = rng.choice(network.resources[target].groups)
    return Assertion(f"only {group} reaches {target} on 5432", Kind.ONLY, (GroupEndpoint(group),),
                     (ResourceEndpoint(target),), _traffic(5432))


def _cidrs(text: str):
    from sgverify.model import Cidr

    return (Cidr.parse(text),)


def mixed_spec(network: Network, path_of_network: str, count: int = 200, seed: int = 11) -> str:
    """A spec of `count` mixed assertions over random resources, as YAML text."""
    rng = random.Random(seed)
    names = sorted(network.resources)
    groups = sorted(network.groups)
    lines = [f"network: {path_of_network}", "assertions:"]
    for i in range(count):
        target = rng.choice(names)
        roll = i % 4
        if roll == 0:
            body = f"deny: {{from: internet, to: {target}, protocol: tcp, ports: {rng.choice((22, 3389, 5432))}}}"
        elif roll == 1:
            body = f"only: {{from: {rng.choice(network.resources[target].groups)}, to: {target}, protocol: tcp, ports: 443}}"
        elif roll == 2:
            body = f"allow: {{from: {rng.choice(names)}, to: {target}, protocol: tcp, ports: 443}}"
        else:
            body = f"deny: {{from: {rng.choice(groups)}, to: {target}, protocol: udp}}"
        lines.append(f"  - name: a{i}")
        lines.append(f"    {body}")
    return "\n".join(lines) + "\n"
