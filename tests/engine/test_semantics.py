"""Autograd semantics: accumulation, retain_grad, grad(), recording rules,
broadcasting, deep graphs, conventions at kinks, anomaly mode and memory."""
from __future__ import annotations

import gc
import inspect
import math
import os
import weakref

import numpy as np
import pytest

import diffcli as d
from diffcli import DiffcliError
from diffcli import functional as F
from engine_testlib import assert_close, raw

HERE = os.path.basename(__file__)


# --------------------------------------------------------------------------
# .grad
def test_leaf_gradients_accumulate_over_backward_calls():
    x = d.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    assert_close(x.grad, [2.0, 4.0], rtol=0, atol=0)
    (x * 3.0).sum().backward()
    assert_close(x.grad, [5.0, 7.0], rtol=0, atol=0)
    d.sin(x).sum().backward()
    assert_close(x.grad, [5.0 + math.cos(1.0), 7.0 + math.cos(2.0)], rtol=1e-15, atol=0)
    assert x.grad.grad_fn is None and not x.grad.requires_grad


def test_two_paths_to_a_leaf_add_up():
    x = d.tensor(3.0, requires_grad=True)
    y = x * x + d.sin(x) * x
    y.backward()
    assert x.grad.item() == pytest.approx(2 * 3.0 + math.sin(3.0) + 3.0 * math.cos(3.0), rel=1e-15)


def test_non_leaf_grad_stays_none_unless_retained():
    x = d.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = y * y
    assert not y.is_leaf and x.is_leaf
    z.sum().backward(retain_graph=True)
    assert y.grad is None and z.grad is None
    assert_close(x.grad, 8 * raw(x), rtol=0, atol=0)

    x2 = d.tensor([1.0, 2.0], requires_grad=True)
    y2 = x2 * 2
    y2.retain_grad()
    w = (y2 * y2).sum()
    w.backward(retain_graph=True)
    assert_close(y2.grad, 2 * raw(y2), rtol=0, atol=0)
    w.backward()
    assert_close(y2.grad, 4 * raw(y2), rtol=0, atol=0)   # retained grads accumulate too
    assert_close(x2.grad, 8 * raw(y2), rtol=0, atol=0)


def test_retain_grad_on_a_tensor_without_grad_is_an_error():
    with pytest.raises(DiffcliError):
        d.tensor(1.0).retain_grad()


def test_grad_leaves_dot_grad_alone():
    x = d.tensor([1.0, 2.0], requires_grad=True)
    (g,) = d.grad((x * x).sum(), x)
    assert_close(g, [2.0, 4.0], rtol=0, atol=0)
    assert x.grad is None
    x.grad = d.tensor([10.0, 10.0])
    d.grad((x * x).sum(), x)
    assert_close(x.grad, [10.0, 10.0], rtol=0, atol=0)


def test_backward_on_a_leaf_itself():
    x = d.tensor(3.0, requires_grad=True)
    x.backward()
    assert x.grad.item() == 1.0


def test_backward_without_anything_to_differentiate_is_an_error():
    with pytest.raises(DiffcliError, match="requires_grad"):
        d.tensor([1.0]).sum().backward()


def test_seed_with_the_wrong_shape_is_an_error():
    x = d.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(DiffcliError, match="shape"):
        (x * 2).backward(d.ones(3))


def test_backward_of_several_outputs_at_once():
    x = d.tensor([1.0, 2.0], requires_grad=True)
    d.backward([x * 2, (x * x).sum()], [d.tensor([1.0, 10.0]), None])
    assert_close(x.grad, [2.0 + 2.0, 20.0 + 4.0], rtol=0, atol=0)


def test_grad_with_several_outputs_and_seeds():
    x = d.tensor([1.0, 2.0], requires_grad=True)
    w = d.tensor(3.0, requires_grad=True)
    gx, gw = d.grad([x * w, (x * x).sum()], [x, w], grad_outputs=[d.tensor([1.0, -1.0]), d.tensor(2.0)])
    assert_close(gx, [3.0 + 4.0, -3.0 + 8.0], rtol=0, atol=0)
    assert gw.item() == -1.0


