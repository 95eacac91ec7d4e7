"""Parity with PyTorch (float64) on random expression graphs: values, gradients
and Hessian-vector products. Skipped where torch is not installed."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import diffcli as d
from engine_testlib import (HYP, arrays, away_from_zero,
                            distinct, floats, raw)

torch = pytest.importorskip("torch")
torch.set_num_threads(1)

RTOL, ATOL = 1e-10, 1e-12

# name -> (diffcli, torch); each keeps values in a moderate range on moderate inputs
UNARY = {
    "sin": (d.sin, torch.sin),
    "cos": (d.cos, torch.cos),
    "tanh": (d.tanh, torch.tanh),
    "sigmoid": (d.sigmoid, torch.sigmoid),
    "atan": (d.atan, torch.atan),
    "asinh": (d.asinh, torch.asinh),
    "erf": (d.erf, torch.erf),
    "softplus": (d.softplus, lambda x: torch.logaddexp(x, torch.zeros_like(x))),
    "exp(tanh)": (lambda x: d.exp(d.tanh(x)), lambda x: torch.exp(torch.tanh(x))),
    "expm1(tanh)": (lambda x: d.expm1(d.tanh(x)), lambda x: torch.expm1(torch.tanh(x))),
    "log(x²+1)": (lambda x: d.log(x * x + 1), lambda x: torch.log(x * x + 1)),
    "log1p(x²)": (lambda x: d.log1p(x * x), lambda x: torch.log1p(x * x)),
    "sqrt(x²+1)": (lambda x: d.sqrt(x * x + 1), lambda x: torch.sqrt(x * x + 1)),
    "abs": (d.abs, torch.abs),
    "neg": (lambda x: -x, lambda x: -x),
    "square": (lambda x: x ** 2, lambda x: x ** 2),
    "atanh(tanh/2)": (lambda x: d.atanh(d.tanh(x) / 2), lambda x: torch.atanh(torch.tanh(x) / 2)),
    "acos(tanh/2)": (lambda x: d.acos(d.tanh(x) / 2), lambda x: torch.acos(torch.tanh(x) / 2)),
}
BINARY = {
    "add": (lambda a, b: a + b, lambda a, b: a + b),
    "sub": (lambda a, b: a - b, lambda a, b: a - b),
    "mul": (lambda a, b: a * b, lambda a, b: a * b),
    "div": (lambda a, b: a / (b * b + 1), lambda a, b: a / (b * b + 1)),
    "maximum": (d.maximum, torch.maximum),
    "minimum": (d.minimum, torch.minimum),
    # kept away from (0, 0), where neither has a derivative (sub(a, a) is exactly 0)
    "atan2": (lambda a, b: d.atan2(a, b * b + 0.5), lambda a, b: torch.atan2(a, b * b + 0.5)),
    "hypot": (lambda a, b: d.hypot(a, b * b + 0.5), lambda a, b: torch.hypot(a, b * b + 0.5)),
    "pow": (lambda a, b: (a * a + 0.5) ** d.tanh(b), lambda a, b: (a * a + 0.5) ** torch.tanh(b)),
}
UNARY_NAMES, BINARY_NAMES = sorted(UNARY), sorted(BINARY)


def make_program(seed: int, n_leaves: int, n_ops: int) -> list:
    """A random DAG: each step applies an op to earlier values (fan-out allowed)."""
    rng = np.random.default_rng(seed)
    prog = []
    for k in range(n_ops):
        pool = n_leaves + k
        if rng.uniform() < 0.45:
            prog.append(("u", UNARY_NAMES[rng.integers(len(UNARY_NAMES))], int(rng.integers(pool))))
        else:
            prog.append(("b", BINARY_NAMES[rng.integers(len(BINARY_NAMES))],
                         int(rng.integers(pool)), int(rng.integers(pool))))
    return prog


def run_program(prog, leaves, backend: int):
    vals = list(leaves)
    for step in prog:
        if step[0] == "u":
            vals.append(UNARY[step[1]][backend](vals[step[2]]))
        else:
            vals.append(BINARY[step[1]][backend](vals[step[2]], vals[step[3]]))
    return vals


def _weights(shape, seed):
    return np.random.default_rng(seed + 1).uniform(-1, 1, size=shape)


def _diffcli_side(prog, values, seed):
    xs = [d.tensor(v if v.shape else float(v), requires_grad=True) for v in values]
    vals = run_program(prog, xs, 0)
    out = None
    for i, v in enumerate(vals[len(xs):]):      # every intermediate feeds the output
        term = (v * d.tensor(_weights(v.shape, seed + i))).sum()
        out = term if out is None else out + term
    gs = d.grad(out, xs, create_graph=True)
    dirs = [_weights(v.shape, seed + 100 + i) for i, v in enumerate(values)]
    inner = None
    for g, u in zip(gs, dirs):
        term = (g * d.tensor(u)).sum()
        inner = term if inner is None else inner + term
    hv = d.grad(inner, xs) if inner.requires_grad else [d.zeros(x.shape) for x in xs]
    return out.item(), [raw(g) for g in gs], [raw(h) for h in hv]


def _torch_side(prog, values, seed):
    xs = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in values]
    vals = run_program(prog, xs, 1)
    out = None
    for i, v in enumerate(vals[len(xs):]):
        term = (v * torch.tensor(_weights(tuple(v.shape), seed + i))).sum()
        out = term if out is None else out + term
    gs = torch.autograd.grad(out, xs, create_graph=True, allow_unused=True)
    gs = [torch.zeros_like(x) if g is None else g for g, x in zip(gs, xs)]
    dirs = [_weights(v.shape, seed + 100 + i) for i, v in enumerate(values)]
    inner = sum((g * torch.tensor(u)).sum() for g, u in zip(gs, dirs))
    if inner.requires_grad:
        hv = torch.autograd.grad(inner, xs, allow_unused=True)
        hv = [torch.zeros_like(x) if h is None else h for h, x in zip(hv, xs)]
    else:
        hv = [torch.zeros_like(x) for x in xs]
    return out.item(), [_np(g) for g in gs], [_np(h) for h in hv]


def _np(t):
    return t.detach().numpy(force=True)   # force: autograd may return a ZeroTensor


def _compare(prog, values, seed, second_order=True):
    v1, g1, h1 = _diffcli_side(prog, values, seed)
    v2, g2, h2 = _torch_side(prog, values, seed)
    assert v1 == pytest.approx(v2, rel=RTOL, abs=ATOL), prog
    for a, b in zip(g1, g2):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL, err_msg=str(prog))
    if second_order:
        for a, b in zip(h1, h2):
            np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL, err_msg=str(prog))


LEAF = away_from_zero(0.1, 2)
SAME_SHAPES = [(), (3,), (2, 3)]
BROADCAST_SHAPES = [(2, 3), (3,), (2, 1), (), (1, 3)]


@HYP
@given(data=st.data())
def test_random_graphs_same_shapes(data):
    seed = data.draw(st.integers(0, 2 ** 31 - 1), label="seed")
    n_leaves = data.draw(st.integers(1, 3), label="leaves")
    n_ops = data.draw(st.integers(1, 12), label="ops")
    shape = data.draw(st.sampled_from(SAME_SHAPES), label="shape")
    values = [data.draw(arrays(shape, LEAF), label=f"leaf {i}") for i in range(n_leaves)]
    _compare(make_program(seed, n_leaves, n_ops), values, seed)


def _broadcast_case(data):
    seed = data.draw(st.integers(0, 2 ** 31 - 1), label="seed")
    n_leaves = data.draw(st.integers(2, 4), label="leaves")
    n_ops = data.draw(st.integers(2, 12), label="ops")
    shapes = [data.draw(st.sampled_from(BROADCAST_SHAPES), label=f"shape {i}") for i in range(n_leaves)]
    shapes[0] = (2, 3)  # at least one full-shaped leaf
    values = [data.draw(arrays(s, LEAF), label=f"leaf {i}") for i, s in enumerate(shapes)]
    return make_program(seed, n_leaves, n_ops), values, seed


@HYP
@given(data=st.data())
def test_random_graphs_broadcasting(data):
    prog, values, seed = _broadcast_case(data)
    _compare(prog, values, seed)


def _diffcli_backward(prog, values, seed):
    """The same first-order gradients through backward() and .grad instead of grad()."""
    xs = [d.tensor(v if v.shape else float(v), requires_grad=True) for v in values]
    vals = run_program(prog, xs, 0)
    out = None
    for i, v in enumerate(vals[len(xs):]):
        term = (v * d.tensor(_weights(v.shape, seed + i))).sum()
        out = term if out is None else out + term
    out.backward()
    return [raw(x.grad) if x.grad is not None else np.zeros(x.shape) for x in xs]


@HYP
@given(data=st.data())
def test_random_graphs_backward_fills_dot_grad_like_torch(data):
    prog, values, seed = _broadcast_case(data)
    _, want, _ = _torch_side(prog, values, seed)
    for a, b in zip(_diffcli_backward(prog, values, seed), want):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL, err_msg=str(prog))


# --------------------------------------------------------------------------
# Array operations
def _spd(n):
    """Strictly diagonally dominant: far from singular."""
    return arrays((n, n), floats(-1, 1)).map(lambda a: a + (n + 1) * np.eye(n))


# Inputs away from 0: no denormals, for which PyTorch's prod gradient (result / x) is inexact.
G = away_from_zero(0.05, 2)


ARRAY_CASES = {
    "logsumexp(X @ Y, 1)": (lambda X, Y: d.logsumexp(X @ Y, 1),
                            lambda X, Y: torch.logsumexp(X @ Y, 1),
                            [arrays((2, 3), G), arrays((3, 4), G)]),
    "softmax(X, 0) * Y": (lambda X, Y: d.softmax(X, 0) * Y, lambda X, Y: torch.softmax(X, 0) * Y,
                          [arrays((3, 2), G), arrays((3, 2), G)]),
    "softmax(X) rows": (lambda X: d.softmax(X) * X, lambda X: torch.softmax(X, -1) * X,
                        [arrays((2, 4), floats(-3, 3))]),
    "prod(X, 1) + mean(X, 0)[0]": (lambda X: d.prod(X, 1) + d.mean(X, 0)[0],
                                   lambda X: torch.prod(X, 1) + torch.mean(X, 0)[0],
                                   [arrays((2, 3), G)]),
    "max(X, 0) * min(X, 1)[0]": (lambda X: d.max(X, 0) * d.min(X, 1)[0],
                                 lambda X: torch.amax(X, 0) * torch.amin(X, 1)[0],
                                 [distinct((3, 3))]),
    "det and inv": (lambda X, y: d.det(X) * (d.inv(X) @ y), lambda X, y: torch.det(X) * (torch.inverse(X) @ y),
                    [_spd(3), arrays((3,), G)]),
    "norm(X - Y)": (lambda X, Y: d.norm(X - Y) * X, lambda X, Y: torch.linalg.norm(X - Y) * X,
                    [arrays((2, 3), G), arrays((2, 3), floats(3, 4))]),
    "trace(X @ Y.T)": (lambda X, Y: d.trace(X @ Y.T) * d.sin(X), lambda X, Y: torch.trace(X @ Y.T) * torch.sin(X),
                       [arrays((3, 3), G), arrays((3, 3), G)]),
    "stack/concat/index": (lambda x, y: d.concat([d.stack([x, y * x])[:, 1:], x[None, 1:][:, ::-1]]) ** 2,
                           lambda x, y: torch.cat([torch.stack([x, y * x])[:, 1:],
                                                   torch.flip(x[1:], [0])[None, :]]) ** 2,
                           [arrays((3,), G), arrays((3,), G)]),
    "reshape/transpose/diag": (lambda X: d.diag(d.transpose(d.reshape(X, (3, 2)))) * d.diag(X[:, :2]),
                               lambda X: torch.diagonal(X.reshape(3, 2).T) * torch.diagonal(X[:, :2]),
                               [arrays((2, 3), G)]),
    "outer/dot": (lambda x, y: d.outer(x, y) * d.dot(x, x), lambda x, y: torch.outer(x, y) * torch.dot(x, x),
                  [arrays((3,), G), arrays((2,), G)]),
    "batched matmul": (lambda X, Y: d.tanh(X @ Y), lambda X, Y: torch.tanh(X @ Y),
                       [arrays((2, 2, 3), G), arrays((2, 3, 2), G)]),
}


def _array_case(case, data):
    f_d, f_t, strategies = ARRAY_CASES[case]
    values = [data.draw(s, label=f"input {i}") for i, s in enumerate(strategies)]
    xs = [d.tensor(v, requires_grad=True) for v in values]
    ts = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in values]
    yd, yt = f_d(*xs), f_t(*ts)
    np.testing.assert_allclose(raw(yd), _np(yt), rtol=RTOL, atol=ATOL)
    w = _weights(tuple(yt.shape), 3)
    return values, xs, ts, (yd * d.tensor(w)).sum(), (yt * torch.tensor(w)).sum()


def _second_order(case, data):
    values, xs, ts, ld, lt = _array_case(case, data)
    gd = d.grad(ld, xs, create_graph=True)
    gt = torch.autograd.grad(lt, ts, create_graph=True)
    for a, b in zip(gd, gt):
        np.testing.assert_allclose(raw(a), _np(b), rtol=RTOL, atol=ATOL)
    dirs = [_weights(v.shape, 4 + i) for i, v in enumerate(values)]
    hd = d.grad(sum((g * d.tensor(u)).sum() for g, u in zip(gd, dirs)), xs)
    ht = torch.autograd.grad(sum((g * torch.tensor(u)).sum() for g, u in zip(gt, dirs)), ts,
                             allow_unused=True)
    for a, b, t in zip(hd, ht, ts):
        b = torch.zeros_like(t) if b is None else b
        np.testing.assert_allclose(raw(a), _np(b), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("case", list(ARRAY_CASES))
@HYP
@given(data=st.data())
def test_array_operations(case, data):
    _second_order(case, data)  # which checks the first derivatives on the way


def test_pow_gradient_at_zero_base_matches_torch():
    for av, bv in [(0.0, 2.0), (0.0, 0.5), (0.0, -1.0), (2.0, 0.0)]:
        a, b = d.tensor(av, requires_grad=True), d.tensor(bv, requires_grad=True)
        ta = torch.tensor(av, dtype=torch.float64, requires_grad=True)
        tb = torch.tensor(bv, dtype=torch.float64, requires_grad=True)
        got = [g.item() for g in d.grad(a ** b, [a, b])]
        want = [g.item() for g in torch.autograd.grad(ta ** tb, [ta, tb])]
        assert got == want, (av, bv)
