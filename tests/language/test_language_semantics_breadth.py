"""Language semantics a calculator user relies on (issue 19): two-argument max/min are
elementwise, reductions take their axis as a keyword (and a tuple of axes, and keepdims), the
trace of a tensor of more than two dimensions differentiates, and diff(e, x, n) of a scalar x
uses Taylor mode (polynomial in n) unless something outside differentiates the result."""
from __future__ import annotations

import math

import numpy as np
import pytest

from diffcli import engine as E
from diffcli import functional as F
from language_testlib import assert_value, error, run_cmd

Z = np.array([-1.2, 0.4, 2.0, -0.3])
Y = np.array([0.0, 1.0, 1.0, 0.0])
SZ, SY = "[-1.2, 0.4, 2, -0.3]", "[0, 1, 1, 0]"
M = np.array([[1.0, -2.0, 3.0], [-4.0, 5.0, -6.0]])
SM = "[[1, -2, 3], [-4, 5, -6]]"


def test_two_argument_max_is_elementwise_bce_with_logits():
    # the loss of the report: max(z, 0) was a reduction along axis 0 (1.4714 instead of 0.3048)
    want = np.mean(np.maximum(Z, 0) - Z * Y + np.log1p(np.exp(-np.abs(Z))))
    assert_value(f"mean(max(z, 0) - z * y + log(1 + exp(-abs(z)))) at z = {SZ}, y = {SY}", want)
    assert_value(f"max(z, 0) at z = {SZ}", np.maximum(Z, 0))
    assert_value(f"min(z, [0, 0, 1, 1]) at z = {SZ}", np.minimum(Z, [0, 0, 1, 1]))
    out = run_cmd(f"sum(max(z, 0)) at z = {SZ}", "grad")
    np.testing.assert_array_equal(out["grad"]["z"].numpy(), (Z > 0) * 1.0)


@pytest.mark.parametrize("text, want", [
    (f"max({SM}, axis=0)", M.max(0)), (f"min({SM}, axis=1)", M.min(1)), (f"max({SM})", M.max()),
    (f"sum({SM}, 0)", M.sum(0)), (f"sum({SM}, axis=1)", M.sum(1)), (f"mean({SM}, axis=-1)", M.mean(-1)),
    (f"prod({SM}, axis=0)", M.prod(0)), (f"sum({SM}, axis=[0, 1])", M.sum()),
    (f"sum({SM}, axis=1, keepdims=1)", M.sum(1, keepdims=True)),
    (f"max({SM}, axis=0, keepdims=1)", M.max(0, keepdims=True)),
    (f"logsumexp({SM}, axis=0)", np.log(np.exp(M).sum(0))),
    (f"mean({SM}, keepdims=1)", M.mean(keepdims=True)),
])
def test_reductions_take_keyword_axes(text, want):
    assert_value(text, want)


def test_an_axis_with_two_argument_max_is_refused():
    assert "elementwise" in error(f"max({SM}, 0, axis=0)").message


def test_repeated_axis_is_refused():
    assert "repeated" in error(f"sum({SM}, axis=[1, -1])").message


def test_reduction_grad_with_tuple_axes_and_keepdims():
    x = E.tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    y = E.sum(x * x, axis=(0, 2), keepdims=True)
    assert y.shape == (1, 3, 1)
    (y * E.tensor(np.array([1.0, 2.0, 3.0]).reshape(1, 3, 1))).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.numpy() * np.array([1.0, 2.0, 3.0]).reshape(1, 3, 1))


def test_kink_of_two_argument_max_is_reported():
    out = run_cmd("max(x, 1) at x = 1", "grad")
    assert any("maximum at a tie" in w for w in out["warnings"])


