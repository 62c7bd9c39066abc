"""Evaluate one concrete packet on every layer of the path (no solver).

The path prover replays each counterexample here before it reports it, and
the explanation is what this evaluation saw, hop by hop: the source's
security groups, each network ACL crossed, each route, gateway and
translation, and the destination's groups; for a connection, the reply too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from ..model import Direction, Family, Network, Rule
from ..model import intervals as iv
from ..model.ends import Addr, End, EndKind
from ..model.forwarding import LOCAL, lookup, table_pieces, tgw_pieces
from ..model.leg import Crossing, Leg, Ref, RouteBack, TgwBack
from ..model.free import unplaced, unplaced_choice
from ..model.legs import Legs
from ..model.service import ICMP, ICMPV6, PORTED, TYPED
from ..model.topology import AclAction, AclEntry
from ..solve.result import PathHop
from .path_rules import sg_admitting

ECHO = {ICMP: (8, 0), ICMPV6: (128, 129)}


@dataclass(frozen=True)
class Flow:
    """A concrete connection attempt and the free choices in force."""

    src_end: End
    dst_end: End
    src: int
    dst: int  # as sent
    service: int
    client_port: int = 1024
    nat_port: int = 1024
    free: Mapping[str, bool] = field(default_factory=dict)
    choices: Mapping[str, int] = field(default_factory=dict)
    addresses: Mapping[str, int] = field(default_factory=dict)  # values of free addresses


@dataclass
class Outcome:
    ok: bool
    hops: list[PathHop]
    failed_at: str = ""
    leg: Leg | None = None


def reply_service(service: int, port: int) -> int | None:
    """The service of a reply (None: none is needed): to the client's port for
    tcp/udp, an echo reply for an echo request, the same protocol otherwise."""
    protocol, low = service >> 16, service & 0xFFFF
    if protocol in PORTED:
        return (protocol << 16) | port
    if protocol in TYPED:
        request, answer = ECHO[protocol]
        return (protocol << 16) | (answer << 8) if low >> 8 == request else None
    return service


class PathEvaluator:
    def __init__(self, legs: Legs):
        self.legs = legs
        self.network: Network = legs.network
        self.topology = legs.topology
        self.family: Family = legs.family

    # -- which leg -------------------------------------------------------------
    def leg_of(self, flow: Flow) -> Leg | None:
        for leg in self.legs.from_end(flow.src_end):
            if self.takes(leg, flow):
                return leg
        return None

    def takes(self, leg: Leg, flow: Flow) -> bool:
        if not iv.contains(list(leg.space), flow.dst) or not arrives_at(leg, flow.dst_end, flow.dst, flow.addresses):
            return False
        if leg.source_space is not None and not iv.contains(list(leg.source_space), flow.src):
            return False
        if not all(flow.free.get(name, False) for name in leg.assume):
            return False
        if not all(flow.free.get(unplaced_choice(e.resource), False) for e in (flow.src_end, flow.dst_end) if unplaced(e)):
            return False
        return all(flow.choices.get(name, 0) == value for name, value, _ in leg.choices)

    # -- the request -----------------------------------------------------------
    def request(self, flow: Flow) -> Outcome:
        hops: list[PathHop] = []
        leg = self.leg_of(flow)
        if leg is not None and leg.arrival != "service" and flow.src_end.resource:
            if not self._sg(flow, leg, Direction.EGRESS, hops):
                return Outcome(False, hops, "egress of the source", leg)
        if leg is None:
            hops.append(PathHop("route", self._where(flow), "no route delivers it (dropped)"))
            return Outcome(False, hops, "route", None)
        for step in leg.hops:
            if isinstance(step, Crossing):
                if not self._crossing(flow, step, flow.service, hops):
                    return Outcome(False, hops, f"NACL of {step.subnet}", leg)
                continue
            hops.append(PathHop("gateway" if "gateway" in step.text.split(":")[0] else "route",
                                step.text, "taken", str(step.origin or "")))
            if step.text.startswith("NAT gateway") and flow.service >> 16 not in (leg.protocols or ()):
                hops.append(PathHop("gateway", step.text.split(" (")[0], "drops this protocol (only tcp, udp and icmp)"))
                return Outcome(False, hops, "NAT gateway", leg)
        if leg.arrival != "service" and flow.dst_end.resource:
            if not self._sg(flow, leg, Direction.INGRESS, hops):
                return Outcome(False, hops, "ingress of the destination", leg)
        return Outcome(True, hops, "", leg)

    def connection(self, flow: Flow) -> Outcome:
        """The request and its reply."""
        outcome = self.request(flow)
        if not outcome.ok:
            return outcome
        leg = outcome.leg
        hops = outcome.hops
        back = reply_service(flow.service, flow.client_port)
        if back is None or leg.arrival == "service":
            return outcome
        nat_back = reply_service(flow.service, flow.nat_port)
        for check in leg.reply:
            if isinstance(check, Crossing):
                ok = self._crossing(flow, check, nat_back if check.nat_port else back, hops)
                where = f"NACL of {check.subnet}"
            elif isinstance(check, RouteBack):
                ok = self._route_back(flow, check, hops)
                where = f"route back from {check.subnet}"
            else:
                ok = self._tgw_back(flow, check, hops)
                where = "transit gateway route back"
            if not ok:
                return Outcome(False, hops, "reply: " + where, leg)
        return Outcome(True, hops, "", leg)

    # -- pieces ------------------------------------------------------------------
    def address(self, flow: Flow, ref: Ref) -> int:
        if ref == "src":
            return flow.src
        if ref == "dst":
            return flow.dst
        assert isinstance(ref, Addr)
        return ref.value if ref.fixed else flow.addresses[ref.name]

    def _crossing(self, flow: Flow, crossing: Crossing, service: int, hops: list[PathHop]) -> bool:
        direction = "outbound" if crossing.egress else "inbound"
        if crossing.nacl is None:
            name = f"nacl:{crossing.subnet}:{direction}:{'reply' if crossing.reply else 'request'}"
            ok = flow.free.get(name, False)
            hops.append(PathHop("nacl", f"{crossing.subnet} {direction} (NACL not in the input)",
                                "taken to admit" if ok else "taken to deny", reply=crossing.reply))
            return ok
        acl = self.topology.nacls[crossing.nacl]
        entry = first_match(acl.entries(crossing.egress), self.family, self.address(flow, crossing.address), service)
        element = f"{acl.key} ({crossing.subnet}) {direction}" + (f" #{entry.number}" if entry else " *")
        if entry is None:
            hops.append(PathHop("nacl", element, "denies (no entry matches)", str(acl.origin), crossing.reply))
            return False
        ok = entry.action is AclAction.ALLOW
        hops.append(PathHop("nacl", element, "admits" if ok else "denies", str(entry.origin), crossing.reply))
        return ok

    def _route_back(self, flow: Flow, check: RouteBack, hops: list[PathHop]) -> bool:
        address = self.address(flow, check.address)
        subnet = self.topology.subnets[check.subnet]
        if check.table is None:
            ok = flow.free.get(f"route-back:{check.subnet}", False)
            hops.append(PathHop("route", f"{check.subnet}'s table (not in the input)",
                                "taken to route back" if ok else "taken not to route back", reply=True))
            return ok
        pieces = table_pieces(self.topology, check.table, subnet.vpc, self.family, self.network.prefix_lists)
        route = lookup(pieces, address)
        if route is None or route is LOCAL or route.blackhole:
            what = "no route" if route is None else ("local" if route is LOCAL else f"{route} (blackhole)")
            hops.append(PathHop("route", f"{check.table} for the reply", f"{what}: dropped",
                                str(self.topology.route_tables[check.table].origin), True))
            return False
        if check.target:
            ok = route.target == check.target
        else:
            ok = self.legs._unknown_target(route)
        hops.append(PathHop("route", f"{check.table}: {route}", "routes the reply back" if ok else
                            "sends the reply elsewhere (dropped)", str(route.origin), True))
        return ok

    def _tgw_back(self, flow: Flow, check: TgwBack, hops: list[PathHop]) -> bool:
        if check.table is None:
            hops.append(PathHop("route", "transit gateway attachment without a route table", "dropped", reply=True))
            return False
        if check.table not in self.topology.tgw_route_tables:
            ok = flow.free.get(f"tgw-back:{check.table}", False)
            hops.append(PathHop("route", f"{check.table} (not in the input)",
                                "taken to route back" if ok else "taken not to route back", reply=True))
            return ok
        choice = lookup(tgw_pieces(self.topology, check.table, self.family), self.address(flow, check.address))
        ok = choice is not None and choice.attachment == check.attachment
        hops.append(PathHop("route", f"transit gateway table {check.table}",
                            "routes the reply back" if ok else "does not route the reply back", reply=True))
        return ok

    def _sg(self, flow: Flow, leg: Leg, direction: Direction, hops: list[PathHop]) -> bool:
        rules = sg_admitting(self, flow, leg, direction)
        end = flow.src_end if direction is Direction.EGRESS else flow.dst_end
        step = direction.value
        if rules:
            hops.append(PathHop(step, rule_label(rules[0]), "admits", str(rules[0].origin)))
            return True
        groups = ", ".join(dict.fromkeys(self.network.resources[end.resource].groups)) or "no groups"
        hops.append(PathHop(step, f"{end.resource} ({groups})", "no rule admits"))
        return False

    def _where(self, flow: Flow) -> str:
        return f"from {flow.src_end.label}"


def first_match(entries: tuple[AclEntry, ...], family: Family, address: int, service: int) -> AclEntry | None:
    """The first entry by rule number whose block and service match: NACLs are ordered."""
    for entry in sorted(entries, key=lambda e: e.number):
        if entry.cidr.contains(family, address) and any(lo <= service <= hi for lo, hi in entry.service.spans):
            return entry
    return None


def arrives_at(leg: Leg, end: End, dst: int, addresses: Mapping[str, int] = {}) -> bool:
    """Whether the leg's arrival is that end (for a destination as sent, with
    the values of free addresses)."""
    if leg.arrival == "public" and leg.at is not None:
        return leg.lands_on_free_public(end) and addresses.get(leg.at.name) == dst
    if leg.arrival == "public":
        return end.kind is EndKind.RESOURCE and end.subnet == leg.subnet and dst in end.publics
    if leg.arrival == "subnet":
        return end.subnet == leg.subnet and end.kind is not EndKind.OUTSIDE and iv.contains(list(end.space), dst)
    return end.kind is EndKind.OUTSIDE or (end.kind is EndKind.RESOURCE and not end.subnet
                                             and leg.arrival == "outside" and iv.contains(list(end.space), dst))


def rule_label(rule: Rule) -> str:
    return f"{rule.label} {rule.text}".rstrip() if rule.text else rule.label
