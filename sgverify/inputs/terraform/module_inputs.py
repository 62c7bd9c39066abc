"""A module call's inputs, evaluated when the module reads them.

Terraform orders a configuration by its single values, not by modules: module
`vpc` may take `module.tgw.id` while `tgw` takes `module.vpc.id`, as long as no
value depends on itself. Evaluating every input when a module is loaded would
load the other module, which loads the first again; evaluating each input only
when it is read follows the values, and a value that does depend on itself is
Unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Iterator

from .common import Unknown

_PENDING = object()


class LazyInputs(Mapping):
    def __init__(self, evaluator: Any, expressions: dict[str, Any], where: str):
        self.evaluator, self.expressions, self.where = evaluator, expressions, where
        self.values: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if self.values.get(name) is _PENDING:
            return Unknown(f"is input {name} of {self.where}, defined in terms of itself")
        if name not in self.values:
            expression = self.expressions[name]  # KeyError: not an input
            self.values[name] = _PENDING
            self.values[name] = self.evaluator.eval(expression)
        return self.values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.expressions)

    def __len__(self) -> int:
        return len(self.expressions)
