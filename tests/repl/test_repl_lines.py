"""Where statements end."""
from __future__ import annotations

from diffcli.repl.lines import depth, is_blank, is_complete, statements


def test_depth_and_completeness():
    assert depth("f(x") == 1 and depth("[[1, 2], [3") == 2 and depth("x)") == -1
    assert depth("f(x  # (((") == 1
    assert is_complete("x = 1") and not is_complete("x = [1,") and is_complete(":help (")
    assert is_complete("x)")  # too many closed: run it, and let the parser say so


def test_blank():
    assert is_blank("") and is_blank("   # note") and is_blank("\n  \n# a\n")
    assert not is_blank("x # note")


def test_statements_join_open_brackets():
    lines = ["# header", "x = [1,", "  2]", "", "y = x", "z = (1 +"]
    assert list(statements(lines)) == [(2, "x = [1,\n  2]"), (5, "y = x"), (6, "z = (1 +")]
    assert list(statements(["a = (", ":help"])) == [(1, "a = (\n:help")]
    assert list(statements([":help (", "x"])) == [(1, ":help ("), (2, "x")]
