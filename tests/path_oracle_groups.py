"""Security groups on the path, for the path oracle: one concrete packet.

Written from the AWS facts (semantics list items 1-12) and README
"Semantics" / docs/vpc.md "Group references on the path", reading only the
model's frozen values.

What the input leaves unknown about groups is a free choice, taken the World's
way (path_oracle_world.py: permissively for `deny`/`only`, restrictively for
`allow`). Every such choice only ever adds matches, so the permissive way is
the one that delivers most and the restrictive one the one that delivers
least:
- an opaque group (referenced, its members not known) may have any host or
  outside host as a member: a reference to it matches such a peer, seen at its
  own address over a leg where group references apply at all (not through an
  internet or NAT gateway); a resource of the input is a member only when it
  carries the group;
- a rule's unknown peer (`UnknownPeer`) may match any address, whatever the
  leg; a rule whose applying is unknown (`service_unknown`) applies or not.
A carried opaque group's own rules are as the input writes them (known ones or
ones with unknown parts).
"""

from __future__ import annotations

from sgverify.model import UnknownPeer


class Groups:
    """The group checks of a World (which gives `net`, `permissive`, `inside`)."""

    def is_member(self, end, group: str, a: int) -> bool:
        return end.kind == "resource" and a == end.private and group in self.net.resources[end.resource].groups

    def sg_admits(self, end, egress: bool, other, address: int, point: int, groups, own: bool = True) -> bool:
        """The union of the end's groups' rules in one direction; `address` is the
        peer as this side sees it, `other` the end that is that peer. `groups`:
        whether group references see it (True, False, or "free"); `own`: the
        address seen is the peer's own (not one a gateway translated)."""
        if groups == "free":
            groups = self.permissive
        for key in dict.fromkeys(self.net.resources[end.resource].groups):
            group = self.net.groups.get(key)
            for rule in (group.egress if egress else group.ingress) if group is not None else ():
                if rule.service_unknown and not self.permissive:
                    continue  # perhaps the rule does not apply at all
                if in_rule_service(rule, point) and self._peer_matches(rule.peer, other, address, groups, own):
                    return True
        return False

    def _peer_matches(self, peer, other, address: int, groups: bool, own: bool) -> bool:
        if isinstance(peer, UnknownPeer):
            return self.permissive  # any address at all, or none
        cidr = getattr(peer, "cidr", None)
        if cidr is not None:
            return self.inside(cidr, address)
        listed = getattr(peer, "prefix_list", None)
        if listed is not None:
            return any(self.inside(c, address) for c in self.net.prefix_lists[listed].cidrs)
        if other.kind == "resource":
            return bool(groups) and self.is_member(other, peer.group, address)
        known = self.net.groups.get(peer.group)
        opaque = known is not None and known.opaque
        return opaque and bool(groups) and own and self.permissive  # a host may be a member


def in_rule_service(rule, point: int) -> bool:
    return any(lo <= point <= hi for lo, hi in rule.service.intervals())
