"""The edits the `diff` workloads compare an estate with, deterministic.

- `ports_moved`: 1% of the rules' ports moved (every hundredth rule becomes a
  high tcp port): a broad change touching thousands of sides;
- `world_open`: three rules open to the whole internet removed and two added,
  on other groups: few rules, but each one admits every address;
- `narrow`: five rules added, each from one subnet on one port: the size of
  an everyday review.
"""

from __future__ import annotations

import copy
import json

WORLD = ("0.0.0.0/0", "::/0")


def ports_moved(document: dict) -> dict:
    changed = copy.deepcopy(document)
    seen = 0
    for group in changed["security_groups"].values():
        for direction in ("ingress", "egress"):
            for rule in group.get(direction, []):
                seen += 1
                if seen % 100 == 0:
                    rule["protocol"], rule["ports"] = "tcp", 40000 + seen % 20000
                    rule.pop("icmp_type", None)
    return changed


def world_open(document: dict) -> dict:
    """The first three ingress rules from anywhere removed (groups in key order); tcp/8443
    and tcp/2222 from anywhere added to groups a third and two thirds along among those
    carried by resources that nothing else opens to the world on every service."""
    changed = copy.deepcopy(document)
    groups = changed["security_groups"]
    carried = _open_to_new_ports(changed)
    removed = 0
    for key in sorted(groups):
        rules = groups[key].get("ingress", [])
        for rule in list(rules):
            if removed < 3 and rule.get("source") in WORLD:
                rules.remove(rule)
                removed += 1
    keys = sorted(carried & set(groups)) or sorted(groups)  # a small estate may have none
    for key, port in ((keys[len(keys) // 3], 8443), (keys[2 * len(keys) // 3], 2222)):
        groups[key].setdefault("ingress", []).append({"protocol": "tcp", "ports": port, "source": "0.0.0.0/0"})
    return changed


def _open_to_new_ports(document: dict) -> set[str]:
    """Groups carried by resources, none of whose groups admits everything from anywhere
    (there a new world-open port would add nothing)."""
    groups = document["security_groups"]

    def wide(key: str) -> bool:
        return any(rule.get("protocol") == "all" and rule.get("source") in WORLD
                   for rule in groups.get(key, {}).get("ingress", []))

    out: set[str] = set()
    for resource in document["resources"].values():
        carried = resource.get("security_groups", [])
        if not any(wide(key) for key in carried):
            out.update(carried)
    return out


def narrow(document: dict) -> dict:
    """Five ingress rules added, each from one /24 of the estate's first VPC on one port,
    to five groups spread over the estate."""
    changed = copy.deepcopy(document)
    groups = changed["security_groups"]
    keys = sorted(groups)
    step = max(1, len(keys) // 5)
    for number in range(5):
        rule = {"protocol": "tcp", "ports": 9100 + number, "source": f"10.0.{200 + number}.0/24"}
        groups[keys[number * step]].setdefault("ingress", []).append(rule)
    return changed


CHANGES = {"1%": ports_moved, "world-open": world_open, "narrow": narrow}


def write_changed(document: dict, change: str, path: str) -> None:
    with open(path, "w", encoding="utf-8") as out:
        json.dump(CHANGES[change](document), out, separators=(",", ":"))
