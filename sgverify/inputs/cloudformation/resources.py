"""CloudFormation resources that carry security groups -> `Resource`s named by logical id.

Instances and network interfaces with a literal private address get that
address; everything else (auto scaling groups, databases, load balancers,
tasks, functions...) is symbolic: any address of its subnets, or any private
IPv4 address when the subnets are not literal in the template.
"""

from __future__ import annotations

from typing import Any

from ...model import Cidr, Family, Resource, parse_address
from .intrinsics import CfnError, ResRef, Unknown
from .ipv6_assigned import Assigned
from .subnets import Subnets
from ..yamlnodes import YMap

VPC_DEFAULT = "vpc-default"
CLASSIC_ELB = "AWS::ElasticLoadBalancing::LoadBalancer"
# The one group ELB gives every classic load balancer of the default VPC (of an account).
DEFAULT_ELB = "default_elb"
# type -> (group list paths, subnet paths, container that must exist for the type to be in a VPC)
SIMPLE = {
    "AWS::RDS::DBInstance": (("VPCSecurityGroups",), ("DBSubnetGroupName",), ""),
    "AWS::RDS::DBCluster": (("VpcSecurityGroupIds",), ("DBSubnetGroupName",), ""),
    "AWS::ElasticLoadBalancingV2::LoadBalancer": (("SecurityGroups",), ("Subnets", "SubnetMappings.SubnetId"), ""),
    CLASSIC_ELB: (("SecurityGroups",), ("Subnets",), ""),
    "AWS::ECS::Service": (("NetworkConfiguration.AwsvpcConfiguration.SecurityGroups",),
                          ("NetworkConfiguration.AwsvpcConfiguration.Subnets",), "NetworkConfiguration"),
    "AWS::Lambda::Function": (("VpcConfig.SecurityGroupIds",), ("VpcConfig.SubnetIds",), "VpcConfig"),
    "AWS::ElastiCache::CacheCluster": (("VpcSecurityGroupIds",), ("CacheSubnetGroupName",), ""),
    "AWS::ElastiCache::ReplicationGroup": (("SecurityGroupIds",), ("CacheSubnetGroupName",), ""),
    "AWS::EFS::MountTarget": (("SecurityGroups",), ("SubnetId",), ""),
    "AWS::EC2::VPCEndpoint": (("SecurityGroupIds",), ("SubnetIds",), ""),
}
NESTED = ("AWS::CloudFormation::Stack", "AWS::Serverless::Application")
TEMPLATES = ("AWS::EC2::LaunchTemplate", "AWS::AutoScaling::LaunchConfiguration")
HANDLED = ("AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress",
           "AWS::EC2::Instance", "AWS::EC2::NetworkInterface", "AWS::AutoScaling::AutoScalingGroup",
           *TEMPLATES, *SIMPLE)


def read_resources(ctx: Any) -> dict[str, Resource]:
    return _Resources(ctx).read()