def test_grad_with_respect_to_an_intermediate_tensor():
    x = d.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    z = (d.sin(y) * 3.0).sum()
    gy, gx = d.grad(z, [y, x])
    assert_close(gy, 3.0 * np.cos(raw(y)), rtol=1e-15, atol=0)
    assert_close(gx, 3.0 * np.cos(raw(y)) * 2 * raw(x), rtol=1e-15, atol=0)


def test_grad_with_respect_to_an_intermediate_keeps_the_graph_below_it():
    x = d.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    (gy,) = d.grad((y * 3.0).sum(), y)
    assert_close(gy, [3.0, 3.0], rtol=0, atol=0)
    y.sum().backward()     # y's own graph was never needed by grad(): PyTorch keeps it
    assert_close(x.grad, [2.0, 4.0], rtol=0, atol=0)


def test_retain_graph_allows_a_second_pass_and_create_graph_implies_it():
    x = d.tensor(2.0, requires_grad=True)
    y = x ** 3
    d.grad(y, x, retain_graph=True)
    (g,) = d.grad(y, x)
    assert g.item() == 12.0
    with pytest.raises(DiffcliError, match="retain_graph"):
        d.grad(y, x)
    y = x ** 3
    d.grad(y, x, create_graph=True)
    (g,) = d.grad(y, x)
    assert g.item() == 12.0


# --------------------------------------------------------------------------
# Zero derivatives are zeros, never errors
def test_unused_inputs_get_zero_tensors_of_their_shape():
    x = d.tensor([1.0, 2.0], requires_grad=True)
    w = d.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    s = d.tensor(5.0, requires_grad=True)
    gx, gw, gs = d.grad((x * 2).sum(), [x, w, s])
    assert_close(gx, [2.0, 2.0], rtol=0, atol=0)
    assert isinstance(gw, d.Tensor) and gw.shape == (1, 3) and np.all(raw(gw) == 0)
    assert isinstance(gs, d.Tensor) and gs.shape == () and gs.item() == 0.0
    gx, gw, gs = d.grad((x * 2).sum(), [x, w, s], allow_unused=True)
    assert gw is None and gs is None


def test_gradient_of_an_output_that_needs_no_grad_is_zero():
    x = d.tensor([1.0, 2.0], requires_grad=True)
    (g,) = d.grad(d.tensor(3.0), x)
    assert_close(g, [0.0, 0.0], rtol=0, atol=0)


def test_second_derivative_of_a_linear_function_is_zero():
    x = d.tensor(2.0, requires_grad=True)
    (g,) = d.grad(3 * x, x, create_graph=True)
    assert g.item() == 3.0
    (h,) = d.grad(g, x)
    assert h.item() == 0.0 and h.shape == ()
    assert F.derivative(lambda t: 3 * t, 2.0, 2).item() == 0.0
    assert F.derivative(lambda t: t * t, 2.0, 3).item() == 0.0
    assert_close(F.derivative(lambda t: 3 * t + 1, d.tensor([1.0, 2.0]), 2), [0.0, 0.0], rtol=0, atol=0)
    (h,) = d.grad(d.grad(d.relu(x) * 2, x, create_graph=True)[0], x)
    assert h.item() == 0.0


# --------------------------------------------------------------------------
# What is recorded
def test_no_grad_records_nothing():
    x = d.tensor([1.0, 2.0], requires_grad=True)
    assert d.is_grad_enabled()
    with d.no_grad():
        assert not d.is_grad_enabled()
        y = d.sin(x) * 2 + x.sum()
        with d.enable_grad():
            assert d.is_grad_enabled()
            z = x * 2
        assert not d.is_grad_enabled()
    assert d.is_grad_enabled()
    assert y.grad_fn is None and not y.requires_grad and y.is_leaf
    assert z.grad_fn is not None and z.requires_grad
    assert_close(y, 2 * np.sin(raw(x)) + 3.0, rtol=1e-15, atol=0)


def test_no_grad_restores_the_mode_after_an_exception():
    with pytest.raises(RuntimeError):
        with d.no_grad():
            raise RuntimeError("boom")
    assert d.is_grad_enabled()


def test_no_grad_as_a_decorator_and_set_grad_enabled_as_a_context():
    @d.no_grad()
    def double(t):
        return t * 2

    x = d.tensor(1.0, requires_grad=True)
    assert double(x).grad_fn is None
    with d.set_grad_enabled(False):
        assert (x * 2).grad_fn is None
    assert (x * 2).grad_fn is not None


