"""One CloudFormation rule entry (inline or a separate resource) -> draft rules.

An entry holds IpProtocol, FromPort, ToPort, Description and exactly one peer.
Anything that cannot be known from the template is kept as unknown (an
`UnknownPeer` or a `service_unknown` reason), never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...model import Cidr, CidrPeer, Direction, Family, GroupPeer, Origin, Peer, PrefixListPeer, UnknownPeer
from ...model.service import ALL, PORTED, TYPED, PortRange, Service
from .intrinsics import NO_VALUE, CfnError, ResRef, Unknown, intrinsic
from ..fields import parse_protocol, render, warn_cidr
from ..suggest import unknown_key
from ..yamlnodes import YMap, line_of
from .ipv6_literals import literal_v6_peers

PEER_KEYS = {
    Direction.INGRESS: ("CidrIp", "CidrIpv6", "SourceSecurityGroupId", "SourceSecurityGroupName",
                        "SourcePrefixListId"),
    Direction.EGRESS: ("CidrIp", "CidrIpv6", "DestinationSecurityGroupId", "DestinationPrefixListId"),
}
OTHER_KEYS = ("IpProtocol", "FromPort", "ToPort", "Description", "SourceSecurityGroupOwnerId")
TARGET_KEYS = ("GroupId", "GroupName")  # separate rule resources only
ALL_TRAFFIC = Service(ALL)


@dataclass(frozen=True)
class Draft:
    """A rule before it gets its index; `certain` is False when it may not exist."""

    direction: Direction
    service: Service
    peer: Peer
    origin: Origin
    text: str
    description: str = ""
    unknown: tuple[str, ...] = ()
    certain: bool = True


class RuleReader:
    """Reads rule entries; `ctx` resolves values and group references (see cloudformation.py)."""

    def __init__(self, ctx: Any):
        self.ctx = ctx

    def entries(self, raw: Any, direction: Direction, line: int, unknown: tuple[str, ...],
                separate: bool = False) -> list[Draft]:
        """Drafts for one entry; an `!If` on an undecidable condition yields both branches, uncertain."""
        found = intrinsic(raw)
        if found and found[0] == "Fn::If" and isinstance(found[1], list) and len(found[1]) == 3:
            truth = self.ctx.resolver.condition(found[1][0], line_of(raw, line))
            if isinstance(truth, Unknown):
                drafts: list[Draft] = []
                for branch, outcome in ((found[1][1], "true"), (found[1][2], "false")):
                    if intrinsic(branch) == ("Ref", "AWS::NoValue"):
                        continue
                    why = f"exists only if condition {found[1][0]} is {outcome} ({truth.reason})"
                    drafts += self.entries(branch, direction, line_of(branch, line), unknown + (why,), separate)
                return [_uncertain(d) for d in drafts]
        value = self.ctx.resolver.resolve(raw, line)
        line = line_of(value, line)
        if value is NO_VALUE:
            return []
        if isinstance(value, Unknown):
            self.ctx.warn(line, f"an {direction.value} rule cannot be read ({value.reason}); "
                                f"it is kept as a rule that may match anything")
            return [Draft(direction, ALL_TRAFFIC, UnknownPeer(value.reason), self.ctx.origin(line),
                          "<unknown rule>", unknown=unknown + (value.reason,), certain=False)]
        if not isinstance(value, YMap):
            raise CfnError(line, f"an {direction.value} rule must be a mapping, not {value!r}")
        return self._draft(value, direction, unknown, separate)

    def _draft(self, entry: YMap, direction: Direction, unknown: tuple[str, ...], separate: bool) -> list[Draft]:
        allowed = PEER_KEYS[direction] + OTHER_KEYS + (TARGET_KEYS if separate else ())
        for key in entry:
            if key not in allowed:
                raise CfnError(entry.key_line(key), unknown_key(key, f"an {direction.value} rule", allowed))
        service, service_why = self._service(entry)
        peer = self._peer(entry, direction)
        reasons = unknown + ((service_why,) if service_why else ())
        if isinstance(peer, UnknownPeer):
            self.ctx.warn(entry.line, f"the peer of this {direction.value} rule is unknown ({peer.reason}); "
                                      f"it may match any address")
        elif service_why:
            self.ctx.warn(entry.line, f"the protocol or ports of this rule are unknown ({service_why})")
        description = entry.get("Description", "")
        shown = render({k: _shown(v) for k, v in entry.items() if k not in TARGET_KEYS},
                       leave_out=("Description",))
        where = f"{direction.value} rule CidrIpv6"
        return [Draft(direction, service, each, self.ctx.origin(entry.line), shown,
                      description if isinstance(description, str) else "", reasons)
                for each in literal_v6_peers(self.ctx, peer, entry.line, where)]

    # -- service ------------------------------------------------------------

    def _service(self, entry: YMap) -> tuple[Service, str]:
        if "IpProtocol" not in entry:
            raise CfnError(entry.line, "a rule needs IpProtocol (tcp, udp, icmp, icmpv6, -1 or a number)")
        raw = entry["IpProtocol"]
        if isinstance(raw, Unknown):
            return ALL_TRAFFIC, f"IpProtocol: {raw.reason}"
        try:
            protocol = parse_protocol(raw if isinstance(raw, (str, int)) and not isinstance(raw, bool) else repr(raw))
        except ValueError as exc:
            raise CfnError(entry.value_line("IpProtocol"), str(exc)) from None
        if protocol == ALL or protocol not in PORTED + TYPED:
            return Service(protocol), ""  # AWS ignores FromPort/ToPort here
        bounds = [self._port(entry, key, protocol) for key in ("FromPort", "ToPort")]
        unknown = [b for b in bounds if isinstance(b, Unknown)]
        if unknown:
            return Service(protocol), f"ports: {unknown[0].reason}"
        low, high = bounds
        if protocol in PORTED:
            if low is None or high is None:
                raise CfnError(entry.line, "a tcp or udp rule needs FromPort and ToPort (0-65535)")
            if low > high:
                raise CfnError(entry.value_line("FromPort"), f"port range {low}-{high} runs backwards")
            return Service(protocol, (PortRange(low, high),)), ""
        icmp_type = None if low in (None, -1) else low
        icmp_code = None if icmp_type is None or high in (None, -1) else high
        return Service(protocol, None, icmp_type, icmp_code), ""

    def _port(self, entry: YMap, key: str, protocol: int) -> Any:
        if key not in entry:
            return None
        raw, line = entry[key], entry.value_line(key)
        if isinstance(raw, Unknown):
            return raw
        try:
            value = int(str(raw).strip())
        except ValueError:
            raise CfnError(line, f"{key} must be a number, not {raw!r}") from None
        low, high = (0, 65535) if protocol in PORTED else (-1, 255)
        if not low <= value <= high:
            what = "a port 0-65535" if protocol in PORTED else "an ICMP type/code from -1 (any) to 255"
            raise CfnError(line, f"{key} {value} is not {what}")
        return value

    # -- peer ---------------------------------------------------------------

    def _peer(self, entry: YMap, direction: Direction) -> Peer:
        given = [key for key in PEER_KEYS[direction] if key in entry]
        if len(given) != 1:
            names = ", ".join(PEER_KEYS[direction])
            problem = "has no peer" if not given else f"has several peers ({', '.join(given)})"
            raise CfnError(entry.line, f"an {direction.value} rule {problem}: give exactly one of {names}")
        key = given[0]
        value, line = entry[key], entry.value_line(key)
        if isinstance(value, Unknown):
            return UnknownPeer(f"{key}: {value.reason}")
        if key in ("CidrIp", "CidrIpv6"):
            return self._cidr(value, line, Family.V4 if key == "CidrIp" else Family.V6, key)
        if key.endswith("PrefixListId"):
            return self._prefix_list(value, line)
        if key == "SourceSecurityGroupName":
            found = self.ctx.group_by_name(value, line)
        else:
            owner = entry.get("SourceSecurityGroupOwnerId")
            found = self.ctx.group_ref(value, line, owner=owner)
        return UnknownPeer(f"{key}: {found.reason}") if isinstance(found, Unknown) else GroupPeer(found)

    def _cidr(self, value: Any, line: int, family: Family, key: str) -> CidrPeer:
        if not isinstance(value, str):
            raise CfnError(line, f"{key} must be a CIDR, not {value!r}")
        try:
            cidr = Cidr.parse(value)
        except ValueError as exc:
            raise CfnError(line, str(exc)) from None
        if cidr.family is not family:
            other = "CidrIpv6" if key == "CidrIp" else "CidrIp"
            raise CfnError(line, f"{key} {value} is not an IPv{family.value} block (use {other})")
        warn_cidr(cidr, value, self.ctx.report, line)
        return CidrPeer(cidr)

    def _prefix_list(self, value: Any, line: int) -> Peer:
        if isinstance(value, ResRef) and value.type == "AWS::EC2::PrefixList":
            return PrefixListPeer(value.logical)
        if isinstance(value, ResRef):
            raise CfnError(line, f"{value.logical} is a {value.type}, not a prefix list")
        self.ctx.warn(line, f"prefix list {value} is not in the template, so its entries are unknown; "
                            f"the rule may match any address")
        return UnknownPeer(f"entries of prefix list {value} are not in the template")


def _shown(value: Any) -> Any:
    if isinstance(value, ResRef):
        return f"!GetAtt {value.logical}.{value.attribute}" if value.attribute else f"!Ref {value.logical}"
    if isinstance(value, Unknown):
        return "<unknown>"
    return value


def _uncertain(draft: Draft) -> Draft:
    return Draft(draft.direction, draft.service, draft.peer, draft.origin, draft.text,
                 draft.description, draft.unknown, certain=False)
