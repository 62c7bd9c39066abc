"""Network ACLs of a template: AWS::EC2::NetworkAcl, AWS::EC2::NetworkAclEntry
and subnet associations.

Every VPC has a default NACL (`Vpc.DefaultNetworkAcl`, as `!GetAtt
Vpc.DefaultNetworkAcl` names it) that allows everything: rule 100 for
0.0.0.0/0 and, when the VPC has an IPv6 block, rule 101 for ::/0, each way.
Entries a template adds to it come after those. A subnet without an
association uses it. A new NACL has only the implicit deny. A NACL with an
entry that cannot be known (a value that is not literal, an entry that may
not exist) is left out, so what it admits is a free choice.
"""

from __future__ import annotations

from typing import Any

from ...model import Cidr, Family
from ...model.service import ALL, ICMP, ICMPV6, PORTED, PortRange, Service
from ...model.topology import AclAction, AclEntry, NetworkAcl
from ..fields import parse_protocol
from .intrinsics import CfnError, Unknown, written
from ..vpc_defaults import ALLOW_ALL, default_acl_entries
from .layer import NACL, VPC, Layer, default_acl_key, unknown_text

ENTRY = "AWS::EC2::NetworkAclEntry"
ASSOCIATION = "AWS::EC2::SubnetNetworkAclAssociation"
ENTRY_KEYS = ("CidrBlock", "Egress", "Icmp", "Ipv6CidrBlock", "NetworkAclId", "PortRange", "Protocol",
              "RuleAction", "RuleNumber")


