"""Truncated Taylor series arithmetic: the recurrences behind ``taylor.derivatives``.

A series is a list ``[c_0, ..., c_n]`` of normalised coefficients
(c_k = f^(k)/k!) holding raw values: floats, or numpy arrays that broadcast
together. Each function returns a list as long as its first argument and
costs O(n^2) raw operations. The zeroth coefficient ``w0`` is passed in, so it
is the engine's own forward value; the recurrences only build on it.
"""
from __future__ import annotations

from typing import Any

from .backend import np, shape_of


def mul(u: list, v: list) -> list:
    """The Cauchy product u v."""
    return [sum(u[j] * v[k - j] for j in range(k + 1)) for k in range(len(u))]


def div(u: list, v: list, w0) -> list:
    """u / v: from w v = u, w_k = (u_k - sum_{j<k} w_j v_{k-j}) / v_0."""
    w, v0 = [w0], v[0]
    for k in range(1, len(u)):
        w.append((u[k] - sum(w[j] * v[k - j] for j in range(k))) / v0)
    return w


def integ(u: list, g: list, w0) -> list:
    """w with w' = u' g (g needs n terms): w_k = (1/k) sum_{j=1..k} j u_j g_{k-j}."""
    ju = [j * c for j, c in enumerate(u)]
    return [w0] + [sum(ju[j] * g[k - j] for j in range(1, k + 1)) / k for k in range(1, len(u))]


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
    ju = [j * c for j, c in enumerate(u)]
    w = [w0]
    for k in range(1, len(u)):
        w.append(sum(ju[j] * w[k - j] for j in range(1, k + 1)) / k)
    return w


def sincos(u: list, s0, c0, sign: float = -1.0) -> tuple:
    """(sin u, cos u) jointly: s' = u' c, c' = -u' s; with sign=+1, (sinh u, cosh u)."""
    ju = [j * c for j, c in enumerate(u)]
    s, c = [s0], [c0]
    for k in range(1, len(u)):
        s.append(sum(ju[j] * c[k - j] for j in range(1, k + 1)) / k)
        c.append(sign * sum(ju[j] * s[k - j] for j in range(1, k + 1)) / k)
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


# --------------------------------------------------------------------------
# Helpers of the primitives' Taylor rules, ``rule(w0, node, *input_series) -> series``, where
# w0 is the engine's forward value (so domain errors give numpy's nan, as the forward pass does).
def k(prim: Any, *vals: Any) -> Any:
    """``prim`` on raw values (a zeroth coefficient)."""
    return prim.forward(vals)


def pad(*ss: list) -> list:
    """The series padded with zeros to one length."""
    n1 = max(len(s) for s in ss)
    return [s + [0.0] * (n1 - len(s)) for s in ss]


def is_zero(c: Any) -> bool:
    return type(c) is float and c == 0.0


def full(c: Any, shape: tuple) -> Any:
    """A coefficient broadcast to ``shape`` (a float 0.0 stands for zeros of any shape)."""
    return c if shape_of(c) == shape else np.broadcast_to(c, shape)


def quadratic(u: list, a: float, b: float) -> list:
    """a + b u^2, one term shorter than u (what ``integ``/``integ_div`` need)."""
    q = mul(u[:-1], u[:-1])
    return [a + b * q[0]] + [b * c for c in q[1:]]


def scaled(w0: Any, u: list, m: Any) -> list:
    """w0, then m times u's coefficients: a function whose derivative is the constant m."""
    return [w0] + [m * c for c in u[1:]]


def blend(w0: Any, ss: tuple, weights: tuple) -> list:
    """sum_i weights_i * ss_i beyond the zeroth term: max/min/clip select (or average) branches."""
    ss = pad(*ss)
    return [w0] + [sum(m * s[j] for m, s in zip(weights, ss)) for j in range(1, len(ss[0]))]


def linear(w0: Any, node: Any, *ss: list) -> list:
    """A linear primitive (sum, reshape, index, stack, ...) applied to each coefficient."""
    ss = pad(*ss)
    shapes = [shape_of(v) for v in node.values]
    out = [w0]
    for j in range(1, len(ss[0])):
        cs = [s[j] for s in ss]
        out.append(0.0 if all(is_zero(c) for c in cs) else
                   node.prim.forward([full(c, sh) for c, sh in zip(cs, shapes)], node.p))
    return out


def bilinear(w0: Any, node: Any, u: list, v: list) -> list:
    """matmul, outer: the Cauchy product with the primitive in place of multiplication."""
    u, v = pad(u, v)
    su, sv = (shape_of(x) for x in node.values)
    out = [w0]
    for j in range(1, len(u)):
        acc = 0.0
        for i in range(j + 1):
            if not (is_zero(u[i]) or is_zero(v[j - i])):
                acc = acc + node.prim.forward((full(u[i], su), full(v[j - i], sv)))
        out.append(acc)
    return out
