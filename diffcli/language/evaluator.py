"""Program tree -> engine tensors, without recursion over the tree.

Every engine node created here carries its origin (the source text and the
expression), so errors, anomaly reports and the graph view point at the
user's text. Non-finite results and points on a kink are noted as events;
the session turns them into errors or warnings.
"""
from __future__ import annotations

import difflib
from typing import Any

from .. import engine as E
from ..engine.backend import all_finite, has_nan, np
from ..errors import DiffcliError
from .ast import Definition, Expr
from .builtins import BUILTINS, CONSTANTS, SPECIAL_FORMS, prim_of, to_int, with_kwargs
from .derivatives import custom_function, differentiate
from .limits import Limits
from .wording import FAMILIAR, describe as _describe, not_a_value as _not_a_value, snippet as _snippet

_BINARY = {"+": E.add, "-": E.sub, "*": E.mul, "/": E.div, "^": E.pow, "@": E.matmul, "%": E.mod,
           "<": E.lt, "<=": E.le, ">": E.gt, ">=": E.ge, "==": E.eq, "!=": E.ne}
_VALUES = (E.Tensor, slice, float)  # what an operation accepts (a float: a number literal)


class Event:
    """Something the user should hear about: where, what, and of which kind."""

    __slots__ = ("kind", "message", "source", "span")

    def __init__(self, kind: str, message: str, source: str, span: tuple) -> None:
        self.kind, self.message, self.source, self.span = kind, message, source, span


