"""numpy's other elementwise primitives: mod, erfc, sinc, lgamma, gamma, digamma and polygamma.

Each has a math kernel (a scalar program never imports numpy), a numpy kernel and its rule in
engine operations. The derivatives of sinc and of lgamma are families indexed by the order
(``SincD`` is the n-th derivative of sinc, ``Polygamma`` the n-th derivative of digamma): the
rule of member n is member n+1, so every order comes without a closed form per order, and the
Taylor rule composes the members' values at the point (``_compose``).
Kinks: mod jumps where x/y is an integer (its derivative is taken from the side numpy's floor
gives: 1 in x, -floor(x/y) in y).
"""
from __future__ import annotations

import math
from typing import Any

from . import taylor_series as ts
from .apply import apply
from .backend import np
from .ops_arith import binary_function, div, mul, neg, unary_function
from .ops_math import EXP, FLOOR, TWO_OVER_SQRT_PI, exp, floor
from .prim import Prim
from .tensor import Tensor

INF, NAN = math.inf, math.nan


# --------------------------------------------------------------------------
# mod: numpy's remainder (the sign of the divisor), and its derivative
def _mod(x: float, y: float) -> float:
    return x % y  # Python's float % is numpy's remainder; x % 0 raises, where numpy says nan


def _mod_kink(x, y):
    if type(x) is float and type(y) is float:
        return y != 0 and x / y == math.floor(x / y)
    q = np.asarray(x) / np.asarray(y)
    return np.floor(q) == q


def _mod_series(w0, node, u, v):
    u, v = ts.pad(u, v)
    q = ts.k(FLOOR, u[0] / v[0])  # piecewise constant: the branch at the point
    return [w0] + [a - q * b for a, b in zip(u[1:], v[1:])]


MOD = Prim("Mod", _mod, "remainder", (
    lambda g, a, x, y: g,
    lambda g, a, x, y: mul(g, neg(floor(div(x, y))))),
    edge=lambda x, y: NAN, elementwise=True, taylor=_mod_series,
    kink=(_mod_kink, "mod jumps where x/y is an integer; its derivative is taken as 1 in x and "
          "-floor(x/y) in y"))


# --------------------------------------------------------------------------
# erfc
def _vectorized(f):
    return lambda x: np.vectorize(f, otypes=[np.float64])(x)


def _erfc_series(w0, node, u):
    q = ts.quadratic(u, 0.0, -1.0)  # erfc' = -2/sqrt(pi) exp(-u^2)
    return ts.integ(u, [-TWO_OVER_SQRT_PI * c for c in ts.exp(q, ts.k(EXP, q[0]))], w0)


ERFC = Prim("Erfc", math.erfc, _vectorized(math.erfc), (
    lambda g, a, x: mul(g, mul(-TWO_OVER_SQRT_PI, exp(neg(mul(x, x))))),),
    elementwise=True, taylor=_erfc_series)


def _compose(w0, derivs, u):
    """f(u) from f's derivatives at u_0: sum_j f^(j)(u_0)/j! (u - u_0)^j, truncated."""
    p = [0.0] + list(u[1:])
    out = [w0] + [0.0] * (len(u) - 1)
    power = [1.0] + [0.0] * (len(u) - 1)
    for j in range(1, len(u)):
        power = ts.mul(power, p)
        c = derivs(j) / math.factorial(j)
        for k in range(j, len(u)):
            out[k] = out[k] + c * power[k]
    return out


def _family_series(w0, node, u):
    """A family whose member n+1 is the derivative of member n (the parameter is n)."""
    return _compose(w0, lambda j: node.prim.forward((u[0],), node.p + j), u)


# --------------------------------------------------------------------------
# The derivatives of digamma: psi^(n)(x), in plain Python.
_B2K = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510, 43867 / 798,
        -174611 / 330, 854513 / 138, -236364091 / 2730)


def polygamma_value(x: float, n: int) -> float:
    """psi^(n)(x): the recurrence psi^(n)(x) = psi^(n)(x+1) + (-1)^(n+1) n!/x^(n+1) moves x past
    a bound where the asymptotic (Bernoulli) series is exact to rounding."""
    if x != x:
        return x
    if x <= 0 and x == math.floor(x):  # a pole: digamma's sign depends on the side, so nan but at 0
        return (-INF if n == 0 else INF) if x == 0 and (n == 0 or n % 2 == 1) else NAN
    if x == INF:
        return INF if n == 0 else 0.0
    if x == -INF:
        return NAN
    if n == 0 and x < 0:  # reflection: psi(x) = psi(1 - x) - pi / tan(pi x)
        return polygamma_value(1.0 - x, 0) - math.pi / math.tan(math.pi * x)
    if x < -1e6:
        return NAN  # the recurrence would take too many steps (and cancel)
    fact = math.factorial(n)
    sign = -1.0 if n % 2 == 0 else 1.0  # (-1)^(n+1)
    acc = 0.0
    bound = 20.0 + n
    try:
        while x < bound:
            acc += sign * fact / x ** (n + 1)
            x += 1.0
        x2 = x * x
        if n == 0:
            t = math.log(x) - 0.5 / x
            p = x2
            for k, b in enumerate(_B2K, 1):
                t -= b / (2 * k * p)
                p *= x2
            return acc + t
        t = math.factorial(n - 1) / x ** n + fact / (2.0 * x ** (n + 1))
        p = x ** (n + 2)
        for k, b in enumerate(_B2K, 1):
            t += b * math.factorial(2 * k + n - 1) / (math.factorial(2 * k) * p)
            p *= x2
        return acc + sign * t
    except OverflowError:
        return sign * INF


