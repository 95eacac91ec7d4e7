"""Large arrays: the backward pass runs elementwise rules block by block on two threads, and
big ufuncs run blockwise too. Every result must equal, bit for bit, the whole-array result."""
from __future__ import annotations

import numpy as np
import pytest

import diffcli as d
from diffcli.engine import blockwise, parallel

N = parallel.MIN_ELEMENTS + 12345  # several blocks, the last one short


@pytest.fixture
def whole_arrays(monkeypatch):
    """Run the backward pass the old way: rules on whole arrays."""
    def run(fn):
        monkeypatch.setattr(blockwise, "enabled", False)
        try:
            return fn()
        finally:
            monkeypatch.undo()
    return run


def _points(shape=(N,), lo=-3.0, hi=3.0, seed=0):
    x = np.random.default_rng(seed).uniform(lo, hi, shape)
    x.reshape(-1)[:7] = [0.0, -0.0, 1.0, -1.0, lo, hi, 0.5]  # kinks, domain edges
    return x


def _grads(f, *xs, seed=None):
    ts = [d.tensor(x, requires_grad=True) for x in xs]
    y = f(*ts)
    y.backward(d.ones(y.shape) if seed is None else d.tensor(seed))
    return [y.numpy()] + [None if t.grad is None else t.grad.numpy() for t in ts]


def _same(a, b):
    assert len(a) == len(b)
    for u, v in zip(a, b):
        if u is None or v is None:
            assert u is None and v is None
        else:
            assert u.shape == v.shape
            assert np.array_equal(u, v, equal_nan=True)


CASES = {
    "w3": lambda x: d.sin(x) * d.exp(-x * x) + d.log1p(x * x) * d.tanh(x),
    "w3_pow": lambda x: d.sin(x) * d.exp(-x ** 2) + d.log1p(x ** 2) * d.tanh(x),
    "log_sqrt": lambda x: d.log(x) + d.sqrt(x) * d.abs(x),  # inf and nan derivatives at 0 and below
    "div_atan2": lambda x: x / (x * x + 1.0) + d.atan2(x, 2.0),
    "where_sign": lambda x: d.where(x > 0, x * 3.0, d.sign(x)) + d.relu(x),
    "max_clip": lambda x: d.maximum(x, 0.5) + d.clip(x, -1.0, 1.0) + d.minimum(x, x),
    "reuse": lambda x: (x * x) * x - x + x,
    # a zero gradient against an infinite derivative at x=0 (where, * 0.0): 0, never NaN
    "zero_times_inf": lambda x: d.where(x > 0, d.sqrt(d.abs(x)), 0.0) + d.log(d.abs(x)) * 0.0,
}


def _count(monkeypatch, mode):
    """Calls of the blockwise path that ``mode`` names ("sweep": whole pass, "node": one node
    at a time, the whole pass turned off) that did the work."""
    done = []
    if mode == "node":
        monkeypatch.setattr(blockwise, "sweep", lambda *a: False)
    fn = getattr(blockwise, "sweep" if mode == "sweep" else "backward")
    monkeypatch.setattr(blockwise, mode if mode == "sweep" else "backward",
                        lambda *a: done.append(fn(*a)) or done[-1])
    return done


