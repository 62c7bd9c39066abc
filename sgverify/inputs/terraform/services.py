"""Terraform protocol and port attributes -> a `Service` (or why it is unknown).

Shared by the security-group rules and the NACL entries: a protocol given by
number, `-1`/`"all"` or an IANA name; ports that may be unknown until apply;
ICMP type and code.
"""

from __future__ import annotations

from typing import Any

from ...model import ALL, Origin, Service
from ...model.service import ICMPV6, PORTED, PROTOCOL_NUMBERS, TYPED, PortRange
from .common import Context, Ref, Unknown, known

# IANA names the AWS provider accepts besides numbers (a subset: the common ones).
PROTOCOL_ALIASES = {
    **PROTOCOL_NUMBERS, "icmpv6": ICMPV6, "ipv6-icmp": ICMPV6, "igmp": 2, "gre": 47,
    "esp": 50, "ah": 51, "sctp": 132, "ipip": 4, "ospf": 89, "pim": 103, "vrrp": 112,
}


def parse_protocol(value: Any) -> int | Unknown | None:
    """-1/"all"/"-1" -> ALL; names and numbers -> number; None for an invalid value."""
    value = known(value)
    if isinstance(value, (Unknown, Ref)):
        return value if isinstance(value, Unknown) else Unknown("protocol is a reference")
    if isinstance(value, bool):
        return None
    text = str(value).strip().lower()
    if text in ("-1", "all"):
        return ALL
    if text in PROTOCOL_ALIASES:
        return PROTOCOL_ALIASES[text]
    try:
        number = int(text)
    except ValueError:
        return None
    return number if 0 <= number <= 255 else None


def _port(value: Any) -> int | Unknown | None:
    value = known(value)
    if isinstance(value, Unknown):
        return value
    if isinstance(value, Ref):
        return Unknown("port is a reference")
    if isinstance(value, bool) or value is None:
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def make_service(ctx: Context, protocol: Any, from_port: Any, to_port: Any,
                 origin: Origin, where: str) -> tuple[Service, str] | None:
    """(protocol, from, to) as Terraform writes them -> (Service, unknown reason).

    None after reporting an error. Ports are ignored for "all"/-1 and for
    protocols other than tcp, udp, icmp and icmpv6, as AWS does.
    """
    proto = parse_protocol(protocol)
    if isinstance(proto, Unknown):
        return Service(ALL), f"{where}.protocol {proto.reason}"
    if proto is None:
        what = "no protocol given" if protocol is None else (
            f"unknown protocol {protocol!r} (expected a number 0-255, tcp, udp, icmp, "
            "icmpv6, a common IANA name such as gre or esp, or all/-1)")
        ctx.error(origin, f"{where}: {what}")
        return None
    if proto not in PORTED and proto not in TYPED:
        if _has_ports(from_port, to_port):
            name = "all (-1)" if proto == ALL else str(proto)
            ctx.warn(origin, f"{where}: protocol {name} admits every port; "
                             f"the port range {from_port}-{to_port} is ignored")
        return Service(proto), ""
    lo, hi = _port(from_port), _port(to_port)
    for part in (lo, hi):
        if isinstance(part, Unknown):
            return Service(proto), f"{where} port {part.reason}"
    if proto in TYPED:
        return _icmp_service(ctx, proto, lo, hi, origin, where)
    if from_port is None or to_port is None:
        ctx.error(origin, f"{where}: from_port and to_port are required for protocol "
                          f"{protocol}")
        return None
    if lo is None or hi is None or not (0 <= lo <= hi <= 65535):
        ctx.error(origin, f"{where}: invalid port range {from_port!r}-{to_port!r} "
                          "(expected 0 <= from_port <= to_port <= 65535)")
        return None
    return Service(proto, (PortRange(lo, hi),)), ""


def _has_ports(from_port: Any, to_port: Any) -> bool:
    written = [p for p in (from_port, to_port) if not isinstance(p, (Unknown, Ref))]
    return any(str(p).strip() not in ("None", "0", "-1", "65535") for p in written)


def _icmp_service(ctx, proto, icmp_type, icmp_code, origin, where):
    if icmp_type is None or icmp_type == -1:
        return Service(proto), ""
    if not 0 <= icmp_type <= 255 or not (icmp_code is None or -1 <= icmp_code <= 255):
        ctx.error(origin, f"{where}: invalid ICMP type/code {icmp_type!r}/{icmp_code!r}")
        return None
    code = None if icmp_code in (None, -1) else icmp_code
    return Service(proto, None, icmp_type, code), ""
