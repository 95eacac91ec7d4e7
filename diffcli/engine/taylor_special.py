"""Taylor rules of the primitives in ops_special.py (taylor.py merges them into its table)."""
from __future__ import annotations

import math

from . import taylor_series as ts
from .ops import TWO_OVER_SQRT_PI, UNARY
from .ops_special import POLYGAMMA, SINC_D

EXP = UNARY["exp"]


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


def _family(prim):
    """A family whose member n+1 is the derivative of member n (node.p is n)."""
    return lambda w0, node, u: _compose(w0, lambda j: prim.forward((u[0],), node.p + j), u)


def _mod(w0, node, u, v):
    u, v = (s + [0.0] * (max(len(u), len(v)) - len(s)) for s in (u, v))
    q = UNARY["floor"].forward((u[0] / v[0],))  # piecewise constant: the branch at the point
    return [w0] + [a - q * b for a, b in zip(u[1:], v[1:])]


def _erfc(w0, node, u):
    q = ts.mul(u[:-1], u[:-1])  # erfc' = -2/sqrt(pi) exp(-u^2)
    e = ts.exp([-c for c in q], EXP.forward((-q[0],)))
    return ts.integ(u, [-TWO_OVER_SQRT_PI * c for c in e], w0)


def _lgamma(w0, node, u):
    return _compose(w0, lambda j: POLYGAMMA.forward((u[0],), j - 1), u)


def _gamma(w0, node, u):
    lg = _lgamma(0.0, node, u)  # gamma' = gamma * digamma: gamma = w0 exp(lgamma - lgamma(u0))
    return ts.exp(lg, w0)


RULES = {"Mod": _mod, "Erfc": _erfc, "Lgamma": _lgamma, "Gamma": _gamma,
         "Polygamma": _family(POLYGAMMA), "SincD": _family(SINC_D)}
