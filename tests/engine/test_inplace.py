"""In-place operations: add_/sub_/mul_/div_/zero_/fill_/__setitem__, version
counters, and what they do to the graph."""
from __future__ import annotations

import weakref

import numpy as np
import pytest

import diffcli as d
from diffcli import DiffcliError
from engine_testlib import (assert_close, check_grad,
                            check_gradgrad, raw)


def test_version_counter_counts_inplace_operations():
    t = d.tensor([1.0, 2.0])
    v0 = t._version
    t.add_(1.0)
    t.mul_(2.0)
    t.sub_(1.0)
    t.div_(2.0)
    assert t._version == v0 + 4
    assert_close(t, [1.5, 2.5], rtol=0, atol=0)
    t.zero_()
    assert t._version == v0 + 5
    assert_close(t, [0.0, 0.0], rtol=0, atol=0)
    t.fill_(7.0)
    assert t._version > v0 + 5
    assert_close(t, [7.0, 7.0], rtol=0, atol=0)


def test_inplace_ops_on_a_non_leaf_are_recorded():
    x = d.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.mul_(x)          # y = 2 x^2
    y.add_(3.0)
    y.div_(d.tensor([2.0, 4.0]))
    assert not y.is_leaf and y.grad_fn.name() == "DivBackward0"
    y.sum().backward()
    assert_close(x.grad, 4 * raw(x) / np.array([2.0, 4.0]), rtol=1e-15, atol=0)


def test_inplace_on_a_tensor_without_grad_with_an_operand_that_has_it():
    w = d.tensor(3.0, requires_grad=True)
    acc = d.zeros(2)
    acc.add_(w * d.tensor([1.0, 2.0]))
    assert acc.requires_grad and acc.grad_fn is not None
    acc.sum().backward()
    assert w.grad.item() == 3.0


def test_inplace_on_a_leaf_that_requires_grad_raises_outside_no_grad():
    w = d.tensor([1.0, 2.0], requires_grad=True)
    for op in (lambda: w.add_(1.0), lambda: w.mul_(2.0), lambda: w.zero_(),
               lambda: w.sub_(1.0), lambda: w.div_(2.0)):
        with pytest.raises(DiffcliError, match="in place"):
            op()
    assert_close(w, [1.0, 2.0], rtol=0, atol=0)
    with d.no_grad():
        w.mul_(2.0)
        w.sub_(1.0)
    assert_close(w, [1.0, 3.0], rtol=0, atol=0)
    assert w.is_leaf and w.requires_grad


def test_zeroing_a_gradient_in_place():
    x = d.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    x.grad.zero_()
    assert_close(x.grad, [0.0, 0.0], rtol=0, atol=0)
    (x * 3).sum().backward()
    assert_close(x.grad, [3.0, 3.0], rtol=0, atol=0)


def test_modifying_a_saved_input_is_detected():
    x = d.tensor([1.0, 2.0], requires_grad=True)
    a = x + 0.0
    y = d.sin(a)          # sin's rule needs a
    a.add_(1.0)
    with pytest.raises(DiffcliError, match="in-place") as err:
        y.sum().backward()
    assert "SinBackward0" in str(err.value)


def test_modifying_a_leaf_without_grad_that_a_product_saved():
    x = d.tensor([1.0, 2.0], requires_grad=True)
    c = d.tensor([3.0, 4.0])
    y = x * c             # x's gradient is c
    c.mul_(10.0)
    with pytest.raises(DiffcliError, match="in-place"):
        y.sum().backward()


def test_changing_data_bumps_the_version():
    x = d.tensor([1.0, 2.0], requires_grad=True)
    c = d.tensor([3.0, 4.0])
    y = x * c
    c.data = np.array([5.0, 6.0])
    with pytest.raises(DiffcliError, match="in-place"):
        y.sum().backward()


