"""sgverify: prove or refute what AWS security groups let through."""

__version__ = "0.1.0"
