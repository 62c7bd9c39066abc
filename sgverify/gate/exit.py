"""Exit codes of a gated run, and soft-fail (report everything, exit 0)."""

from __future__ import annotations

from ..cli.exitcodes import EXIT_OK, EXIT_UNKNOWN, EXIT_VIOLATED


def decide(failing: int, unknown: int, soft_fail: bool = False) -> int:
    """1 if anything fails, else 3 if anything is undecided, else 0; always 0 in soft-fail.

    Soft-fail (shadow mode while adopting the tool) changes only the exit
    code: every finding is still reported. Bad input still exits 2, since a
    run that could not read its input has shown nothing.
    """
    if soft_fail:
        return EXIT_OK
    if failing:
        return EXIT_VIOLATED
    if unknown:
        return EXIT_UNKNOWN
    return EXIT_OK
