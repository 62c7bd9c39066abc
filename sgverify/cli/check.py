"""`sgverify check` (placeholder until the verifier lands)."""
