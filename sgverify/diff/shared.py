"""Opaque groups that both networks reference: one unknown membership, not two.

The region engine compares two networks with their free choices independent:
"added" is what the new network may deliver and the old one does not surely
deliver. For an opaque group referenced in both (same key: the same real
group, in another account or VPC), that would report every unchanged rule
naming it as possible added access, because the old network's copy of the
unknown membership is allowed to differ from the new one's.

Here each such membership takes one value in both networks at once. For a pair
of principals where exactly one side is unmanaged (only there can opaque
membership matter), every valuation of the shared groups that the resource
side references is tried: a group known to have the unmanaged address as a
member becomes a rule matching every address, a group known not to have it
matches nothing. Everything else (unknown rule parts, opaque groups only one
network names) stays independent, which can only widen the result.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Iterator

from ..model import Cidr, CidrPeer, Direction, GroupPeer, Network, Rule
from ..regions import Principal

MAX_SHARED = 8  # 2**8 valuations; past that, fall back to independent choices (still sound)
EVERYWHERE = (Cidr.parse("0.0.0.0/0"), Cidr.parse("::/0"))


def shared_opaque(old: Network, new: Network, source: Principal, destination: Principal) -> list[str]:
    """Opaque groups (in both networks) that the resource side names towards an unmanaged peer."""
    if source.is_resource == destination.is_resource:
        return []
    own, direction = (source, Direction.EGRESS) if source.is_resource else (destination, Direction.INGRESS)
    keys: set[str] = set()
    for network in (old, new):
        resource = network.resources.get(own.name)
        if resource is None:
            continue
        for key in resource.groups:
            group = network.groups.get(key)
            for rule in (group.rules(direction) if group else ()):
                if isinstance(rule.peer, GroupPeer):
                    keys.add(rule.peer.group)
    both = [k for k in sorted(keys) if _opaque(old, k) and _opaque(new, k)]
    return both if len(both) <= MAX_SHARED else []


def _opaque(network: Network, key: str) -> bool:
    group = network.groups.get(key)
    return bool(group and group.opaque)


def valuations(keys: list[str]) -> Iterator[dict[str, bool]]:
    for values in itertools.product((False, True), repeat=len(keys)):
        yield dict(zip(keys, values))


def fix_membership(network: Network, valuation: dict[str, bool]) -> Network:
    """The network with each group of `valuation` no longer opaque: member of it or not.

    Only meaningful for a pair whose peer on the filtering side is unmanaged:
    "member" becomes a rule matching every address (of that unmanaged peer),
    "not a member" a group with no members.
    """
    if not valuation:
        return network
    groups = {}
    for key, group in network.groups.items():
        if key in valuation:
            group = replace(group, opaque=False)
        groups[key] = replace(group, ingress=_rewrite(group.ingress, valuation),
                              egress=_rewrite(group.egress, valuation))
    return replace(network, groups=groups)


def _rewrite(rules: tuple[Rule, ...], valuation: dict[str, bool]) -> tuple[Rule, ...]:
    out: list[Rule] = []
    for rule in rules:
        target = rule.peer.group if isinstance(rule.peer, GroupPeer) else None
        if target is not None and valuation.get(target):
            out += [replace(rule, peer=CidrPeer(c)) for c in EVERYWHERE]
        else:
            # Not a member: the group, no longer opaque, has no unmanaged member, so
            # the rule matches nothing on that side.
            out.append(rule)
    return tuple(out)
