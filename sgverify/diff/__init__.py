"""Semantic diff: which packets two networks deliver differently, as exact regions."""

from .engine import Change, ChangeKind, NetworkDiff, diff_networks

__all__ = ["Change", "ChangeKind", "NetworkDiff", "diff_networks"]