class Evaluator:
    """Evaluates expressions against definitions, within limits, noting events."""

    def __init__(self, definitions: dict[str, Definition], limits: Limits,
                 attribute: Any = None, track_kinks: bool = False) -> None:
        self.defs = definitions
        self.limits = limits
        self.attribute = attribute  # the REPL's handler for x.grad and friends
        self.track_kinks = track_kinks
        self.events: list[Event] = []
        self.trace: list | None = None  # (source, expr, tensor) per operation, for the graph view
        self._memo: dict[tuple, Any] = {}  # (function name, ids of its arguments...) -> its result
        self._kept: list = []  # the arguments of every memo key
        self.custom: dict[str, type] = {}  # definition name -> its engine Function (derivatives.py)
        self.diff_depth = 0  # derivatives nested around the expression being evaluated

    # ------------------------------------------------------------------
    def evaluate(self, root: Expr, env: dict, source: str) -> Any:
        """The value of ``root`` with ``env`` binding its variables.

        Numbers, names, parentheses and the binary operators, most of every program, are
        handled here; _step does the rest (a call per node saved)."""
        values: list = []
        stack: list = [(root, env, source, 0)]
        steps = 0
        budget = self.limits.budget
        expr, src = root, source
        try:
            while stack:
                steps += 1
                if not steps & 4095 and budget is not None:
                    expr = None  # a timeout belongs to no expression
                    budget.check_time()
                expr, env_, src, phase = stack.pop()
                kind = expr.kind
                if phase == 0:
                    if kind == "num":
                        values.append(expr.value)
                        continue
                    if kind == "name":
                        v = env_.get(expr.value)
                        values.append(v if v is not None else self.lookup(expr, env_, src))
                        continue
                    if kind == "group":  # its value is its child's: no step of its own
                        stack.append((expr.args[0], env_, src, 0))
                        continue
                    if kind == "binary":
                        a, b = expr.args
                        stack.append((expr, env_, src, 1))
                        stack.append((b, env_, src, 0))
                        stack.append((a, env_, src, 0))
                        continue
                elif phase == 1 and kind == "binary" and expr.value != "@":  # both operands as they are
                    args = values[-2:]
                    del values[-2:]
                    values.append(self._op(expr, src, _BINARY[expr.value], args))
                    continue
                self._step(expr, env_, src, phase, stack, values)
        except DiffcliError as err:
            raise (err if expr is None else err.at(expr.span, src)) from None
        v = values[-1]
        return E.const(v) if type(v) is float else v

    def _step(self, expr: Expr, env_: dict, src: str, phase: int, stack: list, values: list) -> None:
        """One step of the evaluation loop (for what evaluate does not do itself): push the
        children, or combine their values.

        A number literal's value is its float: the engine's binary operations take floats as
        operands (and save them as floats); every other use makes it a tensor (_tensors)."""
        kind = expr.kind
        if phase == 0:  # (numbers, names, groups and binary operators: in evaluate)
            if kind == "call" and expr.value in SPECIAL_FORMS and expr.value not in self.defs:
                values.append(differentiate(self, expr, env_, src))
            else:
                stack.append((expr, env_, src, 1))
                if expr.kwargs:
                    for k in reversed(expr.kwargs):
                        stack.append((k[1], env_, src, 0))
                for a in reversed(expr.args):
                    if a is not None:
                        stack.append((a, env_, src, 0))
            return
        if phase == 2:  # a user function's body has been evaluated: env_ is its key in the memo
            self._memo[env_] = values[-1]
            return
        if kind == "unary" and type(values[-1]) is float:  # a signed number literal: a number
            if expr.value == "-":
                values[-1] = -values[-1]
            return
        n = len(expr.args) - expr.args.count(None) + len(expr.kwargs)  # a slice's missing bounds are None
        if kind == "tensor" and n and _all_floats(values, n):
            # a literal of numbers (a point given with --at): one array, not a stack of n constants
            args = values[len(values) - n:]
            del values[len(values) - n:]
            values.append(self._op(expr, src, _number_array, args))
            return
        args = _tensors(values[len(values) - n:]) if n else []
        del values[len(values) - n:]
        if kind == "call" and expr.value in self.defs:
            d = self.defs[expr.value]
            self._check_arity(expr, d, src)
            if d.grad_rules:
                values.append(self._op(expr, src, custom_function(self, d).apply, args))
                return
            # pure: applied again to the same argument objects (kept alive, so their ids stay
            # theirs), a user function gives the same result, evaluated once
            key = (d.name, *map(id, args))
            known = self._memo.get(key)
            if known is not None:
                values.append(known)
                return
            self._kept.append(args)
            stack.append((expr, key, src, 2))
            stack.append((d.body, dict(zip(d.params, args)), d.source, 0))
            return
        values.append(self._combine(expr, args, src))

    # ------------------------------------------------------------------
    def _combine(self, expr: Expr, args: list, src: str) -> Any:
        kind = expr.kind
        if kind == "binary":
            return self._op(expr, src, _BINARY[expr.value], args)
        if kind == "unary":
            return self._op(expr, src, E.neg, args) if expr.value == "-" else self._tensor_arg(args[0], expr, src)
        if kind == "call":
            return self._call_builtin(expr, args, src)
        if kind == "tensor":
            if not args:
                raise DiffcliError("shape", "an empty tensor literal has no shape").at(expr.span, src)
            shapes = {a.shape for a in args if isinstance(a, E.Tensor)}
            if len(shapes) > 1:
                raise DiffcliError("shape", "ragged tensor literal: its elements have shapes "
                                   + " and ".join(map(str, sorted(shapes)))).at(expr.span, src)
            return self._op(expr, src, lambda *xs: E.stack(xs), args)
        if kind == "index":
            return self._op(expr, src, lambda t, *ix: E.getitem(t, ix[0] if len(ix) == 1 else ix), args)
        if kind == "slice":
            vals = iter(args)
            parts = [None if a is None else to_int(next(vals), "a slice bound") for a in expr.args]
            return slice(*parts)
        if kind == "attr":
            if self.attribute is None:
                raise DiffcliError("type", f"attributes such as .{expr.value} exist only in the REPL"
                                   ).at(expr.span, src)
            return self.attribute(args[0], expr.value, expr, src)
        raise DiffcliError("internal", f"unknown expression kind {kind}")  # pragma: no cover

    def _tensor_arg(self, v: Any, expr: Expr, src: str) -> E.Tensor:
        if not isinstance(v, (E.Tensor, slice)):
            raise DiffcliError("type", "this value is not a number or a tensor").at(expr.span, src)
        return v

    def _op(self, expr: Expr, src: str, fn: Any, args: list) -> E.Tensor:
        """Run one engine operation for ``expr``: origin, limits, and checks of the result."""
        for a in args:
            if not isinstance(a, _VALUES):
                i = next(k for k, b in enumerate(args) if b is a)  # only on the error path: this loop is hot
                raise _not_a_value(expr, expr.args[i] if i < len(expr.args) else None, a, src)
        prev = E.engine_state.origin
        E.engine_state.origin = (src, expr)
        try:
            out = fn(*args)
        except DiffcliError as err:
            raise err.at(expr.span, src) from None
        except MemoryError:
            raise DiffcliError("limit", f"{_describe(expr)} needs more memory than this machine "
                               "has").at(expr.span, src) from None
        except (ValueError, TypeError, IndexError, ZeroDivisionError, OverflowError) as exc:
            raise DiffcliError("shape" if isinstance(exc, (ValueError, IndexError)) else "type",
                               f"{_describe(expr)}: {exc}").at(expr.span, src) from None
        finally:
            E.engine_state.origin = prev
        v = out._v
        if type(v) is not float and v.size > self.limits.max_elements:  # the message only when needed
            self.limits.check_elements(v.size, f"{_describe(expr)} made")
        if not (v - v == 0.0 if type(v) is float else all_finite(v)):
            self._note_nonfinite(expr, src, args, v)
        if self.track_kinks:
            self._note_kink(expr, src, prim_of(fn, args), args)
        if self.trace is not None:
            self.trace.append((src, expr, out))
        return out

    def _note_nonfinite(self, expr: Expr, src: str, args: list, v: Any) -> None:
        inputs = [a if type(a) is float else a._v for a in args if isinstance(a, (E.Tensor, float))]
        if has_nan(v):
            if not any(has_nan(a) for a in inputs):
                what = "finite inputs" if all(all_finite(a) for a in inputs) else "its inputs"
                self.events.append(Event("nan", f"'{_snippet(expr, src)}' made nan from {what}", src, expr.span))
        elif all(all_finite(a) for a in inputs):
            self.events.append(Event("inf", f"'{_snippet(expr, src)}' is infinite", src, expr.span))

    def _note_kink(self, expr: Expr, src: str, prim: Any, args: list) -> None:
        rule = getattr(prim, "kink", None)
        if rule is None or not any(isinstance(a, E.Tensor) and a.requires_grad for a in args):
            return
        try:
            hit = rule[0](*[a if type(a) is float else a._v for a in args])
            hit = hit if type(hit) is bool else bool(np.any(hit))  # scalars: no numpy import
        except Exception:  # noqa: BLE001 - a kink check never stops evaluation
            return
        if hit:
            self.events.append(Event("kink", f"'{_snippet(expr, src)}' is at a non-differentiable "
                                     f"point: {rule[1]}", src, expr.span))

    # ------------------------------------------------------------------
    def lookup(self, expr: Expr, env: dict, src: str) -> Any:
        name = expr.value
        v = env.get(name)
        if v is not None:
            return v
        if name in CONSTANTS:
            return E.const(CONSTANTS[name])
        if name in BUILTINS or name in self.defs:
            raise DiffcliError("type", f"{name} is a function: call it, as in {name}(x)").at(expr.span, src)
        raise self.unknown(name, env).at(expr.span, src)

    def unknown(self, name: str, env: dict, what: str = "variable") -> DiffcliError:
        pool = list(env) + list(CONSTANTS) + (list(BUILTINS) + list(self.defs) if what == "function" else [])
        close = [FAMILIAR[name]] if what == "function" and name in FAMILIAR else \
            difflib.get_close_matches(name, pool, n=1)
        hint = None
        msg = f"unknown {what} '{name}'" + (f": did you mean '{close[0]}'?" if close else "")
        if what == "variable" and not close:
            msg += " (bind it with 'at', e.g. ... at " + name + " = 1)"
        if what == "function" and not close:
            hint = f"for a product, write {name}*(...)"
        return DiffcliError("name", msg, hint=hint)

    def _check_arity(self, expr: Expr, d: Definition, src: str) -> None:
        if expr.kwargs:
            raise DiffcliError("type", f"{d.name} takes no keyword arguments").at(expr.kwargs[0][2], src)
        if len(expr.args) != len(d.params):
            raise DiffcliError("type", f"{d.name} takes {len(d.params)} argument(s) "
                               f"({', '.join(d.params)}), got {len(expr.args)}").at(expr.span, src)

    def _call_builtin(self, expr: Expr, args: list, src: str) -> Any:
        b = BUILTINS.get(expr.value)
        if b is None:
            raise self.unknown(expr.value, {}, "function").at(expr.span, src)
        nkw = len(expr.kwargs)
        pos, kwvals = args[:len(args) - nkw], args[len(args) - nkw:]
        lo, hi = b.arity
        if len(pos) < lo or (hi is not None and len(pos) > hi):
            want = f"{lo}" if lo == hi else (f"{lo} to {hi}" if hi is not None else f"at least {lo}")
            raise DiffcliError("type", f"{b.name} takes {want} argument(s), got {len(pos)}; "
                               f"for example {b.example}").at(expr.span, src)
        kwargs = {}
        for (k, _, kspan), v in zip(expr.kwargs, kwvals):
            if k not in b.kwargs:
                raise DiffcliError("type", f"{b.name} has no argument '{k}'"
                                   + (f" (it takes {', '.join(b.kwargs)})" if b.kwargs else "")).at(kspan, src)
            kwargs[k] = v
        if b.size is not None:
            try:
                n = b.size(*pos)
            except DiffcliError as err:
                raise err.at(expr.span, src) from None
            self.limits.check_elements(n, f"{b.name} would make")
        return self._op(expr, src, with_kwargs(b.fn, kwargs) if kwargs else b.fn, pos)


def _all_floats(values: list, n: int) -> bool:
    for i in range(len(values) - n, len(values)):
        if type(values[i]) is not float:
            return False
    return True


def _number_array(*numbers: float) -> E.Tensor:
    return E.tensor(list(numbers))


def _tensors(values: list) -> list:
    """Number literals' floats made tensors, for every operation but the binary ones."""
    for v in values:
        if type(v) is float:
            return [E.const(x) if type(x) is float else x for x in values]
    return values
