"""Where the internet delivers: the public addresses of the network, by subnet.

A packet sent to a public address through an internet gateway arrives in the
subnet of the interface holding it (IPv4: mapped 1:1 at that VPC's gateway;
IPv6: the subnet's global block). Worked out once per network and family and
shared by every source subnet's legs (see legs.py).
"""

from __future__ import annotations

from functools import cached_property

from . import intervals as iv
from .addresses import Family


class PublicArrivals:
    """Mixed into Legs, whose `places`, `topology`, `family`, `_cache`,
    `blocks` and `subnets_of` it uses."""

    def _public_arrivals(self, space):
        """(subnet, its VPC's internet gateway, addresses, resource or "", free
        address or None) reached from the internet (once per space: every
        public address sent from one subnet asks the same)."""
        key = ("arrivals", tuple(space))
        if key not in self._cache:
            self._cache[key] = list(self._arrivals(space))
        return self._cache[key]

    def _arrivals(self, space):
        space = list(space)
        if self.family is Family.V4:
            for far, gateway, values in self._public_v4:
                part = iv.intersect(space, values)
                if part:
                    yield far, gateway, part, "*", None  # the public addresses of the interfaces there
            for far, gateway, resource, at in self._public_free:
                part = iv.intersect(space, list(at.space))
                if part:
                    yield far, gateway, part, resource, at  # a public address the input leaves open
            return
        for far, gateway, blocks in self._public_v6:
            part = iv.intersect(space, blocks)
            if part:
                yield far, gateway, part, "", None

    @cached_property
    def _gateways(self) -> dict[str, str]:
        return {g.vpc: g.key for g in sorted(self.topology.internet_gateways.values(), key=lambda g: g.key) if g.vpc}

    @cached_property
    def _public_v4(self) -> list:
        """Per subnet with mapped public addresses: (subnet, gateway, addresses)."""
        t, grouped = self.topology, {}
        for ends in self.places.resource_ends.values():
            for end in ends:
                gateway = self._gateways.get(end.vpc)
                if gateway is not None and end.publics:
                    grouped.setdefault((end.subnet, gateway), []).extend(end.publics)
        return [(t.subnets[k], g, iv.of_points(v)) for (k, g), v in sorted(grouped.items())]

    @cached_property
    def _public_free(self) -> list:
        """(subnet, gateway, resource, its free public address) for interfaces
        that have a public IPv4 whose value the input does not give."""
        out = []
        for name, ends in sorted(self.places.resource_ends.items()):
            for end in ends:
                gateway = self._gateways.get(end.vpc)
                if gateway is not None and end.free_public is not None:
                    out.append((self.topology.subnets[end.subnet], gateway, name, end.free_public))
        return out

    @cached_property
    def _public_v6(self) -> list:
        return [(far, self._gateways[vpc], self.blocks(far)) for vpc in self.topology.vpcs if vpc in self._gateways
                for far in self.subnets_of(vpc)]

