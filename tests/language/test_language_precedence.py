"""Precedence and associativity: the tree the parser builds and the value it evaluates to.

Loosest first: comparison (non-associative), + - (left), * / @ (left), unary - +,
^ and ** (right-associative, tighter than unary minus on its left, and taking a
unary operand on its right).
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from diffcli import engine as E
from diffcli.errors import DiffcliError
from diffcli.language.parser import parse
from diffcli.language.printer import to_text
from language_testlib import (HYP, assert_value, bin_, call, error, evaluate_tree, expr_of, name, num, sexp,
                              tree_key, un)

# (source, tree shape, value; variables a=2, b=3, c=5, x=4)
TABLE = [
    ("-x^2", "(- (^ x 2))", -16.0),
    ("(-x)^2", "(^ (group (- x)) 2)", 16.0),
    ("2^3^2", "(^ 2 (^ 3 2))", 512.0),
    ("(2^3)^2", "(^ (group (^ 2 3)) 2)", 64.0),
    ("2**3**2", "(^ 2 (^ 3 2))", 512.0),
    ("2**3^2", "(^ 2 (^ 3 2))", 512.0),
    ("-2^-2", "(- (^ 2 (- 2)))", -0.25),
    ("-2**-2", "(- (^ 2 (- 2)))", -0.25),
    ("x^-1", "(^ x (- 1))", 0.25),
    ("2^-1^2", "(^ 2 (- (^ 1 2)))", 0.5),
    ("2^-x^2", "(^ 2 (- (^ x 2)))", 2.0 ** -16),
    ("a/b/c", "(/ (/ a b) c)", 2 / 3 / 5),
    ("a/(b/c)", "(/ a (group (/ b c)))", 2 / (3 / 5)),
    ("a-b-c", "(- (- a b) c)", -6.0),
    ("a-b+c", "(+ (- a b) c)", 4.0),
    ("a+b*c", "(+ a (* b c))", 17.0),
    ("a*b+c", "(+ (* a b) c)", 11.0),
    ("a*b/c", "(/ (* a b) c)", 6 / 5),
    ("a/b*c", "(* (/ a b) c)", 2 / 3 * 5),
    ("--x", "(- (- x))", 4.0),
    ("-+-x", "(- (+ (- x)))", 4.0),
    ("+-+x", "(+ (- (+ x)))", -4.0),
    ("- - - x", "(- (- (- x)))", -4.0),
    ("a - -b", "(- a (- b))", 5.0),
    ("a * -b", "(* a (- b))", -6.0),
    ("-a * b", "(* (- a) b)", -6.0),
    ("-a^b", "(- (^ a b))", -8.0),
    ("-a*b^c", "(* (- a) (^ b c))", -486.0),
    ("x^2^-1", "(^ x (^ 2 (- 1)))", 2.0),
    ("1 + 2 < 4", "(< (+ 1 2) 4)", 1.0),
    ("1 + 2 < 3", "(< (+ 1 2) 3)", 0.0),
    ("4 < 1 + 2", "(< 4 (+ 1 2))", 0.0),
    ("a * b >= c + 1", "(>= (* a b) (+ c 1))", 1.0),
    ("-a == 0 - a", "(== (- a) (- 0 a))", 1.0),
    ("a^2 != 4", "(!= (^ a 2) 4)", 0.0),
    ("(1 < 2) + 1", "(+ (group (< 1 2)) 1)", 2.0),
    ("(1 < 2) < 3", "(< (group (< 1 2)) 3)", 1.0),
    ("a <= b", "(<= a b)", 1.0),
    ("a > b", "(> a b)", 0.0),
    ("-x[0]", "(- (index x 0))", None),  # indexing binds tighter than minus: values below
    ("2^x[0]", "(^ 2 (index x 0))", None),
    ("sin(0)^2 + cos(0)^2", "(+ (^ (sin() 0) 2) (^ (cos() 0) 2))", 1.0),
]


@pytest.mark.parametrize("text, shape, expected", TABLE, ids=[t[0] for t in TABLE])
def test_tree_shape_and_value(text, shape, expected):
    assert sexp(expr_of(text)) == shape
    if expected is not None:
        assert_value(text + " at a = 2, b = 3, c = 5, x = 4"
                     if any(v in text for v in "abcx") else text, expected)


def test_indexing_binds_tighter_than_unary_minus_and_power():
    assert_value("-x[1] at x = [4, 5]", -5.0)
    assert_value("2^x[1] at x = [4, 5]", 32.0)
    assert_value("x[1]^2 at x = [4, 5]", 25.0)
    assert_value("-[1, 2][0]", -1.0)


@pytest.mark.parametrize("a, b, expected", [("2**3", "2^3", 8.0), ("2**3**2", "2^3^2", 512.0),
                                            ("-x**2", "-x^2", -9.0), ("x**-1", "x^-1", 1 / 3),
                                            ("x**2**-1", "x^2^-1", math.sqrt(3))])
def test_double_star_is_the_same_operator_as_caret(a, b, expected):
    assert tree_key(expr_of(a)) == tree_key(expr_of(b))
    assert_value(f"{a} at x = 3", expected)
    assert_value(f"{b} at x = 3", expected)


def test_matmul_shares_the_level_of_times_and_is_left_associative():
    # [1,2] @ [3,4] * 2 = ([1,2] @ [3,4]) * 2 = 22; 2 * [1,2] @ [3,4] = (2*[1,2]) @ [3,4] = 22
    assert sexp(expr_of("a @ b * c")) == "(* (@ a b) c)"
    assert sexp(expr_of("a * b @ c")) == "(@ (* a b) c)"
    assert sexp(expr_of("a @ b @ c")) == "(@ (@ a b) c)"
    assert sexp(expr_of("a @ b + c")) == "(+ (@ a b) c)"
    assert sexp(expr_of("-a @ b")) == "(@ (- a) b)"
    assert_value("[1, 2] @ [3, 4] * 2", 22.0)
    assert_value("2 * [1, 2] @ [3, 4]", 22.0)
    # left-associative: (A @ B) @ v, with a non-square A so that A @ (B @ v) would not align
    assert_value("[[1, 2, 3]] @ [[1], [1], [1]] @ [2]", [12.0])
    with pytest.raises(DiffcliError):
        parse("a @ @ b")


@pytest.mark.parametrize("text", ["1 < 2 < 3", "a == b == c", "1 < 2 > 0", "a <= b != c"])
def test_comparisons_do_not_chain(text):
    err = error(text)
    assert err.kind == "parse"
    second = text.rindex(text.split()[3])
    assert err.column == second + 1


def test_power_right_operand_takes_unary_minus_chains():
    assert sexp(expr_of("2^--1")) == "(^ 2 (- (- 1)))"
    assert_value("2^--1", 2.0)
    assert_value("2^-+-1", 2.0)
    assert_value("(-2)^2", 4.0)
    assert_value("-2^2", -4.0)


def test_whitespace_and_comments_do_not_change_the_tree():
    a = expr_of("-x^2 + a*b - c/2")
    b = expr_of("  - x ^ 2\n+ a *  # a comment\n b-c\t/2  # end")
    assert tree_key(a) == tree_key(b)


def test_numbers_in_every_form():
    assert_value("1. + .5 + 1e1 + 1E-1 + 2.5e+1 + 007", 1 + 0.5 + 10 + 0.1 + 25 + 7, rtol=1e-15)
    assert sexp(expr_of("2.5e3")) == "2500"


# --------------------------------------------------------------------------
# Property: the value of printed, re-parsed text agrees with a numpy oracle on the tree
ORACLE_VARS = {"a": 2.0, "b": -3.0, "x": 0.5}
_ORACLE_BIN = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide, "^": np.power,
               "<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
               "==": np.equal, "!=": np.not_equal}
_ORACLE_FN = {"sin": np.sin, "exp": np.exp, "log": np.log, "sqrt": np.sqrt, "tanh": np.tanh, "abs": np.abs,
              "atan2": np.arctan2, "hypot": np.hypot, "maximum": np.maximum, "minimum": np.minimum}


def oracle(e) -> np.float64:
    """A small independent interpreter for scalar trees (recursive: trees are small)."""
    if e.kind == "num":
        return np.float64(e.value)
    if e.kind == "name":
        return np.float64(ORACLE_VARS[e.value])
    args = [oracle(a) for a in e.args]
    if e.kind == "unary":
        return -args[0] if e.value == "-" else args[0]
    if e.kind == "binary":
        return np.float64(_ORACLE_BIN[e.value](*args))
    return np.float64(_ORACLE_FN[e.value](*args))


def _scalar_trees():
    leaf = st.one_of(st.sampled_from(sorted(ORACLE_VARS)).map(name),
                     st.sampled_from([0.0, 1.0, 2.0, 3.0, 0.5, 10.0, 1e-3]).map(num))

    def extend(kids):
        return st.one_of(
            st.builds(un, st.sampled_from(["-", "+"]), kids),
            st.builds(bin_, st.sampled_from(sorted(_ORACLE_BIN)), kids, kids),
            st.builds(lambda f, u: call(f, u), st.sampled_from(["sin", "exp", "log", "sqrt", "tanh", "abs"]), kids),
            st.builds(lambda f, u, v: call(f, u, v), st.sampled_from(["atan2", "hypot", "maximum", "minimum"]),
                      kids, kids),
        )
    return st.recursive(leaf, extend, max_leaves=10)


@HYP
@given(_scalar_trees())
def test_evaluation_of_printed_text_matches_a_numpy_oracle(tree):
    text = to_text(tree)
    with np.errstate(all="ignore"):
        want = oracle(tree)
    got = evaluate_tree(parse(text).expr, {k: E.tensor(v) for k, v in ORACLE_VARS.items()})
    got = float(got.item())
    assert (got != got and want != want) or got == pytest.approx(float(want), rel=1e-13, abs=1e-300), text