class _Acls:
    def __init__(self, layer: Layer):
        self.layer = layer
        self.entries: dict[str, list[AclEntry]] = {}
        self.unsure: dict[str, tuple[int, str]] = {}

    def read(self) -> None:
        layer = self.layer
        for vpc in layer.vpcs.values():
            key = default_acl_key(vpc.key)
            self.entries[key] = default_acl_entries(vpc)
            layer.nacls[key] = NetworkAcl(key, vpc.key, is_default=True, name=f"default NACL of {vpc.key}",
                                          origin=vpc.origin)
        layer.each((NACL,), self._acl)
        layer.each((ENTRY,), self._entry)
        for key, entries in self.entries.items():
            acl = layer.nacls[key]
            if key in self.unsure:
                del layer.nacls[key]
                line, why = self.unsure[key]
                layer.leave_out(key, line, why, "network ACL")
                continue
            ordered = sorted(entries, key=lambda e: e.number)
            layer.nacls[key] = NetworkAcl(key, acl.vpc, tuple(e for e in ordered if not e.egress),
                                          tuple(e for e in ordered if e.egress), acl.is_default, acl.name,
                                          acl.origin)
        layer.associate(ASSOCIATION, "NetworkAclId", (NACL,), "network ACL", layer.nacls, "nacl")

    def _acl(self, logical: str) -> None:
        layer = self.layer
        props, line = layer.props(logical)
        layer.check_keys(logical, props, ("VpcId", "Tags"))
        vpc = layer.ref(props, "VpcId", (VPC,), "VPC")
        assert vpc is not None
        if layer.uncertain(logical):
            return layer.leave_out(logical, line, f"it may not exist: {layer.uncertain(logical)}", "network ACL")
        if vpc not in layer.vpcs:
            layer.warn(line, f"network ACL {logical} is in VPC {layer.absent(vpc)}")
        layer.nacls[logical] = NetworkAcl(logical, vpc, name=layer.name(props, line), origin=layer.origin(line))
        self.entries[logical] = []

    def _entry(self, logical: str) -> None:
        layer = self.layer
        props, line = layer.props(logical)
        layer.check_keys(logical, props, ENTRY_KEYS)
        acl = layer.ref(props, "NetworkAclId", (NACL,), "network ACL", attributes=("DefaultNetworkAcl",))
        unknown: list[str] = []
        number = self._number(props, unknown)
        action = self._action(props, unknown)
        egress = layer.flag(props, "Egress", False)
        if isinstance(egress, Unknown):
            unknown.append(unknown_text("Egress", egress))
        cidr = self._cidr(logical, props, unknown)
        service = self._service(props, unknown)
        if acl not in self.entries:
            layer.warn(line, f"{logical} adds an entry to network ACL {layer.absent(acl)}: it is not read "
                             "(that NACL is a free choice)")
            return
        if layer.uncertain(logical):
            unknown.insert(0, f"it may not exist: {layer.uncertain(logical)}")
        if unknown:
            self.unsure.setdefault(acl, (line, f"entry {logical}: {unknown[0]}"))
            return
        text = written({k: v for k, v in props.items() if k != "NetworkAclId"}, limit=200)
        self.entries[acl].append(AclEntry(number, bool(egress), action, cidr, service, layer.origin(line), text))

    def _integer(self, props: Any, key: str, unknown: list[str], what: str) -> Any:
        value = self.layer.value(props, key)
        if isinstance(value, Unknown):
            unknown.append(unknown_text(key, value))
            return None
        try:
            if isinstance(value, bool):
                raise ValueError
            return int(str(value).strip())
        except ValueError:
            raise CfnError(props.value_line(key), f"{key} must be {what}, not {value!r}") from None

    def _number(self, props: Any, unknown: list[str]) -> int:
        if "RuleNumber" not in props:
            raise CfnError(props.line, "a network ACL entry needs RuleNumber (1-32766)")
        return self._integer(props, "RuleNumber", unknown, "a number from 1 to 32766")

    def _action(self, props: Any, unknown: list[str]) -> AclAction:
        if "RuleAction" not in props:
            raise CfnError(props.line, "a network ACL entry needs RuleAction (allow or deny)")
        value = self.layer.text(props, "RuleAction")
        if isinstance(value, Unknown):
            unknown.append(unknown_text("RuleAction", value))
            return AclAction.DENY
        if value.lower() not in ("allow", "deny"):
            raise CfnError(props.value_line("RuleAction"), f"RuleAction must be allow or deny, not {value!r}")
        return AclAction(value.lower())

    def _cidr(self, logical: str, props: Any, unknown: list[str]) -> Cidr:
        given = [k for k in ("CidrBlock", "Ipv6CidrBlock") if k in props]
        if len(given) != 1:
            raise CfnError(props.line, f"network ACL entry {logical} needs exactly one of CidrBlock and "
                                       "Ipv6CidrBlock")
        key = given[0]
        block = self.layer.cidr(props, key, Family.V4 if key == "CidrBlock" else Family.V6,
                                f"network ACL entry {logical}")
        if isinstance(block, Unknown):
            unknown.append(unknown_text(key, block))
            return ALLOW_ALL[Family.V4][1]
        assert block is not None
        return block

    def _service(self, props: Any, unknown: list[str]) -> Service:
        if "Protocol" not in props:
            raise CfnError(props.line, "a network ACL entry needs Protocol (-1 for all, or a protocol number)")
        raw = self.layer.value(props, "Protocol")
        line = props.value_line("Protocol")
        if isinstance(raw, Unknown):
            unknown.append(unknown_text("Protocol", raw))
            return Service(ALL)
        try:
            protocol = parse_protocol(raw if isinstance(raw, (str, int)) and not isinstance(raw, bool) else repr(raw))
        except ValueError as exc:
            raise CfnError(line, str(exc)) from None
        if protocol in PORTED:
            return Service(protocol, self._ports(props, unknown))
        if protocol in (ICMP, ICMPV6):
            return self._icmp(props, protocol, unknown)
        return Service(protocol)  # all protocols, or one without ports: AWS ignores PortRange

    def _ports(self, props: Any, unknown: list[str]) -> tuple[PortRange, ...] | None:
        ports = self.layer.value(props, "PortRange") if "PortRange" in props else None
        if isinstance(ports, Unknown):
            unknown.append(unknown_text("PortRange", ports))
            return None
        if not isinstance(ports, dict) or "From" not in ports or "To" not in ports:
            raise CfnError(props.value_line("PortRange") if "PortRange" in props else props.line,
                           "a tcp or udp network ACL entry needs PortRange: {From, To} (0-65535)")
        low, high = (self._integer(ports, k, unknown, "a port 0-65535") for k in ("From", "To"))
        if low is None or high is None:
            return None
        for value in (low, high):
            if not 0 <= value <= 65535:
                raise CfnError(props.value_line("PortRange"), f"port {value} is not a port 0-65535")
        if low > high:
            raise CfnError(props.value_line("PortRange"), f"port range {low}-{high} runs backwards")
        return (PortRange(low, high),)

    def _icmp(self, props: Any, protocol: int, unknown: list[str]) -> Service:
        if "Icmp" not in props:
            if protocol == ICMP:
                raise CfnError(props.line, "an icmp network ACL entry (protocol 1) needs Icmp: {Type, Code} "
                                           "(-1 for any)")
            return Service(protocol)
        icmp = self.layer.value(props, "Icmp")
        if isinstance(icmp, Unknown):
            unknown.append(unknown_text("Icmp", icmp))
            return Service(protocol)
        if not isinstance(icmp, dict):
            raise CfnError(props.value_line("Icmp"), "Icmp must be a mapping {Type, Code}")
        values = []
        for key in ("Type", "Code"):
            value = self._integer(icmp, key, unknown, "an ICMP type or code from -1 (any) to 255") \
                if key in icmp else -1
            if value is not None and not -1 <= value <= 255:
                raise CfnError(props.value_line("Icmp"), f"Icmp {key} {value} is not from -1 (any) to 255")
            values.append(value)
        icmp_type = None if values[0] in (None, -1) else values[0]
        icmp_code = None if icmp_type is None or values[1] in (None, -1) else values[1]
        return Service(protocol, None, icmp_type, icmp_code)


def read_acls(layer: Layer) -> None:
    _Acls(layer).read()
