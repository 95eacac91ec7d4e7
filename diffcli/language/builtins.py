"""Every name the language knows: one table for evaluation, help, completion and the README.

Names resolve only through this table and the user's definitions; nothing
from the user's text ever reaches getattr, eval or exec.
"""
from __future__ import annotations

import functools
import math
from typing import Any, Callable

from .. import engine as E
from ..errors import DiffcliError
from ..record import Record
from .arguments import axis as _axis, flag as _flag, to_int
from .builtins_numpy import KWARGS as _NUMPY_KWARGS, ROWS as _NUMPY_ROWS


class Builtin(Record):
    """One built-in: how to call it, and how to explain it."""
    FIELDS = ("name", "fn", "arity", "doc", "example", "group", "kwargs", "size")
    DEFAULTS = {"kwargs": (), "size": None}
    name: str
    fn: Callable[..., Any] | None  # None: a special form the evaluator handles itself
    arity: tuple[int, int | None]  # least and most positional arguments (None: any number)
    doc: str
    example: str
    group: str
    kwargs: tuple[str, ...] = ()
    size: Callable[..., int] | None = None  # elements a constructor will allocate, checked first


CONSTANTS = {"pi": math.pi, "e": math.e, "inf": math.inf, "nan": math.nan}
CONSTANT_DOCS = {"pi": "3.14159...", "e": "2.71828...", "inf": "positive infinity", "nan": "not a number"}
KEYWORDS = ("at", "with")


def shape_args(args: tuple) -> tuple:
    """zeros(2, 3) and zeros([2, 3]) both mean shape (2, 3)."""
    if len(args) == 1 and isinstance(args[0], E.Tensor) and args[0].ndim == 1:
        vals = [float(v) for v in args[0].numpy()]
        args = tuple(E.tensor(v) for v in vals)
    shape = tuple(to_int(a, "a dimension") for a in args)
    if any(n < 0 for n in shape):
        raise DiffcliError("shape", f"a dimension cannot be negative: {shape}")
    return shape


def _count(shape: tuple) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


def _int_or(t: Any, default: int, what: str) -> int:
    return default if t is None else to_int(t, what)


def _arange_size(*a: Any) -> int:
    vals = [float(x.item()) for x in a]
    start, stop, step = (0.0, vals[0], 1.0) if len(vals) == 1 else (vals + [1.0])[:3]
    if step == 0 or not all(map(math.isfinite, (start, stop, step))):
        raise DiffcliError("domain", "arange needs finite bounds and a nonzero step")
    return max(0, math.ceil((stop - start) / step))


def _linspace(a, b, n=None):
    return E.linspace(a.item(), b.item(), 50 if n is None else to_int(n, "the number of points"))


def _full(*args):
    if len(args) < 2:
        raise DiffcliError("type", "full takes a shape and a value: full(2, 3, 7.5)")
    return E.full(shape_args(args[:-1]), args[-1].item())


def _eye(n, m=None):
    return E.eye(to_int(n, "eye's size"), None if m is None else to_int(m, "eye's size"))


def _stack(*ts, axis=None):
    return E.stack(ts, 0 if axis is None else to_int(axis, "an axis"))


def _concat(*ts, axis=None):
    return E.concat(ts, 0 if axis is None else to_int(axis, "an axis"))


def _reshape(x, *shape):
    shape = tuple(to_int(s, "a dimension") for s in (
        [float(v) for v in shape[0].numpy()] if len(shape) == 1 and shape[0].ndim == 1 else shape))
    n = _count([s for s in shape if s != -1])
    if shape.count(-1) > 1 or (-1 not in shape and n != x.size) or (n and x.size % n) or (not n and x.size):
        raise DiffcliError("shape", f"cannot reshape shape {x.shape} ({x.size} elements) into {shape}")
    return E.reshape(x, shape)


def _transpose(x, *axes):
    return E.transpose(x, tuple(to_int(a, "an axis") for a in axes) if axes else None)


def _softmax(x, axis=None):
    return E.softmax(x, -1 if axis is None else to_int(axis, "an axis"))


def _norm(x, ord=None, axis=None, keepdims=None):
    if ord is None and axis is None and keepdims is None:
        return E.norm(x)
    return E.linalg.norm(x, None if ord is None else ord.item(), _axis(axis), _flag(keepdims))


