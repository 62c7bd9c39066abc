"""Options several commands share, parsed by hand so that a bad value is one line
(exit 2) like every input error."""

from __future__ import annotations

from ..errors import InputError


def parse_parameters(values: list[str]) -> dict[str, str]:
    out = {}
    for value in values:
        key, sep, val = value.partition("=")
        if not sep or not key:
            raise InputError(f"--parameter expects KEY=VALUE, got {value!r}")
        out[key] = val
    return out


def parse_jobs(value: str) -> int:
    try:
        jobs = int(value.strip())
    except ValueError:
        jobs = 0
    if jobs < 1:
        raise InputError(f"--jobs expects a whole number of processes, at least 1; got {value!r}")
    return jobs
