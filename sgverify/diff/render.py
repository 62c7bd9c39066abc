"""A network diff as text or JSON (SARIF, JUnit and Markdown live with those formats)."""

from __future__ import annotations

import json
from collections import OrderedDict
from contextlib import closing
from dataclasses import dataclass
from itertools import islice
from json.encoder import encode_basestring_ascii
from typing import Iterator

from ..model import Network
from ..model.addresses import format_address
from ..report.indented import dumps_indented
from ..report.rules import rule_dict, rule_line
from ..regions import Certainty
from ..regions.render import block_texts
from .engine import Change, ChangeKind, NetworkDiff
from .explain import (change_fingerprint, describe_side, elsewhere, external_label, profile_lines, rules_of,
                      side_blocks, side_ranges)
from .gate import DiffGate
from .parallel import rows
from .profiles import Profiles
from .written import WrittenRows

INDENT = "    "
VIEW_NOTE = "by side: what each resource's rules admit with any address"
TITLE = {ChangeKind.ADDED: "added access (delivered in new, not in old)",
         ChangeKind.REMOVED: "removed access (delivered in old, not in new)"}


def family_name(change: Change) -> str:
    return "IPv4" if change.region.family.value == 4 else "IPv6"


def headline(change: Change, *networks: Network, profiles: Profiles | None = None,
             this: Network | None = None) -> str:
    """The row in one line; `networks` name externals, `this` (the network delivering the
    row) lets unmanaged sides be written without resources' holes."""
    r = change.region
    mark = "" if change.certain else "  (possible: depends on what is unknown)"
    src_ext, dst_ext = external_label(change, *networks)
    src = f"{r.source} ({src_ext})" if src_ext else str(r.source)
    dst = f"{r.destination} ({dst_ext})" if dst_ext else str(r.destination)
    return (f"{src} [{describe_side(change, True, profiles, this)}] -> "
            f"{dst} [{describe_side(change, False, profiles, this)}] "
            f"{r.service_text} {family_name(change)}{mark}")


def change_lines(change: Change, other: Network, profiles: Profiles | None = None,
                 network: Network | None = None) -> list[str]:
    """The row's lines; `other`: the network that does not deliver it, `network`: the one that does."""
    r = change.region
    this = "new" if change.kind is ChangeKind.ADDED else "old"
    lines = [headline(change, other, profiles=profiles, this=network)]
    lines += [f"{INDENT}{line}" for line in profile_lines(change, profiles)]
    packet = r.witness()
    if packet is not None:
        lines.append(f"{INDENT}witness: {packet}")
    rules = rules_of(r)
    if rules:
        lines.append(f"{INDENT}{this}: " + rule_line(rules[0]))
        lines += [f"{INDENT}{' ' * len(this)}  " + rule_line(rule) for rule in rules[1:]]
    unfiltered = _unfiltered(r)
    if unfiltered:
        lines.append(f"{INDENT}{this}: " + unfiltered)
    why = elsewhere(change, other)
    if why:
        lines.append(INDENT + why)
    lines += [f"{INDENT}depends on: {d}" for d in r.depends_on]
    lines.append(f"{INDENT}fingerprint: {change_fingerprint(change)}")
    return lines


def _unfiltered(region) -> str:
    """The ends that filter nothing (a side row's "any address" is no host: left out)."""
    parts = []
    if region.egress_unfiltered and not region.source.by_holder:
        parts.append(f"{region.source} filters nothing on the way out")
    if region.ingress_unfiltered and not region.destination.by_holder:
        parts.append(f"{region.destination} filters nothing on the way in")
    return "; ".join(parts)


def render_text(diff: NetworkDiff, gate: DiffGate, old: Network, new: Network,
                profiles: Profiles | None = None, jobs: int = 1) -> str:
    return "".join(text_chunks(diff, gate, old, new, profiles, jobs))


def text_row(change: Change, other: Network, profiles: Profiles | None, this: Network) -> str:
    return "".join(f"{INDENT}{line}\n" for line in change_lines(change, other, profiles, this))


