"""The practical limit: an exact evaluator on intervals and boxes, with numpy, no solver.

It answers the same yes/no question as the verifier for the estates the
benchmark generates (every resource has concrete addresses; no opaque groups,
no unknown rule parts; destinations are resources or groups) and refuses
anything else. It is a baseline and a test oracle, never a replacement: it
cannot explain, and it covers a fragment of the semantics only.

Method, per family and per destination address d: cut the service line at
every rule boundary inside the assertion's traffic (segments), then
- concrete sources: a boolean matrix (source x ingress rule) of address
  coverage, times (ingress rule x segment), AND the egress segments of each
  source's groups towards d;
- unmanaged sources: cut their address space at every CIDR boundary; each
  piece is admitted on the OR of the covering rules' segments.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass

import numpy as np

from sgverify.model import CidrPeer, Family, GroupPeer, Network, PrefixListPeer
from sgverify.model import intervals as iv
from sgverify.model.addresses import UNFILTERED_SERVICES, public_intervals
from sgverify.spec import (AddressEndpoint, AnyEndpoint, Assertion, GroupEndpoint, InternetEndpoint, Kind,
                           ResourceEndpoint)


class NotSupported(Exception):
    """The input is outside the fragment this evaluator decides exactly."""


@dataclass
class _Family:
    family: Family
    addresses: list[int]  # sorted concrete addresses
    owner: np.ndarray  # resource index per address
    public: np.ndarray  # bool per address: a public (non-member) address
    concrete: list[tuple[int, int]]
    group_private: dict[str, list[tuple[int, int]]]


class IntervalLimit:
    def __init__(self, network: Network):
        _check_supported(network)
        self.network = network
        self.names = list(network.resources)
        self.index = {name: i for i, name in enumerate(self.names)}
        self.group_ids = {key: i for i, key in enumerate(network.groups)}
        width = max((len(r.groups) for r in network.resources.values()), default=1)
        self.resource_groups = np.full((len(self.names), max(1, width)), -1, dtype=np.int64)
        for i, name in enumerate(self.names):
            for j, group in enumerate(network.resources[name].groups):
                self.resource_groups[i, j] = self.group_ids[group]
        self.families = {f: self._family(f) for f in (Family.V4, Family.V6)}
        self.peer_cache: dict = {}

    def holds(self, assertion: Assertion) -> bool:
        return not any(self._violated(self.families[f], assertion) for f in (Family.V4, Family.V6))

    # -- tables ---------------------------------------------------------
    def _family(self, family: Family) -> _Family:
        rows = []
        for name, resource in self.network.resources.items():
            rows += [(v, self.index[name], False) for f, v in resource.ips if f is family]
            rows += [(v, self.index[name], True) for f, v in resource.public_ips if f is family]
        rows.sort()
        private: dict[str, list[int]] = {}
        for name, resource in self.network.resources.items():
            for group in resource.groups:
                private.setdefault(group, []).extend(resource.private_addresses(family))
        return _Family(family, [r[0] for r in rows], np.array([r[1] for r in rows], dtype=np.int64),
                       np.array([r[2] for r in rows], dtype=bool), iv.of_points(r[0] for r in rows),
                       {k: iv.of_points(v) for k, v in private.items()})

    def _peer(self, fam: _Family, rule) -> list[tuple[int, int]]:
        key = (fam.family, rule.peer)
        if key not in self.peer_cache:
            peer = rule.peer
            if isinstance(peer, CidrPeer):
                value = iv.of_cidrs([peer.cidr], fam.family)
            elif isinstance(peer, PrefixListPeer):
                value = iv.of_cidrs(self.network.prefix_lists[peer.prefix_list].cidrs, fam.family)
            else:
                value = fam.group_private.get(peer.group, [])
            self.peer_cache[key] = value
        return self.peer_cache[key]

    # -- one assertion ----------------------------------------------------
    def _violated(self, fam: _Family, a: Assertion) -> bool:
        traffic = a.traffic.intervals()
        unmanaged, concrete = self._sources(fam, a.sources)
        if a.kind is Kind.ONLY:
            everything = iv.subtract([(0, fam.family.top)], fam.concrete, fam.family.top)
            unmanaged = iv.subtract(everything, unmanaged, fam.family.top)
            concrete = ~concrete
        for d_index in np.nonzero(self._destinations(fam, a.destinations))[0]:
            if self._violated_at(fam, a.kind, traffic, unmanaged, concrete, int(d_index)):
                return True
        return False

    def _violated_at(self, fam, kind, traffic, unmanaged, concrete, d_index) -> bool:
        d = fam.addresses[d_index]
        who = int(fam.owner[d_index])
        ingress = [r for g in self.network.resources[self.names[who]].groups
                   for r in self.network.groups[g].ingress]
        egress_by_group = self._egress_towards(fam, d)
        cuts = [s for r in ingress for s in r.service.intervals()]
        cuts += [s for _, services in egress_by_group for s in services]
        segments = _segments(traffic, cuts)
        if not segments:
            return False
        admit = kind is not Kind.ALLOW  # deny/only look for a delivered packet
        sources = concrete.copy()
        sources[d_index] = False
        if sources.any() and self._concrete_violation(fam, d, ingress, egress_by_group, segments, sources, admit):
            return True
        return bool(unmanaged) and _unmanaged_violation(self, fam, ingress, segments, unmanaged, admit)

    def _egress_towards(self, fam: _Family, d: int):
        out = []
        for key, group in self.network.groups.items():
            services = [s for r in group.egress if iv.contains(self._peer(fam, r), d) for s in r.service.intervals()]
            if services:
                out.append((self.group_ids[key], services))
        return out

    def _concrete_violation(self, fam, d, ingress, egress_by_group, segments, sources, admit) -> bool:
        addresses = fam.addresses
        rule_segments = np.zeros((len(ingress) + 1, len(segments)), dtype=np.uint8)
        cover = np.zeros((len(addresses), len(ingress) + 1), dtype=np.uint8)
        for i, rule in enumerate(ingress):
            rule_segments[i] = _vector(segments, rule.service.intervals())
            peer = self._peer(fam, rule)
            for lo, hi in peer:
                cover[bisect_left(addresses, lo):bisect_right(addresses, hi), i] = 1
            if isinstance(rule.peer, GroupPeer):
                cover[fam.public, i] = 0  # public addresses never match a group peer
        ingress_ok = (cover @ rule_segments) > 0
        group_egress = np.zeros((len(self.group_ids) + 1, len(segments)), dtype=bool)  # last row: padding
        for g, services in egress_by_group:
            group_egress[g] = _vector(segments, services)
        if any(c.contains(fam.family, d) for c in UNFILTERED_SERVICES):
            group_egress[:] = True
        egress_ok = group_egress[self.resource_groups].any(axis=1)[fam.owner]
        delivered = ingress_ok & egress_ok
        chosen = delivered[sources]
        return bool(chosen.any()) if admit else not bool(chosen.all())

    # -- endpoints ------------------------------------------------------------
    def _sources(self, fam: _Family, endpoints):
        top = fam.family.top
        unmanaged: list[tuple[int, int]] = []
        concrete = np.zeros(len(fam.addresses), dtype=bool)
        for e in endpoints:
            if isinstance(e, ResourceEndpoint):
                concrete |= fam.owner == self.index[e.name]
            elif isinstance(e, GroupEndpoint):
                members = [self.index[r.name] for r in self.network.members(e.group)]
                concrete |= np.isin(fam.owner, members)
            else:
                space = _space(e, fam.family)
                unmanaged = iv.union(unmanaged, iv.subtract(space, fam.concrete, top))
                concrete |= _inside(fam.addresses, space)
        return unmanaged, concrete

    def _destinations(self, fam: _Family, endpoints) -> np.ndarray:
        out = np.zeros(len(fam.addresses), dtype=bool)
        for e in endpoints:
            if isinstance(e, ResourceEndpoint):
                out |= fam.owner == self.index[e.name]
            elif isinstance(e, GroupEndpoint):
                out |= np.isin(fam.owner, [self.index[r.name] for r in self.network.members(e.group)])
            else:
                raise NotSupported("destinations must be resources or groups")
        return out


def _unmanaged_violation(limit, fam, ingress, segments, unmanaged, admit) -> bool:
    """Unmanaged sources: only address peers can match them (no opaque groups here)."""
    pieces = [(limit._peer(fam, r), _vector(segments, r.service.intervals())) for r in ingress
              if not isinstance(r.peer, GroupPeer)]
    cuts = sorted({p for lo, hi in unmanaged for p in (lo, hi + 1)} | {p for blocks, _ in pieces for lo, hi in blocks
                                                  for p in (lo, hi + 1)})
    starts = [c for c in cuts if iv.contains(unmanaged, c)]
    covered = np.zeros((len(starts), len(segments)), dtype=bool)
    for blocks, vector in pieces:
        inside = _inside(starts, blocks)
        covered[inside] |= vector
    return bool(covered.any()) if admit else not bool(covered.all())


def _segments(traffic, cuts) -> list[tuple[int, int]]:
    points = {lo for lo, _ in traffic}
    for lo, hi in cuts:
        points.update((lo, hi + 1))
    out = []
    for lo, hi in traffic:
        inner = sorted(p for p in points if lo <= p <= hi)
        for i, start in enumerate(inner):
            end = inner[i + 1] - 1 if i + 1 < len(inner) else hi
            out.append((start, end))
    return out


def _vector(segments, services) -> np.ndarray:
    merged = iv.normalize(services)
    return np.array([iv.contains(merged, lo) for lo, _ in segments], dtype=bool)


def _inside(points, blocks) -> np.ndarray:
    out = np.zeros(len(points), dtype=bool)
    for lo, hi in blocks:
        out[bisect_left(points, lo):bisect_right(points, hi)] = True
    return out


def _space(endpoint, family: Family):
    if isinstance(endpoint, AnyEndpoint):
        return [(0, family.top)]
    if isinstance(endpoint, InternetEndpoint):
        return public_intervals(family)
    if isinstance(endpoint, AddressEndpoint):
        return iv.of_cidrs(endpoint.cidrs, family)
    raise NotSupported(f"endpoint {endpoint}")


def _check_supported(network: Network) -> None:
    for resource in network.resources.values():
        if resource.symbolic:
            raise NotSupported(f"{resource.name} has no concrete address")
    for group in network.groups.values():
        if group.opaque:
            raise NotSupported(f"{group.key} is opaque")
    for rule in network.all_rules():
        if rule.service_unknown or not isinstance(rule.peer, (CidrPeer, GroupPeer, PrefixListPeer)):
            raise NotSupported(f"{rule.label} has an unknown part")
