"""`lint`: findings about a network that are not questions of a spec.

Each finding has a stable id (`SG001-shadowed-rule`...), a severity, a message,
a location (file:line of the rule or group), a subject (the group or resource
it is about) and a fingerprint for waivers. The fingerprint hashes the id, the
subject and a normalized text of the rule or group, never a line number, so it
survives edits elsewhere in the file.

Every finding is exact (see docs/lint.md): redundancy is decided with interval
algebra over (peer x service) boxes, exposures with the region engine.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from enum import Enum

from ..gate.fingerprint import fingerprint
from ..model import Direction, Network, Rule


class Level(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"info": 0, "warning": 1, "error": 2}[self.value]


@dataclass(frozen=True)
class Finding:
    id: str
    severity: Level
    message: str
    location: str
    subject: str
    fingerprint: str

    @property
    def name(self) -> str:  # what a waiver may match besides the fingerprint
        return self.id

    @property
    def code(self) -> str:
        return self.id


def rule_text(rule: Rule) -> str:
    """A rule, normalized: group, direction, service and peer (no position, no line)."""
    extra = f" unknown-service({rule.service_unknown})" if rule.service_unknown else ""
    return f"{rule.group} {rule.direction.value} {rule.service} {rule.peer}{extra}"


def make(code: str, severity: Level, message: str, location, subject: str, *parts: str) -> Finding:
    return Finding(code, severity, message, str(location), subject,
                   fingerprint(code, subject, *parts))


def rule_finding(code: str, severity: Level, message: str, rule: Rule, subject: str,
                 *parts: str) -> Finding:
    return make(code, severity, message, rule.origin, subject, rule_text(rule), *parts)


def lint(network: Network) -> list[Finding]:
    """Every finding, sorted by severity (worst first), then location."""
    from .lint_exposure import exposure_findings
    from .lint_path import path_findings
    from .lint_rules import hygiene_findings, quota_findings, redundancy_findings

    found = (redundancy_findings(network) + exposure_findings(network)
             + hygiene_findings(network) + quota_findings(network) + path_findings(network))
    unique = list(dict.fromkeys(found))
    return sorted(unique, key=lambda f: (-f.severity.rank, f.id, f.subject, f.location, f.message))


def at_or_above(findings, level: Level) -> list[Finding]:
    return [f for f in findings if f.severity.rank >= level.rank]


def render_text(findings) -> str:
    if not findings:
        return "no findings\n"
    lines = [f"{f.location or '-'}: {f.severity.value}: {f.id}: {f.message} [{f.fingerprint}]"
             for f in findings]
    counts = {level: sum(f.severity is level for f in findings) for level in Level}
    lines.append(", ".join(f"{n} {level.value}" for level, n in counts.items()))
    return "\n".join(lines) + "\n"


def render_json(findings) -> str:
    items = [{**asdict(f), "severity": f.severity.value} for f in findings]
    return json.dumps({"findings": items}, indent=2) + "\n"


def directions() -> tuple[Direction, ...]:
    return (Direction.INGRESS, Direction.EGRESS)
