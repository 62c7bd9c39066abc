"""Network ACLs of a configuration: `aws_network_acl` (inline `ingress` /
`egress` blocks, `subnet_ids`), `aws_network_acl_rule`,
`aws_network_acl_association` and `aws_default_network_acl`.

Every VPC has a default NACL that allows everything (rule 100 for 0.0.0.0/0
and, with an IPv6 block, rule 101 for ::/0, each way). `aws_default_network_acl`
adopts it and, as Terraform does, removes those entries: it then holds only
the entries it declares, so one that declares none denies everything. A new
NACL has only the implicit deny. A state lists a NACL's `aws_network_acl_rule`
entries among its inline ones too: an entry written twice the same way is one
entry. A NACL with an entry that cannot be known (a value that is not literal,
an entry that may not exist) is left out, so what it admits is a free choice.
"""

from __future__ import annotations

from ....model import Cidr, Family, Origin
from ....model.service import ICMP, ICMPV6, Service
from ....model.topology import AclAction, AclEntry, NetworkAcl
from ...vpc_defaults import default_acl_entries
from ..common import TfResource, Unknown, known
from ..services import make_service, parse_protocol
from .associations import associate, list_links
from .layer import DEFAULT_ACL, Skip, TfLayer, derived_key
from .network import VPC

ACL_TYPES = ("aws_network_acl", "aws_default_network_acl")