def text_chunks(diff: NetworkDiff, gate: DiffGate, old: Network, new: Network,
                profiles: Profiles | None = None, jobs: int = 1) -> Iterator[str]:
    """The text report a piece at a time (one per change), for writing as it is made;
    rows written in `jobs` processes (parallel.py)."""
    notes = [str(diff.traffic)] if diff.traffic else []
    notes += [VIEW_NOTE] if diff.by_side else []
    yield (f"diff {diff.old_source or 'old'} -> {diff.new_source or 'new'}"
           + (f" ({'; '.join(notes)})" if notes else "") + "\n")
    with closing(_rows(diff, "text", old, new, profiles, jobs)) as texts:
        for kind, changes, _, _ in diff.sections(old, new):
            yield f"{TITLE[kind]}: {_count(changes)}\n"
            yield from islice(texts, len(changes))
    yield gate.summary_line() + "\n"


def _count(changes) -> str:
    if not changes:
        return "none"
    possible = sum(1 for c in changes if not c.certain)
    return f"{len(changes)} region(s)" + (f", {possible} possible" if possible else "")


def change_dict(change: Change, other: Network, profiles: Profiles | None = None,
                network: Network | None = None) -> dict:
    """One row for JSON. An unmanaged side's blocks may hold resources' own addresses
    (with `network`, the one delivering the row): they are never unmanaged, and
    leaving them out would list every resource."""
    blocks = [side_blocks(change, sources, network) for sources in (True, False)]
    return _row_dict(change, other, profiles, network, blocks)


def _row_dict(change: Change, other: Network, profiles: Profiles | None, network: Network | None,
              blocks: list) -> dict:
    """change_dict with each side's (blocks, except blocks) given, source first."""
    r = change.region
    packet = r.witness()
    (source_blocks, source_except), (destination_blocks, destination_except) = blocks
    out = {
        "kind": change.kind.value,
        "certainty": r.certainty.value,
        "family": f"ipv{r.family.value}",
        "source": str(r.source),
        "destination": str(r.destination),
        "source_external": external_label(change, other)[0],
        "destination_external": external_label(change, other)[1],
        "sources": describe_side(change, True, profiles, network),
        "destinations": describe_side(change, False, profiles, network),
        "source_blocks": source_blocks,
        "source_except_blocks": source_except,
        "destination_blocks": destination_blocks,
        "destination_except_blocks": destination_except,
        "services": r.service_text,
        "service_intervals": [[lo, hi] for lo, hi in r.services],
        "witness": None if packet is None else {
            "packet": str(packet), "src_ip": format_address(packet.family, packet.src),
            "dst_ip": format_address(packet.family, packet.dst), "protocol": packet.protocol,
            "port": packet.port, "icmp_type": packet.icmp_type, "icmp_code": packet.icmp_code},
        "rules": [rule_dict(rule) for rule in rules_of(r)],
        "other_rules": [rule_dict(rule) for rule in rules_of(change.other)],
        "other": elsewhere(change, other) or None,
        "depends_on": list(r.depends_on),
        "fingerprint": change_fingerprint(change),
    }
    if profiles is not None:
        _add_holders(out, r, packet, profiles)
    return out


def _add_holders(out: dict, region, packet, profiles: Profiles) -> None:
    """--by-profile: who the witness's endpoints are (a resource's own name, or the member
    of a profile holding that address; the report's `profiles` lists every member)."""
    if out["witness"] is not None:
        for side, principal, address in (("src", region.source, packet.src), ("dst", region.destination, packet.dst)):
            out["witness"][f"{side}_resource"] = profiles.resource_at(principal, region.family, address)


def render_json(diff: NetworkDiff, gate: DiffGate, old: Network, new: Network,
                profiles: Profiles | None = None, jobs: int = 1) -> str:
    return "".join(json_chunks(diff, gate, old, new, profiles, jobs))


def json_chunks(diff: NetworkDiff, gate: DiffGate, old: Network, new: Network,
                profiles: Profiles | None = None, jobs: int = 1) -> Iterator[str]:
    """The same text as json.dumps of the whole report with indent=2, a change at a time:
    a large diff has hundreds of thousands of changes; holding all their dicts at once
    took several times the memory of the text, and the text itself is hundreds of MB."""
    head = json.dumps({
        "old": diff.old_source,
        "new": diff.new_source,
        "traffic": str(diff.traffic) if diff.traffic else None,
        "fail_on": gate.fail_on.value,
        "view": "sides" if diff.by_side else "pairs",
        **({"profiles": {name: list(members) for name, members in profiles.members.items()}} if profiles else {}),
        "added": _SLOT,
        "removed": _SLOT,
        "summary": {
            "added": len(diff.added),
            "added_possible": sum(1 for c in diff.added if c.region.certainty is Certainty.POSSIBLE),
            "removed": len(diff.removed),
            "removed_possible": sum(1 for c in diff.removed if c.region.certainty is Certainty.POSSIBLE),
            "failing": gate.failing,
            "passed": gate.failing == 0,
        },
    }, indent=2)
    before, between, after = head.split(json.dumps(_SLOT))
    with closing(_rows(diff, "json", old, new, profiles, jobs)) as texts:
        yield before
        yield from _list_chunks(texts, len(diff.added))
        yield between
        yield from _list_chunks(texts, len(diff.removed))
    yield after + "\n"


