"""SymPy as the exact oracle: 1st to 4th derivatives of scalar functions, by
nested diffcli.grad(create_graph=True) and by functional.derivative, against
SymPy's exact derivatives evaluated with evalf at the exact binary value of
each point."""
from __future__ import annotations

import functools
import math

import numpy as np
import pytest
import sympy as sp

import diffcli as d
from diffcli import functional as F
from engine_testlib import raw

X = sp.Symbol("x", real=True)
ORDERS = (1, 2, 3, 4)
RTOL = 1e-12

# name -> (diffcli function, sympy expression, points inside the domain)
P = (0.3, -0.45, 1.25)
PPOS = (0.3, 1.25, 2.5)
TABLE = {
    "sin": (d.sin, sp.sin(X), P),
    "cos(2x)": (lambda t: d.cos(2 * t), sp.cos(2 * X), P),
    "tan": (d.tan, sp.tan(X), P),
    "exp(sin x)": (lambda t: d.exp(d.sin(t)), sp.exp(sp.sin(X)), P),
    "x**x": (lambda t: t ** t, X ** X, PPOS),
    "log1p(x**2)*tanh(x)": (lambda t: d.log1p(t ** 2) * d.tanh(t), sp.log(1 + X ** 2) * sp.tanh(X), P),
    "atan2(sin x, cos x + 2)": (lambda t: d.atan2(d.sin(t), d.cos(t) + 2),
                                sp.atan2(sp.sin(X), sp.cos(X) + 2), P),
    "asin": (d.asin, sp.asin(X), (0.3, -0.45, 0.8)),
    "acos": (d.acos, sp.acos(X), (0.3, -0.45, 0.8)),
    "atan(x)**2": (lambda t: d.atan(t) ** 2, sp.atan(X) ** 2, P),
    "sinh(x)*cos(x)": (lambda t: d.sinh(t) * d.cos(t), sp.sinh(X) * sp.cos(X), P),
    "cosh(x)/(sinh(x)+3)": (lambda t: d.cosh(t) / (d.sinh(t) + 3), sp.cosh(X) / (sp.sinh(X) + 3), P),
    "tanh(tanh x)": (lambda t: d.tanh(d.tanh(t)), sp.tanh(sp.tanh(X)), P),
    "asinh": (d.asinh, sp.asinh(X), P),
    "acosh(x+2)": (lambda t: d.acosh(t + 2), sp.acosh(X + 2), P),
    "atanh": (d.atanh, sp.atanh(X), (0.3, -0.45, 0.8)),
    "exp(-x**2)": (lambda t: d.exp(-t * t), sp.exp(-X ** 2), P),
    "expm1": (d.expm1, sp.exp(X) - 1, P),
    "log(x+2)": (lambda t: d.log(t + 2), sp.log(X + 2), P),
    "log2(x+2)": (lambda t: d.log2(t + 2), sp.log(X + 2, 2), P),
    "log10(x**2+1)": (lambda t: d.log10(t * t + 1), sp.log(X ** 2 + 1, 10), P),
    "sqrt(x+1)": (lambda t: d.sqrt(t + 1), sp.sqrt(X + 1), P),
    "cbrt(x)": (d.cbrt, sp.cbrt(X), PPOS),
    "erf": (d.erf, sp.erf(X), P),
    "sigmoid": (d.sigmoid, 1 / (1 + sp.exp(-X)), P),
    "softplus": (d.softplus, sp.log(1 + sp.exp(X)), P),
    "(x+2)**2.5": (lambda t: (t + 2) ** 2.5, (X + 2) ** sp.Rational(5, 2), P),
    "2**x": (lambda t: 2 ** t, 2 ** X, P),
    "x**3 - 2x": (lambda t: t ** 3 - 2 * t, X ** 3 - 2 * X, P),
    "1/(1+x*x)": (lambda t: 1 / (1 + t * t), 1 / (1 + X ** 2), P),
    "hypot(x, 2x+1)": (lambda t: d.hypot(t, 2 * t + 1), sp.sqrt(X ** 2 + (2 * X + 1) ** 2), P),
    "abs(x)**3": (lambda t: d.abs(t) ** 3, sp.Abs(X) ** 3, P),
    # array operations inside a scalar function
    "logsumexp([x, 2x])": (lambda t: d.logsumexp(d.stack([t, 2 * t])), sp.log(sp.exp(X) + sp.exp(2 * X)), P),
    "softmax([x, -x])[0]": (lambda t: d.softmax(d.stack([t, -t]))[0], 1 / (1 + sp.exp(-2 * X)), P),
    "norm([x, 1, x**2])": (lambda t: d.norm(d.stack([t, 1.0, t * t])),
                           sp.sqrt(X ** 2 + 1 + X ** 4), P),
    "prod([x, x+1, sin x])": (lambda t: d.prod(d.stack([t, t + 1, d.sin(t)])),
                              X * (X + 1) * sp.sin(X), P),
    # well away from singular at every point (det = x**3 + 2 >= 1.9)
    "det([[x, 1], [-2, x**2]])": (lambda t: d.det(d.stack([d.stack([t, 1.0]), d.stack([-2.0, t * t])])),
                                  X ** 3 + 2, P),
    "[x, x**2] @ [sin x, cos x]": (lambda t: d.stack([t, t * t]) @ d.stack([d.sin(t), d.cos(t)]),
                                   X * sp.sin(X) + X ** 2 * sp.cos(X), P),
    "max([x**2, 3 - x])": (lambda t: d.max(d.stack([t * t, 3 - t])), sp.Max(X ** 2, 3 - X),
                           (0.3, 2.0, -2.5)),
    "mean([x**3, exp x])": (lambda t: d.mean(d.stack([t ** 3, d.exp(t)])), (X ** 3 + sp.exp(X)) / 2, P),
}