@pytest.mark.parametrize("offset", [0, 1, -1])
def test_trace_of_a_3d_tensor_differentiates(offset):
    a = np.arange(24.0).reshape(2, 3, 4) / 7
    x = E.tensor(a, requires_grad=True)
    y = E.trace(E.sin(x), offset)
    np.testing.assert_allclose(y.numpy(), np.trace(np.sin(a), offset))
    w = np.array([1.0, -2.0, 0.5, 3.0])
    (y * E.tensor(w)).sum().backward()
    mask = np.eye(2, 3, offset)[:, :, None]
    np.testing.assert_allclose(x.grad.numpy(), mask * np.cos(a) * w)
    # and the Jacobian, batched (rows in one pass) and as the language sees it
    J = F.jacobian(lambda t: E.trace(t, offset), E.tensor(a))
    np.testing.assert_array_equal(J.numpy(), np.einsum("ij,k l->kijl".replace(" ", ""), np.eye(2, 3, offset),
                                                       np.eye(4)))


def test_trace_3d_in_the_language_grad():
    out = run_cmd("sum(trace(t^2)) at t = reshape(arange(8), 2, 2, 2)", "grad")
    a = np.arange(8.0).reshape(2, 2, 2)
    np.testing.assert_array_equal(out["grad"]["t"].numpy(), 2 * a * np.eye(2)[:, :, None])


def test_trace_offset_in_the_language():
    assert_value("trace([[1, 2, 3], [4, 5, 6]], 1)", 8.0)


def test_high_order_diff_in_the_language_is_taylor_and_exact():
    # 2^14 exp(2x): nested reverse passes took over 30 s here
    assert_value("diff(exp(2*x), x, 14) at x = 0.3", 2.0 ** 14 * math.exp(0.6), rtol=1e-13)
    assert_value("diff(sin(x), x, 25) at x = 0.4", math.cos(0.4), rtol=1e-13)


def test_diff_inside_a_differentiated_program_keeps_its_graph():
    # something outside differentiates the result: nested reverse mode, not a constant
    assert_value("grad(diff(x^3 * y^2, x, 2), y) at x = 1, y = 2", 24.0)
    out = run_cmd("diff(x^3 * y, x, 2) at x = 1.5, y = 2", "grad")
    assert out["grad"]["y"].item() == pytest.approx(9.0)
    assert out["grad"]["x"].item() == pytest.approx(12.0)


def test_functional_derivative_uses_taylor_mode():
    d14 = F.derivative(lambda x: E.exp(2 * x), 0.3, 14)
    assert d14.item() == pytest.approx(2.0 ** 14 * math.exp(0.6), rel=1e-13)
    d3 = F.derivative(lambda x: E.stack([x ** 3, E.sin(x)]), 0.5, 3)  # of the sum of the outputs
    assert d3.item() == pytest.approx(6.0 - math.cos(0.5), rel=1e-13)


def test_functional_derivative_falls_back_without_a_series_rule():
    class Cube(E.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x ** 2

    assert F.derivative(lambda x: Cube.apply(x), 2.0, 2).item() == pytest.approx(12.0)


def test_percent_is_numpys_remainder():
    assert_value("7 % 3", 1.0)
    assert_value("-7 % 3", 2.0)  # (-7) % 3: unary minus binds tighter than %
    assert_value("2 * 7 % 4", 2.0)  # left to right at the level of * and /
    assert_value("[5, -5] % 3", np.mod([5.0, -5.0], 3.0))
    out = run_cmd("x % 2 at x = 5.5", "grad")
    assert out["grad"]["x"].item() == 1.0
    x = E.tensor(5.5, requires_grad=True)
    assert (x % 2).item() == 1.5 and (7.0 % E.tensor(3.0)).item() == 1.0


def test_integer_list_indexing_in_the_language():
    assert_value("v[[2, 0, 2]] at v = [1, 2, 3]", [3.0, 1.0, 3.0])
    out = run_cmd("sum(v[[2, 0, 2]]) at v = [1, 2, 3]", "grad")
    np.testing.assert_array_equal(out["grad"]["v"].numpy(), [1.0, 0.0, 2.0])
