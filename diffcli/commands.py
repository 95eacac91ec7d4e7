"""What each one-shot command computes: program text + options -> a result dict of tensors."""
from __future__ import annotations

import math
from typing import Any, Callable

from . import engine as E
from . import finitediff
from .engine.backend import has_nan
from .errors import DiffcliError
from .functional import hessian_rows, jacobian_rows
from .session import Options, Prepared, Session, wrt_names as _wrt

MAX_TAYLOR_ORDER = 170  # past it, k! overflows float64 and the Taylor coefficients underflow


def run(session: Session, command: str, text: str, options: Options) -> dict:
    """Run one program under the session's limits; a result dict or a DiffcliError."""
    fn = COMMANDS[command]
    with session.guarded(options.detect_anomaly):
        if command in FORMULA_COMMANDS and (options.symbolic or options.latex):
            from .symbolic.command import run as formula
            return formula(session, command, text, options)
        try:
            return fn(session, text, options)
        except DiffcliError as err:
            if err.kind != "name" or command not in FORMULA_COMMANDS or options.at:
                raise
            found = _formula_program(session, text, options)  # free variables, no bindings: formulas
            if found is None:
                raise
        from .symbolic.command import run as formula
        return formula(session, command, text, options, found)


FORMULA_COMMANDS = ("grad", "diff", "hessian", "jacobian")


def _formula_program(session: Session, text: str, options: Options) -> tuple | None:
    from .symbolic.command import formula_program
    try:
        return formula_program(session, text, options)
    except DiffcliError:
        return None


def _scalar(y: E.Tensor, what: str, p: Prepared) -> None:
    if y.size != 1:
        raise DiffcliError("shape", f"{what} needs a scalar program, but its value has shape {y.shape}; "
                           "use jacobian for every output, or --seed for one vector-Jacobian product"
                           if what == "grad" else
                           f"{what} needs a scalar program, but its value has shape {y.shape}").at(
                               p.program.expr.span, p.source)


def cmd_eval(session: Session, text: str, options: Options) -> dict:
    p = session.prepare(text, options)
    env, _ = p.env()
    with E.no_grad():
        y = p.evaluate(env)
    return {"value": y, "warnings": session.warnings(p, [y])}


def _forward(session: Session, text: str, options: Options, trace: bool = False) -> tuple:
    """Prepare, make leaves of the variables to differentiate, evaluate (recording every
    operation when ``trace``, for the graph view)."""
    p = session.prepare(text, options, track_kinks=True)
    names = _wrt(p, options)
    env, leaves = p.env(names)
    if trace:
        p.evaluator.trace = []
    return p, names, leaves, p.evaluate(env)


def cmd_grad(session: Session, text: str, options: Options) -> dict:
    p, names, leaves, y = _forward(session, text, options)
    seed = None
    if options.seed is not None:
        seed = session.constant(options.seed, p.evaluator, "--seed")
        if seed.shape != y.shape and seed.shape:
            raise DiffcliError("shape", f"--seed has shape {seed.shape} but the value has shape {y.shape}; "
                               "they must match (a scalar seed is broadcast)")
        if not seed.shape and y.shape:
            seed = E.mul(seed, E.ones(y.shape))
    else:
        _scalar(y, "grad", p)
        if y.shape:
            y = E.reshape(y, ())
    grads = dict(zip(names, E.grad(y, leaves, seed)))
    return {"value": y, "grad": grads, "warnings": session.warnings(p, [y]) + _nan_warnings(grads)}


def _nan_warnings(derivs: dict) -> list[str]:
    """A NaN derivative is a value, but say so and how to find its origin."""
    bad = [n for n, g in derivs.items() if has_nan(g._v)]
    if not bad:
        return []
    return [f"the derivative with respect to {', '.join(bad)} contains nan; "
            "--detect-anomaly points at the operation that made it"]


def _result_size(session: Session, rows: int, leaves: list, what: str) -> None:
    """A Jacobian or Hessian is rows x (the variables' elements) numbers: refuse it up front when
    one block of it would pass --max-elements, rather than run out of memory on the way."""
    cols = max((leaf.size for leaf in leaves), default=0)
    session.limits.check_elements(rows * cols, f"the {what} would have {rows:,} x {cols:,} =")


