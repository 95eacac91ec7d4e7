"""Every kind of error: its message in words, and where it points (line, column, 1-based)."""
from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from diffcli.errors import KINDS, DiffcliError
from diffcli.language.limits import Limits
from diffcli.language.parser import parse
from language_testlib import HYP, error, located, run_cmd

RAW_TERMINALS = re.compile(r"\b(NUMBER|NAME|LPAR|RPAR|LBRACK|RBRACK|COMPARE|POW|COLON|AT|COMMA|SEMICOLON|"
                           r"PLUS|MINUS|STAR|SLASH|EQUAL|DOT|WITH)\b|__ANON|\$END|Token\(")


# --------------------------------------------------------------------------
# parse
@pytest.mark.parametrize("text, words, line, column", [
    ("1 +", "unexpected end of input after '+': expected a number, a name or '('", 1, 4),
    ("1 + * 2", "unexpected '*' after '+': expected a number, a name or '('", 1, 5),
    ("sin(1,)", "unexpected ')' after ',': expected a number, a name or '('", 1, 7),
    ("(1 + 2", "unexpected end of input after '2': expected ')'", 1, 7),
    ("[1, 2", "expected", 1, 6),
    ("1 2", "unexpected '2' after '1': expected an operator", 1, 3),
    ("x^", "unexpected end of input after '^'", 1, 3),
    ("1 < 2 < 3", "unexpected '<' after '2'", 1, 7),
    ("1 +\n  * 2", "unexpected '*' after '+': expected a number, a name or '('", 2, 3),
    ("f(x) = x;\nf(1) )", "unexpected ')'", 2, 6),
    ("x at", "unexpected end of input after 'at': expected a name", 1, 5),
    ("x at x 1", "unexpected '1' after 'x': expected '='", 1, 8),
])
def test_parse_errors_in_words(text, words, line, column):
    err = error(text)
    assert err.kind == "parse"
    assert words in err.message, err.message
    assert not RAW_TERMINALS.search(err.message), err.message
    assert (err.line, err.column) == (line, column), err


@pytest.mark.parametrize("text, words, hint, column", [
    ("2 × 3", "unexpected '×' (U+00D7 MULTIPLICATION SIGN)", "use '*' for a product", 3),
    ("x² at x = 1", "unexpected '²'", "write x^2", 2),
    ("3 − 1", "U+2212", "use the ASCII minus '-'", 3),
    ("2x at x = 1", "unexpected 'x' after '2'", "write 2*x for a product", 2),
    ("1 = 2", "unexpected '='", "compare with '=='", 3),
    ("π", "U+03C0", "write pi", 1),
    ("1 $ 2", "unexpected '$'", None, 3),
])
def test_parse_errors_with_hints(text, words, hint, column):
    _assert_hint(text, words, hint, column)


# What people write first, and the pointer to the fix: a product is suggested only between a
# number and a name or bracket written against it, or between brackets.
@pytest.mark.parametrize("text, words, hint, column", [
    ("x^2 where x=3", "unexpected 'where'", "bind values with 'at': ... at x=3", 5),
    ("x^2 at x=1 y=2", "unexpected 'y'", "separate the bindings with commas", 12),
    ("[1+2i]", "unexpected 'i'", "complex numbers are not supported", 5),
    ("(x+1)(x-1) at x = 2", "unexpected '('", "write )*( for a product", 6),
    ("2(x+1) at x = 2", "unexpected '('", "write 2*( for a product", 2),
    ("abs x at x = 1", "unexpected 'x'", "call a function with parentheses: abs(x)", 5),
    ("θ", "U+03B8", "write theta", 1),
    ("√x", "U+221A", "write sqrt(x)", 1),
])
def test_first_attempts_get_a_pointer_to_the_fix(text, words, hint, column):
    _assert_hint(text, words, hint, column)
    assert "*where" not in error(text).hint and "=1*y" not in error(text).hint


@pytest.mark.parametrize("text, not_hint", [("x^2 where x=3", "for a product"), ("x^2 at x=1 y=2", "for a product"),
                                            ("x y at x = 1, y = 2", "for a product")])
def test_no_product_hint_between_words_apart(text, not_hint):
    hint = error(text).hint or ""
    assert not_hint not in hint, hint


