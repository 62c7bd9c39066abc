"""Lint checks on rules and groups: redundancy, suspicious CIDRs, dangling references, quotas."""

from __future__ import annotations

from ..model import Cidr, CidrPeer, Family, GroupPeer, Network, PrefixListPeer, Rule
from .lint import Level, directions, make, rule_finding, rule_text
from .lint_cover import cover_of, single_coverer

SHADOWED = "SG001-shadowed-rule"
REDUNDANT = "SG002-redundant-rule"
REDUNDANT_ON_RESOURCE = "SG003-redundant-across-groups"
SUSPICIOUS_CIDR = "SG006-suspicious-cidr"
UNATTACHED = "SG007-unattached-group"
EMPTY_REFERENCE = "SG008-reference-to-empty-group"
UNKNOWN_REFERENCE = "SG009-reference-outside-network"
QUOTA_GROUP_RULES = "SG010-quota-rules-per-group"
QUOTA_GROUPS = "SG011-quota-groups-per-resource"
QUOTA_RESOURCE_RULES = "SG012-quota-rules-per-resource"

RULES_PER_GROUP = 60  # per direction and family (default quota)
GROUPS_PER_RESOURCE, GROUPS_PER_RESOURCE_MAX = 5, 16
RULES_PER_RESOURCE = 1000  # rules per group x groups per interface


# ---------------------------------------------------------------- redundancy

def redundant_in_group(network: Network, rules: tuple[Rule, ...]) -> list[tuple[Rule, Rule | None]]:
    """(rule, the one rule shadowing it or None) for each rule covered by the others of the list.

    A rule that admits nothing at all (a reference to a group without members)
    is left out: that is a different finding.
    """
    out = []
    for rule in rules:
        if cover_of(network, []).covers(network, rule):
            continue  # admits nothing at all: reported as a reference to an empty group
        others = [r for r in rules if r is not rule]
        if cover_of(network, others).covers(network, rule):
            out.append((rule, single_coverer(network, rule, others)))
    return out


def redundancy_findings(network: Network) -> list:
    findings, in_group = [], set()
    for group in network.groups.values():
        for direction in directions():
            for rule, by in redundant_in_group(network, group.rules(direction)):
                in_group.add(rule)
                findings.append(_group_redundancy(rule, by))
    for resource in network.resources.values():
        for direction in directions():
            rules = tuple(r for g in dict.fromkeys(resource.groups) if g in network.groups
                          for r in network.groups[g].rules(direction))
            for rule, by in redundant_in_group(network, rules):
                if rule not in in_group:
                    where = f" by {by.label} ({by.origin})" if by else " by the union of its other rules"
                    findings.append(rule_finding(
                        REDUNDANT_ON_RESOURCE, Level.INFO,
                        f"{rule.label} ({rule.text or rule_text(rule)}) admits nothing new on "
                        f"{resource.name}: covered{where}", rule, resource.name))
    return findings


def _group_redundancy(rule: Rule, by: Rule | None):
    text = rule.text or rule_text(rule)
    if by is not None:
        return rule_finding(SHADOWED, Level.WARNING,
                            f"{rule.label} ({text}) is shadowed by {by.label} ({by.origin})",
                            rule, rule.group)
    return rule_finding(REDUNDANT, Level.WARNING,
                        f"{rule.label} ({text}) is redundant: the other rules of {rule.group} "
                        f"admit everything it admits", rule, rule.group)


# ---------------------------------------------------------------- suspicious CIDRs

_V4_ODD = (("0.0.0.0/8", "\"this network\" (0.0.0.0/8)"), ("127.0.0.0/8", "loopback (127.0.0.0/8)"))
_V6_ODD = (("::/128", "the unspecified address"), ("::1/128", "loopback (::1)"))


def cidr_problem(cidr: Cidr) -> str:
    """Why a CIDR in a rule looks like a mistake, or ''."""
    if cidr.family is Family.V4 and cidr.prefix == 32 and cidr.network == 0:
        return "0.0.0.0/32 is the single address 0.0.0.0 (probably meant 0.0.0.0/0)"
    if cidr.had_host_bits:
        return f"{cidr} was written with host bits set (AWS reads it as {cidr})"
    for text, what in (_V4_ODD if cidr.family is Family.V4 else _V6_ODD):
        block = Cidr.parse(text)
        if cidr.prefix >= block.prefix and block.first <= cidr.first <= block.last:
            return f"{cidr} lies in {what}: no traffic comes from or goes there"
    return ""


