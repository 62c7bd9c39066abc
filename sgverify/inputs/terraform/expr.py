"""Evaluation of HCL expressions (python-hcl2's parse tree) as far as they are literal.

Whatever depends on something that cannot be known here (a variable without a
value, a data source, an attribute computed at apply, an unsupported function)
evaluates to `Unknown`, and so does every expression that uses it: values are
never guessed. A reference to another resource's computed attribute (its id)
evaluates to `Ref`, which the mapping resolves to a group, subnet or prefix list;
so does a reference to its name, which identifies it whether or not the name is
known (where it is, text and arithmetic use it as a string).

A string that is exactly one interpolation, `"${aws_security_group.web.id}"`
(Terraform 0.11 style), is the value of that expression, a reference included; a
template with text around its interpolations is a string, known only when every
part is.
"""

from __future__ import annotations

import re
import textwrap
from typing import Any, Callable

from lark import Token, Tree

from .common import Ref, Rejected, Unknown, first_rejected, known
from .ops import binary as _binary

SKIP = ("new_line_or_comment",)


class Namespace:
    """A lazily evaluated name space (var, local, a resource type, a module...)."""

    def get(self, name: str) -> Any:
        return Unknown(f"has no attribute {name}")

    def index(self, key: Any) -> Any:
        return Unknown(f"cannot be indexed by {key!r}")


def kids(tree: Tree) -> list:
    return [c for c in tree.children if isinstance(c, Tree) and c.data not in SKIP]


def tokens(tree: Tree) -> list[Token]:
    return [c for c in tree.children if isinstance(c, Token)]


def first_unknown(values) -> Unknown | None:
    for value in values:
        value = known(value)
        if isinstance(value, Unknown):
            return value
        if isinstance(value, Ref):
            return Unknown(f"uses {value.address}.{value.attribute}, known only after apply")
        if isinstance(value, Namespace):
            return Unknown("uses a whole object that cannot be written as a value")
    return None


def unescape(text: str) -> str:
    out, i = [], 0
    table = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in table:
            out.append(table[text[i + 1]])
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out).replace("$${", "${").replace("%%{", "%{")