@pytest.mark.parametrize("text, words, hint", [
    ("ln(x) at x = 1", "did you mean 'log'?", None),
    ("arctan(x) at x = 1", "did you mean 'atan'?", None),
    ("x(x+1) at x = 2", "unknown function 'x'", "for a product, write x*(...)"),
])
def test_unknown_functions_from_other_tools(text, words, hint):
    err = error(text)
    assert words in err.message and (hint is None or hint in (err.hint or "")), err


def _assert_hint(text, words, hint, column):
    err = error(text)
    assert err.kind == "parse" and words in err.message, err.message
    if hint is not None:
        assert err.hint is not None and hint in err.hint, err.hint
    assert (err.line, err.column) == (1, column)


@pytest.mark.parametrize("text, words, snippet", [
    ("", "empty program", None),
    ("f(x) = x", "definitions but no expression", None),
    ("1; 2", "only definitions and local names may come before ';'", "1"),
    ("g(1); g(x) = x", "a definition cannot follow the program's expression", "g(x) = x"),
    ("f(1) = 2; 1", "a definition's parameters must be plain names", "1"),
    ("f(x) = x with hess(g) = g; f(1)", "expected 'grad' after 'with', found 'hess'", "hess"),
    ("a\x00b", "NUL", "\x00"),
])
def test_program_structure_errors(text, words, snippet):
    err = error(text)
    assert err.kind == "parse" and words in err.message, err.message
    assert err.line == 1
    if snippet is not None:
        located(err, text, 1, text.index(snippet) + 1, snippet)


@pytest.mark.parametrize("text, words, column", [
    ("   # only a comment", "empty program", 1),
    ("1 + # note", "unexpected end of input after '+'", 4),
    ("(1 # why\n", "unexpected end of input after '1': expected ')'", 3),
    ("sin(1) # x y z\n 2", "unexpected '2' after ')'", None),
])
def test_parse_errors_ignore_comments(text, words, column):
    err = error(text)
    assert err.kind == "parse" and words in err.message, err.message
    if column is not None:
        assert (err.line, err.column) == (1, column)


TOKENS = st.sampled_from(["1", "2.5", "x", "sin", "f", "(", ")", "[", "]", ",", ";", "+", "-", "*", "/", "@",
                          "^", "**", "<", "==", "=", ":", ".", "at", "with", "grad", "\n", "#c\n"])


@HYP
@given(st.lists(TOKENS, min_size=1, max_size=10).map(" ".join))
def test_parse_messages_never_show_grammar_terminal_names(text):
    try:
        parse(text)
    except DiffcliError as err:
        assert err.kind == "parse"
        assert not RAW_TERMINALS.search(err.message), (text, err.message)
        assert err.line is not None and err.line >= 1 and err.column >= 1
        assert err.span is not None and 0 <= err.span[0] <= len(text)


# --------------------------------------------------------------------------
# name
def test_unknown_variable_suggests_a_close_name():
    text = "xx + 1 at x = 1"
    err = error(text)
    assert err.kind == "name"
    assert "unknown variable 'xx'" in err.message and "did you mean 'x'?" in err.message
    located(err, text, 1, 1, "xx")


def test_unknown_variable_without_a_close_name_says_how_to_bind_it():
    err = error("2 * foo")
    assert err.kind == "name" and "unknown variable 'foo'" in err.message and "at foo = 1" in err.message
    located(err, "2 * foo", 1, 5, "foo")


def test_unbound_variables_are_listed_together():
    text = "x * y + x + z"
    err = error(text)
    assert err.kind == "name"
    assert "unbound variables: x, y, z" in err.message
    located(err, text, 1, 1, "x")


def test_unknown_function_suggests_a_close_name():
    for text, near in (("sinn(1)", "sin"), ("sqr(4)", "sqrt"), ("cube(t) = t^3; cub(3)", "cube")):
        err = error(text)
        assert err.kind == "name"
        assert f"unknown function '{text.split(';')[-1].strip().split('(')[0]}'" in err.message
        assert f"did you mean '{near}'?" in err.message, err.message
        start = text.rindex(text.split(";")[-1].strip())
        located(err, text, 1, start + 1)


