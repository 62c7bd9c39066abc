"""describe-network-interfaces entries -> model `Resource`s.

Each network interface (ENI) is one resource: its name is the ENI id, its
aliases the instance id, the Name tag of the ENI and the Name tag of its
instance. Private IPv4 and all IPv6 addresses are `ips` (group references match
them); Elastic/public IPv4 addresses are `public_ips`. Delegated prefixes
(Ipv4Prefixes/Ipv6Prefixes) hold any number of addresses carrying the ENI's
groups, so they become one symbolic resource `ENI/prefixes`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from ...model import Cidr, Family, Origin, Resource, format_address, parse_address
from .rules import Problems, parse_cidr
from ..fields import type_name


@dataclass(frozen=True)
class Item:
    """One described object and where it was read (file and logical path)."""

    file: str
    path: str  # e.g. "NetworkInterfaces[3]"
    data: Mapping[str, Any]

    @property
    def where(self) -> str:
        return f"{self.file}:{self.path}"


def name_tag(tags: Any) -> str:
    """The value of the Name tag in an AWS TagSet/Tags list, or ""."""
    if not isinstance(tags, list):
        return ""
    for tag in tags:
        if isinstance(tag, dict) and tag.get("Key") == "Name" and isinstance(tag.get("Value"), str):
            return tag["Value"].strip()
    return ""


def subnet_cidrs(subnet: Item, problems: Problems) -> tuple[Cidr, ...]:
    """A subnet's IPv4 block (none in an IPv6-only subnet) and its associated IPv6 blocks."""
    data = subnet.data
    texts = [(data.get("CidrBlock"), Family.V4, f"{subnet.where}.CidrBlock")]
    assocs = data.get("Ipv6CidrBlockAssociationSet") or []
    if not isinstance(assocs, list):
        problems.error(f"{subnet.where}.Ipv6CidrBlockAssociationSet", f"expected a list, not {type_name(assocs)}")
        assocs = []
    for i, assoc in enumerate(assocs):
        if isinstance(assoc, dict) and _associated(assoc.get("Ipv6CidrBlockState")):
            texts.append((assoc.get("Ipv6CidrBlock"), Family.V6,
                          f"{subnet.where}.Ipv6CidrBlockAssociationSet[{i}].Ipv6CidrBlock"))
    cidrs = (parse_cidr(t, f, where, problems) for t, f, where in texts if t is not None)
    return tuple(c for c in cidrs if c is not None)


def _associated(state: Any) -> bool:
    return not isinstance(state, dict) or state.get("State") in (None, "associated")


@dataclass
class _Addresses:
    ips: list[tuple[Family, int]]
    public: list[tuple[Family, int]]
    prefixes: list[Cidr]


def _address(text: Any, where: str, problems: Problems) -> tuple[Family, int] | None:
    if not isinstance(text, str):
        problems.error(where, f"expected an IP address, not {type_name(text)}")
        return None
    try:
        return parse_address(text)
    except ValueError as exc:
        problems.error(where, str(exc))
        return None


def _collect(item: Item, problems: Problems) -> _Addresses:
    data, where = item.data, item.where
    found = _Addresses([], [], [])
    private = [(data.get(key), key, found.ips) for key in ("PrivateIpAddress", "Ipv6Address")]
    public = _associated_addresses(data.get("Association"), "Association", found.public)
    for i, entry in enumerate(_list(data, "PrivateIpAddresses", where, problems)):
        at = f"PrivateIpAddresses[{i}]"
        private.append((_get(entry, "PrivateIpAddress"), at, found.ips))
        public += _associated_addresses(_get(entry, "Association"), f"{at}.Association", found.public)
    for i, entry in enumerate(_list(data, "Ipv6Addresses", where, problems)):
        private.append((_get(entry, "Ipv6Address"), f"Ipv6Addresses[{i}]", found.ips))
    for text, at, bucket in private + public:
        if text is None:
            continue
        address = _address(text, f"{where}.{at}", problems)
        if address is not None and address not in bucket:
            bucket.append(address)
    for key, family in (("Ipv4Prefixes", Family.V4), ("Ipv6Prefixes", Family.V6)):
        for i, entry in enumerate(_list(data, key, where, problems)):
            cidr = parse_cidr(_get(entry, key[:-2]), family, f"{where}.{key}[{i}]", problems)
            if cidr is not None:
                found.prefixes.append(cidr)
    return found


# Addresses an association gives an ENI besides its private ones: Elastic or
# public IPv4, a Wavelength carrier address, an Outposts customer-owned address.
ASSOCIATED = ("PublicIp", "CarrierIp", "CustomerOwnedIp")


def _associated_addresses(association: Any, at: str, bucket: list) -> list:
    return [(_get(association, key), f"{at}.{key}", bucket) for key in ASSOCIATED]


def _get(value: Any, key: str) -> Any:
    return value.get(key) if isinstance(value, dict) else None


def _list(data: Mapping[str, Any], key: str, where: str, problems: Problems) -> list:
    value = data.get(key) or []
    if not isinstance(value, list):
        problems.error(f"{where}.{key}", f"expected a list, not {type_name(value)}")
        return []
    return value


def eni_groups(item: Item, problems: Problems) -> list[tuple[str, str]]:
    """(group id, group name) of every group the ENI carries."""
    out = []
    for i, group in enumerate(_list(item.data, "Groups", item.where, problems)):
        gid = _get(group, "GroupId")
        if not isinstance(gid, str) or not gid:
            problems.error(f"{item.where}.Groups[{i}]", "a group needs a GroupId")
            continue
        out.append((gid, str(_get(group, "GroupName") or "")))
    return out


