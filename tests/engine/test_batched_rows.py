"""Jacobian rows in one pass on a batch axis (graph.grad_rows) against one pass per row.

Every primitive that declares ``batch=True`` is exercised here with shapes that make its
rule shape-sensitive (broadcasting, axes, indices, 1-D matmul operands), first-order and
through a recorded backward graph (Hessians). The row-by-row path is the reference: both
must agree to the last bit or to rounding, and both against finite differences elsewhere.
"""
from __future__ import annotations

import numpy as np
import pytest

import diffcli as d
from diffcli import functional as F
from diffcli.engine import functional as engine_functional
from diffcli.engine import graph, rows
from diffcli.engine.ops import UNARY

RNG = np.random.default_rng(7)
A = RNG.normal(size=(3, 4))
M = RNG.normal(size=(4, 4)) + 4 * np.eye(4)
V3 = RNG.normal(size=3)


def _rowwise(monkeypatch):
    monkeypatch.setattr(engine_functional, "grad_rows", lambda y, xs: None)


def _both(fn, *inputs, hessian=False, fallback=False):
    op = F.hessian if hessian else F.jacobian
    with pytest.MonkeyPatch.context() as mp:
        passes = []
        real = graph.run
        mp.setattr(graph, "run", lambda *a, **k: passes.append(k.get("batch", False)) or real(*a, **k))
        batched = op(fn, tuple(d.tensor(x) for x in inputs))
    assert any(passes) != fallback  # the batched path really ran (or really was refused)
    with pytest.MonkeyPatch.context() as mp:
        _rowwise(mp)
        rowwise = op(fn, tuple(d.tensor(x) for x in inputs))
    return batched, rowwise


def _flat(res):
    if isinstance(res, d.Tensor):
        return [res.numpy()]
    return [a for r in res for a in _flat(r)]


def _same(fn, *inputs, hessian=False, fallback=False):
    batched, rowwise = _both(fn, *inputs, hessian=hessian, fallback=fallback)
    for b, r in zip(_flat(batched), _flat(rowwise)):
        assert b.shape == r.shape
        np.testing.assert_allclose(b, r, rtol=1e-13, atol=1e-13)


X4 = np.array([0.3, -0.7, 1.1, 0.5])
CASES = {
    "elementwise broadcast": (lambda x, y: d.sin(x) * y + d.exp(-x) / (1 + y), X4, V3[:, None] + 0 * X4),
    "scalar times vector": (lambda s, v: s * v + s ** 2, np.array(1.3), X4),
    "pow both ways": (lambda x, y: x ** y + y ** 2.5, np.abs(X4) + 0.1, X4),
    "where clip max min": (lambda x: d.where(x > 0, x ** 2, -x) + d.clip(x, -0.5, 0.6) + d.maximum(x, 0.2), X4),
    "unary table": (lambda x: sum((d.engine.ops.unary_function(UNARY[k])(x) for k in ("tanh", "sigmoid", "atan", "softplus",
                                                                 "log1p", "sqrt", "erf", "sinh"))), np.abs(X4)),
    "reshape transpose": (lambda m: d.transpose(d.reshape(m, (4, 3))) * d.tensor(A.T.T.reshape(3, 4)[::-1]), A),
    "transpose axes": (lambda t: d.transpose(t, (2, 0, 1)) ** 2, RNG.normal(size=(2, 3, 2))),
    "broadcast_to": (lambda v: d.broadcast_to(v, (3, 4)) * d.tensor(A), X4),
    "sum mean axes": (lambda m: d.concat([d.sum(m, 0), d.mean(m, 1), d.reshape(d.sum(m ** 2), (1,))]), A),
    "prod max min logsumexp": (lambda m: d.stack([d.prod(m, 1), d.max(m, 1), d.min(m, 1), d.logsumexp(m, 1)]), A),
    "index slices and ints": (lambda m: d.concat([m[1:, ::2].reshape(-1), m[0], m[-1, 1:3] * m[2, 0]]), A),
    "stack concat": (lambda x, y: d.concat([d.stack([x, x ** 2], 1).reshape(-1), y, x[:3] * y]), X4, V3),
    "matmul 2-D @ 1-D": (lambda m, v: d.tanh(d.matmul(m, v) + 1.0), A, X4),
    "matmul 1-D @ 2-D": (lambda v, m: d.matmul(v, m) ** 2, V3, A),
    "matmul 1-D @ 1-D": (lambda u, v: d.reshape(d.matmul(u, v), (1,)) * u, X4, X4[::-1].copy()),
    "matmul 2-D @ 2-D": (lambda m, n: d.matmul(m, n) * 0.5, A, M),
    "matmul batched": (lambda t, v: d.matmul(t, v), RNG.normal(size=(2, 3, 4)), X4),
    "inv": (lambda m: d.inv(m) * 2.0, M),
    "softmax axes": (lambda m: d.concat([d.softmax(m).reshape(-1), d.softmax(m, 0).reshape(-1)]), A),
    "softmax of all": (lambda m: d.softmax(m, None) * m, A),
    "norm": (lambda x: d.norm(x) * x, X4),
    "outer": (lambda x, y: d.outer(x, y).reshape(-1), X4, V3),
    "trace det": (lambda m: d.stack([d.trace(m), d.det(m), d.trace(m * m)]), M),
    "diag both ways": (lambda x, m: d.concat([d.diag(d.diag(x) * 2.0).reshape(-1), d.diag(m)]), X4, A),
}


