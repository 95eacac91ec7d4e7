"""The special functions' derivatives to third order against closed forms (mpmath, which SymPy
ships), in reverse mode (nested) and in Taylor mode; and the torch parity of the new built-ins
that torch has (skipped where torch is not installed)."""
from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

import diffcli as d
from diffcli.engine.taylor import derivatives

mpmath.mp.dps = 30

CLOSED = {
    "lgamma": (d.lgamma, lambda t: mpmath.log(abs(mpmath.gamma(t))), [0.3, 2.5, 11.0, -0.5, -3.3]),
    "gamma": (d.gamma, mpmath.gamma, [0.3, 2.5, 6.1, -0.5, -3.3]),
    "digamma": (d.digamma, mpmath.digamma, [0.2, 1.0, 4.5, 30.0, -1.5]),
    "polygamma 1": (lambda x: d.polygamma(1, x), lambda t: mpmath.polygamma(1, t), [0.2, 1.0, 4.5, 30.0, -1.5]),
    "erfc": (d.erfc, mpmath.erfc, [-1.2, 0.0, 0.4, 3.0]),
    "sinc": (d.sinc, lambda t: mpmath.sin(mpmath.pi * t) / (mpmath.pi * t) if t else mpmath.mpf(1),
             [0.0, 1e-7, 0.3, 1.0, -2.5, 12.25]),
    "mod": (lambda x: d.mod(3 * x, 1.3), lambda t: mpmath.fmod(3 * t, 1.3) % 1.3, [0.7, -0.2]),
    "logaddexp": (lambda x: d.logaddexp(x, 2 * x * x), lambda t: mpmath.log(mpmath.exp(t) + mpmath.exp(2 * t * t)),
                  [0.1, -1.0, 2.0]),
    "exp2": (d.exp2, lambda t: mpmath.power(2, t), [0.5, -3.0]),
}


def _want(mf, x0, order):
    if mf is CLOSED["sinc"][1] and x0 == 0.0:  # the limit, from the series
        return [float(c) * math.factorial(k) for k, c in
                enumerate(mpmath.taylor(lambda t: mpmath.sinc(mpmath.pi * t), 0, order))]
    return [float(mpmath.diff(mf, mpmath.mpf(x0), k)) for k in range(order + 1)]


@pytest.mark.parametrize("name, x0", [(n, x) for n, c in CLOSED.items() for x in c[2]])
def test_derivatives_to_third_order_against_closed_forms(name, x0):
    fn, mf, _ = CLOSED[name]
    want = _want(mf, x0, 3)
    x = d.tensor(x0, requires_grad=True)
    y = fn(x)
    got, cur = [y.item()], y
    for _ in range(3):
        (cur,) = d.grad(cur, x, create_graph=True)
        got.append(cur.item())
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-13, err_msg="reverse mode")
    np.testing.assert_allclose(derivatives(fn(x), x, 3), want, rtol=1e-12, atol=1e-13, err_msg="Taylor mode")


