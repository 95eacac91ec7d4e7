"""Every built-in of the language against numpy or math, on a couple of inputs each."""
from __future__ import annotations

import math

import numpy as np
import pytest

from diffcli.language.builtins import BUILTINS, CONSTANTS
from language_testlib import assert_value, error, value

M = np.array([[1.0, 2.0], [3.0, 4.0]])
M23 = np.array([[1.0, -2.0, 3.0], [-4.0, 5.0, -6.0]])
V = np.array([0.3, -1.2, 2.5])
SM = "[[1, 2], [3, 4]]"
S23 = "[[1, -2, 3], [-4, 5, -6]]"
SV = "[0.3, -1.2, 2.5]"


def _elementwise(name, fn, points):
    return [(f"{name}({p})", fn(np.array(eval(p), dtype=float))) for p in points]  # noqa: S307 - literals


CASES: dict[str, list] = {
    "sin": _elementwise("sin", np.sin, ["0.5", SV]),
    "cos": _elementwise("cos", np.cos, ["0.5", SV]),
    "tan": _elementwise("tan", np.tan, ["0.5", SV]),
    "asin": _elementwise("asin", np.arcsin, ["0.5", "[-1, 0.2, 1]"]),
    "acos": _elementwise("acos", np.arccos, ["0.5", "[-1, 0.2, 1]"]),
    "atan": _elementwise("atan", np.arctan, ["1", SV]),
    "atan2": [("atan2(1, -1)", math.atan2(1, -1)), ("atan2(-1, 0)", -math.pi / 2),
              ("atan2(0, -1)", math.pi),  # y first, then x
              ("atan2([1, -1, 0], [1, 1, -2])", np.arctan2([1, -1, 0], [1, 1, -2])),
              ("atan2(2, [1, -1])", np.arctan2(2, [1, -1]))],
    "sinh": _elementwise("sinh", np.sinh, ["1", SV]),
    "cosh": _elementwise("cosh", np.cosh, ["1", SV]),
    "tanh": _elementwise("tanh", np.tanh, ["0.5", SV]),
    "asinh": _elementwise("asinh", np.arcsinh, ["-1", SV]),
    "acosh": _elementwise("acosh", np.arccosh, ["2", "[1, 1.5, 10]"]),
    "atanh": _elementwise("atanh", np.arctanh, ["0.5", "[-0.9, 0, 0.3]"]),
    "exp": _elementwise("exp", np.exp, ["1", SV]),
    "expm1": _elementwise("expm1", np.expm1, ["1e-10", SV]),
    "log": _elementwise("log", np.log, ["2.718281828459045", "[0.5, 1, 100]"]),
    "log2": _elementwise("log2", np.log2, ["8", "[0.5, 1, 100]"]),
    "log10": _elementwise("log10", np.log10, ["1000", "[0.5, 1, 100]"]),
    "log1p": _elementwise("log1p", np.log1p, ["1e-10", "[-0.5, 0, 100]"]),
    "sqrt": _elementwise("sqrt", np.sqrt, ["2", "[0, 0.25, 9]"]),
    "cbrt": [("cbrt(-8)", -2.0), ("cbrt([-27, 8, 0, -0.001])", np.cbrt([-27, 8, 0, -0.001]))],
    "abs": _elementwise("abs", np.abs, ["-3", SV]),
    "sign": _elementwise("sign", np.sign, ["-2", "[-0.5, 0, 3]"]),
    "floor": _elementwise("floor", np.floor, ["2.7", "[-2.5, -0.1, 3]"]),
    "ceil": _elementwise("ceil", np.ceil, ["2.2", "[-2.5, -0.1, 3]"]),
    "round": _elementwise("round", np.round, ["2.5", "[0.5, 1.5, -2.5, 2.6]"]),  # half to even
    "relu": [("relu(-1)", 0.0), ("relu([-1, 0, 2])", [0.0, 0.0, 2.0])],
    "sigmoid": [("sigmoid(0)", 0.5), (f"sigmoid({SV})", 1 / (1 + np.exp(-V))), ("sigmoid(-800)", 0.0),
                ("sigmoid(800)", 1.0)],
    "softplus": [("softplus(1)", math.log1p(math.e)), (f"softplus({SV})", np.log1p(np.exp(V))),
                 ("softplus(800)", 800.0), ("softplus(-800)", 0.0)],
    "erf": [("erf(0.5)", math.erf(0.5)), (f"erf({SV})", [math.erf(v) for v in V])],
    "maximum": [("maximum(1, 2)", 2.0), ("maximum([1, 5], [3, 2])", [3.0, 5.0]),
                ("maximum([[1], [4]], [2, 3])", np.maximum([[1], [4]], [2, 3]))],
    "minimum": [("minimum(1, 2)", 1.0), ("minimum(1, [0, 2])", [0.0, 1.0])],
    "clip": [("clip(5, 0, 1)", 1.0), ("clip(-5, 0, 1)", 0.0),
             ("clip([-1, 0.5, 2], 0, 1)", [0.0, 0.5, 1.0]),  # clip(x, lo, hi)
             ("clip([-1, 0.5, 2], [-2, 0, 0], 1)", [-1.0, 0.5, 1.0])],
    "where": [("where(1 > 0, 2, 3)", 2.0), ("where(0, 2, 3)", 3.0),
              ("where([1, 0, 2] > 0, [1, 2, 3], [4, 5, 6])", [1.0, 5.0, 3.0])],
    "hypot": [("hypot(3, 4)", 5.0), ("hypot(1e200, 1e200)", math.hypot(1e200, 1e200)),
              ("hypot([3, 5], 4)", [5.0, math.hypot(5, 4)])],
    "pow": [("pow(2, 10)", 1024.0), ("pow([1, 2, 3], 2)", [1.0, 4.0, 9.0]), ("pow(4, -0.5)", 0.5)],
    "sum": [(f"sum({SV})", V.sum()), (f"sum({S23})", M23.sum()), (f"sum({S23}, 0)", M23.sum(0)),
            (f"sum({S23}, 1)", M23.sum(1)), (f"sum({S23}, -1)", M23.sum(-1))],
    "mean": [(f"mean({SV})", V.mean()), (f"mean({S23}, 0)", M23.mean(0)), (f"mean({S23}, 1)", M23.mean(1))],
    "prod": [(f"prod({SV})", V.prod()), (f"prod({S23}, 0)", M23.prod(0)), (f"prod({S23}, 1)", M23.prod(1))],
    "max": [(f"max({SV})", V.max()), (f"max({S23}, axis=0)", M23.max(0)), (f"max({S23}, axis=1)", M23.max(1)),
            (f"max({S23}, 0)", np.maximum(M23, 0))],  # two arguments: elementwise
    "min": [(f"min({SV})", V.min()), (f"min({S23}, axis=0)", M23.min(0)), (f"min({S23}, axis=-1)", M23.min(-1)),
            (f"min({SV}, 1)", np.minimum(V, 1))],
    "norm": [("norm([3, 4])", 5.0), (f"norm({SM})", np.linalg.norm(M)),  # Frobenius for a matrix
             (f"norm({S23})", math.sqrt((M23 ** 2).sum())), ("norm(-3)", 3.0), ("norm([0, 0])", 0.0)],
    "logsumexp": [("logsumexp([1, 2])", np.log(np.exp([1, 2]).sum())),
                  ("logsumexp([1000, 1000])", 1000 + math.log(2)),  # no overflow
                  (f"logsumexp({S23}, 0)", np.log(np.exp(M23).sum(0))),
                  (f"logsumexp({S23}, 1)", np.log(np.exp(M23).sum(1)))],
    "softmax": [("softmax([1, 2, 3])", np.exp([1, 2, 3]) / np.exp([1, 2, 3]).sum()),
                ("softmax([1000, 1000])", [0.5, 0.5]),
                (f"softmax({S23})", np.exp(M23) / np.exp(M23).sum(1, keepdims=True)),  # last axis
                (f"softmax({S23}, 0)", np.exp(M23) / np.exp(M23).sum(0, keepdims=True))],
    "dot": [("dot([1, 2], [3, 4])", 11.0), (f"dot({SV}, {SV})", V @ V)],
    "outer": [("outer([1, 2], [3, 4, 5])", np.outer([1, 2], [3, 4, 5]))],
    "matmul": [(f"matmul({SM}, [1, 1])", M @ [1, 1]), (f"matmul({SM}, {SM})", M @ M),
               ("matmul([1, 2], [3, 4])", 11.0)],
    "transpose": [(f"transpose({S23})", M23.T), ("transpose([1, 2])", [1.0, 2.0]),
                  ("transpose(reshape(arange(24), 2, 3, 4))", np.arange(24.0).reshape(2, 3, 4).T),
                  ("transpose(reshape(arange(24), 2, 3, 4), 1, 0, 2)",
                   np.arange(24.0).reshape(2, 3, 4).transpose(1, 0, 2))],
    "trace": [(f"trace({SM})", 5.0), (f"trace({S23})", np.trace(M23))],
    "det": [(f"det({SM})", np.linalg.det(M)), ("det(eye(3) * 2)", 8.0)],
    "inv": [("inv([[2, 0], [0, 4]])", [[0.5, 0.0], [0.0, 0.25]]), (f"inv({SM})", np.linalg.inv(M)),
            (f"inv({SM}) @ {SM}", np.eye(2))],
    "diag": [("diag([1, 2])", np.diag([1.0, 2.0])), (f"diag({SM})", [1.0, 4.0]), (f"diag({S23})", np.diag(M23))],
    "reshape": [("reshape([1, 2, 3, 4], 2, 2)", [[1.0, 2.0], [3.0, 4.0]]),
                ("reshape(arange(6), [3, 2])", np.arange(6.0).reshape(3, 2)),
                ("reshape(arange(6), 2, -1)", np.arange(6.0).reshape(2, -1)),
                (f"reshape({SM}, 4)", [1.0, 2.0, 3.0, 4.0])],
    "stack": [("stack([1, 2], [3, 4])", [[1.0, 2.0], [3.0, 4.0]]),
              ("stack([1, 2], [3, 4], axis=1)", [[1.0, 3.0], [2.0, 4.0]]), ("stack(1, 2)", [1.0, 2.0])],
    "concat": [("concat([1, 2], [3])", [1.0, 2.0, 3.0]),
               ("concat([[1, 2]], [[3, 4]])", [[1.0, 2.0], [3.0, 4.0]]),
               ("concat([[1, 2]], [[3, 4]], axis=1)", [[1.0, 2.0, 3.0, 4.0]])],
    "zeros": [("zeros(3)", np.zeros(3)), ("zeros(2, 3)", np.zeros((2, 3))), ("zeros([2, 3])", np.zeros((2, 3))),
              ("zeros(0)", np.zeros(0))],
    "ones": [("ones(2, 2)", np.ones((2, 2))), ("ones([2, 1, 3])", np.ones((2, 1, 3)))],
    "full": [("full(3, 7)", np.full(3, 7.0)), ("full(2, 3, 7.5)", np.full((2, 3), 7.5)),
             ("full([2, 3], 7.5)", np.full((2, 3), 7.5))],
    "eye": [("eye(2)", np.eye(2)), ("eye(2, 3)", np.eye(2, 3)), ("eye(3, 2)", np.eye(3, 2))],
    "linspace": [("linspace(0, 1, 5)", np.linspace(0, 1, 5)), ("linspace(0, 1)", np.linspace(0, 1)),
                 ("linspace(2, -1, 4)", np.linspace(2, -1, 4)), ("linspace(0, 1, 1)", [0.0])],
    "arange": [("arange(5)", np.arange(5.0)), ("arange(0, 5)", np.arange(5.0)),
               ("arange(1, 2, 0.25)", np.arange(1, 2, 0.25)), ("arange(5, 0, -2)", np.arange(5.0, 0, -2))],
    "detach": [("detach(x^2) at x = 3", 9.0), ("detach([1, 2])", [1.0, 2.0])],
    "const": [("const(2)", 2.0), ("const(x) * x at x = 3", 9.0)],
    "grad": [("grad(x^3, x) at x = 2", 12.0), ("grad(sum(v^2), v) at v = [1, -2]", [2.0, -4.0])],
    "diff": [("diff(sin(x), x, 3) at x = 0", -1.0), ("diff(x^3, x) at x = 2", 12.0)],
    "jacobian": [("jacobian([x^2, x*y], x) at x = 1, y = 2", [2.0, 2.0]),
                 ("jacobian(v^2, v) at v = [1, 2]", [[2.0, 0.0], [0.0, 4.0]])],
    "hessian": [("hessian(sum(v^3), v) at v = [1, 2]", [[6.0, 0.0], [0.0, 12.0]]),
                ("hessian(x^3, x) at x = 2", 12.0)],
}