def test_set_grad_enabled_as_a_function():
    try:
        d.set_grad_enabled(False)
        assert not d.is_grad_enabled()
        assert (d.tensor(1.0, requires_grad=True) * 2).grad_fn is None
    finally:
        d.set_grad_enabled(True)


def test_detach_records_nothing_and_keeps_the_value():
    x = d.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    z = y.detach()
    assert z.grad_fn is None and not z.requires_grad and z.is_leaf
    assert np.array_equal(raw(z), raw(y))
    w = z * x
    (g,) = d.grad(w.sum(), x)
    assert_close(g, raw(z), rtol=0, atol=0)     # no path through z
    assert (z * 2).grad_fn is None
    y.detach_()
    assert y.grad_fn is None and not y.requires_grad


def test_operations_on_tensors_that_need_no_grad_record_nothing():
    a = d.tensor([1.0, 2.0])
    for t in (a * 2, d.sin(a), a @ a, d.stack([a, a]), a[0], d.where(a > 1, a, 0.0), a.sum()):
        assert t.grad_fn is None and not t.requires_grad


def test_comparisons_record_nothing():
    x = d.tensor([1.0, -2.0], requires_grad=True)
    for t in (x > 0, x < 0, x >= 0, x <= 0, x == 1.0, x != 1.0):
        assert t.grad_fn is None and not t.requires_grad
    assert_close(x > 0, [1.0, 0.0], rtol=0, atol=0)


def test_graph_structure():
    x = d.tensor([1.0, 2.0], requires_grad=True)
    c = d.tensor([3.0, 4.0])
    y = x * c
    z = y.sum()
    assert y.grad_fn.name() == "MulBackward0" and z.grad_fn.name() == "SumBackward0"
    (fn, _), = z.grad_fn.next_functions
    assert fn is y.grad_fn
    (acc, _), (none, _) = y.grad_fn.next_functions
    assert acc.name() == "AccumulateGrad" and acc.variable is x and none is None
    assert "grad_fn=<MulBackward0>" in repr(y)
    assert x.is_leaf and not y.is_leaf and c.is_leaf


def test_requires_grad_flag_can_only_change_on_leaves():
    x = d.tensor([1.0]).requires_grad_()
    assert x.requires_grad
    y = x * 2
    with pytest.raises(DiffcliError):
        y.requires_grad_(False)
    x.requires_grad_(False)
    assert (x * 2).grad_fn is None


def test_leaf_gradients_do_not_share_memory():
    x = d.tensor([1.0, 2.0], requires_grad=True)
    y = d.tensor([3.0, 4.0], requires_grad=True)
    seed = np.ones(2)
    (x + y).backward(seed)
    x.grad.numpy()[:] = 99.0
    assert_close(y.grad, [1.0, 1.0], rtol=0, atol=0)
    assert_close(seed, [1.0, 1.0], rtol=0, atol=0)


def test_tensor_copies_its_data():
    a = np.array([1.0, 2.0])
    t = d.tensor(a, requires_grad=True)
    y = (t * t).sum()
    a[0] = 10.0
    assert_close(t, [1.0, 2.0], rtol=0, atol=0)
    y.backward()
    assert_close(t.grad, [2.0, 4.0], rtol=0, atol=0)


# --------------------------------------------------------------------------
# Broadcasting
def test_broadcast_gradients_are_summed_to_input_shapes():
    x = d.tensor(np.arange(3.0).reshape(3, 1), requires_grad=True)
    y = d.tensor(np.arange(4.0), requires_grad=True)
    (x * y).sum().backward()
    assert x.grad.shape == (3, 1) and y.grad.shape == (4,)
    assert_close(x.grad, np.full((3, 1), 6.0), rtol=0, atol=0)
    assert_close(y.grad, np.full(4, 3.0), rtol=0, atol=0)

    s = d.tensor(2.0, requires_grad=True)
    m = d.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    (s * m).backward(d.ones(2, 3))
    assert s.grad.shape == () and s.grad.item() == 15.0
    assert_close(m.grad, np.full((2, 3), 2.0), rtol=0, atol=0)

    k = d.tensor([5.0], requires_grad=True)
    gk, = d.grad((k + m).sum(), k)
    assert gk.shape == (1,) and gk.item() == 6.0


