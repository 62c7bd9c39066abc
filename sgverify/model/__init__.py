"""The model layer: plain frozen values, no solver."""

from .addresses import Cidr, Family, format_address, parse_address
from .network import (
    CidrPeer,
    Direction,
    External,
    GroupPeer,
    Network,
    Origin,
    Peer,
    PrefixList,
    PrefixListPeer,
    Resource,
    Rule,
    SecurityGroup,
    UnknownPeer,
)
from .packet import Packet
from .service import ALL, ICMP, ICMPV6, TCP, UDP, PortRange, Service

__all__ = [
    "ALL", "ICMP", "ICMPV6", "TCP", "UDP", "Cidr", "CidrPeer", "Direction", "External",
    "Family", "GroupPeer", "Network", "Origin", "Packet", "Peer", "PortRange", "PrefixList",
    "PrefixListPeer", "Resource", "Rule", "SecurityGroup", "Service", "UnknownPeer",
    "format_address", "parse_address",
]
