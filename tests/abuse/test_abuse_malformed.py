"""Malformed input: every kind of broken program gets its documented error kind, a message,
a 1-based position (line/column) where one applies, and exit code 1; in text mode the
message line, the source line and a caret under the column, on stderr.

Runs in-process through the CLI's ``main`` (click's CliRunner isolation).
"""
from __future__ import annotations

import pytest

from abuse_testlib import assert_clean, assert_error_doc, invoke, json_error, json_value, text_error

# (program, kind, column, fragment of the message or hint, or None)
CASES = [
    # unbalanced brackets
    ("(1+2", "parse", 5, "')'"),
    ("1+2)", "parse", 4, "')'"),
    ("[1,2", "parse", 5, "']'"),
    ("sin(1", "parse", 6, "')'"),
    ("((((((((((", "parse", 11, "end of input"),
    ("))))", "parse", 1, "')'"),
    ("()", "parse", 2, None),
    ("[1,,2]", "parse", 4, None),
    ("[,]", "parse", 2, None),
    ("x[", "parse", 3, None),
    ("x[]", "parse", 3, None),
    ("[1, 2](0)", "parse", 7, None),
    # dangling operators
    ("1+", "parse", 3, "end of input"),
    ("*2", "parse", 1, "'*'"),
    ("1 +* 2", "parse", 4, "'*'"),
    ("x^", "parse", 3, None),
    ("2 -", "parse", 4, None),
    ("x @@ y", "parse", 4, None),
    ("1 <> 2", "parse", 4, None),
    ("1 ** ** 2", "parse", 6, None),
    # empty programs
    ("", "parse", 1, "empty"),
    ("   ", "parse", 1, "empty"),
    ("\t\t", "parse", 1, "empty"),
    ("# only a comment", "parse", 1, "empty"),
    (";", "parse", 1, None),
    ("f(x) = x^2", "parse", 11, "no expression"),
    # `at` without bindings
    ("x at", "parse", 5, "a name"),
    ("x at x", "parse", 7, "'='"),
    ("x at x =", "parse", 9, None),
    ("x at = 1", "parse", 6, None),
    ("x at x = 1,", "parse", 12, None),
    ("at x = 1", "parse", 1, None),
    ("x at x = 1 at y = 2", "parse", 12, None),
    # invalid numbers
    ("1..2", "parse", (3, 4), None),  # at the second "." or at the "2"
    ("1e", "parse", 2, None),
    (".", "parse", 1, None),
    ("1.2.3", "parse", 4, None),
    ("1e+", "parse", 2, None),
    ("0x10", "parse", 2, None),
    ("1_000", "parse", 2, None),
    # unknown names, with a suggestion
    ("sinn(x) at x = 1", "name", 1, "did you mean 'sin'"),
    ("xx at x = 1", "name", 1, "did you mean 'x'"),
    ("pii", "name", 1, "did you mean 'pi'"),
    ("exq(1)", "name", 1, "did you mean 'exp'"),
    ("y + 1 at x = 1", "name", 1, "'y'"),
    ("a + b", "name", 1, "a, b"),
    ("x(1) at x = 1", "name", 1, None),
    # wrong arity
    ("sin(1, 2)", "type", 1, "sin takes 1"),
    ("atan2(1)", "type", 1, "atan2 takes 2"),
    ("sin()", "type", 1, None),
    ("clip(1, 2)", "type", 1, None),
    ("f(x) = x; f(1, 2)", "type", 11, "f takes 1"),
    ("f(x) = x; f()", "type", 11, None),
    ("sum([1, 2], foo=0)", "type", 13, "axis"),  # (it names the keywords sum takes)
    ("stack([1], [2], foo=1)", "type", 17, "foo"),
    # ragged tensors and shape mismatches
    ("[[1, 2], [3]]", "shape", 1, "ragged"),
    ("[[1, 2], 3]", "shape", 1, "ragged"),
    ("[]", "shape", 1, None),
    ("[1, 2] + [1, 2, 3]", "shape", 1, None),
    ("[1, 2] @ [1, 2, 3]", "shape", 1, None),
    ("reshape([1, 2, 3], 2)", "shape", 1, None),
    ("[1, 2][5]", "shape", 1, None),
    ("zeros(-1)", "shape", 1, None),
    ("det([1, 2])", "shape", 1, None),
    ("x[0] at x = 1", "shape", 1, None),
    # singular matrices
    ("inv([[1, 2], [2, 4]])", "domain", 1, "singular"),
    ("inv([[0, 0], [0, 0]])", "domain", 1, "singular"),
    # rebinding constants and built-ins
    ("x at pi = 3", "type", 6, "pi"),
    ("pi at pi = 3", "type", 7, "pi"),
    ("x at e = 1", "type", 6, None),
    ("x at inf = 1", "type", 6, None),
    ("x at nan = 1", "type", 6, None),
    ("x at sin = 1", "type", 6, "built-in"),
    ("x at x = 1, x = 2", "type", 13, "twice"),
    ("pi(x) = x; pi(1)", "type", 1, None),
    ("sin(x) = x; sin(1)", "type", 1, None),
    ("f(pi) = pi; f(1)", "type", 1, None),
    # other shapes of nonsense
    ("2x", "parse", 2, "2*x"),
    ("x = 1", "parse", 6, "local names but no expression"),  # a local name alone: no expression
    ("x y at x = 1, y = 2", "parse", 3, None),
    ("sin x", "parse", 5, None),
    ("x.y at x = 1", "type", 1, "REPL"),
    ("f(1) = 2; f(1)", "parse", 3, None),
    ("f(x) = y; f(1)", "name", 8, "'y'"),
    ("f(x) = x with grad(g) = g, g; f(1)", "type", 1, None),
    ("f(x) = x with foo(g) = g; f(1)", "parse", 15, "grad"),
    ("1; 2", "parse", 1, None),
]