# --------------------------------------------------------------------------
# Deep graphs: the backward pass is iterative
def test_a_chain_of_200k_operations_backpropagates():
    x = d.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0000001 + 0.0
    y.backward()
    assert x.grad.item() == pytest.approx(1.0000001 ** 100_000, rel=1e-12)


def test_a_chain_of_50k_sines_backpropagates_and_frees():
    x = d.tensor(0.5, requires_grad=True)
    y = x
    expected, v = 1.0, 0.5
    for _ in range(50_000):
        expected *= math.cos(v)
        v = math.sin(v)
        y = d.sin(y)
    assert y.item() == v
    (g,) = d.grad(y, x, retain_graph=True)
    assert g.item() == pytest.approx(expected, rel=1e-9)
    node = weakref.ref(y.grad_fn)
    del y
    assert node() is None  # freeing a deep graph does not overflow the C stack either


@pytest.mark.slow
def test_a_chain_of_a_million_operations_backpropagates():
    x = d.tensor(0.5, requires_grad=True)
    y = x
    for _ in range(1_000_000):
        y = d.sin(y)
    y.backward()
    g = x.grad.item()
    assert 0.0 < g < 1e-6 and math.isfinite(g)


def test_a_deep_chain_differentiates_twice():
    x = d.tensor(0.3, requires_grad=True)
    y = x
    for _ in range(2_000):
        y = y * 0.999 + d.sin(y) * 1e-3
    (g,) = d.grad(y, x, create_graph=True)
    (h,) = d.grad(g, x)
    eps = 1e-5
    assert math.isfinite(h.item()) and h.item() != 0.0
    gp = _chain_grad(0.3 + eps)
    gm = _chain_grad(0.3 - eps)
    assert h.item() == pytest.approx((gp - gm) / (2 * eps), rel=1e-5, abs=1e-9)


def _chain_grad(v: float) -> float:
    x = d.tensor(v, requires_grad=True)
    y = x
    for _ in range(2_000):
        y = y * 0.999 + d.sin(y) * 1e-3
    return d.grad(y, x)[0].item()


# --------------------------------------------------------------------------
# where, and the conventions at non-differentiable points
def test_where_does_not_leak_nan_from_the_branch_it_did_not_take():
    x = d.tensor(-1.0, requires_grad=True)
    y = d.where(x > 0, d.sqrt(x), 0.0)
    assert y.item() == 0.0
    (g,) = d.grad(y, x)
    assert g.item() == 0.0
    xs = d.tensor([-1.0, 0.0, 4.0], requires_grad=True)
    (g,) = d.grad(d.where(xs > 0, d.sqrt(xs), 0.0).sum(), xs)
    assert_close(g, [0.0, 0.0, 0.25], rtol=0, atol=0)
    (g,) = d.grad(d.where(xs > 0, d.log(xs), 0.0).sum(), xs)
    assert_close(g, [0.0, 0.0, 0.25], rtol=0, atol=0)
    (g,) = d.grad(d.where(xs > 0, 1.0 / xs, 0.0).sum(), xs)
    assert_close(g, [0.0, 0.0, -1 / 16], rtol=0, atol=0)


def test_where_does_not_leak_nan_through_a_product():
    x = d.tensor([-1.0, 2.0], requires_grad=True)
    (g,) = d.grad(d.where(x > 0, x * d.log(x), 0.0).sum(), x)
    assert_close(g, [0.0, math.log(2.0) + 1.0], rtol=1e-15, atol=0)


@pytest.mark.parametrize("fn, expected", [
    (d.abs, 0.0), (d.relu, 0.0), (d.sign, 0.0), (d.floor, 0.0), (d.ceil, 0.0), (d.round, 0.0),
    (d.sqrt, math.inf), (d.cbrt, math.inf), (lambda t: d.hypot(t, t), 0.0), (d.norm, 0.0),
])
def test_conventions_at_zero(fn, expected):
    x = d.tensor(0.0, requires_grad=True)
    (g,) = d.grad(fn(x), x)
    assert g.item() == expected
    xs = d.tensor([0.0, 0.0], requires_grad=True)
    (g,) = d.grad(fn(xs).sum(), xs)
    assert np.all(raw(g) == expected) if fn is not d.norm else np.all(raw(g) == 0.0)


