"""The REPL's autograd statements: backward(y, ...) and zero_grad(...)."""
from __future__ import annotations

from typing import Any

from .. import engine as E
from ..errors import DiffcliError
from ..language.ast import Expr
from ..language.evaluator import Evaluator
from . import values as V

STATEMENTS = {
    "backward": ("backward(y), backward(y, seed), backward(y, retain_graph=true)",
                 "send gradients from y back into the .grad of every leaf it depends on (they "
                 "accumulate); a y with more than one element needs a seed shaped like it; "
                 "retain_graph=true keeps the graph for another backward; create_graph=true "
                 "records the backward pass, for higher derivatives"),
    "zero_grad": ("zero_grad(), zero_grad(x, y)",
                  "set .grad back to None, for every variable or for the ones named"),
}
FLAGS = ("true", "false", "True", "False")  # names only inside backward(..., retain_graph=true)
RESERVED = {**{n: "a REPL statement" for n in STATEMENTS}, **{n: "reserved for backward(...) in the REPL" for n in FLAGS}}
BACKWARD_KWARGS = ("gradient", "retain_graph", "create_graph")


def run_statement(state: Any, call: Expr, ev: Evaluator, src: str, reply: Any) -> None:
    """``call`` is backward(...) or zero_grad(...), at the top of a statement."""
    (_backward if call.value == "backward" else _zero_grad)(state, call, ev, src, reply)


def _backward(state: Any, call: Expr, ev: Evaluator, src: str, reply: Any) -> None:
    usage = STATEMENTS["backward"][0]
    kwargs = {k: (e, span) for k, e, span in call.kwargs}
    if not 1 <= len(call.args) <= 2 or (len(call.args) == 2 and "gradient" in kwargs):
        raise DiffcliError("type", f"backward takes the output and, optionally, a seed: {usage}"
                           ).at(call.span, src)
    for k, (_, span) in kwargs.items():
        if k not in BACKWARD_KWARGS:
            raise DiffcliError("type", f"backward has no argument '{k}' (it takes "
                               f"{', '.join(BACKWARD_KWARGS)})").at(span, src)
    env = dict(state.variables)
    target = call.args[0]
    y = ev.evaluate(target, env, src)
    if not isinstance(y, E.Tensor):
        raise DiffcliError("type", f"backward needs a tensor, not {V.describe(y)}").at(target.span, src)
    seed_expr = call.args[1] if len(call.args) == 2 else kwargs.get("gradient", (None,))[0]
    seed = None
    if seed_expr is not None:
        with E.no_grad():
            seed = ev.evaluate(seed_expr, env, src)
        if not isinstance(seed, E.Tensor):
            raise DiffcliError("type", f"the seed must be a tensor, not {V.describe(seed)}"
                               ).at(seed_expr.span, src)
        seed = seed.detach()
    retain, create = (_flag(kwargs.get(k), k, ev, env, src) for k in BACKWARD_KWARGS[1:])
    if not y.requires_grad:  # the engine's message speaks to library users (requires_grad=True)
        raise DiffcliError("autograd", f"'{src[target.span[0]:target.span[1]]}' does not require grad, so "
                           "backward has nothing to differentiate", hint="x = 2 makes a variable that "
                           "requires grad; const(...) and values computed from constants alone do not"
                           ).at(target.span, src)
    state.register(ev.trace)
    before = {n: _grad_state(t) for n, t in state.variables.items()}
    try:
        y.backward(seed, retain_graph=retain, create_graph=bool(create))
    except DiffcliError as err:
        if getattr(err, "origin", None) is None:
            err.hint = err.hint or _backward_hint(err, y, seed, src[target.span[0]:target.span[1]])
            err.at(target.span, src)
        raise
    changed = [n + ".grad" for n, t in state.variables.items() if _grad_state(t) != before.get(n)]
    reply.say(state.style.dim("# accumulated into " + ", ".join(changed) if changed
                              else "# no variable's .grad changed"))


def _grad_state(t: E.Tensor) -> tuple:
    """What tells that a variable's .grad changed: the tensor, and its version (backward adds
    into an existing .grad in place, as PyTorch)."""
    g = t.grad
    return (id(g), None if g is None else g._version)


def _flag(given: tuple | None, name: str, ev: Evaluator, env: dict, src: str) -> bool | None:
    if given is None:
        return None
    expr = given[0]
    if expr.kind == "name" and expr.value in FLAGS:
        return expr.value in ("true", "True")
    if expr.kind != "name" or expr.value in env:
        v = ev.evaluate(expr, env, src)
        if isinstance(v, bool):
            return v
        if isinstance(v, E.Tensor) and v.size == 1:
            return bool(v.item())
    raise DiffcliError("type", f"{name} must be true or false (or True or False, or 1 or 0)").at(expr.span, src)


def _zero_grad(state: Any, call: Expr, ev: Evaluator, src: str, reply: Any) -> None:
    if call.kwargs:
        raise DiffcliError("type", "zero_grad takes no keyword arguments").at(call.kwargs[0][2], src)
    targets = {}
    for a in call.args:
        if a.kind != "name":
            raise DiffcliError("type", "zero_grad takes variable names, as in zero_grad(x, y)").at(a.span, src)
        if a.value not in state.variables:
            raise ev.unknown(a.value, state.variables).at(a.span, src)
        targets[a.value] = state.variables[a.value]
    targets = targets or state.variables
    cleared = [n + ".grad" for n, t in targets.items() if t.grad is not None]
    for t in targets.values():
        t.grad = None
    reply.say(state.style.dim("# cleared " + ", ".join(cleared) if cleared else "# no gradients to clear"))


def _backward_hint(err: DiffcliError, y: E.Tensor, seed: Any, text: str) -> str | None:
    if err.kind == "autograd" and "second time" in err.message:
        return f"in the REPL: backward({text}, retain_graph=true) keeps the graph for another backward"
    if seed is None and y.size != 1:
        return (f"seed it, e.g. backward({text}, ones({', '.join(map(str, y.shape))})), "
                f"or reduce it first: backward(sum({text}))")
    return None
