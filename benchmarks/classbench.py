"""ClassBench filter sets -> security groups in the native format.

A filter line reads `@src/len dst/len sport : sport dport : dport proto/mask flags/mask`.
Each distinct destination becomes a resource (at the first address of the
block) guarded by its own groups; each filter becomes an ingress rule of those
groups: source -> CIDR, destination port range -> ports (0 : 65535 = all),
protocol mask 0 -> all protocols. Source ports and TCP flags have no
security-group equivalent and are dropped. Rules are cut into groups of 60, as
AWS allows per direction. Every group sends anything anywhere, so the
ingress side decides.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

from .generate import Estate

# The filter sets are not part of the project: by default they are looked for
# next to the repository (override with --classbench or SGVERIFY_CLASSBENCH).
DEFAULT_FOLDER = str(Path(__file__).resolve().parents[1].parent / "shared" / "data" / "classbench")
RULES_PER_GROUP = 60
_PORTED = {6: "tcp", 17: "udp"}


def parse_filter(line: str) -> tuple[str, str, tuple[int, int], int | None]:
    """One filter line -> (source CIDR, destination CIDR, destination ports, protocol or None = all)."""
    fields = line.lstrip("@").split()
    source, destination = fields[0], fields[1]
    dport = (int(fields[5]), int(fields[7]))
    value, mask = (int(x, 16) for x in fields[8].split("/"))
    return source, destination, dport, (value if mask else None)


def convert_lines(lines, document: dict | None = None) -> dict:
    document = document or {"security_groups": {}, "resources": {}}
    by_resource: dict[str, list[dict]] = {}
    owner: dict[str, str] = {}
    for line in lines:
        if not line.strip().startswith("@"):
            continue
        source, destination, (lo, hi), protocol = parse_filter(line)
        block = ipaddress.ip_network(destination, strict=False)
        address = str(block.network_address + (1 if block.num_addresses > 2 else 0))
        name = owner.setdefault(address, f"host-{address.replace('.', '-')}")
        by_resource.setdefault(name, []).append(_rule(source, lo, hi, protocol))
        document["resources"].setdefault(name, {"ips": [address], "security_groups": []})
    for name, rules in by_resource.items():
        entry = document["resources"][name]
        for start in range(0, len(rules), RULES_PER_GROUP):
            key = f"sg-{name}-{len(entry['security_groups'])}"
            document["security_groups"][key] = {
                "ingress": rules[start:start + RULES_PER_GROUP],
                "egress": [{"protocol": "all", "destination": "0.0.0.0/0"}],
            }
            entry["security_groups"].append(key)
    return document


def _rule(source: str, lo: int, hi: int, protocol: int | None) -> dict:
    source = str(ipaddress.ip_network(source, strict=False))
    if protocol is None:
        return {"protocol": "all", "source": source}
    if protocol in _PORTED:
        rule = {"protocol": _PORTED[protocol], "source": source}
        if (lo, hi) != (0, 65535):
            rule["ports"] = str(lo) if lo == hi else f"{lo}-{hi}"
        return rule
    return {"protocol": protocol, "source": source}


def convert_files(paths) -> Estate:
    document = None
    for path in paths:
        with open(path, encoding="utf-8") as text:
            document = convert_lines(text, document)
    document = document or {"security_groups": {}, "resources": {}}
    rules = sum(len(g["ingress"]) + len(g["egress"]) for g in document["security_groups"].values())
    return Estate(document, rules, 0)


def convert_folder(folder: str) -> Estate:
    if not os.path.isdir(folder):
        raise SystemExit(f"no ClassBench folder at {folder}: pass --classbench or set SGVERIFY_CLASSBENCH")
    names = sorted(n for n in os.listdir(folder) if not n.lower().endswith((".md", ".txt")))
    return convert_files([os.path.join(folder, n) for n in names])
