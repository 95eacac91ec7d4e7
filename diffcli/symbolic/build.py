"""A program as a formula: its tree evaluated with symbols for its free variables.

The evaluation calls the same engine operations as the numeric evaluator (``E.add``,
``BUILTINS[...].fn``), which hand symbolic operands to their symbolic kernels. User
functions are expanded; a function with its own rule (``with grad(g) = ...``) keeps it for
its derivative; ``detach``/``const`` parts are constants; grad/diff inside a program are
taken symbolically where they stand.
"""
from __future__ import annotations

from typing import Any

from .. import engine as E
from ..errors import DiffcliError
from ..language.ast import Definition, Expr
from ..language.builtins import BUILTINS, CONSTANTS, to_int
from . import expr as S
from . import kernels  # noqa: F401  (installs the symbolic interpretation)
from .derive import derivative
from .expr import Sym

_BINARY = {"+": E.add, "-": E.sub, "*": E.mul, "/": E.div, "^": E.pow,
           "<": E.lt, "<=": E.le, ">": E.gt, ">=": E.ge, "==": E.eq, "!=": E.ne}
_DETACH = frozenset({"detach", "const"})


class Builder:
    """Evaluates program trees to formulas against the program's definitions."""

    def __init__(self, definitions: dict[str, Definition], source: str) -> None:
        self.defs = definitions
        self.source = source

    def build(self, e: Expr, env: dict[str, Any], src: str | None = None) -> Any:
        """A formula (or a list of them, for a tensor literal) for ``e``."""
        src = self.source if src is None else src
        try:
            return self._build(e, env, src)
        except DiffcliError as err:
            raise err.at(e.span, src) from None
        except RecursionError:
            raise DiffcliError("limit", "the program is nested too deeply for a formula").at(e.span, src) from None

    def _build(self, e: Expr, env: dict, src: str) -> Any:
        kind = e.kind
        if kind == "num":
            return S.num(e.value)
        if kind == "name":
            return self._name(e, env, src)
        if kind == "group":
            return self.build(e.args[0], env, src)
        if kind == "binary":
            if e.value == "@":
                raise DiffcliError("type", "no formula can be written through a matrix product: bind the "
                                   "variables (at x = ...) for a numeric answer")
            a, b = (self._scalar(self.build(x, env, src), x, src) for x in e.args)
            return _BINARY[e.value](a, b)
        if kind == "unary":
            a = self._scalar(self.build(e.args[0], env, src), e.args[0], src)
            return E.neg(a) if e.value == "-" else a
        if kind == "tensor":
            return [self.build(a, env, src) for a in e.args]
        if kind == "call":
            return self._call(e, env, src)
        raise DiffcliError("type", f"no formula can be written for {_what(kind)}: bind the variables "
                           "(at x = ...) for a numeric answer")

    def _scalar(self, v: Any, e: Expr, src: str) -> Sym:
        if type(v) is not Sym:
            raise DiffcliError("type", "a tensor literal in a formula can only be the whole program "
                               "(for its Jacobian)").at(e.span, src)
        return v

    def _name(self, e: Expr, env: dict, src: str) -> Sym:
        name = e.value
        v = env.get(name)
        if v is not None:
            return v
        if name in ("pi", "e"):
            return S.const(name)
        if name in CONSTANTS:
            return S.num(CONSTANTS[name])
        if name in BUILTINS or name in self.defs:
            raise DiffcliError("type", f"{name} is a function: call it, as in {name}(x)")
        return S.var(name)

    def _call(self, e: Expr, env: dict, src: str) -> Any:
        name = e.value
        if e.kwargs:
            raise DiffcliError("type", f"no formula can be written for {name}(...) with keyword arguments")
        if name in self.defs:
            d = self.defs[name]
            if len(e.args) != len(d.params):
                raise DiffcliError("type", f"{d.name} takes {len(d.params)} argument(s) "
                                   f"({', '.join(d.params)}), got {len(e.args)}")
            args = [self._scalar(self.build(a, env, src), a, src) for a in e.args]
            inner = dict(zip(d.params, args))
            body = self.build(d.body, inner, d.source)
            if not d.grad_rules:
                return body
            return S.custom(name, body, tuple(args), self._rule(d, tuple(args)))
        b = BUILTINS.get(name)
        if b is None:  # the numeric evaluator's message, with its "did you mean"
            from ..language.evaluator import Evaluator
            from ..language.limits import Limits
            raise Evaluator(self.defs, Limits()).unknown(name, {}, "function")
        if b.fn is None:
            return self._special(e, env, src)
        lo, hi = b.arity
        if not lo <= len(e.args) <= (hi if hi is not None else len(e.args)):
            raise DiffcliError("type", f"{name} takes {lo if lo == hi else f'{lo} to {hi}'} argument(s), "
                               f"got {len(e.args)}; for example {b.example}")
        args = [self.build(a, env, src) for a in e.args]
        if any(type(a) is not Sym for a in args):
            raise DiffcliError("type", f"no formula can be written through {name} of a tensor literal: "
                               "bind the variables (at x = ...) for a numeric answer")
        if name in _DETACH:
            return S.detach(args[0])
        try:
            return b.fn(*args)
        except DiffcliError:
            raise
        except Exception:  # noqa: BLE001 - an operation with no symbolic kernel (shapes, arrays)
            raise DiffcliError("type", f"no formula can be written through {name}: bind the variables "
                               "(at x = ...) for a numeric answer") from None

    def _rule(self, d: Definition, args: tuple) -> Any:
        def rule(params: tuple) -> list:
            env = dict(zip(d.params, params))
            env[d.grad_name] = S.ONE
            return [self._scalar(self.build(r, env, d.source), r, d.source) for r in d.grad_rules]
        return rule

    def _special(self, e: Expr, env: dict, src: str) -> Sym:
        """grad/diff inside a program: the derivative of the formula, where it stands."""
        name = e.value
        if name not in ("grad", "diff") or len(e.args) < 2:
            raise DiffcliError("type", f"no formula can be written for {name}(...) inside a program")
        body, var = e.args[0], e.args[1]
        if var.kind != "name":
            raise DiffcliError("type", f"the second argument of {name} must be a variable name").at(var.span, src)
        order = 1
        if len(e.args) == 3:
            n = self.build(e.args[2], env, src)
            if type(n) is not Sym or n.op != "num":
                raise DiffcliError("type", "the order of a derivative must be a number")
            order = to_int(float(n.value), "the order")
        x = self._name(var, env, src)
        if x.op != "var":
            raise DiffcliError("type", f"'{var.value}' is not a variable of the formula").at(var.span, src)
        y = self._scalar(self.build(body, env, src), body, src)
        for _ in range(order):
            y = derivative(y, x.args[0])
        return y


def _what(kind: str) -> str:
    return {"index": "indexing", "slice": "a slice", "attr": "an attribute"}.get(kind, kind)
