"""IP families, addresses and CIDR blocks as plain integers (no z3 here).

AWS compares CIDRs numerically (EC2 shows `1.0.0.0/0` as `0.0.0.0/0`), so a
block is kept as (family, first address, prefix length) with host bits cleared;
whether the text had host bits set is remembered so the loader can warn.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from enum import IntEnum
from functools import cached_property

# Plain dotted quads (the bulk of any large estate) are read without the
# ipaddress module, which costs microseconds per address. Only text that
# ipaddress would accept as the same value takes this path: ASCII digits, no
# leading zeros (ipaddress rejects them), each octet at most 255, a prefix of
# one or two ASCII digits at most 32 ("08" is 8 for ipaddress too). Anything
# else, valid or not, goes to ipaddress, which decides and words the error.
_OCTET = r"(0|[1-9][0-9]{0,2})"
_DOTTED_QUAD = re.compile(r"\.".join([_OCTET] * 4))
_DOTTED_CIDR = re.compile(r"\.".join([_OCTET] * 4) + r"/([0-9]{1,2})")


_HEX = frozenset("0123456789abcdefABCDEF:")
_PREFIX_DIGITS = frozenset("0123456789")


def _v6_value(text: str) -> int | None:
    """Plain IPv6 text (hex groups, at most one '::') -> its value; None for anything else.

    Forms with a dotted-quad tail or a scope (%eth0), and every malformed
    text, return None and are left to ipaddress.
    """
    if not _HEX.issuperset(text):
        return None
    if "::" in text:
        if text.count("::") != 1 or ":::" in text:
            return None
        left, right = text.split("::")
        high = left.split(":") if left else []
        low = right.split(":") if right else []
        if len(high) + len(low) > 7:
            return None
    else:
        high, low = text.split(":"), []
        if len(high) != 8:
            return None
    value = 0
    for group in high:
        if not 0 < len(group) <= 4:
            return None
        value = (value << 16) | int(group, 16)
    value <<= 16 * (8 - len(high))
    tail = 0
    for group in low:
        if not 0 < len(group) <= 4:
            return None
        tail = (tail << 16) | int(group, 16)
    return value | tail


def _quad_value(found: re.Match[str]) -> int | None:
    a, b, c, d = (int(found.group(i)) for i in range(1, 5))
    if a > 255 or b > 255 or c > 255 or d > 255:
        return None
    return (a << 24) | (b << 16) | (c << 8) | d


class Family(IntEnum):
    V4 = 4
    V6 = 6

    # Both are asked per CIDR and per interval operation: compared as plain ints
    # (looking a member up on the enum class is slow), the tops computed once.
    @property
    def width(self) -> int:
        return 32 if self == 4 else 128

    @property
    def top(self) -> int:
        return _TOP_V4 if self == 4 else _TOP_V6


_TOP_V4, _TOP_V6 = (1 << 32) - 1, (1 << 128) - 1


def format_address(family: Family, value: int) -> str:
    """The address as the ipaddress module writes it (RFC 5952 for IPv6), without building
    an ipaddress object: a large report writes millions of addresses."""
    if family is Family.V4:
        return f"{value >> 24}.{(value >> 16) & 255}.{(value >> 8) & 255}.{value & 255}"
    if value >> 32 == 0xFFFF:  # IPv4-mapped: ipaddress writes the last 32 bits dotted
        return str(ipaddress.IPv6Address(value))
    words = [(value >> shift) & 0xFFFF for shift in range(112, -1, -16)]
    start, length, run_start, run = -1, 0, 0, 0
    for i, word in enumerate(words):  # the longest run of zero words (the first of equals)
        if word:
            run = 0
            continue
        if not run:
            run_start = i
        run += 1
        if run > length:
            start, length = run_start, run
    hexes = [f"{word:x}" for word in words]
    if length < 2:
        return ":".join(hexes)
    return ":".join(hexes[:start]) + "::" + ":".join(hexes[start + length:])


def parse_address(text: str) -> tuple[Family, int]:
    """'10.0.0.1' -> (V4, int). Raises ValueError with a readable message."""
    if type(text) is str:
        found = _DOTTED_QUAD.fullmatch(text.strip())
        value = _quad_value(found) if found else None
        if value is not None:
            return Family.V4, value
        if ":" in text:
            value = _v6_value(text.strip())
            if value is not None:
                return Family.V6, value
    try:
        addr = ipaddress.ip_address(str(text).strip())
    except ValueError:
        raise ValueError(f"invalid IP address {text!r}") from None
    return (Family.V4 if addr.version == 4 else Family.V6), int(addr)


@dataclass(frozen=True, order=True)
class Cidr:
    family: Family
    network: int
    prefix: int
    had_host_bits: bool = False

    @classmethod
    def parse(cls, text: str) -> "Cidr":
        raw = str(text).strip()
        found = _DOTTED_CIDR.fullmatch(raw)
        if found:
            value, prefix = _quad_value(found), int(found.group(5))
            if value is not None and prefix <= 32:
                network = value & (0xFFFFFFFF ^ (0xFFFFFFFF >> prefix))
                return cls(Family.V4, network, prefix, network != value)
        elif ":" in raw and raw.count("/") == 1:
            address, length = raw.split("/")
            value = _v6_value(address)
            if value is not None and 0 < len(length) <= 3 and _PREFIX_DIGITS.issuperset(length):
                prefix = int(length)
                if prefix <= 128:
                    network = value & (Family.V6.top ^ (Family.V6.top >> prefix))
                    return cls(Family.V6, network, prefix, network != value)
        if "/" not in raw:
            raise ValueError(f"invalid CIDR {text!r}: expected ADDRESS/LENGTH, e.g. 10.0.0.0/16")
        try:
            net = ipaddress.ip_network(raw, strict=False)
        except ValueError:
            raise ValueError(f"invalid CIDR {text!r}") from None
        family = Family.V4 if net.version == 4 else Family.V6
        host_bits = int(ipaddress.ip_address(raw.split("/")[0])) != int(net.network_address)
        return cls(family, int(net.network_address), net.prefixlen, host_bits)

    @classmethod
    def host(cls, family: Family, value: int) -> "Cidr":
        return cls(family, value, family.width)

    @property
    def first(self) -> int:
        return self.network

    @property
    def last(self) -> int:
        return self.network | ((1 << (self.family.width - self.prefix)) - 1)

    def contains(self, family: Family, value: int) -> bool:
        return family is self.family and self.first <= value <= self.last

    def __str__(self) -> str:
        return self.text

    @cached_property
    def text(self) -> str:
        """`10.0.0.0/16`, written once: reports write the same blocks in many rows."""
        return f"{format_address(self.family, self.network)}/{self.prefix}"

    def __repr__(self) -> str:
        return f"Cidr({str(self)!r})"


def block_or_none(text: str) -> "Cidr | None":
    """A CIDR, or a bare address as its one-address block; None if it is neither."""
    try:
        if "/" in text:
            return Cidr.parse(text)
        family, value = parse_address(text)
        return Cidr.host(family, value)
    except ValueError:
        return None


def _block(text: str) -> Cidr:
    return Cidr.parse(text)


# Addresses the public internet cannot be: RFC 1918 private space, shared
# (CGNAT) space, loopback, link-local, "this network", multicast and reserved.
# Documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24) count as
# internet on purpose: examples use them as public sources, and a wider
# `internet` makes a proof of "the internet cannot reach X" stronger.
NON_PUBLIC_V4 = tuple(
    _block(c)
    for c in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "224.0.0.0/4",
        "240.0.0.0/4",
    )
)
PUBLIC_V6 = (_block("2000::/3"),)  # global unicast
PRIVATE_V4 = tuple(_block(c) for c in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))

# Link-local services that security groups never filter (VPC user guide,
# "Security group rules": Amazon DNS, instance metadata, Time Sync, ECS task
# metadata, and their IPv6 equivalents on Nitro instances).
UNFILTERED_SERVICES = tuple(
    _block(c)
    for c in (
        "169.254.169.254/32",
        "169.254.169.253/32",
        "169.254.169.123/32",
        "169.254.170.2/32",
        "fd00:ec2::254/128",
        "fd00:ec2::253/128",
        "fd00:ec2::123/128",
    )
)


def is_public(family: Family, value: int) -> bool:
    if family is Family.V4:
        return not any(c.contains(family, value) for c in NON_PUBLIC_V4)
    return any(c.contains(family, value) for c in PUBLIC_V6)


def public_intervals(family: Family) -> list[tuple[int, int]]:
    """The public address space of a family as sorted disjoint [lo, hi] intervals."""
    if family is Family.V6:
        return [(c.first, c.last) for c in PUBLIC_V6]
    out: list[tuple[int, int]] = []
    cursor = 0
    for block in sorted(NON_PUBLIC_V4):
        if block.first > cursor:
            out.append((cursor, block.first - 1))
        cursor = max(cursor, block.last + 1)
    if cursor <= Family.V4.top:
        out.append((cursor, Family.V4.top))
    return out