def test_function_body_sees_only_its_parameters():
    text = "f(x) = x + y; f(1) at y = 2"
    err = error(text)
    assert err.kind == "name"
    assert "the body of f uses 'y', which is not one of its parameters (x)" in err.message
    assert err.hint and "f(x, y)" in err.hint
    located(err, text, 1, 12, "y")


def test_bound_values_must_be_constant():
    text = "x at x = y"
    err = error(text)
    assert err.kind == "name" and "must be constant" in err.message and "'y'" in err.message
    located(err, text, 1, 10, "y")


def test_name_error_on_line_two():
    text = "sq(t) = t^2;\n  sq(x) + foo at x = 1"
    err = error(text)
    assert err.kind == "name" and "'foo'" in err.message
    located(err, text, 2, 11, "foo")


# --------------------------------------------------------------------------
# type
@pytest.mark.parametrize("text, words, snippet", [
    ("sin(1, 2)", "sin takes 1 argument(s), got 2; for example sin(pi/6)", "sin(1, 2)"),
    ("1 + atan2(1)", "atan2 takes 2 argument(s), got 1", "atan2(1)"),
    ("sum()", "sum takes 1 to 2 argument(s), got 0", "sum()"),
    ("f(x, y) = x*y; f(1)", "f takes 2 argument(s) (x, y), got 1", "f(1)"),
    ("f(x) = x; 2 * f(1, 2)", "f takes 1 argument(s) (x), got 2", "f(1, 2)"),
    ("f(x) = x; f(x=1)", "f takes no keyword arguments", "x=1"),
    ("stack([1], [2], axs=0)", "stack has no argument 'axs' (it takes axis)", "axs=0"),
    ("sin + 1", "sin is a function: call it, as in sin(x)", "sin"),
    ("f(x) = x; 1 + f", "f is a function: call it, as in f(x)", ("f", 14)),
    ("x at x = 1, x = 2", "'x' is bound twice in the 'at' clause", "x = 2"),
    ("pi at pi = 3", "'pi' is a constant and cannot be rebound", "pi = 3"),
    ("1 at sin = 3", "'sin' is a built-in name and cannot be rebound", "sin = 3"),
    ("sin(x) = x; 1", "'sin' is a built-in name and cannot be redefined", "sin(x) = x"),
    ("f(pi) = pi; 1", "parameter 'pi' of f is a built-in name", "f(pi) = pi"),
    ("f(x, x) = x; 1", "parameter 'x' of f appears twice", "f(x, x) = x"),
    ("f(x) = f(x); f(1)", "recursive definition: f -> f", "f(x) = f(x)"),
    # errors about a 'with grad' clause point at the whole definition, its rules included
    ("f(x) = x with grad(g) = f(g); f(1)", "recursive definition: f -> f", "f(x) = x with grad(g) = f(g)"),
    ("f(x) = x with grad(g) = g, g; f(1)", "f has 1 parameter(s) but its 'with grad' gives 2 gradient(s)",
     "f(x) = x with grad(g) = g, g"),
    ("f(x) = x with grad(x) = x; f(1)", "the gradient's name 'x' is also a parameter",
     "f(x) = x with grad(x) = x"),
    ("grad(x, 2) at x = 1", "the second argument of grad must be a variable name", "2"),
    ("grad(x) at x = 1", "grad takes 2 arguments", "grad(x)"),
    ("diff(x, x, -1) at x = 1", "the order of a derivative cannot be negative", "-1"),
    ("zeros(1.5)", "a dimension must be an integer, got 1.5", "zeros(1.5)"),
    ("x.grad at x = 1", "attributes such as .grad exist only in the REPL", "x.grad"),
])
def test_type_errors(text, words, snippet):
    err = error(text)
    assert err.kind == "type", err
    assert words in err.message, err.message
    snippet, start = snippet if isinstance(snippet, tuple) else (snippet, text.index(snippet))
    located(err, text, 1, start + 1, snippet)


def test_recursion_is_a_type_error_whatever_the_order_of_definitions():
    text = "f(x) = g(x) + 1;\ng(x) = 2 * f(x);\nf(1)"
    err = error(text)
    assert err.kind == "type"
    assert "recursive definition" in err.message and "diffcli has no conditionals" in err.message
    assert "g -> f -> g" in err.message
    located(err, text, 2, 1, "g(x) = 2 * f(x)")
    text = "a(x) = b(x); b(x) = c(x); c(x) = a(x); a(1)"
    err = error(text)
    assert err.kind == "type" and "c -> a -> b -> c" in err.message, err.message


