"""NACL entries the repair search may add: where a connection an `allow` asserts is
dropped by a network ACL (on the request or on the reply), an allow entry placed
just before the entry that denies it (or after the others, when none matched).

What a person writes: the asserted peers as one CIDR each (the whole family for
`any` and `internet`), the asserted services for a request, and the client ports
for a reply, which is what a stateless NACL needs to let the answer back.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..model import Family
from ..model import intervals as iv
from ..model.addresses import Cidr
from ..model.service import PORTED, Service
from ..model.topology import AclAction, AclEntry
from ..solve.options import DEFAULT_CLIENT_PORTS
from ..spec import AnyEndpoint, GroupEndpoint, InternetEndpoint, ResourceEndpoint

COST_ADD_NACL_ENTRY = 3
MAX_ENTRIES = 8
TOP_NUMBER = 32766  # the highest rule number AWS accepts


@dataclass(frozen=True)
class NaclEdit:
    """Add `entries` to one direction of the NACL `nacl`."""

    nacl: str
    egress: bool
    entries: tuple[AclEntry, ...]
    cost: int
    why: str
    target: None = None  # an addition: no rule of a group is replaced
    kind: str = "add"


def denying_hop(cx):
    """The NACL hop that dropped the connection: (nacl key, egress, number or None, reply)."""
    for hop in cx.path:
        if hop.step == "nacl" and hop.outcome.startswith("denies"):
            key, _, rest = str(hop.element).partition(" (")
            direction = rest.partition(") ")[2].split(" ")[0]
            number = rest.rpartition("#")[2]
            return key, direction == "outbound", int(number) if number.isdigit() else None, hop.reply
    return None


def nacl_candidates(network, assertion, cx, endpoint_space, services_for) -> list[NaclEdit]:
    found = denying_hop(cx)
    if found is None or network.topology is None or found[0] not in network.topology.nacls:
        return []
    key, egress, number, reply = found
    acl = network.topology.nacls[key]
    family = cx.packet.family
    # Whose addresses the entry matches: an inbound entry sees the packet's source, an
    # outbound one its destination; a reply runs from the asserted destination back.
    toward_source = egress == reply
    ends = assertion.sources if toward_source else assertion.destinations
    blocks = _blocks(network, ends, family, endpoint_space)
    services = _reply_services(cx, assertion) if reply else services_for(assertion)
    pairs = [(b, s) for s in services for b in blocks]
    if not pairs or len(pairs) > MAX_ENTRIES:
        return []
    numbers = _free_numbers(acl.entries(egress), number, len(pairs))
    if numbers is None:
        return []
    entries = tuple(AclEntry(n, egress, AclAction.ALLOW, cidr, service)
                    for n, (cidr, service) in zip(numbers, pairs))
    side = "outbound" if egress else "inbound"
    why = f"allow entries in {key} {side} for the {'reply' if reply else 'request'}"
    return [NaclEdit(key, egress, entries, COST_ADD_NACL_ENTRY * len(entries), why)]


def _blocks(network, ends, family: Family, endpoint_space) -> list[Cidr]:
    if any(isinstance(e, (AnyEndpoint, InternetEndpoint)) for e in ends):
        return [Cidr.parse("0.0.0.0/0" if family is Family.V4 else "::/0")]
    space = iv.normalize(x for e in ends for x in _private_space(network, e, family, endpoint_space))
    blocks = [c for lo, hi in space for c in iv.to_cidrs(lo, hi, family)]
    return blocks if len(blocks) <= MAX_ENTRIES else []


def _private_space(network, endpoint, family: Family, endpoint_space):
    """The addresses a NACL sees for an endpoint inside the VPC: its resources' private
    addresses (a public address exists only beyond the internet gateway)."""
    if isinstance(endpoint, ResourceEndpoint):
        names = [endpoint.name]
    elif isinstance(endpoint, GroupEndpoint):
        names = [r.name for r in network.members(endpoint.group)]
    else:
        return endpoint_space(network, endpoint, family)
    out = []
    for name in names:
        resource = network.resources.get(name)
        if resource is None:
            continue
        if resource.symbolic:
            out += endpoint_space(network, ResourceEndpoint(name), family)
        out += iv.of_points([v for f, v in resource.ips if f is family])
    return out


def _reply_services(cx, assertion) -> list[Service]:
    protocol = cx.packet.protocol
    if protocol not in PORTED:
        return [Service(protocol)]
    from ..model import PortRange

    lo, hi = assertion.client_ports or DEFAULT_CLIENT_PORTS
    return [Service(protocol, (PortRange(lo, hi),))]


def _free_numbers(entries, before: int | None, count: int) -> list[int] | None:
    """`count` unused rule numbers: just below `before` (so they are evaluated first), or,
    with nothing to come before, after the highest entry."""
    used = {e.number for e in entries}
    if before is not None:
        numbers = [n for n in range(before - 1, 0, -1) if n not in used][:count]
        return sorted(numbers) if len(numbers) == count else None
    start = max(used, default=90)  # an empty list starts at 100, as people number them
    numbers = [n for n in range(start + 10 - start % 10, TOP_NUMBER + 1) if n not in used][:count]
    return numbers if len(numbers) == count else None


def apply_nacl(network, edit: NaclEdit):
    topology = network.topology
    acl = topology.nacls[edit.nacl]
    entries = tuple(sorted(acl.entries(edit.egress) + edit.entries, key=lambda e: e.number))
    acl = replace(acl, **{"outbound" if edit.egress else "inbound": entries})
    return replace(network, topology=replace(topology, nacls={**topology.nacls, edit.nacl: acl}))