UNICODE = [
    ("x\u00b2 at x = 1", 2, "x^2"),            # x²
    ("1 \u2212 2", 3, "'-'"),                   # minus sign
    ("1 \u2013 2", 3, "'-'"),                   # en dash
    ("\uff11+\uff12", 1, "ASCII"),              # full-width digits
    ("\u0663", 1, "ASCII"),                     # Arabic-Indic three
    ("\uff58 at x = 1", 1, "ASCII"),            # full-width x
    ("s\u0456n(1)", 2, "ASCII"),                # Cyrillic i
    ("1\u200b+2", 2, None),                     # zero-width space
    ("1\u200d+2", 2, None),                     # zero-width joiner
    ("1+\ufeff2", 3, None),                     # byte-order mark (ignored only at the start)
    ("1\u00a0+2", 2, None),                     # no-break space
    ("\u202ex+1 at x = 1", 1, None),            # right-to-left override
    ("x\u2067+1 at x = 1", 2, None),            # right-to-left isolate
    ("\u2066x\u2069 at x = 1", 1, None),        # left-to-right isolate
    ("\u03c0", 1, "pi"),                        # π
    ("1 \u00d7 2", 3, "'*'"),                   # ×
    ("1 \u00f7 2", 3, "'/'"),                   # ÷
    ("x\u0301 at x = 1", 2, None),              # combining accent
    ("\U0001f600", 1, None),                    # emoji (one code point, one column)
    ("1\x0b+2", 2, None),                       # vertical tab
    ("1\x00+2", 2, "NUL"),                      # NUL in an argument
    ("\x7f", 1, None),                          # DEL
]


def _ids(cases: list) -> list[str]:
    return [f"{i:02d}-" + "".join(ch if ch.isalnum() else "_" for ch in c[0])[:20] for i, c in enumerate(cases)]


def _check_json(program: str, kind: str, column: int | None, fragment: str | None, command: str = "eval") -> dict:
    r = invoke([command, program, "--json"])
    body = json_error(r, kind)
    assert body["line"] == 1, body
    assert body["column"] in (column if isinstance(column, tuple) else (column,)), body
    if fragment is not None:
        assert fragment in body["message"] + " " + body.get("hint", ""), body
    return body


def _check_text(program: str, kind: str, column: int | tuple) -> None:
    r = invoke(["eval", program])
    info = text_error(r, kind)
    assert r.out == "", r
    assert info["line"] == 1 and info["column"] in (column if isinstance(column, tuple) else (column,)), \
        (info, r.err)
    column = info["column"]
    assert info["source"] is not None, f"no source line and caret: {r.err!r}"
    shown = program.replace("\t", " ")
    assert info["source"] == "  " + shown, (info, shown)
    assert info["caret"] == " " * (column + 1) + "^", info


@pytest.mark.parametrize("program,kind,column,fragment", CASES, ids=_ids(CASES))
def test_malformed_json(program: str, kind: str, column: int, fragment: str | None) -> None:
    _check_json(program, kind, column, fragment)


@pytest.mark.parametrize("program,kind,column,fragment", CASES, ids=_ids(CASES))
def test_malformed_text(program: str, kind: str, column: int, fragment: str | None) -> None:
    if not program.strip() or program.lstrip().startswith("#"):
        column = 1
    _check_text(program, kind, column)