class _Acls:
    def __init__(self, layer: TfLayer):
        self.layer = layer
        self.entries: dict[str, list[AclEntry]] = {}
        self.unsure: dict[str, tuple[Origin, str]] = {}

    def read(self) -> None:
        layer = self.layer
        for vpc in layer.vpcs.values():
            key = derived_key(vpc.key, DEFAULT_ACL)
            self.entries[key] = default_acl_entries(vpc)
            layer.nacls[key] = NetworkAcl(key, vpc.key, is_default=True, name=f"default NACL of {vpc.key}",
                                          origin=vpc.origin)
        layer.each(ACL_TYPES, self._acl)
        layer.each(("aws_network_acl_rule",), self._rule)
        for key, entries in self.entries.items():
            acl = layer.nacls[key]
            if key in self.unsure:
                del layer.nacls[key]
                origin, why = self.unsure[key]
                layer.leave_out(key, origin, why, "network ACL")
                continue
            ordered = sorted(_distinct(entries), key=lambda e: e.number)
            layer.nacls[key] = NetworkAcl(key, acl.vpc, tuple(e for e in ordered if not e.egress),
                                          tuple(e for e in ordered if e.egress), acl.is_default, acl.name,
                                          acl.origin)
        extra = list_links(layer, ACL_TYPES, self._key_of)
        associate(layer, ("aws_network_acl_association",), "network_acl_id", ACL_TYPES, "network ACL",
                  layer.nacls, "nacl", extra)

    def _key_of(self, res: TfResource) -> str | None:
        if res.type == "aws_network_acl":
            return res.address
        try:
            return self.layer.key_of(res.values.get("default_network_acl_id"), ACL_TYPES, "network ACL", res.origin)
        except Skip:
            return None

    def _acl(self, res: TfResource) -> None:
        layer = self.layer
        if res.type == "aws_default_network_acl":
            key = self._key_of(res)
            if key not in self.entries:
                return layer.warn(res.origin, f"{res.address} manages network ACL {layer.absent(str(key))}: its "
                                              "entries are not read (that NACL is a free choice)")
            self.entries[key] = []  # Terraform removes the default entries and adds only these
        else:
            key = res.address
            vpc = layer.ref(res, "vpc_id", (VPC,), "VPC")
            assert vpc is not None
            if layer.uncertain(res):
                return layer.leave_out(key, res.origin, f"it may not exist: {layer.uncertain(res)}", "network ACL")
            if vpc not in layer.vpcs:
                layer.warn(res.origin, f"network ACL {key} is in VPC {layer.absent(vpc)}")
            layer.nacls[key] = NetworkAcl(key, vpc, name=layer.name(res), origin=res.origin)
            self.entries[key] = []
        for direction in ("ingress", "egress"):
            blocks = res.values.get(direction)
            if isinstance(blocks, Unknown):
                self.unsure.setdefault(key, (res.origin, f"{res.address}.{direction} {blocks.reason}"))
                continue
            for index, block in enumerate(blocks or []):
                origin = res.block_origin(direction, index)
                if not isinstance(block, dict):
                    self.unsure.setdefault(key, (origin, f"{res.address}.{direction}[{index}] is not known"))
                    continue
                self._add(key, f"{res.address}.{direction}[{index}]", block, direction == "egress",
                          "rule_no", "action", origin)

    def _rule(self, res: TfResource) -> None:
        layer = self.layer
        acl = layer.ref(res, "network_acl_id", ACL_TYPES, "network ACL")
        assert acl is not None
        if acl not in self.entries and layer.not_known(res, "network_acl_id"):
            for key in self.entries:
                self.unsure.setdefault(key, (res.origin, f"entry {res.address} may be in it: "
                                                         f"{layer.not_known(res, 'network_acl_id')}"))
            return
        if acl not in self.entries:
            return layer.warn(res.origin, f"{res.address} adds an entry to network ACL {layer.absent(acl)}: it is "
                                          "not read (that NACL is a free choice)")
        if layer.uncertain(res):
            self.unsure.setdefault(acl, (res.origin, f"entry {res.address} may not exist: {layer.uncertain(res)}"))
            return
        egress = layer.flag(res.values, "egress", False, res.origin)
        if isinstance(egress, Unknown):
            self.unsure.setdefault(acl, (res.origin, f"entry {res.address}: egress {egress.reason}"))
            return
        self._add(acl, res.address, res.values, egress, "rule_number", "rule_action", res.origin)

    def _add(self, acl: str, where: str, values: dict, egress: bool, number_key: str, action_key: str,
             origin: Origin) -> None:
        unknown: list[str] = []
        try:
            number = self._number(where, values, number_key, origin, unknown)
            action = self._action(where, values, action_key, origin, unknown)
            cidr = self._cidr(where, values, origin, unknown)
            service = self._service(where, values, origin, unknown)
        except Skip:
            return
        if unknown:
            self.unsure.setdefault(acl, (origin, f"entry {where}: {unknown[0]}"))
            return
        self.entries[acl].append(AclEntry(number, egress, action, cidr, service, origin, _text(values)))

    def _number(self, where: str, values: dict, key: str, origin: Origin, unknown: list[str]) -> int:
        value = known(values.get(key))
        if isinstance(value, Unknown):
            unknown.append(f"{key} {value.reason}")
            return 0
        if value is None or isinstance(value, bool):
            self.layer.error(origin, f"network ACL entry {where} needs {key} (1-32766)")
        try:
            return int(str(value).strip())
        except ValueError:
            self.layer.error(origin, f"network ACL entry {where}: {key} must be a number from 1 to 32766, "
                                     f"not {value!r}")
        return 0

    def _action(self, where: str, values: dict, key: str, origin: Origin, unknown: list[str]) -> AclAction:
        value = self.layer.text(values, key)
        if isinstance(value, Unknown):
            unknown.append(f"{key} {value.reason}")
            return AclAction.DENY
        if value.lower() not in ("allow", "deny"):
            self.layer.error(origin, f"network ACL entry {where}: {key} must be allow or deny, not {value!r}")
        return AclAction(value.lower())

    def _cidr(self, where: str, values: dict, origin: Origin, unknown: list[str]) -> Cidr:
        layer = self.layer
        given = [k for k in ("cidr_block", "ipv6_cidr_block") if layer.given(values, k)]
        if len(given) != 1:
            layer.error(origin, f"network ACL entry {where} needs exactly one of cidr_block and ipv6_cidr_block")
        key = given[0]
        block = layer.cidr(values, key, Family.V4 if key == "cidr_block" else Family.V6,
                           f"network ACL entry {where}", origin)
        if isinstance(block, Unknown):
            unknown.append(f"{key} {block.reason}")
            return Cidr.parse("0.0.0.0/0")
        assert block is not None
        return block

    def _service(self, where: str, values: dict, origin: Origin, unknown: list[str]) -> Service:
        protocol = values.get("protocol")
        number = parse_protocol(protocol)
        icmp = number in (ICMP, ICMPV6)
        low, high = ("icmp_type", "icmp_code") if icmp else ("from_port", "to_port")
        before = len(self.layer.ctx.diagnostics)
        made = make_service(self.layer.ctx, protocol, values.get(low), values.get(high), origin,
                            f"network ACL entry {where}")
        if made is None or len(self.layer.ctx.diagnostics) > before and _has_error(self.layer, before):
            raise Skip()
        service, why = made
        if why:
            unknown.append(why)
        return service


def _has_error(layer: TfLayer, since: int) -> bool:
    return any(d.severity.value == "error" for d in layer.ctx.diagnostics[since:])


def _distinct(entries: list[AclEntry]) -> list[AclEntry]:
    """Entries written twice the same way (inline in a state and as a rule) are one entry."""
    seen: dict[tuple, AclEntry] = {}
    for entry in entries:
        seen.setdefault((entry.number, entry.egress, entry.action, entry.cidr, entry.service), entry)
    return list(seen.values())


def _text(values: dict) -> str:
    shown = {k: known(v) for k, v in values.items()
             if k not in ("network_acl_id",) and known(v) not in (None, "", [])}
    return ", ".join(f"{k}={v}" for k, v in shown.items())[:200]


def read_acls(layer: TfLayer) -> None:
    _Acls(layer).read()
