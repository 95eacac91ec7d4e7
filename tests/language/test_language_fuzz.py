"""The parser takes any text: it returns a program or raises DiffcliError, nothing else,
and deep nesting costs no recursion."""
from __future__ import annotations

import functools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from diffcli import engine as E
from diffcli.errors import DiffcliError
from diffcli.language.ast import Assign, Program
from diffcli.language.limits import Limits
from diffcli.language.parser import parse
from diffcli.language.printer import to_text
from language_testlib import HYP, as_array, evaluate_tree, run_cmd

DEEP = 100_000


def parse_any(text: str, start: str = "program"):
    """parse(), asserting the contract: a tree, or a located parse error."""
    try:
        result = parse(text, start)
    except DiffcliError as err:
        assert err.kind == "parse", err
        assert err.line is not None and err.line >= 1 and err.column >= 1, err
        assert err.span is not None and 0 <= err.span[0] <= max(len(text), 1)
        assert err.message and err.message[0].islower()
        return err
    assert isinstance(result, Program if start == "program" else (Program, Assign))
    return result


@HYP
@given(st.text(max_size=40))
def test_any_text(text):
    parse_any(text)
    parse_any(text, "repl_line")


@HYP
@given(st.binary(max_size=40))
def test_any_bytes_decoded_with_replacement(data):
    parse_any(data.decode("utf-8", errors="replace"))


CODE_CHARS = st.sampled_from(list("0123456789.eE+-*/^@<>=!()[],;:# \n\txyzafgw_") +
                             ["at", "with", "grad", "sin", "**", "==", "\u2212", "\ufffd", "\x00", "\r"])


@HYP
@given(st.lists(CODE_CHARS, max_size=30).map("".join))
def test_code_like_text(text):
    for start in ("program", "repl_line"):
        result = parse_any(text, start)
        if isinstance(result, Program) and result.expr is not None:
            assert to_text(parse(to_text(result.expr)).expr) == to_text(result.expr)


DEEP_SOURCES = {
    "parentheses": "(" * DEEP + "x" + ")" * DEEP,
    "sin": "sin(" * DEEP + "x" + ")" * DEEP,
    "brackets": "[" * 10_000 + "x" + "]" * 10_000,
    "minus": "-" * 10_000 + "x",
}


@functools.lru_cache(maxsize=None)
def deep(name: str):
    return parse_any(DEEP_SOURCES[name])


@pytest.mark.parametrize("name", sorted(DEEP_SOURCES))
def test_deep_nesting_parses_and_prints_back(name):
    program = deep(name)
    assert isinstance(program, Program)
    n = DEEP if name in ("parentheses", "sin") else 10_000
    assert program.expr.depth == n + 1
    assert to_text(program.expr) == DEEP_SOURCES[name]  # groups print as written


def test_deep_trees_evaluate_without_recursion():
    assert as_array(evaluate_tree(deep("parentheses").expr, {"x": E.tensor(2.0)})) == 2.0
    assert as_array(evaluate_tree(deep("sin").expr, {"x": E.tensor(0.0)})) == 0.0
    assert as_array(evaluate_tree(deep("minus").expr, {"x": E.tensor(2.0)})) == 2.0
    assert to_text(deep("parentheses").expr, groups=False) == "x"


def test_deep_program_runs_through_a_command():
    text = "(" * 20_000 + "x + 1" + ")" * 20_000 + " at x = 2"
    assert as_array(run_cmd(text)["value"]) == 3.0


@pytest.mark.parametrize("text", [
    "(" * DEEP + "1",
    "sin(" * 10_000 + "1" + ")" * 9_999,
    "(" * 10_000 + "1" + ")" * 10_001,
    "[" * 10_000 + ")" * 10_000,
], ids=["unclosed", "sin unclosed", "one too many", "mismatched"])
def test_deep_nesting_errors(text):
    err = parse_any(text)
    assert isinstance(err, DiffcliError)
    assert err.line == 1


def test_deep_program_over_the_depth_limit_is_a_limit_error():
    with pytest.raises(DiffcliError) as info:
        run_cmd("(" * 5000 + "1" + ")" * 5000, limits=Limits(max_depth=1000))
    assert info.value.kind == "limit" and "5,001 deep" in info.value.message
