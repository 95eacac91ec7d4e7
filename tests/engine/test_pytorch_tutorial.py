"""The examples of PyTorch's autograd tutorials, with their known results."""
from __future__ import annotations

import numpy as np
import pytest

import diffcli as d
from diffcli import DiffcliError
from engine_testlib import assert_close, raw


def test_square_with_vector_seed():
    x = d.tensor([2.0, 3.0, 4.0], requires_grad=True)
    y = x ** 2
    assert y.grad_fn.name() == "PowBackward0"
    y.backward(d.ones(3))
    assert_close(x.grad, [4.0, 6.0, 8.0], rtol=0, atol=0)


def test_polynomial_with_seed_of_ones():
    a = d.tensor([1.0, 4.0], requires_grad=True)
    b = d.tensor([5.0, 2.0], requires_grad=True)
    c = 2 * a ** 6 - b ** 9
    c.backward(gradient=d.tensor([1.0, 1.0]))
    assert_close(a.grad, 12 * np.array([1.0, 4.0]) ** 5, rtol=1e-15, atol=0)
    assert_close(b.grad, -9 * np.array([5.0, 2.0]) ** 8, rtol=1e-15, atol=0)


def test_gradients_accumulate_and_reset():
    inp = d.eye(4, 5, requires_grad=True)
    out = ((inp + 1) ** 2).T
    assert out.shape == (5, 4)
    expected = 2 * (np.eye(4, 5) + 1)
    out.backward(d.ones_like(out), retain_graph=True)
    assert_close(inp.grad, expected, rtol=0, atol=0)
    out.backward(d.ones_like(out), retain_graph=True)
    assert_close(inp.grad, 2 * expected, rtol=0, atol=0)
    inp.grad = None
    out.backward(d.ones_like(out), retain_graph=True)
    assert_close(inp.grad, expected, rtol=0, atol=0)
    inp.grad.zero_()
    assert_close(inp.grad, np.zeros((4, 5)), rtol=0, atol=0)
    out.backward(d.ones_like(out))
    assert_close(inp.grad, expected, rtol=0, atol=0)


def _bce_with_logits(z: d.Tensor, y: d.Tensor) -> d.Tensor:
    """mean(max(z, 0) - z * y + log(1 + exp(-|z|))), written in engine operations."""
    return d.mean(d.maximum(z, 0.0) - z * y + d.log1p(d.exp(-d.abs(z))))


def test_one_layer_network_with_binary_cross_entropy():
    rng = np.random.default_rng(7)
    xv = np.ones(5)
    yv = np.zeros(3)
    wv = rng.normal(size=(5, 3))
    bv = rng.normal(size=3)
    x, y = d.ones(5), d.zeros(3)
    w = d.tensor(wv, requires_grad=True)
    b = d.tensor(bv, requires_grad=True)
    z = x @ w + b
    loss = _bce_with_logits(z, y)
    assert z.grad_fn.name() == "AddBackward0"
    assert loss.grad_fn is not None and loss.shape == ()
    loss.backward()

    zv = xv @ wv + bv
    expected_loss = np.mean(np.logaddexp(0.0, zv) - zv * yv)
    dz = (1 / (1 + np.exp(-zv)) - yv) / zv.size   # d loss / d z
    assert loss.item() == pytest.approx(expected_loss, rel=1e-14)
    assert_close(w.grad, np.outer(xv, dz), rtol=1e-13, atol=1e-16)
    assert_close(b.grad, dz, rtol=1e-13, atol=1e-16)


def test_batched_network_with_broadcast_bias():
    rng = np.random.default_rng(8)
    xv = rng.normal(size=(4, 5))
    yv = (rng.uniform(size=(4, 3)) > 0.5).astype(float)
    wv, bv = rng.normal(size=(5, 3)), rng.normal(size=3)
    w, b = d.tensor(wv, requires_grad=True), d.tensor(bv, requires_grad=True)
    loss = _bce_with_logits(d.tensor(xv) @ w + b, d.tensor(yv))
    loss.backward()
    zv = xv @ wv + bv
    dz = (1 / (1 + np.exp(-zv)) - yv) / zv.size
    assert_close(w.grad, xv.T @ dz, rtol=1e-12, atol=1e-16)
    assert_close(b.grad, dz.sum(axis=0), rtol=1e-12, atol=1e-16)


def test_second_derivative_of_cube():
    x = d.tensor(2.0, requires_grad=True)
    y = x ** 3
    (g,) = d.grad(y, x, create_graph=True)
    assert g.item() == 12.0 and g.requires_grad
    (h,) = d.grad(g, x)
    assert h.item() == 12.0
    # the same through backward(create_graph=True)
    x2 = d.tensor(2.0, requires_grad=True)
    (x2 ** 3).backward(create_graph=True)
    g2 = x2.grad
    x2.grad = None
    g2.backward()
    assert x2.grad.item() == 12.0


class MyReLU(d.Function):
    @staticmethod
    def forward(ctx, inp):
        ctx.save_for_backward(inp)
        return d.relu(inp)

    @staticmethod
    def backward(ctx, grad_output):
        (inp,) = ctx.saved_tensors
        return d.where(inp < 0, 0.0, grad_output)


def test_custom_relu_function():
    x = d.tensor([-2.0, -0.5, 0.5, 3.0], requires_grad=True)
    y = MyReLU.apply(x)
    assert_close(y, [0.0, 0.0, 0.5, 3.0], rtol=0, atol=0)
    assert y.requires_grad and not y.is_leaf
    (y * d.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    assert_close(x.grad, [0.0, 0.0, 3.0, 4.0], rtol=0, atol=0)


def test_custom_relu_inside_a_network():
    rng = np.random.default_rng(3)
    wv = rng.normal(size=(3, 2))
    xv = rng.normal(size=(4, 3))
    w = d.tensor(wv, requires_grad=True)
    MyReLU.apply(d.tensor(xv) @ w).sum().backward()
    mask = (xv @ wv > 0).astype(float)
    assert_close(w.grad, xv.T @ mask, rtol=1e-14, atol=1e-15)


def test_backward_of_non_scalar_without_gradient_asks_for_a_seed():
    x = d.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    with pytest.raises(DiffcliError) as err:
        y.backward()
    text = str(err.value)
    assert "seed" in text and "jacobian" in text
    assert x.grad is None


def test_second_backward_needs_retain_graph():
    x = d.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(DiffcliError, match="retain_graph"):
        y.backward()
    assert_close(x.grad, [2.0, 4.0], rtol=0, atol=0)  # the failed call added nothing


def test_inplace_change_of_a_saved_tensor_is_detected():
    x = d.tensor([1.0, 2.0], requires_grad=True)
    a = x * 3
    y = a * a          # saves a
    a.mul_(2)
    with pytest.raises(DiffcliError, match="in-place"):
        y.sum().backward()


def test_inplace_on_a_leaf_requiring_grad():
    w = d.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(DiffcliError, match="in place"):
        w.add_(1.0)
    assert_close(w, [1.0, 2.0], rtol=0, atol=0)
    (w * w).sum().backward()
    with d.no_grad():
        w.add_(-0.5 * w.grad)   # a gradient-descent step
    assert_close(w, [0.0, 0.0], rtol=0, atol=0)
    assert w.is_leaf and w.requires_grad and w.grad_fn is None
    # the updated leaf works in a new graph
    w.grad = None
    ((w + 1.0) ** 2).sum().backward()
    assert_close(w.grad, [2.0, 2.0], rtol=0, atol=0)
    assert np.array_equal(raw(w), [0.0, 0.0])
