"""Taylor-mode derivatives against nested reverse mode, SymPy, and the engine's conventions."""
from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

import diffcli as d
from diffcli.engine.ops import scatter
from diffcli.engine.taylor import derivatives

ORDER = 6
RNG = np.random.default_rng(0)
A = RNG.normal(size=(3, 3))
B = RNG.normal(size=(3, 3))
M34 = RNG.normal(size=(3, 4))
V3 = RNG.normal(size=3)
LIN = np.linspace(-0.9, 0.8, 5)
POS = np.linspace(0.3, 1.7, 5)


def _setitem(x):
    y = x * 1.0
    y[1] = d.sin(x[0]) * x[2]
    return y


# (id, program, point, elementwise). A scalar point is a 0-d x. For an array point the program is
# compared elementwise when it is elementwise, else through a random weighting of its output.
PROGRAMS = [
    ("add_sub_neg_mul", lambda x: (x * x - 3.0 * x + 2.0) * (-x) + 1.5, 0.7, True),
    ("div", lambda x: (x + 1.0) / (x * x + 2.0) + 2.0 / x + x / 3.0, 0.3, True),
    ("pow_int_at_zero", lambda x: x ** 3.0 + x ** 5.0 - 2.0 * x ** 4.0, 0.0, True),
    ("pow_int_negative_base", lambda x: (x - 1.0) ** 5.0 + x ** 0.0, 0.4, True),
    ("pow_real", lambda x: (x * x + 1.0) ** 1.5 + x ** -2.5, 1.3, True),
    ("pow_general", lambda x: x ** x + 2.0 ** d.sin(x) + d.cos(x) ** (x + 1.0), 1.3, True),
    ("exp_expm1", lambda x: d.exp(0.5 * x) * d.expm1(x), 0.3, True),
    ("logs", lambda x: d.log(x) + d.log2(x + 1.0) * d.log10(3.0 * x) + d.log1p(x * x), 0.8, True),
    ("sqrt_cbrt", lambda x: d.sqrt(x + 2.0) * d.cbrt(x - 1.0), 0.4, True),
    ("sin_cos_tan", lambda x: d.sin(x) * d.cos(2.0 * x) + d.tan(x), 0.6, True),
    ("sinh_cosh_tanh", lambda x: d.sinh(x) + d.cosh(x * x) * d.tanh(x), 0.5, True),
    ("asin_acos_atan", lambda x: d.asin(x) + d.acos(0.5 * x) * d.atan(x), 0.3, True),
    ("asinh_acosh_atanh", lambda x: d.asinh(x) + d.acosh(x + 2.0) * d.atanh(x / 2.0), 0.4, True),
    ("sigmoid_softplus", lambda x: d.sigmoid(3.0 * x) * d.softplus(x), -0.2, True),
    ("erf", lambda x: d.erf(x * x - 0.5) * x, 0.7, True),
    ("abs_sign_relu_neg", lambda x: d.abs(d.sin(x)) * d.sign(x) + d.relu(x - 0.2) + d.relu(-x), -0.9, True),
    ("abs_sign_relu_pos", lambda x: d.abs(d.sin(x)) * d.sign(x) + d.relu(x - 0.2) + d.relu(-x), 0.9, True),
    ("abs_at_kink", lambda x: d.abs(x) * d.exp(x) + d.relu(x) * d.cos(x), 0.0, True),
    ("floor_ceil_round", lambda x: d.floor(3.0 * x) * x + d.ceil(x) * d.sin(x) + d.round(d.exp(x)), 0.7, True),
    ("maximum_minimum", lambda x: d.maximum(d.sin(x), x * x) + d.minimum(d.cos(x), 0.5) * x, 0.7, True),
    ("max_min_ties", lambda x: d.maximum(x, 2.0 * x - 1.0) * d.minimum(x * x, d.sqrt(x)), 1.0, True),
    ("clip_inside", lambda x: d.clip(d.sin(x), -0.5, 0.9) * x, 0.6, True),
    ("clip_bounds", lambda x: d.clip(x * x, 0.5 * x, 0.2) + d.clip(0.1, x * x, d.cos(x)), 0.9, True),
    ("where", lambda x: d.where(x > 0.5, d.sin(x), x * x * x) + d.where(x < 0.5, d.exp(x), x), 0.7, True),
    ("atan2_hypot", lambda x: d.atan2(d.sin(x), x + 2.0) + d.atan2(2.0, x) * d.hypot(x, d.sin(x) + 1.0),
     0.4, True),
    ("other_leaf_is_constant", None, 0.8, True),
    ("alias", lambda x: d.sin(d.alias(x)) * x, 0.8, True),  # filled in below: another leaf that requires grad
    ("array_elementwise", lambda x: d.exp(d.sin(x)) * x ** 2.0 + d.tanh(x) / (1.0 + x * x), LIN, True),
    ("array_pow_abs_maximum", lambda x: d.abs(x) ** 3.0 + d.maximum(x, 0.1) * d.hypot(x, 0.5), LIN, True),
    ("sum_mean", lambda x: d.sum(d.sin(x) * x) + d.mean(d.exp(x)) * d.sum(x * x), POS, False),
    ("sum_axis_expand_sumto", lambda x: d.sum(d.broadcast_to(d.sin(x), (3, 4)) * M34, 0)
     + d.sum_to(d.broadcast_to(x * x, (3, 4)) * M34, (1, 4)), np.linspace(0.1, 0.9, 4), False),
    ("reshape_transpose_index", lambda x: d.transpose(d.reshape(d.sin(x), (2, 3)))[1] * x[2:4]
     + d.reshape(x, (3, 2))[:, 0][1:] ** 2.0, np.linspace(-0.5, 0.7, 6), False),
    ("matmul_outer_dot", lambda x: d.matmul(A, d.sin(x)) * d.matmul(x, x)
     + d.matmul(d.outer(x, d.cos(x)), V3), np.array([0.3, -0.4, 0.8]), False),
    ("matmul_scalar_x", lambda x: d.matmul(A * x + B, d.sin(x) * B) @ (x * V3), 0.45, False),
    ("inv_trace_diag", lambda x: d.trace(d.inv(d.eye(3) + x * A)) * d.inv(B * d.exp(x))
     + d.diag(A * d.sin(x)) * x + d.diag(V3 * d.cos(x)), 0.2, False),
    ("stack_concat", lambda x: d.stack([d.sin(x), x * x, d.ones(3)]) * M34[:, :3]
     + d.concat([x, d.cos(x) * 2.0])[1:4], np.array([0.2, 0.5, 0.9]), False),
    ("setitem_scatter", lambda x: _setitem(x) * d.exp(x) + scatter(d.sin(x[0:2]), (slice(1, 3),), (3,)),
     np.array([0.3, 0.6, -0.2]), False),
    ("max_min_reductions", lambda x: d.max(d.sin(x) * x) + d.min(d.reshape(x * x, (2, 2)), 0)
     + d.max(d.reshape(d.abs(x), (2, 2)), 1), np.array([0.5, -0.5, 0.9, 0.2]), False),
    ("special_functions", lambda x: d.sinc(x) + d.lgamma(x + 2.0) * d.erfc(x) + d.gamma(x + 1.0)
     + d.polygamma(1, x + 1.0) * d.digamma(x + 1.5) + d.mod(3.0 * x, 1.3), 0.35, True),
    ("cumsum", lambda x: d.cumsum(d.sin(x) * x) * d.cumsum(d.reshape(x, (1, 3)), 1)[0],
     np.array([0.3, -0.6, 0.9]), False),
    ("norm_logsumexp_softmax", lambda x: d.norm(d.sin(x)) * d.logsumexp(x * x)
     + d.softmax(d.reshape(x, (2, 2)), 1) * d.logsumexp(d.reshape(x, (2, 2)), 0),
     np.array([0.5, -0.5, 0.9, 0.2]), False),
]

