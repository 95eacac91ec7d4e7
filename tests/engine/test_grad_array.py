"""Reductions, linear algebra, shape changes, joining and indexing: gradients
and second derivatives against central differences at hypothesis-drawn points."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import diffcli as d
from diffcli import functional
from engine_testlib import (HYP, arrays, assert_close, away_from_zero, check_grad, check_gradgrad, distinct,
                            floats, raw)

F = floats(-2, 2)
NZ = away_from_zero(0.3, 2)


def _well_conditioned(n: int):
    """(n + 1) I + a perturbation with entries in [-1, 1]: strictly diagonally dominant."""
    return arrays((n, n), floats(-1, 1)).map(lambda a: a + (n + 1.0) * np.eye(n))


def _in(shape, elements=F):
    return arrays(shape, elements)


# id -> (function of the inputs, strategies for the inputs)
CASES = {
    "sum": (lambda x: d.sum(x), [_in((2, 3))]),
    "sum axis 0": (lambda x: d.sum(x, 0), [_in((2, 3))]),
    "sum axis -1": (lambda x: x.sum(axis=-1), [_in((2, 3))]),
    "sum axes (0, 2)": (lambda x: d.sum(x, (0, 2)), [_in((2, 3, 2))]),
    "sum 0-d": (lambda x: d.sum(x), [_in(())]),
    "mean": (lambda x: d.mean(x), [_in((2, 3))]),
    "mean axis 1": (lambda x: x.mean(axis=1), [_in((2, 3))]),
    "mean axes (0, 1)": (lambda x: d.mean(x, (0, 1)), [_in((2, 3, 2))]),
    "prod": (lambda x: d.prod(x), [_in((2, 3), NZ)]),
    "prod axis 0": (lambda x: d.prod(x, 0), [_in((3, 2), NZ)]),
    "prod axis 1": (lambda x: x.prod(axis=1), [_in((2, 3), NZ)]),
    "max": (lambda x: d.max(x), [distinct((2, 3))]),
    "max axis 0": (lambda x: d.max(x, 0), [distinct((3, 2))]),
    "min": (lambda x: x.min(), [distinct((2, 3))]),
    "min axis -1": (lambda x: d.min(x, -1), [distinct((2, 3))]),
    "norm vector": (lambda x: d.norm(x), [_in((3,), NZ)]),
    "norm matrix": (lambda x: x.norm(), [_in((2, 3), NZ)]),
    "dot": (lambda x, y: d.dot(x, y), [_in((3,)), _in((3,))]),
    "outer": (lambda x, y: d.outer(x, y), [_in((3,)), _in((2,))]),
    "matmul 2d@2d": (lambda x, y: d.matmul(x, y), [_in((2, 3)), _in((3, 4))]),
    "@ 2d@2d": (lambda x, y: x @ y, [_in((2, 3)), _in((3, 2))]),
    "@ 2d@1d": (lambda x, y: x @ y, [_in((2, 3)), _in((3,))]),
    "@ 1d@2d": (lambda x, y: x @ y, [_in((3,)), _in((3, 2))]),
    "@ 1d@1d": (lambda x, y: x @ y, [_in((3,)), _in((3,))]),
    "@ batched": (lambda x, y: x @ y, [_in((2, 2, 3)), _in((2, 3, 2))]),
    "@ batch broadcast": (lambda x, y: x @ y, [_in((2, 2, 3)), _in((3, 2))]),
    "@ self": (lambda x: x @ x, [_in((3, 3))]),
    "transpose .T": (lambda x: x.T, [_in((2, 3))]),
    "transpose axes": (lambda x: d.transpose(x, (1, 2, 0)), [_in((2, 3, 2))]),
    "transpose 1-d": (lambda x: d.transpose(x), [_in((3,))]),
    "trace": (lambda x: d.trace(x), [_in((3, 3))]),
    "trace non-square": (lambda x: d.trace(x), [_in((2, 3))]),
    "det 2x2": (lambda x: d.det(x), [_well_conditioned(2)]),
    "det 3x3": (lambda x: d.det(x), [_well_conditioned(3)]),
    "inv": (lambda x: d.inv(x), [_well_conditioned(3)]),
    "inv @ x": (lambda x, y: d.inv(x) @ y, [_well_conditioned(2), _in((2,))]),
    "logsumexp": (lambda x: d.logsumexp(x), [_in((2, 3))]),
    "logsumexp axis 0": (lambda x: d.logsumexp(x, 0), [_in((2, 3))]),
    "logsumexp axis 1": (lambda x: d.logsumexp(x, 1), [_in((2, 3))]),
    "softmax vector": (lambda x: d.softmax(x), [_in((4,))]),
    "softmax axis -1": (lambda x: d.softmax(x), [_in((2, 3))]),
    "softmax axis 0": (lambda x: d.softmax(x, 0), [_in((2, 3))]),
    "reshape": (lambda x: d.reshape(x, (3, 2)), [_in((2, 3))]),
    "reshape -1": (lambda x: x.reshape(-1, 1), [_in((2, 3))]),
    "reshape method": (lambda x: x.reshape(6), [_in((2, 3))]),
    "stack axis 0": (lambda x, y: d.stack([x, y]), [_in((2, 3)), _in((2, 3))]),
    "stack axis -1": (lambda x, y: d.stack([x, y * y], -1), [_in((3,)), _in((3,))]),
    "stack scalars": (lambda x, y: d.stack([x, y, x * y]), [_in(()), _in(())]),
    "concat axis 0": (lambda x, y: d.concat([x, y]), [_in((2, 3)), _in((1, 3))]),
    "concat axis 1": (lambda x, y: d.concat([x, y, x], 1), [_in((2, 3)), _in((2, 2))]),
    "diag of vector": (lambda x: d.diag(x), [_in((3,))]),
    "diag of matrix": (lambda x: d.diag(x), [_in((3, 3))]),
    "diag non-square": (lambda x: d.diag(x), [_in((2, 3))]),
    "index int": (lambda x: x[1], [_in((2, 3))]),
    "index negative": (lambda x: x[-1, -2], [_in((2, 3))]),
    "index pair": (lambda x: x[1, 2], [_in((2, 3))]),
    "slice": (lambda x: x[:, 1:], [_in((2, 3))]),
    "slice reversed": (lambda x: x[::-1], [_in((4,))]),
    "slice step": (lambda x: x[::2, 0], [_in((3, 2))]),
    "index None": (lambda x: x[None, 1], [_in((2, 3))]),
    "index Ellipsis": (lambda x: x[..., 0], [_in((2, 3, 2))]),
    "index float and tensor": (lambda x: x[1.0] * x[d.tensor(0.0)], [_in((3,))]),
    "same element twice": (lambda x: x[0] * x[0] + x[1:] * x[0], [_in((3,))]),
}


def _squared(fn):
    def f(*xs):
        # squared, so that even a linear operation's rule is differentiated in turn
        y = fn(*xs)
        return y * y
    return f


@pytest.mark.parametrize("case", list(CASES))
@HYP
@given(data=st.data())
def test_array_op_gradient_and_second_derivative(case, data):
    fn, strategies = CASES[case]
    values = [data.draw(s, label=f"input {i}") for i, s in enumerate(strategies)]
    check_grad(fn, *values)
    check_gradgrad(_squared(fn), *values)


# --------------------------------------------------------------------------
# Exact values for a few rules (finite differences cannot see conventions)
def test_gradients_of_reductions_have_known_values():
    x = d.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    assert_close(d.grad(x.sum(), x)[0], np.ones((2, 3)), atol=0, rtol=0)
    assert_close(d.grad(x.mean(), x)[0], np.full((2, 3), 1 / 6), atol=0, rtol=1e-15)
    assert_close(d.grad(d.sum(d.mean(x, 0)), x)[0], np.full((2, 3), 0.5), atol=0, rtol=0)
    assert_close(d.grad(x.prod(), x)[0], 720.0 / raw(x), rtol=1e-15, atol=0)
    assert_close(d.grad(x.max(), x)[0], [[0, 0, 0], [0, 0, 1.0]], atol=0, rtol=0)
    assert_close(d.grad(d.min(x, 1).sum(), x)[0], [[1.0, 0, 0], [1.0, 0, 0]], atol=0, rtol=0)


def test_matrix_gradients_have_known_values():
    a = np.array([[2.0, 1.0], [0.5, 3.0]])
    A = d.tensor(a, requires_grad=True)
    (g,) = d.grad(d.det(A), A)
    assert_close(g, np.linalg.det(a) * np.linalg.inv(a).T, rtol=1e-14, atol=0)
    (g,) = d.grad(d.trace(A @ A), A)
    assert_close(g, 2 * a.T, rtol=1e-15, atol=0)
    (g,) = d.grad(d.inv(A).sum(), A)
    ai = np.linalg.inv(a)
    assert_close(g, -ai.T @ np.ones((2, 2)) @ ai.T, rtol=1e-14, atol=1e-15)
    v = d.tensor([3.0, 4.0], requires_grad=True)
    assert_close(d.grad(d.norm(v), v)[0], [0.6, 0.8], rtol=1e-15, atol=0)


def test_softmax_and_logsumexp_are_stable_for_large_inputs():
    x = d.tensor([1000.0, 1000.0], requires_grad=True)
    # exp(x - lse) with lse = 1000 + log 2 rounded at 1000's ulp (1.1e-13)
    assert_close(d.grad(d.logsumexp(x), x)[0], [0.5, 0.5], atol=0, rtol=1e-12)
    (g,) = d.grad(d.softmax(x)[0], x)
    assert_close(g, [0.25, -0.25], atol=0, rtol=1e-12)
    y = d.tensor([[1000.0, -1000.0], [0.0, 1.0]], requires_grad=True)
    (g,) = d.grad(d.logsumexp(y, 1).sum(), y)
    assert np.all(np.isfinite(raw(g)))
    assert_close(raw(g).sum(axis=1), [1.0, 1.0], rtol=1e-12, atol=0)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_stack_and_concat_route_each_slice_back(axis):
    a = d.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    b = d.tensor([[5.0, 6.0], [7.0, 8.0]], requires_grad=True)
    w = np.arange(8.0).reshape(np.stack([raw(a), raw(b)], axis).shape)
    ga, gb = d.grad((d.stack([a, b], axis) * d.tensor(w)).sum(), [a, b])
    assert_close(ga, np.take(w, 0, axis=axis % 3), rtol=0, atol=0)
    assert_close(gb, np.take(w, 1, axis=axis % 3), rtol=0, atol=0)
    if axis != -1:
        w2 = np.arange(8.0).reshape(np.concatenate([raw(a), raw(b)], axis).shape)
        ga, gb = d.grad((d.concat([a, b], axis) * d.tensor(w2)).sum(), [a, b])
        assert_close(ga, np.split(w2, 2, axis=axis)[0], rtol=0, atol=0)
        assert_close(gb, np.split(w2, 2, axis=axis)[1], rtol=0, atol=0)


def test_stack_with_inputs_that_need_no_grad():
    a = d.tensor([1.0, 2.0], requires_grad=True)
    y = d.stack([d.tensor([3.0, 4.0]), a, 5.0 * a])
    (g,) = d.grad((y * d.tensor([[1.0, 1.0], [2.0, 3.0], [4.0, 5.0]])).sum(), a)
    assert_close(g, [2.0 + 20.0, 3.0 + 25.0], rtol=0, atol=0)


def test_indexing_gradient_scatters_and_accumulates():
    x = d.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    y = x[1] * 2.0 + x[1:3].sum() + x[::-1][0] * 10.0
    (g,) = d.grad(y, x)
    assert_close(g, [0.0, 3.0, 1.0, 10.0], rtol=0, atol=0)


@pytest.mark.parametrize("order", ["matrix @ vector", "vector @ matrix"])
@HYP
@given(data=st.data())
def test_batched_matrix_with_vector(order, data):
    if order == "matrix @ vector":
        values = [data.draw(_in((2, 3, 4))), data.draw(_in((4,)))]
    else:
        values = [data.draw(_in((3,))), data.draw(_in((2, 3, 4)))]
    check_grad(lambda x, y: x @ y, *values)


@pytest.mark.parametrize("a", [[[1.0, 2.0], [2.0, 4.0]], [[0.0, 0.0], [1.0, 3.0]],
                               [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]])
def test_det_gradient_at_a_singular_matrix_is_the_cofactor_matrix(a):
    a = np.array(a)
    n = a.shape[0]
    cof = np.empty_like(a)
    for i in range(n):
        for j in range(n):
            minor = np.delete(np.delete(a, i, 0), j, 1)
            cof[i, j] = (-1) ** (i + j) * np.linalg.det(minor)
    A = d.tensor(a, requires_grad=True)
    (g,) = d.grad(d.det(A), A)
    assert_close(g, cof, rtol=1e-12, atol=1e-12)


def _prod_hessian(v):
    v = np.asarray(v, dtype=float)
    n = v.size
    H = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            if i != j:
                H[i, j] = np.prod(np.delete(v, [i, j]))
    return H


def test_prod_hessian_without_zeros():
    v = [1.5, 2.0, -3.0, 0.5]
    assert_close(functional.hessian(d.prod, d.tensor(v)), _prod_hessian(v), rtol=1e-15, atol=0)


@pytest.mark.parametrize("v", [[0.0, 2.0, 3.0], [2.0, 0.0, 3.0, 4.0], [0.0, 0.0, 3.0]])
def test_prod_hessian_with_zeros(v):
    assert_close(functional.hessian(d.prod, d.tensor(v)), _prod_hessian(v), rtol=1e-15, atol=0)