_norm.prim = E.norm.prim  # the kink table is keyed by primitive (norm'(0) = 0)


def _reduce(f):
    def reduce(x, axis=None, keepdims=None):
        return f(x, _axis(axis), keepdims=_flag(keepdims))
    reduce.prim = getattr(f, "prim", None)  # the kink table is keyed by primitive
    return reduce


def _extreme(reduce, pairwise):
    """max(x) reduces; max(a, b) is elementwise, as in mathematics (the axis is a keyword:
    max(m, axis=0)), so that max(z, 0) is never a silent reduction along axis 0."""
    def extreme(x, y=None, axis=None, keepdims=None):
        if y is None:
            return reduce(x, _axis(axis), keepdims=_flag(keepdims))
        if axis is not None or keepdims is not None:
            raise DiffcliError("type", f"{pairwise.__name__[:3]}(a, b) is elementwise and takes no axis; "
                               f"for a reduction along an axis write {pairwise.__name__[:3]}(x, axis=k)")
        return pairwise(x, y)
    extreme.prim = getattr(reduce, "prim", None)
    extreme.prim_of = lambda args: pairwise.prim if len(args) == 2 else reduce.prim
    return extreme


_ROWS: list[tuple] = [
    # name, function, (min, max) arity, description, example, group
    ("sin", E.sin, (1, 1), "sine", "sin(pi/6)", "elementwise"),
    ("cos", E.cos, (1, 1), "cosine", "cos(0)", "elementwise"),
    ("tan", E.tan, (1, 1), "tangent", "tan(pi/4)", "elementwise"),
    ("asin", E.asin, (1, 1), "inverse sine", "asin(0.5)", "elementwise"),
    ("acos", E.acos, (1, 1), "inverse cosine", "acos(0.5)", "elementwise"),
    ("atan", E.atan, (1, 1), "inverse tangent", "atan(1)", "elementwise"),
    ("atan2", E.atan2, (2, 2), "angle of the point (x, y): atan2(y, x)", "atan2(1, -1)", "elementwise"),
    ("sinh", E.sinh, (1, 1), "hyperbolic sine", "sinh(1)", "elementwise"),
    ("cosh", E.cosh, (1, 1), "hyperbolic cosine", "cosh(1)", "elementwise"),
    ("tanh", E.tanh, (1, 1), "hyperbolic tangent", "tanh(0.5)", "elementwise"),
    ("asinh", E.asinh, (1, 1), "inverse hyperbolic sine", "asinh(1)", "elementwise"),
    ("acosh", E.acosh, (1, 1), "inverse hyperbolic cosine", "acosh(2)", "elementwise"),
    ("atanh", E.atanh, (1, 1), "inverse hyperbolic tangent", "atanh(0.5)", "elementwise"),
    ("exp", E.exp, (1, 1), "e to the power x", "exp(1)", "elementwise"),
    ("expm1", E.expm1, (1, 1), "exp(x) - 1, exact for small x", "expm1(1e-10)", "elementwise"),
    ("log", E.log, (1, 1), "natural logarithm", "log(e)", "elementwise"),
    ("log2", E.log2, (1, 1), "base-2 logarithm", "log2(8)", "elementwise"),
    ("log10", E.log10, (1, 1), "base-10 logarithm", "log10(1000)", "elementwise"),
    ("log1p", E.log1p, (1, 1), "log(1 + x), exact for small x", "log1p(1e-10)", "elementwise"),
    ("sqrt", E.sqrt, (1, 1), "square root (sqrt'(0) is inf)", "sqrt(2)", "elementwise"),
    ("cbrt", E.cbrt, (1, 1), "cube root, real for negatives", "cbrt(-8)", "elementwise"),
    ("abs", E.abs, (1, 1), "absolute value (abs'(0) = 0)", "abs(-3)", "elementwise"),
    ("sign", E.sign, (1, 1), "-1, 0 or 1 (derivative 0)", "sign(-2)", "elementwise"),
    ("floor", E.floor, (1, 1), "round down (derivative 0)", "floor(2.7)", "elementwise"),
    ("ceil", E.ceil, (1, 1), "round up (derivative 0)", "ceil(2.2)", "elementwise"),
    ("round", E.round, (1, 1), "round half to even (derivative 0)", "round(2.5)", "elementwise"),
    ("relu", E.relu, (1, 1), "max(x, 0) (relu'(0) = 0)", "relu(-1)", "elementwise"),
    ("sigmoid", E.sigmoid, (1, 1), "1 / (1 + exp(-x))", "sigmoid(0)", "elementwise"),
    ("softplus", E.softplus, (1, 1), "log(1 + exp(x)), without overflow", "softplus(1)", "elementwise"),
    ("erf", E.erf, (1, 1), "error function", "erf(0.5)", "elementwise"),
    ("maximum", E.maximum, (2, 2), "elementwise larger (ties split the gradient)", "maximum(1, 2)", "elementwise"),
    ("minimum", E.minimum, (2, 2), "elementwise smaller (ties split the gradient)", "minimum(1, 2)", "elementwise"),
    ("clip", E.clip, (3, 3), "x limited to [lo, hi]: clip(x, lo, hi)", "clip(5, 0, 1)", "elementwise"),
    ("where", E.where, (3, 3), "a where cond is nonzero, else b: where(cond, a, b)", "where(1 > 0, 2, 3)",
     "elementwise"),
    ("hypot", E.hypot, (2, 2), "sqrt(x^2 + y^2) without overflow", "hypot(3, 4)", "elementwise"),
    ("pow", E.pow, (2, 2), "x to the power y (the same as x^y)", "pow(2, 10)", "elementwise"),
    ("sum", _reduce(E.sum), (1, 2), "sum of the elements, optionally along an axis", "sum([1, 2, 3])",
     "reduction"),
    ("mean", _reduce(E.mean), (1, 2), "mean of the elements, optionally along an axis", "mean([1, 2, 3])",
     "reduction"),
    ("prod", _reduce(E.prod), (1, 2), "product of the elements, optionally along an axis", "prod([1, 2, 3])",
     "reduction"),
    ("max", _extreme(E.max, E.maximum), (1, 2), "largest element (max(x, axis=k) along an axis); "
     "max(a, b) is elementwise, as maximum", "max([1, 5, 3])", "reduction"),
    ("min", _extreme(E.min, E.minimum), (1, 2), "smallest element (min(x, axis=k) along an axis); "
     "min(a, b) is elementwise, as minimum", "min([1, 5, 3])", "reduction"),
    ("norm", _norm, (1, 2), "Euclidean norm (Frobenius for a matrix; norm'(0) = 0); norm(x, ord, "
     "axis=k, keepdims=1) as numpy.linalg.norm", "norm([3, 4])", "reduction"),
    ("logsumexp", _reduce(E.logsumexp), (1, 2), "log(sum(exp(x))) without overflow", "logsumexp([1, 2])",
     "reduction"),
    ("softmax", _softmax, (1, 2), "exp(x) / sum(exp(x)), along the last axis", "softmax([1, 2, 3])",
     "reduction"),
    ("dot", E.dot, (2, 2), "dot product", "dot([1, 2], [3, 4])", "linear algebra"),
    ("outer", E.outer, (2, 2), "outer product of two vectors", "outer([1, 2], [3, 4])", "linear algebra"),
    ("matmul", E.matmul, (2, 2), "matrix product (the same as a @ b)", "matmul([[1, 2], [3, 4]], [1, 1])",
     "linear algebra"),
    ("transpose", _transpose, (1, None), "reverse (or permute) the axes", "transpose([[1, 2], [3, 4]])",
     "linear algebra"),
    ("trace", lambda x, offset=None: E.trace(x, _int_or(offset, 0, "the offset")), (1, 2),
     "sum of the diagonal (of the first two axes), trace(m, offset)", "trace([[1, 2], [3, 4]])",
     "linear algebra"),
    ("det", E.det, (1, 1), "determinant", "det([[1, 2], [3, 4]])", "linear algebra"),
    ("inv", E.inv, (1, 1), "matrix inverse", "inv([[2, 0], [0, 4]])", "linear algebra"),
    ("diag", lambda x, k=None: E.diag(x, _int_or(k, 0, "the diagonal")), (1, 2),
     "diagonal of a matrix, or diagonal matrix of a vector (k-th diagonal: diag(x, k))", "diag([1, 2])",
     "linear algebra"),
    ("reshape", _reshape, (2, None), "same elements, new shape: reshape(x, 2, 3)", "reshape([1, 2, 3, 4], 2, 2)",
     "shape"),
    ("stack", _stack, (1, None), "join same-shaped tensors along a new axis (axis=k)", "stack([1, 2], [3, 4])",
     "shape"),
    ("concat", _concat, (1, None), "join tensors along an existing axis (axis=k)", "concat([1, 2], [3])", "shape"),
    ("zeros", lambda *s: E.zeros(shape_args(s)), (1, None), "a tensor of zeros: zeros(2, 3)", "zeros(3)",
     "constructor"),
    ("ones", lambda *s: E.ones(shape_args(s)), (1, None), "a tensor of ones: ones(2, 3)", "ones(2, 2)",
     "constructor"),
    ("full", _full, (2, None), "a tensor of one value: full(2, 3, value)", "full(3, 7)", "constructor"),
    ("eye", _eye, (1, 2), "identity matrix: eye(n) or eye(n, m)", "eye(2)", "constructor"),
    ("linspace", _linspace, (2, 3), "n evenly spaced points: linspace(a, b, n)", "linspace(0, 1, 5)",
     "constructor"),
    ("arange", lambda *a: E.arange(*[x.item() for x in a]), (1, 3), "a, a+step, ... below b: arange(a, b, step)",
     "arange(0, 5)", "constructor"),
    ("detach", E.Tensor.detach, (1, 1), "the value with no gradient flowing through it", "detach(x^2) at x = 3",
     "autograd"),
    ("const", E.Tensor.detach, (1, 1), "a value that does not require grad (the same as detach)", "const(2)",
     "autograd"),
    ("grad", None, (2, 2), "gradient of a scalar expression: grad(e, x)", "grad(x^3, x) at x = 2", "autograd"),
    ("diff", None, (2, 3), "n-th derivative: diff(e, x, n)", "diff(sin(x), x, 3) at x = 0", "autograd"),
    ("jacobian", None, (2, 2), "Jacobian: jacobian(e, x), shape e.shape + x.shape",
     "jacobian([x^2, x*y], x) at x = 1, y = 2", "autograd"),
    ("hessian", None, (2, 2), "second derivatives: hessian(e, x)", "hessian(sum(v^3), v) at v = [1, 2]",
     "autograd"),
]


