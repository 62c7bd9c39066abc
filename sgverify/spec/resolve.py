"""Resolve the names of a `SpecDocument` against a `Network` -> `Spec`.

A name may be a resource key or alias, a security-group key or name, an
external, a prefix-list key, a CIDR or a bare address, `any` or `internet`.
A name that means two different things is an error rather than a guess: a
proof about the wrong endpoint would be a proof of nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from ..errors import Diagnostic
from ..inputs.fields import Report, warn_cidr
from ..inputs.suggest import did_you_mean
from ..model import Cidr, Network, parse_address
from .model import (
    AddressEndpoint,
    AnyEndpoint,
    Assertion,
    Endpoint,
    GroupEndpoint,
    InternetEndpoint,
    Kind,
    ResourceEndpoint,
    Spec,
)
from .parse import NameRef, RawAssertion, SpecDocument

SPECIAL = {"any": AnyEndpoint(), "internet": InternetEndpoint()}


@dataclass(frozen=True)
class _Meaning:
    kind: str  # "resource", "security group", ...
    endpoint: Endpoint
    where: str  # " (line N)" or ""


def resolve_spec(doc: SpecDocument, network: Network) -> tuple[Spec, list[Diagnostic]]:
    """Endpoints for every name; raises InputError listing every unresolvable name.

    Returns the spec and its warnings (e.g. an assertion that holds vacuously).
    """
    report = Report(doc.path)
    resolver = _Resolver(network, report)
    assertions = tuple(_assertion(raw, resolver, report) for raw in doc.assertions)
    report.raise_if_errors()
    spec = Spec(path=doc.path, assertions=assertions, network=doc.network, origin=doc.origin)
    return spec, list(report.sorted_warnings())


def _assertion(raw: RawAssertion, resolver: "_Resolver", report: Report) -> Assertion:
    sources = resolver.endpoints(raw.sources)
    destinations = resolver.endpoints(raw.destinations)
    line = raw.origin.line or 1
    if sources is not None and destinations is not None:
        _warn_vacuous(raw, resolver, sources, destinations, report, line)
    return Assertion(name=raw.name, kind=raw.kind, sources=sources or (), destinations=destinations or (),
                     traffic=raw.traffic, origin=raw.origin, layers=raw.layers, client_ports=raw.client_ports)


def _warn_vacuous(raw: RawAssertion, resolver: "_Resolver", sources: tuple[Endpoint, ...],
                  destinations: tuple[Endpoint, ...], report: Report, line: int) -> None:
    if all(resolver.is_empty(e) for e in destinations):
        report.warn(line, f"assertion {raw.name!r}: `to` names no address (e.g. a group with no "
                          f"members), so it holds vacuously")
    elif all(resolver.is_empty(e) for e in sources):
        if raw.kind is Kind.ONLY:
            report.warn(line, f"assertion {raw.name!r}: `from` names no address, so it claims that "
                              f"nothing at all reaches `to`")
        else:
            report.warn(line, f"assertion {raw.name!r}: `from` names no address (e.g. a group with no "
                              f"members), so it holds vacuously")


class _Resolver:
    def __init__(self, network: Network, report: Report):
        self.network = network
        self.report = report

    # Indexes built on first use, so a spec of hundreds of names does not
    # scan the network once per name.
    @cached_property
    def _resources_by_alias(self) -> dict[str, list]:
        out: dict[str, list] = {}
        for resource in self.network.resources.values():
            for alias in resource.aliases:
                out.setdefault(alias, []).append(resource)
        return out

    @cached_property
    def _groups_by_name(self) -> dict[str, list]:
        out: dict[str, list] = {}
        for group in self.network.groups.values():
            out.setdefault(group.name, []).append(group)
        return out

    @cached_property
    def _carried_groups(self) -> set[str]:
        return {group for resource in self.network.resources.values() for group in resource.groups}

    def endpoints(self, refs: tuple[NameRef, ...]) -> tuple[Endpoint, ...] | None:
        found = [self.endpoint(ref) for ref in refs]
        if any(e is None for e in found):
            return None
        return tuple(dict.fromkeys(found))

    def endpoint(self, ref: NameRef) -> Endpoint | None:
        meanings = self._meanings(ref)
        if meanings is None:
            return None
        if len(meanings) > 1:
            listed = " and ".join(f"{m.kind} {ref.name!r}{m.where}" for m in meanings)
            self.report.error(ref.line, f"{ref.name!r} is ambiguous: it names both {listed}; rename one")
            return None
        if meanings:
            return meanings[0].endpoint
        if "/" in ref.name:
            return self._cidr(ref)
        try:
            family, value = parse_address(ref.name)
            return AddressEndpoint(ref.name, (Cidr.host(family, value),))
        except ValueError:
            pass
        self.report.error(ref.line, f"unknown name {ref.name!r}: not a resource, group, external, prefix "
                                    f"list, CIDR, any or internet{did_you_mean(ref.name, self._known())}")
        return None

    def _meanings(self, ref: NameRef) -> list[_Meaning] | None:
        name, net = ref.name, self.network
        out: list[_Meaning] = []
        resource = self._resource(ref)
        if resource is None:
            return None
        out.extend(resource)
        group = self._group(ref)
        if group is None:
            return None
        out.extend(group)
        if name in net.externals:
            ext = net.externals[name]
            out.append(_Meaning("external", AddressEndpoint(name, ext.cidrs), _line(ext.origin)))
        if name in net.prefix_lists:
            plist = net.prefix_lists[name]
            out.append(_Meaning("prefix list", AddressEndpoint(name, plist.cidrs), _line(plist.origin)))
        if name in SPECIAL:
            out.append(_Meaning("the keyword", SPECIAL[name], ""))
        return out

    def _group(self, ref: NameRef) -> list[_Meaning] | None:
        """[] (none), [the group with this key or name] or None after reporting a shared name."""
        groups = self.network.groups
        found = [groups[ref.name]] if ref.name in groups else list(self._groups_by_name.get(ref.name, ()))
        if len(found) > 1:
            keys = ", ".join(f"{g.key!r}{_line(g.origin)}" for g in found)
            self.report.error(ref.line, f"{ref.name!r} is the name of several security groups: {keys}; "
                                        f"name one by its key")
            return None
        return [_Meaning("security group", GroupEndpoint(g.key), _line(g.origin)) for g in found]

    def _resource(self, ref: NameRef) -> list[_Meaning] | None:
        """[] (none), [one] or None after reporting an alias shared by several resources."""
        resources = self.network.resources
        if ref.name in resources:
            found = [resources[ref.name]]
        else:
            found = list(self._resources_by_alias.get(ref.name, ()))
        if len(found) > 1:
            names = ", ".join(f"{r.name!r}{_line(r.origin)}" for r in found)
            self.report.error(ref.line, f"{ref.name!r} is an alias of several resources: {names}; "
                                        f"name one of them")
            return None
        return [_Meaning("resource", ResourceEndpoint(r.name), _line(r.origin)) for r in found]

    def _cidr(self, ref: NameRef) -> AddressEndpoint | None:
        try:
            cidr = Cidr.parse(ref.name)
        except ValueError as exc:
            self.report.error(ref.line, str(exc))
            return None
        warn_cidr(cidr, ref.name, self.report, ref.line)
        return AddressEndpoint(ref.name, (cidr,))

    def _known(self) -> list[str]:
        net = self.network
        names = [*net.resources, *net.groups, *net.externals, *net.prefix_lists, *SPECIAL]
        names += [g.name for g in net.groups.values() if g.name]
        names += [a for r in net.resources.values() for a in r.aliases]
        return names

    def is_empty(self, endpoint: Endpoint) -> bool:
        if isinstance(endpoint, GroupEndpoint):
            group = self.network.groups[endpoint.group]
            return not group.opaque and endpoint.group not in self._carried_groups
        if isinstance(endpoint, AddressEndpoint):
            return not endpoint.cidrs
        return False


def _line(origin) -> str:
    return f" (line {origin.line})" if origin.line is not None else ""

