"""Where a template's resources and groups sit in its VPC layer.

A resource gets the subnets it names (`subnet_ids`, logical ids of template
subnets, or what the user wrote for one the template does not hold), the VPC
of those subnets, and its public IPv4 address: a literal Elastic IP, or
`has_public_ip` for one whose value AWS assigns (AssociatePublicIpAddress, a
subnet's MapPublicIpOnLaunch, an Elastic IP of the template, an
internet-facing load balancer, a publicly accessible database, an ECS task
with AssignPublicIp). A security group gets the VPC of its VpcId.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ...model import Family, Resource, SecurityGroup, parse_address
from ...model.stand_ins import DEFAULT_SUBNET
from .intrinsics import CfnError, ResRef, Unknown
from .layer import SUBNET, VPC, Layer, unknown_text
from ..yamlnodes import YMap

INSTANCE = "AWS::EC2::Instance"
INTERFACE = "AWS::EC2::NetworkInterface"
SUBNET_GROUPS = {"AWS::RDS::DBSubnetGroup": "SubnetIds", "AWS::ElastiCache::SubnetGroup": "SubnetIds"}
NO_SUBNET = DEFAULT_SUBNET  # a resource that names no subnet: the default VPC's, not in the input
# types whose resources live in subnets (others keep no placement)
PLACED = (INSTANCE, INTERFACE, "AWS::AutoScaling::AutoScalingGroup", "AWS::EC2::LaunchTemplate",
          "AWS::AutoScaling::LaunchConfiguration", "AWS::RDS::DBInstance", "AWS::RDS::DBCluster",
          "AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ElasticLoadBalancing::LoadBalancer",
          "AWS::ECS::Service", "AWS::Lambda::Function", "AWS::ElastiCache::CacheCluster",
          "AWS::ElastiCache::ReplicationGroup", "AWS::EFS::MountTarget", "AWS::EC2::VPCEndpoint")
LOAD_BALANCERS = ("AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ElasticLoadBalancing::LoadBalancer")


def place(layer: Layer, resources: dict[str, Resource],
          groups: dict[str, SecurityGroup]) -> tuple[dict[str, Resource], dict[str, SecurityGroup]]:
    placer = _Placer(layer)
    placed = {name: layer.attempt(placer.resource, resource, default=resource)
              for name, resource in resources.items()}
    return placed, {key: placer.group(group) for key, group in groups.items()}


class _Placer:
    def __init__(self, layer: Layer):
        self.layer = layer
        self.resolver = layer.ctx.resolver
        self.eips = self._elastic_ips()

    # -- groups -------------------------------------------------------------

    def group(self, group: SecurityGroup) -> SecurityGroup:
        if group.opaque or group.key not in self.layer.ctx.resources:
            return group
        props, _ = self.layer.props(group.key)
        vpc = self.layer.ref(props, "VpcId", (VPC,), "VPC", required=False)
        return replace(group, vpc=vpc) if vpc else group

    # -- resources ----------------------------------------------------------

    def resource(self, resource: Resource) -> Resource:
        logical, subnets = self.layer.ctx.placed.get(resource.name, ("", []))
        if not logical or self.layer.type_of(logical) not in PLACED:
            return resource
        kind = self.layer.type_of(logical)
        props, line = self.layer.props(logical)
        keys = self._subnet_keys(subnets, line) or [NO_SUBNET]
        vpcs = [self._vpc_of(key) for key in keys]
        vpc = next((v for v in vpcs if v), "")
        public = self._public(resource.name, logical, kind, props, keys, line)
        # A resource at any address of its subnets cannot hold a known public one: some public address.
        literal = tuple(self.eips.get(resource.name, {}).get("literal", ())) if not resource.symbolic else ()
        check = self._source_dest_check(logical, kind, props)
        return replace(resource, vpc=vpc, subnet_ids=tuple(dict.fromkeys(keys)),
                       public_ips=tuple(dict.fromkeys(resource.public_ips + literal)),
                       has_public_ip=public and not literal, source_dest_check=check)

    def _subnet_keys(self, values: list[Any], line: int) -> list[str]:
        keys: list[str] = []
        for value in values:
            if isinstance(value, ResRef) and value.type == SUBNET:
                keys.append(value.logical)
            elif isinstance(value, ResRef) and value.type in SUBNET_GROUPS:
                group, group_line = self.layer.props(value.logical)
                found = self.resolver.resolve(group.get(SUBNET_GROUPS[value.type], []), group_line)
                keys += self._subnet_keys(found if isinstance(found, list) else [found], group_line)
            elif isinstance(value, Unknown):
                keys.append(value.written or f"<{value.reason}>")
            elif isinstance(value, str) and value:
                keys.append(value)
        return keys

    def _vpc_of(self, subnet: str) -> str:
        if subnet in self.layer.subnets:
            return self.layer.subnets[subnet].vpc
        if subnet in self.layer.logicals(SUBNET):
            props, _ = self.layer.props(subnet)
            return self.layer.ref(props, "VpcId", (VPC,), "VPC", required=False) or ""
        return ""

    def _maps_public(self, keys: list[str]) -> bool:
        return any(key in self.layer.subnets and self.layer.subnets[key].map_public_ip
                   and self.layer.subnets[key].blocks(Family.V4) for key in keys)

    def _public(self, name: str, logical: str, kind: str, props: YMap, keys: list[str], line: int) -> bool:
        if name in self.eips:
            return True
        if kind == INSTANCE:
            return self._instance_public(name, logical, props, keys, line)
        if kind in ("AWS::AutoScaling::AutoScalingGroup", "AWS::EC2::LaunchTemplate",
                    "AWS::AutoScaling::LaunchConfiguration"):
            source = self._launch_source(logical, props, line) if kind.endswith("AutoScalingGroup") else logical
            asked = self._launch_asks(source, line) if source else None
            return asked if asked is not None else self._maps_public(keys)
        if kind in LOAD_BALANCERS:
            scheme = self.layer.text(props, "Scheme", "internet-facing")
            return self._unknown_is_public(name, line, scheme, "Scheme") if isinstance(scheme, Unknown) \
                else scheme == "internet-facing"
        if kind == "AWS::RDS::DBInstance":
            return self._asked(name, props, "PubliclyAccessible", line) is True
        if kind == "AWS::ECS::Service":
            config = self.resolver.resolve(props.get("NetworkConfiguration"), line)
            awsvpc = config.get("AwsvpcConfiguration") if isinstance(config, dict) else None
            value = awsvpc.get("AssignPublicIp", "DISABLED") if isinstance(awsvpc, dict) else "DISABLED"
            return self._unknown_is_public(name, line, value, "AssignPublicIp") if isinstance(value, Unknown) \
                else str(value) == "ENABLED"
        return False

    def _instance_public(self, name: str, logical: str, props: YMap, keys: list[str], line: int) -> bool:
        interfaces = self.resolver.resolve(props.get("NetworkInterfaces", []), line)
        if not isinstance(interfaces, list) or not interfaces:
            return self._maps_public(keys)
        for position, interface in enumerate(interfaces):
            if not isinstance(interface, YMap):
                continue
            index = str(interface.get("DeviceIndex", position))
            mine = logical if index == "0" or len(interfaces) == 1 else f"{logical}-eni{index}"
            if mine != name:
                continue
            asked = self._asked(name, interface, "AssociatePublicIpAddress", interface.line)
            if asked is True and len(interfaces) > 1:
                raise CfnError(interface.value_line("AssociatePublicIpAddress"),
                               f"{logical}: AssociatePublicIpAddress applies only to an instance launched "
                               f"with one network interface (it has {len(interfaces)})")
            if asked is not None:
                return asked
            return index == "0" and len(interfaces) == 1 and self._maps_public(keys)
        return False

    def _launch_source(self, logical: str, props: YMap, line: int) -> str:
        spec = props.get("LaunchTemplate")
        mixed = self.resolver.resolve(props.get("MixedInstancesPolicy"), line)
        if spec is None and isinstance(mixed, dict) and isinstance(mixed.get("LaunchTemplate"), dict):
            spec = mixed["LaunchTemplate"].get("LaunchTemplateSpecification")
        spec = self.resolver.resolve(spec, line) if spec is not None else \
            {"LaunchTemplateId": self.resolver.resolve(props.get("LaunchConfigurationName"), line)}
        for key in ("LaunchTemplateId", "LaunchTemplateName"):
            value = spec.get(key) if isinstance(spec, dict) else None
            if isinstance(value, ResRef):
                return value.logical
        return ""

    def _launch_asks(self, logical: str, line: int) -> bool | None:
        """What a launch template or configuration says of a public address; None: the subnet decides."""
        kind = self.layer.type_of(logical)
        props, own_line = self.layer.props(logical)
        if kind == "AWS::AutoScaling::LaunchConfiguration":
            return self._asked(logical, props, "AssociatePublicIpAddress", own_line)
        data = self.resolver.resolve(props.get("LaunchTemplateData"), own_line)
        interfaces = data.get("NetworkInterfaces") if isinstance(data, dict) else None
        for interface in interfaces if isinstance(interfaces, list) else []:
            if isinstance(interface, YMap) and str(interface.get("DeviceIndex", 0)) == "0":
                return self._asked(logical, interface, "AssociatePublicIpAddress", interface.line)
        return None

    def _asked(self, name: str, props: YMap, key: str, line: int) -> bool | None:
        if key not in props:
            return None
        value = self.layer.flag(props, key, False)
        return self._unknown_is_public(name, line, value, key) if isinstance(value, Unknown) else value

    def _unknown_is_public(self, name: str, line: int, value: Unknown, key: str) -> bool:
        self.layer.warn(line, f"{name}: {unknown_text(key, value)}; it is taken to have a public IPv4 "
                              "address, so no verdict relies on its having none")
        return True

    def _source_dest_check(self, logical: str, kind: str, props: YMap) -> bool:
        if kind not in (INSTANCE, INTERFACE) or "SourceDestCheck" not in props:
            return True
        value = self.layer.flag(props, "SourceDestCheck", True)
        if isinstance(value, Unknown):
            self.layer.warn(props.value_line("SourceDestCheck"), f"{logical}: {unknown_text('SourceDestCheck', value)}; "
                                                                 "it is taken to be on")
            return True
        return value

    # -- Elastic IPs --------------------------------------------------------

    def _elastic_ips(self) -> dict[str, dict[str, list]]:
        """Resource name -> {"literal": [addresses]} for each resource an Elastic IP is on."""
        out: dict[str, dict[str, list]] = {}
        for logical in self.layer.logicals("AWS::EC2::EIP", "AWS::EC2::EIPAssociation"):
            self.layer.attempt(self._elastic_ip, logical, out)
        return out

    def _elastic_ip(self, logical: str, out: dict) -> None:
        layer = self.layer
        props, line = layer.props(logical)
        target = None
        for key, types in (("InstanceId", (INSTANCE,)), ("NetworkInterfaceId", (INTERFACE,))):
            if key in props:
                value = self.resolver.resolve(props[key], props.value_line(key))
                if isinstance(value, ResRef) and value.type in types:
                    target = value.logical
        if target is None:
            return  # on an instance of another stack, or kept for a NAT gateway
        entry = out.setdefault(target, {"literal": []})
        address = props.get("EIP") if layer.type_of(logical) == "AWS::EC2::EIPAssociation" else None
        address = self.resolver.resolve(address, line) if address is not None else None
        if isinstance(address, str) and address:
            try:
                family, value = parse_address(address)
            except ValueError as exc:
                raise CfnError(props.value_line("EIP"), f"{logical}: {exc}") from None
            if family is not Family.V4:
                raise CfnError(props.value_line("EIP"), f"{logical}: an Elastic IP is IPv4, not {address}")
            entry["literal"].append((family, value))
        if layer.uncertain(logical):
            layer.warn(line, f"{logical} may not exist ({layer.uncertain(logical)}); {target} is taken to have "
                             "its public address, so no verdict relies on its having none")
