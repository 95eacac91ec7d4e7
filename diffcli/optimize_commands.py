"""The `minimize` and `solve` commands: a program's variables as one float64 vector, the
engine's exact derivatives as the callbacks of diffcli.optim."""
from __future__ import annotations

import math
from typing import Any

from . import engine as E
from .errors import DiffcliError
from .functional import jacobian_rows
from .session import Options, Prepared, Session, wrt_names


class _Packing:
    """The variables in ``names`` as slices of one vector, and back."""

    def __init__(self, p: Prepared, names: list[str]) -> None:
        import numpy as np
        self.p, self.names = p, names
        self.shapes = [p.values[n].shape for n in names]
        self.sizes = [max(1, math.prod(s)) for s in self.shapes]
        self.x0 = np.concatenate([np.ravel(np.asarray(p.values[n]._v, dtype=float)) for n in names]) \
            if names else np.zeros(0)

    def split(self, x: Any) -> dict[str, Any]:
        """Each variable's value (a float for a scalar: the engine's fast path)."""
        out, i = {}, 0
        for n, shape, size in zip(self.names, self.shapes, self.sizes):
            out[n] = float(x[i]) if not shape else x[i:i + size].reshape(shape).copy()
            i += size
        return out

    def leaves(self, x: Any) -> tuple[dict, list]:
        env = dict(self.p.values)
        leaves = []
        for n, v in self.split(x).items():
            env[n] = leaf = E.tensor(v, requires_grad=True)
            leaves.append(leaf)
        return env, leaves

    def flat(self, tensors: list) -> Any:
        import numpy as np
        return np.concatenate([np.ravel(np.asarray(t._v, dtype=float)) for t in tensors])


def _fresh_nodes() -> None:
    """Each evaluation is a program of its own for --max-nodes; --timeout covers the whole run."""
    b = E.engine_state.budget
    if b is not None:
        b.left = b.max_nodes


def _timed(f: Any) -> Any:
    """``f`` with the engine's time-limit error turned into TimeoutError, on which the
    optimisers stop and report the best point reached (not an error)."""
    import time

    def run(x: Any) -> Any:
        try:
            return f(x)
        except DiffcliError as e:
            b = E.engine_state.budget
            if e.kind == "limit" and b is not None and time.monotonic() > b.deadline:
                raise TimeoutError from None
            raise
    return run


def _limit_error(what: str) -> DiffcliError:
    return DiffcliError("limit", f"{what} ran past the time limit before its first evaluation (--timeout)")


def _prepare(session: Session, text: str, options: Options, what: str) -> tuple[Prepared, _Packing]:
    p = session.prepare(text, options, track_kinks=True)
    names = wrt_names(p, options)
    if not names:
        raise DiffcliError("name", f"{what} needs at least one variable with a starting value "
                           "(for example --at x=1)")
    return p, _Packing(p, names)


def _deadline_left(session: Session) -> float:
    import time
    b = E.engine_state.budget
    return math.inf if b is None else max(0.0, b.deadline - time.monotonic())


def _callbacks(p: Prepared, pack: _Packing) -> tuple[Any, Any]:
    """f with its gradient, and the Hessian matrix, of the program at a vector of variables."""
    def fg(x: Any) -> tuple[float, Any]:
        _fresh_nodes()
        env, leaves = pack.leaves(x)
        y = p.evaluate(env)
        if y.size != 1:
            raise DiffcliError("shape", f"minimize needs a scalar program, but its value has shape {y.shape}; "
                               "minimise a sum of squares, or use solve for a system of equations").at(
                                   p.program.expr.span, p.source)
        y = E.reshape(y, ()) if y.shape else y
        return float(y._v), pack.flat(E.grad(y, leaves))

    def hess(x: Any) -> Any:
        _fresh_nodes()
        env, leaves = pack.leaves(x)
        y = E.reshape(p.evaluate(env), ())
        grads = E.grad(y, leaves, create_graph=True)
        import numpy as np
        blocks = [[np.asarray(r._v, dtype=float).reshape(su, sv)
                   for r, sv in zip(jacobian_rows(g, tuple(leaves), create_graph=False), pack.sizes)]
                  for g, su in zip(grads, pack.sizes)]
        return np.block(blocks)

    return fg, hess


