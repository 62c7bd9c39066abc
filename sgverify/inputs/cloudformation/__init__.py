"""CloudFormation templates (YAML with short-form tags, or JSON)."""

from .reader import load_cloudformation, looks_like_cloudformation, parse_cloudformation

__all__ = ["load_cloudformation", "looks_like_cloudformation", "parse_cloudformation"]
