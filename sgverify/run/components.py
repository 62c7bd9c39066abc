"""Which networks of a run over many are analysed together: the files a peering
or a transit gateway joins.

Two AWS files are joined when both name the same VPC, peering or transit
gateway id (inputs/aws/joined.py `links_of`): a cross-account peering is
described in the requester's and the accepter's snapshot, and names the other
side's VPC; a transit gateway shared through RAM is described by its owner
and named by every attachment in the other accounts; a VPC shared through RAM
is described in its owner's and its participants' snapshots. Joining is
transitive: the groups are the connected components of that relation, and
each is analysed as one network. A file that is not AWS describe output
(Terraform, CloudFormation, the native format) is never joined: their files
name elements by the keys each file gives them, which say nothing about
another file's.

Two files whose snapshot headers name the same account and Region are two
views of one network (two dates, say), not two networks: they are never
joined, and a note says so.

Components are ordered by their first file, and files keep the order they
were named in, so the plan is the same wherever the work runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from ..inputs.aws.joined import Links, links_of

JOINABLE_FORMATS = (None, "aws")


@dataclass(frozen=True)
class Plan:
    groups: tuple[tuple[str, ...], ...]  # each component's paths (one path: analysed alone)
    notes: tuple[str, ...] = ()  # links not followed, and why
    joinable: frozenset[str] = frozenset()  # the paths read as AWS describe output

    def order(self, paths: Sequence[str], found: Sequence[Sequence]) -> list:
        """Each group's results (one per path, in the group's order) back in the order of `paths`."""
        by_path = {path: result for members, results in zip(self.groups, found)
                   for path, result in zip(members, results)}
        return [by_path[path] for path in paths]


def plan(paths: Sequence[str], input_format: str | None = None) -> Plan:
    """Group `paths` into the components that are analysed together."""
    if input_format not in JOINABLE_FORMATS or len(paths) < 2:
        return Plan(tuple((p,) for p in paths))
    return group([links_of(p) for p in paths])


def group(links: Sequence[Links]) -> Plan:
    parent = list(range(len(links)))
    places = [{(x.account, x.region)} if x.account and x.region else set() for x in links]
    notes: list[str] = []

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    naming: dict[str, list[int]] = {}
    for i, found in enumerate(links):
        if found.aws:
            for ident in found.ids:
                naming.setdefault(ident, []).append(i)
    for ident in sorted(naming):
        first, *others = naming[ident]
        for other in others:
            a, b = root(first), root(other)
            if a == b:
                continue
            if places[a] & places[b]:
                account, region = sorted(places[a] & places[b])[0]
                notes.append(f"{links[first].path} and {links[other].path} are both account {account} "
                             f"{region}: two views of one network are not joined")
                continue
            low, high = min(a, b), max(a, b)
            parent[high] = low
            places[low] |= places[high]
    members: dict[int, list[str]] = {}
    for i, found in enumerate(links):
        members.setdefault(root(i), []).append(found.path)
    ordered = sorted(members.items())
    return Plan(tuple(tuple(paths) for _, paths in ordered), tuple(dict.fromkeys(notes)),
                frozenset(x.path for x in links if x.aws))