def hygiene_findings(network: Network) -> list:
    findings = []
    for rule in network.all_rules():
        findings += _rule_hygiene(network, rule)
    for plist in network.prefix_lists.values():
        for cidr in plist.cidrs:
            problem = cidr_problem(cidr)
            if problem:
                findings.append(make(SUSPICIOUS_CIDR, Level.WARNING, f"prefix list {plist.key}: {problem}",
                                     plist.origin, plist.key, str(cidr)))
    for group in network.groups.values():
        if not group.opaque and not network.members(group.key):
            findings.append(make(UNATTACHED, Level.INFO, f"{group.key} is attached to nothing",
                                 group.origin, group.key))
    return findings


def _rule_hygiene(network: Network, rule: Rule) -> list:
    peer = rule.peer
    if isinstance(peer, CidrPeer):
        problem = cidr_problem(peer.cidr)
        severity = Level.ERROR if peer.cidr.prefix == 32 and peer.cidr.network == 0 else Level.WARNING
        return [rule_finding(SUSPICIOUS_CIDR, severity, f"{rule.label}: {problem}", rule, rule.group)] \
            if problem else []
    if isinstance(peer, GroupPeer):
        target = network.groups.get(peer.group)
        if target is None or target.opaque:
            return [rule_finding(UNKNOWN_REFERENCE, Level.WARNING,
                                 f"{rule.label} references {peer.group}, which is not in the network: "
                                 f"its members are unknown", rule, rule.group)]
        if not network.members(peer.group):
            return [rule_finding(EMPTY_REFERENCE, Level.WARNING,
                                 f"{rule.label} references {peer.group}, which has no members: "
                                 f"the rule admits nothing", rule, rule.group)]
    if isinstance(peer, PrefixListPeer) and peer.prefix_list not in network.prefix_lists:
        return [rule_finding(UNKNOWN_REFERENCE, Level.WARNING,
                             f"{rule.label} references prefix list {peer.prefix_list}, which is not in "
                             f"the network", rule, rule.group)]
    return []


# ---------------------------------------------------------------- quotas

def rule_weight(network: Network, rule: Rule, family: Family) -> int:
    """How much a rule counts toward a family's quota (a prefix list: its max entries).

    Group references and unknown peers count toward IPv4 (they are not tied to a family).
    """
    peer = rule.peer
    if isinstance(peer, CidrPeer):
        return int(peer.cidr.family is family)
    if isinstance(peer, PrefixListPeer):
        plist = network.prefix_lists.get(peer.prefix_list)
        if plist is None:
            return int(family is Family.V4)
        if plist.cidrs and all(c.family is not family for c in plist.cidrs):
            return 0
        if not plist.cidrs and family is not Family.V4:
            return 0
        return plist.max_entries if plist.max_entries is not None else len(plist.cidrs)
    return int(family is Family.V4)


def quota_findings(network: Network) -> list:
    findings = []
    for group in network.groups.values():
        for direction in directions():
            for family in (Family.V4, Family.V6):
                count = sum(rule_weight(network, r, family) for r in group.rules(direction))
                if count > RULES_PER_GROUP:
                    findings.append(make(
                        QUOTA_GROUP_RULES, Level.WARNING,
                        f"{group.key} has {count} {direction.value} IPv{family.value} rules (prefix lists count "
                        f"their max entries); the default quota is {RULES_PER_GROUP}",
                        group.origin, group.key, direction.value, str(family.value)))
    for resource in network.resources.values():
        findings += _resource_quotas(network, resource)
    return findings


def _resource_quotas(network: Network, resource) -> list:
    out, groups = [], list(dict.fromkeys(resource.groups))
    if len(groups) > GROUPS_PER_RESOURCE:
        severity = Level.ERROR if len(groups) > GROUPS_PER_RESOURCE_MAX else Level.WARNING
        out.append(make(QUOTA_GROUPS, severity,
                        f"{resource.name} carries {len(groups)} groups; the default quota is "
                        f"{GROUPS_PER_RESOURCE} (at most {GROUPS_PER_RESOURCE_MAX})",
                        resource.origin, resource.name))
    for direction in directions():
        total = sum(rule_weight(network, r, f) for g in groups if g in network.groups
                    for r in network.groups[g].rules(direction) for f in (Family.V4, Family.V6))
        if total > RULES_PER_RESOURCE:
            out.append(make(QUOTA_RESOURCE_RULES, Level.ERROR,
                            f"{resource.name} has {total} {direction.value} rules over its groups "
                            f"(prefix lists count their max entries); the limit is {RULES_PER_RESOURCE}",
                            resource.origin, resource.name, direction.value))
    return out
