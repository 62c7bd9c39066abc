"""Prove or refute an assertion on the whole VPC path (networks with a topology).

One query per source end (and, for `deny`/`only`, per destination end it can
reach): its models are violations. An assertion holds when no query has a
model in either family. Every model is replayed on the plain evaluation of
every layer (explain/path_evaluate.py) before it becomes a counterexample.
"""

from __future__ import annotations

import time

import z3

from ..encode.path_query import Alternative, Case, PathQuery, PathQueryBuilder, arrivals
from ..errors import ReplayMismatch
from ..gcpause import building_objects
from ..explain.path_counterexample import explain_path
from ..explain.path_evaluate import Flow, PathEvaluator
from ..model import Family, Network
from ..model.ends import Addr, Places
from ..model.legs import Legs
from ..spec import Assertion, Kind
from .options import Options
from .path_sides import Admitted, all_ends, allow_targets, destination_ends, once, source_ends
from .source_index import SourceIndex
from .result import Result, Stats, Verdict
from .solver import Sat, check

FAMILIES = (Family.V4, Family.V6)
# Cases (source end x destinations) per solver call: the ones sharing NACLs and
# groups are written once; a bound keeps one formula's size in check.
CASES_PER_QUERY = 2000


class PathNetwork:
    """Legs and evaluators per family, built once and shared by every assertion."""

    def __init__(self, network: Network):
        self.network = network
        self._legs: dict[Family, Legs] = {}
        self.ctx = z3.Context()

    def legs(self, family: Family) -> Legs:
        if family not in self._legs:
            self._legs[family] = Legs(Places(self.network, family))
        return self._legs[family]

    def prepare(self) -> "PathNetwork":
        """Build what every assertion needs first (the ends of each family and
        the legs from outside), as compiling does for security groups; the
        legs of each subnet are still built when an assertion first needs them."""
        with building_objects():
            for family in FAMILIES:
                legs = self.legs(family)
                legs.places.resource_ends, legs.places.host_ends, legs.outside_end, legs.outside  # noqa: B018
        return self


def check_path_assertion(network: Network | PathNetwork, assertion: Assertion,
                         options: Options | None = None) -> Result:
    options = options or Options()
    paths = network if isinstance(network, PathNetwork) else PathNetwork(network)
    started = time.perf_counter()
    queries, unknown = 0, []
    for family in FAMILIES:
        legs = paths.legs(family)
        builder = PathQueryBuilder(legs, paths.ctx)
        cases = [Case(src, tuple(space), tuple(alts)) for src, space, alts in _queries(legs, assertion)]
        for chunk in range(0, len(cases), CASES_PER_QUERY):
            part = cases[chunk:chunk + CASES_PER_QUERY]
            remaining = None if options.timeout is None else options.timeout - (time.perf_counter() - started)
            if remaining is not None and remaining <= 0:
                unknown.append(f"timeout: {family.name} not fully checked")
                break
            query = builder.build_many(part, assertion.traffic.intervals(), connection=assertion.kind is Kind.ALLOW,
                                       client_ports=options.ports_for(assertion))
            if query is None:
                continue
            queries += 1
            answer = check(query.formula, remaining)
            if answer.status is Sat.SAT:
                case = part[answer.model.eval(query.variables["who"], model_completion=True).as_long()]
                cx = _replayed(legs, assertion, case.src, list(case.alternatives), query, answer.model)
                stats = Stats(time.perf_counter() - started, queries)
                return Result(assertion, Verdict.VIOLATED, cx, stats=stats)
            if answer.status is Sat.UNKNOWN:
                unknown.append(f"{family.name}: {answer.reason}")
    stats = Stats(time.perf_counter() - started, queries)
    if unknown:
        return Result(assertion, Verdict.UNKNOWN, reason="; ".join(unknown), stats=stats)
    return Result(assertion, Verdict.HOLDS, stats=stats)


def _queries(legs: Legs, assertion: Assertion):
    """(source end, its counted addresses, destination alternatives) to search."""
    if assertion.kind is Kind.ALLOW:
        targets = allow_targets(legs, assertion.destinations)
        for src, space in source_ends(legs, assertion.sources):
            for alternatives in targets:
                kept = [a for a in alternatives if not _same(src, a)]
                if kept:  # else the source is the destination itself: nothing crosses the network
                    yield src, space, kept
        return
    only = assertion.kind is Kind.ONLY
    destinations = destination_ends(legs, assertion.destinations)
    services = assertion.traffic.intervals()
    index = source_index(legs)
    targets = []
    for end, dst_space in destinations:
        admit = Admitted(legs, end, services)
        targets.append((end, tuple(dst_space), admit, index.candidates(admit)))
    for src, space in source_ends(legs, assertion.sources, only=only):
        indexed = id(src) in index.ids
        for end, dst_space, admit, candidates in targets:
            # The groups' filter first: a source's legs are worked out only when it may be admitted.
            if candidates is not None and indexed and id(src) not in candidates:
                continue
            if not admit.may_admit(src, space) or not any(arrivals(leg, end) for leg in legs.from_end(src)):
                continue
            yield src, admit.narrowed(src, space), [Alternative(end, None, dst_space)]


def source_index(legs: Legs) -> SourceIndex:
    return once(legs, ("source index",), lambda: SourceIndex(legs, all_ends(legs)))


def _same(src, alternative: Alternative) -> bool:
    return alternative.end == src and alternative.address is None


def _replayed(legs: Legs, assertion: Assertion, src, alternatives, query: PathQuery, model):
    def value(term) -> int:
        return model.eval(term, model_completion=True).as_long()

    v = query.variables
    free = {name: z3.is_true(model.eval(b, model_completion=True)) for name, b in query.free.items()}
    flows = []
    addresses = {n: value(a) for n, a in query.addresses.items()}
    for alternative in alternatives:
        address = alternative.address
        if isinstance(address, Addr):
            # A free address no formula met: no leg arrives there, any value in its space will do.
            dst = addresses.setdefault(address.name, address.space[0][0])
        else:
            dst = value(v["dst"]) if address is None else address
        if address is None and not _in(alternative.space, dst):
            continue
        flows.append(Flow(src, alternative.end, value(v["src"]), dst, value(v["svc"]), value(v["cport"]),
                          value(v["natport"]), free, {n: value(c) for n, c in query.choices.items()},
                          addresses))
    evaluator = PathEvaluator(legs)
    connection = assertion.kind is Kind.ALLOW
    outcomes = [evaluator.connection(f) if connection else evaluator.request(f) for f in flows]
    if not flows or any(o.ok == connection for o in outcomes):
        raise ReplayMismatch(f"counterexample for {assertion.name!r} does not replay on the path model")
    # Of the addresses a connection could use, show one a route carries it to.
    pick = next((i for i, o in enumerate(outcomes) if o.leg is not None), 0) if connection else 0
    return explain_path(legs, assertion, flows[pick], outcomes[pick], free)


def _in(space, value: int) -> bool:
    return any(lo <= value <= hi for lo, hi in space)