def build_resources(interfaces: Iterable[Item], blocks: Mapping[str, tuple[Cidr, ...]],
                    instance_names: Mapping[str, str], problems: Problems,
                    per_vpc: bool = False) -> dict[str, Resource]:
    """One resource per ENI that carries a group (plus one per ENI with delegated prefixes).

    blocks: each subnet's blocks. per_vpc: the input has a VPC layer, so a
    private address need be unique only within its VPC (the topology checks
    see to that); without one, an address means one interface.
    """
    resources: dict[str, Resource] = {}
    ungrouped: list[Item] = []
    for item in interfaces:
        eni_id = str(item.data.get("NetworkInterfaceId"))
        groups = tuple(dict.fromkeys(g for g, _ in eni_groups(item, problems)))
        found = _collect(item, problems)
        if not groups:
            # No group means security groups filter nothing here: the addresses
            # stay unmanaged hosts, which is exactly that.
            ungrouped.append(item)
            continue
        origin = Origin(item.file, None, eni_id)
        if found.ips or found.public:
            resources[eni_id] = _resource(item, groups, found, blocks, instance_names, problems, per_vpc)
        else:
            problems.warn(item.where, f"{eni_id} has no address: it is not modelled as a host")
        if found.prefixes:
            # Any address of the delegated prefixes, in the interface's subnet.
            name = f"{eni_id}/prefixes"
            vpc, subnet_ids, _ = _placement(item, problems, per_vpc)
            resources[name] = Resource(name=name, groups=groups, subnets=tuple(found.prefixes),
                                       kind="eni delegated prefixes", origin=origin, vpc=vpc,
                                       subnet_ids=subnet_ids, source_dest_check=_source_dest_check(item))
    if ungrouped:
        ids = [str(i.data.get("NetworkInterfaceId")) for i in ungrouped]
        problems.warn(ungrouped[0].file, f"{len(ids)} network interface(s) carry no security group "
                                         f"and are treated as unfiltered hosts: {_short(ids)}")
    _check_unique(resources, problems, per_vpc)
    return resources


def _resource(item: Item, groups: tuple[str, ...], found: _Addresses,
              blocks: Mapping[str, tuple[Cidr, ...]], instance_names: Mapping[str, str],
              problems: Problems, per_vpc: bool) -> Resource:
    eni_id = str(item.data.get("NetworkInterfaceId"))
    vpc, subnet_ids, subnet = _placement(item, problems, per_vpc)
    kind = f"eni ({item.data['InterfaceType']})" if item.data.get("InterfaceType") else "eni"
    return Resource(name=eni_id, groups=groups, ips=tuple(found.ips), public_ips=tuple(found.public),
                    subnets=blocks.get(subnet, ()), kind=kind, aliases=_aliases(item, instance_names),
                    origin=Origin(item.file, None, eni_id), vpc=vpc, subnet_ids=subnet_ids,
                    source_dest_check=_source_dest_check(item))


def _placement(item: Item, problems: Problems, per_vpc: bool) -> tuple[str, tuple[str, ...], str]:
    """The interface's VPC, its subnet ids and its subnet id (or "").

    Subnet ids are keys of the VPC layer: without one (per_vpc false) the
    interface keeps only its subnet's blocks."""
    values = []
    for key in ("VpcId", "SubnetId"):
        value = item.data.get(key)
        if value is not None and not isinstance(value, str):
            problems.error(f"{item.where}.{key}", f"expected an id, not {type_name(value)}")
            value = None
        values.append(value or "")
    vpc, subnet = values
    return vpc, (subnet,) if subnet and per_vpc else (), subnet


def _source_dest_check(item: Item) -> bool:
    # Only an explicit false makes the interface an appliance that forwards traffic.
    return item.data.get("SourceDestCheck") is not False


def _aliases(item: Item, instance_names: Mapping[str, str]) -> tuple[str, ...]:
    names = []
    instance = _get(item.data.get("Attachment"), "InstanceId")
    if isinstance(instance, str) and instance:
        names.append(instance)
        names.append(instance_names.get(instance, ""))
    names.append(name_tag(item.data.get("TagSet")))
    eni_id = item.data.get("NetworkInterfaceId")
    return tuple(n for n in dict.fromkeys(names) if n and n != eni_id)


def _check_unique(resources: Mapping[str, Resource], problems: Problems, per_vpc: bool) -> None:
    """Without a VPC layer an address is one interface. With one, a private address
    is unique per VPC (checked with the topology); public addresses always are."""
    owner: dict[tuple[Family, int], Resource] = {}
    for resource in resources.values():
        for address in (resource.public_ips if per_vpc else resource.ips + resource.public_ips):
            other = owner.setdefault(address, resource)
            if other.name == resource.name:
                continue
            text = format_address(*address)
            if per_vpc:
                problems.error(str(resource.origin), f"public address {text} belongs to both {other.name} "
                                                     f"and {resource.name}")
            elif other.vpc and resource.vpc and other.vpc != resource.vpc:
                problems.error(str(resource.origin), f"address {text} belongs to both {other.name} "
                               f"({other.vpc}) and {resource.name} ({resource.vpc}): an address means "
                               "something only within its VPC, so the input needs its VPC layer "
                               "(Vpcs, RouteTables, NetworkAcls... as `sgverify snapshot` takes them)")
            else:
                problems.error(str(resource.origin), f"address {text} belongs to both {other.name} and "
                                                     f"{resource.name}")


def _short(names: list[str], limit: int = 5) -> str:
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more
