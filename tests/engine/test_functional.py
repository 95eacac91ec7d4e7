"""diffcli.functional: vjp, jvp, jacobian, hessian, hvp, derivative, gradcheck,
gradgradcheck — against closed forms and finite differences."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given

import diffcli as d
from diffcli import DiffcliError
from diffcli import functional as F
from engine_testlib import HYP, arrays, assert_close, floats, raw


def f_vec(x):
    """R^3 -> R^2."""
    return d.stack([x[0] * d.sin(x[1]), d.exp(x[2]) * x[0] ** 2])


def jac_vec(x):
    a, b, c = x
    return np.array([[math.sin(b), a * math.cos(b), 0.0],
                     [2 * a * math.exp(c), 0.0, a * a * math.exp(c)]])


def f_scalar(x):
    return (x[0] ** 2) * x[1] + d.sin(x[0] * x[1]) + x[2] ** 3


def hess_scalar(x):
    a, b, c = x
    s, co = math.sin(a * b), math.cos(a * b)
    return np.array([[2 * b - b * b * s, 2 * a + co - a * b * s, 0.0],
                     [2 * a + co - a * b * s, -a * a * s, 0.0],
                     [0.0, 0.0, 6 * c]])


POINT = arrays((3,), floats(-1.5, 1.5))


@HYP
@given(x=POINT)
def test_jacobian(x):
    J = F.jacobian(f_vec, d.tensor(x))
    assert J.shape == (2, 3)
    assert_close(J, jac_vec(x), rtol=1e-14, atol=1e-14)


@HYP
@given(x=POINT, v=arrays((2,), floats(-2, 2)))
def test_vjp(x, v):
    y, g = F.vjp(f_vec, d.tensor(x), d.tensor(v))
    assert_close(y, raw(f_vec(d.tensor(x))), rtol=0, atol=0)
    assert_close(g, v @ jac_vec(x), rtol=1e-13, atol=1e-14)


@HYP
@given(x=POINT, v=arrays((3,), floats(-2, 2)))
def test_jvp(x, v):
    y, jv = F.jvp(f_vec, d.tensor(x), d.tensor(v))
    assert jv.shape == (2,)
    assert_close(jv, jac_vec(x) @ v, rtol=1e-13, atol=1e-14)


@HYP
@given(x=POINT)
def test_hessian(x):
    H = F.hessian(f_scalar, d.tensor(x))
    assert H.shape == (3, 3)
    assert_close(H, hess_scalar(x), rtol=1e-13, atol=1e-14)
    assert_close(H, raw(H).T, rtol=0, atol=1e-15)


@HYP
@given(x=POINT, v=arrays((3,), floats(-2, 2)))
def test_hvp(x, v):
    y, hv = F.hvp(f_scalar, d.tensor(x), d.tensor(v))
    assert y.item() == pytest.approx(f_scalar(d.tensor(x)).item(), rel=1e-15)
    assert_close(hv, hess_scalar(x) @ v, rtol=1e-13, atol=1e-13)


def test_several_inputs():
    a, b = d.tensor([1.0, 2.0]), d.tensor(3.0)

    def f(a, b):
        return d.stack([a[0] * b, a[1] + b, a[0] * a[1]])

    Ja, Jb = F.jacobian(f, (a, b))
    assert_close(Ja, [[3.0, 0.0], [0.0, 1.0], [2.0, 1.0]], rtol=0, atol=0)
    assert_close(Jb, [1.0, 1.0, 0.0], rtol=0, atol=0)

    def g(a, b):
        return a[0] * a[1] * b + b * b

    (Haa, Hab), (Hba, Hbb) = F.hessian(g, (a, b))
    assert_close(Haa, [[0.0, 3.0], [3.0, 0.0]], rtol=0, atol=0)
    assert_close(Hab, [2.0, 1.0], rtol=0, atol=0)
    assert_close(Hba, [2.0, 1.0], rtol=0, atol=0)
    assert Hbb.item() == 2.0
    _, (ga, gb) = F.vjp(g, (a, b))
    assert_close(ga, [6.0, 3.0], rtol=0, atol=0)
    assert gb.item() == 2.0 + 6.0
    _, jv = F.jvp(lambda a, b: a * b, (d.tensor([1.0, 2.0]), d.tensor([3.0, 4.0])),
                  (d.tensor([1.0, 0.0]), d.tensor([0.0, 1.0])))
    assert_close(jv, [3.0, 2.0], rtol=0, atol=0)


def test_functional_api_with_constant_and_linear_functions():
    x = d.tensor([0.0, 4.0])
    assert_close(F.jacobian(lambda t: d.tensor([1.0, 2.0]), x), np.zeros((2, 2)), rtol=0, atol=0)
    assert_close(F.jacobian(lambda t: t, x), np.eye(2), rtol=0, atol=0)
    assert_close(F.hessian(lambda t: t.sum() * 2, x), np.zeros((2, 2)), rtol=0, atol=0)
    _, jv = F.jvp(lambda t: d.tensor([1.0, 2.0]), x, d.tensor([1.0, 1.0]))
    assert_close(jv, [0.0, 0.0], rtol=0, atol=0)
    _, jv = F.jvp(d.sqrt, x, d.tensor([1.0, 1.0]))
    assert_close(jv, [math.inf, 0.25], rtol=0, atol=0)


def test_functional_leaves_the_callers_tensors_alone():
    x = d.tensor([1.0, 2.0], requires_grad=True)
    F.jacobian(lambda t: t * t, x)
    F.hessian(lambda t: (t ** 3).sum(), x)
    assert x.grad is None


def test_derivative_orders():
    assert F.derivative(d.sin, 1.0, 0).item() == math.sin(1.0)
    for k, expected in enumerate([math.sin(1.0), math.cos(1.0), -math.sin(1.0), -math.cos(1.0),
                                  math.sin(1.0), math.cos(1.0)]):
        assert F.derivative(d.sin, 1.0, k).item() == pytest.approx(expected, rel=1e-15)
    with pytest.raises(DiffcliError):
        F.derivative(d.sin, 1.0, -1)


def test_create_graph_makes_functional_results_differentiable():
    x = d.tensor([0.5, -0.3])
    J = F.jacobian(lambda t: d.sin(t) * t, x, create_graph=True)
    assert J.shape == (2, 2) and J.requires_grad
    assert_close(J, np.diag(np.cos(raw(x)) * raw(x) + np.sin(raw(x))), rtol=1e-15, atol=0)
    H = F.hessian(lambda t: (t ** 3).sum(), x, create_graph=True)
    assert H.requires_grad
    assert_close(H, np.diag(6 * raw(x)), rtol=1e-15, atol=0)
    _, hv = F.hvp(lambda t: (t ** 3).sum(), x, d.tensor([1.0, 1.0]), create_graph=True)
    assert hv.requires_grad


# --------------------------------------------------------------------------
# gradcheck / gradgradcheck themselves
class WrongSin(d.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return d.sin(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * d.cos(x) * 1.01          # 1 % off


class WrongSecond(d.Function):
    """Right first derivative of sin, backward written so its own derivative is wrong."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return d.sin(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        c = d.cos(x.detach())               # detached: no second derivative through x
        return g * c