def test_modifying_an_input_whose_value_backward_does_not_need():
    x = d.tensor([1.0, 2.0, 3.0], requires_grad=True)
    a = x * 2
    b = a + 1            # AddBackward0 needs no input value
    a.mul_(3.0)
    b.sum().backward()
    assert_close(x.grad, [2.0, 2.0, 2.0], rtol=0, atol=0)


def test_modifying_the_input_of_exp_which_saves_its_output():
    x = d.tensor([0.5, 1.0], requires_grad=True)
    a = x * 2
    z = d.exp(a)
    a.add_(1.0)
    z.sum().backward()
    assert_close(x.grad, 2 * np.exp(2 * raw(x)), rtol=1e-15, atol=0)


def test_adding_a_tensor_to_itself_in_place():
    x = d.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    y.add_(y)
    y.sum().backward()
    assert_close(x.grad, [4.0, 4.0, 4.0], rtol=0, atol=0)


# --------------------------------------------------------------------------
# __setitem__
def test_setitem_value_and_gradients():
    x = d.tensor([5.0, 6.0, 7.0], requires_grad=True)
    w = d.tensor([1.0, 2.0], requires_grad=True)
    z = x * 1.0
    z[1:] = w * 3.0
    assert_close(z, [5.0, 3.0, 6.0], rtol=0, atol=0)
    assert z.grad_fn is not None
    (z * d.tensor([1.0, 10.0, 100.0])).sum().backward()
    assert_close(x.grad, [1.0, 0.0, 0.0], rtol=0, atol=0)     # overwritten entries get nothing
    assert_close(w.grad, [30.0, 300.0], rtol=0, atol=0)


def test_setitem_broadcasts_the_value_and_sums_its_gradient():
    w = d.tensor(2.0, requires_grad=True)
    z = d.zeros(2, 3)
    z[:, 1] = w
    assert z.requires_grad and not z.is_leaf
    (z * z).sum().backward()
    assert w.grad.item() == 8.0


def test_setitem_gradcheck():
    def f(x, v):
        z = x * 1.0
        z[0, 1:] = v * v
        z[1, ::2] = d.sin(x[0, :2] * v)
        return z * z
    x, v = np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]), np.array([0.7, -0.8])
    check_grad(f, x, v)
    check_gradgrad(f, x, v)


def test_setitem_on_a_leaf_requiring_grad():
    w = d.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(DiffcliError, match="in place"):
        w[0] = 5.0
    with d.no_grad():
        w[0] = 5.0
    assert_close(w, [5.0, 2.0], rtol=0, atol=0)
    assert w.is_leaf and w.requires_grad


def test_assigning_one_element_of_a_tensor_to_another():
    x = d.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    y[0] = y[1]
    assert_close(y, [4.0, 4.0, 6.0], rtol=0, atol=0)
    y.sum().backward()
    assert_close(x.grad, [0.0, 4.0, 2.0], rtol=0, atol=0)


def test_building_a_vector_element_by_element():
    x = d.tensor(2.0, requires_grad=True)
    v = d.zeros(3)
    v[0] = x
    v[1] = v[0] * 3.0      # MulBackward0 by a number needs no value of v[0] (PyTorch allows it)
    v[2] = x * x
    v.sum().backward()
    assert x.grad.item() == 1.0 + 3.0 + 2 * 2.0


# --------------------------------------------------------------------------
# Reference cycles made by in-place operations
def test_inplace_with_an_unrelated_operand_makes_no_cycle(no_gc):
    x = d.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    y.mul_(d.sin(x))
    y.add_(1.0)
    node = weakref.ref(y.grad_fn)
    del y
    assert node() is None


@pytest.mark.parametrize("how", ["add_(self)", "mul_(self[1])", "self[0] = self[1]"])
def test_inplace_with_an_operand_built_from_the_tensor_makes_no_cycle(no_gc, how):
    x = d.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    if how == "add_(self)":
        y.add_(y)
    elif how == "mul_(self[1])":
        y.mul_(y[1])
    else:
        y[0] = y[1]
    node = weakref.ref(y.grad_fn)
    del y
    assert node() is None
