"""The Terraform built-in functions security-group configurations commonly use.

An unknown argument makes the result unknown; a function not listed here
evaluates to Unknown (never to a guess).
"""

from __future__ import annotations

import ipaddress
from typing import Any, Callable

from .common import AssignedBlock, JoinedRefs, Ref, Rejected, Unknown, known


class TerraformRejects(ValueError):
    """Arguments Terraform refuses too; other failures only mean the reader cannot tell."""


def call_function(name: str, args: list[Any]) -> Any:
    if name == "join" and (joined := _join_refs(args)) is not None:
        return joined
    if (name == "split" and len(args) == 2 and isinstance(args[1], JoinedRefs)
            and args[0] == args[1].separator):
        return list(args[1].items)
    if name == "length" and len(args) == 1 and isinstance(args[0], (list, dict)):
        # A collection's length is known when its values are not: a list of
        # rule maps with a group id read at apply still has one entry each.
        return len(args[0])
    if name == "cidrsubnet" and len(args) == 3 and isinstance(args[0], AssignedBlock):
        return _cut_assigned(args[0], known(args[1]), known(args[2]))
    if name in ("coalesce", "coalescelist", "can", "lookup"):
        handler = _LAZY.get(name)
        return handler(args) if handler else Unknown(f"calls {name}()")
    if name not in STRUCTURAL:
        args = [_plain(a) for a in args]  # a reference to a written name is that text here
    bad = _deep_unknown(args, refs_ok=name in STRUCTURAL)
    if bad is not None:
        return bad
    func = _FUNCS.get(name)
    if func is None:
        return Unknown(f"calls {name}(), which is not evaluated here")
    try:
        return func(*args)
    except TerraformRejects as exc:
        return Rejected(f"{name}() rejects its arguments: {exc}")
    except (TypeError, ValueError, IndexError, KeyError, AttributeError, ZeroDivisionError,
            OverflowError) as exc:
        return Unknown(f"calls {name}() on arguments it rejects ({exc})", error=True)


# Functions that only move values around: a reference to another resource's id
# may pass through them and still be resolved later.
STRUCTURAL = frozenset((
    "concat", "flatten", "distinct", "compact", "element", "length", "tolist", "toset",
    "tomap", "merge", "keys", "values", "zipmap", "one", "slice", "reverse",
    "setproduct", "chunklist",
))


def _cut_assigned(block: AssignedBlock, newbits: Any, netnum: Any) -> Any:
    """A block cut from one AWS assigns: the same cut, known once that block is."""
    bad = _deep_unknown([newbits, netnum])
    if bad is not None:
        return bad
    try:
        step = (int(str(newbits)), int(str(netnum)))
    except ValueError:
        return Unknown("calls cidrsubnet() with a size or number that is not a whole number", error=True)
    return AssignedBlock(f"is cut from the IPv6 block AWS assigns to {block.vpc}, known only after "
                         "apply", vpc=block.vpc, steps=block.steps + (step,))


def _join_refs(args: list[Any]) -> JoinedRefs | None:
    """join() over references (and text without the separator): split() undoes it."""
    if len(args) < 2 or not isinstance(args[0], str) or not args[0]:
        return None
    if not all(isinstance(a, list) for a in args[1:]):
        return None
    items = [i for a in args[1:] for i in a]
    refs = [i for i in items if isinstance(i, Ref)]
    if not refs or not all(isinstance(i, Ref) or isinstance(i, str) and args[0] not in i
                           for i in items):
        return None
    first = refs[0]
    more = " and other references" if len(refs) > 1 else ""
    return JoinedRefs(f"joins {first.address}.{first.attribute}{more} into text known only "
                      "after apply", items=tuple(items), separator=args[0])


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return known(value)


def _deep_unknown(value: Any, refs_ok: bool = False) -> Unknown | None:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, Ref) and not refs_ok:
        return Unknown(f"uses {value.address}.{value.attribute}, known only after apply")
    if isinstance(value, list):
        for item in value:
            found = _deep_unknown(item, refs_ok)
            if found is not None:
                return found
    if isinstance(value, dict):
        return _deep_unknown(list(value.values()), refs_ok)
    return None


