"""Interfaces whose IPv6 addresses AWS assigns: no value in the template.

An instance or network interface gets IPv6 addresses the template does not
write when it asks for a count (`Ipv6AddressCount`, `Ipv6PrefixCount`, in
itself, in an entry of its `NetworkInterfaces` or in its launch template's),
when it is delegated prefixes (`Ipv6Prefixes`: every address of the prefix
reaches the interface), when its `Ipv6Addresses` are not known before
deployment, or when its subnet gives one to every new interface
(`AssignIpv6AddressOnCreation` true or not known, or a subnet of another
stack, whose setting the template does not hold). An autoscaling group's
instances get them the same way, from its launch template or its subnets.
Those addresses are global: through an internet gateway the internet may
reach them.

A model resource has either known addresses or none ("any address in its
subnets"). Keeping only its written IPv4 address would say it has no IPv6 at
all, and a `deny` from the internet could hold that AWS does not keep. So
such a resource is taken at its written addresses or any IPv6 address of its
subnets, and a symbolic one whose subnets' IPv6 blocks are not known may have
any IPv6 address. A warning at the resource's line names why.
"""

from __future__ import annotations

from typing import Any

from ...model import Cidr, Family, format_address
from ...model.assigned_v6 import compares_the_same
from .ipv6_literals import literal_vpc_blocks
from ...model.addresses import PRIVATE_V4
from .intrinsics import ResRef, Unknown
from .subnets import ANY_V6

COUNTS = ("Ipv6AddressCount", "Ipv6PrefixCount")
# Types that take IPv6 addresses in their subnets when they say so: (property, values that do).
DUAL_STACK = {
    "AWS::RDS::DBInstance": ("NetworkType", ("dual",)),
    "AWS::RDS::DBCluster": ("NetworkType", ("dual",)),
    "AWS::ElasticLoadBalancingV2::LoadBalancer": ("IpAddressType", ("dualstack", "dualstack-without-public-ipv4")),
    "AWS::Lambda::Function": ("VpcConfig.Ipv6AllowedForDualStack", ("true",)),
    "AWS::EC2::VPCEndpoint": ("IpAddressType", ("dualstack", "ipv6")),
    "AWS::ElastiCache::CacheCluster": ("NetworkType", ("dual_stack", "ipv6")),
    "AWS::ElastiCache::ReplicationGroup": ("NetworkType", ("dual_stack", "ipv6")),
    "AWS::EFS::MountTarget": ("IpAddressType", ("dual_stack", "ipv6_only")),
}


class Assigned:
    """Why a resource may get IPv6 addresses the template does not write."""

    def __init__(self, ctx: Any, get: Any, subnets: Any):
        self.ctx = ctx
        self.get = get  # (props, dotted path, line) -> resolved list
        self.subnets = subnets

    def why(self, sources: list[tuple[Any, str]], subnets: list[Any], line: int) -> str:
        """`sources`: (properties, how to name them) that may ask for addresses; "" if none does
        and no subnet assigns one."""
        for props, named in sources:
            asked = self._asked(props, line)
            if asked:
                return f"{named}{asked}"
        return self.subnets.assigning_ipv6(subnets, line)

    def written_v6(self, addresses: tuple) -> str:
        """Why written IPv6 addresses cannot be compared with what the VPC layer holds: they lie in a
        block AWS assigns, for which it holds a stand-in; "" when they can."""
        if not self.ctx.assigned_v6:
            return ""
        literal = literal_vpc_blocks(self.ctx)
        for family, value in addresses:
            host = Cidr.host(family, value)
            if family is Family.V6 and not compares_the_same(host) and not any(b.contains(family, value)
                                                                              for b in literal):
                return (f"its written address {format_address(family, value)} may or may not be in the IPv6 "
                        f"block AWS assigns to {self.ctx.assigned_v6}, which the VPC layer stands for")
        return ""

    def dual_stack(self, kind: str, props: Any, line: int) -> str:
        """Why a resource of a managed type takes IPv6 addresses in its subnets; "" if it does not."""
        if kind not in DUAL_STACK:
            return ""
        path, values = DUAL_STACK[kind]
        for value in self.get(props, path, line):
            if isinstance(value, (Unknown, ResRef)):
                return f"{path} is not known before deployment"
            if str(value).strip().lower() in values:
                return f"{path} is {value}"
        return ""

    def _asked(self, props: Any, line: int) -> str:
        if not isinstance(props, dict):
            return ""
        for key in COUNTS:
            for value in self.get(props, key, line):
                if isinstance(value, Unknown):
                    return f"{key} is not known before deployment ({value.reason})"
                if str(value).strip() not in ("0", ""):
                    return f"{key} is {value}"
        if any(v not in (None, "") for v in self.get(props, "Ipv6Prefixes", line)):
            return "Ipv6Prefixes delegates IPv6 prefixes to it"
        for value in self.get(props, "Ipv6Addresses", line):
            address = value.get("Ipv6Address") if isinstance(value, dict) else value
            if isinstance(address, (Unknown, ResRef)) or (address is not None and not isinstance(address, str)):
                return "an address of its Ipv6Addresses is not known before deployment"
        return ""

    def cidrs(self, name: str, why: str, addresses: tuple, cidrs: tuple, subnets: list[Any],
              line: int) -> tuple[tuple, tuple]:
        """(addresses, blocks) of a resource AWS gives IPv6 addresses (`why`)."""
        if not why:
            return addresses, cidrs
        unknown = self.subnets.unknown(subnets, line)
        if addresses:
            v6 = self.subnets.v6_blocks(subnets, line)
            v6 = v6 if v6 and not unknown else [ANY_V6]
            self.ctx.warn(line, f"{name} may have IPv6 addresses AWS assigns ({why}): it is taken to be at its "
                                f"written addresses or any address of {', '.join(map(str, dict.fromkeys(v6)))}")
            return (), tuple(Cidr.host(f, v) for f, v in addresses) + tuple(dict.fromkeys(v6))
        if any(c.family is Family.V6 for c in cidrs) and not unknown:
            return addresses, cidrs  # any address of its subnets' IPv6 blocks already
        self.ctx.warn(line, f"{name} may have IPv6 addresses AWS assigns ({why}) from a block the template "
                            f"does not give: by its groups alone it may have any IPv6 address")
        v4 = tuple(c for c in cidrs if c.family is Family.V4) or PRIVATE_V4
        return (), v4 + (ANY_V6,)
