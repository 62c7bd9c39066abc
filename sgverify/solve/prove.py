"""Prove or refute assertions: search for a violating packet in each family.

An assertion holds iff no violation exists in IPv4 and none in IPv6. A found
violation is replayed on the model and explained before it is reported.

`allow` and `only` assertions first search the violations whose source is an
unmanaged address (`_stages`): a smaller formula that can refute but never
prove; the whole query decides when it finds nothing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import z3

from ..encode.compile import CompiledFamily, compile_family
from ..encode.query import Query, QueryBuilder
from ..explain.counterexample import explain, packet_from_values
from ..explain.evaluate import Situation
from ..gcpause import building_objects
from ..model import Family, Network
from ..spec import Assertion, Kind, Spec
from .options import Options
from .result import Counterexample, Result, Stats, Verdict
from .solver import Answer, Sat, check
from .unsettled import unsettled_literals

STAGED = frozenset({Kind.ALLOW, Kind.ONLY})  # see _stages


@dataclass
class CompiledNetwork:
    """A network compiled once per family and reused by every assertion."""

    network: Network
    families: dict[Family, CompiledFamily] = field(default_factory=dict)
    builders: dict[Family, QueryBuilder] = field(default_factory=dict)

    def family(self, family: Family) -> CompiledFamily:
        if family not in self.families:
            with building_objects():
                self.families[family] = compile_family(self.network, family)
        return self.families[family]

    @property
    def paths(self):
        """The path layer's legs, built once (networks with a topology)."""
        if getattr(self, "_paths", None) is None:
            from .path_prove import PathNetwork

            self._paths = PathNetwork(self.network)
        return self._paths

    def prepare(self) -> "CompiledNetwork":
        """Everything every assertion needs, built now rather than by the first:
        both families compiled, their z3 contexts (tens of milliseconds each) and
        the resources' public addresses. Per-assertion times then measure
        assertions; the total is the same."""
        for family in (Family.V4, Family.V6):
            self.builder(family).public_sources  # noqa: B018
        return self

    def builder(self, family: Family) -> QueryBuilder:
        """One z3 context and term cache per family, reused by every assertion
        (a fresh context costs about a tenth of a second)."""
        if family not in self.builders:
            self.builders[family] = QueryBuilder(self.family(family), z3.Context())
        return self.builders[family]


def check_assertion(network: Network | CompiledNetwork, assertion: Assertion,
                    options: Options | None = None) -> Result:
    compiled = network if isinstance(network, CompiledNetwork) else CompiledNetwork(network)
    result = _check(compiled, assertion, options or Options())
    if result.verdict is Verdict.HOLDS:
        reasons = unsettled_literals(compiled.network, assertion)
        if reasons:
            return replace(result, verdict=Verdict.UNKNOWN, reason="; ".join(reasons))
    return result


def _check(compiled: CompiledNetwork, assertion: Assertion, options: Options) -> Result:
    if compiled.network.topology is not None:
        if options.layers_for(assertion) != "security-groups":
            from .path_prove import check_path_assertion

            return check_path_assertion(compiled.paths, assertion, options)
        _one_address_space(compiled.network)
    started = time.perf_counter()
    unknown_reasons: list[str] = []
    solver_stats: dict = {}
    queries = 0
    for family, unmanaged_sources in _stages(assertion):
        builder = compiled.builder(family)
        query = builder.violation(assertion, unmanaged_sources)
        if query is None:
            continue
        remaining = _remaining(options.timeout, started)
        if remaining is not None and remaining <= 0:
            # Out of time before solving: say so rather than skip the family.
            unknown_reasons.append(f"timeout: {_family_name(family)} not checked")
            break
        queries += 1
        answer = check(query.formula, remaining, options.solver_statistics)
        stage = _family_name(family) + (" unmanaged sources" if unmanaged_sources else "")
        solver_stats[stage] = {**(answer.statistics or {}), **query.size}
        if unmanaged_sources and answer.status is not Sat.SAT:
            continue  # a part of the space only: the whole query below decides
        if answer.status is Sat.SAT:
            counterexample = _counterexample(compiled.family(family), assertion, query, answer)
            stats = Stats(time.perf_counter() - started, queries, solver_stats)
            return Result(assertion, Verdict.VIOLATED, counterexample, stats=stats)
        if answer.status is Sat.UNKNOWN:
            unknown_reasons.append(f"{_family_name(family)}: {answer.reason}")
    stats = Stats(time.perf_counter() - started, queries, solver_stats)
    if unknown_reasons:
        return Result(assertion, Verdict.UNKNOWN, reason="; ".join(unknown_reasons), stats=stats)
    return Result(assertion, Verdict.HOLDS, stats=stats)


def _one_address_space(network: Network) -> None:
    """The security-group view has one flat address space: it cannot decide a
    network whose VPCs reuse an interface address."""
    seen: dict = {}
    for resource in network.resources.values():
        for address in resource.ips:
            other = seen.setdefault(address, resource)
            if other is not resource and other.vpc != resource.vpc:
                from ..errors import InputError
                from ..model import format_address

                raise InputError(
                    f"layers security-groups: {format_address(*address)} is an address of both {other.name} "
                    f"({other.vpc}) and {resource.name} ({resource.vpc}); the security-group view has one "
                    f"address space, so decide this network on the whole path (layers: all)")


def _stages(assertion: Assertion):
    """(family, unmanaged sources only?) in the order they are searched.

    A violation from an unmanaged source needs no source-side policy in its
    formula, so that smaller formula is searched first where such violations
    are common (STAGED kinds). Its models are models of the whole query, so a
    violation found there is a violation; finding none proves nothing, and the
    whole query follows.
    """
    for family in (Family.V4, Family.V6):
        if assertion.kind in STAGED:
            yield family, True
        yield family, False


def verify(network: Network, spec: Spec, options: Options | None = None) -> list[Result]:
    compiled = CompiledNetwork(network)
    return [check_assertion(compiled, assertion, options) for assertion in spec.assertions]


def _remaining(timeout: float | None, started: float) -> float | None:
    return None if timeout is None else timeout - (time.perf_counter() - started)


def _family_name(family: Family) -> str:
    return "IPv4" if family is Family.V4 else "IPv6"


def _counterexample(c: CompiledFamily, assertion: Assertion, query: Query, answer: Answer) -> Counterexample:
    model = answer.model

    def value(term) -> int:
        return model.eval(term, model_completion=True).as_long()

    src, dst = query.addresses(value)
    packet = packet_from_values(c.family, src, dst, value(query.service))
    free = {name: z3.is_true(model.eval(b, model_completion=True)) for name, b in query.free.items()}
    situation = Situation(
        c.network,
        packet,
        query.resource("src", value, packet.src),
        query.resource("dst", value, packet.dst),
        free,
    )
    return explain(assertion, situation)