class Evaluator:
    def __init__(self, scope: dict[str, Any], fallback: Callable[[str], Any],
                 rejected: list[tuple[str, str]] | None = None, guarded: bool = False):
        self.scope = scope
        self.fallback = fallback  # root names not in scope (resource types, var...)
        # (file:line, message) of each call Terraform refuses; None: not recorded
        self.rejected = rejected
        self.guarded = guarded  # inside try() or can(), which catch those errors

    def child(self, bindings: dict[str, Any], guarded: bool = False) -> "Evaluator":
        return Evaluator({**self.scope, **bindings}, self.fallback, self.rejected,
                         self.guarded or guarded)

    def root(self, name: str) -> Any:
        if name in self.scope:
            return self.scope[name]
        return self.fallback(name)

    # ------------------------------------------------------------ dispatch
    def eval(self, node: Any) -> Any:
        if isinstance(node, Token):
            return str(node)
        method = getattr(self, f"_e_{node.data}", None)
        if method is None:
            return Unknown(f"uses an unsupported expression ({node.data})")
        return method(node)

    def _e_expr_term(self, node: Tree) -> Any:
        return self.eval(kids(node)[0])

    def _e_int_lit(self, node: Tree) -> Any:
        return int(str(tokens(node)[0]))

    def _e_float_lit(self, node: Tree) -> Any:
        value = float(str(tokens(node)[0]))
        return int(value) if value.is_integer() else value

    def _e_literal_value(self, node: Tree) -> Any:
        return {"true": True, "false": False, "null": None}[str(tokens(node)[0])]

    def _e_identifier(self, node: Tree) -> Any:
        return self.root(str(tokens(node)[0]))

    def _e_keyword(self, node: Tree) -> Any:
        return self.root(str(tokens(node)[0]))

    def _e_string(self, node: Tree) -> Any:
        parts: list[Any] = []
        interpolations = 0
        for part in kids(node):
            inner = part.children[0]
            if isinstance(inner, Token):
                parts.append(unescape(str(inner)) if inner.type == "STRING_CHARS" else str(inner)[1:])
            elif inner.data == "interpolation":
                parts.append(self.eval(kids(inner)[0]))
                interpolations += 1
            else:
                return Unknown("uses a template directive (%{...})")
        if interpolations == 1 and len(parts) == 1:
            return parts[0]  # "${x}" is x: its type, and a reference stays that reference
        parts = [known(p) for p in parts]
        bad = first_unknown(parts)
        if bad is not None:
            return bad
        if any(isinstance(p, (list, dict)) for p in parts):
            return Unknown("puts a list or an object into a string", error=True)
        return "".join(_to_string(p) for p in parts)

    def _e_heredoc_template(self, node: Tree) -> Any:
        lines = str(tokens(node)[0]).split("\n")
        text = "\n".join(lines[1:-2]) + "\n"
        if re.search(r"(?<![$%])[$%]\{", text.replace("$${", "").replace("%%{", "")):
            # its parts arrive as one token here: never taken as literal text
            return Unknown("is a heredoc template with interpolations, not evaluated here")
        if node.data == "heredoc_template_trim":
            text = textwrap.dedent(text)
        return text.replace("$${", "${").replace("%%{", "%{")

    _e_heredoc_template_trim = _e_heredoc_template

    def _e_tuple(self, node: Tree) -> Any:
        return [self.eval(k) for k in kids(node)]

    def _e_object(self, node: Tree) -> Any:
        out: dict[Any, Any] = {}
        for elem in kids(node):
            key_node, value_node = kids(elem)
            key_expr = kids(key_node)[0] if kids(key_node) else key_node.children[0]
            key = _bare_key(key_expr)
            if key is None:
                key = known(self.eval(key_expr))
            if isinstance(key, (Unknown, Ref)):
                return Unknown("has an object key that is not known")
            out[key] = self.eval(value_node)
        return out

    def _e_conditional(self, node: Tree) -> Any:
        cond, yes, no = kids(node)
        test = known(self.eval(cond))
        if not isinstance(test, bool):
            return first_unknown([test]) or Unknown("has a condition that is not a boolean")
        return self.eval(yes if test else no)

    def _e_unary_op(self, node: Tree) -> Any:
        op = str(tokens(node)[0])
        value = known(self.eval(kids(node)[0]))
        bad = first_unknown([value])
        if bad is not None:
            return bad
        if op == "-" and isinstance(value, (int, float)) and not isinstance(value, bool):
            return -value
        if op == "!" and isinstance(value, bool):
            return not value
        return Unknown(f"applies {op} to {show(value)}")

    def _e_binary_op(self, node: Tree) -> Any:
        left_node, term = kids(node)
        op_node, right_node = kids(term)
        op = str(tokens(op_node)[0])
        left = known(self.eval(left_node))
        if op == "&&" and left is False or op == "||" and left is True:
            return left
        right = known(self.eval(right_node))
        bad = first_unknown([left, right])
        if bad is not None:
            return bad
        try:
            return _binary(op, left, right)
        except (TypeError, ValueError, ZeroDivisionError):
            return Unknown(f"computes {show(left)} {op} {show(right)}, which is not valid")

    def _e_function_call(self, node: Tree) -> Any:
        parts = kids(node)
        name = str(tokens(parts[0])[0])
        args_node = next((p for p in parts if p.data == "arguments"), None)
        arg_nodes = kids(args_node) if args_node is not None else []
        expand = args_node is not None and any(
            isinstance(t, Token) and t.type == "ELLIPSIS" for t in args_node.children)
        from .funcs import call_function

        ev = self.child({}, guarded=True) if name in ("try", "can") else self
        if name == "try":
            return _try(ev, arg_nodes)
        args = [ev.eval(a) for a in arg_nodes]
        if expand and args and isinstance(args[-1], list):
            args = args[:-1] + list(args[-1])
        result = call_function(name, args)
        if (isinstance(result, Rejected) and self.rejected is not None and not self.guarded
                and first_rejected(args) is not result):  # not one an argument passed on
            where = f"{getattr(node.meta, 'file', '')}:{node.meta.line}"
            self.rejected.append((where, result.reason))
        return result

    # ------------------------------------------------------------ traversals
    def _e_get_attr_expr_term(self, node: Tree) -> Any:
        base, attr = kids(node)
        return get_attr(self.eval(base), _attr_name(attr))

    def _e_index_expr_term(self, node: Tree) -> Any:
        base, index = kids(node)
        return get_index(self.eval(base), self._index_key(index))

    def _index_key(self, index: Tree) -> Any:
        if index.data == "short_index":
            return int(str(tokens(index)[-1]))
        return known(self.eval(kids(index)[0]))

    def _e_attr_splat_expr_term(self, node: Tree) -> Any:
        return self._splat(node)

    _e_full_splat_expr_term = _e_attr_splat_expr_term

    def _splat(self, node: Tree) -> Any:
        base_node, splat = kids(node)
        base = self.eval(base_node)
        if isinstance(base, Unknown):
            return base
        items = base if isinstance(base, list) else ([] if base is None else [base])
        out = []
        for item in items:
            for step in kids(splat):
                if step.data == "get_attr":
                    item = get_attr(item, _attr_name(step))
                else:
                    item = get_index(item, self._index_key(step))
            out.append(item)
        return out

    def _e_for_tuple_expr(self, node: Tree) -> Any:
        return self._for(node, object_form=False)

    def _e_for_object_expr(self, node: Tree) -> Any:
        return self._for(node, object_form=True)

    def _for(self, node: Tree, object_form: bool) -> Any:
        parts = kids(node)
        intro, body = parts[0], parts[1:]
        names = [str(tokens(n)[0]) for n in kids(intro) if n.data == "identifier"]
        collection = self.eval(kids(intro)[-1])
        cond = body[-1] if body and body[-1].data == "for_cond" else None
        grouped = any(isinstance(t, Token) and t.type == "ELLIPSIS" for t in node.children)
        bad = first_unknown([collection])
        if bad is not None:
            return bad
        pairs = (list(collection.items()) if isinstance(collection, dict)
                 else list(enumerate(collection)) if isinstance(collection, list) else None)
        if pairs is None:
            return Unknown(f"iterates over {collection!r}, which is not a collection")
        out_list: list[Any] = []
        out_map: dict[Any, Any] = {}
        for key, value in pairs:
            bound = {names[0]: value} if len(names) == 1 else {names[0]: key, names[1]: value}
            ev = self.child(bound)
            if cond is not None:
                test = known(ev.eval(kids(cond)[0]))
                if not isinstance(test, bool):
                    return first_unknown([test]) or Unknown("has a for condition that is not boolean")
                if not test:
                    continue
            if not object_form:
                out_list.append(ev.eval(body[0]))
                continue
            k = known(ev.eval(body[0]))
            if isinstance(k, (Unknown, Ref)):
                return Unknown("has a for-expression key that is not known")
            v = ev.eval(body[1])
            if grouped:
                out_map.setdefault(k, []).append(v)
            else:
                out_map[k] = v
        return out_map if object_form else out_list