@pytest.mark.parametrize("name", list(CASES))
def test_jacobian_batched_equals_rowwise(name):
    fn, *inputs = CASES[name]
    _same(fn, *inputs)


HESSIANS = {
    "rosenbrock": (lambda x: (100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum(), np.linspace(-1, 1, 7)),
    "quadratic form": (lambda x: d.matmul(x, d.matmul(d.tensor(M), x)) + d.sum(d.exp(x)), X4),
    "reductions": (lambda m: d.logsumexp(m) + d.sum(d.max(m, 0) ** 2) + d.sum(d.mean(m, 1) ** 3), A),
    "determinant": (lambda m: d.det(m) + d.trace(d.matmul(m, m)), M),
    "softmax norm outer diag": (lambda x: d.sum(d.softmax(x) * x) + d.norm(x) ** 3
                                + d.sum(d.outer(x, x) ** 2) + d.sum(d.diag(d.diag(x) ** 2)), X4),
    "two inputs": (lambda x, y: d.sum(d.sin(x)[:3] * y ** 3) + d.mean(x * x), X4, V3),
    "pow at zero": (lambda x: d.sum(x ** 3.0 + x ** 0.0), np.array([0.0, 1.5, -2.0])),
}


@pytest.mark.parametrize("name", list(HESSIANS))
def test_hessian_batched_equals_rowwise(name):
    fn, *inputs = HESSIANS[name]
    _same(fn, *inputs, hessian=True)


def test_hessian_through_prod_falls_back():
    # prod's first derivative is a ProdOthers node, whose own rule has no batched form
    _same(lambda m: d.prod(m[0]) + d.sum(m ** 2), A, hessian=True, fallback=True)


def test_rosenbrock_hessian_is_exact():
    x = np.linspace(-1, 1, 50)
    H = F.hessian(lambda t: (100.0 * (t[1:] - t[:-1] ** 2) ** 2 + (1 - t[:-1]) ** 2).sum(), d.tensor(x)).numpy()
    ref = np.zeros((50, 50))
    ref[:-1, :-1] += np.diag(1200 * x[:-1] ** 2 - 400 * x[1:] + 2)
    ref[1:, 1:] += np.diag(np.full(49, 200.0))
    off = -400 * x[:-1]
    ref[np.arange(49), np.arange(1, 50)] = off
    ref[np.arange(1, 50), np.arange(49)] = off
    np.testing.assert_allclose(H, ref, rtol=1e-14, atol=1e-12)


def test_rows_are_batched_not_looped(monkeypatch):
    calls = []
    real = graph.run
    monkeypatch.setattr(graph, "run", lambda *a, **k: calls.append(k.get("batch")) or real(*a, **k))
    F.jacobian(lambda x: d.tanh(d.matmul(d.tensor(np.ones((30, 30))), x)), d.tensor(np.ones(30)))
    assert calls == [True]


def test_rows_split_into_chunks_within_the_budget(monkeypatch):
    monkeypatch.setattr(rows, "ROW_BUDGET", 60)  # 25 elements wide: 2 rows per pass
    calls = []
    real = graph.run
    monkeypatch.setattr(graph, "run", lambda *a, **k: calls.append(len(a[1][0])) or real(*a, **k))
    _same(lambda x: d.sin(x) * x[::-1], np.linspace(0, 1, 25))
    assert calls[:13] == [2] * 12 + [1]


def test_prod_others_has_no_batched_rule():
    x = d.tensor(A, requires_grad=True)
    (g,) = d.grad(d.prod(x), (x,), create_graph=True)
    assert rows.grad_rows(g.reshape(-1), (x,)) is None


def test_custom_function_and_retained_grad_fall_back():
    class Square(d.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    x = d.tensor(X4, requires_grad=True)
    assert rows.grad_rows(Square.apply(x) + x, (x,)) is None
    y = d.sin(x)
    y.retain_grad()
    assert rows.grad_rows(y * 2.0, (x,)) is None
    np.testing.assert_allclose(F.jacobian(lambda t: Square.apply(t) + t, d.tensor(X4)).numpy(),
                               np.diag(2 * X4 + 1))


def test_unused_input_and_constant_output_get_zero_rows():
    J = F.jacobian(lambda x, y: d.sin(x) * 2.0, (d.tensor(X4), d.tensor(V3)))
    assert J[1].shape == (4, 3) and not J[1].numpy().any()
    J = F.jacobian(lambda x: d.tensor(np.ones(3)), d.tensor(X4))
    assert J.shape == (3, 4) and not J.numpy().any()


def test_identity_jacobian():
    np.testing.assert_array_equal(F.jacobian(lambda x: x, d.tensor(A)).numpy(), np.eye(12).reshape(3, 4, 3, 4))


def test_nan_guard_keeps_zero_rows_zero():
    # sqrt'(0) is infinite; a row whose seed does not reach that element must stay 0, not nan
    J = F.jacobian(lambda x: d.sqrt(x) * 1.0, d.tensor(np.array([0.0, 4.0]))).numpy()
    assert J[1, 0] == 0.0 and J[0, 1] == 0.0 and J[1, 1] == 0.25 and np.isinf(J[0, 0])


def test_row_chunks_on_two_threads_match_rowwise_and_restore_the_state(monkeypatch):
    # 40 rows of 40 elements in chunks of 4: ten passes, taken by both threads
    monkeypatch.setattr(rows, "CHUNK_ELEMENTS", 160)
    monkeypatch.setattr(rows, "CHUNK_MIN_ROWS", 1)
    monkeypatch.setattr(rows, "PARALLEL_CHUNK", 1)
    from diffcli.engine.state import state
    before = (state.grad_enabled, state.origin, state.raw, state.batch)
    fn, x = HESSIANS["rosenbrock"][0], np.linspace(-1, 1, 40)
    _same(lambda t: fn(t) + d.sum(d.sin(t[:39:3]) * t[1::3]), x, hessian=True)
    assert (state.grad_enabled, state.origin, state.raw, state.batch) == before


def test_indexing_gradients_add_into_one_buffer():
    # several slices of one input, an int index and the input itself: the batched pass adds
    # each indexing's gradient into x's buffer in place (sweep_batch._add_at)
    def f(x):
        return d.sum(x[1:] * x[:-1]) + d.sum(x ** 3) + x[2] * x[0] + d.sum(x[:8:2] ** 2 * x[1::2])
    _same(f, np.linspace(-1, 2, 9), hessian=True)
    _same(lambda x: d.concat([x[1:] * x[:-1], x[::2] * 3.0, x * x[0]]), np.linspace(-1, 2, 9))
