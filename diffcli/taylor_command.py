"""diffcli taylor: the Taylor polynomial of a program about a point, its coefficients from the
engine's Taylor mode, and the polynomial as text of the language (which parses back to the
same numbers)."""
from __future__ import annotations

import math
from fractions import Fraction
from itertools import combinations_with_replacement
from typing import Any, Callable

from . import engine as E
from .commands import MAX_TAYLOR_ORDER, _wrt
from .errors import DiffcliError
from .session import Options, Prepared, Session

MAX_DENOMINATOR = 10**7  # 1/10! and smaller show as decimals


def cmd_taylor(session: Session, text: str, options: Options) -> dict:
    p = session.prepare(text, options, track_kinks=True)
    out = expansion(p, options, p.env, None)
    out["warnings"] = session.warnings(p, [out["value"]])
    return out


def expansion(p: Prepared, options: Options, make_env: Callable[[list], tuple], size: int | None) -> dict:
    """Value, coefficients and polynomial about the bound point (``size``: the number of points
    of a grid, each variable a column of that many values; None: one point)."""
    names = _wrt(p, options)
    order = options.order
    if not names:
        raise DiffcliError("type", "taylor needs a variable: bind one with 'at' or --at")
    if order > MAX_TAYLOR_ORDER:
        raise DiffcliError("limit", f"--order {order} is above {MAX_TAYLOR_ORDER}: past it n! overflows float64")
    env, leaves = make_env(names)
    if size is None:
        for n, leaf in zip(names, leaves):
            if leaf.size != 1:
                raise DiffcliError("shape", f"taylor expands in scalar variables; '{n}' has shape {leaf.shape}")
    y = p.evaluate(env)
    if size is None and y.size != 1:
        raise DiffcliError("shape", f"taylor needs a scalar program, but its value has shape {y.shape}").at(
            p.program.expr.span, p.source)
    if size is None and y.shape:
        y = E.reshape(y, ())
    at = {n: leaf._v for n, leaf in zip(names, leaves)}
    if len(names) == 1:
        coeffs = _univariate(y, leaves[0], order)
        table = {(k,): c for k, c in enumerate(coeffs)}
    else:
        table = _multivariate(y, leaves, order)
    out = {"value": y, "at": at}
    if size is None:
        out["coefficients"] = [E.const(c) for c in table.values()] if len(names) == 1 else \
            {monomial(names, m): E.const(c) for m, c in table.items()}
        out["polynomial"] = polynomial(names, {m: float(c) for m, c in table.items()}, {n: float(v) for n, v in at.items()})
        return out
    from .grid import Col, _col
    out["value"] = _col(y, size)
    out.pop("at")  # a grid's rows carry their own point
    cols = {m: _col(E.const(c), size).v for m, c in table.items()}
    out["coefficients"] = [Col(c) for c in cols.values()] if len(names) == 1 else \
        {monomial(names, m): Col(c) for m, c in cols.items()}
    rows = zip(*[c.tolist() for c in cols.values()], *[_col(E.const(v), size).v.tolist() for v in at.values()])
    k = len(cols)
    out["polynomial"] = Col([polynomial(names, dict(zip(cols, r[:k])), dict(zip(names, r[k:]))) for r in rows])
    return out


def _univariate(y: E.Tensor, x: E.Tensor, order: int) -> list:
    from .engine.taylor import coefficients
    try:
        return coefficients(y, x, order)
    except NotImplementedError:  # a primitive without a series rule: nested reverse mode
        out, cur = [y._v], y
        for k in range(1, order + 1):
            (cur,) = E.grad(cur, (x,), _seed(cur), create_graph=k < order)
            out.append(cur._v / math.factorial(k))
        return out


def _seed(t: E.Tensor) -> Any:
    from .engine.backend import np
    return E.const(np.ones(t.shape)) if t.shape else None


def _multivariate(y: E.Tensor, leaves: list, order: int) -> dict:
    """Every monomial of total degree <= order: d^|m| y / dx^m / m! by nested reverse mode, each
    mixed partial taken once (a derivative of degree k is the gradient of one of degree k - 1)."""
    d = len(leaves)
    level = {(): y}
    table = {(0,) * d: y._v}
    for k in range(1, order + 1):
        nxt = {}
        for combo in combinations_with_replacement(range(d), k):
            parent = level[combo[:-1]]
            (g,) = E.grad(parent, (leaves[combo[-1]],), _seed(parent), retain_graph=True, create_graph=k < order)
            nxt[combo] = g
            powers = tuple(combo.count(i) for i in range(d))
            table[powers] = g._v / math.prod(math.factorial(p) for p in powers)
        level = nxt
    return dict(sorted(table.items(), key=lambda kv: (sum(kv[0]), [-p for p in kv[0]])))


def monomial(names: list[str], powers: tuple) -> str:
    """'x^2*y' for powers (2, 1); '1' for the constant term."""
    parts = [n if p == 1 else f"{n}^{p}" for n, p in zip(names, powers) if p]
    return "*".join(parts) or "1"


def number(c: float) -> str:
    """A coefficient as the language writes it: a fraction p/q when that is the same float
    (1/6, -1/8), else the shortest decimal that round-trips."""
    if not math.isfinite(c):
        return "nan" if c != c else ("inf" if c > 0 else "-inf")
    if c == int(c) and abs(c) < 2**53:
        return repr(float(c)) if abs(c) >= 1e16 else str(int(c))
    f = Fraction(c).limit_denominator(MAX_DENOMINATOR)
    if f.denominator > 1 and f.numerator / f.denominator == c and abs(f.numerator) < 10**6:
        return f"{f.numerator}/{f.denominator}"
    return repr(c)


def polynomial(names: list[str], coeffs: dict, at: dict[str, float]) -> str:
    """sum of c_m * prod (name - at)^p, in the language: '1 + x - 1/6*x^3'."""
    bases = {n: _shifted(n, a) for n, a in at.items()}
    terms = []
    for powers, c in coeffs.items():
        if c == 0.0:
            continue
        factors = [bases[n] if p == 1 else f"{bases[n]}^{p}" for n, p in zip(names, powers) if p]
        negative = c < 0 or (c == 0 and math.copysign(1.0, c) < 0)
        mag = number(abs(c)) if c == c else "nan"
        if factors and mag == "1":
            body = "*".join(factors)
        else:
            body = "*".join([mag] + factors)
        terms.append(("- " if negative else "+ ") + body)
    if not terms:
        return "0"
    text = " ".join(terms)
    return text[2:] if text.startswith("+ ") else "-" + text[2:]


def _shifted(name: str, a: float) -> str:
    if a == 0.0:
        return name
    return f"({name} - {number(a)})" if a > 0 else f"({name} + {number(-a)})"
