"""Ports of peer test suites (translated, not copied; what they assert is kept):

- HIPS autograd ``tests/test_numpy.py`` and ``tests/test_linalg.py``: ``check_grads(fun)(args)``
  checks reverse mode to second order against finite differences; here ``_check`` runs
  gradcheck (the whole Jacobian) and gradgradcheck of the output contracted with a random
  direction. Left out: forward mode (diffcli has none), np.r_/np.c_/append/ravel/flatten/rot90/
  make_diagonal/nan_to_num/frexp (not built-ins), svd's U and V (only the singular values are
  implemented) and the 'nuc' norm (needs them).
- PyTorch ``test/test_autograd.py``: the grad-mode decorators on generator functions and
  without parentheses.
"""
from __future__ import annotations

import numpy as np
import pytest

import diffcli as d
from diffcli import functional as F

npr = np.random.default_rng(1)


def _check(fun, *args):
    xs = tuple(d.tensor(np.asarray(a, dtype=float)) for a in args)
    assert F.gradcheck(fun, xs, eps=1e-6, atol=1e-5, rtol=1e-4)
    out = fun(*[d.tensor(np.asarray(a, dtype=float)) for a in args])
    v = d.tensor(npr.normal(size=out.shape))
    assert F.gradgradcheck(lambda *t: (fun(*t) * v).sum(), xs, eps=1e-5, atol=1e-5, rtol=1e-3)


# --------------------------------------------------------------------------
# autograd tests/test_numpy.py
def test_dot():
    mat1, mat2 = npr.normal(size=(10, 11)), npr.normal(size=(10, 11))
    vect1, vect2, vect3 = npr.normal(size=10), npr.normal(size=11), npr.normal(size=11)
    _check(d.dot, mat1, vect2)
    _check(d.dot, mat1, mat2.T)
    _check(d.dot, vect1, mat1)
    _check(d.dot, vect2, vect3)


def test_dot_with_floats():
    mat1, vect1, float1 = npr.normal(size=(10, 11)), npr.normal(size=10), npr.normal()
    for a, b in ((mat1, float1), (float1, mat1), (vect1, float1), (float1, vect1)):
        _check(d.dot, a, b)


def test_outer():
    _check(d.outer, npr.normal(size=11), npr.normal(size=11))


@pytest.mark.parametrize("fn", [lambda x: d.max(x), lambda x: d.max(x, 1), lambda x: d.max(x, 1, keepdims=True),
                                lambda x: d.min(x), lambda x: d.min(x, 1), lambda x: d.min(x, 1, keepdims=True)])
def test_max_min(fn):
    _check(fn, npr.normal(size=(3, 4, 5)))


@pytest.mark.parametrize("fn", [lambda x: d.sum(x), lambda x: d.sum(x, 0), lambda x: d.sum(x, 0, keepdims=True),
                                lambda x: d.mean(x), lambda x: d.mean(x, 0), lambda x: d.mean(x, 0, keepdims=True)])
def test_sum_mean(fn):
    _check(fn, npr.normal(size=(10, 11)))


def test_sum_with_axis_tuple():
    _check(lambda x: d.sum(x, (1, 2)), npr.normal(size=(10, 11, 7)))


@pytest.mark.parametrize("fn", [lambda x: d.flip(x, 0), lambda x: d.flip(x, 1)])  # flipud, fliplr
def test_flips(fn):
    _check(fn, npr.normal(size=(10, 11)))


@pytest.mark.parametrize("fn, shape", [(lambda x: d.cumsum(x, 0), (10, 11)), (lambda x: d.cumsum(x, 1), (10, 11)),
                                       (d.cumsum, (10,)), (d.cumsum, (10, 11))])
def test_cumsum(fn, shape):
    _check(fn, npr.normal(size=shape))


@pytest.mark.parametrize("fn", [lambda x: x[3, 0, 1], lambda x: x[::-1, 2:4, :], lambda x: x[[0, 1, 2], :, :],
                                lambda x: x[3, 2:, [1, 3]], lambda x: x[::-1, 2:4, :] + x[::-1, 3:5, :]])
def test_indexing(fn):
    _check(fn, npr.normal(size=(5, 6, 4)))


def test_vector_and_multiple_slices():
    _check(lambda x: x[2:4], npr.normal(size=5))
    _check(lambda x: x[2:6][1:3], npr.normal(size=7))


def test_concatenate():
    A, B = npr.normal(size=(5, 6, 4)), npr.normal(size=(5, 6, 4))
    _check(lambda x: d.concat([d.tensor(A[:4]), x]), B[:4])
    _check(lambda x: d.concat([d.tensor(B), x, d.tensor(B)]), A)
    _check(lambda x: d.concat([d.tensor(B), x, d.tensor(B)], 1), A)


