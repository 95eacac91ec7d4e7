"""Static checks on a program tree: free variables, definitions, recursion."""
from __future__ import annotations

from typing import Iterator

from ..errors import DiffcliError
from .ast import Definition, Expr
from .builtins import BUILTINS, CONSTANTS, KEYWORDS


def walk(root: Expr) -> Iterator[Expr]:
    """Every expression under ``root``, in source order, without recursion."""
    stack = [root]
    while stack:
        e = stack.pop()
        yield e
        kids = [a for a in e.args if a is not None] + [k[1] for k in e.kwargs]
        stack.extend(reversed(kids))


def free_names(root: Expr, leaves: list[Expr] | None = None) -> list[Expr]:
    """Name expressions that refer to variables, first appearance first (one per name).

    The order of ``walk``, inlined: this runs for every program. ``leaves``, a program's
    name leaves in walk order (Program.leaves), spares the walk: root's are those in its span."""
    seen: dict[str, Expr] = {}
    if leaves is not None:
        lo, hi = root.span
        for e in leaves:
            if lo <= e.span[0] < hi and e.value not in CONSTANTS and e.value not in seen:
                seen[e.value] = e
        return list(seen.values())
    stack = [root]
    pop, extend = stack.pop, stack.extend
    while stack:
        e = pop()
        if e is None:  # a slice's missing bound
            continue
        if e.kind == "name":
            if e.value not in CONSTANTS and e.value not in seen:
                seen[e.value] = e
            continue
        if e.kwargs:
            extend([k[1] for k in reversed(e.kwargs)])
        extend(e.args[::-1])
    return list(seen.values())


def called(root: Expr) -> set[str]:
    return {e.value for e in walk(root) if e.kind == "call"}


def check_definition(d: Definition, defs: dict[str, Definition], reachable: bool = True) -> None:
    """Reject what can never work: shadowed built-ins, stray names, recursion."""
    where = d.span
    if d.name in BUILTINS or d.name in CONSTANTS or d.name in KEYWORDS:
        raise DiffcliError("type", f"'{d.name}' is a built-in name and cannot be redefined").at(where, d.source)
    seen = set()
    for p in d.params:
        if p in BUILTINS or p in CONSTANTS:
            raise DiffcliError("type", f"parameter '{p}' of {d.name} is a built-in name").at(where, d.source)
        if p in seen:
            raise DiffcliError("type", f"parameter '{p}' of {d.name} appears twice").at(where, d.source)
        seen.add(p)
    _only_params(d, d.body, set(d.params), "body")
    if d.grad_name is not None:
        if len(d.grad_rules) != len(d.params):
            raise DiffcliError("type", f"{d.name} has {len(d.params)} parameter(s) but its 'with grad' "
                               f"gives {len(d.grad_rules)} gradient(s): give one per parameter, "
                               "separated by commas").at(where, d.source)
        if d.grad_name in d.params:
            raise DiffcliError("type", f"the gradient's name '{d.grad_name}' is also a parameter").at(
                where, d.source)
        for r in d.grad_rules:
            _only_params(d, r, set(d.params) | {d.grad_name}, "gradient")
    cycle = _cycle(d, defs, reachable)
    if cycle:
        raise DiffcliError("type", f"recursive definition: {' -> '.join(cycle)}; diffcli has no "
                           "conditionals, so recursion would never end").at(where, d.source)


def _only_params(d: Definition, body: Expr, allowed: set, part: str) -> None:
    for e in free_names(body):
        if e.value not in allowed:
            raise DiffcliError("name", f"the {part} of {d.name} uses '{e.value}', which is not one of its "
                               f"parameters ({', '.join(d.params) or 'none'})",
                               hint=f"add it as a parameter: {d.name}({', '.join(d.params + [e.value])})"
                               ).at(e.span, d.source)


def check_definitions(new: list[Definition], existing: dict[str, Definition]) -> dict[str, Definition]:
    """Check a program's definitions in order against ``existing`` (already checked): the
    definitions table they make together. Linear in the program: each body is walked once,
    and the search for recursion runs only when a definition's name is already called."""
    defs = dict(existing)
    callers = set()  # every name some definition in the table calls
    for d in defs.values():
        callers |= _calls(d)
    for d in new:
        check_definition(d, defs, d.name in callers)
        defs[d.name] = d
        callers |= _calls(d)
    return defs


def _calls(d: Definition) -> frozenset:
    """The names ``d``'s body and gradient rules call, worked out once per definition."""
    if d.calls is None:
        calls = called(d.body)
        for r in d.grad_rules:
            calls |= called(r)
        d.calls = frozenset(calls)
    return d.calls


def _cycle(new: Definition, defs: dict[str, Definition], reachable: bool = True) -> list[str] | None:
    """A call path from ``new`` back to itself through user definitions, if any. Unless
    ``reachable`` (some definition calls new's name), only a direct self-call can be one."""
    if new.name in _calls(new):
        return [new.name, new.name]
    if not reachable:
        return None
    parent = {new.name: None}
    stack = [new.name]
    while stack:
        name = stack.pop()
        d = new if name == new.name else defs[name]
        for c in sorted(_calls(d)):
            if c == new.name:
                path = [c]
                while name is not None:
                    path.append(name)
                    name = parent[name]
                return path[::-1]
            if c in defs and c not in parent:
                parent[c] = name
                stack.append(c)
    return None
