"""Elementwise primitives: gradients and second derivatives against central
differences at hypothesis-drawn points inside each function's domain, away
from kinks; binary operations on equal and on broadcasting shapes."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import diffcli as d
from engine_testlib import (HYP, SHAPES, arrays, assert_close, away_from_zero,
                            check_grad, check_gradgrad, floats, interleaved, raw)


def _off_integer(lo_frac: float, hi_frac: float):
    """k + f with f in [lo_frac, hi_frac]: away from the jumps of floor/ceil/round."""
    return st.builds(lambda k, f: k + f, st.integers(-3, 3), floats(lo_frac, hi_frac))


def _off_half():
    return st.one_of(_off_integer(0.05, 0.4), _off_integer(0.6, 0.95))


# name -> (function, elements inside the domain and away from kinks)
UNARY = {
    "sin": (d.sin, floats(-3, 3)),
    "cos": (d.cos, floats(-3, 3)),
    "tan": (d.tan, floats(-1.3, 1.3)),
    "asin": (d.asin, floats(-0.9, 0.9)),
    "acos": (d.acos, floats(-0.9, 0.9)),
    "atan": (d.atan, floats(-3, 3)),
    "sinh": (d.sinh, floats(-3, 3)),
    "cosh": (d.cosh, floats(-3, 3)),
    "tanh": (d.tanh, floats(-3, 3)),
    "asinh": (d.asinh, floats(-3, 3)),
    "acosh": (d.acosh, floats(1.1, 4)),
    "atanh": (d.atanh, floats(-0.9, 0.9)),
    "exp": (d.exp, floats(-3, 3)),
    "expm1": (d.expm1, floats(-3, 3)),
    "log": (d.log, floats(0.1, 5)),
    "log2": (d.log2, floats(0.1, 5)),
    "log10": (d.log10, floats(0.1, 5)),
    "log1p": (d.log1p, floats(-0.9, 5)),
    "sqrt": (d.sqrt, floats(0.05, 5)),
    "cbrt": (d.cbrt, away_from_zero(0.1, 5)),
    "abs": (d.abs, away_from_zero(0.05, 3)),
    "sign": (d.sign, away_from_zero(0.05, 3)),
    "floor": (d.floor, _off_integer(0.05, 0.95)),
    "ceil": (d.ceil, _off_integer(0.05, 0.95)),
    "round": (d.round, _off_half()),
    "relu": (d.relu, away_from_zero(0.05, 3)),
    "sigmoid": (d.sigmoid, floats(-6, 6)),
    "softplus": (d.softplus, floats(-6, 6)),
    "erf": (d.erf, floats(-3, 3)),
    "neg (unary -)": (lambda x: -x, floats(-3, 3)),
    "abs()": (abs, away_from_zero(0.05, 3)),
    "+x": (lambda x: +x * 1.0, floats(-3, 3)),
}
PIECEWISE_CONSTANT = ("sign", "floor", "ceil", "round")


@pytest.mark.parametrize("name", list(UNARY))
@HYP
@given(data=st.data())
def test_unary_gradient_and_second_derivative(name, data):
    fn, elements = UNARY[name]
    shape = data.draw(st.sampled_from(SHAPES), label="shape")
    x = data.draw(arrays(shape, elements), label="x")
    g = check_grad(fn, x)
    check_gradgrad(fn, x)
    if name in PIECEWISE_CONSTANT:
        assert np.all(g[0] == 0.0)


@HYP
@given(x=arrays((2, 3), away_from_zero(0.05, 3)))
def test_kinked_functions_have_exact_one_sided_slopes(x):
    t = d.tensor(x, requires_grad=True)
    (ga,) = d.grad(d.abs(t).sum(), t)
    (gr,) = d.grad(d.relu(t).sum(), t)
    assert np.array_equal(raw(ga), np.sign(x))
    assert np.array_equal(raw(gr), (x > 0).astype(float))


# --------------------------------------------------------------------------
# Binary operations
BINARY = {
    "add": (d.add, floats(-3, 3), floats(-3, 3)),
    "+": (lambda a, b: a + b, floats(-3, 3), floats(-3, 3)),
    "sub": (d.sub, floats(-3, 3), floats(-3, 3)),
    "-": (lambda a, b: a - b, floats(-3, 3), floats(-3, 3)),
    "mul": (d.mul, floats(-3, 3), floats(-3, 3)),
    "*": (lambda a, b: a * b, floats(-3, 3), floats(-3, 3)),
    "div": (d.div, floats(-3, 3), away_from_zero(0.5, 3)),
    "/": (lambda a, b: a / b, floats(-3, 3), away_from_zero(0.5, 3)),
    "pow": (d.pow, floats(0.5, 2.5), floats(-2, 2)),
    "**": (lambda a, b: a ** b, floats(0.5, 2.5), floats(-2, 2)),
    "atan2": (d.atan2, floats(-3, 3), floats(0.3, 3)),   # x > 0: away from the branch cut
    "hypot": (d.hypot, away_from_zero(0.1, 3), floats(-3, 3)),
    "maximum": (d.maximum, interleaved(0), interleaved(1)),
    "minimum": (d.minimum, interleaved(0), interleaved(1)),
}
SAME_SHAPES = [((), ()), ((3,), (3,)), ((2, 3), (2, 3))]
BROADCAST_SHAPES = [((3, 1), (4,)), ((), (2, 3)), ((2, 3), ()), ((2, 1, 3), (4, 1)), ((1,), (3,))]


@pytest.mark.parametrize("name", list(BINARY))
@HYP
@given(data=st.data())
def test_binary_same_shape(name, data):
    fn, ea, eb = BINARY[name]
    sa, sb = data.draw(st.sampled_from(SAME_SHAPES), label="shapes")
    a = data.draw(arrays(sa, ea), label="a")
    b = data.draw(arrays(sb, eb), label="b")
    check_grad(fn, a, b)
    check_gradgrad(fn, a, b)


def _broadcast_case(name, data):
    fn, ea, eb = BINARY[name]
    sa, sb = data.draw(st.sampled_from(BROADCAST_SHAPES), label="shapes")
    a = data.draw(arrays(sa, ea), label="a")
    b = data.draw(arrays(sb, eb), label="b")
    return fn, a, b


@pytest.mark.parametrize("name", list(BINARY))
@HYP
@given(data=st.data())
def test_binary_broadcasting_gradients_sum_to_input_shapes(name, data):
    fn, a, b = _broadcast_case(name, data)
    check_grad(fn, a, b)
    check_gradgrad(fn, a, b)


@pytest.mark.parametrize("name", ["add", "mul", "div", "pow", "atan2", "maximum"])
@HYP
@given(data=st.data())
def test_binary_broadcasting_against_a_constant(name, data):
    """Only the full-shaped operand needs a gradient: no reduction is needed."""
    fn, ea, eb = BINARY[name]
    a = data.draw(arrays((2, 3), ea), label="a")
    b = data.draw(arrays(data.draw(st.sampled_from([(), (3,), (1, 3), (2, 1)])), eb), label="b")
    check_grad(lambda x: fn(x, d.tensor(b)), a)
    check_gradgrad(lambda x: fn(x, d.tensor(b)), a)


PY_SCALAR = {
    "2.0 - x": (lambda x: 2.0 - x, floats(-3, 3)),
    "x - 1": (lambda x: x - 1, floats(-3, 3)),
    "1 + x": (lambda x: 1 + x, floats(-3, 3)),
    "3 * x": (lambda x: 3 * x, floats(-3, 3)),
    "x / 4": (lambda x: x / 4, floats(-3, 3)),
    "2.0 / x": (lambda x: 2.0 / x, away_from_zero(0.5, 3)),
    "x ** 2": (lambda x: x ** 2, floats(-3, 3)),
    "x ** 3": (lambda x: x ** 3, floats(-3, 3)),
    "x ** 0.5": (lambda x: x ** 0.5, floats(0.1, 3)),
    "x ** -1.5": (lambda x: x ** -1.5, floats(0.3, 3)),
    "2 ** x": (lambda x: 2 ** x, floats(-3, 3)),
    "x.pow(2.5)": (lambda x: x.pow(2.5), floats(0.1, 3)),
    "maximum(x, 0.5)": (lambda x: d.maximum(x, 0.55), interleaved(0)),
    "atan2(1.0, x)": (lambda x: d.atan2(1.0, x), floats(-3, 3)),
    "hypot(x, 2.0)": (lambda x: d.hypot(x, 2.0), floats(-3, 3)),
}


@pytest.mark.parametrize("name", list(PY_SCALAR))
@HYP
@given(data=st.data())
def test_python_number_operands(name, data):
    fn, elements = PY_SCALAR[name]
    x = data.draw(arrays(data.draw(st.sampled_from(SHAPES)), elements))
    check_grad(fn, x)
    check_gradgrad(fn, x)


def test_pow_gradients_at_a_zero_base():
    for base, expo, ga_want, gb_want in [(0.0, 2.0, 0.0, 0.0), (0.0, 0.5, math.inf, 0.0),
                                         (0.0, 3.0, 0.0, 0.0), (2.0, 0.0, 0.0, math.log(2.0))]:
        a, b = d.tensor(base, requires_grad=True), d.tensor(expo, requires_grad=True)
        ga, gb = d.grad(a ** b, [a, b])
        assert (ga.item(), gb.item()) == (ga_want, gb_want), (base, expo)


def test_pow_exponent_gradient_at_zero_to_the_zero():
    a, b = d.tensor(0.0, requires_grad=True), d.tensor(0.0, requires_grad=True)
    ga, gb = d.grad(a ** b, [a, b])
    assert ga.item() == 0.0 and gb.item() == 0.0


# --------------------------------------------------------------------------
# clip and where
@HYP
@given(data=st.data())
def test_clip_with_number_bounds(data):
    x = data.draw(arrays(data.draw(st.sampled_from(SHAPES)), interleaved(0)))
    lo, hi = sorted(data.draw(st.lists(interleaved(1), min_size=2, max_size=2, unique=True)))
    g = check_grad(lambda t: d.clip(t, lo, hi), x)
    assert np.array_equal(g[0] != 0, (x >= lo) & (x <= hi))
    check_gradgrad(lambda t: d.clip(t, lo, hi), x)


@HYP
@given(data=st.data())
def test_clip_with_tensor_bounds_of_the_same_shape(data):
    shape = data.draw(st.sampled_from(SHAPES))
    x = data.draw(arrays(shape, interleaved(0)))
    lo = data.draw(arrays(shape, interleaved(1)))
    hi = lo + data.draw(arrays(shape, st.sampled_from([0.2, 0.4, 1.0])))
    check_grad(d.clip, x, lo, hi)
    check_gradgrad(d.clip, x, lo, hi)


def test_clip_with_scalar_tensor_bounds_needing_grad():
    check_grad(d.clip, np.array([-1.05, 0.05, 1.05, 2.0]), np.array(-0.5), np.array(0.5))
    x = d.tensor([-1.05, 0.05, 1.05, 2.0], requires_grad=True)
    lo, hi = d.tensor(-0.5, requires_grad=True), d.tensor(0.5, requires_grad=True)
    gx, glo, ghi = d.grad(d.clip(x, lo, hi).sum(), [x, lo, hi])
    assert_close(gx, [0.0, 1.0, 0.0, 0.0], rtol=0, atol=0)
    assert glo.shape == () and glo.item() == 1.0
    assert ghi.shape == () and ghi.item() == 2.0

    check_gradgrad(lambda x, lo, hi: d.clip(x, lo, hi) * lo * hi,
                   np.array([-1.05, 0.05, 1.05]), np.array(-0.5), np.array(0.5))


@HYP
@given(data=st.data())
def test_where_selects_gradients(data):
    shape = data.draw(st.sampled_from(SHAPES))
    x = data.draw(arrays(shape, away_from_zero(0.1, 3)))
    y = data.draw(arrays(shape, floats(-3, 3)))

    def f(a, b):
        return d.where(a > 0, a * b, d.sin(b))

    g = check_grad(f, x, y)
    check_gradgrad(f, x, y)
    assert np.all(g[0][x < 0] == 0.0)


def test_where_broadcasting():
    x = np.array([[0.5], [-0.5], [1.5]])
    y = np.array([1.0, 2.0, -3.0, 0.25])
    check_grad(lambda a, b: d.where(a > 0, a * b, b), x, y)
    check_gradgrad(lambda a, b: d.where(a > 0, a * b, b), x, y)


# --------------------------------------------------------------------------
# Methods are the same functions
@HYP
@given(x=arrays((3,), floats(0.1, 3)))
def test_tensor_methods_match_functions(x):
    t = d.tensor(x, requires_grad=True)
    for method, fn in [("exp", d.exp), ("log", d.log), ("sin", d.sin), ("cos", d.cos),
                       ("tanh", d.tanh), ("sqrt", d.sqrt), ("abs", d.abs), ("relu", d.relu),
                       ("sigmoid", d.sigmoid)]:
        a, b = getattr(t, method)(), fn(t)
        assert np.array_equal(raw(a), raw(b))
        assert a.grad_fn.name() == b.grad_fn.name()
        assert np.array_equal(raw(d.grad(a.sum(), t)[0]), raw(d.grad(b.sum(), t)[0]))


# --------------------------------------------------------------------------
# The 0-d fast path (Python floats, math module) and the array path (numpy)
SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 1e-310, 1e308, -1e308, 710.0, -710.0,
           math.inf, -math.inf, math.nan, 3.0, -8.0]
UNARY_NAMES = ["sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh",
               "acosh", "atanh", "exp", "expm1", "log", "log2", "log10", "log1p", "sqrt", "cbrt",
               "abs", "sign", "floor", "ceil", "round", "relu", "sigmoid", "softplus", "erf", "neg"]


def _same(s: float, a: float) -> bool:
    if math.isnan(s) or math.isnan(a):
        return math.isnan(s) and math.isnan(a)
    if math.isinf(s) or math.isinf(a):
        return s == a
    return math.isclose(s, a, rel_tol=1e-14, abs_tol=1e-300)


@pytest.mark.parametrize("name", UNARY_NAMES)
def test_scalar_and_array_paths_agree_on_special_values(name):
    f = getattr(d, name)
    for v in SPECIAL:
        s = f(d.tensor(v))
        a = f(d.tensor([v]))
        assert type(s.tolist()) is float and s.shape == ()
        assert _same(s.item(), float(raw(a)[0])), (name, v, s.item(), raw(a)[0])


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "pow", "atan2", "hypot",
                                  "maximum", "minimum"])
def test_scalar_and_array_paths_agree_on_special_values_binary(name):
    f = getattr(d, name)
    for u in SPECIAL:
        for v in SPECIAL:
            s = f(d.tensor(u), d.tensor(v)).item()
            a = float(raw(f(d.tensor([u]), d.tensor([v])))[0])
            assert _same(s, a), (name, u, v, s, a)


@pytest.mark.parametrize("name", [n for n in UNARY if n in UNARY_NAMES])
@HYP
@given(data=st.data())
def test_scalar_and_array_gradients_agree(name, data):
    fn, elements = UNARY[name]
    v = data.draw(elements)
    s = d.tensor(v, requires_grad=True)
    a = d.tensor([v], requires_grad=True)
    (gs,) = d.grad(fn(s), s, create_graph=True)
    (ga,) = d.grad(fn(a).sum(), a, create_graph=True)
    assert _same(gs.item(), float(raw(ga)[0]))
    if gs.requires_grad and ga.requires_grad:
        (hs,) = d.grad(gs, s)
        (ha,) = d.grad(ga.sum(), a)
        assert math.isclose(hs.item(), float(raw(ha)[0]), rel_tol=1e-12, abs_tol=1e-12)
    assert_close(gs, raw(ga)[0], rtol=1e-14, atol=0)