_SLOT = "\0change list\0"  # dumped as "\u0000change list\u0000", which no real value dumps as


def _list_chunks(texts: Iterator[str], count: int) -> Iterator[str]:
    """A list of `count` rows from `texts` as json.dumps writes it two levels deep (indent 2)."""
    if not count:
        yield "[]"
        return
    yield "[\n"
    for number, text in enumerate(islice(texts, count)):
        yield (",\n" + text) if number else text
    yield "\n  ]"


def json_row(change: Change, other: Network, profiles: Profiles | None, network: Network) -> str:
    """The row as json.dumps(indent=2) writes it inside the report. Its four lists of blocks
    are written apart and remembered (block_lists): the rows of a large side diff list the
    same far end of thousands of ranges again and again (at 300k rules, four fifths of the
    report's text), and writing them is most of a row's cost."""
    family = change.region.family
    lists = [ranges for sources in (True, False) for ranges in side_ranges(change, sources, network)]
    holders = [_PLACES[0:2], _PLACES[2:4]]
    text = dumps_indented(_row_dict(change, other, profiles, network, holders), 2)
    for place, ranges in zip(_ENCODED_PLACES, lists):
        text = text.replace(place, _BLOCK_LISTS.text(ranges, family), 1)
    return "    " + text


# Stand-ins for the lists, dumped as "\u0000blocks N\u0000", which no real value dumps as.
_PLACES = [f"\0blocks {number}\0" for number in range(4)]
_ENCODED_PLACES = [encode_basestring_ascii(place) for place in _PLACES]


class BlockLists:
    """A list of address ranges as the JSON list of its blocks, three levels deep (a row's
    field), remembered by the ranges, up to `total` characters of text in all (then the
    oldest are forgotten). Short lists are written anew: remembering them costs as much."""

    SHORT = 64  # ranges

    def __init__(self, total: int):
        self.total, self.held = total, 0
        self.texts: OrderedDict = OrderedDict()

    def text(self, ranges, family) -> str:
        if len(ranges) < self.SHORT:
            return dumps_indented(block_texts(ranges, family), 3)
        key = (family, tuple(ranges))
        try:
            found = self.texts.get(key)
        except TypeError:  # ranges that are not tuples: not remembered
            return dumps_indented(block_texts(ranges, family), 3)
        if found is not None:
            self.texts.move_to_end(key)
            return found
        found = self.texts[key] = dumps_indented(block_texts(ranges, family), 3)
        self.held += len(found)
        while self.held > self.total and len(self.texts) > 1:
            _, dropped = self.texts.popitem(last=False)
            self.held -= len(dropped)
        return found


_BLOCK_LISTS = BlockLists(64 << 20)


ROW_FORMATS = {"text": text_row, "json": json_row}


@dataclass(frozen=True)
class RowWriter:
    """Writes one format's rows where the changes are found (diff_networks' `writers`)."""

    format: str  # a key of ROW_FORMATS
    profiles: Profiles | None = None

    def row(self, change: Change, other: Network, this: Network) -> str:
        return ROW_FORMATS[self.format](change, other, self.profiles, this)


def _rows(diff: NetworkDiff, fmt: str, old: Network, new: Network, profiles: Profiles | None,
          jobs: int) -> Iterator[str]:
    """The rows of every section (added, then removed), in order: those the workers wrote as
    they compared the pairs when they were written with these networks and profiles, else
    written now."""
    written = diff.written.get(fmt)
    if isinstance(written, WrittenRows) and written.fits(old, new, profiles):
        return written.texts()
    sections = [(changes, (other, profiles, this)) for _, changes, other, this in diff.sections(old, new)]
    return rows(ROW_FORMATS[fmt], sections, jobs)