def _try(ev: Evaluator, arg_nodes: list) -> Any:
    """try(): the first argument that is not an error; an unknown one stays unknown."""
    for arg in arg_nodes:
        value = ev.eval(arg)
        if not (isinstance(value, Unknown) and value.error):
            return value
    return Unknown("try(): no argument could be evaluated", error=True)


def _bare_key(node: Any) -> str | None:
    """An object key written as a bare name (`a = 1`) is the string "a"."""
    if isinstance(node, Tree) and node.data == "expr_term" and len(kids(node)) == 1:
        node = kids(node)[0]
    if isinstance(node, Tree) and node.data in ("identifier", "keyword"):
        return str(tokens(node)[0])
    return None


def _attr_name(attr: Tree) -> str:
    inner = kids(attr)[0] if kids(attr) else attr
    return str(tokens(inner)[0])


def get_attr(value: Any, name: str) -> Any:
    if isinstance(value, Namespace):
        return value.get(name)
    if isinstance(value, dict):
        return value.get(name, Unknown(f"has no attribute {name}", error=True))
    if isinstance(value, Unknown):
        return value
    if isinstance(value, Ref):
        return Ref(value.address, name)
    return Unknown(f"reads .{name} of {value!r}", error=True)


def get_index(value: Any, key: Any) -> Any:
    if isinstance(key, (Unknown, Ref)):
        return first_unknown([key])
    if isinstance(value, Namespace):
        return value.index(key)
    if isinstance(value, Unknown):
        return value
    try:
        if isinstance(value, list) and isinstance(key, (int, float)):
            return value[int(key)]
        if isinstance(value, dict):
            return value[key if key in value else str(key)]
    except (IndexError, KeyError):
        pass
    return Unknown(f"has no element {key!r}", error=True)


def show(value: Any) -> str:
    """A value as HCL writes it, for messages: true, null, "text", [1, 2]."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(map(show, value)) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {show(v)}" for k, v in value.items()) + "}"
    return str(value)


def _to_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)
