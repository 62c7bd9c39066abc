"""The edits the repair search can offer for one counterexample, and what each costs.

From a delivered packet that must not be: narrow or remove a rule that admits
it. From a dropped packet that must get through: add a rule on the side that
drops it. Costs are the model of docs/fix.md: what a reviewer would rather read.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..model import CidrPeer, Direction, Family, GroupPeer, Network, PortRange, Rule, Service
from ..model import intervals as iv
from ..model.addresses import PRIVATE_V4, Cidr
from ..model.service import ALL, PORTED
from ..spec import AddressEndpoint, AnyEndpoint, Assertion, GroupEndpoint, InternetEndpoint, Kind, ResourceEndpoint

MAX_BLOCKS = 16  # a narrowed CIDR split into more blocks than this is not offered
FAMILIES = (Family.V4, Family.V6)

# The cost model (docs/fix.md): what a reviewer would rather read. Narrowing a
# rule's ports or peer keeps what the rule was for, so it is cheaper than
# removing it, until the narrowed peer takes more rules than a person would
# write (four blocks cost more than one removal). An added rule that names a
# group is one line that stays right as members come and go; host addresses
# cost one more each.
COST_REMOVE = 7
COST_NARROW_PORTS = 2
COST_PER_NARROWED_BLOCK = 2
COST_ADD_GROUP_RULE = 2
COST_ADD_ADDRESS_RULE = 3
ADDED_DESCRIPTION = "added by suggested fix"


@dataclass(frozen=True)
class Edit:
    """Replace `target` (None: add) in `group`'s `direction` by `rules` (empty: remove)."""

    group: str
    direction: Direction
    target: Rule | None
    rules: tuple[Rule, ...]
    cost: int
    why: str

    @property
    def kind(self) -> str:
        return "add" if self.target is None else ("remove" if not self.rules else "narrow")


def _anything(_) -> bool:
    return True


def _nothing(_) -> bool:
    return False


@dataclass(frozen=True)
class Editable:
    """Which rules the search may change and which groups it may add to: a
    patch writer can only offer edits it can write as text."""

    rule: object = _anything  # Rule -> bool
    group: object = _anything  # group key -> bool
    nacl: object = _nothing  # NACL key -> bool: may entries be added to it


# ---------------------------------------------------------------- address sets of endpoints

def endpoint_space(network: Network, endpoint, family: Family) -> iv.Intervals:
    """Every address an endpoint may have (over-approximated where identity is free)."""
    if isinstance(endpoint, (AnyEndpoint, InternetEndpoint, AddressEndpoint)):
        return endpoint.intervals(family)
    names = [endpoint.name] if isinstance(endpoint, ResourceEndpoint) else \
        [r.name for r in network.members(endpoint.group)]
    out: iv.Intervals = []
    for name in names:
        r = network.resources.get(name)
        if r is None:
            continue
        out = iv.union(out, iv.of_points(r.addresses(family)))
        if r.symbolic:
            out = iv.union(out, iv.of_cidrs(r.subnets, family) if r.subnets else
                           iv.of_cidrs(PRIVATE_V4, family))
    if isinstance(endpoint, GroupEndpoint) and (network.groups.get(endpoint.group) is None
                                                or network.groups[endpoint.group].opaque):
        return [(0, family.top)]
    return out


def forbidden_peers(network: Network, assertion: Assertion, direction: Direction, family: Family):
    """Peer addresses a rule of `direction` must stop admitting for a deny/only to hold."""
    if direction is Direction.INGRESS:
        space = iv.normalize(x for e in assertion.sources for x in endpoint_space(network, e, family))
        if assertion.kind is Kind.ONLY:
            return iv.complement(space, family.top)
        return space
    return iv.normalize(x for e in assertion.destinations for x in endpoint_space(network, e, family))


# ---------------------------------------------------------------- candidates