@pytest.mark.parametrize("mode", ["sweep", "node"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_same_as_whole_arrays(name, mode, whole_arrays, monkeypatch):
    f = CASES[name]
    x = _points()
    done = _count(monkeypatch, mode)
    ours = _grads(f, x)
    monkeypatch.undo()
    assert any(done)
    _same(ours, whole_arrays(lambda: _grads(f, x)))


def test_sum_of_elementwise(whole_arrays, monkeypatch):
    """A reduction at the top: its node runs on whole arrays, the elementwise ones in blocks."""
    f = lambda x: d.sum(CASES["w3"](x) * x)  # noqa: E731
    x = _points()
    done = _count(monkeypatch, "node")
    ours = _grads(f, x)
    monkeypatch.undo()
    assert any(done)
    _same(ours, whole_arrays(lambda: _grads(f, x)))


def test_two_inputs_and_a_zero_seed(whole_arrays):
    f = lambda x, y: x * y + d.hypot(x, y) - d.sqrt(x * x) * y  # noqa: E731
    x, y = _points(seed=1), _points(seed=2)
    seed = np.ones(N)
    seed[::3] = 0.0  # a zero gradient stays zero even where the derivative is infinite
    _same(_grads(f, x, y, seed=seed), whole_arrays(lambda: _grads(f, x, y, seed=seed)))


def test_matrix_and_scalar_parameter(whole_arrays):
    """A 2-D shape, and a 0-d input requiring grad (its gradient is a sum: whole arrays)."""
    f = lambda x, s: d.sin(x * s) * s + x  # noqa: E731
    x = _points((512, N // 512 + 1))
    _same(_grads(f, x, 0.7), whole_arrays(lambda: _grads(f, x, 0.7)))


def test_broadcast_row(whole_arrays):
    f = lambda x, r: d.exp(x - r) * r  # noqa: E731
    x, r = _points((512, 300)), _points((300,), seed=4)
    _same(_grads(f, x, r), whole_arrays(lambda: _grads(f, x, r)))


def test_big_ufunc_matches_numpy():
    x = _points()
    for f in (np.sin, np.exp, np.log1p):
        assert np.array_equal(parallel.ufunc(f, (x,)), f(x), equal_nan=True)
    assert np.array_equal(parallel.ufunc(np.power, (np.abs(x), 2.5)), np.abs(x) ** 2.5)
    assert np.array_equal(parallel.ufunc(np.multiply, (x, 2.0)), x * 2.0)
    m = _points((400, 400))
    assert np.array_equal(parallel.ufunc(np.hypot, (m, m[0])), np.hypot(m, m[0]))
    assert np.array_equal(parallel.ufunc(np.arctan2, (m, m)), np.arctan2(m, m))


def test_error_in_a_block_reaches_the_caller():
    def fail(i):
        if i == parallel.MIN_ELEMENTS // parallel.BLOCK:
            raise ZeroDivisionError("block")
    with pytest.raises(ZeroDivisionError):
        parallel.run_blocks(fail, 2 * parallel.MIN_ELEMENTS // parallel.BLOCK)


def test_second_order_unchanged():
    """create_graph takes the recorded path; blocks are for raw passes only."""
    x = d.tensor(_points()[:200000], requires_grad=True)
    (g,) = d.grad(d.sum(d.sin(x) * x), x, create_graph=True)
    (h,) = d.grad(d.sum(g), x)
    xv = x.numpy()
    assert np.allclose(h.numpy(), 2 * np.cos(xv) - xv * np.sin(xv), rtol=1e-12, atol=1e-12)


def test_leaf_gradients_are_their_own_arrays():
    """Add passes the seed on unchanged: the leaves must still not share it, nor each other."""
    x, z = d.tensor(_points(), requires_grad=True), d.tensor(_points(seed=5), requires_grad=True)
    seed = np.ones(N)
    (x + z).backward(d.tensor(seed))
    seed[:] = 2.0
    x.grad.numpy()[:] = 3.0
    assert np.all(z.grad.numpy() == 1.0)


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs fork")
def test_forked_child_starts_its_own_helper():
    """Jobs queued for a helper thread that the fork did not copy would never be taken."""
    import multiprocessing
    parallel.run_blocks(lambda i: None, 4)  # the parent's helper is running
    with multiprocessing.get_context("fork").Pool(1) as pool:
        assert pool.apply(_blocks_in_child, (64,)) == (64, True)


def _blocks_in_child(n):
    import threading
    seen = []
    parallel.run_blocks(seen.append, n)
    return len(set(seen)), any(t.name == "diffcli-helper" for t in threading.enumerate())


def test_squares_match_numpy():
    """x*x and x**2 run as np.square: bit for bit what multiply and power give."""
    x = _points()
    x[7:12] = [np.inf, -np.inf, np.nan, 1e200, 5e-324]
    for v in (x, x[:1000]):  # blocks on two threads, and one small array
        assert np.array_equal(parallel.ufunc(np.multiply, (v, v)), v * v, equal_nan=True)
        assert np.array_equal(parallel.ufunc(np.power, (v, 2.0)), np.power(v, 2.0), equal_nan=True)
    assert np.array_equal(parallel.ufunc(np.multiply, (x, x.copy())), x * x, equal_nan=True)


def test_deferred_check_redoes_only_blocks_with_nonfinite_leaves(monkeypatch):
    """gmul's check, deferred to the leaves, reruns the block of x=0 only, and matches the
    whole-array pass there."""
    calls = []
    run = blockwise._run_deferred
    monkeypatch.setattr(blockwise, "_run_deferred", lambda b, n, redo: (run(b, n, redo), calls.append(list(redo))))
    x = _points()
    g = _grads(CASES["zero_times_inf"], x)[1]
    assert calls == [[(0, 1024)]]  # x[0] is 0.0: the first block
    assert g[0] == 0.0 and g[1] == 0.0 and np.isfinite(g).all()


def test_big_ufunc_with_a_broadcast_operand():
    """Blocks of whole rows: the operand without those rows broadcasts over each block."""
    m, row, col = _points((1000, 300)), _points((300,), seed=6), _points((1000, 1), seed=7)
    for f, args in ((np.hypot, (m, row)), (np.sin, (m,)), (np.arctan2, (row, m)), (np.multiply, (col, m)),
                    (np.add, (m, 2.0)), (np.power, (np.abs(m), row[None, :]))):
        assert np.array_equal(parallel.ufunc(f, args), f(*args), equal_nan=True)
    wide = _points((2, 100000))  # two rows: one block each
    assert np.array_equal(parallel.ufunc(np.hypot, (wide, wide[0])), np.hypot(wide, wide[0]), equal_nan=True)
    assert parallel.ufunc(np.add, (np.ones((N, 1)), np.ones((1, 0)))).shape == (N, 0)
