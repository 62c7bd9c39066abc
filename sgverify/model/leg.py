"""One leg (see legs.py) and the checks it is made of: the NACL crossings on
the request and the reply, the routes the reply needs, and the hops shown in a
counterexample. Plain values, with no solver."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from .ends import Addr, End, EndKind, Space
from .network import Origin
from .topology import TargetKind

Ref = Union[str, Addr]  # "src": the sender's own address; "dst": the destination as sent; or an address


@dataclass(frozen=True)
class Crossing:
    """A subnet boundary crossed: its NACL (None: not in the input, a free
    choice) filters the packet; `address` is what the entries' CIDR is matched
    against (the destination for outbound entries, the source for inbound)."""

    subnet: str
    nacl: str | None
    egress: bool
    address: Ref
    reply: bool = False
    nat_port: bool = False  # a reply arriving at a NAT gateway: to the NAT's own port


@dataclass(frozen=True)
class RouteBack:
    """The reply needs the subnet's table to send `address` to `target`
    (target "" : to some target the input does not describe)."""

    subnet: str
    table: str | None
    address: Ref
    target: str
    kind: TargetKind | None


@dataclass(frozen=True)
class TgwBack:
    """The reply needs the transit gateway table to send `address` to `attachment`."""

    table: str | None
    address: Ref
    attachment: str


@dataclass(frozen=True)
class Hop:
    text: str
    origin: Origin | None = None


Check = Union[Crossing, RouteBack, TgwBack]


@dataclass(frozen=True)
class Leg:
    space: Space  # destinations (as sent) it covers
    arrival: str  # "subnet", "public" (a resource's public IPv4), "outside" or "service"
    vpc: str = ""
    subnet: str = ""
    resource: str = ""  # for "public" arrivals
    seen: Ref = "src"  # the source address the destination sees
    groups: str = "yes"  # do group references see the source: "yes", "no", or a free choice
    request: tuple[Crossing, ...] = ()
    reply: tuple[Check, ...] = ()
    protocols: tuple[int, ...] | None = None  # only these (a NAT gateway)
    assume: tuple[str, ...] = ()  # free choices it needs true
    choices: tuple[tuple[str, int, int], ...] = ()  # (choice, alternative, number of alternatives)
    source_space: Space | None = None  # for legs from outside: the sender's addresses
    hops: tuple[Union[Hop, Crossing], ...] = ()  # the request's path in order: routes, gateways, crossings
    at: Addr | None = None  # a "public" arrival at an address not known: the destination is it

    def lands_on_free_public(self, end: End) -> bool:
        """Whether this arrival at a public address the input leaves open is
        that end's (the destination is then that address)."""
        return (self.at is not None and end.kind is EndKind.RESOURCE and end.subnet == self.subnet
                and end.free_public == self.at)
