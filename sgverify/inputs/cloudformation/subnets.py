"""Where a template resource's addresses may be: the CIDR blocks of its subnets.

A subnet is an AWS::EC2::Subnet of the template (its CidrBlock, its
Ipv6CidrBlock and those added by AWS::EC2::SubnetCidrBlock), directly or
through a DB or cache subnet group. What is not literal widens the answer,
never narrows it: an unknown IPv4 block means any private IPv4 address, an
unknown IPv6 block any IPv6 address.
"""

from __future__ import annotations

from typing import Any

from ...model import Cidr, Family
from ...model.addresses import PRIVATE_V4
from .intrinsics import CfnError, ResRef, Unknown

SUBNET_GROUPS = {"AWS::RDS::DBSubnetGroup": "SubnetIds", "AWS::ElastiCache::SubnetGroup": "SubnetIds"}
ANY_V6 = Cidr.parse("::/0")


class Subnets:
    def __init__(self, ctx: Any, get: Any):
        self.ctx = ctx
        self.resolver = ctx.resolver
        self.get = get  # (props, dotted path, line) -> resolved list
        self.warned: set[int] = set()  # lines of IPv6 blocks said to be not literal (once each)

    def blocks(self, name: str, subnets: list[Any], line: int) -> tuple[Cidr, ...]:
        """The blocks a symbolic resource may take addresses from; () = any private IPv4 address."""
        known: list[Cidr] = []
        missing: list[str] = []
        for value in self._subnets(subnets, line):
            if isinstance(value, Unknown):
                missing.append(value.reason)
            else:
                found, why = self._blocks_of(value)
                known += found
                missing += why
        v4 = [c for c in known if c.family is Family.V4]
        if missing:
            self.ctx.warn(line, f"{name}: subnet not literal ({missing[0]}); its addresses are taken "
                                f"to be any private IPv4 address" + (" or any of its known subnets" if v4 else ""))
            if not v4:
                return tuple(dict.fromkeys(c for c in known if c.family is Family.V6))
            known += PRIVATE_V4
        return tuple(dict.fromkeys(known))

    def v6_blocks(self, subnets: list[Any], line: int) -> list[Cidr]:
        found: list[Cidr] = []
        for value in self._subnets(subnets, line):
            if not isinstance(value, Unknown):
                found += [c for c in self._blocks_of(value, warn=False)[0] if c.family is Family.V6]
        return found

    def unknown(self, subnets: list[Any], line: int) -> bool:
        """Whether a subnet is not one of the template's (its blocks and settings are not known)."""
        return any(isinstance(value, Unknown) for value in self._subnets(subnets, line))

    def assigning_ipv6(self, subnets: list[Any], line: int) -> str:
        """Why a subnet may give new interfaces IPv6 addresses on its own; "" if none does."""
        for value in self._subnets(subnets, line):
            if isinstance(value, Unknown):
                continue  # a subnet of another stack: taken to assign none, as its blocks are not known either
            _, props, sub_line = self.ctx.body(value)
            flag = self.resolver.resolve(props.get("AssignIpv6AddressOnCreation", False), sub_line)
            if isinstance(flag, Unknown):
                return f"its subnet {value} may assign one: AssignIpv6AddressOnCreation is not known ({flag.reason})"
            if str(flag).lower() == "true":
                return f"its subnet {value} has AssignIpv6AddressOnCreation true"
        return ""

    def _subnets(self, values: list[Any], line: int) -> list[Any]:
        """Subnet logical ids, and Unknown for what is not a subnet of the template."""
        out: list[Any] = []
        for value in values:
            if isinstance(value, Unknown):
                out.append(value)
            elif not isinstance(value, ResRef):
                out.append(Unknown(f"subnet {value} is not in the template"))
            elif value.type in SUBNET_GROUPS:
                _, props, _ = self.ctx.body(value.logical)
                out += self._subnets(self.get(props, SUBNET_GROUPS[value.type], line), line)
            elif value.type == "AWS::EC2::Subnet":
                out.append(_Subnet(value.logical))
            else:
                raise CfnError(line, f"{value.logical} is a {value.type}, not a subnet")
        return out

    def _blocks_of(self, subnet: "_Subnet", warn: bool = True) -> tuple[list[Cidr], list[str]]:
        _, props, line = self.ctx.body(subnet)
        sources = [(props, "CidrBlock"), (props, "Ipv6CidrBlock")]
        for logical in self.ctx.logicals("AWS::EC2::SubnetCidrBlock"):
            _, extra, _ = self.ctx.body(logical)
            target = self.resolver.resolve(extra.get("SubnetId"), line)
            if isinstance(target, Unknown) or (isinstance(target, ResRef) and target.logical == subnet):
                sources.append((extra, "Ipv6CidrBlock"))
        out: list[Cidr] = []
        why: list[str] = []
        for body, key in sources:
            if key not in body:
                continue
            text = self.resolver.resolve(body[key], body.value_line(key))
            if not isinstance(text, str):
                if key == "CidrBlock":
                    why.append(f"{subnet}.CidrBlock")
                else:
                    if warn and body.value_line(key) not in self.warned:
                        self.warned.add(body.value_line(key))
                        self.ctx.warn(body.value_line(key), f"{subnet}: an IPv6 block is not literal; "
                                                            f"its resources may have any IPv6 address")
                    out.append(ANY_V6)
                continue
            try:
                out.append(Cidr.parse(text))
            except ValueError as exc:
                raise CfnError(body.value_line(key), str(exc)) from None
        if "CidrBlock" not in props:
            why.append(f"{subnet} has no literal CidrBlock")
        return out, why


class _Subnet(str):
    """The logical id of a template subnet (a str, so it can index the template)."""
