"""CloudFormation templates (YAML with short-form tags, or JSON) as line-aware values.

CloudFormation YAML writes intrinsic functions as tags (`!Ref Web`,
`!GetAtt Web.GroupId`, `!Sub ...`). They are rewritten here into the long form
a JSON template uses (`{"Ref": "Web"}`, `{"Fn::GetAtt": ["Web", "GroupId"]}`)
before the generic builder of `yamlnodes` turns the document into `YMap` /
`YList` values, so one resolver handles both syntaxes and every value keeps
its line.
"""

from __future__ import annotations

import yaml

from ...errors import Diagnostic, InputError, Severity
from .. import yamlnodes
from ..yamlnodes import YMap

_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"

# short-form tag -> long-form key
TAGS = {
    "!Ref": "Ref",
    "!Condition": "Condition",
    **{f"!{name}": f"Fn::{name}" for name in (
        "And", "Base64", "Cidr", "Equals", "FindInMap", "GetAZs", "GetAtt", "If", "ImportValue",
        "Join", "Length", "Not", "Or", "Select", "Split", "Sub", "ToJsonString", "Transform",
    )},
}


def load_template(text: str, path: str) -> YMap:
    """Parse a CloudFormation template (YAML or JSON) into a YMap; InputError on bad syntax."""
    if text.removeprefix("\ufeff").lstrip(" \t\r\n").startswith("{"):
        return yamlnodes.load_yaml(text, path)  # JSON: long-form intrinsics only
    root = yamlnodes._compose(text, path)
    errors: list[Diagnostic] = []
    root = _rewrite(root, path, errors, set())
    if errors:
        raise InputError(errors)
    yamlnodes._check_size(root, path)
    builder = yamlnodes._Builder(path)
    value = builder.build(root)
    if builder.errors:
        raise InputError(builder.errors)
    if not isinstance(value, YMap):
        raise InputError(Diagnostic(Severity.ERROR, f"{path}:1", "a template must be a mapping at the top level"))
    return value


def _rewrite(node: yaml.Node, path: str, errors: list[Diagnostic], seen: set[int]) -> yaml.Node:
    """Replace every short-form tagged node by its long-form mapping, in place where possible."""
    if id(node) in seen:  # an alias: already rewritten
        return node
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        node.value = [(_rewrite(k, path, errors, seen), _rewrite(v, path, errors, seen)) for k, v in node.value]
    elif isinstance(node, yaml.SequenceNode):
        node.value = [_rewrite(v, path, errors, seen) for v in node.value]
    if not node.tag.startswith("!"):
        return node
    if node.tag not in TAGS:
        errors.append(Diagnostic(Severity.ERROR, f"{path}:{node.start_mark.line + 1}",
                                 f"unknown CloudFormation tag {node.tag} (expected one of "
                                 f"{', '.join(sorted(TAGS))})"))
        return node
    return _long_form(node)


def _long_form(node: yaml.Node) -> yaml.Node:
    key = TAGS[node.tag]
    inner: yaml.Node
    if isinstance(node, yaml.ScalarNode):
        if key == "Fn::GetAtt" and "." in node.value:
            resource, attribute = node.value.split(".", 1)
            inner = yaml.SequenceNode(_SEQ, [_text(resource, node), _text(attribute, node)],
                                      node.start_mark, node.end_mark)
        else:
            inner = _text(node.value, node)
    elif isinstance(node, yaml.SequenceNode):
        inner = yaml.SequenceNode(_SEQ, node.value, node.start_mark, node.end_mark)
    else:
        inner = yaml.MappingNode(_MAP, node.value, node.start_mark, node.end_mark)
    return yaml.MappingNode(_MAP, [(_text(key, node), inner)], node.start_mark, node.end_mark)


def _text(value: str, where: yaml.Node) -> yaml.ScalarNode:
    return yaml.ScalarNode(_STR, value, where.start_mark, where.end_mark)
