"""AWS describe output and snapshots: reading them, and taking them from an account."""

from .reader import load_aws, looks_like_aws, parse_aws

__all__ = ["load_aws", "looks_like_aws", "parse_aws"]
