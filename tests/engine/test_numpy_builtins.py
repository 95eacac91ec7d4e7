"""numpy's further functions in the engine (issue 19): each against numpy's value, and its first
and second derivatives against central differences (gradcheck, gradgradcheck)."""
from __future__ import annotations

import math

import numpy as np
import pytest

import diffcli as d
from diffcli import functional as F

R = np.random.default_rng(19)
A = R.normal(size=(3, 4))
B = R.normal(size=(4, 2))
V3, W3 = R.normal(size=3), R.normal(size=3)
T = R.normal(size=(2, 3, 4))
SPD = A[:, :3].T @ A[:, :3] + 3 * np.eye(3)
POS = R.uniform(0.5, 3.0, size=(2, 3))

def _sym(x):
    """The symmetric matrix numpy's eigh and cholesky read: the lower triangle, mirrored."""
    swap = (*range(x.ndim - 2), x.ndim - 1, x.ndim - 2)
    return d.tril(x) + d.transpose(d.tril(x, -1), swap)


def _sign(x):
    """Each eigenvector's sign fixed at the test point (numpy's choice is arbitrary)."""
    return np.sign(np.linalg.eigh(np.asarray(x.numpy() if hasattr(x, "numpy") else x))[1][0])


# name -> (diffcli function, numpy's, inputs)
CASES = {
    "mod": (lambda x, y: d.mod(x, y), np.mod, [A * 3, np.full((3, 4), 1.3)]),
    "mod negative divisor": (lambda x: d.mod(x, -0.7), lambda x: np.mod(x, -0.7), [A]),
    "square": (d.square, np.square, [A]),
    "reciprocal": (d.reciprocal, np.reciprocal, [POS]),
    "exp2": (d.exp2, np.exp2, [A]),
    "deg2rad": (d.deg2rad, np.deg2rad, [A * 90]),
    "rad2deg": (d.rad2deg, np.rad2deg, [A]),
    "sinc": (d.sinc, np.sinc, [np.array([0.0, 0.3, -1.7, 2.5, 1e-9])]),
    "logaddexp": (d.logaddexp, np.logaddexp, [A, A[::-1]]),
    "erfc": (d.erfc, lambda x: np.vectorize(math.erfc)(x), [A]),
    "lgamma": (d.lgamma, lambda x: np.vectorize(math.lgamma)(x), [np.array([0.3, 1.5, 7.2, -0.5, -2.3])]),
    "gamma": (d.gamma, lambda x: np.vectorize(math.gamma)(x), [np.array([0.3, 1.5, 4.2, -0.5, -2.3])]),
    "digamma": (d.digamma, None, [POS]),
    "polygamma 2": (lambda x: d.polygamma(2, x), None, [POS]),
    "var": (d.var, np.var, [A]),
    "var axis ddof": (lambda x: d.var(x, 0, ddof=1), lambda x: np.var(x, 0, ddof=1), [A]),
    "std keepdims": (lambda x: d.std(x, (0, 2), keepdims=True), lambda x: np.std(x, (0, 2), keepdims=True), [T]),
    "cumsum": (d.cumsum, np.cumsum, [A]),
    "cumsum axis": (lambda x: d.cumsum(x, 1), lambda x: np.cumsum(x, 1), [T]),
    "cumprod": (lambda x: d.cumprod(x, 0), lambda x: np.cumprod(x, 0), [A]),
    "cumprod with a zero": (d.cumprod, np.cumprod, [np.array([1.5, 0.0, -2.0, 0.7])]),
    "squeeze": (lambda x: d.squeeze(d.reshape(x, (1, 3, 1, 4)), 2), lambda x: x.reshape(1, 3, 1, 4).squeeze(2),
                [A]),
    "expand_dims": (lambda x: d.expand_dims(x, (0, 2)), lambda x: np.expand_dims(x, (0, 2)), [A]),
    "flip": (lambda x: d.flip(x, 1), lambda x: np.flip(x, 1), [T]),
    "flip all": (d.flip, np.flip, [T]),
    "roll": (lambda x: d.roll(x, 2, 1), lambda x: np.roll(x, 2, 1), [A]),
    "roll flat": (lambda x: d.roll(x, -5), lambda x: np.roll(x, -5), [A]),
    "repeat": (lambda x: d.repeat(x, [1, 0, 2], 0), lambda x: np.repeat(x, [1, 0, 2], 0), [A]),
    "tile": (lambda x: d.tile(x, (2, 1, 2)), lambda x: np.tile(x, (2, 1, 2)), [A]),
    "tril": (lambda x: d.tril(x, 1), lambda x: np.tril(x, 1), [A]),
    "triu": (lambda x: d.triu(x, -1), lambda x: np.triu(x, -1), [T]),
    "diagonal": (lambda x: d.diagonal(x, 1, 2, 0), lambda x: np.diagonal(x, 1, 2, 0), [T]),
    "diag offset": (lambda x: d.diag(x, -1), lambda x: np.diag(x, -1), [V3]),
    "diag of matrix offset": (lambda x: d.diag(x, 2), lambda x: np.diag(x, 2), [A]),
    "trace offset 3d": (lambda x: d.trace(x, -1), lambda x: np.trace(x, -1), [T]),
    "hstack": (lambda x, y: d.hstack([x, y]), lambda x, y: np.hstack([x, y]), [A, A[:, :2]]),
    "vstack": (lambda x, y: d.vstack([x, y]), lambda x, y: np.vstack([x, y]), [V3, W3]),
    "split": (lambda x: d.split(x, [1, 3], 1)[1], lambda x: np.split(x, [1, 3], 1)[1], [A]),
    "sort": (lambda x: d.sort(x, 0), lambda x: np.sort(x, 0), [A]),
    "take": (lambda x: d.take(x, [3, 0, 3], 1), lambda x: np.take(x, [3, 0, 3], 1), [A]),
    "dot N-d": (d.dot, np.dot, [T, R.normal(size=(3, 4, 2))]),
    "dot scalar": (lambda x: d.dot(x, 2.5), lambda x: np.dot(x, 2.5), [A]),
    "inner": (d.inner, np.inner, [A, R.normal(size=(2, 4))]),
    "tensordot": (lambda x, y: d.tensordot(x, y, ([1, 2], [0, 1])),
                  lambda x, y: np.tensordot(x, y, ([1, 2], [0, 1])), [T, R.normal(size=(3, 4, 2))]),
    "kron": (d.kron, np.kron, [A[:2, :2], B[:2]]),
    "cross": (d.cross, np.cross, [np.stack([V3, W3]), np.stack([W3, V3 * 2])]),
    "einsum matmul": (lambda x, y: d.einsum("ij,jk->ik", x, y), lambda x, y: np.einsum("ij,jk->ik", x, y), [A, B]),
    "einsum trace diag": (lambda x: d.einsum("ii", x), lambda x: np.einsum("ii", x), [SPD]),
    "einsum batch implicit": (lambda x, y: d.einsum("bij,bjk", x, y), lambda x, y: np.einsum("bij,bjk", x, y),
                              [T[:, :2, :3], T[:, :3, :2]]),
    "solve": (d.linalg.solve, np.linalg.solve, [SPD, A[:, :2]]),
    "slogdet": (lambda x: d.linalg.slogdet(x)[1], lambda x: np.linalg.slogdet(x)[1], [A[:, :3] - np.eye(3)]),
    "pinv": (d.linalg.pinv, np.linalg.pinv, [A.T]),
    # a symmetric input read from its lower triangle, as numpy does
    "eigvalsh": (lambda x: d.linalg.eigvalsh(_sym(x)), lambda x: np.linalg.eigvalsh(x), [SPD]),
    "eigh vectors": (lambda x: d.linalg.eigh(_sym(x))[1] * _sign(x), lambda x: np.linalg.eigh(x)[1] * _sign(x),
                     [SPD]),
    "cholesky": (lambda x: d.linalg.cholesky(_sym(x)), np.linalg.cholesky, [SPD]),
    "cholesky stack": (lambda x: d.linalg.cholesky(_sym(x)), np.linalg.cholesky, [np.stack([SPD, SPD + np.eye(3)])]),
    "svdvals": (d.linalg.svdvals, lambda x: np.linalg.svd(x, compute_uv=False), [A]),
    "svdvals tall stack": (d.linalg.svdvals, lambda x: np.linalg.svd(x, compute_uv=False), [T.transpose(0, 2, 1)]),
    "norm ord 1": (lambda x: d.linalg.norm(x, 1), lambda x: np.linalg.norm(x, 1), [A]),
    "norm ord inf axis": (lambda x: d.linalg.norm(x, np.inf, 1), lambda x: np.linalg.norm(x, np.inf, 1), [A]),
    "norm ord 3 vector": (lambda x: d.linalg.norm(x, 3), lambda x: np.linalg.norm(x, 3), [V3]),
    "norm fro keepdims": (lambda x: d.linalg.norm(x, "fro", (1, 2), True),
                          lambda x: np.linalg.norm(x, "fro", (1, 2), True), [T]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_value_against_numpy(name):
    fn, ref, ins = CASES[name]
    if ref is None:
        pytest.skip("checked against mpmath in test_special_closed_forms")
    got = fn(*[d.tensor(x) for x in ins])
    np.testing.assert_allclose(got.numpy(), ref(*ins), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", sorted(CASES))
def test_first_and_second_derivatives_against_central_differences(name):
    fn, _, ins = CASES[name]
    assert F.gradcheck(fn, tuple(d.tensor(x) for x in ins), eps=1e-6, atol=1e-6, rtol=1e-5)
    assert F.gradgradcheck(fn, tuple(d.tensor(x) for x in ins), eps=1e-5, atol=1e-5, rtol=1e-4)


def test_cumprod_gradient_at_zero_is_exact():
    x = d.tensor([2.0, 0.0, 3.0], requires_grad=True)
    d.cumprod(x).sum().backward()
    # d/dx0 (x0 + x0 x1 + x0 x1 x2) = 1 + x1 + x1 x2 = 1; d/dx1 = x0 + x0 x2 = 8; d/dx2 = x0 x1 = 0
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 8.0, 0.0])


def test_sort_gradient_follows_the_permutation():
    x = d.tensor([3.0, 1.0, 2.0], requires_grad=True)
    (d.sort(x) * d.tensor([1.0, 10.0, 100.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [100.0, 1.0, 10.0])


def test_mod_derivatives_are_numpys_branch():
    x, y = d.tensor(7.5, requires_grad=True), d.tensor(-2.0, requires_grad=True)
    gx, gy = d.grad(d.mod(x, y), (x, y))
    assert (gx.item(), gy.item()) == (1.0, -math.floor(7.5 / -2.0))


def test_slogdet_sign_and_linalg_names():
    m = d.tensor([[0.0, 2.0], [3.0, 0.0]])
    sign, logabs = d.linalg.slogdet(m)
    assert sign.item() == -1.0 and logabs.item() == pytest.approx(math.log(6.0))
    assert d.linalg.det is d.det and d.linalg.inv is d.inv


def test_split_in_sections():
    parts = d.split(d.tensor(np.arange(6.0)), 3)
    assert [p.tolist() for p in parts] == [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]