def test_piecewise_constant_functions_at_their_jumps():
    x = d.tensor([1.0, 2.0, -3.0, 0.5, 2.5], requires_grad=True)
    for fn in (d.floor, d.ceil, d.round, d.sign):
        (g,) = d.grad(fn(x).sum(), x)
        assert np.array_equal(raw(g), np.zeros(5))


def test_ties_split_the_gradient_evenly():
    a = d.tensor(2.0, requires_grad=True)
    b = d.tensor(2.0, requires_grad=True)
    for fn in (d.maximum, d.minimum):
        ga, gb = d.grad(fn(a, b), [a, b])
        assert ga.item() == 0.5 and gb.item() == 0.5
    v = d.tensor([1.0, 3.0, 3.0, 2.0, 3.0], requires_grad=True)
    (g,) = d.grad(d.max(v), v)
    assert_close(g, [0, 1 / 3, 1 / 3, 0, 1 / 3], rtol=1e-15, atol=0)
    (g,) = d.grad(d.min(v), v)
    assert_close(g, [1.0, 0, 0, 0, 0], rtol=0, atol=0)
    m = d.tensor([[1.0, 1.0, 0.0], [2.0, 5.0, 5.0]], requires_grad=True)
    (g,) = d.grad(d.max(m, 1).sum() + d.min(m, 0).sum(), m)
    assert_close(g, [[1.5, 1.5, 1.0], [0.0, 0.5, 0.5]], rtol=0, atol=0)


def test_clip_passes_the_gradient_on_its_closed_interval():
    x = d.tensor([-2.0, -1.0, 0.0, 1.0, 2.0], requires_grad=True)
    (g,) = d.grad(d.clip(x, -1.0, 1.0).sum(), x)
    assert_close(g, [0.0, 1.0, 1.0, 1.0, 0.0], rtol=0, atol=0)


@pytest.mark.parametrize("values, axis, expected", [
    ([2.0, 0.0, 3.0, 4.0], None, [0.0, 24.0, 0.0, 0.0]),
    ([2.0, 0.0, 3.0, 0.0], None, [0.0, 0.0, 0.0, 0.0]),
    ([0.0, 0.0, 0.0], None, [0.0, 0.0, 0.0]),
    ([[0.0, 2.0], [3.0, 0.0], [5.0, 7.0]], 0, [[15.0, 0.0], [0.0, 14.0], [0.0, 0.0]]),
    ([[0.0, 2.0, 0.0], [3.0, 4.0, 5.0]], 1, [[0.0, 0.0, 0.0], [20.0, 15.0, 12.0]]),
])
def test_prod_gradient_is_exact_with_zeros(values, axis, expected):
    x = d.tensor(values, requires_grad=True)
    (g,) = d.grad(d.prod(x, axis).sum(), x)
    assert np.array_equal(raw(g), np.array(expected))


def test_norm_gradient_at_the_zero_vector_is_zero():
    for shape in [(3,), (2, 2)]:
        x = d.zeros(*shape, requires_grad=True)
        (g,) = d.grad(d.norm(x), x)
        assert g.shape == shape and np.array_equal(raw(g), np.zeros(shape))


# --------------------------------------------------------------------------
# Anomaly mode
def test_anomaly_mode_names_the_backward_function_and_where_it_was_created():
    x = d.tensor(0.0, requires_grad=True)
    with d.detect_anomaly():
        assert d.is_anomaly_enabled()
        y = d.sqrt(x * x); line = inspect.currentframe().f_lineno  # noqa: E702
        with pytest.raises(DiffcliError) as err:
            y.backward()
    assert not d.is_anomaly_enabled()
    text = str(err.value)
    # sqrt'(0) = inf is not nan: the nan appears in x * x's rule, inf * 0
    assert "MulBackward0" in text and "SqrtBackward0" not in text
    assert f"{HERE}:{line}" in text


