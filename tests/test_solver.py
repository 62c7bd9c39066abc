"""The one solver interface: proved, refuted, or honestly unknown."""

from __future__ import annotations

import z3

from sgverify.solve.solver import Sat, check, is_valid


def test_valid_formula_is_proved_by_an_unsat_negation():
    x = z3.BitVec("x", 8)
    assert is_valid(z3.Or(z3.ULE(x, 127), z3.UGT(x, 127))) is Sat.UNSAT


def test_refuted_formula_comes_with_a_model_of_the_negation():
    x = z3.BitVec("x", 8)
    answer = check(z3.Not(z3.ULT(x, 200)))
    assert answer.status is Sat.SAT
    assert answer.model.eval(x).as_long() >= 200


def test_a_timeout_is_unknown_never_a_proof():
    # Factoring the product of two 31-bit primes: far beyond 50 ms for any
    # bit-vector solver, and satisfiable, so neither UNSAT nor a guess will do.
    p, q = 2147483647, 2147483629
    a, b = z3.BitVecs("a b", 64)
    hard = z3.And(a * b == p * q, z3.UGT(a, 1), z3.UGT(b, 1),
                  z3.ULT(a, 1 << 32), z3.ULT(b, 1 << 32))
    answer = check(hard, timeout=0.05)
    assert answer.status is Sat.UNKNOWN
    assert answer.reason
