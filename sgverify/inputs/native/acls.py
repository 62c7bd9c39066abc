"""The native `network_acls` section: network ACLs and their numbered entries.

    network_acls:
      KEY: {vpc, default, name, inbound: [ENTRY], outbound: [ENTRY]}
      ENTRY: {number, action, cidr, protocol, ports, icmp_type, icmp_code}

Entries are kept in ascending rule number, as AWS evaluates them. Rule
numbers out of range or used twice in one direction are reported by the
format-independent checks (topology_checks), once, at the entry's line.
"""

from __future__ import annotations

from ...model.topology import AclAction, AclEntry, NetworkAcl
from ..fields import check_keys, is_int, render, type_name
from ..yamlnodes import YList, YMap
from .services import read_service
from .values import Values

ACL_KEYS = ("vpc", "default", "inbound", "outbound", "name")
ENTRY_KEYS = ("number", "action", "cidr", "protocol", "ports", "icmp_type", "icmp_code")
ACTIONS = {"allow": AclAction.ALLOW, "deny": AclAction.DENY}


def read_acls(values: Values, doc: YMap) -> dict[str, NetworkAcl]:
    out: dict[str, NetworkAcl] = {}
    for key, body, line in values.elements(doc, "network_acls", "network ACL", ACL_KEYS):
        what = f"network ACL {key!r}"
        vpc = values.text(body, "vpc", what, needed=True)
        is_default = values.flag(body, "default", what, False)
        name = values.text(body, "name", what)
        inbound = _entries(values, body, what, egress=False)
        outbound = _entries(values, body, what, egress=True)
        if vpc:
            out[key] = NetworkAcl(key=key, vpc=vpc, inbound=inbound, outbound=outbound,
                                  is_default=is_default, name=name, origin=values.origin(line))
    return out


def _entries(values: Values, body: YMap, what: str, egress: bool) -> tuple[AclEntry, ...]:
    field = "outbound" if egress else "inbound"
    items = body.get(field)
    if items is None:
        return ()
    if not isinstance(items, YList):
        values.report.error(body.value_line(field), f"{field} of {what} must be a list of entries, "
                                                    f"not {type_name(items)}")
        return ()
    entries = []
    for index, item in enumerate(items):
        if not isinstance(item, YMap):
            values.report.error(items.item_line(index), f"an entry of {what} must be a mapping, "
                                                        f"not {type_name(item)}")
            continue
        entry = _entry(values, item, what, egress)
        if entry is not None:
            entries.append(entry)
    return tuple(sorted(entries, key=lambda e: e.number))


def _entry(values: Values, item: YMap, what: str, egress: bool) -> AclEntry | None:
    report = values.report
    check_keys(report, item, ENTRY_KEYS, f"an entry of {what}")
    entry = f"an entry of {what}"
    number = item.get("number")
    if "number" not in item:
        report.error(item.line, f"{entry} needs a number (its rule number, 1-32766)")
    elif not is_int(number):
        report.error(item.value_line("number"), f"the number of {entry} must be a whole number "
                                                f"(1-32766), not {type_name(number)}")
        number = None
    action = values.choice(item, "action", entry, ACTIONS, None)
    cidr = values.cidr(item, "cidr", entry)
    service = read_service(report, item, entry)
    if number is None or action is None or cidr is None or service is None:
        return None
    return AclEntry(number=number, egress=egress, action=action, cidr=cidr, service=service,
                    origin=values.origin(item.line), text=render(item))