@pytest.mark.parametrize("shape", [(10, 11), (11, 10), (5, 6, 4, 3)])
def test_trace_offsets_and_extra_dims(shape):
    for offset in (-3, 0, 4):
        _check(lambda x: d.trace(x, offset), npr.normal(size=shape))


def test_split_diag_transpose():
    _check(lambda x: d.split(x, 2)[0], npr.normal(size=10))
    _check(d.diag, npr.normal(size=(10, 10)))
    _check(lambda x: x.T, npr.normal(size=(8, 8)))


def test_roll_triu_tril_clip():
    _check(lambda x: d.roll(x, 2, 1), npr.normal(size=(4, 5)))
    _check(lambda x: d.roll(x, 2), npr.normal(size=(4, 5)))
    _check(lambda x: d.triu(x, 2), npr.normal(size=(5, 5)))
    _check(lambda x: d.tril(x, 2), npr.normal(size=(5, 5)))
    _check(lambda x: d.clip(x, 0.1, 1.1), npr.normal(size=(5, 5)))


@pytest.mark.parametrize("fn, mat", [
    (d.prod, npr.normal(size=(2, 3)) ** 2 / 10.0 + 0.1), (lambda x: d.prod(x, 0), npr.normal(size=(2, 3)) ** 2 + 0.1),
    (lambda x: d.prod(x, 0, keepdims=True), npr.normal(size=(2, 3)) ** 2 + 0.1),
    (d.prod, npr.normal(size=7) ** 2 + 0.1)])
def test_prod(fn, mat):
    _check(fn, mat)


def test_arrays_from_scalars():
    _check(lambda x: d.stack([x, x * 1.0, x + 2.5]), 3.0)
    _check(lambda x: d.stack([d.stack([x, x * 1.0, x + 2.5]), d.stack([x ** 2, x, x / 2.0])]), 3.0)
    _check(lambda x: d.stack([x, x]), npr.normal(size=(3, 2)))


@pytest.mark.parametrize("fn", [d.var, d.std])
def test_var_std_ddof(fn):
    B, C, D = npr.normal(size=3), npr.normal(size=(3, 4)), npr.normal(size=(1, 3))
    for x in (B, C, D):
        for keepdims in (True, False):
            for ddof in (0, 1):
                _check(lambda t: fn(t, None, ddof, keepdims), x)
    for x in (C, D):
        for axis in (None, 1):
            for keepdims in (True, False):
                _check(lambda t: fn(t, axis, 2 if axis is None else 0, keepdims), x)


def test_where_squeeze_repeat_expand_dims():
    C = npr.normal(size=(4, 5)) > 0
    _check(lambda x, y: d.where(d.tensor(C * 1.0), x, y), npr.normal(size=(4, 5)), npr.normal(size=(4, 5)))
    _check(d.squeeze, npr.normal(size=(5, 1, 4)))
    _check(lambda x: d.repeat(x, 2, 1), npr.normal(size=(5, 3, 4)))
    _check(lambda x: d.repeat(x, 1, 1), npr.normal(size=(5, 3, 4)))
    _check(lambda x: d.repeat(x, 2, 0), npr.normal(size=(5, 3)))
    _check(lambda x: d.repeat(x, 2, 0), npr.normal(size=5))
    _check(lambda x: d.repeat(x, 1, 0), npr.normal(size=(5, 1)))
    _check(lambda x: d.expand_dims(x, 2), npr.normal(size=(5, 1, 4)))


def test_tensordot_by_position_and_multi_index():
    x = d.tensor(1.0, requires_grad=True)
    y = d.tensordot(x * d.ones(2, 2), x * d.ones(2, 2), 2)
    assert d.grad(y, x)[0].item() == 8.0
    _check(lambda t: d.sum(t[[0, 0]]), npr.normal(size=3))
    _check(lambda t: d.sum(t[[0, 1, 0]]), npr.normal(size=3))
    _check(lambda t: d.dot(t[:2], t[2:]), npr.normal(size=4))


def test_diagonal_last_axes():
    _check(lambda x: d.diagonal(x, 0, -1, -2), npr.normal(size=(4, 4)))
    _check(lambda x: d.diagonal(x, 0, -1, -2), npr.normal(size=(3, 4, 4)))


# --------------------------------------------------------------------------
# autograd tests/test_linalg.py
def _psd(n):
    m = npr.normal(size=(n, n))
    return m @ m.T


def test_inv_and_stacks():
    D = 8
    mat = npr.normal(size=(D, D))
    _check(d.inv, mat @ mat + np.eye(D))
    _check(d.inv, npr.normal(size=(4, 4, 4)) + 5 * np.eye(4))
    _check(d.inv, npr.normal(size=(2, 3, 4, 4)) + 5 * np.eye(4))


