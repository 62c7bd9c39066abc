"""The gate: what fails a run. Fingerprints, waivers, soft-fail and exit codes."""
