"""The language's rows for numpy's further functions (issue 19) against numpy, on the
language's arguments (numpy's order; axes and counts as integers); their derivatives are
checked in tests/engine (test_numpy_builtins, test_special_closed_forms)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from language_testlib import assert_value, error, run_cmd

M = np.array([[1.0, -2.0, 3.0], [-4.0, 5.0, -6.0]])
SM = "[[1, -2, 3], [-4, 5, -6]]"
Q = np.array([[2.0, 1.0], [1.0, 3.0]])
SQ = "[[2, 1], [1, 3]]"

CASES: dict[str, list] = {
    "mod": [("mod(7, 3)", 1.0), ("mod(-7, 3)", 2.0), ("mod(7, -3)", -2.0), (f"mod({SM}, 4)", np.mod(M, 4))],
    "square": [("square(-3)", 9.0), (f"square({SM})", M ** 2)],
    "reciprocal": [("reciprocal(4)", 0.25), (f"reciprocal({SM})", 1 / M)],
    "exp2": [("exp2(3)", 8.0), ("exp2([0.5, -1])", np.exp2([0.5, -1]))],
    "deg2rad": [("deg2rad(180)", math.pi)],
    "rad2deg": [("rad2deg(pi)", 180.0)],
    "sinc": [("sinc(0)", 1.0), ("sinc([0.5, -1.5, 2])", np.sinc([0.5, -1.5, 2]))],
    "logaddexp": [("logaddexp(1000, 1000)", 1000 + math.log(2)), ("logaddexp([1, 2], 3)", np.logaddexp([1, 2], 3))],
    "erfc": [("erfc(3)", math.erfc(3)), ("erfc([-1, 0])", [math.erfc(-1), 1.0])],
    "lgamma": [("lgamma(10)", math.lgamma(10)), ("lgamma([0.5, -0.5])", [math.lgamma(0.5), math.lgamma(-0.5)])],
    "gamma": [("gamma(5)", 24.0), ("gamma(-0.5)", math.gamma(-0.5))],
    "digamma": [("digamma(1)", -0.5772156649015329)],
    "polygamma": [("polygamma(1, 1)", math.pi ** 2 / 6), ("polygamma(0, 1)", -0.5772156649015329)],
    "var": [(f"var({SM})", M.var()), (f"var({SM}, 1)", M.var(1)), (f"var({SM}, axis=0, ddof=1)", M.var(0, ddof=1))],
    "std": [(f"std({SM})", M.std()), (f"std({SM}, axis=1, keepdims=1)", M.std(1, keepdims=True))],
    "cumsum": [(f"cumsum({SM})", np.cumsum(M)), (f"cumsum({SM}, 1)", np.cumsum(M, 1))],
    "cumprod": [(f"cumprod({SM}, axis=0)", np.cumprod(M, 0)), ("cumprod([1, 0, 3])", [1.0, 0.0, 0.0])],
    "squeeze": [("squeeze([[1, 2]])", [1.0, 2.0]), ("squeeze([[1], [2]], 1)", [1.0, 2.0])],
    "expand_dims": [("expand_dims([1, 2], 1)", [[1.0], [2.0]])],
    "flip": [(f"flip({SM})", np.flip(M)), (f"flip({SM}, 1)", np.flip(M, 1))],
    "roll": [("roll([1, 2, 3], 1)", [3.0, 1.0, 2.0]), (f"roll({SM}, -1, 1)", np.roll(M, -1, 1))],
    "repeat": [("repeat([1, 2], 2)", [1.0, 1.0, 2.0, 2.0]), (f"repeat({SM}, [1, 2], 0)", np.repeat(M, [1, 2], 0))],
    "tile": [("tile([1, 2], 2)", [1.0, 2.0, 1.0, 2.0]), (f"tile({SM}, [2, 1])", np.tile(M, (2, 1)))],
    "tril": [(f"tril({SM})", np.tril(M)), (f"tril({SM}, 1)", np.tril(M, 1))],
    "triu": [(f"triu({SM})", np.triu(M)), (f"triu({SM}, -1)", np.triu(M, -1))],
    "diagonal": [(f"diagonal({SM})", np.diagonal(M)), (f"diagonal({SM}, 1)", np.diagonal(M, 1))],
    "hstack": [("hstack([1, 2], [3])", [1.0, 2.0, 3.0]), (f"hstack({SM}, {SM})", np.hstack([M, M]))],
    "vstack": [("vstack([1, 2], [3, 4])", [[1.0, 2.0], [3.0, 4.0]])],
    "sort": [("sort([3, 1, 2])", [1.0, 2.0, 3.0]), (f"sort({SM}, 0)", np.sort(M, 0))],
    "take": [("take([5, 6, 7], [2, 0])", [7.0, 5.0]), (f"take({SM}, [2, 0], 1)", np.take(M, [2, 0], 1))],
    "inner": [("inner([1, 2], [3, 4])", 11.0), (f"inner({SM}, {SM})", np.inner(M, M))],
    "tensordot": [(f"tensordot({SQ}, {SQ})", np.tensordot(Q, Q)), (f"tensordot({SM}, {SM}, 0)",
                                                                   np.tensordot(M, M, 0))],
    "kron": [("kron([1, 2], [1, 10])", [1.0, 10.0, 2.0, 20.0]), (f"kron({SQ}, {SQ})", np.kron(Q, Q))],
    "cross": [("cross([1, 0, 0], [0, 1, 0])", [0.0, 0.0, 1.0])],
    "solve": [(f"solve({SQ}, [1, 2])", np.linalg.solve(Q, [1, 2]))],
    "slogdet": [(f"slogdet({SQ})", [1.0, math.log(5.0)]), ("slogdet([[0, 1], [1, 0]])", [-1.0, 0.0])],
    "eigvalsh": [(f"eigvalsh({SQ})", np.linalg.eigvalsh(Q))],
    "cholesky": [(f"cholesky({SQ})", np.linalg.cholesky(Q))],
    "svdvals": [(f"svdvals({SM})", np.linalg.svd(M, compute_uv=False))],
    "pinv": [("pinv([[1, 0], [0, 2], [0, 0]])", np.linalg.pinv([[1, 0], [0, 2], [0, 0]]))],
}


@pytest.mark.parametrize("text, expected", [c for cases in CASES.values() for c in cases],
                         ids=[c[0][:60] for cases in CASES.values() for c in cases])
def test_numpy_builtin_against_numpy(text, expected):
    assert_value(text, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("text, want", [
    (f"dot({SM}, 2)", M * 2), ("dot(reshape(arange(8), 2, 2, 2), reshape(arange(8), 2, 2, 2))",
                               np.dot(np.arange(8.0).reshape(2, 2, 2), np.arange(8.0).reshape(2, 2, 2))),
    (f"norm({SM}, 1)", np.linalg.norm(M, 1)), (f"norm({SM}, inf)", np.linalg.norm(M, np.inf)),
    (f"norm({SM}, 2, axis=1)", np.linalg.norm(M, 2, 1)), (f"norm({SM}, axis=0, keepdims=1)",
                                                          np.linalg.norm(M, axis=0, keepdims=True)),
    ("diag([1, 2], 1)", np.diag([1.0, 2.0], 1)), (f"diag({SM}, 1)", np.diag(M, 1)),
])
def test_extended_rows_follow_numpy(text, want):
    assert_value(text, want)


def test_derivatives_in_the_language():
    out = run_cmd("sum(cumprod(x) * [1, 2, 3]) at x = [2, 0, 3]", "grad")
    # x0 + 2 x0 x1 + 3 x0 x1 x2: [1 + 2 x1 + 3 x1 x2, 2 x0 + 3 x0 x2, 3 x0 x1]
    np.testing.assert_array_equal(out["grad"]["x"].numpy(), [1.0, 22.0, 0.0])
    assert_value("diff(lgamma(x), x, 3) at x = 1.5", -0.8287966442343199, rtol=1e-12)  # polygamma(2, 1.5)
    assert_value("grad(sinc(x), x) at x = 0", 0.0)
    assert_value("diff(sinc(x), x, 2) at x = 0", -math.pi ** 2 / 3, rtol=1e-13)


def test_repeated_eigenvalue_is_reported():
    out = run_cmd("sum(eigvalsh(m)) at m = [[1, 0], [0, 1]]", "grad")
    assert any("repeated eigenvalue" in w for w in out["warnings"])


def test_repeated_singular_value_is_reported():
    out = run_cmd("sum(svdvals(m)) at m = [[2, 0], [0, -2]]", "grad")
    assert any("repeated singular value" in w for w in out["warnings"])
    np.testing.assert_allclose(out["grad"]["m"].numpy(), [[1.0, 0.0], [0.0, -1.0]])


def test_kink_of_mod_is_reported():
    out = run_cmd("mod(x, 2) at x = 4", "grad")
    assert any("mod jumps" in w for w in out["warnings"])


@pytest.mark.parametrize("text, kind", [
    ("roll([1, 2], 0.5)", "type"), ("repeat([1, 2], -1)", "shape"), ("polygamma(-1, 2)", "domain"),
    ("cross([1, 2], [3, 4])", "shape"), ("var([1, 2], axis=3)", "shape"), ("tensordot([1, 2], [1, 2, 3], 1)",
                                                                           "shape"),
])
def test_bad_arguments_are_one_line_errors(text, kind):
    assert error(text).kind == kind