def _flatten(value: list) -> list:
    out: list[Any] = []
    for item in value:
        out.extend(_flatten(item) if isinstance(item, list) else [item])
    return out


def _distinct(value: list) -> list:
    out: list[Any] = []
    for item in value:
        if item not in out:
            out.append(item)
    return out


def _format(fmt: str, *args: Any) -> str:
    out, i, n = [], 0, 0
    while i < len(fmt):
        if fmt[i] == "%" and i + 1 < len(fmt):
            spec = fmt[i + 1]
            if spec == "%":
                out.append("%")
            elif spec in "sdvq":
                value = args[n]
                n += 1
                out.append(f'"{value}"' if spec == "q" else str(value).lower()
                           if isinstance(value, bool) else str(value))
            else:
                raise ValueError(f"format verb %{spec}")
            i += 2
            continue
        out.append(fmt[i])
        i += 1
    return "".join(out)


def _cidr_arg(prefix: Any) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """An address prefix as Terraform parses it: address/length, host bits allowed."""
    text = prefix if isinstance(prefix, str) else str(prefix) if _whole(prefix) else None
    address, _, length = (text or "").partition("/")
    if text is None or not length.isdigit() or not address:
        raise TerraformRejects(f"{_shown(prefix)} is not an address prefix like 10.0.0.0/16")
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise TerraformRejects(f"{_shown(prefix)} is not a valid address prefix") from None


def _whole_arg(value: Any, what: str) -> int:
    """A whole number, or text that is one (Terraform converts "8" to 8)."""
    if isinstance(value, str):
        try:
            value = float(value) if "." in value or "e" in value.lower() else int(value)
        except ValueError:
            raise TerraformRejects(f"{what} {_shown(value)} is not a number") from None
    if not _whole(value) and not (isinstance(value, float) and value.is_integer()):
        raise TerraformRejects(f"{what} {_shown(value)} is not a whole number")
    return int(value)


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _shown(value: Any) -> str:
    from .expr import show
    return show(value)


def _cidrsubnet(prefix: Any, newbits: Any, netnum: Any) -> str:
    net = _cidr_arg(prefix)
    bits, num = _whole_arg(newbits, "newbits"), _whole_arg(netnum, "netnum")
    if bits < 0 or num < 0:
        raise ValueError("cidrsubnet with a negative number")  # not known to be refused
    new_prefix = net.prefixlen + bits
    if new_prefix > net.max_prefixlen:
        raise TerraformRejects(f"a /{net.prefixlen} has no room for {bits} more bits "
                               f"(at most {net.max_prefixlen - net.prefixlen})")
    if num >= 1 << bits:
        raise TerraformRejects(f"{bits} more bits hold subnet numbers 0-{(1 << bits) - 1}, "
                               f"not {num}")
    step = 1 << (net.max_prefixlen - new_prefix)
    base = int(net.network_address) + num * step
    return str(ipaddress.ip_network((base, new_prefix)))


def _cidrhost(prefix: Any, hostnum: Any) -> str:
    net = _cidr_arg(prefix)
    num = _whole_arg(hostnum, "hostnum")
    if num < 0:
        num += net.num_addresses
    if not 0 <= num < net.num_addresses:
        raise TerraformRejects(f"a /{net.prefixlen} holds host numbers 0-{net.num_addresses - 1}"
                               f" (or counted back from -1), not {hostnum}")
    return str(net.network_address + num)


MAX_ELEMENTS = 65536  # a configuration needs no more; bigger is a mistake, not a guess


def _range(*args: Any) -> list[int]:
    if len(args) == 3 and _whole(args[2]) and args[2] == 0:
        raise TerraformRejects("a step of 0 never reaches the limit")
    values = range(*[int(x) for x in args])
    if len(values) > MAX_ELEMENTS:
        raise ValueError(f"range of {len(values)} elements")
    return list(values)