_ROWS += _NUMPY_ROWS

_SIZES = {
    "zeros": lambda *s: _count(shape_args(s)), "ones": lambda *s: _count(shape_args(s)),
    "full": lambda *s: _count(shape_args(s[:-1])) if len(s) > 1 else 0,
    "eye": lambda n, m=None: to_int(n, "eye's size") * to_int(n if m is None else m, "eye's size"),
    "linspace": lambda a, b, n=None: 50 if n is None else max(0, to_int(n, "the number of points")),
    "arange": _arange_size,
}
_KWARGS = {"stack": ("axis",), "concat": ("axis",), "softmax": ("axis",),
           **dict.fromkeys(("sum", "mean", "prod", "max", "min", "logsumexp"), ("axis", "keepdims")),
           "norm": ("axis", "keepdims"), **_NUMPY_KWARGS}

BUILTINS: dict[str, Builtin] = {
    r[0]: Builtin(*r, kwargs=_KWARGS.get(r[0], ()), size=_SIZES.get(r[0])) for r in _ROWS}
SPECIAL_FORMS = frozenset(b.name for b in BUILTINS.values() if b.fn is None)


def with_kwargs(fn: Callable, kwargs: dict) -> Callable:
    """A built-in with its keyword arguments bound, keeping what the kink check reads."""
    bound = functools.partial(fn, **kwargs)
    bound.prim, bound.prim_of = getattr(fn, "prim", None), getattr(fn, "prim_of", None)
    return bound


def prim_of(fn: Any, args: list) -> Any:
    """The primitive a built-in runs on these arguments (whose kink convention applies)."""
    pick = getattr(fn, "prim_of", None)  # max(a, b) is maximum, max(x) a reduction
    return pick(args) if pick is not None else getattr(fn, "prim", None)


def all_names() -> list[str]:
    """Every reserved name: built-ins, constants and keywords."""
    return sorted(set(BUILTINS) | set(CONSTANTS) | set(KEYWORDS))