def _polygamma_array(x, n):
    return np.vectorize(lambda v: polygamma_value(v, n), otypes=[np.float64])(x)


POLYGAMMA = Prim("Polygamma", polygamma_value, _polygamma_array, (
    lambda g, a, x, n: mul(g, apply(POLYGAMMA, (x,), n + 1)),), has_param=True, batch=True,
    taylor=_family_series)


def polygamma(n: int, x: Any) -> Tensor:
    """psi^(n)(x), the n-th derivative of digamma (scipy's argument order)."""
    return apply(POLYGAMMA, (x,), int(n))


def digamma(x: Any) -> Tensor:
    """psi(x) = lgamma'(x)."""
    return apply(POLYGAMMA, (x,), 0)


def _lgamma_edge(x: float) -> float:
    return INF  # the poles at 0 and the negative integers; an overflow


def _gamma_edge(x: float) -> float:
    if x == 0:
        return math.copysign(INF, x)
    return NAN if x < 0 and x == math.floor(x) else INF


def _lgamma_series(w0, node, u):
    return _compose(w0, lambda j: POLYGAMMA.forward((u[0],), j - 1), u)


def _gamma_series(w0, node, u):
    return ts.exp(_lgamma_series(0.0, node, u), w0)  # gamma' = gamma digamma = gamma lgamma'


LGAMMA = Prim("Lgamma", math.lgamma, _vectorized(lambda v: _safe(math.lgamma, _lgamma_edge, v)),
              (lambda g, a, x: mul(g, digamma(x)),), edge=_lgamma_edge, elementwise=True, taylor=_lgamma_series)
GAMMA = Prim("Gamma", math.gamma, _vectorized(lambda v: _safe(math.gamma, _gamma_edge, v)),
             (lambda g, a, x: mul(g, mul(a, digamma(x))),), uses_ans=True, edge=_gamma_edge, elementwise=True,
             taylor=_gamma_series)


def _safe(f, edge, v: float) -> float:
    try:
        return f(v)
    except (ValueError, OverflowError):
        return edge(v)


# --------------------------------------------------------------------------
# sinc(x) = sin(pi x) / (pi x), 1 at 0, and its n-th derivatives
def sinc_derivative(x: float, n: int) -> float:
    """The n-th derivative of numpy's sinc: its power series near 0 (where the quotient
    cancels), Leibniz's rule on sin(pi x) * 1/(pi x) elsewhere."""
    if x != x or x in (INF, -INF):
        return NAN if x != x else 0.0
    if n == 0 and x != 0:
        return math.sin(math.pi * x) / (math.pi * x)  # numpy's formula, for the same value
    if abs(x) < 1.0:
        total, k = 0.0, (n + 1) // 2
        while True:  # sum_k (-1)^k pi^2k / (2k+1)! * d^n x^2k
            m = 2 * k - n
            term = (-1.0) ** k * math.pi ** (2 * k) / math.factorial(2 * k + 1) \
                * math.factorial(2 * k) / math.factorial(m) * (x ** m if m else 1.0)
            total += term
            if k > n and abs(term) <= 1e-17 * abs(total):
                return total
            k += 1
    total = 0.0
    for k in range(n + 1):
        m = n - k
        total += math.comb(n, k) * math.pi ** k * math.sin(math.pi * x + k * math.pi / 2) \
            * (-1.0) ** m * math.factorial(m) / (math.pi * x ** (m + 1))
    return total


def _sinc_array(x, n):
    return np.vectorize(lambda v: sinc_derivative(v, n), otypes=[np.float64])(x)


SINC_D = Prim("SincD", sinc_derivative, _sinc_array, (
    lambda g, a, x, n: mul(g, apply(SINC_D, (x,), n + 1)),), has_param=True, batch=True,
    taylor=_family_series)


def sinc(x: Any) -> Tensor:
    """numpy's normalised sinc: sin(pi x) / (pi x), 1 at 0 (smooth there, at every order)."""
    return apply(SINC_D, (x,), 0)


mod, erfc = binary_function(MOD), unary_function(ERFC)
lgamma, gamma = unary_function(LGAMMA), unary_function(GAMMA)
digamma.prim = polygamma.prim = POLYGAMMA
sinc.prim = SINC_D
