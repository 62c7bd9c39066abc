"""Small z3 term builders for the region engine (encode/regions.py):
interval-set membership on bitvectors. Assertion queries write SMT-LIB text
instead (smt.py).
"""

from __future__ import annotations

import z3


def in_intervals(x: z3.BitVecRef, intervals, width: int) -> z3.BoolRef:
    """x lies in one of the sorted disjoint [lo, hi] intervals.

    CIDR-aligned intervals become prefix comparisons (an Extract and an
    equality), which bit-blast to far fewer clauses than two comparisons.
    """
    ctx = x.ctx
    top = (1 << width) - 1
    parts = []
    for lo, hi in intervals:
        if lo == 0 and hi == top:
            return z3.BoolVal(True, ctx)
        parts.append(_interval(x, lo, hi, width))
    if not parts:
        return z3.BoolVal(False, ctx)
    return parts[0] if len(parts) == 1 else z3.Or(parts)


def _interval(x: z3.BitVecRef, lo: int, hi: int, width: int) -> z3.BoolRef:
    if lo == hi:
        return x == z3.BitVecVal(lo, width, x.ctx)
    span = hi - lo + 1
    if span & (span - 1) == 0 and lo % span == 0:
        free_bits = span.bit_length() - 1
        prefix = z3.Extract(width - 1, free_bits, x)
        return prefix == z3.BitVecVal(lo >> free_bits, width - free_bits, x.ctx)
    conditions = []
    if lo > 0:
        conditions.append(z3.UGE(x, z3.BitVecVal(lo, width, x.ctx)))
    if hi < (1 << width) - 1:
        conditions.append(z3.ULE(x, z3.BitVecVal(hi, width, x.ctx)))
    return z3.And(conditions) if len(conditions) > 1 else conditions[0]


def any_of(parts, ctx) -> z3.BoolRef:
    parts = [p for p in parts if not z3.is_false(p)]
    if any(z3.is_true(p) for p in parts):
        return z3.BoolVal(True, ctx)
    if not parts:
        return z3.BoolVal(False, ctx)
    return parts[0] if len(parts) == 1 else z3.Or(parts)


def all_of(parts, ctx) -> z3.BoolRef:
    parts = [p for p in parts if not z3.is_true(p)]
    if any(z3.is_false(p) for p in parts):
        return z3.BoolVal(False, ctx)
    if not parts:
        return z3.BoolVal(True, ctx)
    return parts[0] if len(parts) == 1 else z3.And(parts)