@functools.lru_cache(maxsize=None)
def _derivatives(name: str) -> tuple:
    """The expression and its first four derivatives, each differentiated from the last."""
    out = [TABLE[name][1]]
    for _ in ORDERS:
        out.append(sp.diff(out[-1], X))
    return tuple(out)


@functools.lru_cache(maxsize=None)
def _exact(name: str, order: int, point: float) -> float:
    # sp.Rational(point) is the exact binary value of the float
    return float(_derivatives(name)[order].subs(X, sp.Rational(point)).evalf(40))


def _close(got: float, exact: float) -> bool:
    return abs(got - exact) <= RTOL * max(1.0, abs(exact))


def test_table_is_large_enough():
    assert len(TABLE) >= 20


@pytest.mark.parametrize("name", list(TABLE))
def test_nested_grad_matches_sympy(name):
    fn, _, points = TABLE[name]
    for p in points:
        x = d.tensor(p, requires_grad=True)
        y = fn(x)
        assert _close(y.item(), _exact(name, 0, p)), (p, 0)
        for k in ORDERS:
            (y,) = d.grad(y, x, create_graph=True)
            exact = _exact(name, k, p)
            assert _close(y.item(), exact), f"{name} order {k} at {p}: {y.item()!r} != {exact!r}"


@pytest.mark.parametrize("name", list(TABLE))
def test_functional_derivative_matches_sympy(name):
    fn, _, points = TABLE[name]
    for p in points:
        for k in (0,) + ORDERS:
            got = F.derivative(fn, p, k)
            assert got.shape == ()
            exact = _exact(name, k, p)
            assert _close(got.item(), exact), f"{name} order {k} at {p}: {got.item()!r} != {exact!r}"


ELEMENTWISE = [n for n in TABLE if n in {
    "sin", "cos(2x)", "tan", "exp(sin x)", "x**x", "log1p(x**2)*tanh(x)", "atan2(sin x, cos x + 2)",
    "asin", "acos", "atanh", "asinh", "acosh(x+2)", "erf", "sigmoid", "softplus", "sqrt(x+1)",
    "cbrt(x)", "log2(x+2)", "log10(x**2+1)", "(x+2)**2.5", "2**x", "hypot(x, 2x+1)", "abs(x)**3"}]


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivatives_of_arrays_are_elementwise(name):
    """On a vector the same derivatives come out elementwise: the numpy path, not math."""
    fn, _, points = TABLE[name]
    x = d.tensor(np.array(points), requires_grad=True)
    y = fn(x)
    for k in ORDERS:
        (y,) = d.grad(y.sum(), x, create_graph=True)
        assert y.shape == (len(points),)
        for got, p in zip(raw(y), points):
            assert _close(float(got), _exact(name, k, p)), (name, k, p)
        via_derivative = F.derivative(fn, d.tensor(np.array(points)), k)
        assert np.array_equal(raw(via_derivative), raw(y))


def test_the_oracle_would_notice_a_wrong_derivative():
    """The comparison is tight enough to reject an off-by-one-ulp-scale error in a rule."""
    exact = _exact("sin", 3, 0.3)
    assert _close(-math.cos(0.3), exact)
    assert not _close(-math.cos(0.3) * (1 + 1e-10), exact)
