"""Errors of sgverify.

Every error a user can cause derives from `SgverifyError` *and* the builtin it
resembles, so callers may catch either (`except ValueError` keeps working).
User errors carry a list of `Diagnostic`s, one per problem, each with the
file:line it was found at; the CLI prints one line per diagnostic and exits 2.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Severity(Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Diagnostic:
    """One problem (or suspicious value) found in an input, with its location."""

    severity: Severity
    location: str  # "file:line", "file" or a logical location such as "sg-123/ingress[2]"
    message: str

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        return f"{where}{self.severity.value}: {self.message}"


class SgverifyError(Exception):
    """Base of every error sgverify raises on purpose."""


class InputError(SgverifyError, ValueError):
    """Invalid network, spec or command-line input: one diagnostic per problem."""

    def __init__(self, diagnostics: list[Diagnostic] | Diagnostic | str, location: str = ""):
        if isinstance(diagnostics, str):
            diagnostics = [Diagnostic(Severity.ERROR, location, diagnostics)]
        elif isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics: list[Diagnostic] = list(diagnostics)
        super().__init__("\n".join(str(d) for d in self.diagnostics))


class InputFileNotFound(InputError, FileNotFoundError):
    """A network or spec file that does not exist."""


class SolverError(SgverifyError, RuntimeError):
    """The solver or the encoder failed in a way that is not the user's fault."""


class ReplayMismatch(SolverError):
    """A counterexample from the solver did not replay on the model: a bug, never a verdict."""
