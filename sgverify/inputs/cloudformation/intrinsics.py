"""CloudFormation intrinsic functions, parameters and conditions, resolved where literal.

A value that cannot be known from the template alone (an import, a pseudo
parameter, a parameter without default, an attribute AWS assigns) becomes
`Unknown(reason)`: it is never guessed. A reference to a resource of the
template becomes `ResRef` so the reader can tell "this group" from "some
unknown id".
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from ..yamlnodes import YList, YMap, line_of
from .functions import ListFunctions, as_text
from .values import NO_VALUE, CfnError, ResRef, Unknown

LIST_TYPES = ("List<", "CommaDelimitedList")
FUNCTIONS = ("Ref", "Condition", "Fn::And", "Fn::Base64", "Fn::Cidr", "Fn::Equals", "Fn::FindInMap",
             "Fn::GetAZs", "Fn::GetAtt", "Fn::If", "Fn::ImportValue", "Fn::Join", "Fn::Length",
             "Fn::Not", "Fn::Or", "Fn::Select", "Fn::Split", "Fn::Sub", "Fn::ToJsonString",
             "Fn::Transform")
# attributes whose value is a literal property of the same resource
LITERAL_ATTRIBUTES = {
    ("AWS::EC2::Subnet", "CidrBlock"): "CidrBlock",
    ("AWS::EC2::VPC", "CidrBlock"): "CidrBlock",
    ("AWS::EC2::Instance", "PrivateIp"): "PrivateIpAddress",
    ("AWS::EC2::NetworkInterface", "PrimaryPrivateIpAddress"): "PrivateIpAddress",
}
# attributes that name the resource itself (its id), like Ref does
ID_ATTRIBUTES = ("", "GroupId", "Id", "PrefixListId", "LaunchTemplateId", "SubnetId", "NetworkInterfaceId")
_SUB_VAR = re.compile(r"\$\{([^}]*)\}")


def intrinsic(value: Any) -> tuple[str, Any] | None:
    """(function, argument) if value is a one-key mapping naming an intrinsic function."""
    if isinstance(value, dict) and len(value) == 1:
        (key, arg), = value.items()
        if key in FUNCTIONS:
            return key, arg
    return None


class Resolver(ListFunctions):
    """Evaluates values of one template, given its parameters, mappings and conditions."""

    def __init__(self, template: YMap, overrides: Mapping[str, str]):
        self.template = template
        self.resources: YMap = _section(template, "Resources")
        self.mappings: YMap = _section(template, "Mappings")
        self.condition_defs: YMap = _section(template, "Conditions")
        self.parameters = self._parameters(_section(template, "Parameters"), overrides)
        self._conditions: dict[str, Any] = {}
        self.excluded: dict[str, str] = {}  # logical id -> why it is not created

    # -- parameters ---------------------------------------------------------

    def _parameters(self, declared: YMap, overrides: Mapping[str, str]) -> dict[str, Any]:
        for name in overrides:
            if name not in declared:
                known = ", ".join(declared) or "none"
                raise CfnError(declared.line if declared else 1,
                               f"--parameter {name}: the template declares no such parameter (declared: {known})")
        out: dict[str, Any] = {}
        for name, body in declared.items():
            body = body if isinstance(body, dict) else {}
            kind = str(body.get("Type", "String"))
            if name in overrides:
                raw: Any = overrides[name]
            elif kind.startswith("AWS::SSM::Parameter::Value"):
                out[name] = Unknown(f"parameter {name} is read from SSM at deploy time")
                continue
            elif "Default" in body:
                raw = body["Default"]
            else:
                out[name] = Unknown(f"parameter {name} has no default (pass --parameter {name}=VALUE)")
                continue
            if kind.startswith(LIST_TYPES):
                raw = [item.strip() for item in str(raw).split(",")] if not isinstance(raw, list) else list(raw)
            elif not isinstance(raw, str):
                raw = str(raw)
            _check_allowed(name, body, raw, declared.key_line(name))
            out[name] = raw
        return out

    # -- conditions ---------------------------------------------------------

    def condition(self, name: Any, line: int, stack: tuple[str, ...] = ()) -> Any:
        """True, False or Unknown for a named condition."""
        if not isinstance(name, str) or name not in self.condition_defs:
            raise CfnError(line, f"unknown condition {name!r}")
        if name in stack:
            raise CfnError(line, f"condition {name} refers to itself")
        if name not in self._conditions:
            body = self.condition_defs[name]
            self._conditions[name] = self._truth(body, line_of(body, line), stack + (name,))
        return self._conditions[name]

    def _truth(self, value: Any, line: int, stack: tuple[str, ...]) -> Any:
        found = intrinsic(value)
        if found is None:
            if isinstance(value, bool):
                return value
            raise CfnError(line, f"a condition must be a condition function, not {value!r}")
        name, arg = found
        line = line_of(value, line)
        if name == "Condition":
            return self.condition(arg, line, stack)
        if name == "Fn::Equals":
            return self._equals(arg, line)
        if name in ("Fn::And", "Fn::Or", "Fn::Not"):
            return self._logic(name, arg, line, stack)
        raise CfnError(line, f"{name} is not a condition function")

    def _equals(self, arg: Any, line: int) -> Any:
        if not isinstance(arg, list) or len(arg) != 2:
            raise CfnError(line, "Fn::Equals takes a list of two values")
        left, right = (self.resolve(v, line) for v in arg)
        for side in (left, right):
            if isinstance(side, Unknown):
                return side
            if isinstance(side, (ResRef, dict, list)):
                return Unknown("Fn::Equals compares a value AWS assigns")
        return str(left) == str(right)

    def _logic(self, name: str, arg: Any, line: int, stack: tuple[str, ...]) -> Any:
        if not isinstance(arg, list) or not arg:
            raise CfnError(line, f"{name} takes a list of conditions")
        values = [self._truth(v, line_of(v, line), stack) for v in arg]
        if name == "Fn::Not":
            return values[0] if isinstance(values[0], Unknown) else not values[0]
        decisive = name == "Fn::Or"  # Or: one True decides; And: one False decides
        if decisive in values:
            return decisive
        unknown = [v for v in values if isinstance(v, Unknown)]
        return unknown[0] if unknown else not decisive

    # -- values -------------------------------------------------------------

    def resolve(self, value: Any, line: int = 1) -> Any:
        """A value with every intrinsic evaluated; NO_VALUE entries are dropped."""
        line = line_of(value, line)
        found = intrinsic(value)
        if found is not None:
            out = self._call(found[0], found[1], line)
            if isinstance(out, Unknown) and not out.written:
                return Unknown(out.reason, written(value))
            return out
        if isinstance(value, dict):
            out = YMap(line)
            for key, item in value.items():
                key_line, value_line = _lines(value, key, line)
                resolved = self.resolve(item, value_line)
                if resolved is not NO_VALUE:
                    out[key] = resolved
                    out._key_lines[key] = key_line
                    out._value_lines[key] = value_line
            return out
        if isinstance(value, list):
            out_list = YList(line)
            for index, item in enumerate(value):
                item_line = value.item_line(index) if isinstance(value, YList) else line
                resolved = self.resolve(item, item_line)
                if resolved is not NO_VALUE:
                    out_list.append(resolved)
                    out_list._item_lines.append(item_line)
            return out_list
        return value

    def _call(self, name: str, arg: Any, line: int) -> Any:
        handler = {
            "Ref": self._ref, "Fn::GetAtt": self._get_att, "Fn::Sub": self._sub,
            "Fn::Join": self._join, "Fn::Select": self._select, "Fn::Split": self._split,
            "Fn::If": self._if, "Fn::FindInMap": self._find_in_map, "Fn::Base64": self.resolve,
            "Fn::Cidr": self._cidr,
        }.get(name)
        if handler is None:
            return Unknown(f"{name} is not known before deployment")
        return handler(arg, line)

    def _ref(self, name: Any, line: int) -> Any:
        if not isinstance(name, str):
            raise CfnError(line, f"Ref takes a name, not {name!r}")
        if name == "AWS::NoValue":
            return NO_VALUE
        if name.startswith("AWS::"):
            return Unknown(f"pseudo parameter {name}")
        if name in self.parameters:
            return self.parameters[name]
        return self._resource_ref(name, "", line)

    def _resource_ref(self, name: str, attribute: str, line: int) -> Any:
        if name not in self.resources:
            raise CfnError(line, f"reference to {name!r}, which is neither a parameter nor a resource")
        if name in self.excluded:
            return Unknown(f"resource {name} is not created ({self.excluded[name]})")
        body = self.resources[name]
        kind = str(body.get("Type", "")) if isinstance(body, dict) else ""
        literal = LITERAL_ATTRIBUTES.get((kind, attribute))
        if literal is not None:
            props = body.get("Properties") if isinstance(body.get("Properties"), YMap) else YMap(line)
            value = self.resolve(props.get(literal), line) if literal in props else None
            if isinstance(value, str):
                return value
            return Unknown(f"{name}.{attribute} is assigned by AWS")
        if attribute not in ID_ATTRIBUTES:
            return Unknown(f"{name}.{attribute} is assigned by AWS")
        return ResRef(name, kind, attribute)

    def _get_att(self, arg: Any, line: int) -> Any:
        if isinstance(arg, str) and "." in arg:
            arg = arg.split(".", 1)
        if not isinstance(arg, list) or len(arg) != 2:
            raise CfnError(line, "Fn::GetAtt takes [resource, attribute]")
        name, attribute = arg[0], self.resolve(arg[1], line)
        if not isinstance(attribute, str):
            return Unknown("Fn::GetAtt with a computed attribute name")
        return self._resource_ref(str(name), attribute, line)

    def _sub(self, arg: Any, line: int) -> Any:
        variables: Mapping[str, Any] = {}
        if isinstance(arg, list):
            if len(arg) != 2 or not isinstance(arg[1], dict):
                raise CfnError(line, "Fn::Sub takes a string or [string, {variables}]")
            arg, variables = arg[0], arg[1]
        if not isinstance(arg, str):
            raise CfnError(line, "Fn::Sub takes a string")
        whole = _SUB_VAR.fullmatch(arg)
        if whole and not whole.group(1).startswith("!") and whole.group(1) not in variables:
            # "${Web}" is just !Ref Web: keep a reference to a group as a reference
            var = whole.group(1)
            return self._get_att(var.split(".", 1), line) if "." in var else self._ref(var, line)
        parts: list[str] = []
        cursor = 0
        for match in _SUB_VAR.finditer(arg):
            parts.append(arg[cursor:match.start()])
            cursor = match.end()
            var = match.group(1)
            if var.startswith("!"):
                parts.append("${" + var[1:] + "}")
                continue
            if var in variables:
                value = self.resolve(variables[var], line)
            elif "." in var:
                value = self._get_att(var.split(".", 1), line)
            else:
                value = self._ref(var, line)
            text = as_text(value)
            if isinstance(text, Unknown):
                return text
            parts.append(text)
        parts.append(arg[cursor:])
        return "".join(parts)

    def _if(self, arg: Any, line: int) -> Any:
        if not isinstance(arg, list) or len(arg) != 3:
            raise CfnError(line, "Fn::If takes [condition, value if true, value if false]")
        truth = self.condition(arg[0], line)
        if isinstance(truth, Unknown):
            return Unknown(f"condition {arg[0]} cannot be evaluated ({truth.reason})")
        return self.resolve(arg[1] if truth else arg[2], line)

    def _find_in_map(self, arg: Any, line: int) -> Any:
        if not isinstance(arg, list) or len(arg) != 3:
            raise CfnError(line, "Fn::FindInMap takes [map, top key, second key]")
        keys = [self.resolve(v, line) for v in arg]
        for key in keys:
            if isinstance(key, Unknown):
                return key
        table = self.mappings.get(str(keys[0]))
        if not isinstance(table, dict) or not isinstance(table.get(str(keys[1])), dict) \
                or str(keys[2]) not in table[str(keys[1])]:
            raise CfnError(line, f"Fn::FindInMap: no entry {keys[0]}/{keys[1]}/{keys[2]} in Mappings")
        return self.resolve(table[str(keys[1])][str(keys[2])], line)



def written(value: Any, limit: int = 80) -> str:
    """A value as the template wrote it, intrinsics in short form: `!ImportValue shared-vpc`."""
    text = _written(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _written(value: Any) -> str:
    found = intrinsic(value)
    if found is not None:
        name, arg = found
        if name == "Fn::GetAtt" and isinstance(arg, list) and len(arg) == 2 and all(isinstance(a, str) for a in arg):
            return f"!GetAtt {arg[0]}.{arg[1]}"
        return f"!{name.removeprefix('Fn::')} {_written(arg)}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_written(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_written(v) for v in value) + "]"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _check_allowed(name: str, body: Any, value: Any, line: int) -> None:
    """CloudFormation refuses a parameter value outside AllowedValues: so do we."""
    allowed = body.get("AllowedValues")
    if not isinstance(allowed, list):
        return
    texts = [str(v) for v in allowed]
    for item in value if isinstance(value, list) else [value]:
        if str(item) not in texts:
            raise CfnError(line, f"parameter {name}: {item!r} is not one of its AllowedValues ({', '.join(texts)})")


def _lines(mapping: dict, key: str, line: int) -> tuple[int, int]:
    if isinstance(mapping, YMap):
        return mapping.key_line(key), mapping.value_line(key)
    return line, line


def _section(template: YMap, name: str) -> YMap:
    value = template.get(name)
    return value if isinstance(value, YMap) else YMap(template.key_line(name) if name in template else 1)
