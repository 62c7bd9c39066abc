"""What a diff row says: its witness, the rules on both sides, its fingerprint."""

from __future__ import annotations

from ..explain.evaluate import Situation, egress_ok, ingress_ok
from ..gate.fingerprint import fingerprint
from ..model import Network, Rule
from ..regions import Principal
from .engine import Change, ChangeKind

SIDE_NAME = {ChangeKind.ADDED: ("new", "old"), ChangeKind.REMOVED: ("old", "new")}


def change_fingerprint(change: Change) -> str:
    r = change.region
    spans = [",".join(f"{lo}-{hi}" for lo, hi in s) for s in (r.sources, r.destinations, r.services)]
    return fingerprint(f"{change.kind.value}-access", str(r.destination), str(r.source), str(r.family.value),
                       r.certainty.value, *spans)


def rules_of(region) -> tuple[Rule, ...]:
    """Admitting rules, ingress first: the destination's rule is usually the one that changed."""
    return tuple(region.ingress_rules) + tuple(region.egress_rules)


def who(principal: Principal) -> str | None:
    return principal.name if principal.is_resource else None


def elsewhere(change: Change, other: Network) -> str:
    """Why the witness is not delivered by the other network (certain rows), in one line."""
    r = change.region
    packet = r.witness()
    this, that = SIDE_NAME[change.kind]
    missing = [p.name for p in (r.source, r.destination) if p.is_resource and p.name not in other.resources]
    if missing:
        return f"{that}: {', '.join(missing)} does not exist there"
    if packet is None:
        return ""
    if not change.certain:
        return f"{that}: not delivered for some choice of what is unknown"
    situation = Situation(other, packet, who(r.source), who(r.destination), {})
    blocked = []
    if not egress_ok(situation):
        blocked.append(f"egress of {r.source.name} ({_groups(other, r.source.name)})")
    if not ingress_ok(situation):
        blocked.append(f"ingress of {r.destination.name} ({_groups(other, r.destination.name)})")
    return f"{that}: blocked by " + " and ".join(blocked) + ": no rule admits it" if blocked else ""


def _groups(network: Network, resource: str) -> str:
    groups = network.resources[resource].groups
    return ", ".join(groups) or "no security groups"