def cmd_jacobian(session: Session, text: str, options: Options) -> dict:
    p, names, leaves, y = _forward(session, text, options)
    _result_size(session, y.size, leaves, "Jacobian")
    rows = jacobian_rows(y, tuple(leaves), create_graph=False) if leaves else []
    jac = dict(zip(names, rows))
    return {"value": y, "jacobian": jac, "warnings": session.warnings(p, [y]) + _nan_warnings(jac)}


def cmd_hessian(session: Session, text: str, options: Options) -> dict:
    p, names, leaves, y = _forward(session, text, options)
    _scalar(y, "hessian", p)
    y = E.reshape(y, ()) if y.shape else y
    _result_size(session, max((leaf.size for leaf in leaves), default=0), leaves, "Hessian")
    hess = {u: dict(zip(names, rows)) for u, rows in zip(names, hessian_rows(y, tuple(leaves), False))}
    return {"value": y, "hessian": hess, "warnings": session.warnings(p, [y])}


def cmd_diff(session: Session, text: str, options: Options) -> dict:
    p = session.prepare(text, options, track_kinks=True)
    names = _wrt(p, options, repeat=True)
    if options.wrt is None and len(names) != 1:
        raise DiffcliError("type", f"diff needs --wrt: the program has {len(names)} variables "
                           f"({', '.join(names) or 'none'})")
    if len(names) > 1 and options.order != 1:
        raise DiffcliError("usage", "give either --order with one variable or a list of variables, not both")
    if options.order > MAX_TAYLOR_ORDER:
        raise DiffcliError("limit", f"--order {options.order} is above {MAX_TAYLOR_ORDER}: past it n! "
                           "overflows float64, so the derivatives cannot be represented faithfully")
    seq = names * options.order if len(names) == 1 else names
    unique = list(dict.fromkeys(seq))
    env, leaves = p.env(unique)
    by_name = dict(zip(unique, leaves))
    for n, leaf in by_name.items():
        if leaf.size != 1:
            raise DiffcliError("shape", f"diff differentiates with respect to scalars; '{n}' has shape "
                               f"{leaf.shape}: use jacobian or hessian")
    y = p.evaluate(env)
    _scalar(y, "diff", p)
    y = E.reshape(y, ()) if y.shape else y
    derivs = _taylor(y, by_name[seq[0]], len(seq)) if len(unique) == 1 and len(seq) > 1 else None
    if derivs is None:
        derivs, cur = [], y
        for i, n in enumerate(seq):
            (cur,) = E.grad(cur, (by_name[n],), create_graph=i + 1 < len(seq))
            derivs.append(cur)
    out = {"value": y, "wrt": seq, "derivative": derivs[-1],
           "warnings": session.warnings(p, [y]) + _nan_warnings({"".join(seq): derivs[-1]})}
    if options.all_orders:
        out["derivatives"] = derivs
    return out


def _taylor(y: E.Tensor, x: E.Tensor, order: int) -> list | None:
    """All derivatives up to ``order`` by Taylor mode (polynomial in the order), when every
    primitive on the way has a series rule; None to fall back to nested reverse mode."""
    try:
        from .engine.taylor import derivatives
    except ImportError:  # pragma: no cover
        return None
    try:
        vals = derivatives(y, x, order)
    except NotImplementedError:
        return None
    return [E.const(v) for v in vals[1:]]


MAX_CHECK_ELEMENTS = 10_000  # check evaluates the program twice per element: quadratic past it