class _Resources:
    def __init__(self, ctx: Any):
        self.ctx = ctx
        self.resolver = ctx.resolver
        self.out: dict[str, Resource] = {}
        self.owners: dict[tuple[Family, int], str] = {}
        self.used_templates: set[str] = set()
        self.subnets = Subnets(ctx, self._get)
        self.assigned = Assigned(ctx, self._get, self.subnets)

    def read(self) -> dict[str, Resource]:
        for logical in self.ctx.logicals("AWS::EC2::Instance"):
            self.ctx.attempt(self._instance, logical)
        for logical in self.ctx.logicals("AWS::EC2::NetworkInterface"):
            _, props, line = self.ctx.body(logical)
            self._add(logical, self._get(props, "GroupSet", line), self._ips(props, line),
                      self._get(props, "SubnetId", line), "network-interface", props, v6=[(props, "")])
        for logical in self.ctx.logicals("AWS::AutoScaling::AutoScalingGroup"):
            self.ctx.attempt(self._auto_scaling, logical)
        for logical in self.ctx.logicals(*TEMPLATES):
            if logical not in self.used_templates:
                groups, subnets = self._template_groups(logical)
                _, props, _ = self.ctx.body(logical)
                self._add(logical, groups, [], subnets, "launch-template", props, v6=self._launch_v6(logical))
        for logical in self.ctx.logicals(*SIMPLE):
            self.ctx.attempt(self._simple, logical)
        for logical, body in self.ctx.resources.items():
            if body.get("Type") not in HANDLED and logical not in self.resolver.excluded:
                self.ctx.attempt(self._unsupported, logical)
        return self.out

    # -- per type -----------------------------------------------------------

    def _instance(self, logical: str) -> None:
        _, props, line = self.ctx.body(logical)
        groups = self._get(props, "SecurityGroupIds", line) + self._get(props, "SecurityGroups", line)
        if not groups and isinstance(props.get("LaunchTemplate"), dict):
            groups = self._template_groups(self._template_of(props["LaunchTemplate"], line))[0]
        launched = self._launch_v6(self._launched_by(props, line))
        interfaces = self.resolver.resolve(props.get("NetworkInterfaces", []), line)
        if isinstance(interfaces, Unknown):
            raise CfnError(line, f"NetworkInterfaces of {logical} cannot be read ({interfaces.reason})")
        if not interfaces:
            self._add(logical, groups, self._ips(props, line), self._get(props, "SubnetId", line),
                      "instance", props, v6=[(props, "")] + launched)
            return
        for position, interface in enumerate(interfaces):
            if not isinstance(interface, YMap) or "NetworkInterfaceId" in interface:
                continue  # an AWS::EC2::NetworkInterface of its own (modelled there)
            index = interface.get("DeviceIndex", position)
            name = logical if str(index) == "0" or len(interfaces) == 1 else f"{logical}-eni{index}"
            self._add(name, self._get(interface, "GroupSet", line) or groups, self._ips(interface, line),
                      self._get(interface, "SubnetId", line), "instance", props, logical,
                      v6=[(interface, "")] + launched)

    def _auto_scaling(self, logical: str) -> None:
        _, props, line = self.ctx.body(logical)
        spec = props.get("LaunchTemplate")
        mixed = props.get("MixedInstancesPolicy")
        if spec is None and isinstance(mixed, dict) and isinstance(mixed.get("LaunchTemplate"), dict):
            spec = mixed["LaunchTemplate"].get("LaunchTemplateSpecification")
        if spec is not None:
            source = self._template_of(spec, line)
        elif "LaunchConfigurationName" in props:
            source = self._template_of({"LaunchTemplateName": props["LaunchConfigurationName"]}, line)
        else:
            raise CfnError(line, f"{logical}: no LaunchTemplate or LaunchConfigurationName to read groups from")
        groups, _ = self._template_groups(source)
        self._add(logical, groups, [], self._get(props, "VPCZoneIdentifier", line), "auto-scaling-group", props,
                  v6=self._launch_v6(source))

    def _template_of(self, spec: Any, line: int) -> Any:
        """The logical id of the launch template/configuration a spec names, or Unknown."""
        spec = self.resolver.resolve(spec, line)
        if not isinstance(spec, dict):
            return Unknown("launch template specification is not literal")
        for key in ("LaunchTemplateId", "LaunchTemplateName"):
            value = spec.get(key)
            if isinstance(value, ResRef) and value.type in TEMPLATES:
                self.used_templates.add(value.logical)
                return value.logical
            if value is not None:
                return value if isinstance(value, Unknown) else Unknown(f"launch template {value} is not in the template")
        return Unknown("launch template specification names no template")

    def _launched_by(self, props: YMap, line: int) -> Any:
        """The template logical id an instance's LaunchTemplate names: the instance stands for what it
        launches, so it is no resource of its own."""
        spec = self.resolver.resolve(props.get("LaunchTemplate"), line)
        for key in ("LaunchTemplateId", "LaunchTemplateName"):
            value = spec.get(key) if isinstance(spec, dict) else None
            if isinstance(value, ResRef) and value.type in TEMPLATES:
                self.used_templates.add(value.logical)
                return value.logical
        return None

    def _launch_v6(self, logical: Any) -> list[tuple[Any, str]]:
        """The network interfaces of a launch template, as sources of IPv6 addresses."""
        if not isinstance(logical, str) or self.ctx.body(logical)[0] != "AWS::EC2::LaunchTemplate":
            return []
        _, props, line = self.ctx.body(logical)
        data = self.resolver.resolve(props.get("LaunchTemplateData"), line)
        return [(interface, f"its launch template {logical}: ")
                for interface in self._get(data, "NetworkInterfaces", line) if isinstance(interface, dict)]

    def _template_groups(self, logical: Any) -> tuple[list[Any], list[Any]]:
        if not isinstance(logical, str):
            return [logical], []
        kind, props, line = self.ctx.body(logical)
        data = props if kind == "AWS::AutoScaling::LaunchConfiguration" else props.get("LaunchTemplateData", YMap(line))
        groups = self._get(data, "SecurityGroupIds", line) + self._get(data, "SecurityGroups", line)
        subnets: list[Any] = []
        for interface in self._get(data, "NetworkInterfaces", line):
            if isinstance(interface, dict):
                groups += self._get(interface, "Groups", line)
                subnets += self._get(interface, "SubnetId", line)
        return groups, subnets

    def _simple(self, logical: str) -> None:
        kind, props, line = self.ctx.body(logical)
        group_paths, subnet_paths, container = SIMPLE[kind]
        if container and container not in props:
            return  # not in a VPC (or not awsvpc): no group of its own
        if kind == "AWS::ElasticLoadBalancingV2::LoadBalancer" and "SecurityGroups" not in props \
                and str(props.get("Type", "application")) in ("network", "gateway"):
            return  # a network load balancer without groups filters nothing
        if kind == "AWS::EC2::VPCEndpoint" and str(props.get("VpcEndpointType", "Gateway")) != "Interface":
            return
        groups = [g for path in group_paths for g in self._get(props, path, line)]
        subnets = [s for path in subnet_paths for s in self._get(props, path, line)]
        self._add(logical, groups, [], subnets, kind.split("::", 1)[1].lower().replace("::", "-"), props,
                  dual=self.assigned.dual_stack(kind, props, line))

    def _unsupported(self, logical: str) -> None:
        kind, props, line = self.ctx.body(logical)
        if kind in NESTED:
            self.ctx.warn(line, f"{logical}: nested stack ({kind}) is not read; groups and resources it "
                                f"creates are not in the model (check its template on its own)")
            return
        paths = _group_keys(props)
        if not paths:
            return
        try:
            groups = [g for path in paths for g in self._get(props, path, line)]
            self._add(logical, groups, [], [Unknown("subnets of an unsupported resource type")], "unsupported", props)
        except CfnError as exc:
            raise CfnError(exc.line, f"{logical}: resource type {kind} carries security groups "
                                     f"({', '.join(paths)}) in a way sgverify cannot read: {exc.message}") from None
        self.ctx.warn(line, f"{logical}: resource type {kind} is not modelled in detail; it is kept as a "
                            f"resource anywhere in private IPv4 space carrying its groups")

    # -- building -----------------------------------------------------------

    def _get(self, props: Any, path: str, line: int) -> list[Any]:
        """A property (dotted path; lists along the way are flattened) as a resolved list."""
        values: list[Any] = [props]
        for key in path.split("."):
            nxt: list[Any] = []
            for value in values:
                value = self.resolver.resolve(value, line)
                if isinstance(value, Unknown):
                    nxt.append(value)
                elif isinstance(value, dict) and key in value:
                    nxt.append(self.resolver.resolve(value[key], line))
                elif isinstance(value, list):
                    nxt += [self.resolver.resolve(v, line).get(key) for v in value
                            if isinstance(v, dict) and key in v]
            values = nxt
        out: list[Any] = []
        for value in values:
            out += value if isinstance(value, list) else [value]
        return out

    def _ips(self, props: YMap, line: int) -> list[Any]:
        ips = self._get(props, "PrivateIpAddress", line)
        ips += self._get(props, "PrivateIpAddresses.PrivateIpAddress", line)
        ips += self._get(props, "Ipv6Addresses.Ipv6Address", line)
        return ips

    def _add(self, name: str, groups: list[Any], ips: list[Any], subnets: list[Any], kind: str,
             props: YMap, logical: str = "", v6: list[tuple[Any, str]] | None = None, dual: str = "") -> None:
        """`v6`: the properties that may ask AWS for IPv6 addresses (None: the type gets none by them,
        only from its subnets when it has a written address); `dual`: why a managed resource takes
        IPv6 addresses in its subnets."""
        logical = logical or name
        line = self.ctx.body(logical)[2]
        keys = self._group_keys(logical, groups, line)
        addresses, unknown_ip = self._addresses(name, ips, line)
        cidrs = self.subnets.blocks(name, subnets, line)
        if unknown_ip:
            self.ctx.warn(line, f"{name}: a private address is not literal ({unknown_ip}); it is "
                                f"treated as any address of its subnets")
            addresses = ()
        why = dual or self.assigned.written_v6(addresses) or \
            (self.assigned.why(v6 or [], subnets, line) if v6 is not None or addresses else "")
        if why:
            addresses, cidrs = self.assigned.cidrs(name, why, addresses, cidrs, subnets, line)
        elif logical in self.ctx.uncertain and addresses:
            self.ctx.warn(line, f"{name} may not exist ({self.ctx.uncertain[logical]}): its addresses "
                                f"may belong to it or to nothing")
            cidrs, addresses = tuple(Cidr.host(f, v) for f, v in addresses), ()
        alias = self.resolver.resolve(_name_tag(props), line)
        aliases = (alias,) if isinstance(alias, str) and alias and alias != name else ()
        self.ctx.placed[name] = (logical, subnets)  # for the VPC layer (placement.py)
        self.out[name] = Resource(name=name, groups=keys, ips=addresses, subnets=cidrs, kind=kind,
                                  aliases=aliases, origin=self.ctx.origin(line))

    def _group_keys(self, logical: str, groups: list[Any], line: int) -> tuple[str, ...]:
        if not groups and self._in_default_vpc_elb(logical):
            self.ctx.warn(line, f"{logical} names no security group and no subnet: in the default VPC "
                                f"ELB gives it the account's default_elb group, whose rules are not in "
                                f"the template (kept unknown)")
            return (self.ctx.opaque_group(DEFAULT_ELB, line, "the default_elb group's rules are not in "
                                                             "the template"),)
        if not groups:
            self.ctx.warn(line, f"{logical} names no security group, so it gets its VPC's default group, "
                                f"whose rules are not in the template (kept unknown)")
            return (self.ctx.opaque_group(VPC_DEFAULT, line, "the VPC default group's rules are not in the template"),)
        keys: list[str] = []
        for value in groups:
            key = self.ctx.group_ref(value, line)
            if isinstance(key, Unknown):
                self.ctx.warn(line, f"a security group of {logical} is unknown ({key.reason}); it is kept as a "
                                    f"group with unknown rules, and {logical} is assumed to carry no other "
                                    f"group of the template")
                key = self.ctx.opaque_group(f"unknown-groups-of-{logical}", line, key.reason)
            elif key in self.ctx.opaque:
                self.ctx.opaque_group(key, line, f"rules of {key} are not in the template")
            if key not in keys:
                keys.append(key)
        return tuple(keys)

    def _in_default_vpc_elb(self, logical: str) -> bool:
        kind, props, _ = self.ctx.body(logical)
        return kind == CLASSIC_ELB and "Subnets" not in props

    def _addresses(self, name: str, ips: list[Any], line: int) -> tuple[tuple, str]:
        out: list[tuple[Family, int]] = []
        unknown = ""
        for value in ips:
            if isinstance(value, Unknown) or not isinstance(value, str):
                unknown = value.reason if isinstance(value, Unknown) else repr(value)
                continue
            try:
                address = parse_address(value)
            except ValueError as exc:
                raise CfnError(line, f"{name}: {exc}") from None
            if address in self.owners and self.owners[address] != name:
                raise CfnError(line, f"address {value} of {name} is also on {self.owners[address]}")
            self.owners[address] = name
            out.append(address)
        return tuple(dict.fromkeys(out)), unknown


def _group_keys(props: Any, prefix: str = "") -> list[str]:
    """Dotted paths of properties that look like security-group lists (for unsupported types)."""
    out: list[str] = []
    if isinstance(props, dict):
        for key, value in props.items():
            path = f"{prefix}{key}"
            if "securitygroup" in key.lower():
                out.append(path)
            else:
                out += _group_keys(value, path + ".")
    return out


def _name_tag(props: YMap) -> Any:
    tags = props.get("Tags")
    if isinstance(tags, list):
        for tag in tags:
            if isinstance(tag, dict) and tag.get("Key") == "Name":
                return tag.get("Value")
    return None
