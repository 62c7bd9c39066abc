"""Edits of the path layer a fix may make: NACL entries narrowed, removed or preceded by
deny entries, and routes removed or added. What each costs is the model of docs/fix.md.

An edit names what it changes (`target`: an entry of a NACL, a route of a table) so the
search offers at most one edit per target, and a counterexample that runs through a
target asks for one of its edits. Entries keep the rule number of what they replace
(or one free number beside it), so the NACL's order is the order it had.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..model import Network
from ..model.topology import ACL_NUMBER_MAX, ACL_NUMBER_MIN, AclEntry, Route

# The cost model (docs/fix.md). A NACL entry holds one block and one port range, so
# each entry a narrowing writes costs as a narrowed rule's block does; a deny entry
# for the forbidden peers costs as an added entry does, but one that must name the
# whole address family (`internet`, `any`) stops the service for every peer of the
# subnet, and costs more than removing the one route that carries the packets
# there. Removing an entry takes away everything else it admitted, as removing a
# rule does.
COST_NARROW_ENTRY = 2  # per entry written
COST_DENY_ENTRY = 3  # per entry added
COST_DENY_EVERY_PEER = 5  # per entry added that names 0.0.0.0/0 or ::/0
COST_REMOVE_ENTRY = 7
COST_REMOVE_ROUTE = 4
COST_ADD_ROUTE = 3
MAX_ENTRIES = 8


@dataclass(frozen=True)
class EntryTarget:
    """One written entry of one NACL."""

    nacl: str
    entry: AclEntry

    @property
    def origin(self):
        return self.entry.origin

    @property
    def label(self) -> str:
        return f"{self.nacl} {self.entry.label}"


@dataclass(frozen=True)
class RouteTarget:
    """One written route of one route table."""

    table: str
    route: Route

    @property
    def origin(self):
        return self.route.origin


@dataclass(frozen=True)
class EntryEdit:
    """Replace `target`'s entry by `entries` (empty: remove it). The target's own entry
    among them, unchanged, means it stays and the others are added beside it."""

    target: EntryTarget
    entries: tuple[AclEntry, ...]
    cost: int
    why: str

    @property
    def kind(self) -> str:
        if not self.entries:
            return "remove"
        return "add" if self.target.entry in self.entries else "narrow"

    @property
    def added(self) -> tuple[AclEntry, ...]:
        return tuple(e for e in self.entries if e != self.target.entry)


@dataclass(frozen=True)
class RouteEdit:
    """Remove `target` (a route of `table`), or add `route` to `table` (target None)."""

    table: str
    target: RouteTarget | None
    route: Route | None
    cost: int
    why: str

    @property
    def kind(self) -> str:
        return "add" if self.target is None else "remove"


def is_path_edit(edit) -> bool:
    return isinstance(edit, (EntryEdit, RouteEdit))


def apply_path(network: Network, edits) -> Network:
    """The network with every entry and route edit made (other edits are left alone)."""
    topology = network.topology
    if topology is None:
        return network
    nacls, tables = dict(topology.nacls), dict(topology.route_tables)
    for edit in edits:
        if isinstance(edit, EntryEdit):
            acl = nacls[edit.target.nacl]
            egress = edit.target.entry.egress
            entries = [e for e in acl.entries(egress) if e != edit.target.entry] + list(edit.entries)
            field = "outbound" if egress else "inbound"
            nacls[acl.key] = replace(acl, **{field: tuple(sorted(entries, key=lambda e: e.number))})
        elif isinstance(edit, RouteEdit):
            table = tables[edit.table]
            routes = [r for r in table.routes if edit.target is None or r != edit.target.route]
            tables[edit.table] = replace(table, routes=tuple(routes) + ((edit.route,) if edit.route else ()))
    return replace(network, topology=replace(topology, nacls=nacls, route_tables=tables))


def numbers_valid(network: Network) -> bool:
    """Every NACL's rule numbers within 1-32766 and used once per direction (AWS refuses
    anything else; two edits must not pick the same free number)."""
    if network.topology is None:
        return True
    for acl in network.topology.nacls.values():
        for entries in (acl.inbound, acl.outbound):
            numbers = [e.number for e in entries]
            if len(set(numbers)) != len(numbers) or any(not ACL_NUMBER_MIN <= n <= ACL_NUMBER_MAX for n in numbers):
                return False
    return True


def numbers_beside(entries, number: int, count: int, before: bool) -> list[int] | None:
    """`count` unused rule numbers right before `number` (above the entry that precedes it)
    or right after it (below the entry that follows), so that the new entries are
    evaluated where the entry is; None when the gap is too small."""
    used = sorted(e.number for e in entries if e.number != number)
    if before:
        floor = max((n for n in used if n < number), default=ACL_NUMBER_MIN - 1)
        numbers = list(range(number - 1, floor, -1))[:count]
        return sorted(numbers) if len(numbers) == count else None
    ceiling = min((n for n in used if n > number), default=ACL_NUMBER_MAX + 1)
    numbers = list(range(number + 1, ceiling))[:count]
    return numbers if len(numbers) == count else None
