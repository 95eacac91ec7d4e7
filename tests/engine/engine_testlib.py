"""Shared helpers for the autodiff engine tests: tolerances, hypothesis settings and
strategies, and numerical gradient checks.

The numerical checks here are independent of ``diffcli.gradcheck`` (which is
itself under test): central differences in float64 on the raw values.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import diffcli as d

# --------------------------------------------------------------------------
# Settings
# Modest example counts keep the whole engine suite fast on 2 cores; deadline
# off because a first call pays numpy's import and CI machines are noisy.
HYP = settings(max_examples=15, deadline=None, derandomize=True, database=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

EPS = 1e-6          # central-difference step: truncation ~EPS**2, rounding ~1e-16/EPS
RTOL = 1e-5
ATOL = 1e-6


# --------------------------------------------------------------------------
# Conversions and comparisons
def raw(t) -> np.ndarray:
    """A tensor's value (or any number/array) as a float64 numpy array."""
    if isinstance(t, d.Tensor):
        return np.array(t.numpy(), dtype=np.float64)
    return np.array(t, dtype=np.float64)


def assert_close(actual, expected, rtol: float = RTOL, atol: float = ATOL, msg: str = "") -> None:
    a, e = raw(actual), raw(expected)
    assert a.shape == e.shape, f"shape {a.shape} != {e.shape} {msg}"
    np.testing.assert_allclose(a, e, rtol=rtol, atol=atol, err_msg=msg)


def _weights(shape: tuple, seed: int = 0) -> np.ndarray:
    """Fixed, non-symmetric weights so a VJP check sees every output element."""
    rng = np.random.default_rng(seed)
    return rng.uniform(0.5, 1.5, size=shape) * rng.choice([-1.0, 1.0], size=shape)


def weighted(y: d.Tensor, w: np.ndarray) -> d.Tensor:
    """sum(w * y) as an engine scalar (w constant)."""
    if y.shape == ():
        return y * float(w)
    return (y * d.tensor(w)).sum()


def fd_vjp(f: Callable, values: Sequence[np.ndarray], w: np.ndarray, eps: float = EPS) -> list:
    """Central differences of x -> sum(w * f(x)) with respect to every input element."""
    def scalar(vals):
        with d.no_grad():
            y = f(*[d.tensor(v if v.shape else float(v)) for v in vals])
        return float(np.sum(w * raw(y)))

    grads = []
    for i, v in enumerate(values):
        v = np.array(v, dtype=np.float64)
        g = np.zeros(v.shape)
        for k in np.ndindex(v.shape):
            hi = [np.array(u, dtype=np.float64) for u in values]
            lo = [np.array(u, dtype=np.float64) for u in values]
            hi[i][k] += eps
            lo[i][k] -= eps
            g[k] = (scalar(hi) - scalar(lo)) / (2 * eps)
        grads.append(g)
    return grads


def check_grad(f: Callable, *values, rtol: float = RTOL, atol: float = ATOL, seed: int = 0) -> list:
    """The reverse-mode gradient of sum(w * f(x)) against central differences.

    Returns the analytic gradients (numpy arrays) so callers can add checks.
    """
    values = [np.array(v, dtype=np.float64) for v in values]
    xs = [d.tensor(v if v.shape else float(v), requires_grad=True) for v in values]
    y = f(*xs)
    assert y.requires_grad and y.grad_fn is not None, "the output recorded no graph"
    w = _weights(y.shape, seed)
    gs = d.grad(weighted(y, w), xs)
    num = fd_vjp(f, values, w)
    out = []
    for i, (g, n, x) in enumerate(zip(gs, num, xs)):
        assert g.shape == x.shape, f"gradient {i} has shape {g.shape}, input {x.shape}"
        assert g.grad_fn is None and not g.requires_grad, "grad() without create_graph recorded"
        assert_close(g, n, rtol=rtol, atol=atol, msg=f"input {i}")
        out.append(raw(g))
    return out


def check_gradgrad(f: Callable, *values, rtol: float = RTOL, atol: float = ATOL, seed: int = 1) -> None:
    """Second derivatives: the Hessian-vector product of L = sum(w * f(x)) along a random
    direction, by differentiating the create_graph gradient, against central differences
    of the analytic gradient itself."""
    values = [np.array(v, dtype=np.float64) for v in values]
    rng = np.random.default_rng(seed)
    dirs = [rng.uniform(-1.0, 1.0, size=v.shape) for v in values]

    def analytic_grad(vals, create: bool):
        xs = [d.tensor(v if v.shape else float(v), requires_grad=True) for v in vals]
        y = f(*xs)
        w = _weights(y.shape, seed)
        return xs, d.grad(weighted(y, w), xs, create_graph=create)

    xs, gs = analytic_grad(values, True)
    inner = None
    for g, v in zip(gs, dirs):
        term = weighted(g, v)
        inner = term if inner is None else inner + term
    if inner.requires_grad:
        hv = d.grad(inner, xs)
    else:  # a gradient that does not depend on the inputs: the Hessian is zero
        hv = [d.zeros(x.shape) for x in xs]
    _, ghi = analytic_grad([v + EPS * u for v, u in zip(values, dirs)], False)
    _, glo = analytic_grad([v - EPS * u for v, u in zip(values, dirs)], False)
    for i in range(len(values)):
        num = (raw(ghi[i]) - raw(glo[i])) / (2 * EPS)
        assert hv[i].shape == xs[i].shape
        assert_close(hv[i], num, rtol=rtol, atol=atol, msg=f"H v for input {i}")


# --------------------------------------------------------------------------
# Hypothesis strategies
SHAPES = [(), (3,), (2, 3)]


def floats(lo: float, hi: float):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def away_from_zero(lo: float, hi: float):
    """Values with lo <= |x| <= hi, either sign (for functions with a kink at 0)."""
    return st.tuples(floats(lo, hi), st.booleans()).map(lambda t: -t[0] if t[1] else t[0])


def arrays(shape, elements):
    return hnp.arrays(np.float64, shape, elements=elements)


def interleaved(which: int):
    """Values on two interleaved lattices (0.2 k + [0.01, 0.09] and 0.2 k + [0.11, 0.19]):
    elements drawn with which=0 and which=1 are never within 0.02 of each other, so
    maximum/minimum/clip are never near a tie or a bound."""
    base = 0.0 if which == 0 else 0.1
    return st.builds(lambda k, s: round(0.2 * k + base + s, 12),
                     st.integers(-10, 10), floats(0.01, 0.09))


def distinct(shape, lo: int = -300, hi: int = 300):
    """Arrays with elements on a 0.01 grid, all different (no ties for max/min)."""
    return hnp.arrays(np.float64, shape, elements=st.integers(lo, hi).map(lambda k: k / 100.0),
                      unique=True)
