"""Did-you-mean hints for unknown keys and names."""

from __future__ import annotations

import difflib
from typing import Iterable


def close_matches(word: str, choices: Iterable[str], limit: int = 3) -> list[str]:
    """The known names closest to `word`, best first (case-insensitive)."""
    by_folded: dict[str, str] = {}
    for choice in choices:
        by_folded.setdefault(str(choice).lower(), str(choice))
    found = difflib.get_close_matches(str(word).lower(), list(by_folded), n=limit, cutoff=0.6)
    return [by_folded[f] for f in found]


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """' (did you mean 'x'?)' or '' when nothing is close: append to a message."""
    found = close_matches(word, choices)
    if not found:
        return ""
    quoted = [repr(f) for f in found]
    listed = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
    return f" (did you mean {listed}?)"


def unknown_key(key: str, where: str, allowed: Iterable[str]) -> str:
    """The message for a key that is not allowed at this place."""
    allowed = list(allowed)
    hint = did_you_mean(key, allowed)
    if not hint:
        hint = "; expected one of: " + ", ".join(allowed)
    return f"unknown key {key!r} in {where}{hint}"
