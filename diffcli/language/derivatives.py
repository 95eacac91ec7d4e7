"""Derivatives inside a program: the grad, diff, jacobian and hessian built-ins, and the engine
Function a definition with its own gradient rules becomes. ``ev`` is the Evaluator running
the program (its evaluate, lookup, limits, and the depth of nested derivatives)."""
from __future__ import annotations

from typing import Any

from .. import engine as E
from ..errors import DiffcliError
from .ast import Definition, Expr
from .builtins import BUILTINS, to_int


def custom_function(ev: Any, d: Definition) -> type:
    """A definition with its own gradient becomes an engine Function."""
    fn = ev.custom.get(d.name)
    if fn is not None:
        return fn

    def forward(ctx: Any, *xs: E.Tensor) -> E.Tensor:
        ctx.save_for_backward(*xs)
        return ev.evaluate(d.body, dict(zip(d.params, xs)), d.source)

    def backward(ctx: Any, g: E.Tensor) -> tuple:
        env = dict(zip(d.params, ctx.saved_tensors))
        env[d.grad_name] = g
        return tuple(ev.evaluate(r, env, d.source) for r in d.grad_rules)

    fn = type(d.name, (E.Function,), {"forward": staticmethod(forward), "backward": staticmethod(backward)})
    ev.custom[d.name] = fn
    return fn


def differentiate(ev: Any, expr: Expr, env: dict, src: str) -> E.Tensor:
    """grad, diff, jacobian, hessian: differentiate a sub-expression where it stands."""
    from ..functional import hessian_rows, jacobian_rows, taylor_derivative
    name = expr.value
    lo, hi = BUILTINS[name].arity
    if not lo <= len(expr.args) <= hi or expr.kwargs:
        raise DiffcliError("type", f"{name} takes {lo if lo == hi else f'{lo} or {hi}'} arguments; "
                           f"for example {BUILTINS[name].example}").at(expr.span, src)
    body, var = expr.args[0], expr.args[1]
    if var.kind != "name":
        raise DiffcliError("type", f"the second argument of {name} must be a variable name").at(var.span, src)
    order = 1
    if name == "diff" and len(expr.args) == 3:
        with E.no_grad():
            try:
                order = to_int(ev.evaluate(expr.args[2], env, src), "the order")
            except DiffcliError as err:
                raise err.at(expr.args[2].span, src) from None
        if order < 0:
            raise DiffcliError("type", "the order of a derivative cannot be negative").at(expr.args[2].span, src)
    ev.diff_depth += max(order, 1)
    try:
        if ev.diff_depth > ev.limits.max_order:
            raise DiffcliError("limit", f"derivatives nested {ev.diff_depth} deep, over the limit of "
                               f"{ev.limits.max_order} (--max-order)").at(expr.span, src)
        base = ev.lookup(var, env, src)
        with E.origin((src, var)):
            x = E.alias(base) if base.requires_grad else base.detach().requires_grad_()
        inner = {**env, var.value: x}
        outer_records = E.is_grad_enabled()  # whether something outside differentiates the result
        with E.enable_grad():  # differentiation inside a program records even under eval's no_grad
            y = ev.evaluate(body, inner, src)
        rows = y.size if name == "jacobian" else x.size if name == "hessian" else 0
        ev.limits.check_elements(rows * x.size, f"the {name} would have")  # before any row
        with E.origin((src, expr)), E.enable_grad():
            # differentiated again only where something outside records: else batched rows
            if name == "jacobian":
                ev.limits.check_seeds(outer_records, y.size, name)
                return jacobian_rows(y, (x,), create_graph=outer_records)[0]
            if y.size != 1:
                raise DiffcliError("shape", f"{name} needs a scalar expression, this one has shape "
                                   f"{y.shape}; use jacobian({src[body.span[0]:body.span[1]]}, {var.value}) or "
                                   f"sum(...)").at(body.span, src)
            if name == "hessian":
                ev.limits.check_seeds(outer_records, x.size, name)
                return hessian_rows(y, (x,), create_graph=outer_records)[0][0]
            taylor = taylor_derivative(y, x, order) if order > 1 and x.size == 1 and not outer_records else None
            if taylor is not None:  # (Taylor mode: polynomial in the order, for a result used as a value)
                return taylor
            for _ in range(order):
                (y,) = E.grad(y.sum() if y.size == 1 and y.shape else y, (x,), create_graph=True)
                if order > 1 and y.size != 1:
                    raise DiffcliError("shape", "diff of order above 1 needs a scalar variable; use "
                                       "hessian for a vector").at(var.span, src)
            return y
    finally:
        ev.diff_depth -= max(order, 1)
