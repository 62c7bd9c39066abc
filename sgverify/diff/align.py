"""Match the resources of two networks by name, then by alias.

Different input formats name the same resource differently (a native key, a
Terraform address, a CloudFormation logical id), but they usually share a
Name tag, kept as an alias. A new resource whose name or alias designates
exactly one old resource (not already matched by its own name) takes the old
resource's name, so the two are compared as one endpoint.
"""

from __future__ import annotations

from dataclasses import replace

from ..model import Network, Resource


def _names(resource: Resource) -> set[str]:
    return {resource.name, *resource.aliases}


def align(old: Network, new: Network) -> Network:
    """`new` with resources renamed to their old counterparts' names where unambiguous."""
    taken = {name for name in new.resources if name in old.resources}
    renamed: dict[str, str] = {}
    for name, resource in new.resources.items():
        if name in old.resources:
            continue
        matches = [o.name for o in old.resources.values()
                   if o.name not in taken and _names(o) & _names(resource)]
        if len(matches) == 1 and matches[0] not in renamed.values():
            renamed[name] = matches[0]
    if not renamed:
        return new
    resources = {}
    for name, resource in new.resources.items():
        target = renamed.get(name, name)
        if target != name:
            resource = replace(resource, name=target, aliases=tuple(dict.fromkeys((*resource.aliases, name))))
        resources[target] = resource
    return replace(new, resources=resources)