def test_type_error_on_line_two():
    text = "f(x, y) = x * y;\n1 + f(2)"
    err = error(text)
    assert err.kind == "type" and "f takes 2 argument(s)" in err.message
    located(err, text, 2, 5, "f(2)")


def test_diff_order_error_points_at_the_order():
    text = "diff(x^2, x, 1.5) at x = 1"
    err = error(text)
    assert err.kind == "type" and "the order must be an integer, got 1.5" in err.message
    located(err, text, 1, 14, "1.5")


def test_slice_bound_error_has_a_position():
    text = "v[0.5:] at v = [1, 2]"
    err = error(text)
    assert err.kind == "type" and "a slice bound must be an integer, got 0.5" in err.message
    assert err.line == 1 and err.column is not None


def test_index_error_points_at_the_indexing():
    text = "1 + v[0.5] at v = [1, 2]"
    err = error(text)
    assert err.kind == "type" and "an index must be an integer, got 0.5" in err.message
    located(err, text, 1, 5, "v[0.5]")


# --------------------------------------------------------------------------
# shape
@pytest.mark.parametrize("text, words, snippet", [
    ("[1, 2] + [1, 2, 3]", ["(2,)", "(3,)", "broadcast"], "[1, 2] + [1, 2, 3]"),
    ("1 + ([1, 2] * [1, 2, 3])", ["(2,)", "(3,)"], "[1, 2] * [1, 2, 3]"),
    ("[1, 2, 3] @ [[1, 2], [3, 4]]", ["(3,)", "(2, 2)"], "[1, 2, 3] @ [[1, 2], [3, 4]]"),
    ("[[1, 2], [1]]", ["ragged", "(1,)", "(2,)"], "[[1, 2], [1]]"),
    ("2 * []", ["empty tensor literal"], "[]"),
    ("reshape([1, 2, 3], 2, 2)", ["(3,)", "(2, 2)"], "reshape([1, 2, 3], 2, 2)"),
    ("v[5] at v = [1, 2]", ["out of range", "(2,)"], "v[5]"),
    ("grad([x, x], x) at x = 1", ["grad needs a scalar expression", "(2,)", "jacobian([x, x], x)"], "[x, x]"),
    ("hessian(v, v) at v = [1, 2]", ["hessian needs a scalar expression", "jacobian(v, v)"], "v"),
])
def test_shape_errors(text, words, snippet):
    err = error(text)
    assert err.kind == "shape", err
    for w in words:
        assert w in err.message, err.message
    located(err, text, 1, text.index(snippet) + 1, snippet)


def test_grad_command_of_a_non_scalar_suggests_jacobian():
    text = "[x, 2 * x] at x = 1"
    err = error(text, "grad")
    assert err.kind == "shape" and "(2,)" in err.message and "jacobian" in err.message
    located(err, text, 1, 1, "[x, 2 * x]")


def test_shape_error_on_line_two():
    text = "f(v) = v + [1, 2, 3];\nf([1, 2])"
    err = error(text)
    assert err.kind == "shape" and "(2,)" in err.message and "(3,)" in err.message
    located(err, text, 1, 8, "v + [1, 2, 3]")  # in the body, where the addition is
    text = "1 +\n  [1, 2] * [1, 2, 3]"
    err = error(text)
    located(err, text, 2, 3, "[1, 2] * [1, 2, 3]")


# --------------------------------------------------------------------------
# domain
@pytest.mark.parametrize("text, snippet", [
    ("log(-1)", "log(-1)"),
    ("sqrt(-1)", "sqrt(-1)"),
    ("0/0", "0/0"),
    ("1 + log(x) at x = -2", "log(x)"),
    ("asin(2)", "asin(2)"),
    ("x^0.5 at x = -1", "x^0.5"),
    ("f(t) = log(t); 2 * f(-1)", "log(t)"),
])
def test_domain_errors_name_the_operation_and_point_at_it(text, snippet):
    err = error(text)
    assert err.kind == "domain", err
    assert f"'{snippet}'" in err.message and "not a real number" in err.message, err.message
    located(err, text, 1, text.index(snippet) + 1, snippet)


