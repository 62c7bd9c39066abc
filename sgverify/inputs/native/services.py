"""Reading what a native rule or network ACL entry admits besides addresses:
`protocol`, `ports`, `icmp_type` and `icmp_code`."""

from __future__ import annotations

from ...model import Service
from ...model.service import TYPED, protocol_name
from ..fields import Report, is_int, parse_ports, parse_protocol, ports_not_allowed, type_name
from ..yamlnodes import YMap


def read_service(report: Report, body: YMap, what: str = "a rule") -> Service | None:
    """The service `body` names; None (with every problem reported) when it is wrong."""
    if "protocol" not in body:
        report.error(body.line, f"{what} needs a protocol (tcp, udp, icmp, icmpv6, all or a number)")
        return None
    try:
        protocol = parse_protocol(body["protocol"])
    except ValueError as exc:
        report.error(body.value_line("protocol"), str(exc))
        return None
    ok = True
    ports = None
    if "ports" in body:
        why_not = ports_not_allowed(protocol)
        try:
            if why_not:
                raise ValueError(why_not)
            ports = parse_ports(body["ports"])
        except ValueError as exc:
            report.error(body.value_line("ports"), str(exc))
            ok = False
    icmp = _icmp(report, body, protocol)
    if not ok or icmp is None:
        return None
    return Service(protocol, ports, icmp[0], icmp[1])


def _icmp(report: Report, body: YMap, protocol: int) -> tuple[int | None, int | None] | None:
    if "icmp_type" not in body and "icmp_code" not in body:
        return None, None
    values: dict[str, int | None] = {"icmp_type": None, "icmp_code": None}
    ok = True
    for field in values:
        if field not in body:
            continue
        line = body.value_line(field)
        value = body[field]
        if protocol not in TYPED:
            report.error(line, f"{field} is only for icmp and icmpv6 rules, "
                               f"not protocol {protocol_name(protocol)}")
            ok = False
        elif not is_int(value) or not -1 <= value <= 255:
            report.error(line, f"{field} must be a number from -1 (any) to 255, not {type_name(value)}")
            ok = False
        else:
            values[field] = None if value == -1 else value
    if ok and values["icmp_code"] is not None and values["icmp_type"] is None:
        report.error(body.value_line("icmp_code"), "icmp_code needs an icmp_type")
        ok = False
    return (values["icmp_type"], values["icmp_code"]) if ok else None
