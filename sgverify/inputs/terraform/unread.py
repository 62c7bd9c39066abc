"""Modules whose source is not available locally (registry, git) before `terraform init`.

Their outputs are unknown. Because such a module may add rules to any group it
is given (as the terraform-aws-modules security-group module does with
`security_group_id`), every group passed to it gets an ingress and an egress
rule that may admit anything, so no proof depends on what the module holds.
"""

from __future__ import annotations

from typing import Any

from .common import GROUP_TYPES, Ref, TfResource, Unknown

RULE_TYPES = ("aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule")


def unread_module(env, block, prefix: str, inputs: dict[str, Any]) -> str:
    source = block.attributes.get("source")
    name = block.labels[0]
    reason = (f"comes from module {name}, whose source is not available locally "
              "(run `terraform init`, or give a plan JSON)")
    groups = sorted({r.address for r in _refs(inputs) if _is_group(r.address)})
    env.warn(block.origin(), f"module {name}: source is not a local folder and was not fetched "
                             "by `terraform init`; its resources are not read" +
                             (f"; groups passed to it ({', '.join(groups)}) may get any rules "
                              "from it" if groups else ""))
    for n, group in enumerate(groups):
        for rtype in RULE_TYPES:
            values = {"security_group_id": Ref(group), "ip_protocol": Unknown(reason),
                      "referenced_security_group_id": Unknown(reason)}
            env.extra_resources.append(
                TfResource(f"{prefix}{rtype}.unread[{n}]", rtype, values, block.origin()))
    del source
    return reason


def _refs(value: Any):
    if isinstance(value, Ref):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _refs(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _refs(item)


def _is_group(address: str) -> bool:
    parts = address.split(".")
    while len(parts) > 2 and parts[0] == "module":
        parts = parts[2:]
    return bool(parts) and parts[0] in GROUP_TYPES
