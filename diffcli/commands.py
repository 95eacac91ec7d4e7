"""What each one-shot command computes: program text + options -> a result dict of tensors."""
from __future__ import annotations

import math
from typing import Any, Callable

from . import engine as E
from .engine.backend import has_nan
from .errors import DiffcliError
from .functional import jacobian_rows
from .session import Options, Prepared, Session

MAX_TAYLOR_ORDER = 170  # past it, k! overflows float64 and the Taylor coefficients underflow
FD_STEP = 6.06e-6  # about eps^(1/3): balances truncation against rounding for central differences


def run(session: Session, command: str, text: str, options: Options) -> dict:
    """Run one program under the session's limits; a result dict or a DiffcliError."""
    fn = COMMANDS[command]
    with session.guarded(options.detect_anomaly):
        return fn(session, text, options)


def _wrt(p: Prepared, options: Options, repeat: bool = False) -> list[str]:
    """The variables to differentiate; a repeated name counts once unless ``repeat``
    (diff's mixed partials are taken in the order given)."""
    names = options.wrt if options.wrt is not None else p.order
    if not repeat:
        names = list(dict.fromkeys(names))
    for n in names:
        if n not in p.values:
            raise DiffcliError("name", f"--wrt names '{n}', which is not bound (bind it with 'at' or --at)")
    return list(names)


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
        if seed.shape != y.shape and not (seed.size == 1 and y.size == 1):
            raise DiffcliError("shape", f"--seed has shape {seed.shape} but the value has shape {y.shape}; "
                               "they must match")
        seed = E.reshape(seed, y.shape)
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
    grads = E.grad(y, leaves, create_graph=True)
    hess = {}
    for u, g in zip(names, grads):
        rows = jacobian_rows(g, tuple(leaves), create_graph=False)
        hess[u] = dict(zip(names, rows))
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
    per_var, worst_abs, worst_rel, ok = {}, 0.0, 0.0, True
    for n, g, leaf in zip(names, grads, leaves):
        numeric = _central_differences(p, n, leaf)
        analytic = [float(v) for v in _flat(g._v)]
        abs_errs = [abs(a - b) for a, b in zip(analytic, numeric)]
        rel_errs = [e / max(abs(a), abs(b), 1e-300) if e else 0.0 for e, a, b in zip(abs_errs, analytic, numeric)]
        var_ok = all(e <= options.tol * max(1.0, abs(b)) for e, b in zip(abs_errs, numeric))  # False on nan
        ok = ok and var_ok
        worst_abs = _nanmax([worst_abs] + abs_errs)
        worst_rel = _nanmax([worst_rel] + rel_errs)
        per_var[n] = {"grad": g, "numeric": _unflat(numeric, leaf.shape),
                      "max_abs_error": _nanmax(abs_errs), "max_rel_error": _nanmax(rel_errs),
                      "ok": var_ok}
    if not all(map(math.isfinite, [worst_abs, worst_rel])):
        warnings.append("finite differences could not be taken here (a probe left the function's domain "
                        "or the value is not finite)")
    return {"ok": ok, "max_abs_error": worst_abs, "max_rel_error": worst_rel, "tolerance": options.tol,
            "value": y, "variables": per_var, "warnings": warnings}


def _nanmax(xs: list) -> float:
    """The largest, or nan when any is nan (max() would hide it)."""
    return math.nan if any(x != x for x in xs) else max(xs, default=0.0)


def _flat(v: Any) -> list:
    return [v] if type(v) is float else list(v.reshape(-1))


def _unflat(vals: list, shape: tuple) -> E.Tensor:
    """``_flat`` undone (a scalar stays a float: no numpy for a scalar program)."""
    return E.tensor(vals[0]) if not shape else E.reshape(E.tensor(vals), shape)


def _central_differences(p: Prepared, name: str, leaf: E.Tensor) -> list[float]:
    """d value / d name, element by element, by central differences with an adaptive step:
    steps ~eps^(1/3)·max(1, |x|)·10^-j, keeping the largest step whose estimate the next step
    confirms (so a point near a domain edge, like log at 1e-7, is still measured). Large
    tensors use the first finite step only."""
    base = _flat(leaf._v)
    tries = 7 if len(base) <= 64 else 1
    out = []

    def at(pert: list) -> float:
        env, _ = p.env()
        env[name] = _unflat(pert, leaf.shape)
        with E.no_grad():
            return p.evaluate(env).item()

    for k, xk in enumerate(base):
        h = FD_STEP * max(1.0, abs(xk))
        estimates = []
        for _ in range(9 if tries == 1 else tries):
            hi, lo = list(base), list(base)
            hi[k], lo[k] = xk + h, xk - h
            f1, f0 = at(hi), at(lo)
            if math.isfinite(f1) and math.isfinite(f0):
                estimates.append((f1 - f0) / (2 * h))
                if tries == 1:
                    break
            h /= 10.0
        if len(estimates) >= 2:
            diffs = [abs(a - b) / max(1.0, abs(a)) for a, b in zip(estimates, estimates[1:])]
            settled = [i for i, d in enumerate(diffs) if d <= 1e-7]  # the largest step that has settled
            j = settled[0] if settled else min(range(len(diffs)), key=diffs.__getitem__)
            out.append(estimates[j])
        else:
            out.append(estimates[0] if estimates else math.nan)
    return out


def cmd_graph(session: Session, text: str, options: Options) -> dict:
    from .graphview import build
    p, names, leaves, y = _forward(session, text, options, trace=True)
    return build(p, dict(zip(names, leaves)), y) | {"warnings": session.warnings(p, [y])}


COMMANDS: dict[str, Callable[[Session, str, Options], dict]] = {
    "eval": cmd_eval, "grad": cmd_grad, "jacobian": cmd_jacobian, "hessian": cmd_hessian,
    "diff": cmd_diff, "check": cmd_check, "graph": cmd_graph,
}