def _setproduct(*sets: list) -> list[list]:
    """Every combination of one element of each argument (the transit gateway module pairs
    each attachment's key with each of its routes this way)."""
    out: list[list] = [[]]
    for items in sets:
        out = [combo + [item] for combo in out for item in list(items)]
        if len(out) > MAX_ELEMENTS:
            raise ValueError(f"setproduct of more than {MAX_ELEMENTS} elements")
    return out if sets else []


def _chunklist(value: list, size: int) -> list[list]:
    size = int(size)
    if size <= 0:
        raise ValueError("chunklist size must be positive")
    return [list(value[i:i + size]) for i in range(0, len(value), size)]


def _tobool(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise TerraformRejects(f"{_shown(value)} is not true or false")


def _element(value: list, index: int) -> Any:
    if isinstance(value, list) and not value:
        raise TerraformRejects("an empty list has no element")
    return value[int(index) % len(value)]


def _lookup(args: list[Any]) -> Any:
    if len(args) < 2:
        return Unknown("calls lookup() with too few arguments", error=True)
    table, key = args[0], args[1]
    bad = _deep_unknown([key]) or (table if isinstance(table, Unknown) else None)
    if bad is not None:
        return bad
    if isinstance(table, dict) and key in table:
        return table[key]
    if len(args) > 2:
        return args[2]
    return Unknown(f"calls lookup() for a missing key {key!r}", error=True)


def _coalesce(args: list[Any]) -> Any:
    for arg in args:
        if isinstance(arg, Ref) and arg.value is None:
            return arg  # an id or arn of a resource of the input: never null nor empty
        if isinstance(known(arg), Unknown):
            return known(arg)  # cannot tell whether it is null or empty
        if known(arg) not in (None, "", []):
            return arg
    return Unknown("calls coalesce() with no non-empty argument", error=True)


def _can(args: list[Any]) -> Any:
    value = args[0] if args else None
    if isinstance(value, Unknown):
        return False if value.error else value
    return True


_LAZY: dict[str, Callable[[list[Any]], Any]] = {
    "lookup": _lookup, "coalesce": _coalesce, "coalescelist": _coalesce, "can": _can,
}

_FUNCS: dict[str, Callable[..., Any]] = {
    "split": lambda sep, text: str(text).split(str(sep)),
    "join": lambda sep, items: str(sep).join(str(i) for i in items),
    "concat": lambda *lists: [i for lst in lists for i in lst],
    "flatten": _flatten,
    "distinct": _distinct,
    "compact": lambda items: [i for i in items if i not in (None, "")],
    "element": _element,
    "length": lambda value: len(value),
    "tolist": lambda value: list(value),
    "toset": lambda value: _distinct(list(value)),
    "tomap": lambda value: dict(value),
    "tobool": _tobool,
    "tostring": lambda value: value if isinstance(value, str) else str(value),
    "tonumber": lambda value: int(value) if str(value).lstrip("-").isdigit() else float(value),
    "merge": lambda *maps: {k: v for m in maps for k, v in m.items()},
    "keys": lambda value: sorted(value.keys()),
    "values": lambda value: [value[k] for k in sorted(value.keys())],
    "contains": lambda items, value: value in items,
    "range": _range,
    "zipmap": lambda keys, vals: dict(zip(keys, vals)),
    "lower": lambda text: str(text).lower(),
    "upper": lambda text: str(text).upper(),
    "trimspace": lambda text: str(text).strip(),
    "replace": lambda text, old, new: str(text).replace(str(old), str(new)),
    "format": _format,
    "cidrsubnet": _cidrsubnet,
    "cidrhost": _cidrhost,
    "max": lambda *a: max(a),
    "min": lambda *a: min(a),
    "one": lambda value: (value[0] if len(value) == 1 else None if not value else
                          (_ for _ in ()).throw(ValueError("one() of several"))),
    "sort": lambda value: sorted(value),
    "reverse": lambda value: list(reversed(value)),
    "slice": lambda value, a, b: value[int(a):int(b)],
    "setproduct": _setproduct,
    "chunklist": _chunklist,
}