def test_high_order_taylor_of_lgamma_and_sinc():
    x = d.tensor(1.7, requires_grad=True)
    got = derivatives(d.lgamma(x), x, 12)
    want = [float(mpmath.loggamma(1.7))] + [float(mpmath.polygamma(k - 1, 1.7)) for k in range(1, 13)]
    np.testing.assert_allclose(got, want, rtol=1e-12)
    z = d.tensor(0.0, requires_grad=True)
    got = derivatives(d.sinc(z), z, 8)  # even orders: (-1)^k pi^2k / (2k+1)
    want = [(-1) ** (k // 2) * math.pi ** k / (k + 1) if k % 2 == 0 else 0.0 for k in range(9)]
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-13)


def test_poles_give_numpys_answers():
    assert d.lgamma(0.0).item() == math.inf
    assert d.gamma(-2.0).item() != d.gamma(-2.0).item()  # nan
    assert d.digamma(0.0).item() == -math.inf
    assert d.mod(1.0, 0.0).item() != d.mod(1.0, 0.0).item()


# --------------------------------------------------------------------------
# torch parity
torch = pytest.importorskip("torch")
torch.set_num_threads(1)

R = np.random.default_rng(7)
X = R.uniform(0.4, 2.5, size=(3, 4))
Y = R.uniform(0.4, 2.5, size=(3, 4))

PARITY = {
    "mod": (lambda a, b: d.mod(a * 3, b), lambda a, b: torch.remainder(a * 3, b), 2),
    "square": (d.square, torch.square, 1),
    "reciprocal": (d.reciprocal, torch.reciprocal, 1),
    "exp2": (d.exp2, torch.exp2, 1),
    "deg2rad": (d.deg2rad, torch.deg2rad, 1),
    "rad2deg": (d.rad2deg, torch.rad2deg, 1),
    "sinc": (d.sinc, torch.sinc, 1),
    "logaddexp": (d.logaddexp, torch.logaddexp, 2),
    "erfc": (d.erfc, torch.erfc, 1),
    "lgamma": (d.lgamma, torch.lgamma, 1),
    "digamma": (d.digamma, torch.digamma, 1),
    "polygamma": (lambda a: d.polygamma(2, a), lambda a: torch.polygamma(2, a), 1),
    "var": (lambda a: d.var(a, 1, ddof=1), lambda a: torch.var(a, 1, correction=1), 1),
    "std": (lambda a: d.std(a), lambda a: torch.std(a, correction=0), 1),
    "cumsum": (lambda a: d.cumsum(a, 1), lambda a: torch.cumsum(a, 1), 1),
    "cumprod": (lambda a: d.cumprod(a, 0), lambda a: torch.cumprod(a, 0), 1),
    "flip": (lambda a: d.flip(a, 0), lambda a: torch.flip(a, (0,)), 1),
    "roll": (lambda a: d.roll(a, 1, 1), lambda a: torch.roll(a, 1, 1), 1),
    "tile": (lambda a: d.tile(a, (2, 1)), lambda a: torch.tile(a, (2, 1)), 1),
    "repeat": (lambda a: d.repeat(a, 2, 1), lambda a: torch.repeat_interleave(a, 2, 1), 1),
    "tril": (lambda a: d.tril(a), torch.tril, 1),
    "triu": (lambda a: d.triu(a, 1), lambda a: torch.triu(a, 1), 1),
    "diagonal": (lambda a: d.diagonal(a, 1), lambda a: torch.diagonal(a, 1), 1),
    "sort": (lambda a: d.sort(a), lambda a: torch.sort(a, stable=True).values, 1),
    "inner": (d.inner, torch.inner, 2),
    "kron": (d.kron, torch.kron, 2),
    "tensordot": (lambda a, b: d.tensordot(a, b, ([1], [1])), lambda a, b: torch.tensordot(a, b, ([1], [1])), 2),
    "einsum": (lambda a, b: d.einsum("ij,kj->ik", a, b), lambda a, b: torch.einsum("ij,kj->ik", a, b), 2),
    "hstack": (lambda a, b: d.hstack([a, b]), lambda a, b: torch.hstack([a, b]), 2),
    "vstack": (lambda a, b: d.vstack([a, b]), lambda a, b: torch.vstack([a, b]), 2),
}


@pytest.mark.parametrize("name", sorted(PARITY))
def test_torch_parity_value_gradient_and_hessian_vector_product(name):
    ours, theirs, k = PARITY[name]
    ins = [X, Y][:k]
    seed = R.normal(size=np.shape(theirs(*[torch.tensor(a) for a in ins]).detach().numpy()))
    dt = [d.tensor(a, requires_grad=True) for a in ins]
    tt = [torch.tensor(a, requires_grad=True) for a in ins]
    yd, yt = ours(*dt), theirs(*tt)
    np.testing.assert_allclose(yd.numpy(), yt.detach().numpy(), rtol=1e-12, atol=1e-12)
    gd = d.grad((yd * d.tensor(seed)).sum(), dt, create_graph=True)
    gt = torch.autograd.grad((yt * torch.tensor(seed)).sum(), tt, create_graph=True)
    for a, b in zip(gd, gt):
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=LOOSE.get(name, 1e-11), atol=1e-12)
    hd = d.grad(sum((g * g).sum() for g in gd), dt, allow_unused=True)
    if not any(g.requires_grad for g in gt):  # a linear function: torch has no second graph
        assert all(h is None or not np.any(h.numpy()) for h in hd)
        return
    ht = torch.autograd.grad(sum((g * g).sum() for g in gt), tt, allow_unused=True)
    rtol = LOOSE.get(name, 1e-10)
    for a, b, x in zip(hd, ht, ins):
        a = np.zeros_like(x) if a is None else a.numpy()  # no path: zero either way
        b = np.zeros_like(x) if b is None else b.numpy()
        np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-11)