def test_every_builtin_is_covered():
    from test_language_builtins_numpy import CASES as NUMPY_CASES  # (numpy's further functions)
    assert set(CASES) | set(NUMPY_CASES) == set(BUILTINS)


@pytest.mark.parametrize("text, expected", [c for cases in CASES.values() for c in cases],
                         ids=[c[0][:60] for cases in CASES.values() for c in cases])
def test_builtin_against_numpy(text, expected):
    assert_value(text, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", sorted(CONSTANTS))
def test_constants(name):
    got = value(name)
    want = {"pi": math.pi, "e": math.e, "inf": math.inf, "nan": math.nan}[name]
    assert got.shape == () and (got == want or (got != got and want != want))


def test_shape_arguments_are_numbers_or_one_list():
    for f in ("zeros", "ones"):
        assert np.array_equal(value(f"{f}(2, 3)"), value(f"{f}([2, 3])"))
    assert np.array_equal(value("full(2, 3, 1)"), value("full([2, 3], 1)"))
    assert np.array_equal(value("reshape(arange(6), 3, 2)"), value("reshape(arange(6), [3, 2])"))


@pytest.mark.parametrize("text, expected", [
    ("[1, 2] @ [3, 4]", np.array(11.0)),                       # vector @ vector: a scalar
    ("[[1, 2], [3, 4]] @ [1, 1]", M @ [1.0, 1.0]),             # matrix @ vector
    ("[1, 1] @ [[1, 2], [3, 4]]", np.array([1.0, 1.0]) @ M),   # vector @ matrix
    ("[[1, 2], [3, 4]] @ [[1], [1]]", M @ [[1.0], [1.0]]),
    ("ones(2, 3) @ ones(3, 4)", np.ones((2, 3)) @ np.ones((3, 4))),
    ("ones(5, 2, 3) @ ones(5, 3, 4)", np.ones((5, 2, 3)) @ np.ones((5, 3, 4))),  # batched
    ("ones(5, 2, 3) @ ones(3)", np.ones((5, 2, 3)) @ np.ones(3)),
    ("ones(3) @ ones(5, 3, 2)", np.ones(3) @ np.ones((5, 3, 2))),
])
def test_matmul_shapes(text, expected):
    got = value(text)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected)
    assert np.array_equal(got, value(text.replace(" @ ", ", ").join(["matmul(", ")"])))


