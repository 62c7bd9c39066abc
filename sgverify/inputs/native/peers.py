"""Reading a native rule's peers (source or destination): CIDRs, groups,
prefix lists, `self` and {unknown: REASON}.

Large estates name the same peer text in thousands of rules, so each text
read without error is kept with its warning and reused; the warning is still
given at every rule's own line.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from ...model import Cidr, CidrPeer, Direction, GroupPeer, Peer, PrefixListPeer, UnknownPeer, parse_address
from ..fields import cidr_warning, parse_cidr, type_name
from ..suggest import did_you_mean
from ..yamlnodes import YList, YMap


class PeerReading:
    """The peer half of the native reader (native._Reader): it uses the reader's
    report, parts, group names (bodies, names, group_vpcs, opaque, group_key,
    ambiguity), its peer cache `peers` and `_unknown_text`.

    A group name used in several VPCs is resolved in the VPC of the rule's own
    group, so such a peer is never cached by its text."""

    def _peers(self, key: str, direction: Direction, rule: YMap) -> list[Peer] | None:
        field, other = ("source", "destination") if direction is Direction.INGRESS else ("destination", "source")
        value = rule.get(field)
        if type(value) is str and other not in rule and value != "self":
            found = self.peers.get(value)  # the common case: one peer, seen before
            if found is not None:
                if found[1] is not None:
                    self.report.warn(rule.value_line(field), found[1])
                return [found[0]]
        if other in rule:
            self.report.error(rule.key_line(other), f"{other!r} is for {'egress' if other == 'destination' else 'ingress'}"
                                                   f" rules; an {direction.value} rule names its peer with {field!r}")
            return None
        if field not in rule:
            self.report.error(rule.line, f"an {direction.value} rule needs a {field!r}")
            return None
        value = rule[field]
        line = rule.value_line(field)
        if isinstance(value, YList):
            if not value:
                self.report.error(line, f"{field} is an empty list: a rule needs at least one peer")
                return None
            found = [self._peer(key, v, value.item_line(i), line) for i, v in enumerate(value)]
        else:
            found = [self._peer(key, value, line, line)]
        if None in found:
            return None
        return list(dict.fromkeys(found)) if len(found) > 1 else found

    def _peer(self, key: str, value: Any, line: int, rule_line: int) -> Peer | None:
        if isinstance(value, YMap) and list(value) == ["unknown"]:
            # {unknown: REASON}: a peer whose value is not known (e.g. from an import).
            reason = self._unknown_text(value, "unknown")
            return UnknownPeer(reason) if reason else None
        if not isinstance(value, str):
            self.report.error(line, f"a peer must be a CIDR, a group or a prefix list, not {type_name(value)}")
            return None
        if value == "self":
            return self._group_peer(key, line)
        if "/" in value:
            cidr = self._cidr(value, line)
            if cidr is None:
                return None
            return self._remember(value, CidrPeer(cidr), cidr_warning(cidr, value), line)
        vpc = self.group_vpcs.get(key, "")
        group = self.group_key(value, vpc)
        if group is not None:
            if len(self.names.get(value, ())) > 1 and value not in self.bodies:
                return self._group_peer(group, line)  # resolved in this group's VPC: not cached
            return self._remember(value, GroupPeer(group), self._members_warning(group), line)
        ambiguous = self.ambiguity(value, vpc)
        if ambiguous is not None:
            self.report.error(line, ambiguous)
            return None
        if value in self.parts.prefix_lists:
            return self._remember(value, PrefixListPeer(value), None, line)
        if value in self.parts.broken_prefix_lists:
            return None  # its own error is reported where it is defined
        self._unknown_peer(value, line)
        return None

    def _remember(self, text: str, peer: Peer, warning: str | None, line: int) -> Peer:
        """A peer read from `text` (not 'self'), kept for the next rule naming the same text."""
        self.peers[text] = (peer, warning)
        if warning is not None:
            self.report.warn(line, warning)
        return peer

    def _cidr(self, text: str, line: int):
        """parse_cidr without its warning, with each distinct text parsed once."""
        try:
            return _parse_cidr_text(text)
        except ValueError:
            return parse_cidr(text, self.report, line)  # reports the error

    def _members_warning(self, group: str) -> str | None:
        if group not in self.opaque and not self.parts.members.get(group):
            return f"group {group!r} has no members (no resource carries it), so this rule matches no address"
        return None

    def _group_peer(self, group: str, line: int) -> GroupPeer:
        warning = self._members_warning(group)
        if warning is not None:
            self.report.warn(line, warning)
        return GroupPeer(group)

    def _unknown_peer(self, value: str, line: int) -> None:
        try:
            family, _ = parse_address(value)
        except ValueError:
            known = [*self.bodies, *self.names, *self.parts.prefix_lists, "self"]
            self.report.error(line, f"unknown security group or prefix list {value!r}"
                                    f"{did_you_mean(value, known)}")
            return
        width = 32 if family.value == 4 else 128
        self.report.error(line, f"a peer address needs a prefix length: write {value}/{width}")


@lru_cache(maxsize=1 << 16)
def _parse_cidr_text(text: str) -> Cidr:
    return Cidr.parse(text)
