"""CloudFormation templates (YAML or JSON) -> `Network`.

Groups are keyed by logical id (their literal GroupName becomes the name);
resources are named by logical id. Inline rules, separate
AWS::EC2::SecurityGroupIngress/Egress resources and the default egress
CloudFormation keeps (allow all IPv4) when a group declares no egress at all
are modelled; values known only at deploy time stay unknown, with a warning.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Mapping

from ...model import CidrPeer, Cidr, Direction, GroupPeer, Network, Origin, PrefixList, Rule, SecurityGroup, UnknownPeer
from .. import Loaded
from .intrinsics import CfnError, ResRef, Resolver, Unknown
from .ipv6_literals import assigned_block
from .resources import read_resources
from .rules import ALL_TRAFFIC, Draft, RuleReader
from .template_yaml import load_template
from .topology import add_checks, read_topology
from ..fields import Report, read_text
from ..suggest import unknown_key
from ..yamlnodes import YList, YMap

SG = "AWS::EC2::SecurityGroup"
SEPARATE = {"AWS::EC2::SecurityGroupIngress": Direction.INGRESS, "AWS::EC2::SecurityGroupEgress": Direction.EGRESS}
SG_KEYS = ("GroupDescription", "GroupName", "SecurityGroupIngress", "SecurityGroupEgress", "VpcId", "Tags")
INLINE = {Direction.INGRESS: "SecurityGroupIngress", Direction.EGRESS: "SecurityGroupEgress"}
DEFAULT_EGRESS = Cidr.parse("0.0.0.0/0")


def looks_like_cloudformation(data: Any) -> bool:
    """A template: AWSTemplateFormatVersion, or Resources whose entries have an AWS:: Type."""
    if not isinstance(data, dict):
        return False
    if "AWSTemplateFormatVersion" in data:
        return True
    resources = data.get("Resources")
    return isinstance(resources, dict) and any(
        isinstance(body, dict) and str(body.get("Type", "")).startswith(("AWS::", "Custom::"))
        for body in resources.values())


def load_cloudformation(path: Any, parameters: Mapping[str, str] | None = None) -> Loaded:
    """Read a template file; `parameters` override parameter defaults (like --parameter K=V)."""
    return parse_cloudformation(read_text(path, "template"), str(path), parameters)


def parse_cloudformation(text: str, path: str = "<string>",
                         parameters: Mapping[str, str] | None = None) -> Loaded:
    template = load_template(text, path)
    report = Report(path)
    try:
        network = _Reader(template, report, dict(parameters or {})).read()
    except CfnError as exc:
        report.error(exc.line, exc.message)
        network = None
    report.raise_if_errors()
    assert network is not None
    return Loaded(network, report.sorted_warnings())


class _Reader:
    """Holds what the template defines; `cfn_rules` and `cfn_resources` call back into it."""

    def __init__(self, template: YMap, report: Report, overrides: dict[str, str]):
        self.report = report
        self.path = report.path
        if not isinstance(template.get("Resources"), YMap):
            raise CfnError(template.line, "a template needs a Resources mapping")
        self.resolver = Resolver(template, overrides)
        self.resources: YMap = self.resolver.resources
        self.uncertain: dict[str, str] = {}  # logical id -> why its existence is unknown
        self.opaque: dict[str, int] = {}  # key of a group not in the template -> first line
        self.carried_opaque: dict[str, str] = {}  # opaque key carried by a resource -> why rules unknown
        self.names: dict[str, str] = {}
        self.group_ids: list[str] = []
        self.placed: dict[str, tuple[str, list[Any]]] = {}  # resource name -> (logical id, its subnets)
        # "logical (file:line)" of a VPC block AWS assigns, if any: literal IPv6 blocks cannot be compared with it
        self.assigned_v6 = ""
        self.prefix_lists: dict[str, PrefixList] = {}
        self.rules = RuleReader(self)

    # -- callbacks ----------------------------------------------------------

    def warn(self, line: int, message: str) -> None:
        self.report.warn(line, message)

    def attempt(self, function: Any, *args: Any, default: Any = None) -> Any:
        """Run one element's reader; its error is recorded and the rest still read (all errors at once)."""
        try:
            return function(*args)
        except CfnError as exc:
            self.report.error(exc.line, exc.message)
            return default

    def origin(self, line: int) -> Origin:
        return Origin(self.path, line)

    def body(self, logical: str) -> tuple[str, YMap, int]:
        body = self.resources[logical]
        props = body.get("Properties")
        line = self.resources.key_line(logical)
        return str(body.get("Type", "")), props if isinstance(props, YMap) else YMap(body.line), line

    def group_ref(self, value: Any, line: int, owner: Any = None) -> str | Unknown:
        """A security-group reference -> a group key (template or opaque), or Unknown."""
        if isinstance(value, Unknown):
            return value
        if isinstance(value, ResRef):
            if value.type != SG:
                raise CfnError(line, f"{value.logical} is a {value.type or 'resource'}, not a security group")
            if value.attribute not in ("", "GroupId", "Id"):
                raise CfnError(line, f"{value.logical}.{value.attribute} is not a security group id")
            return value.logical
        if not isinstance(value, str) or not value:
            raise CfnError(line, f"expected a security group id, not {value!r}")
        if value.startswith("sg-"):
            key = f"{owner}/{value}" if isinstance(owner, str) and owner else value
            return self.opaque_group(key, line)
        return self.group_by_name(value, line)

    def group_by_name(self, value: Any, line: int) -> str | Unknown:
        if isinstance(value, (Unknown, ResRef)):
            return value if isinstance(value, Unknown) else self.group_ref(value, line)
        if str(value) in self.names:
            return self.names[str(value)]
        # a group known only by name; never mistaken for the template group with that logical id
        key = str(value) if str(value) not in self.group_ids else f"group named {value}"
        return self.opaque_group(key, line)

    def opaque_group(self, key: str, line: int, carried_because: str = "") -> str:
        if key not in self.opaque:
            self.opaque[key] = line
            if not carried_because:
                self.warn(line, f"security group {key} is not in the template: its members are unknown "
                                f"(any address outside the template may be one)")
        if carried_because:
            self.carried_opaque.setdefault(key, carried_because)
        return key

    # -- reading ------------------------------------------------------------

    def read(self) -> Network:
        self._conditions()
        self.assigned_v6 = assigned_block(self)
        self._group_headers()
        prefix_lists = self.prefix_lists = self._prefix_lists()
        resources = read_resources(self)
        drafts = self._drafts()
        groups = {key: self._group(key, drafts[key]) for key in self.group_ids}
        for key, line in self.opaque.items():
            groups[key] = self._opaque(key, line)
        self._warn_memberless(groups, resources)
        topology, resources, groups = read_topology(self, resources, groups)
        network = Network(groups=groups, resources=resources, prefix_lists=prefix_lists,
                          source=self.path, input_format="cloudformation", topology=topology)
        add_checks(self.report, network)
        return network

    def _warn_memberless(self, groups: dict[str, SecurityGroup], resources: dict) -> None:
        carried = {key for resource in resources.values() for key in resource.groups}
        for group in groups.values():
            for rule in group.ingress + group.egress:
                peer = rule.peer
                if isinstance(peer, GroupPeer) and peer.group in self.group_ids and peer.group not in carried:
                    self.warn(rule.origin.line or 1, f"group {peer.group} has no members in the template "
                                                     f"(no resource carries it), so this rule matches no address")

    def _conditions(self) -> None:
        transform = self.resolver.template.get("Transform")
        if transform is not None:
            self.warn(self.resolver.template.key_line("Transform"),
                      f"the template uses Transform {transform}: only resources as written are read, "
                      f"not what the transform would add")
        for logical, body in self.resources.items():
            if not isinstance(body, YMap) or not isinstance(body.get("Type"), str):
                raise CfnError(self.resources.value_line(logical), f"resource {logical} needs a Type")
            if "Condition" not in body:
                continue
            truth = self.resolver.condition(body["Condition"], body.value_line("Condition"))
            if truth is False:
                self.resolver.excluded[logical] = f"condition {body['Condition']} is false"
            elif isinstance(truth, Unknown):
                self.uncertain[logical] = f"condition {body['Condition']} cannot be evaluated ({truth.reason})"

    def logicals(self, *types: str) -> list[str]:
        return [logical for logical, body in self.resources.items()
                if body.get("Type") in types and logical not in self.resolver.excluded]

    def _group_headers(self) -> None:
        for logical in self.logicals(SG):
            _, props, _ = self.body(logical)
            for key in props:
                if key not in SG_KEYS:
                    raise CfnError(props.key_line(key), unknown_key(key, f"security group {logical}", SG_KEYS))
            self.group_ids.append(logical)
            name = self.resolver.resolve(props.get("GroupName"), props.value_line("GroupName"))
            if isinstance(name, str) and name:
                self.names[name] = logical
            if logical in self.uncertain:
                self.warn(props.line, f"group {logical} may not exist ({self.uncertain[logical]}); "
                                      f"its rules are kept as rules that may or may not match")

    def _prefix_lists(self) -> dict[str, PrefixList]:
        out: dict[str, PrefixList] = {}
        for logical in self.logicals("AWS::EC2::PrefixList"):
            _, props, line = self.body(logical)
            entries = self.resolver.resolve(props.get("Entries", YList(line)), line)
            cidrs = [self.resolver.resolve(e.get("Cidr"), line) if isinstance(e, dict) else e for e in entries] \
                if isinstance(entries, list) else [entries]
            if not all(isinstance(c, str) for c in cidrs):
                raise CfnError(line, f"prefix list {logical}: every entry needs a literal Cidr")
            try:
                parsed = tuple(Cidr.parse(c) for c in cidrs)
            except ValueError as exc:
                raise CfnError(line, f"prefix list {logical}: {exc}") from None
            name = props.get("PrefixListName")
            out[logical] = PrefixList(logical, parsed, name if isinstance(name, str) else "",
                                      None, self.origin(line))
        return out

    # -- rules --------------------------------------------------------------

    def _drafts(self) -> dict[str, list[Draft]]:
        drafts: dict[str, list[Draft]] = {key: [] for key in self.group_ids}
        for key in self.group_ids:
            _, props, _ = self.body(key)
            for direction, field in INLINE.items():
                drafts[key] += self._inline(key, props, field, direction)
        for logical in self.logicals(*SEPARATE):
            self.attempt(self._separate, logical, drafts)
        return drafts

    def _inline(self, key: str, props: YMap, field: str, direction: Direction) -> list[Draft]:
        if field not in props:
            return []
        line = props.value_line(field)
        raw = props[field]
        why = (f"group {key} exists only if {self.uncertain[key]}",) if key in self.uncertain else ()
        if not isinstance(raw, list):
            raw = self.resolver.resolve(raw, line)
            if isinstance(raw, Unknown):
                return self.rules.entries(raw, direction, line, why)
            if not isinstance(raw, list):
                raise CfnError(line, f"{field} must be a list of rules")
        if not raw and direction is Direction.EGRESS:
            self.warn(line, f"{field} of {key} is an empty list: CloudFormation keeps the default "
                            f"allow-all egress")
        out: list[Draft] = []
        for index, item in enumerate(raw):
            item_line = raw.item_line(index) if isinstance(raw, YList) else line
            out += self.attempt(self.rules.entries, item, direction, item_line, why, default=[])
        return out

    def _separate(self, logical: str, drafts: dict[str, list[Draft]]) -> None:
        kind, props, line = self.body(logical)
        direction = SEPARATE[kind]
        why = (f"{logical} exists only if {self.uncertain[logical]}",) if logical in self.uncertain else ()
        target = self._target(logical, props, line)
        found = [replace(d, origin=self.origin(line))
                 for d in self.rules.entries(props, direction, line, why, separate=True)]
        if why:
            found = [_uncertain(d) for d in found]
        if isinstance(target, Unknown):
            self.warn(line, f"{logical}: the group it adds a rule to is unknown ({target.reason}); "
                            f"the rule is added, as uncertain, to every group of the template")
            for key in self.group_ids:
                drafts[key] += [_uncertain(d, f"{logical} may belong to another group") for d in found]
        elif target in drafts:
            drafts[target] += found
        else:
            self.warn(line, f"{logical} adds a rule to {target}, which is not in the template; "
                            f"that group's rules stay unknown")

    def _target(self, logical: str, props: YMap, line: int) -> str | Unknown:
        if "GroupId" in props:
            value = self.resolver.resolve(props["GroupId"], props.value_line("GroupId"))
            return self.group_ref(value, props.value_line("GroupId"))
        if "GroupName" in props:
            value = self.resolver.resolve(props["GroupName"], props.value_line("GroupName"))
            return self.group_by_name(value, props.value_line("GroupName"))
        raise CfnError(line, f"{logical} needs GroupId (or GroupName) naming its security group")

    def _group(self, key: str, drafts: list[Draft]) -> SecurityGroup:
        _, props, line = self.body(key)
        egress = [d for d in drafts if d.direction is Direction.EGRESS]
        if not any(d.certain for d in egress):
            egress.append(self._default_egress(key, line, uncertain=bool(egress)))
        ingress = [d for d in drafts if d.direction is Direction.INGRESS]
        name = self.resolver.resolve(props.get("GroupName"), line)
        description = self.resolver.resolve(props.get("GroupDescription"), line)
        return SecurityGroup(
            key=key, name=name if isinstance(name, str) else "",
            description=description if isinstance(description, str) else "",
            ingress=tuple(_rule(key, i, d) for i, d in enumerate(ingress)),
            egress=tuple(_rule(key, i, d) for i, d in enumerate(egress)),
            origin=self.origin(line))

    def _default_egress(self, key: str, line: int, uncertain: bool) -> Draft:
        why = (f"default egress of {key}: CloudFormation removes it if any egress rule exists",) \
            if uncertain else ()
        if key in self.uncertain:
            why += (f"group {key} exists only if {self.uncertain[key]}",)
        return Draft(Direction.EGRESS, ALL_TRAFFIC, CidrPeer(DEFAULT_EGRESS), self.origin(line),
                     "default egress: all traffic to 0.0.0.0/0 (no SecurityGroupEgress declared)",
                     "CloudFormation default egress", why, certain=not uncertain)

    def _opaque(self, key: str, line: int) -> SecurityGroup:
        why = self.carried_opaque.get(key)
        origin = self.origin(line)
        if not why:
            return SecurityGroup(key=key, origin=origin, opaque=True)
        rules = {
            direction: (Rule(key, direction, 0, ALL_TRAFFIC, UnknownPeer(why), origin=origin,
                             text="<rules not in the template>", service_unknown=why),)
            for direction in Direction
        }
        return SecurityGroup(key=key, ingress=rules[Direction.INGRESS], egress=rules[Direction.EGRESS],
                             origin=origin, opaque=True)


def _uncertain(draft: Draft, reason: str = "") -> Draft:
    unknown = draft.unknown + ((reason,) if reason else ())
    return Draft(draft.direction, draft.service, draft.peer, draft.origin, draft.text,
                 draft.description, unknown, certain=False)


def _rule(key: str, index: int, draft: Draft) -> Rule:
    return Rule(group=key, direction=draft.direction, index=index, service=draft.service,
                peer=draft.peer, description=draft.description, origin=draft.origin,
                text=draft.text, service_unknown="; ".join(draft.unknown))
