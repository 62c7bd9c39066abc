"""The native YAML/JSON network format: reader, parts, peers and the writer `import` uses."""

from .reader import load_native, parse_network

__all__ = ["load_native", "parse_network"]
