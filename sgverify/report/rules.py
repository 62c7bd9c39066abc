"""How a rule is shown in every report: label, text as written, location."""

from __future__ import annotations

from ..model import Rule


def rule_text(rule: Rule) -> str:
    return rule.text or f"{{{rule.service}, {'source' if rule.direction.value == 'ingress' else 'destination'}: {rule.peer}}}"


def rule_line(rule: Rule) -> str:
    location = str(rule.origin)
    return f"{rule.direction.value} {rule.group}[{rule.index}] {rule_text(rule)}" + (f"  {location}" if location else "")


def rule_dict(rule: Rule) -> dict:
    return {
        "group": rule.group,
        "direction": rule.direction.value,
        "index": rule.index,
        "rule": rule_text(rule),
        "description": rule.description or None,
        "location": str(rule.origin) or None,
    }
