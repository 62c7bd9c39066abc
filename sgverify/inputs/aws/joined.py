"""Several AWS snapshots (or folders of describe output) read as one network.

A run over many networks joins the files that a peering or a transit gateway
connects (run/components.py). `links_of` says, cheaply, which VPCs, peerings
and transit gateways a file names; `load_joined` reads the files together.

Reading them together is reading their describe lists side by side, as a
folder of describe output is read (reader.py), with three differences that
come from each file being another account's (or Region's) view:
- an object two accounts both see (a cross-account peering, a transit
  gateway shared through RAM and its attachments, a shared VPC or subnet)
  is described in both files. Tags are each account's own, and one view
  may leave out fields the other shows (the attaching account does not see
  the owner's route table association). Two descriptions that agree on every
  field both show, Tags aside, are one object with the fields of both (the
  first file's Tags name it); any other difference is an error at both places,
  as within one folder;
- each VPC keeps the Region of the snapshot it was read from, and its
  account (its OwnerId);
- every element keeps its own file, so file:path in a counterexample names
  the snapshot it came from;
- files must agree on two things the reader decides for a whole input:
  whether there is a VPC layer, and whether network interfaces were
  described (without them every group is opaque). A file lacking what
  another shows is not read with it, so it never borrows the other's
  knowledge (see `_same_shape`).
Resource ids (VPCs, subnets, groups, interfaces) are unique across accounts
and Regions in practice, so ids are not renamed; the model scopes addresses
per VPC, so two accounts that reuse 10.0.0.0/16 stay apart unless a route
joins them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterable, Sequence

from ...errors import InputError, Severity
from .. import Loaded
from ..topology_checks import check_topology
from .documents import IGNORED, KINDS, VPC_LAYER, Described, add_document, decode
from .reader import _network, documents_of
from .rules import Problems

# A JSON string that is a VPC, peering or transit gateway id (not tgw-attach-..., tgw-rtb-...).
_LINK_ID = re.compile(rb'"((?:vpc|pcx|tgw)-[0-9A-Za-z]+)"')
_FIRST_KEY = re.compile(rb'^(?:\xef\xbb\xbf)?\s*\{\s*"(\w+)"\s*:')
_HEADER = re.compile(rb'^\s*\{\s*"SgverifySnapshot"\s*:\s*')
_MERGED_WITHOUT = ("Tags",)  # fields each account keeps for itself


@dataclass(frozen=True)
class Links:
    """What one network file names that another file may hold."""

    path: str
    aws: bool = False  # False: not AWS describe output, never joined
    ids: frozenset[str] = frozenset()  # VPC, peering and transit gateway ids it names
    account: str = ""  # its snapshot header's, when it has one
    region: str = ""


def links_of(path: str) -> Links:
    """The ids a file (or a folder of describe output) names, found without parsing the JSON:
    a file that names a VPC, a peering or a transit gateway another file names is joined
    with it. Anything unreadable says nothing (the file is then read, and refused, alone)."""
    where = Path(path)
    if where.is_dir():
        if any(p.suffix == ".tf" for p in where.iterdir()):
            return Links(path)
        files = sorted(p for p in where.rglob("*.json") if p.is_file())
    else:
        files = [where]
    ids: set[str] = set()
    places: set[tuple[str, str]] = set()
    for file in files:
        try:
            with file.open("rb") as handle:
                head = handle.read(4096)
                if not _looks_like_aws(head):  # another format: the rest is not read
                    return Links(path)
                data = head + handle.read()
        except OSError:
            return Links(path)
        ids.update(m.decode() for m in _LINK_ID.findall(data))
        places.add(_header_place(data))
    account, region = places.pop() if len(places) == 1 else ("", "")
    return Links(path, True, frozenset(ids), account, region)


def _looks_like_aws(data: bytes) -> bool:
    """Describe output opens with one of its own keys (a snapshot with its header)."""
    found = _FIRST_KEY.match(data)
    return found is not None and (found.group(1).decode() in KINDS or found.group(1).decode() in IGNORED)


def _header_place(data: bytes) -> tuple[str, str]:
    found = _HEADER.match(data)
    if found is None:
        return "", ""
    try:
        header, _ = json.JSONDecoder().raw_decode(data[found.end():found.end() + 65536].decode("utf-8", "replace"))
    except json.JSONDecodeError:
        return "", ""
    if not isinstance(header, dict):
        return "", ""
    account, region = header.get("Account", ""), header.get("Region", "")
    return (account if isinstance(account, str) else "", region if isinstance(region, str) else "")


def load_joined(paths: Sequence[str]) -> Loaded:
    """The networks of `paths` (AWS snapshot files or folders of describe output) as one."""
    problems = Problems()
    decoded, regions = _read_all(paths, problems)
    _agree(decoded)
    described = Described()
    for file, data in decoded:
        add_document(described, data, file, problems)
    if problems.errors:
        raise InputError(problems.errors)
    network = _network(described, " + ".join(paths), problems)
    if network.topology is not None:  # each VPC in its own snapshot's Region ("" when that does not say)
        vpcs = {key: replace(vpc, region=regions.get(vpc.origin.file, ""))
                for key, vpc in network.topology.vpcs.items()}
        network = replace(network, topology=replace(network.topology, vpcs=vpcs))
    found = check_topology(network)
    errors = problems.errors + [d for d in found if d.severity is Severity.ERROR]
    if errors:
        raise InputError(errors)
    return Loaded(network, tuple(problems.warnings) + tuple(found))


def _read_all(paths: Sequence[str], problems: Problems) -> tuple[list[tuple[str, dict]], dict[str, str]]:
    """Every document of every path, and each file's Region (its network's snapshot header's)."""
    decoded: list[tuple[str, dict]] = []
    shapes: dict[str, tuple[bool, bool]] = {}
    regions: dict[str, str] = {}
    for path in paths:
        own = []
        for text, file in documents_of(path):
            data = decode(text, file, problems)
            if data is not None:
                own.append((file, data))
        decoded += own
        shapes[path] = _shape(own)
        headers = [data["SgverifySnapshot"] for _, data in own if isinstance(data.get("SgverifySnapshot"), dict)]
        region = next((h["Region"] for h in headers if isinstance(h.get("Region"), str)), "")
        regions.update((file, region) for file, _ in own)
    if problems.errors:
        raise InputError(problems.errors)
    _same_shape(shapes)
    return decoded, regions