def test_solve():
    A = npr.normal(size=(8, 8)) + 10.0 * np.eye(8)
    B = npr.normal(size=(8, 7))
    _check(lambda a: d.linalg.solve(a, d.tensor(B)), A)
    _check(lambda a: d.linalg.solve(a, d.tensor(B[:, 0])), A)
    A6 = npr.normal(size=(6, 6)) + np.eye(6)
    _check(lambda b: d.linalg.solve(d.tensor(A6), b), npr.normal(size=(6, 5)))
    A3, B3 = npr.normal(size=(5, 4, 4)) + 5 * np.eye(4), d.tensor(npr.normal(size=(5, 4, 6)))
    _check(lambda a: d.linalg.solve(a, B3), A3)


def test_det_and_stacks():
    _check(d.det, npr.normal(size=(6, 6)))
    _check(d.det, npr.normal(size=(3, 3, 3)))


def test_slogdet():
    mat = npr.normal(size=(6, 6))
    _check(lambda x: d.linalg.slogdet(x)[1], mat)
    _check(lambda x: d.linalg.slogdet(x)[1], -mat)
    stack = np.stack([_psd(5) + 5 * np.eye(5) for _ in range(3)])
    _check(lambda x: d.sum(d.linalg.slogdet(x)[1]), stack)


def test_norms():
    _check(d.linalg.norm, npr.normal(size=6))
    _check(d.linalg.norm, npr.normal(size=(6, 5)))
    _check(lambda x: d.linalg.norm(x, axis=(0, 1)), npr.normal(size=(6, 5, 4)))
    for ord in range(2, 5):
        _check(lambda x: d.linalg.norm(x, ord), npr.normal(size=6))
    for axis in range(3):
        _check(lambda x: d.linalg.norm(x, axis=axis), npr.normal(size=(6, 5, 4)))


def _symmetrized(fun):
    """autograd's check_symmetric_matrix_grads: the function of (tril(A) + tril(A)^T) / 2."""
    def sym(a):
        low = d.tril(a)
        return fun((low + d.transpose(low, (*range(low.ndim - 2), low.ndim - 1, low.ndim - 2))) / 2.0)
    return sym


def _signs(a):
    """Eigenvectors' signs fixed at the point (numpy's choice is arbitrary; autograd's check
    perturbs only slightly, so its choice there is the same)."""
    low = np.tril(a)
    return np.sign(np.linalg.eigh((low + np.swapaxes(low, -1, -2)) / 2)[1][..., :1, :])


def test_eigh():
    hmat = _psd(6)
    s = d.tensor(_signs(hmat))
    _check(_symmetrized(lambda x: d.linalg.eigvalsh(x)), hmat)
    _check(_symmetrized(lambda x: d.linalg.eigh(x)[1] * s), hmat)


def test_eigh_broadcasting():
    mat = npr.normal(size=(2, 3, 6, 6)) + 10 * np.eye(6)
    hmat = np.einsum("...ij,...kj->...ik", mat, mat)
    s = d.tensor(_signs(hmat))
    _check(_symmetrized(lambda x: d.linalg.eigvalsh(x)), hmat)
    _check(_symmetrized(lambda x: d.linalg.eigh(x)[1] * s), hmat)


def test_cholesky():
    _check(_symmetrized(d.linalg.cholesky), _psd(6))
    _check(_symmetrized(d.linalg.cholesky), np.stack([_psd(6) for _ in range(3)]))
    z = d.tensor(np.random.RandomState(0).randn(6))
    _check(_symmetrized(lambda a: d.linalg.norm(d.dot(d.linalg.cholesky(a), z))), _psd(6))


def test_svd_only_s():
    _check(lambda x: d.linalg.svd(x, full_matrices=False, compute_uv=False), npr.normal(size=(5, 3)))
    _check(lambda x: d.linalg.svd(x, full_matrices=False, compute_uv=False), npr.normal(size=(4, 5, 3)))


# --------------------------------------------------------------------------
# PyTorch test/test_autograd.py
def test_set_grad_generator_functions():
    @d.no_grad()
    def gen_no_grad():
        for i in range(10):
            assert d.is_grad_enabled() is False
            yield i

    with d.enable_grad():
        for _ in gen_no_grad():
            assert d.is_grad_enabled() is True

    @d.enable_grad()
    def gen_enable_grad():
        for i in range(10):
            assert d.is_grad_enabled() is True
            yield i

    with d.no_grad():
        for _ in gen_enable_grad():
            assert d.is_grad_enabled() is False


def test_grad_mode_decorators_without_parentheses():
    x = d.ones(1).requires_grad_()

    @d.enable_grad
    def doubler(t):
        return t * 2

    @d.no_grad
    def adder(t, u):
        return t + u

    with d.no_grad():
        assert doubler(x).requires_grad
    assert not adder(x, x).requires_grad