def block_candidates(network: Network, assertion: Assertion, rule: Rule) -> list[Edit]:
    """Ways to make `rule` stop admitting packets the assertion forbids."""
    out = [Edit(rule.group, rule.direction, rule, (), COST_REMOVE, f"remove {rule.label}")]
    peer = rule.peer
    if isinstance(peer, CidrPeer):
        family = peer.cidr.family
        keep = iv.subtract(iv.of_cidrs([peer.cidr], family),
                           forbidden_peers(network, assertion, rule.direction, family), family.top)
        blocks = [c for lo, hi in keep for c in iv.to_cidrs(lo, hi, family)]
        if blocks and len(blocks) <= MAX_BLOCKS and blocks != [peer.cidr]:
            rules = tuple(replace(rule, peer=CidrPeer(c), text="") for c in blocks)
            out.append(Edit(rule.group, rule.direction, rule, rules, COST_PER_NARROWED_BLOCK * len(rules),
                            f"narrow {rule.label}'s peer"))
    service = narrowed_service(rule.service, assertion)
    if service is not None:
        out.append(Edit(rule.group, rule.direction, rule, (replace(rule, service=service, text=""),),
                        COST_NARROW_PORTS, f"narrow {rule.label}'s ports"))
    return out


def narrowed_service(service: Service, assertion: Assertion) -> Service | None:
    """The rule's ports minus the asserted ones, when that is still one tcp/udp rule."""
    if service.protocol not in PORTED:
        return None
    base = service.protocol << 16
    rest = iv.subtract(service.intervals(), assertion.traffic.intervals(), (base | 0xFFFF))
    rest = iv.intersect(rest, [(base, base | 0xFFFF)])
    if not rest or rest == service.intervals():
        return None
    return Service(service.protocol, tuple(PortRange(lo - base, hi - base) for lo, hi in rest))


def add_candidates(network: Network, assertion: Assertion, block, editable: Editable = Editable()) -> list[Edit]:
    """Rules admitting the asserted traffic on the side that drops it (first group of that side):
    one naming a group when the peers are exactly its members, else one per address."""
    resource = network.resources.get(block.resource)
    described = [g for g in (resource.groups if resource else ()) if g in network.groups
                 and not network.groups[g].opaque and editable.group(g)]
    if not described:
        return []
    group, direction = described[0], block.direction
    ends = assertion.sources if direction is Direction.INGRESS else assertion.destinations
    out = []
    as_group = _exact_group(network, ends)
    if as_group is not None:
        out += _added(network, assertion, group, direction, [GroupPeer(as_group)], COST_ADD_GROUP_RULE)
    peers = [p for e in ends for p in _peers_for(network, e)]
    if peers and not (as_group is not None and peers == [GroupPeer(as_group)]):
        cost = COST_ADD_GROUP_RULE if all(isinstance(p, GroupPeer) for p in peers) else COST_ADD_ADDRESS_RULE
        out += _added(network, assertion, group, direction, peers, cost)
    return out


def _added(network, assertion, group, direction, peers, cost_per_rule) -> list[Edit]:
    services = _services_for(assertion)
    index = len(network.groups[group].rules(direction))
    rules = tuple(Rule(group, direction, index + i, s, p, description=ADDED_DESCRIPTION)
                  for i, (s, p) in enumerate((s, p) for s in services for p in peers))
    if not rules or len(rules) > MAX_BLOCKS:
        return []
    return [Edit(group, direction, None, rules, cost_per_rule * len(rules), f"add to {group} {direction.value}")]


def _exact_group(network: Network, ends) -> str | None:
    """A described group whose members are exactly the resources `ends` name, if there is one."""
    names = set()
    for end in ends:
        if isinstance(end, ResourceEndpoint):
            names.add(end.name)
        elif isinstance(end, GroupEndpoint):
            names |= {r.name for r in network.members(end.group)}
        else:
            return None
    if not names:
        return None
    for key, group in sorted(network.groups.items()):
        if not group.opaque and {r.name for r in network.members(key)} == names:
            return key
    return None


def _peers_for(network: Network, endpoint) -> list:
    if isinstance(endpoint, GroupEndpoint):
        return [GroupPeer(endpoint.group)]
    if isinstance(endpoint, (AnyEndpoint, InternetEndpoint)):
        return [CidrPeer(Cidr.parse("0.0.0.0/0")), CidrPeer(Cidr.parse("::/0"))]
    if isinstance(endpoint, AddressEndpoint):
        return [CidrPeer(c) for c in endpoint.cidrs]
    r = network.resources.get(endpoint.name)
    if r is None:
        return []
    if r.symbolic:
        return [GroupPeer(g) for g in r.groups[:1]]
    return [CidrPeer(Cidr.host(f, v)) for f, v in r.ips + r.public_ips]


def _services_for(assertion: Assertion) -> list[Service]:
    t = assertion.traffic
    if t.protocol == ALL and t.ports is not None:
        return [Service(p, t.ports) for p in PORTED]
    return [Service(t.protocol, t.ports)]