def _shape(documents: list[tuple[str, dict]]) -> tuple[bool, bool]:
    """(has a VPC layer, shows the network interfaces) of one network's documents."""
    keys = {key for _, data in documents for key in data}
    versions = [data["SgverifySnapshot"].get("Version") for _, data in documents
                if isinstance(data.get("SgverifySnapshot"), dict)]
    layer = any(key in VPC_LAYER for key in keys) or any(isinstance(v, int) and v >= 2 for v in versions)
    return layer, "NetworkInterfaces" in keys


def _same_shape(shapes: dict[str, tuple[bool, bool]]) -> None:
    """The reader decides two things for a whole input: whether it has a VPC layer, and whether group
    members are known at all (without describe-network-interfaces every group is opaque). Files that
    differ there would lend each other what one of them does not show, so they are not read as one."""
    for index, what in ((0, "a VPC layer"), (1, "network interfaces (describe-network-interfaces)")):
        having = [path for path, shape in shapes.items() if shape[index]]
        lacking = [path for path, shape in shapes.items() if not shape[index]]
        if having and lacking:
            raise InputError(f"{lacking[0]} has no {what} and {having[0]} has: what one shows is not known "
                             f"for the other", lacking[0])


def _agree(decoded: Iterable[tuple[str, dict]]) -> None:
    """Make the two accounts' views of one object one description, where they agree (see above).

    Each list entry is replaced by the merged description in place, so every
    entry keeps its position (its file:path) and the readers see the same
    object described identically."""
    seen: dict[tuple[str, str], list[tuple[str, list, int]]] = {}
    for file, data in decoded:
        for key, value in data.items():
            ident = KINDS.get(key)
            if not ident or not isinstance(value, list):
                continue
            for i, entry in enumerate(value):
                if isinstance(entry, dict) and isinstance(entry.get(ident), str):
                    seen.setdefault((key, entry[ident]), []).append((file, value, i))
    for places in seen.values():
        files = [file for file, _, _ in places]
        if len(set(files)) < 2 or len(set(files)) < len(files):
            continue  # within one file the reader's own rule applies
        merged = _merged([lst[i] for _, lst, i in places])
        if merged is not None:
            for _, lst, i in places:
                lst[i] = merged


def _merged(views: list[dict]) -> dict | None:
    """One description with every view's fields; None when two views disagree on a field."""
    out: dict[str, Any] = {}
    for view in views:
        for field, value in view.items():
            if field in _MERGED_WITHOUT:
                out.setdefault(field, value)
            elif field in out and out[field] != value:
                return None
            else:
                out[field] = value
    return out