def test_gradcheck_accepts_right_and_rejects_wrong_gradients():
    x = d.tensor([0.3, -1.2, 2.0])
    assert d.gradcheck(d.sin, x)
    assert d.gradcheck(lambda a, b: a * d.exp(b), (x, d.tensor([0.1, 0.2, 0.3])))
    assert not d.gradcheck(WrongSin.apply, x, raise_exception=False)
    with pytest.raises(DiffcliError, match="gradcheck"):
        d.gradcheck(WrongSin.apply, x)


def test_gradgradcheck_accepts_right_and_rejects_wrong_second_derivatives():
    x = d.tensor([0.3, -1.2, 2.0])
    assert d.gradgradcheck(d.sin, x)
    assert d.gradgradcheck(lambda t: d.tanh(t) * t, x)
    assert d.gradcheck(WrongSecond.apply, x)
    assert not d.gradgradcheck(WrongSecond.apply, x, raise_exception=False)


@pytest.mark.parametrize("fn, x", [
    (d.exp, [0.1, 0.2]), (d.log, [0.5, 2.0]), (lambda t: d.softmax(t), [0.1, 0.5, -1.0]),
    (lambda t: d.det(d.reshape(t, (2, 2))), [2.0, 1.0, 0.5, 3.0]),
    (lambda t: d.inv(d.reshape(t, (2, 2))), [2.0, 1.0, 0.5, 3.0]),
])
def test_gradcheck_and_gradgradcheck_on_engine_functions(fn, x):
    assert d.gradcheck(fn, d.tensor(x))
    assert d.gradgradcheck(fn, d.tensor(x))