@pytest.mark.parametrize("program,column,fragment", UNICODE, ids=_ids(UNICODE))
def test_unicode_lookalikes_and_controls(program: str, column: int, fragment: str | None) -> None:
    _check_json(program, "parse", column, fragment)


@pytest.mark.parametrize("program,kind,column,fragment", CASES[::5], ids=_ids(CASES[::5]))
def test_malformed_in_every_command(program: str, kind: str, column: int, fragment: str | None) -> None:
    for command in ("grad", "jacobian", "hessian", "diff", "check", "graph"):
        r = invoke([command, program, "--json"])
        doc = r.only_json()
        if doc.get("symbolic") or kind == "name" and "diff needs --wrt" in doc.get("error", {}).get("message", ""):
            # free variables and no bindings: formulas (issue #20), for which diff needs --wrt
            assert command not in ("check", "graph") and kind == "name" and " at " not in program, doc
            continue
        body = assert_error_doc(doc)
        assert r.code == 1, r
        # the same program error, except that a command may find another problem first
        # (e.g. diff on a program with no variable) only when the program itself evaluates
        if kind in ("parse", "name"):
            assert body["kind"] == kind, (command, body)
            assert body["column"] in (column if isinstance(column, tuple) else (column,)), (command, body)


def test_singular_matrix_in_every_derivative_command() -> None:
    for command in ("grad", "hessian", "check", "jacobian"):
        r = invoke([command, "sum(inv(m)) at m = [[1, 2], [2, 4]]", "--json"])
        body = json_error(r, "domain")
        assert body["column"] is not None, body


def test_unknown_name_suggestions_in_text_mode() -> None:
    r = invoke(["grad", "sinn(x) + cos(y) at x = 1, y = 2"])
    info = text_error(r, "name")
    assert "did you mean 'sin'" in info["message"], info


# --------------------------------------------------------------------------- long identifiers
def test_very_long_identifiers() -> None:
    name = "a" * 100_000
    assert json_value(invoke(["grad", f"{name}^2 at {name} = 3", "--json"])) == {
        "value": 9.0, "grad": {name: 6.0}}


def test_very_long_unknown_identifier_text_mode_keeps_the_caret_in_view() -> None:
    program = "1 + " + "b" * 100_000
    info = text_error(invoke(["eval", program]), "name")
    assert info["column"] == 5, info
    assert info["source"] is not None and len(info["source"]) <= 110, info
    assert info["source"][info["caret"].index("^")] == "b", info


def test_error_far_along_a_long_line_keeps_the_caret_in_view() -> None:
    program = "1 + " * 5000 + "* 2"
    info = text_error(invoke(["eval", program]), "parse")
    assert info["column"] == 4 * 5000 + 1, info
    assert len(info["source"]) <= 110 and info["source"][info["caret"].index("^")] == "*", info


# --------------------------------------------------------------------------- positions past line 1
def test_multiline_program_positions() -> None:
    program = "f(t) = t^2;\n\ng(t) = f(t) +\n  sinn(t);\ng(x) at x = 1"
    body = _check_json_multiline(program)
    assert (body["line"], body["column"]) == (4, 3), body
    info = text_error(invoke(["eval", program]), "name")
    assert (info["line"], info["column"]) == (4, 3), info
    assert info["source"] == "    sinn(t);" and info["caret"] == "    ^", info


def _check_json_multiline(program: str) -> dict:
    return json_error(invoke(["eval", program, "--json"]), "name")


def test_crlf_and_tabs_in_an_argument() -> None:
    assert json_value(invoke(["eval", "1 +\r\n\t2\r\n", "--json"])) == {"value": 3.0}
    info = text_error(invoke(["eval", "\tsinn(1)"]), "name")
    assert info["column"] == 2 and info["caret"] == "   ^", info


# --------------------------------------------------------------------------- standard input bytes
def test_stdin_nul_invalid_utf8_crlf_tabs() -> None:
    stdin = (b"1+2\r\n"            # 1 CRLF is fine
             b"1\x00+2\n"          # 2 NUL byte
             b"1+\xff2\n"          # 3 invalid UTF-8 at byte 3
             b"\t2\t*\t3\t\n"      # 4 tabs
             b"\xc3\n"             # 5 truncated UTF-8 sequence
             b"\xef\xbb\xbf4\n"    # 6 a byte-order mark, mid-stream
             b"5")                 # 7 no final newline
    r = invoke(["eval", "-", "--json"], stdin=stdin)
    assert_clean(r, codes=(1,))
    docs = r.json_lines()
    assert docs[0] == {"value": 3.0}
    nul = assert_error_doc(docs[1], "parse")
    assert (nul["line"], nul["column"]) == (2, 2) and "NUL" in nul["message"], nul
    utf = assert_error_doc(docs[2], "parse")
    assert (utf["line"], utf["column"]) == (3, 3) and "UTF-8" in utf["message"], utf
    assert docs[3] == {"value": 6.0}
    trunc = assert_error_doc(docs[4], "parse")
    assert (trunc["line"], trunc["column"]) == (5, 1), trunc
    bom = assert_error_doc(docs[5], "parse")
    assert (bom["line"], bom["column"]) == (6, 1), bom
    assert docs[6] == {"value": 5.0}
    assert len(docs) == 7


