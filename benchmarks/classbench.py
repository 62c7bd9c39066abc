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


class FilterError(ValueError):
    """Bad ClassBench input: one message per problem, each naming file:line."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


FORMAT = "@src/len dst/len sport : sport dport : dport proto/mask flags/mask"


def parse_filter(line: str) -> tuple[str, str, tuple[int, int], int | None]:
    """One filter line -> (source CIDR, destination CIDR, destination ports, protocol or None = all).

    Raises ValueError, saying what is wrong, for a line not in the ClassBench format.
    """
    fields = line.strip().lstrip("@").split()
    if len(fields) < 9 or fields[3] != ":" or fields[6] != ":":
        raise ValueError(f"not a filter line: expected {FORMAT!r}")
    source, destination = (_block(text) for text in fields[:2])
    dport = (_port(fields[5]), _port(fields[7]))
    if dport[0] > dport[1]:
        raise ValueError(f"destination ports {dport[0]} : {dport[1]} run backwards")
    try:
        value, mask = (int(x, 16) for x in fields[8].split("/"))
    except ValueError:
        raise ValueError(f"protocol {fields[8]!r} is not value/mask in hex (like 0x06/0xFF)") from None
    if not 0 <= value <= 255:
        raise ValueError(f"protocol {value} is outside 0-255")
    return source, destination, dport, (value if mask else None)


def _block(text: str) -> str:
    try:
        return str(ipaddress.IPv4Network(text, strict=False))
    except ValueError:
        raise ValueError(f"{text!r} is not an IPv4 address block") from None


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise ValueError(f"port {text!r} is not a number 0-65535")
    return int(text)


def convert_lines(lines, document: dict | None = None, name: str = "<filters>") -> dict:
    """Filter lines (from the file `name`) added to `document`; FilterError lists every bad line."""
    document = document or {"security_groups": {}, "resources": {}}
    by_resource: dict[str, list[dict]] = {}
    owner: dict[str, str] = {}
    problems = []
    for number, line in enumerate(lines, 1):
        if not line.strip().startswith("@"):
            continue
        try:
            source, destination, (lo, hi), protocol = parse_filter(line)
        except ValueError as error:
            problems.append(f"{name}:{number}: error: {error}")
            continue
        block = ipaddress.ip_network(destination)
        address = str(block.network_address + (1 if block.num_addresses > 2 else 0))
        resource = owner.setdefault(address, f"host-{address.replace('.', '-')}")
        by_resource.setdefault(resource, []).append(_rule(source, lo, hi, protocol))
        document["resources"].setdefault(resource, {"ips": [address], "security_groups": []})
    if problems:
        raise FilterError(problems)
    for resource, rules in by_resource.items():
        entry = document["resources"][resource]
        for start in range(0, len(rules), RULES_PER_GROUP):
            key = f"sg-{resource}-{len(entry['security_groups'])}"
            document["security_groups"][key] = {
                "ingress": rules[start:start + RULES_PER_GROUP],
                "egress": [{"protocol": "all", "destination": "0.0.0.0/0"}],
            }
            entry["security_groups"].append(key)
    return document


def _rule(source: str, lo: int, hi: int, protocol: int | None) -> dict:
    if protocol is None:
        return {"protocol": "all", "source": source}
    if protocol in _PORTED:
        rule = {"protocol": _PORTED[protocol], "source": source}
        if (lo, hi) != (0, 65535):
            rule["ports"] = str(lo) if lo == hi else f"{lo}-{hi}"
        return rule
    return {"protocol": protocol, "source": source}


def convert_files(paths) -> Estate:
    """Every file's filters in one estate; FilterError lists every bad line of every file."""
    document = None
    problems = []
    for path in paths:
        try:
            with open(path, encoding="utf-8") as text:
                document = convert_lines(text, document, path)
        except FilterError as error:
            problems += error.problems
        except (OSError, UnicodeDecodeError) as error:
            problems.append(f"{path}: error: cannot read it: {getattr(error, 'strerror', None) or error}")
    if problems:
        raise FilterError(problems)
    document = document or {"security_groups": {}, "resources": {}}
    rules = sum(len(g["ingress"]) + len(g["egress"]) for g in document["security_groups"].values())
    return Estate(document, rules, 0)


def convert_folder(folder: str) -> Estate:
    if not os.path.isdir(folder):
        raise FilterError([f"{folder}: error: no ClassBench folder there: pass --classbench or set "
                           f"SGVERIFY_CLASSBENCH"])
    names = sorted(n for n in os.listdir(folder) if not n.lower().endswith((".md", ".txt")))
    return convert_files([os.path.join(folder, n) for n in names])