_W = d.tensor(1.7, requires_grad=True)
PROGRAMS[[p[0] for p in PROGRAMS].index("other_leaf_is_constant")] = (
    "other_leaf_is_constant", lambda x: d.sin(_W * x) * _W + d.exp(_W), 0.8, True)


def _nested(f, x0, order, elementwise):
    """[y^(1), ..., y^(order)] by repeated reverse passes with create_graph=True."""
    x = d.tensor(x0, requires_grad=True)
    y = f(x)
    weights = None
    if y.size != 1 and not elementwise:
        weights = RNG.normal(size=y.shape)
        y = (y * weights).sum()
    out, g = [], y
    for _ in range(order):
        if g.size != 1:
            g = g.sum()
        (g,) = d.grad(g, (x,), create_graph=True)
        out.append(np.asarray(g._v, dtype=np.float64))
    return out, weights


def _close(a, b, rtol):
    """Relative to the derivative itself, with a floor from the largest element of that order
    (an element that cancels to nearly 0 cannot be compared relatively)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = np.maximum(np.abs(b), 1e-3 * np.max(np.abs(b), initial=0.0))
    return np.all(np.abs(a - b) <= rtol * scale + 1e-300), np.max(np.abs(a - b) / np.maximum(scale, 1e-300))


@pytest.mark.parametrize("name,f,x0,elementwise", PROGRAMS, ids=[p[0] for p in PROGRAMS])
def test_matches_nested_reverse(name, f, x0, elementwise):
    x = d.tensor(x0, requires_grad=True)
    y = f(x)
    ds = derivatives(y, x, ORDER)
    assert len(ds) == ORDER + 1
    np.testing.assert_array_equal(np.asarray(ds[0]), np.asarray(y._v))
    for k in ds:
        assert (type(k) is float) if y.shape == () else (isinstance(k, np.ndarray) and k.shape == y.shape)
    ref, weights = _nested(f, x0, ORDER, elementwise)
    for k in range(1, ORDER + 1):
        got = ds[k] if weights is None else np.sum(ds[k] * weights)
        want = ref[k - 1] if weights is None and np.shape(x0) == np.shape(y._v) else np.sum(ref[k - 1])
        ok, err = _close(got, want, 1e-12)
        assert ok, f"{name}: order {k}: taylor {got} vs nested {want} (relative error {err:.2g})"


def test_covers_every_rule():
    from diffcli.engine.ops import GMUL, PRIMS
    seen = set()

    def walk(t):
        stack, done = [t.grad_fn], set()
        while stack:
            n = stack.pop()
            if n is None or id(n) in done:
                continue
            done.add(id(n))
            seen.add(n.prim)
            stack.extend(e for e in n.edges if isinstance(e, d.Node))
    for _, f, x0, _ in PROGRAMS:
        walk(f(d.tensor(x0, requires_grad=True)))
    # gmul appears only in the graphs of derivatives: its series rule is mul's
    assert {p for p in PRIMS if p.taylor is not None} - seen - {GMUL} == set()


X = sp.Symbol("x")


def _sympy_derivatives(expr, x0, n):
    """Exact d^k expr/dx^k at x0 for k = 0..n by SymPy, evaluated to 40 digits."""
    out, point = [], sp.Rational(repr(x0))
    for _ in range(n + 1):
        out.append(expr.evalf(40, subs={X: point}))
        expr = sp.diff(expr, X)
    return out


def _log1p_sq_tanh(x0, n):
    """log(1 + x^2) tanh(x) by Leibniz's rule: sp.diff of tanh swells (30 s for 15 orders), so
    tanh's derivatives are SymPy polynomials in T = tanh(x): P_{k+1} = P_k'(T) (1 - T^2)."""
    f = _sympy_derivatives(sp.log(1 + X ** 2), x0, n)
    T = sp.Symbol("T")
    polys = [T]
    for _ in range(n):
        polys.append(sp.expand(sp.diff(polys[-1], T) * (1 - T ** 2)))
    th = sp.tanh(sp.Rational(repr(x0)))
    g = [q.subs(T, th).evalf(40) for q in polys]
    return [sum(sp.binomial(k, j) * f[j] * g[k - j] for j in range(k + 1)) for k in range(n + 1)]


SYMPY = [
    ("exp_sin", lambda x: d.exp(d.sin(x)), lambda x0, n: _sympy_derivatives(sp.exp(sp.sin(X)), x0, n), 0.7),
    ("log1p_sq_tanh", lambda x: d.log1p(x * x) * d.tanh(x), _log1p_sq_tanh, 0.6),
    ("x_pow_x", lambda x: x ** x, lambda x0, n: _sympy_derivatives(X ** X, x0, n), 1.3),
    ("rational", lambda x: 1.0 / (1.0 + x ** 2.0), lambda x0, n: _sympy_derivatives(1 / (1 + X ** 2), x0, n),
     0.5),
    ("atan_sqrt", lambda x: d.atan(x) * d.sqrt(x + 1.0),
     lambda x0, n: _sympy_derivatives(sp.atan(X) * sp.sqrt(X + 1), x0, n), 0.3),
]


@pytest.mark.parametrize("name,f,exact,x0", SYMPY, ids=[s[0] for s in SYMPY])
def test_matches_sympy_to_order_15(name, f, exact, x0):
    n = 15
    x = d.tensor(x0, requires_grad=True)
    ds = derivatives(f(x), x, n)
    for k, e in enumerate(exact(x0, n)):
        e = float(e)
        err = abs(ds[k] - e) / abs(e)
        assert err < 1e-12, f"{name}: order {k}: {ds[k]} vs {e} (relative error {err:.2g})"


def test_arrays_elementwise_match_scalar_calls():
    xs = np.linspace(-1.2, 1.1, 7)
    f = lambda x: d.exp(d.sin(x)) / (1.0 + x * x) + d.sqrt(x * x + 1.0)  # noqa: E731
    x = d.tensor(xs, requires_grad=True)
    ds = derivatives(f(x), x, 8)
    for i, v in enumerate(xs):
        xi = d.tensor(float(v), requires_grad=True)
        for k, c in enumerate(derivatives(f(xi), xi, 8)):
            assert ds[k][i] == pytest.approx(c, rel=1e-13, abs=1e-13)


def test_scalar_x_array_y_and_trivial_cases():
    x = d.tensor(0.5, requires_grad=True)
    ds = derivatives(d.sin(x) * d.tensor([1.0, 2.0]), x, 3)
    np.testing.assert_allclose(ds[3], [-math.cos(0.5), -2 * math.cos(0.5)], rtol=1e-15)
    assert derivatives(x, x, 3) == [0.5, 1.0, 0.0, 0.0]
    assert derivatives(d.exp(x), x, 0) == [math.exp(0.5)]
    c = d.exp(d.tensor(2.0))  # no graph: a constant
    assert derivatives(c, x, 2) == [math.exp(2.0), 0.0, 0.0]
    v = d.tensor([1.0, 2.0], requires_grad=True)
    ds = derivatives(d.sin(v) * 2.0, x, 2)  # y does not depend on x
    np.testing.assert_array_equal(ds[1], [0.0, 0.0])
    assert [float(t) for t in derivatives(d.floor(x) * 3.0, x, 2)] == [0.0, 0.0, 0.0]


def test_non_leaf_x():
    t = d.tensor(0.3, requires_grad=True)
    x = d.sin(t)
    y = d.exp(x * x)
    ds = derivatives(y, x, 4)
    ref = [v.item() for v in [d.functional.derivative(lambda u: d.exp(u * u), math.sin(0.3), k)
                              for k in range(5)]]
    np.testing.assert_allclose(ds, ref, rtol=1e-13)


def test_diag_matches_indexing_and_eye():
    f = lambda x: A * d.exp(x) + x * x  # noqa: E731
    x = d.tensor(0.3, requires_grad=True)
    m = f(x)
    pairs = [(d.diag(m), d.stack([m[i, i] for i in range(3)])),
             (d.diag(d.sin(x) * V3), d.eye(3) * (d.sin(x) * V3))]
    for a, b in pairs:
        for u, v in zip(derivatives(a, x, 5), derivatives(b, x, 5)):
            np.testing.assert_allclose(u, v, rtol=1e-15)


def test_integer_power_at_zero_where_nested_reverse_gives_nan():
    """(x^2 e^x)^(k) at 0 is k(k-1). (Nested reverse mode, at the time of writing, gives nan from
    order 4: it differentiates pow(x, -1) = inf at 0.)"""
    x = d.tensor(0.0, requires_grad=True)
    ds = derivatives(x ** 2.0 * d.exp(x), x, 8)
    assert ds == [float(k * (k - 1)) for k in range(9)]


def test_domain_edges_give_numpy_values_not_exceptions():
    x = d.tensor(0.0, requires_grad=True)
    ds = derivatives(d.log(x), x, 3)
    assert ds[0] == -math.inf and math.isinf(ds[1])
    ds = derivatives(d.sqrt(x), x, 2)
    assert ds[0] == 0.0 and math.isinf(ds[1])
    ds = derivatives(d.hypot(x, 0.0), x, 3)  # hypot'(0, 0) = 0
    assert ds == [0.0, 0.0, 0.0, 0.0]
    xa = d.tensor([0.0, 2.0], requires_grad=True)
    ds = derivatives(d.log(xa), xa, 2)
    assert np.isinf(ds[1][0]) and ds[1][1] == 0.5


def test_unsupported_primitive_raises_not_implemented():
    x = d.tensor(0.4, requires_grad=True)
    with pytest.raises(NotImplementedError, match="Det"):
        derivatives(d.det(A * x) + x, x, 3)
    xa = d.tensor([0.5, 1.5], requires_grad=True)
    with pytest.raises(NotImplementedError, match="Prod"):
        derivatives(d.prod(xa), xa, 2)

    class Square(d.Function):
        @staticmethod
        def forward(ctx, u):
            ctx.save_for_backward(u)
            return u * u

        @staticmethod
        def backward(ctx, g):
            (u,) = ctx.saved_tensors
            return g * 2.0 * u
    with pytest.raises(NotImplementedError, match="Square"):
        derivatives(d.sin(Square.apply(x)), x, 2)
    # a constant subgraph needs no rule
    assert derivatives(d.det(d.tensor(A)) * x, x, 1)[1] == pytest.approx(np.linalg.det(A))


def test_freed_or_modified_graph_is_an_error():
    x = d.tensor(0.4, requires_grad=True)
    y = d.exp(d.sin(x))
    y.backward()
    with pytest.raises(d.DiffcliError):
        derivatives(y, x, 2)
    c = d.tensor(2.0)
    y = d.sin(x) * c
    c.add_(1.0)  # a 0-d constant is saved as its float: the graph keeps the value it read
    assert derivatives(y, x, 2)[2] == pytest.approx(-2.0 * math.sin(0.4), rel=1e-15)
    x1 = d.tensor([0.4], requires_grad=True)
    c1 = d.tensor([2.0])
    y = (d.sin(x1) * c1).sum()
    c1.add_(1.0)  # an array constant the graph read changed: its value is stale
    with pytest.raises(d.DiffcliError, match="in-place"):
        derivatives(y, x1, 2)
    a = d.sin(x)
    y = a * a
    a.add_(1.0)  # only values that depend on x changed: their series come from the graph
    assert derivatives(y, x, 2)[2] == pytest.approx(2 * math.cos(0.8), rel=1e-15)
    with pytest.raises(d.DiffcliError):
        derivatives(y, x, -1)