def cmd_minimize(session: Session, text: str, options: Options) -> dict:
    from .optim import minimize
    p, pack = _prepare(session, text, options, "minimize")

    fg, hess = _callbacks(p, pack)

    trace: list[dict] = []

    def record(k: int, x: Any, f: float, g: Any) -> None:
        trace.append({"iteration": k, "value": f, "grad_norm": _norm(g), "at": pack.split(x)})
    try:
        r = minimize(_timed(fg), pack.x0, options.method, options.tol, options.max_iter, hess=_timed(hess),
                     timeout=_deadline_left(session), callback=record if options.trace else None)
    except TimeoutError:
        raise _limit_error("minimize") from None
    except ValueError as exc:
        raise DiffcliError("domain", f"minimize cannot start: {exc}").at(p.program.expr.span, p.source) from None
    return {"value": r.f, "at": pack.split(r.x), "grad_norm": _norm(r.g), "iterations": r.iterations,
            "evaluations": r.evaluations, "converged": r.converged, "method": r.method,
            "message": r.message, "trace": trace, "ok": r.converged, "warnings": _warn(r)}


def cmd_solve(session: Session, text: str, options: Options) -> dict:
    from .optim import solve
    import numpy as np
    p, pack = _prepare(session, text, options, "solve")
    unknowns = int(sum(pack.sizes))

    def fj(x: Any) -> tuple[Any, Any]:
        _fresh_nodes()
        env, leaves = pack.leaves(x)
        y = p.evaluate(env)
        if y.size != unknowns:
            raise DiffcliError("shape", f"solve needs as many equations as unknowns: the program has "
                               f"{y.size} value(s) and {unknowns} unknown(s); minimise a sum of squares "
                               "for a system that is not square").at(p.program.expr.span, p.source)
        rows = jacobian_rows(y, tuple(leaves), create_graph=False)
        jac = np.concatenate([np.asarray(r._v, dtype=float).reshape(y.size, s) for r, s in zip(rows, pack.sizes)],
                             axis=1)
        return np.ravel(np.asarray(y._v, dtype=float)), jac

    trace: list[dict] = []

    def record(k: int, x: Any, F: Any) -> None:
        trace.append({"iteration": k, "residual_norm": _norm(F), "at": pack.split(x)})
    try:
        r = solve(_timed(fj), pack.x0, options.tol, options.max_iter, timeout=_deadline_left(session),
                  callback=record if options.trace else None)
    except TimeoutError:
        raise _limit_error("solve") from None
    except ValueError as exc:
        raise DiffcliError("domain", f"solve cannot start: {exc}").at(p.program.expr.span, p.source) from None
    return {"at": pack.split(r.x), "residual_norm": _norm(r.residual), "iterations": r.iterations,
            "evaluations": r.evaluations, "converged": r.converged, "message": r.message,
            "trace": trace, "ok": r.converged, "warnings": [] if r.converged else [r.message]}


def _norm(v: Any) -> float:
    import numpy as np
    return float(np.linalg.norm(v)) if len(v) else 0.0


def _warn(r: Any) -> list[str]:
    return [] if r.converged else [f"did not converge: {r.message}; the best point reached is shown"]


def objective(program: str, starts: dict[str, str]) -> tuple[Any, Any, Any]:
    """(fg, hess, x0) of a program over the variables in ``starts``, outside any command: the
    callables minimize uses, for the Python API and the benchmark beside scipy."""
    session = Session()
    p, pack = _prepare(session, program, Options(at=list(starts.items()), wrt=list(starts)), "minimize")
    fg, hess = _callbacks(p, pack)
    return fg, hess, pack.x0