# torch's trigamma (the derivative of digamma) is accurate to about 1e-9 (ours matches mpmath to
# 1e-15: test_derivatives_to_third_order_against_closed_forms); its second derivatives are
# compared at that tolerance.
LOOSE = {"digamma": 1e-8, "lgamma": 1e-8}


M = R.normal(size=(4, 4))
SPD = M @ M.T + 4 * np.eye(4)
LINALG = {  # (ours, torch's, input): each input symmetric where the function reads a triangle
    "eigvalsh": (d.linalg.eigvalsh, torch.linalg.eigvalsh, SPD),
    "cholesky": (d.linalg.cholesky, torch.linalg.cholesky, SPD),
    "svdvals": (d.linalg.svdvals, torch.linalg.svdvals, M[:, :3]),
    "det stack": (d.det, torch.det, np.stack([M, SPD])),
    "inv stack": (d.inv, torch.inverse, np.stack([SPD, SPD + np.eye(4)])),
    "solve": (lambda a: d.linalg.solve(a, d.tensor(M)), lambda a: torch.linalg.solve(a, torch.tensor(M)), SPD),
    "slogdet": (lambda a: d.linalg.slogdet(a)[1], lambda a: torch.linalg.slogdet(a)[1], M),
    "pinv": (d.linalg.pinv, torch.linalg.pinv, M[:, :3]),
    "norm ord 1": (lambda a: d.linalg.norm(a, 1), lambda a: torch.linalg.matrix_norm(a, 1), M),
}


@pytest.mark.parametrize("name", sorted(LINALG))
def test_torch_parity_linalg_to_second_order(name):
    ours, theirs, a = LINALG[name]
    dt, tt = d.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    yd, yt = ours(dt), theirs(tt)
    np.testing.assert_allclose(yd.numpy(), yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    w = R.normal(size=yd.shape)
    # symmetric perturbations only where a triangle is read: both libraries' convention
    (gd,) = d.grad((yd * d.tensor(w)).sum(), dt, create_graph=True)
    (gt,) = torch.autograd.grad((yt * torch.tensor(w)).sum(), tt, create_graph=True)
    sym = name in ("eigvalsh", "cholesky")
    fold = (lambda g: g + np.swapaxes(g, -1, -2)) if sym else (lambda g: g)
    np.testing.assert_allclose(fold(gd.numpy()), fold(gt.detach().numpy()), rtol=1e-9, atol=1e-10)
    v = R.normal(size=a.shape)
    v = v + np.swapaxes(v, -1, -2) if sym else v
    (hd,) = d.grad((gd * d.tensor(v)).sum(), dt)
    (ht,) = torch.autograd.grad((gt * torch.tensor(v)).sum(), tt, allow_unused=True)
    ht = np.zeros(a.shape) if ht is None else ht.numpy(force=True)  # (a zero tensor, for a piecewise-linear norm)
    np.testing.assert_allclose(fold(hd.numpy()), fold(ht), rtol=1e-8, atol=1e-9)
