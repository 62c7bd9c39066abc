"""Names given on the command line -> endpoints, principals and traffic.

The same words a spec accepts: a resource (key or alias), a security group,
an external, a prefix list, a CIDR or an address, `any`, `internet`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..errors import InputError
from ..inputs.fields import parse_ports, parse_protocol
from ..inputs.suggest import did_you_mean
from ..model import Cidr, Family, Network
from ..model.addresses import UNFILTERED_SERVICES, block_or_none, public_intervals
from ..model.service import ALL, PORTED, protocol_name
from ..regions import Principal, address_space, cidrs_of
from ..spec import AddressEndpoint, AnyEndpoint, Endpoint, GroupEndpoint, InternetEndpoint, ResourceEndpoint
from ..spec import Traffic

KEYWORDS = ("any", "internet")
FAMILIES = (Family.V4, Family.V6)


def _known(network: Network) -> list[str]:
    names = [*network.resources, *network.groups, *network.externals, *network.prefix_lists, *KEYWORDS]
    names += [g.name for g in network.groups.values() if g.name]
    return names + [a for r in network.resources.values() for a in r.aliases]


def endpoint_named(network: Network, name: str) -> Endpoint:
    """The endpoint a name stands for; InputError (one line) if unknown or ambiguous."""
    meanings: list[tuple[str, Endpoint]] = []
    resources = [r for r in network.resources.values() if name == r.name or name in r.aliases]
    meanings += [("resource", ResourceEndpoint(r.name)) for r in resources]
    group = network.group_named(name)
    if group is not None:
        meanings.append(("security group", GroupEndpoint(group.key)))
    if name in network.externals:
        meanings.append(("external", AddressEndpoint(name, network.externals[name].cidrs)))
    if name in network.prefix_lists:
        meanings.append(("prefix list", AddressEndpoint(name, network.prefix_lists[name].cidrs)))
    if name == "any":
        meanings.append(("the keyword", AnyEndpoint()))
    if name == "internet":
        meanings.append(("the keyword", InternetEndpoint()))
    if len(meanings) > 1:
        listed = " and ".join(kind for kind, _ in meanings)
        raise InputError(f"{name!r} is ambiguous: it names a {listed}; name a resource by its key")
    if meanings:
        return meanings[0][1]
    block = block_or_none(name)
    if block is not None:
        return AddressEndpoint(name, (block,))
    raise InputError(f"unknown name {name!r}: not a resource, security group, external, prefix list, "
                     f"CIDR, address, any or internet{did_you_mean(name, _known(network))}")




def traffic_of(protocol: str | None, ports: list[str] | None) -> Traffic:
    """--protocol / --port -> Traffic (ports without a protocol mean tcp and udp)."""
    try:
        number = ALL if protocol is None else parse_protocol(protocol)
        ranges = parse_ports([p for item in ports for p in item.split(",")]) if ports else None
    except ValueError as error:
        raise InputError(str(error)) from None
    if ranges is not None and number != ALL and number not in PORTED:
        raise InputError(f"--port given with protocol {protocol_name(number)}: ports apply only to tcp and udp")
    return Traffic(number, ranges)


@dataclass(frozen=True)
class Place:
    """A row or column of the matrix and a node of the graph."""

    label: str
    kind: str  # "resource", "external", "internet", "other"
    principal: Principal
    groups: tuple[str, ...] = ()
    detail: str = ""  # addresses, for display


def places(network: Network) -> list[Place]:
    """Resources, then externals, then the internet (public addresses outside the
    externals) and `other` (every other unmanaged address)."""
    out = [Place(r.name, "resource", Principal.resource(r.name), tuple(dict.fromkeys(r.groups)),
                 r.describe_addresses()) for r in network.resources.values()]
    named = tuple(c for e in network.externals.values() for c in e.cidrs)
    for external in network.externals.values():
        out.append(Place(external.name, "external", Principal.unmanaged(external.name, within=external.cidrs),
                         detail=", ".join(map(str, external.cidrs))))
    out.append(Place("internet", "internet", Principal.unmanaged("internet", public_only=True, excluding=named),
                     detail="public addresses" + (" outside the externals" if named else "")))
    local = tuple(c for c in UNFILTERED_SERVICES if c not in named)
    out.append(Place("other", "other", Principal.unmanaged("other", excluding=named + local + _public_blocks()),
                     detail="other unmanaged (non-public) addresses"))
    out.append(Place("link-local", "link-local", Principal.unmanaged("link-local", within=local),
                     detail="metadata, DNS and time services: never filtered by security groups"))
    return out


def _public_blocks() -> tuple[Cidr, ...]:
    return tuple(c for family in FAMILIES for c in cidrs_of(public_intervals(family), family))


def place_named(network: Network, name: str) -> list[Place]:
    """The places a target name stands for (a group: its members)."""
    by_label = {p.label: p for p in places(network)}
    endpoint = endpoint_named(network, name)
    if isinstance(endpoint, ResourceEndpoint):
        return [by_label[endpoint.name]]
    if isinstance(endpoint, GroupEndpoint):
        return [by_label[r.name] for r in network.members(endpoint.group)]
    if isinstance(endpoint, InternetEndpoint):
        return [by_label["internet"]]
    if isinstance(endpoint, AnyEndpoint):
        return list(by_label.values())
    if name in by_label:
        return [by_label[name]]
    return _in_blocks(network, name, endpoint.cidrs)


def _in_blocks(network: Network, name: str, cidrs: tuple[Cidr, ...]) -> list[Place]:
    """Addresses named by blocks: each resource that can have one, then unmanaged ones."""
    out = []
    for resource in network.resources.values():
        principal = replace(Principal.resource(resource.name), within=cidrs)
        if any(address_space(network, principal, family) for family in FAMILIES):
            out.append(Place(resource.name, "resource", principal, tuple(dict.fromkeys(resource.groups)),
                             resource.describe_addresses()))
    out.append(Place(name, "address", Principal.unmanaged(name, within=cidrs),
                     detail=", ".join(map(str, cidrs))))
    return out