def test_anomaly_mode_with_a_nan_born_in_a_rule():
    x = d.tensor([4.0, -1.0], requires_grad=True)
    with d.detect_anomaly():
        y = (d.log(x + 1.0) * 2.0).sum()
        z = d.sqrt(x); line = inspect.currentframe().f_lineno  # noqa: E702
        out = y + z.sum()
        with pytest.raises(DiffcliError) as err:
            out.backward()
    text = str(err.value)
    assert "SqrtBackward0" in text and f"{HERE}:{line}" in text


def test_without_anomaly_mode_the_nan_is_just_a_value():
    x = d.tensor(0.0, requires_grad=True)
    d.sqrt(x * x).backward()
    assert math.isnan(x.grad.item())
    x = d.tensor(4.0, requires_grad=True)
    with d.detect_anomaly():
        d.sqrt(x * x).backward()     # no nan: no error
    assert x.grad.item() == 1.0


# --------------------------------------------------------------------------
# Memory: graphs hold no reference cycles
def _graphs():
    x = d.tensor([1.0, 2.0], requires_grad=True)
    c = d.tensor([[1.0, 0.5], [0.25, 2.0]], requires_grad=True)
    yield "elementwise", lambda: (d.sin(x) * x + d.exp(x) / 2).sum()
    yield "array ops", lambda: d.logsumexp(d.stack([x, x * 2])) + d.det(c) + (c @ x)[0] + d.norm(x)
    yield "indexing", lambda: x[0] * x[1] + x[::-1].sum()

    class Square(d.Function):
        @staticmethod
        def forward(ctx, t):
            out = t * t
            ctx.save_for_backward(t, out)
            return out

        @staticmethod
        def backward(ctx, g):
            t, _ = ctx.saved_tensors
            return g * 2 * t

    yield "custom Function", lambda: Square.apply(x).sum()

    def retained():
        y = x * 2
        y.retain_grad()
        return (y * y).sum()

    yield "retain_grad", retained

    def anomaly():
        with d.detect_anomaly():
            return (d.sin(x) * x).sum()

    yield "anomaly mode", anomaly

    def inplace():
        y = x * 2
        y.mul_(3.0)
        y.add_(d.tensor([1.0, 1.0]))
        return y.sum()

    yield "in-place", inplace


@pytest.mark.parametrize("name", [n for n, _ in _graphs()])
@pytest.mark.parametrize("when", ["before backward", "after backward", "after retained backward",
                                  "after create_graph backward"])
def test_graph_is_freed_by_reference_counting(no_gc, name, when):
    build = dict(_graphs())[name]
    out = build()
    node = weakref.ref(out.grad_fn)
    deeper = [weakref.ref(f) for f, _ in out.grad_fn.next_functions if f is not None
              and f.name() != "AccumulateGrad"]
    leaves = [f.variable for f, _ in out.grad_fn.next_functions
              if f is not None and f.name() == "AccumulateGrad"]
    if when == "after backward":
        out.backward()
    elif when == "after retained backward":
        out.backward(retain_graph=True)
    elif when == "after create_graph backward":
        d.grad(out, _leaves_of(out), create_graph=True)
    del out
    assert node() is None, f"{name}: grad_fn still alive {when}"
    assert all(r() is None for r in deeper)
    del leaves


def _leaves_of(t: d.Tensor) -> list:
    seen, stack, out = set(), [t.grad_fn], []
    while stack:
        n = stack.pop()
        for f, _ in n.next_functions:
            if f is None or id(f) in seen:
                continue
            seen.add(id(f))
            if f.name() == "AccumulateGrad":
                out.append(f.variable)
            else:
                stack.append(f)
    return out


def test_a_create_graph_gradient_keeps_its_graph_until_dropped(no_gc):
    x = d.tensor([1.0, 2.0], requires_grad=True)
    (d.sin(x) * x).sum().backward(create_graph=True)
    g = x.grad
    assert g.grad_fn is not None
    node = weakref.ref(g.grad_fn)
    del g
    assert node() is not None     # x.grad still holds it
    x.grad = None
    assert node() is None


def test_gc_collect_frees_everything_after_the_output_is_deleted():
    x = d.tensor([1.0, 2.0], requires_grad=True)
    y = (d.tanh(x) * x).sum()
    node = weakref.ref(y.grad_fn)
    y.backward()
    del y
    gc.collect()
    assert node() is None
