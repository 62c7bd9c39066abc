"""Solve: prove assertions by refuting their negation; unknown is a status."""

from .options import Options
from .result import Block, Counterexample, Result, Side, Stats, Verdict

__all__ = ["Block", "CompiledNetwork", "Counterexample", "Options", "Result", "Side", "Stats",
           "Verdict", "check_assertion", "verify"]


def __getattr__(name):
    # Imported lazily so that the explain layer can use the result types
    # without a circular import.
    if name in ("check_assertion", "verify", "CompiledNetwork"):
        from . import prove

        return getattr(prove, name)
    raise AttributeError(name)
