"""Encode: the only layer that builds z3 terms."""
