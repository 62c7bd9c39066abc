"""Check specs: read each spec and its network, resolve names, verify.

Problems in any spec are gathered and raised together, so one run reports
every bad input at once (one line each) before anything is solved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

from ..errors import Diagnostic, InputError, Severity
from ..gcpause import held
from ..inputs import Loaded
from ..report.outcome import SpecOutcome
from ..solve import Options
from ..solve.prove import CompiledNetwork
from ..spec.parse import load_spec
from ..spec.resolve import resolve_spec

Tick = Callable[[int, int], None]


@dataclass(frozen=True)
class CheckRequest:
    specs: tuple[str, ...]
    network: str | None = None  # overrides each spec's `network:`
    input_format: str | None = None
    parameters: Mapping[str, str] = field(default_factory=dict)
    options: Options = field(default_factory=Options)


@dataclass
class _Networks:
    """Each network file is read and compiled once, however many specs use it."""

    request: CheckRequest
    loaded: dict[str, Loaded] = field(default_factory=dict)
    compiled: dict[str, CompiledNetwork] = field(default_factory=dict)

    def get(self, path: str) -> Loaded:
        if path not in self.loaded:
            from ..inputs import load_network

            self.loaded[path] = load_network(
                path, input_format=self.request.input_format, parameters=self.request.parameters or None
            )
            # Its tables and policies outgrow the network: the command line keeps both to the end.
            self.compiled[path] = held(CompiledNetwork(self.loaded[path].network))
        return self.loaded[path]


def prepare(request: CheckRequest) -> list[tuple]:
    """Read and resolve every spec; raise one InputError with every problem found.

    Each entry: (spec, network path, compiled network, warnings, (document, baseline network or None)).
    """
    networks = _Networks(request)
    prepared, errors = [], []
    for spec_path in request.specs:
        try:
            doc = load_spec(spec_path)
            network_path = request.network or doc.network
            if network_path is None:
                raise InputError(f"{spec_path}: no `network:` in the spec and no --network given")
            loaded = networks.get(network_path)
            spec, warnings = resolve_spec(doc, loaded.network)
            # `baseline:` adds one assertion: no access added since the baseline network.
            baseline = networks.get(doc.baseline).network if doc.baseline else None
            prepared.append((spec, network_path, networks.compiled[network_path],
                             list(loaded.warnings) + list(warnings), (doc, baseline)))
        except InputError as error:
            errors.extend(error.diagnostics)
    if errors:
        raise InputError(_unique(errors))
    return prepared


def run_check(request: CheckRequest, on_result: Callable | None = None,
              tick: Tick | None = None, prepared: list[tuple] | None = None) -> list[SpecOutcome]:
    """Check every spec. `on_result(result)` sees each result in report order;
    `tick(done, total)` counts finished checks (for a progress bar); `prepared`:
    what `prepare(request)` returned, when the caller needed it first.

    With options.jobs > 1 assertions are checked in worker processes
    (run/parallel.py); the outcomes come back in the same order.
    """
    prepared = prepare(request) if prepared is None else prepared
    total = sum(len(p[0].assertions) + (p[4][1] is not None) for p in prepared)
    found = _assertion_results(prepared, request.options, total, tick)
    done = sum(len(results) for results in found)
    outcomes = []
    seen_warnings: set[Diagnostic] = set()
    for (spec, network_path, compiled, warnings, (doc, baseline)), results in zip(prepared, found):
        if baseline is not None:
            from ..diff.baseline import baseline_assertion, baseline_result

            results.append(baseline_result(baseline_assertion(doc.path, doc.baseline_line), baseline, compiled.network))
            done += 1
            if tick:
                tick(done, total)
        if on_result:
            for result in results:
                on_result(result)
        fresh = tuple(w for w in warnings if w not in seen_warnings)
        seen_warnings.update(fresh)
        outcomes.append(SpecOutcome(spec, network_path, tuple(results), fresh,
                                    vpc_layer=compiled.network.topology is not None))
    return outcomes


def _assertion_results(prepared: list[tuple], options: Options, total: int, tick: Tick | None) -> list[list]:
    # Checked in batches, in this process or in workers: the same batches give
    # the same results either way (see run/parallel.py).
    from .parallel import check_in_processes, check_serially

    networks = {path: compiled.network for _, path, compiled, _, _ in prepared}
    work = [(path, spec.assertions) for spec, path, _, _, _ in prepared]
    counted = tick and (lambda done, _: tick(done, total))
    if options.jobs > 1:
        return check_in_processes(work, networks, options, counted)
    families = {path: compiled.families for _, path, compiled, _, _ in prepared}
    return check_serially(work, networks, families, options, counted)


def _unique(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    out = list(dict.fromkeys(diagnostics))
    return [d for d in out if d.severity is Severity.ERROR] or out