def test_singular_inverse_is_a_domain_error_at_inv():
    text = "1 + sum(inv([[1, 2], [2, 4]]))"
    err = error(text)
    assert err.kind == "domain" and "inv" in err.message and "singular" in err.message
    located(err, text, 1, 9, "inv([[1, 2], [2, 4]])")


def test_domain_error_on_line_two():
    text = "1 +\n  sqrt(-1)"
    err = error(text)
    assert err.kind == "domain"
    located(err, text, 2, 3, "sqrt(-1)")


def test_nan_masked_by_where_is_only_a_warning():
    r = run_cmd("where(x > 0, sqrt(x), 0) at x = -1")
    assert float(r["value"].item()) == 0.0
    assert any(w.startswith("1:14:") and "sqrt(x)" in w for w in r["warnings"]), r["warnings"]


# --------------------------------------------------------------------------
# limit
def test_limit_elements_of_a_constructor():
    text = "1 + zeros(10, 10)"
    err = error(text, limits=Limits(max_elements=50))
    assert err.kind == "limit" and "100 elements" in err.message and "--max-elements" in err.message
    located(err, text, 1, 5, "zeros(10, 10)")


def test_limit_elements_of_an_operation():
    text = "outer(ones(8), ones(8))"
    err = error(text, limits=Limits(max_elements=50))
    assert err.kind == "limit" and "64 elements" in err.message and "limit of 50" in err.message
    located(err, text, 1, 1, text)


def test_limit_length():
    err = error("1 + 1 + 1", limits=Limits(max_length=5))
    assert err.kind == "limit" and "9 characters" in err.message and "--max-length" in err.message


def test_limit_depth():
    err = error("((((1))))", limits=Limits(max_depth=3))
    assert err.kind == "limit" and "nested 5 deep" in err.message and "--max-depth" in err.message
    err = error("f(x) = -(-(-(-x))); f(1)", limits=Limits(max_depth=3))
    assert err.kind == "limit" and "--max-depth" in err.message


@pytest.mark.parametrize("text", [
    pytest.param("v[((((1)))):] at v = [1, 2, 3]", id="slice bound"),
    pytest.param("1 at x = ((((1))))", id="binding"),
    pytest.param("f(x) = x with grad(g) = ((((g)))); f(1)", id="gradient rule"),
])
def test_limit_depth_applies_to_every_expression(text):
    err = error(text, limits=Limits(max_depth=3))
    assert err.kind == "limit" and "--max-depth" in err.message


def test_limit_nodes():
    text = "x" + " * x" * 3000 + " at x = 1"
    err = error(text, "grad", limits=Limits(max_nodes=1000))
    assert err.kind == "limit" and "past 1,000 nodes" in err.message and "--max-nodes" in err.message
    assert err.line == 1 and err.column == 1


def test_limit_order():
    text = "1 + diff(x^5, x, 5) at x = 1"
    err = error(text, limits=Limits(max_order=3))
    assert err.kind == "limit" and "nested 5 deep" in err.message and "--max-order" in err.message
    located(err, text, 1, 5, "diff(x^5, x, 5)")
    text = "grad(grad(grad(grad(x^5, x), x), x), x) at x = 1"
    err = error(text, limits=Limits(max_order=3))
    assert err.kind == "limit" and "nested 4 deep" in err.message
    located(err, text, 1, 16, "grad(x^5, x)")
    assert float(run_cmd("grad(grad(grad(x^5, x), x), x) at x = 1",
                         limits=Limits(max_order=3))["value"].item()) == 60.0


def test_limit_timeout():
    # h_k calls h_(k-1) twice: 2^21 calls from a short program
    text = "h0(x) = x + 1; " + "; ".join(f"h{i}(x) = h{i - 1}(h{i - 1}(x))" for i in range(1, 22)) + "; h21(1)"
    err = error(text, limits=Limits(timeout=0.2))
    assert err.kind == "limit" and "time limit of 0.2 s" in err.message and "--timeout" in err.message


def test_every_error_kind_of_the_language_is_exercised():
    """The kinds above, and nothing left out but the CLI's own (usage) and internal errors."""
    assert set(KINDS) - {"usage", "internal", "autograd"} == {"parse", "name", "type", "shape", "domain", "limit"}
