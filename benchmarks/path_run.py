"""Time the path engine and the naive path encoding on the same path questions.

Every workload's verdicts must agree between the two (a disagreement is
printed and the run exits 1). Beside them, the security-group-only figures
of an SG estate with the same number of rules, from the same run, so the
cost of the path layer reads off one table.
"""

from __future__ import annotations

import random
import sys
import time

from sgverify.solve.prove import CompiledNetwork, check_assertion
from sgverify.solve.result import Verdict
from sgverify.spec import Assertion, InternetEndpoint, Kind, ResourceEndpoint, Traffic
from sgverify.model import PortRange

from .generate_path import PLANS, SIZES, generate_path
from .naive_path import NaivePath
from .run import Row, _ms, peak_mb

HTTPS = Traffic(6, (PortRange(443, 443),))


def path_workloads(network, count: int, seed: int = 3) -> dict[str, list[Assertion]]:
    rng = random.Random(seed)
    names = sorted(network.resources, key=lambda n: int(n[1:]))
    n = len(names)
    picks = [rng.randrange(n) for _ in range(count)]
    vpc = {r.name: r.vpc for r in network.resources.values()}
    return {
        "path-deny-internet": [Assertion(f"internet -/-> r{i}", Kind.DENY, (InternetEndpoint(),),
                                         (ResourceEndpoint(f"r{i}"),)) for i in picks],
        "path-only": [Assertion(f"only r{(i + 1) % n} -> r{i}", Kind.ONLY, (ResourceEndpoint(f"r{(i + 1) % n}"),),
                                (ResourceEndpoint(f"r{i}"),), HTTPS) for i in picks],
        "path-allow": [Assertion(f"r{(i + 1) % n} -> r{i}", Kind.ALLOW, (ResourceEndpoint(f"r{(i + 1) % n}"),),
                                 (ResourceEndpoint(f"r{i}"),), HTTPS) for i in picks],
        "path-reused-cidr": [Assertion(f"r{i} -/-> twin", Kind.DENY, (ResourceEndpoint(f"r{i}"),),
                                       (ResourceEndpoint(_twin(network, names, i, vpc)),)) for i in picks],
    }


def _twin(network, names, i, vpc) -> str:
    """A resource in a VPC reusing r{i}'s CIDR (another VPC on the same plan)."""
    own = int(vpc[f"r{i}"].split("-")[1])
    for name in names:
        other = int(vpc[name].split("-")[1])
        if other != own and other % PLANS == own % PLANS:
            return name
    return names[(i + 1) % len(names)]


def run_path(size_name: str, queries: int, naive_queries: int, naive_timeout: float):
    started = time.perf_counter()
    network = generate_path(SIZES[size_name])
    built = time.perf_counter()
    compiled = CompiledNetwork(network)
    compiled.paths.prepare()  # as the SG-only side compiles before its first query
    prepared = time.perf_counter()
    naive = NaivePath(network)
    rows = [Row("generate (model)", 1, (built - started) * 1000, (built - started) * 1000, peak_mb()),
            Row("compile (path ends)", 1, (prepared - built) * 1000, (prepared - built) * 1000, peak_mb())]
    for name, assertions in path_workloads(network, queries).items():
        ours, naives, agree = [], [], True
        for k, a in enumerate(assertions):
            t0 = time.perf_counter()
            verdict = check_assertion(compiled, a).verdict
            ours.append(time.perf_counter() - t0)
            if k < naive_queries:
                t1 = time.perf_counter()
                violated = naive.violated(a, naive_timeout)
                naives.append(time.perf_counter() - t1)
                if violated is not None and violated != (verdict is Verdict.VIOLATED):
                    agree = False
                    print(f"DISAGREE {name}: {a.name}: sgverify {verdict.value}, naive "
                          f"{'violated' if violated else 'holds'}", file=sys.stderr)
            if verdict is Verdict.UNKNOWN:
                agree = False
        median, p99 = _ms(ours)
        note = f"naive on {len(naives)} of {len(ours)}" if len(naives) < len(ours) else ""
        rows.append(Row(name, len(ours), median, p99, peak_mb(), _ms(naives)[0] if naives else None, None,
                        agree if naives else None, note))
    return rows, network
