"""Every command over a grid: one vectorised pass for all points when the program is
elementwise (the grid a batch axis through the engine and Taylor mode), otherwise the
command at each point in turn. Either way the answer at each point is the one the program
gives alone at that point; a point where it is undefined is that row's nan, with a warning."""
from __future__ import annotations

import math
from typing import Any, Callable

from . import engine as E
from .commands import COMMANDS, MAX_TAYLOR_ORDER, _taylor, _wrt
from .engine.backend import np
from .errors import DiffcliError, line_col
from .grid import Col, Grid, _col, columns_env, not_pointwise
from .session import Options, Prepared, Session

GRID_COMMANDS = ("eval", "grad", "hessian", "diff", "check", "taylor")
LISTED = 5  # points named in a warning


def run_grid(session: Session, command: str, text: str, options: Options, grid: Grid) -> dict:
    """The command's usual result with a Col per number, plus "grid" and "pointwise"."""
    if command not in GRID_COMMANDS:
        raise DiffcliError("usage", f"--grid works with {', '.join(GRID_COMMANDS)}, not {command}")
    if options.seed is not None:
        raise DiffcliError("usage", "--seed does not combine with --grid")
    with session.guarded(options.detect_anomaly):
        twice = [n for n in grid.names if n in dict(options.at)]
        if twice:
            raise DiffcliError("usage", f"'{twice[0]}' is bound by --grid and also by --at: bind it once")
        first = [(n, repr(float(c[0]))) for n, c in grid.columns.items()]
        p = session.prepare(text, Options(**{f: getattr(options, f) for f in Options.FIELDS if f != "at"},
                                          at=list(options.at) + first), track_kinks=True)
        clash = [n for n in grid.names if n in dict(options.at) or any(b.name == n for b in p.program.bindings)]
        if clash:
            raise DiffcliError("usage", f"'{clash[0]}' is bound by --grid and also by "
                               f"{'--at' if clash[0] in dict(options.at) else 'the program'}: bind it once")
        # check's finite differences (Ridders' method, adaptive per point) run at each point
        reason = "check's finite differences adapt their step to each point" if command == "check" \
            else not_pointwise(p)
        if reason is None:
            out = BATCHED[command](session, p, grid, options)
            out["warnings"] = _warnings(p, grid, out)
        else:
            out = _point_by_point(session, command, text, options, grid)
            out["warnings"].insert(0, f"computed point by point ({reason})")
        out["grid"], out["pointwise"] = grid, reason is None
        return out


# ---------------------------------------------------------------- one pass for every point
def _leaves(p: Prepared, grid: Grid, names: list[str]) -> tuple[dict, list]:
    env = columns_env(p, grid)
    leaves = []
    for n in names:
        col = env[n]._v if env[n].shape else np.full(grid.size, env[n].item())
        leaf = E.tensor(col, requires_grad=True)
        env[n] = leaf
        leaves.append(leaf)
    return env, leaves




def _ones(p: Prepared, y: E.Tensor) -> Any:
    return E.const(np.ones(y.shape)) if y.shape else None


def _eval(session: Session, p: Prepared, grid: Grid, options: Options) -> dict:
    with E.no_grad():
        y = p.evaluate(columns_env(p, grid))
    return {"value": _col(y, grid.size)}


def _forward(p: Prepared, grid: Grid, options: Options, repeat: bool = False) -> tuple:
    names = _wrt(p, options, repeat)
    env, leaves = _leaves(p, grid, list(dict.fromkeys(names)))
    return names, leaves, p.evaluate(env)


def _grad(session: Session, p: Prepared, grid: Grid, options: Options) -> dict:
    names, leaves, y = _forward(p, grid, options)
    grads = E.grad(y, leaves, _ones(p, y))
    return {"value": _col(y, grid.size), "grad": {n: _col(g, grid.size) for n, g in zip(names, grads)}}


def _hessian(session: Session, p: Prepared, grid: Grid, options: Options) -> dict:
    names, leaves, y = _forward(p, grid, options)
    grads = E.grad(y, leaves, _ones(p, y), create_graph=True)
    hess = {}
    for u, g in zip(names, grads):
        rows = E.grad(g, leaves, _ones(p, g), retain_graph=True)  # the next row walks the same graph
        hess[u] = {v: _col(h, grid.size) for v, h in zip(names, rows)}
    return {"value": _col(y, grid.size), "hessian": hess}


def _diff(session: Session, p: Prepared, grid: Grid, options: Options) -> dict:
    names = _wrt(p, options, repeat=True)
    if options.wrt is None and len(names) != 1:
        raise DiffcliError("type", f"diff needs --wrt: the program has {len(names)} variables "
                           f"({', '.join(names) or 'none'})")
    if options.order > MAX_TAYLOR_ORDER:
        raise DiffcliError("limit", f"--order {options.order} is above {MAX_TAYLOR_ORDER}: past it n! "
                           "overflows float64, so the derivatives cannot be represented faithfully")
    seq = names * options.order if len(names) == 1 else names
    unique = list(dict.fromkeys(seq))
    env, leaves = _leaves(p, grid, unique)
    by_name = dict(zip(unique, leaves))
    y = p.evaluate(env)
    derivs = _taylor(y, by_name[seq[0]], len(seq)) if len(unique) == 1 and len(seq) > 1 else None
    if derivs is None:
        derivs, cur = [], y
        for i, n in enumerate(seq):
            (cur,) = E.grad(cur, (by_name[n],), _ones(p, cur), create_graph=i + 1 < len(seq))
            derivs.append(cur)
    out = {"value": _col(y, grid.size), "wrt": seq, "derivative": _col(derivs[-1], grid.size)}
    if options.all_orders:
        out["derivatives"] = [_col(d, grid.size) for d in derivs]
    return out



