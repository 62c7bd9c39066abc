"""The values a template resolves to besides plain YAML: what cannot be known,
a reference to a template resource, AWS::NoValue, and a template error."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Unknown:
    reason: str
    # the value as the template wrote it (`!ImportValue shared-vpc`), to name what is absent
    written: str = field(default="", compare=False)


@dataclass(frozen=True)
class ResRef:
    """`!Ref X` / `!GetAtt X.Attr` of a template resource whose value AWS assigns."""

    logical: str
    type: str
    attribute: str = ""


class _NoValue:
    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE = _NoValue()


class CfnError(Exception):
    """A template error at a line (the template would not deploy)."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message
