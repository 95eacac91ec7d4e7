"""Every fast backward pass against the reference pass (engine/backward.py) on generated graphs:
the heap-ordered raw sweep (backward()), the sorted raw sweep (grad() with chosen inputs),
the block-wise pass on large elementwise graphs (both cores, pooled arrays) and batched
Jacobian rows. Bit for bit, except batched rows, whose sums may be ordered differently
(within 1 ulp of the reference)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import diffcli as d
from diffcli.engine import parallel, rows
from diffcli.engine.backward import backward_pass
from engine_testlib import HYP

UNARY = [d.sin, d.cos, d.tanh, d.sigmoid, d.atan, d.softplus, lambda x: d.exp(d.sin(x)),
         lambda x: d.sqrt(1.0 + x * x), lambda x: d.log(2.0 + d.cos(x)), d.abs, d.relu]
BINARY = [d.add, d.sub, d.mul, lambda x, y: x / (1.0 + y * y), d.maximum, d.hypot,
          lambda x, y: d.where(x > y, x * y, x - y), lambda x, y: x ** 2 * y, d.atan2]

# A program: steps, each (0, unary op, operand) or (1, binary op, operand, operand); operands
# index the values so far (the leaves first), so values are reused and gradients fan in.
STEP = st.one_of(
    st.tuples(st.just(0), st.integers(0, len(UNARY) - 1), st.integers(0, 1000)),
    st.tuples(st.just(1), st.integers(0, len(BINARY) - 1), st.integers(0, 1000), st.integers(0, 1000)))
PROGRAM = st.lists(STEP, min_size=1, max_size=25)


def build(program, leaves):
    """The values of ``program`` on ``leaves``; the output sums the last few (a fan-in)."""
    vals = list(leaves)
    for step in program:
        if step[0] == 0:
            vals.append(UNARY[step[1]](vals[step[2] % len(vals)]))
        else:
            vals.append(BINARY[step[1]](vals[step[2] % len(vals)], vals[step[3] % len(vals)]))
    out = vals[-1]
    for v in vals[-4:-1]:
        out = out + v
    return vals, out


def same(a, b):
    """Equal bit for bit (NaN where the other has NaN, the sign of zero included)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape
    assert np.array_equal(a.view(np.int64), b.view(np.int64)), f"{a} != {b}"


def leaves_of(values):
    return [d.tensor(v, requires_grad=True) for v in values]


POINTS = st.lists(st.floats(-2.0, 2.0, allow_nan=False).map(lambda v: round(v, 2)), min_size=1, max_size=4)


@HYP
@given(PROGRAM, POINTS)
def test_scalar_sweep_equals_reference(program, points):
    xs = leaves_of(points)
    _, y = build(program, xs)
    if not y.requires_grad:
        return
    ref = backward_pass([y], None, retain_graph=True)
    y.backward()
    for x in xs:
        if x in ref:
            same(x.grad.item(), ref[x].item())
        else:
            assert x.grad is None


@HYP
@given(PROGRAM, POINTS, st.integers(0, 1000))
def test_sorted_sweep_with_targets_equals_reference(program, points, pick):
    xs = leaves_of(points)
    vals, y = build(program, xs)
    if not y.requires_grad:
        return
    mid = vals[pick % len(vals)]  # a target inside the graph (or a leaf)
    targets = xs + [mid] if mid.requires_grad else xs
    ref = backward_pass([y], None, targets, retain_graph=True)
    got = d.grad(y, targets, retain_graph=True, allow_unused=True)
    for t, g in zip(targets, got):
        if t in ref:
            same(g.numpy(), ref[t].numpy())
        else:
            assert g is None


@HYP
@given(PROGRAM, st.lists(st.floats(-2.0, 2.0, allow_nan=False), min_size=2, max_size=6))
def test_array_sweep_equals_reference(program, points):
    # arrays of a few elements, one broadcast from a scalar: the sums to a shape and pooled adds
    xs = leaves_of([np.array(points), np.array(points[::-1]), 0.5])
    _, y = build(program, xs)
    if not y.requires_grad or y.shape != (len(points),):
        return
    seed = np.linspace(-1.0, 1.0, len(points))
    ref = backward_pass([y], [seed], retain_graph=True)
    y.backward(d.tensor(seed))
    for x in xs:
        if x in ref:
            same(x.grad.numpy(), ref[x].numpy())


@pytest.mark.parametrize("seed", range(4))
def test_blockwise_pass_equals_reference(seed):
    # large elementwise graphs: the block-wise pass on both cores, against whole arrays
    rng = np.random.default_rng(seed)
    n = parallel.MIN_ELEMENTS + 777
    program = [(int(rng.integers(2)), int(rng.integers(9)), int(rng.integers(100)), int(rng.integers(100)))
               for _ in range(8)]
    program = [p[:3] if p[0] == 0 else p for p in program]
    xs = leaves_of([rng.uniform(-2, 2, n), rng.uniform(-2, 2, n)])
    xs[0].data[:3] = [0.0, -0.0, 1.0]
    _, y = build(program, xs)
    if not y.requires_grad or y.shape != (n,):
        return
    ref = backward_pass([y], [np.ones(n)], retain_graph=True)
    y.backward(d.ones(n))
    for x in xs:
        if x in ref:
            same(x.grad.numpy(), ref[x].numpy())


@HYP
@given(PROGRAM, st.lists(st.floats(-2.0, 2.0, allow_nan=False), min_size=2, max_size=5))
def test_batched_rows_equal_reference_rows(program, points):
    xs = leaves_of([np.array(points), np.array(points) * 0.5 + 0.1])
    _, y = build(program, xs)
    if not y.requires_grad or y.shape != (len(points),):
        return
    batched = rows.grad_rows(y, xs)
    if batched is None:
        return
    for k in range(len(points)):
        onehot = np.zeros(len(points))
        onehot[k] = 1.0
        ref = backward_pass([y], [onehot], xs, retain_graph=True)
        for x, b in zip(xs, batched):
            want = ref[x].numpy() if x in ref else np.zeros(x.shape)
            np.testing.assert_array_max_ulp(b[k], want, maxulp=1)


def test_create_graph_runs_the_reference_pass():
    x = d.tensor(0.7, requires_grad=True)
    y = d.sin(x) * x ** 3
    (g,) = d.grad(y, (x,), create_graph=True)
    ref = backward_pass([y], None, [x], create_graph=True)[x]
    same(g.item(), ref.item())
    assert g.requires_grad and ref.requires_grad  # both differentiable again
    (h,) = d.grad(g, (x,), retain_graph=True)
    (h_ref,) = d.grad(ref, (x,))
    same(h.item(), h_ref.item())