def test_stdin_byte_errors_do_not_claim_a_program_line() -> None:
    r = invoke(["eval", "-", "--json"], stdin=b"1\n1\x00+2\n1+\xff\n")
    for doc in r.json_lines()[1:]:
        assert "of the program" not in doc["error"]["message"], doc


def test_stdin_byte_errors_text_mode() -> None:
    r = invoke(["eval", "-"], stdin=b"1\x00+2\n1+\xff2\n3\n")
    assert_clean(r, codes=(1,))
    assert r.err.count("error: parse:") == 2, r
    assert "[3] 3" in r.out and "value  3.0" in r.out, r


# --------------------------------------------------------------------------- --at, --wrt, --seed values
AT_CASES = [
    ("x=", None),               # usage: no value
    ("=1", None),
    ("x", None),
    ("1x=1", None),
    ("x y=1", None),
    ("x=1 +", "parse"),
    ("x=(1", "parse"),
    ("x=y", "name"),
    ("x=sinn(1)", "name"),
    ("x=[[1, 2], [3]]", "shape"),
    ("x=1 at y = 2", "parse"),
    ("x=f(t) = t; 1", "parse"),
    ("pi=3", "type"),
    ("sin=3", "type"),
    ("x=log(-1)", "domain"),
    ("x=\u2212 1", "parse"),
    ("x=\uff11", "parse"),
]


@pytest.mark.parametrize("at,kind", AT_CASES, ids=[a for a, _ in AT_CASES])
def test_bad_at_values(at: str, kind: str | None) -> None:
    r = invoke(["eval", "x + 1", "--at", at, "--json"])
    if kind is None:
        assert_clean(r, codes=(2,))
        assert_error_doc(r.only_json(), "usage")
    else:
        json_error(r, kind if kind != "domain" else {"domain"})


def test_at_bound_twice() -> None:
    body = json_error(invoke(["eval", "x", "--at", "x=1", "--at", "x=2", "--json"]), "type")
    assert "twice" in body["message"], body


@pytest.mark.parametrize("args", [["eval", "x + 1", "--at", "x=y"], ["grad", "x^2 at x = 1", "--seed", "x"]])
def test_constant_option_errors_name_the_option(args: list[str]) -> None:
    body = json_error(invoke(args + ["--json"]), "name")
    assert "--at x" in body["message"] or "--seed" in body["message"], body


@pytest.mark.parametrize("seed,kind", [("[1, 2]", "shape"), ("(", "parse"), ("y", "name"), ("[[1], [2]]", "shape")])
def test_bad_seed(seed: str, kind: str) -> None:
    json_error(invoke(["grad", "x^2 at x = 1", "--seed", seed, "--json"]), kind)


@pytest.mark.parametrize("wrt,code,kind", [
    ("y", 1, "name"), ("1x", 2, "usage"), ("x,", 2, "usage"), ("", 2, "usage"), ("x y", 2, "usage"),
    ("pi", 1, "name"), ("\uff58", 2, "usage"), ("x.grad", 2, "usage"),
])
def test_bad_wrt(wrt: str, code: int, kind: str) -> None:
    r = invoke(["grad", "x^2 at x = 1", "--wrt", wrt, "--json"])
    assert_clean(r, codes=(code,))
    assert_error_doc(r.only_json(), kind)


def test_order_in_language_must_be_integer_with_position() -> None:
    for program in ("diff(x^2, x, 1.5) at x = 1", "diff(x^2, x, nan) at x = 1", "diff(x^2, x, -1) at x = 1"):
        body = json_error(invoke(["eval", program, "--json"]), "type")
        assert body["line"] == 1, body


def test_order_in_language_error_has_a_column() -> None:
    for program in ("diff(x^2, x, 1.5) at x = 1", "diff(x^2, x, nan) at x = 1"):
        body = json_error(invoke(["eval", program, "--json"]), "type")
        assert body["column"] == 14, body
