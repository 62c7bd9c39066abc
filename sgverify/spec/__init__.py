"""Specs: YAML assertions about what a network delivers."""

from .model import (
    AddressEndpoint,
    AnyEndpoint,
    Assertion,
    Endpoint,
    GroupEndpoint,
    InternetEndpoint,
    Kind,
    ResourceEndpoint,
    Spec,
    Traffic,
)

__all__ = [
    "AddressEndpoint", "AnyEndpoint", "Assertion", "Endpoint", "GroupEndpoint",
    "InternetEndpoint", "Kind", "ResourceEndpoint", "Spec", "Traffic",
]
