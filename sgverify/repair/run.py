"""`fix`: read the specs and their network, search a fix, write it, and prove it
again on what was written (a patched copy of the input), never on the model alone.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from ..errors import Diagnostic, InputError, Severity
from ..model import Network
from ..solve.prove import CompiledNetwork, check_assertion
from ..solve.result import Verdict
from ..spec.parse import SpecDocument, load_spec
from ..spec.resolve import resolve_spec
from . import Written, check_writable, editable, path_editable, write_fix
from .text import Unwritable


@dataclass(frozen=True)
class FixRequest:
    specs: tuple[str, ...]
    network: str | None = None
    input_format: str | None = None
    parameters: Mapping[str, str] | None = None
    rounds: int = 25


@dataclass(frozen=True)
class Prepared:
    network_path: str
    network: Network
    documents: tuple[SpecDocument, ...]
    specs: tuple  # resolved Spec per document
    warnings: tuple[Diagnostic, ...]


@dataclass(frozen=True)
class FixOutcome:
    """Either `written` (and the edits) or one reason per spec."""

    prepared: Prepared
    edits: tuple = ()
    written: Written | None = None
    reasons: tuple[str, ...] = ()  # "spec: why", one per spec, when there is no fix
    proved_on: str = ""  # what the fix was proved on: the written copy


def prepare(request: FixRequest) -> Prepared:
    """Every spec read and resolved against one network; every problem raised at once."""
    documents, errors = [], []
    for path in request.specs:
        try:
            documents.append(load_spec(path))
        except InputError as error:
            errors += error.diagnostics
    if errors:
        raise InputError(errors)
    named = {os.path.normpath(n) if n else n for n in (request.network or d.network for d in documents)}
    if named == {None}:
        raise InputError("no network given: pass --network FILE")
    missing = [d for d in documents if not (request.network or d.network)]
    if missing:
        raise InputError([Diagnostic(Severity.ERROR, d.path, "no `network:` in the spec and no --network given")
                          for d in missing])
    if len(named) > 1:
        raise InputError(f"the specs name {len(named)} networks ({', '.join(sorted(named))}); fix repairs one: "
                         f"give --network or fix them one network at a time")
    network_path = named.pop()
    network, warnings = _load(network_path, request)
    check_writable(network)
    specs = []
    warnings += tuple(Diagnostic(Severity.WARNING, f"{d.path}:{d.baseline_line}" if d.baseline_line else d.path,
                                 "fix makes the assertions hold; the `baseline:` comparison is not part of it")
                      for d in documents if d.baseline)
    for doc in documents:
        try:
            spec, spec_warnings = resolve_spec(doc, network)
            specs.append(spec)
            warnings += tuple(spec_warnings)
        except InputError as error:
            errors += error.diagnostics
    if errors:
        raise InputError(errors)
    return Prepared(network_path, network, tuple(documents), tuple(specs), warnings)


def _load(path: str, request: FixRequest) -> tuple[Network, tuple[Diagnostic, ...]]:
    from ..inputs import load_network

    loaded = load_network(path, input_format=request.input_format, parameters=request.parameters or None)
    return loaded.network, tuple(loaded.warnings)


def run_fix(request: FixRequest) -> FixOutcome:
    from ..explore.repair import NoFix
    from .search import search

    prepared = prepare(request)
    assertions = [a for spec in prepared.specs for a in spec.assertions]
    found = search(prepared.network, assertions, request.rounds, editable(prepared.network),
                   path_editable(prepared.network))
    if isinstance(found, NoFix):
        return FixOutcome(prepared, reasons=_per_spec(prepared, f"no fix found: {found.reason}"))
    try:
        written = write_fix(prepared.network, found)
        failures = prove_written(prepared, written, request)
    except Unwritable as error:
        return FixOutcome(prepared, reasons=_per_spec(prepared, f"a fix was found but cannot be written: {error}"))
    if failures:
        return FixOutcome(prepared, reasons=_per_spec(prepared, "the written fix does not prove: " + "; ".join(failures)))
    return FixOutcome(prepared, found.edits, written, proved_on="a patched copy of the input")


def _per_spec(prepared: Prepared, reason: str) -> tuple[str, ...]:
    return tuple(f"{doc.path}: {reason}" for doc in prepared.documents)


def prove_written(prepared: Prepared, written: Written, request: FixRequest) -> list[str]:
    """Every assertion checked on a copy of the input with the new texts written in: the
    assertions that do not hold there (empty: all proved)."""
    with tempfile.TemporaryDirectory(prefix="sgverify-fix-") as folder:
        copy = _patched_copy(Path(prepared.network_path), written, Path(folder))
        try:
            network, _ = _load(str(copy), request)
        except InputError as error:  # a writer's mistake: said plainly, without the copy's path
            raise Unwritable("the patched copy does not read: " + error.diagnostics[0].message) from None
        compiled = CompiledNetwork(network)
        failures = []
        for doc in prepared.documents:
            spec, _ = resolve_spec(doc, network)
            for assertion in spec.assertions:
                result = check_assertion(compiled, assertion)
                if result.verdict is not Verdict.HOLDS:
                    failures.append(f"{assertion.name!r} {result.verdict.value}")
        return failures


def _patched_copy(source: Path, written: Written, folder: Path) -> Path:
    """The input copied into `folder` with every changed file's new text."""
    root = source if source.is_dir() else source.parent
    target = folder / "input"
    if source.is_dir():
        shutil.copytree(source, target, symlinks=True)
    else:
        target.mkdir()
        shutil.copy2(source, target / source.name)
    for path, new in written.texts().items():
        try:
            relative = Path(path).resolve().relative_to(root.resolve())
        except ValueError:
            raise Unwritable(f"{path} lies outside {root}: cannot prove the patch on a copy") from None
        (target / relative).write_text(new, encoding="utf-8")
    return target if source.is_dir() else target / source.name