def _taylor_grid(session: Session, p: Prepared, grid: Grid, options: Options) -> dict:
    from .taylor_command import expansion
    return expansion(p, options, lambda names: _leaves(p, grid, names), grid.size)


BATCHED: dict[str, Callable[[Session, Prepared, Grid, Options], dict]] = {
    "eval": _eval, "grad": _grad, "hessian": _hessian, "diff": _diff, "taylor": _taylor_grid}


def _warnings(p: Prepared, grid: Grid, result: dict) -> list[str]:
    """The evaluator's events as warnings, and the points whose row has a nan."""
    out, seen = [], set()
    nan_events = []
    for e in p.evaluator.events:
        line, col = line_col(e.source, e.span[0])
        if e.kind == "nan":
            nan_events.append(e.message)
            continue
        msg = f"{line}:{col}: {e.message} (at some points)"
        if msg not in seen:
            seen.add(msg)
            out.append(msg)
    if nan_events:  # where the value itself is undefined, the whole row is (as alone it fails)
        undefined = np.isnan(result["value"].v)
        for c in _cols(result):
            c.v[undefined] = np.nan
    bad = np.zeros(grid.size, dtype=bool)
    for c in _cols(result):
        bad |= np.isnan(c.v).reshape(grid.size, -1).any(axis=1)
    if bad.any():
        why = f": {nan_events[0]}" if nan_events else ""
        out.append(undefined_message(grid, np.flatnonzero(bad).tolist()) + why)
    return out


def undefined_message(grid: Grid, rows: list[int]) -> str:
    shown = ["(" + ", ".join(f"{n}={v!r}" for n, v in grid.point(i).items()) + ")" for i in rows[:LISTED]]
    more = f" and {len(rows) - LISTED:,} more" if len(rows) > LISTED else ""
    return f"nan at {len(rows):,} of {grid.size:,} points {', '.join(shown)}{more}"


def _cols(result: Any) -> list[Col]:
    """The columns of numbers in a result."""
    if isinstance(result, Col):
        return [result] if not isinstance(result.v, list) and result.v.dtype == np.float64 else []
    if isinstance(result, dict):
        return [c for k, v in result.items() if k != "warnings" for c in _cols(v)]
    if isinstance(result, list):
        return [c for v in result for c in _cols(v)]
    return []


# ---------------------------------------------------------------- one point at a time
def _point_by_point(session: Session, command: str, text: str, options: Options, grid: Grid) -> dict:
    if command == "taylor":
        from .taylor_command import cmd_taylor as fn
    else:
        fn = COMMANDS[command]
    results: list = []
    undefined, warnings = [], []
    for i in range(grid.size):
        at = list(options.at) + [(n, repr(v)) for n, v in grid.point(i).items()]
        opts = Options(**{f: getattr(options, f) for f in Options.FIELDS if f != "at"}, at=at)
        try:
            r = fn(session, text, opts)
        except DiffcliError as err:
            if err.kind != "domain":
                where = ", ".join(f"{n}={v!r}" for n, v in grid.point(i).items())
                err.message += f" (at the grid point {where})"
                raise
            undefined.append(i)
            warnings.append(err.message) if err.message not in warnings else None
            r = None
        else:
            warnings.extend(w for w in r.get("warnings", []) if w not in warnings)
        results.append(r)
    good = next((r for r in results if r is not None), None)
    if good is None:
        raise DiffcliError("domain", f"the program is undefined at every point of the grid: {warnings[0]}")
    out = _merge(good, results, [])
    out["warnings"] = [w for w in warnings if not undefined or w != warnings[0]]
    if undefined:
        out["warnings"].append(undefined_message(grid, undefined) + f": {warnings[0]}")
    return out


def _merge(shape_of: Any, rows: list, path: list) -> Any:
    """Per-point results (None where undefined) as one result of columns."""
    def pick(r: Any) -> Any:
        for k in path:
            r = r[k]
        return r
    if isinstance(shape_of, dict):
        return {k: _merge(v, rows, path + [k]) for k, v in shape_of.items() if k != "warnings"}
    if isinstance(shape_of, list) and shape_of and isinstance(shape_of[0], E.Tensor):
        return [_merge(v, rows, path + [i]) for i, v in enumerate(shape_of)]
    if isinstance(shape_of, (E.Tensor, bool, float, int)) or (isinstance(shape_of, str) and path == ["polynomial"]):
        blank = _blank(shape_of)
        vals = [blank if r is None else _raw(pick(r)) for r in rows]
        return Col(vals if isinstance(shape_of, str) else np.array(vals))
    return shape_of  # the same at every point (diff's wrt)


def _raw(v: Any) -> Any:
    return v._v if isinstance(v, E.Tensor) else v


def _blank(v: Any) -> Any:
    if isinstance(v, E.Tensor):
        return math.nan if not v.shape else np.full(v.shape, np.nan)
    return False if isinstance(v, bool) else ("" if isinstance(v, str) else math.nan)
