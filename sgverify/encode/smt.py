"""Terms as SMT-LIB text, parsed by z3 in one call.

Building a formula of tens of thousands of nodes through the z3py object API
costs a Python object, reference counting and sort checks per node; writing
the same formula as text and handing it to z3's parser is many times faster
(benchmarks/README.md). The helpers mirror terms.py: interval-set membership
on bitvectors (CIDR-aligned blocks as prefix comparisons), And/Or that fold
constants.
"""

from __future__ import annotations

TRUE = "true"
FALSE = "false"


def bv(value: int, width: int) -> str:
    return f"(_ bv{value} {width})"


def in_intervals(var: str, intervals, width: int) -> str:
    """`var` lies in one of the sorted disjoint [lo, hi] intervals."""
    top = (1 << width) - 1
    parts = []
    for lo, hi in intervals:
        if lo == 0 and hi == top:
            return TRUE
        parts.append(_interval(var, lo, hi, width))
    return any_of(parts)


def _interval(var: str, lo: int, hi: int, width: int) -> str:
    if lo == hi:
        return f"(= {var} {bv(lo, width)})"
    span = hi - lo + 1
    if span & (span - 1) == 0 and lo % span == 0:
        free_bits = span.bit_length() - 1
        return f"(= ((_ extract {width - 1} {free_bits}) {var}) {bv(lo >> free_bits, width - free_bits)})"
    conditions = []
    if lo > 0:
        conditions.append(f"(bvule {bv(lo, width)} {var})")
    if hi < (1 << width) - 1:
        conditions.append(f"(bvule {var} {bv(hi, width)})")
    return all_of(conditions)


def one_of(var: str, values, width: int) -> str:
    """`var` equals one of the integers `values` (runs become ranges)."""
    runs: list[tuple[int, int]] = []
    for value in sorted(set(values)):
        if runs and value == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], value)
        else:
            runs.append((value, value))
    return in_intervals(var, runs, width)


def any_of(parts) -> str:
    kept = []
    for part in parts:
        if part == TRUE:
            return TRUE
        if part != FALSE:
            kept.append(part)
    if not kept:
        return FALSE
    return kept[0] if len(kept) == 1 else f"(or {' '.join(kept)})"


def all_of(parts) -> str:
    kept = []
    for part in parts:
        if part == FALSE:
            return FALSE
        if part != TRUE:
            kept.append(part)
    if not kept:
        return TRUE
    return kept[0] if len(kept) == 1 else f"(and {' '.join(kept)})"


def negate(term: str) -> str:
    if term == TRUE:
        return FALSE
    if term == FALSE:
        return TRUE
    return f"(not {term})"


def iff(a: str, b: str) -> str:
    return f"(= {a} {b})"


def implies(a: str, b: str) -> str:
    if a == FALSE or b == TRUE:
        return TRUE
    if a == TRUE:
        return b
    return f"(=> {a} {b})"
