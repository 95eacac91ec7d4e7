"""The pool of large result arrays: a free one is reused, one that anybody still holds never is."""
from __future__ import annotations

import numpy as np
import pytest

import diffcli as d
from diffcli.engine import pool

N = pool.MIN_ELEMENTS * 2


def _address(a: np.ndarray) -> int:
    base = a if a.base is None else a.base
    return base.__array_interface__["data"][0]


@pytest.fixture(autouse=True)
def fresh_pool():
    pool.clear()
    yield
    pool.clear()


def test_a_dropped_result_is_reused():
    x = d.tensor(np.linspace(0, 1, N))
    first = _address((x * 2.0)._v)  # the tensor dies at once: its array is free again
    assert _address((x * 3.0)._v) == first


def test_an_array_still_held_is_never_handed_out():
    x = d.tensor(np.linspace(0, 1, N))
    kept = x * 2.0                      # a tensor
    user = (x + 1.0).numpy()            # the user's own reference to a result
    view = (x - 1.0)._v[::2]            # a view keeps its base
    before = kept.numpy().copy(), user.copy(), view.copy()
    for k in range(20):                 # plenty of new results of the same size
        (x * float(k)).numpy()
    np.testing.assert_array_equal(kept.numpy(), before[0])
    np.testing.assert_array_equal(user, before[1])
    np.testing.assert_array_equal(view, before[2])
    assert len({_address(kept._v), _address(user), _address(view)}) == 3


def test_gradients_through_pooled_arrays_are_right():
    x0 = np.linspace(-2, 2, N)
    x = d.tensor(x0, requires_grad=True)
    y = d.sin(x) * d.exp(-x ** 2) + d.log1p(x ** 2) * d.tanh(x)
    y.backward(d.ones(N))
    g1 = x.grad.numpy().copy()
    x.grad = None
    y2 = d.sin(x) * d.exp(-x ** 2) + d.log1p(x ** 2) * d.tanh(x)
    y2.backward(d.ones(N))              # the second pass reuses the first one's freed arrays
    ref = (np.cos(x0) * np.exp(-x0 ** 2) - 2 * x0 * np.sin(x0) * np.exp(-x0 ** 2)
           + 2 * x0 / (1 + x0 ** 2) * np.tanh(x0) + np.log1p(x0 ** 2) * (1 - np.tanh(x0) ** 2))
    np.testing.assert_allclose(g1, ref, rtol=1e-13, atol=1e-15)
    np.testing.assert_array_equal(x.grad.numpy(), g1)


def test_the_pool_keeps_at_most_its_byte_limit(monkeypatch):
    monkeypatch.setattr(pool, "LIMIT_BYTES", 3 * N * 8)
    x = d.tensor(np.ones(N))
    held = [x * float(k) for k in range(6)]  # six live results: only three can be pooled
    assert sum(a.nbytes for same in pool._kept.values() for a in same) <= pool.LIMIT_BYTES
    assert all(t.numpy()[0] == k for k, t in enumerate(held))


def test_small_results_bypass_the_pool():
    x = d.tensor(np.ones(100))
    x * 2.0
    assert not any(pool._kept.values())


def test_two_threads_never_get_one_array():
    import threading
    held: list = []

    def take():
        for _ in range(30):
            held.append(pool.empty((N,)))  # all held: each must be a different array

    threads = [threading.Thread(target=take) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({_address(a) for a in held}) == 60


@pytest.mark.parametrize("n", [200, 400])  # below and above the size of parallel (two-thread) ufuncs
def test_matmul_results_keep_their_shape(n):
    # matmul is a numpy gufunc: its result is not the operands' broadcast shape (n, n)
    m = np.arange(n * n, dtype=float).reshape(n, n) / n ** 2
    v = np.linspace(-1, 1, n)
    y = d.tensor(m) @ d.tensor(v)
    assert y.shape == (n,)
    np.testing.assert_allclose(y.numpy(), m @ v, rtol=1e-13)