def cmd_check(session: Session, text: str, options: Options) -> dict:
    p, names, leaves, y = _forward(session, text, options)
    _scalar(y, "check", p)
    count = sum(leaf.size for leaf in leaves)
    if count > MAX_CHECK_ELEMENTS:
        raise DiffcliError("limit", f"check perturbs one element at a time (two evaluations of the program "
                           f"each), so its cost grows with the square of the size: {count:,} elements is over "
                           f"its limit of {MAX_CHECK_ELEMENTS:,}; check a smaller value or a slice")
    grads = E.grad(E.reshape(y, ()) if y.shape else y, leaves)
    warnings = session.warnings(p, [y])  # before the probes, whose own events are not the program's
    per_var, worst_abs, worst_rel, ok, undetermined = {}, 0.0, 0.0, True, 0
    for n, g, leaf in zip(names, grads, leaves):
        numeric = _central_differences(p, n, leaf)
        pairs = [(float(a), b) for a, b in zip(_flat(g._v), numeric) if b == b]  # nan: undetermined
        abs_errs = [abs(a - b) for a, b in pairs]
        rel_errs = [e / max(abs(a), abs(b), 1e-300) if e else 0.0 for e, (a, b) in zip(abs_errs, pairs)]
        var_ok = all(e <= options.tol * max(1.0, abs(b)) for e, (_, b) in zip(abs_errs, pairs))  # False on nan
        ok = ok and var_ok
        undetermined += len(numeric) - len(pairs)
        worst_abs = _nanmax([worst_abs] + abs_errs)
        worst_rel = _nanmax([worst_rel] + rel_errs)
        per_var[n] = {"grad": g, "numeric": _unflat(numeric, leaf.shape),
                      "max_abs_error": _nanmax(abs_errs), "max_rel_error": _nanmax(rel_errs),
                      "ok": var_ok, "undetermined": len(numeric) - len(pairs)}
    if undetermined:
        warnings.append(f"the numeric derivative is undetermined for {undetermined} element"
                        f"{'s' if undetermined > 1 else ''} (the estimates did not converge: a singular point, "
                        "a branch cut or the edge of the domain); those are not compared")
    return {"ok": ok, "max_abs_error": worst_abs, "max_rel_error": worst_rel, "tolerance": options.tol,
            "undetermined": undetermined, "value": y, "variables": per_var, "warnings": warnings}


def _nanmax(xs: list) -> float:
    """The largest, or nan when any is nan (max() would hide it)."""
    return math.nan if any(x != x for x in xs) else max(xs, default=0.0)


def _flat(v: Any) -> list:
    return [v] if type(v) is float else list(v.reshape(-1))


def _unflat(vals: list, shape: tuple) -> E.Tensor:
    """``_flat`` undone (a scalar stays a float: no numpy for a scalar program)."""
    return E.tensor(vals[0]) if not shape else E.reshape(E.tensor(vals), shape)


def _central_differences(p: Prepared, name: str, leaf: E.Tensor) -> list[float]:
    """d value / d name, element by element (nan where the numbers cannot decide): a fixed
    number of probes per element at most, so the cost grows linearly with the elements."""
    base = _flat(leaf._v)
    out = []
    for k, xk in enumerate(base):
        def at(v: float, k: int = k) -> float:
            pert = list(base)
            pert[k] = v
            env, _ = p.env()
            env[name] = _unflat(pert, leaf.shape)
            with E.no_grad():
                return p.evaluate(env).item()
        out.append(finitediff.derivative(at, xk))
    return out


def cmd_graph(session: Session, text: str, options: Options) -> dict:
    from .graphview import build
    p, names, leaves, y = _forward(session, text, options, trace=True)
    return build(p, dict(zip(names, leaves)), y) | {"warnings": session.warnings(p, [y])}


COMMANDS: dict[str, Callable[[Session, str, Options], dict]] = {
    "eval": cmd_eval, "grad": cmd_grad, "jacobian": cmd_jacobian, "hessian": cmd_hessian,
    "diff": cmd_diff, "check": cmd_check, "graph": cmd_graph,
}


def _optimize_command(name: str) -> Callable[[Session, str, Options], dict]:
    """minimize and solve live in their own module, imported (with numpy) only when used."""
    def run_it(session: Session, text: str, options: Options) -> dict:
        from . import optimize_commands
        return getattr(optimize_commands, "cmd_" + name)(session, text, options)
    return run_it


COMMANDS.update({name: _optimize_command(name) for name in ("minimize", "solve")})
