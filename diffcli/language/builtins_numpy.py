"""The language's rows for numpy's further functions (added to the table in builtins.py).

Arguments are numpy's, in numpy's order; integers (axes, counts, offsets) are checked.
"""
from __future__ import annotations

from typing import Any

from .. import engine as E
from ..errors import DiffcliError
from .arguments import axis as _axis, flag as _flag, to_int


def _opt_int(t: Any, default: Any, what: str) -> Any:
    return default if t is None else to_int(t, what)


def _ints(t: Any, what: str) -> Any:
    """An integer, or a vector of integers, as numpy takes for repeats and reps."""
    if isinstance(t, E.Tensor) and t.ndim == 1:
        return [to_int(v, what) for v in t.tolist()]
    return to_int(t, what)


def _var(fn):
    def f(x, axis=None, ddof=None, keepdims=None):
        return fn(x, _axis(axis), 0 if ddof is None else ddof.item(), _flag(keepdims))
    return f


def _slogdet(m):
    sign, logabs = E.linalg.slogdet(m)
    return E.stack([sign, logabs])


def _polygamma(n, x):
    k = to_int(n, "the order of polygamma")
    if k < 0:
        raise DiffcliError("domain", "polygamma's order must be at least 0")
    return E.polygamma(k, x)


ROWS: list[tuple] = [
    ("mod", E.mod, (2, 2), "remainder with the sign of y, as numpy (d/dx 1, d/dy -floor(x/y))", "mod(7, 3)",
     "elementwise"),
    ("square", E.square, (1, 1), "x * x", "square(3)", "elementwise"),
    ("reciprocal", E.reciprocal, (1, 1), "1 / x", "reciprocal(4)", "elementwise"),
    ("exp2", E.exp2, (1, 1), "2 to the power x", "exp2(3)", "elementwise"),
    ("deg2rad", E.deg2rad, (1, 1), "degrees to radians", "deg2rad(180)", "elementwise"),
    ("rad2deg", E.rad2deg, (1, 1), "radians to degrees", "rad2deg(pi)", "elementwise"),
    ("sinc", E.sinc, (1, 1), "sin(pi x) / (pi x), 1 at 0 (smooth there)", "sinc(0.5)", "elementwise"),
    ("logaddexp", E.logaddexp, (2, 2), "log(exp(a) + exp(b)) without overflow", "logaddexp(1000, 1000)",
     "elementwise"),
    ("erfc", E.erfc, (1, 1), "1 - erf(x), exact for large x", "erfc(3)", "elementwise"),
    ("lgamma", E.lgamma, (1, 1), "log |gamma(x)|", "lgamma(10)", "elementwise"),
    ("gamma", E.gamma, (1, 1), "the gamma function (gamma(n) = (n-1)!)", "gamma(5)", "elementwise"),
    ("digamma", E.digamma, (1, 1), "lgamma'(x)", "digamma(1)", "elementwise"),
    ("polygamma", _polygamma, (2, 2), "n-th derivative of digamma: polygamma(n, x)", "polygamma(1, 1)",
     "elementwise"),
    ("var", _var(E.var), (1, 2), "variance (axis=k, ddof=d, keepdims=1)", "var([1, 2, 3, 4])", "reduction"),
    ("std", _var(E.std), (1, 2), "standard deviation (axis=k, ddof=d, keepdims=1)", "std([1, 2, 3, 4])",
     "reduction"),
    ("cumsum", lambda x, axis=None: E.cumsum(x, _axis(axis)), (1, 2), "running sums (of all, or along axis)",
     "cumsum([1, 2, 3])", "reduction"),
    ("cumprod", lambda x, axis=None: E.cumprod(x, _axis(axis)), (1, 2), "running products", "cumprod([1, 2, 3])",
     "reduction"),
    ("squeeze", lambda x, axis=None: E.squeeze(x, _axis(axis)), (1, 2), "remove axes of length 1",
     "squeeze([[1, 2]])", "shape"),
    ("expand_dims", lambda x, axis: E.expand_dims(x, _axis(axis)), (2, 2), "insert an axis of length 1",
     "expand_dims([1, 2], 0)", "shape"),
    ("flip", lambda x, axis=None: E.flip(x, _axis(axis)), (1, 2), "reverse the order (along axis)",
     "flip([1, 2, 3])", "shape"),
    ("roll", lambda x, shift, axis=None: E.roll(x, to_int(shift, "the shift"), _axis(axis)), (2, 3),
     "shift elements cyclically: roll(x, shift, axis)", "roll([1, 2, 3], 1)", "shape"),
    ("repeat", lambda x, r, axis=None: E.repeat(x, _ints(r, "a repeat count"), _axis(axis)), (2, 3),
     "repeat each element: repeat(x, n, axis)", "repeat([1, 2], 2)", "shape"),
    ("tile", lambda x, r: E.tile(x, _ints(r, "a repeat count")), (2, 2), "repeat the whole: tile(x, reps)",
     "tile([1, 2], 2)", "shape"),
    ("tril", lambda x, k=None: E.tril(x, _opt_int(k, 0, "the diagonal")), (1, 2),
     "lower triangle (k-th diagonal and below)", "tril([[1, 2], [3, 4]])", "shape"),
    ("triu", lambda x, k=None: E.triu(x, _opt_int(k, 0, "the diagonal")), (1, 2),
     "upper triangle (k-th diagonal and above)", "triu([[1, 2], [3, 4]])", "shape"),
    ("diagonal", lambda x, o=None, a1=None, a2=None: E.diagonal(
        x, _opt_int(o, 0, "the offset"), _opt_int(a1, 0, "an axis"), _opt_int(a2, 1, "an axis")), (1, 4),
     "diagonal(x, offset, axis1, axis2), as numpy", "diagonal([[1, 2], [3, 4]])", "shape"),
    ("hstack", lambda *ts: E.hstack(ts), (1, None), "join along the second axis (the first for vectors)",
     "hstack([1, 2], [3])", "shape"),
    ("vstack", lambda *ts: E.vstack(ts), (1, None), "join as rows", "vstack([1, 2], [3, 4])", "shape"),
    ("sort", lambda x, axis=None: E.sort(x, -1 if axis is None else _axis(axis)), (1, 2),
     "sorted along the last axis (or axis); the gradient follows the permutation", "sort([3, 1, 2])", "shape"),
    ("take", lambda x, i, axis=None: E.take(x, i, _axis(axis)), (2, 3), "elements at integer indices: "
     "take(x, [0, 2], axis)", "take([5, 6, 7], [2, 0])", "shape"),
    ("inner", E.inner, (2, 2), "sum over the last axes of both", "inner([1, 2], [3, 4])", "linear algebra"),
    ("tensordot", lambda a, b, n=None: E.tensordot(a, b, _opt_int(n, 2, "the number of axes")), (2, 3),
     "sum over a's last n axes and b's first n (n = 2)", "tensordot([[1, 2], [3, 4]], [[1, 0], [0, 1]])",
     "linear algebra"),
    ("kron", E.kron, (2, 2), "Kronecker product", "kron([1, 2], [1, 10])", "linear algebra"),
    ("cross", E.cross, (2, 2), "cross product of 3-vectors", "cross([1, 0, 0], [0, 1, 0])", "linear algebra"),
    ("solve", E.linalg.solve, (2, 2), "x with a x = b: solve(a, b)", "solve([[2, 0], [0, 4]], [2, 2])",
     "linear algebra"),
    ("slogdet", _slogdet, (1, 1), "[sign, log |det|] of a matrix (no gradient in the sign)",
     "slogdet([[2, 0], [0, 3]])", "linear algebra"),
    ("eigvalsh", E.linalg.eigvalsh, (1, 1), "eigenvalues of a symmetric matrix, ascending (reads the lower "
     "triangle)", "eigvalsh([[2, 1], [1, 2]])", "linear algebra"),
    ("cholesky", E.linalg.cholesky, (1, 1), "L with L L^T = m, m symmetric positive definite",
     "cholesky([[4, 2], [2, 5]])", "linear algebra"),
    ("svdvals", E.linalg.svdvals, (1, 1), "singular values, descending", "svdvals([[3, 0], [0, -4]])",
     "linear algebra"),
    ("pinv", E.linalg.pinv, (1, 1), "pseudo-inverse of a full-rank matrix", "pinv([[1, 0], [0, 2], [0, 0]])",
     "linear algebra"),
]

KWARGS = {
    "var": ("axis", "ddof", "keepdims"), "std": ("axis", "ddof", "keepdims"), "cumsum": ("axis",),
    "cumprod": ("axis",), "squeeze": ("axis",), "flip": ("axis",), "roll": ("axis",), "repeat": ("axis",),
    "sort": ("axis",), "take": ("axis",),
}
