"""Custom operations: diffcli.Function with ctx.save_for_backward,
saved_tensors and needs_input_grad."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given

import diffcli as d
from diffcli import DiffcliError
from engine_testlib import HYP, arrays, assert_close, check_grad, check_gradgrad, floats, raw


class Cube(d.Function):
    calls = []

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        inside = x * x * x
        Cube.calls.append((d.is_grad_enabled(), inside.grad_fn))
        return inside

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3.0 * x * x


class Scale(d.Function):
    """y = a * x with a Python number a among the arguments."""

    seen_needs = None

    @staticmethod
    def forward(ctx, x, a, w):
        ctx.save_for_backward(x, w)
        ctx.a = a
        Scale.seen_needs = ctx.needs_input_grad
        return x * a * w

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        gx = g * ctx.a * w if ctx.needs_input_grad[0] else None
        gw = g * ctx.a * x if ctx.needs_input_grad[2] else None
        return gx, None, gw


class Sigmoid(d.Function):
    @staticmethod
    def forward(ctx, x):
        y = 1.0 / (1.0 + d.exp(-x))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y * (1.0 - y)


def test_forward_runs_without_recording_and_output_is_recorded():
    Cube.calls.clear()
    x = d.tensor(2.0, requires_grad=True)
    y = Cube.apply(x)
    assert Cube.calls == [(False, None)]
    assert y.item() == 8.0 and y.requires_grad and y.grad_fn is not None
    (acc, _), = y.grad_fn.next_functions
    assert acc.variable is x
    y.backward()
    assert x.grad.item() == 12.0


def test_needs_input_grad_and_non_tensor_arguments():
    x = d.tensor([1.0, 2.0], requires_grad=True)
    w = d.tensor([3.0, 4.0])
    y = Scale.apply(x, 2.0, w)
    assert Scale.seen_needs == (True, False, False)
    y.sum().backward()
    assert_close(x.grad, [6.0, 8.0], rtol=0, atol=0)
    w2 = d.tensor([3.0, 4.0], requires_grad=True)
    y = Scale.apply(d.tensor([1.0, 2.0]), 2.0, w2)
    assert Scale.seen_needs == (False, False, True)
    y.sum().backward()
    assert_close(w2.grad, [2.0, 4.0], rtol=0, atol=0)


def test_no_node_when_no_input_needs_grad_or_under_no_grad():
    y = Cube.apply(d.tensor(2.0))
    assert y.grad_fn is None and not y.requires_grad and y.item() == 8.0
    x = d.tensor(2.0, requires_grad=True)
    with d.no_grad():
        y = Cube.apply(x)
    assert y.grad_fn is None and not y.requires_grad


@HYP
@given(x=arrays((3,), floats(-4, 4)))
def test_custom_function_gradients_and_second_derivatives(x):
    check_grad(Sigmoid.apply, x)
    check_grad(lambda t: Cube.apply(d.sin(t)) * t, x)
    check_gradgrad(lambda t: Cube.apply(d.sin(t)) * t, x)


def test_double_backward_through_a_saved_output():
    class Exp(d.Function):
        @staticmethod
        def forward(ctx, x):
            y = d.exp(x)
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            (y,) = ctx.saved_tensors
            return g * y

    x = d.tensor(1.0, requires_grad=True)
    (g,) = d.grad(Exp.apply(x), x, create_graph=True)
    assert g.item() == pytest.approx(math.e, rel=1e-15)
    (h,) = d.grad(g, x)
    assert h.item() == pytest.approx(math.e, rel=1e-15)


def test_double_backward_through_a_custom_function():
    x = d.tensor(1.5, requires_grad=True)
    (g,) = d.grad(Cube.apply(x), x, create_graph=True)
    assert g.item() == pytest.approx(3 * 1.5 ** 2, rel=1e-15)
    (h,) = d.grad(g, x)
    assert h.item() == pytest.approx(6 * 1.5, rel=1e-15)


def test_saved_tensors_are_freed_after_backward():
    x = d.tensor(2.0, requires_grad=True)
    y = Cube.apply(x)
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.item() == 24.0
    with pytest.raises(DiffcliError, match="retain_graph"):
        y.backward()
    with pytest.raises(DiffcliError, match="retain_graph"):
        y.grad_fn.ctx.saved_tensors


def test_backward_returning_the_wrong_number_of_gradients():
    class Bad(d.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, g):
            return g

    x = d.tensor(1.0, requires_grad=True)
    with pytest.raises(DiffcliError, match="2 input"):
        Bad.apply(x, d.tensor(2.0)).backward()


def test_backward_returning_a_gradient_of_the_wrong_shape():
    class SumAll(d.Function):
        @staticmethod
        def forward(ctx, x):
            return x.sum()

        @staticmethod
        def backward(ctx, g):
            return g                    # should be g broadcast to x's shape

    for create_graph in (False, True):
        x = d.tensor([1.0, 2.0, 3.0], requires_grad=True)
        try:
            (g,) = d.grad(SumAll.apply(x), x, create_graph=create_graph)
        except DiffcliError:
            continue                   # a clear error is a correct answer too
        assert g.shape == (3,)
        assert_close(g, [1.0, 1.0, 1.0], rtol=0, atol=0)


def test_modifying_a_saved_input_of_a_custom_function():
    x = d.tensor([1.0, 2.0], requires_grad=True)
    a = x * 1.0
    y = Cube.apply(a)
    a.mul_(2.0)
    with pytest.raises(DiffcliError, match="in-place"):
        y.sum().backward()


def test_custom_function_node_name():
    x = d.tensor(1.0, requires_grad=True)
    assert Cube.apply(x).grad_fn.name().startswith("CubeBackward")


def test_custom_function_node_name_is_classname_backward():
    x = d.tensor(1.0, requires_grad=True)
    assert Cube.apply(x).grad_fn.name() == "CubeBackward"


def test_custom_function_in_a_larger_graph_matches_the_builtin():
    rng = np.random.default_rng(5)
    xv = rng.normal(size=(4,))
    x1 = d.tensor(xv, requires_grad=True)
    x2 = d.tensor(xv, requires_grad=True)
    (Sigmoid.apply(x1 * 2.0) * x1).sum().backward()
    (d.sigmoid(x2 * 2.0) * x2).sum().backward()
    assert_close(x1.grad, x2.grad, rtol=1e-14, atol=1e-15)
    assert math.isfinite(float(raw(x1.grad).sum()))
