"""Principals: who a side of a packet is, and the addresses it may have.

A principal fixes the identity ("who") of one side: a resource by name, or an
unmanaged address. Its address space in a family is where that identity can
occur: a concrete resource's own addresses; for a symbolic resource (no known
address), its subnets minus every concrete address; for unmanaged, every
address that is no resource's concrete address. `within` narrows the space
(an external's blocks, the public internet...), which is how named address
blocks are asked about without changing the semantics.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from ..model import Cidr, Family, Network
from ..model.addresses import block_or_none
from ..model import intervals as iv
from ..model.addresses import PRIVATE_V4, public_intervals
from .compiled import compiled


class PrincipalKind(Enum):
    RESOURCE = "resource"
    UNMANAGED = "unmanaged"


@dataclass(frozen=True)
class Principal:
    """A resource (`name` = its key) or unmanaged addresses, optionally narrowed.

    label: how reports name it (the resource, an external, `internet`...).
    within: None = no narrowing; else only addresses in these blocks.
    public_only: only public addresses (the `internet`).
    excluding: minus these blocks (e.g. the internet apart from named externals).
    with_resources: unmanaged addresses plus every resource's own (a step of the diff:
    rules name blocks, and the resources' addresses, cut out of them once at the end
    rather than in every step, are thousands of holes).
    by_holder: with with_resources, each address is whoever holds it (a resource's
    address is that resource, for group references): the far end of a side row.
    """

    kind: PrincipalKind
    name: str
    label: str = ""
    within: tuple[Cidr, ...] | None = None
    public_only: bool = False
    excluding: tuple[Cidr, ...] = ()
    with_resources: bool = False
    by_holder: bool = False

    @classmethod
    def resource(cls, name: str) -> "Principal":
        return cls(PrincipalKind.RESOURCE, name, name)

    @classmethod
    def unmanaged(cls, label: str = "unmanaged", within: tuple[Cidr, ...] | None = None,
                  public_only: bool = False, excluding: tuple[Cidr, ...] = ()) -> "Principal":
        return cls(PrincipalKind.UNMANAGED, "", label, within, public_only, excluding)

    @classmethod
    def internet(cls) -> "Principal":
        return cls.unmanaged("internet", public_only=True)

    @property
    def is_resource(self) -> bool:
        return self.kind is PrincipalKind.RESOURCE

    def __str__(self) -> str:
        return self.label or self.name or self.kind.value


_CONCRETE: dict[tuple[int, Family], tuple[Network, iv.Intervals]] = {}


def concrete_addresses(network: Network, family: Family) -> iv.Intervals:
    """Every resource's concrete address (memoized per network object: asked once per pair)."""
    key = (id(network), family)
    cached = _CONCRETE.get(key)
    if cached is not None and cached[0] is network:
        return cached[1]
    if len(_CONCRETE) > 64:
        _CONCRETE.clear()
    found = iv.of_points(v for r in network.resources.values() for v in r.addresses(family))
    _CONCRETE[key] = (network, found)
    return found


def symbolic_space(network: Network, name: str, family: Family) -> iv.Intervals:
    """Where a symbolic resource may be: its subnets (none: private IPv4) minus concrete addresses."""
    resource = network.resources[name]
    if resource.subnets:
        space = iv.of_cidrs(resource.subnets, family)
    else:
        space = iv.of_cidrs(PRIVATE_V4, family) if family is Family.V4 else []
    return iv.subtract(space, concrete_addresses(network, family), family.top)


def address_space(network: Network, principal: Principal, family: Family) -> iv.Intervals:
    """Every address the principal can have in `family` (narrowed by `within`/`public_only`).

    Kept per network: callers must not change the list they get.
    """
    return compiled(network).space(principal, family, lambda: _address_space(network, principal, family))


def _address_space(network: Network, principal: Principal, family: Family) -> iv.Intervals:
    if principal.is_resource:
        resource = network.resources[principal.name]
        if resource.symbolic:
            space = symbolic_space(network, principal.name, family)
        else:
            space = iv.of_points(resource.addresses(family))
    elif principal.with_resources:
        space = [(0, family.top)]
    else:
        space = iv.complement(concrete_addresses(network, family), family.top)
    if principal.within is not None:
        space = iv.intersect(space, iv.of_cidrs(principal.within, family))
    if principal.public_only:
        space = iv.intersect(space, public_intervals(family))
    if principal.excluding:
        space = iv.subtract(space, iv.of_cidrs(principal.excluding, family), family.top)
    return space


def all_principals(network: Network) -> list[Principal]:
    """Every resource, then the unmanaged address space."""
    return [Principal.resource(name) for name in network.resources] + [Principal.unmanaged()]


def resolve_principals(network: Network, name: str) -> list[Principal]:
    """The principals a name stands for: a resource (key or alias), a group's members,
    an external's blocks, `internet`, `unmanaged`, or a CIDR / address (unmanaged
    addresses in it). Raises InputError for an unknown or ambiguous name."""
    from ..errors import InputError
    from ..inputs.suggest import did_you_mean

    found = [r.name for r in network.resources.values() if name == r.name or name in r.aliases]
    if len(found) > 1:
        raise InputError(f"{name!r} is an alias of several resources: {', '.join(found)}; name one of them")
    if found:
        return [Principal.resource(found[0])]
    if name in network.externals:
        return [Principal.unmanaged(name, within=network.externals[name].cidrs)]
    if name == "internet":
        return [Principal.internet()]
    if name == "unmanaged":
        return [Principal.unmanaged()]
    group = network.group_named(name)
    if group is not None:
        return [Principal.resource(r.name) for r in network.members(group.key)]
    block = block_or_none(name)
    if block is not None:
        return [Principal.unmanaged(name, within=(block,))]
    known = [*network.resources, *network.externals, *network.groups, "internet", "unmanaged"]
    raise InputError(f"unknown name {name!r}: not a resource, group, external, CIDR, address, "
                     f"internet or unmanaged{did_you_mean(name, known)}")