def test_reductions_keep_the_other_axes():
    cube = np.arange(24.0).reshape(2, 3, 4)
    src = "reshape(arange(24), 2, 3, 4)"
    for axis in (0, 1, 2, -1):
        for name, fn in (("sum", np.sum), ("mean", np.mean), ("max", np.max), ("min", np.min),
                         ("prod", np.prod)):
            got = value(f"{name}({src}, axis={axis})")  # (max and min take the axis as a keyword)
            np.testing.assert_allclose(got, fn(cube, axis=axis), rtol=1e-12)


@pytest.mark.parametrize("text, kind", [
    ("sum([1, 2], 1)", "shape"),          # no axis 1 in a vector
    ("sum([1, 2], 0.5)", "type"),         # an axis is an integer
    ("zeros(1.5)", "type"),
    ("zeros(-1)", "shape"),
    ("eye(-1)", "shape"),
    ("reshape([1, 2, 3], 2, 2)", "shape"),
    ("reshape([1, 2, 3, 4], -1, -1)", "shape"),
    ("diag(5)", "shape"),
    ("inv([1, 2])", "shape"),
    ("det(ones(2, 3))", "shape"),
    ("stack([1], [1, 2])", "shape"),
    ("arange(0, 1, 0)", "domain"),
    ("full(3)", "type"),
    ("linspace(0)", "type"),
    ("clip(1, 2)", "type"),
    ("atan2(1)", "type"),
    ("stack([1], axs=0)", "type"),
    ("sin(x=1)", "type"),
])
def test_builtin_misuse_is_an_error_of_the_right_kind(text, kind):
    err = error(text)
    assert err.kind == kind, err
    assert err.line == 1 and err.column == (text.index("axs") + 1 if "axs" in text else 1), err


def test_builtin_arity_messages_give_an_example():
    for b in BUILTINS.values():
        lo, hi = b.arity
        if hi is None or b.fn is None:
            continue
        args = ", ".join(["1"] * (hi + 1))
        err = error(f"{b.name}({args})")
        assert err.kind == "type", (b.name, err)
        assert f"got {hi + 1}" in err.message and b.example in err.message, err.message
        assert (err.line, err.column) == (1, 1)
