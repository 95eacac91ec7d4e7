"""Truncated Taylor series arithmetic: the recurrences behind ``taylor.derivatives``.

A series is a list ``[c_0, ..., c_n]`` of normalised coefficients
(c_k = f^(k)/k!) holding raw values: floats, or numpy arrays that broadcast
together. Each function returns a list as long as its first argument and
costs O(n^2) raw operations. The zeroth coefficient ``w0`` is passed in, so it
is the engine's own forward value; the recurrences only build on it.
"""
from __future__ import annotations

from typing import Any, Iterable


def dot(pairs: Iterable) -> Any:
    """sum(a * b for a, b in pairs), without the products that have a float factor 0.0 (an exact
    zero: a constant's series, or x's beyond its first two terms) and without multiplying by a
    float 1.0. On array coefficients (a grid of points) each one skipped is a pass over memory."""
    acc = None
    for a, b in pairs:
        if type(a) is float:
            if a == 0.0:
                continue
            t = b if a == 1.0 else a * b
        elif type(b) is float:
            if b == 0.0:
                continue
            t = a if b == 1.0 else a * b
        else:
            t = a * b
        acc = t if acc is None else acc + t
    if acc is None:
        return 0.0
    # sum() starts from 0, which makes a -0.0 total 0.0: kept for numbers (their printed zeros);
    # an array keeps its -0.0 rather than pay a pass for it
    return acc + 0.0 if type(acc) is float else acc


def over(x: Any, k: int) -> Any:
    """x / k, with no pass over an array for k = 1."""
    return x if k == 1 else x / k


def _scaled_terms(u: list) -> list:
    """[j u_j]: the series of t u'(t), with no work for the zeroth term or j = 1."""
    return [0.0] + [c if j == 1 else j * c for j, c in enumerate(u) if j]


def mul(u: list, v: list) -> list:
    """The Cauchy product u v."""
    return [dot((u[j], v[k - j]) for j in range(k + 1)) for k in range(len(u))]


def div(u: list, v: list, w0) -> list:
    """u / v: from w v = u, w_k = (u_k - sum_{j<k} w_j v_{k-j}) / v_0."""
    w, v0 = [w0], v[0]
    for k in range(1, len(u)):
        w.append((u[k] - dot((w[j], v[k - j]) for j in range(k))) / v0)
    return w


def integ(u: list, g: list, w0) -> list:
    """w with w' = u' g (g needs n terms): w_k = (1/k) sum_{j=1..k} j u_j g_{k-j}."""
    ju = _scaled_terms(u)
    return [w0] + [over(dot((ju[j], g[k - j]) for j in range(1, k + 1)), k) for k in range(1, len(u))]


def integ_div(u: list, h: list, w0) -> list:
    """w with h w' = u' (h needs n terms): w_k = (k u_k - sum_{j=1..k-1} j w_j h_{k-j}) / (k h_0).

    log u is h = u; atan u is h = 1 + u^2; asin u is h = sqrt(1 - u^2); and so on.
    """
    w, h0 = [w0], h[0]
    for k in range(1, len(u)):
        w.append((k * u[k] - sum(j * w[j] * h[k - j] for j in range(1, k))) / (k * h0))
    return w


def exp(u: list, w0) -> list:
    """w = exp(u) (times any constant in w0): w' = u' w."""
    ju = _scaled_terms(u)
    w = [w0]
    for k in range(1, len(u)):
        w.append(over(dot((ju[j], w[k - j]) for j in range(1, k + 1)), k))
    return w


def sincos(u: list, s0, c0, sign: float = -1.0) -> tuple:
    """(sin u, cos u) jointly: s' = u' c, c' = -u' s; with sign=+1, (sinh u, cosh u)."""
    ju = _scaled_terms(u)
    s, c = [s0], [c0]
    for k in range(1, len(u)):
        s.append(over(dot((ju[j], c[k - j]) for j in range(1, k + 1)), k))
        c.append(over(dot((ju[j], s[k - j]) for j in range(1, k + 1)), k * sign))
    return s, c


def quad(u: list, w0, a: float, b: float, c: float) -> list:
    """w with w' = u' p, p = a + b w + c w^2: tan (1, 0, 1), tanh (1, 0, -1), sigmoid (0, 1, -1)."""
    ju = [j * x for j, x in enumerate(u)]
    n1 = len(u)
    w, p = [w0], [a + b * w0 + c * w0 * w0]
    for k in range(1, n1):
        w.append(sum(ju[j] * p[k - j] for j in range(1, k + 1)) / k)
        if k < n1 - 1:
            p.append(b * w[k] + c * sum(w[j] * w[k - j] for j in range(k + 1)))
    return w


def sqrt(u: list, w0) -> list:
    """w = sqrt(u): from w w = u, w_k = (u_k - sum_{j=1..k-1} w_j w_{k-j}) / (2 w_0)."""
    w, d = [w0], 2.0 * w0
    for k in range(1, len(u)):
        w.append((u[k] - sum(w[j] * w[k - j] for j in range(1, k))) / d)
    return w


def powc(u: list, a, w0) -> list:
    """w = u^a, a constant: from u w' = a u' w,
    w_k = sum_{j=1..k} (a j - (k - j)) u_j w_{k-j} / (k u_0). Needs u_0 != 0."""
    w, u0 = [w0], u[0]
    for k in range(1, len(u)):
        w.append(sum((a * j - (k - j)) * u[j] * w[k - j] for j in range(1, k + 1)) / (k * u0))
    return w


def ipow(u: list, m: int) -> list:
    """u^m for an integer m >= 1 by repeated squaring: exact where u_0 = 0 too."""
    result = None
    while True:
        if m & 1:
            result = u if result is None else mul(result, u)
        m >>= 1
        if not m:
            return result
        u = mul(u, u)
