"""Where a finding points: origins (file:line) as SARIF locations and plain text."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from ..model import Origin, Rule


def artifact_uri(file: str) -> str:
    """A file as a URI reference: relative to the working folder when inside it.

    Code-scanning services resolve relative URIs against the repository root,
    which is where CI runs the tool; anything else becomes a file: URI.
    """
    path = Path(file)
    if path.is_absolute():
        try:
            path = path.resolve().relative_to(Path.cwd().resolve())
        except ValueError:
            return path.resolve().as_uri()
    return quote(path.as_posix())


def sarif_location(origin: Origin, message: str = "") -> dict | None:
    if not origin.file or origin.file.startswith("<"):
        return None
    physical: dict = {"artifactLocation": {"uri": artifact_uri(origin.file)}}
    if origin.line:
        physical["region"] = {"startLine": origin.line}
    location: dict = {"physicalLocation": physical}
    if origin.detail and not origin.line:
        location["logicalLocations"] = [{"fullyQualifiedName": origin.detail}]
    if message:
        location["message"] = {"text": message}
    return location


def rule_locations(rules: tuple[Rule, ...] | list[Rule]) -> list[dict]:
    out = []
    for rule in rules:
        location = sarif_location(rule.origin, f"{rule.direction.value} rule {rule.group}[{rule.index}]")
        if location is not None and location not in out:
            out.append(location)
    return out
