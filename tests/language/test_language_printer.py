"""diffcli.language.printer: tree -> text with minimal parentheses, and back.

Properties: a generated tree prints, parses back to the same tree (up to the groups
its needed parentheses add), prints the same again and evaluates to the same value;
any parsable source string survives parse -> print -> parse unchanged, groups
included; every parenthesis the printer writes without groups is needed.
"""
from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from diffcli import engine as E
from diffcli.errors import DiffcliError
from diffcli.language.ast import Expr
from diffcli.language.parser import parse
from diffcli.language.printer import number_text, program_text, to_text
from language_testlib import (HYP, bin_, call, evaluate_tree, expr_of, group, index, name, num,
                              S, same_value, sexp, slice_, tensor, tree_key, un)

x, y, a, b = name("x"), name("y"), name("a"), name("b")


# --------------------------------------------------------------------------
# Examples: the printed text, exactly
@pytest.mark.parametrize("tree, text", [
    (un("-", bin_("^", x, num(2))), "-x^2"),
    (bin_("^", un("-", x), num(2)), "(-x)^2"),
    (bin_("^", num(2), bin_("^", num(3), num(2))), "2^3^2"),
    (bin_("^", bin_("^", num(2), num(3)), num(2)), "(2^3)^2"),
    (bin_("^", num(2), un("-", num(2))), "2^-2"),
    (bin_("^", x, un("-", bin_("^", y, num(2)))), "x^-y^2"),
    (bin_("^", x, bin_("*", y, num(2))), "x^(y * 2)"),
    (bin_("^", index(x, num(0)), num(2)), "x[0]^2"),
    (index(bin_("^", x, num(2)), num(0)), "(x^2)[0]"),
    (index(un("-", x), num(0)), "(-x)[0]"),
    (bin_("-", bin_("-", a, b), x), "a - b - x"),
    (bin_("-", a, bin_("-", b, x)), "a - (b - x)"),
    (bin_("-", a, bin_("+", b, x)), "a - (b + x)"),
    (bin_("+", a, bin_("-", b, x)), "a + (b - x)"),
    (bin_("/", bin_("/", a, b), x), "a / b / x"),
    (bin_("/", a, bin_("/", b, x)), "a / (b / x)"),
    (bin_("/", a, bin_("*", b, x)), "a / (b * x)"),
    (bin_("*", a, bin_("@", b, x)), "a * (b @ x)"),
    (bin_("@", bin_("*", a, b), x), "a * b @ x"),
    (bin_("*", bin_("+", a, b), x), "(a + b) * x"),
    (bin_("+", bin_("*", a, b), x), "a * b + x"),
    (un("-", un("-", x)), "--x"),
    (un("-", un("+", un("-", x))), "-+-x"),
    (un("-", bin_("*", a, b)), "-(a * b)"),
    (bin_("*", un("-", a), b), "-a * b"),
    (bin_("*", a, un("-", b)), "a * -b"),
    (bin_("-", a, un("-", b)), "a - -b"),
    (bin_("<", bin_("+", num(1), num(2)), num(4)), "1 + 2 < 4"),
    (bin_("<", bin_("<", a, b), x), "(a < b) < x"),
    (bin_("==", a, bin_("!=", b, x)), "a == (b != x)"),
    (bin_("+", bin_(">=", a, b), num(1)), "(a >= b) + 1"),
    (un("-", bin_("<", a, b)), "-(a < b)"),
    (call("sin", bin_("+", x, num(1))), "sin(x + 1)"),
    (call("stack", x, y, axis=num(1)), "stack(x, y, axis=1)"),
    (call("f"), "f()"),
    (call("max", bin_("<", a, b), num(0)), "max(a < b, 0)"),
    (tensor(), "[]"),
    (tensor(num(1), tensor(bin_("<", a, b), un("-", x))), "[1, [a < b, -x]]"),
    (index(x, slice_(num(1)), slice_(None, None, num(2)), slice_(None, num(3)), slice_(), num(0)),
     "x[1:, ::2, :3, :, 0]"),
    (index(x, slice_(num(1), num(5), un("-", num(1)))), "x[1:5:-1]"),
    (index(index(x, num(0)), num(1)), "x[0][1]"),
    (Expr("attr", "grad", (x,), S), "x.grad"),
    (Expr("attr", "grad", (num(1),), S), "1 .grad"),
    (Expr("attr", "grad", (bin_("+", x, y),), S), "(x + y).grad"),
    (group(group(x)), "((x))"),
    (bin_("*", group(bin_("+", a, b)), x), "(a + b) * x"),
    (num(-2), "-2"),
    (bin_("^", num(-2), num(2)), "(-2)^2"),
    (bin_("-", a, num(-2)), "a - -2"),
    (num(0.1), "0.1"),
    (num(2.5e-7), "2.5e-07"),
    (num(1e300), "1e+300"),
    (num(12345678901234567.0), "1.2345678901234568e+16"),
    (num(math.inf), "1e999"),
    (num(math.nan), "nan"),
])
def test_printed_text(tree, text):
    assert to_text(tree) == text
    back = expr_of(text)
    if not _signed_numbers(tree):  # -2 reads back as -(2), nan as the constant nan
        # re-parsing gives the tree, with groups only where parentheses were needed
        assert tree_key(back, groups=False) == tree_key(tree, groups=False)
    assert to_text(back) == text


def _signed_numbers(tree: Expr) -> bool:
    stack = [tree]
    while stack:
        e = stack.pop()
        if e is None:
            continue
        if e.kind == "num" and not e.value >= 0:
            return True
        stack.extend(e.args)
    return False


def test_double_star_prints_as_caret():
    assert to_text(bin_("**", x, bin_("**", y, num(2)))) == "x^y^2"
    assert to_text(expr_of("(x ** 2) ** 3")) == "(x^2)^3"


def test_groups_print_as_written_or_only_where_needed():
    e = expr_of("((x)) + (a * b) - ((a + b)) * 2")
    assert to_text(e) == "((x)) + (a * b) - ((a + b)) * 2"
    assert to_text(e, groups=False) == "x + a * b - (a + b) * 2"
    assert to_text(expr_of("(1).grad"), groups=False) == "1 .grad"


@pytest.mark.parametrize("value", [0.0, 1.0, 7.0, 0.5, 0.1, 1 / 3, 1e-300, 5e-324, 1e15, 1e16, 2.0 ** 60,
                                   1.7976931348623157e308, 123.456, math.inf])
def test_numbers_read_back_to_the_same_float(value):
    text = number_text(value)
    assert parse(text).expr.value == value
    assert parse(text).expr.kind == "num"


def test_programs_print_whole():
    src = ("f(x, y) = x*y with grad(g) = g*y, g*x ;\n"
           "sq(t) = t^2;  f(a, sq(b)) + (1) at a = 2, b = [1, 2]")
    p = parse(src)
    text = program_text(p)
    assert text == ("f(x, y) = x * y with grad(g) = g * y, g * x; sq(t) = t^2; "
                    "f(a, sq(b)) + (1) at a = 2, b = [1, 2]")
    assert program_text(p, groups=False).endswith("f(a, sq(b)) + 1 at a = 2, b = [1, 2]")
    q = parse(text)
    assert program_text(q) == text
    assert [(d.name, d.params, d.grad_name, len(d.grad_rules)) for d in q.definitions] == \
        [("f", ["x", "y"], "g", 2), ("sq", ["t"], None, 0)]
    assert [b.name for b in q.bindings] == ["a", "b"]
    assert program_text(parse("x")) == "x"
    assert program_text(parse("f(x) = x")) == "f(x) = x"
    assert program_text(parse("n = 1 + 2", start="repl_line")) == "n = 1 + 2"


def test_printed_programs_evaluate_the_same():
    from language_testlib import run_cmd
    src = "h(u) = sround(u)*u; sround(x) = round(x) with grad(g) = g; h(x) + -(x)^2 at x = 1.3"
    text = program_text(parse(src))
    r1, r2 = run_cmd(src, "grad"), run_cmd(text, "grad")
    assert same_value(r1["value"], r2["value"])
    assert same_value(r1["grad"]["x"], r2["grad"]["x"])


def test_slices_print_only_inside_an_index():
    with pytest.raises(ValueError):
        to_text(slice_(num(1)))


# --------------------------------------------------------------------------
# Deep trees: no recursion anywhere
DEEP = 100_000


def test_deep_trees_print_without_recursion():
    e = x
    for _ in range(DEEP):
        e = bin_("^", num(2), e)  # right-associative: no parentheses at all
    assert to_text(e) == "2^" * DEEP + "x"
    e = x
    for _ in range(DEEP):
        e = un("-", group(bin_("^", e, num(2))))  # left-nested power under minus
    assert to_text(e) == "-((" * (DEEP - 1) + "-(x^2)" + ")^2)" * (DEEP - 1)  # -((-(x^2))^2)
    assert to_text(e, groups=False) == "-(" * (DEEP - 1) + "-x^2" + ")^2" * (DEEP - 1)  # -(-x^2)^2


# --------------------------------------------------------------------------
# Property: generated trees
VARS = {"a": 1.5, "b": -0.5, "x": 2.0, "y": 0.25, "atx": 3.0, "with_1": -2.0}
NAMES = st.sampled_from(sorted(VARS) + ["pi", "e"])
NUMBERS = st.one_of(st.integers(0, 20).map(float),
                    st.sampled_from([0.5, 0.1, 2.5e-7, 1e20, 1.7976931348623157e308, 12345.678]),
                    st.floats(0, 1e6, allow_nan=False, allow_infinity=False))
UNARY_FNS = ["sin", "exp", "tanh", "abs", "sqrt", "sum", "floor"]
BINARY_FNS = ["maximum", "atan2", "hypot", "pow"]
TERNARY_FNS = ["where", "clip"]
BINOPS = ["+", "-", "*", "/", "^", "@", "<", "<=", ">", ">=", "==", "!="]


def _leaf():
    return st.one_of(NUMBERS.map(num), NAMES.map(name))


def _extend(children):
    small_int = st.integers(0, 2).map(lambda k: num(float(k)))
    maybe = st.one_of(st.none(), small_int)
    slices = st.builds(slice_, maybe, maybe, st.one_of(st.none(), st.sampled_from([1.0, 2.0]).map(num)))
    return st.one_of(
        st.builds(un, st.sampled_from(["-", "+"]), children),
        st.builds(bin_, st.sampled_from(BINOPS), children, children),
        st.builds(lambda f, a: call(f, a), st.sampled_from(UNARY_FNS), children),
        st.builds(lambda f, a, b: call(f, a, b), st.sampled_from(BINARY_FNS), children, children),
        st.builds(lambda f, a, b, c: call(f, a, b, c), st.sampled_from(TERNARY_FNS), children, children,
                  children),
        st.lists(children, min_size=1, max_size=3).map(lambda es: tensor(*es)),
        st.builds(lambda es, i: index(tensor(*es), i),
                  st.lists(children, min_size=1, max_size=3), st.one_of(small_int, slices)),
        st.builds(lambda t, s: index(t, s), children, slices),
    )


TREES = st.recursive(_leaf(), _extend, max_leaves=12)


def _env():
    return {k: E.tensor(v) for k, v in VARS.items()}


def _outcome(tree: Expr, source: str = ""):
    """The value, or the error's kind and message (both sides must agree on either)."""
    try:
        return ("value", evaluate_tree(tree, _env(), source))
    except DiffcliError as err:
        return ("error", err.kind, err.message)


def _same_outcome(p, q) -> bool:
    if p[0] != q[0]:
        return False
    return same_value(p[1], q[1]) if p[0] == "value" else p == q


@HYP
@given(TREES)
def test_generated_tree_prints_parses_and_evaluates_the_same(tree):
    text = to_text(tree)
    back = parse(text).expr
    assert tree_key(back, groups=False) == tree_key(tree, groups=False), text
    assert to_text(back) == text
    assert to_text(back, groups=False) == text
    assert _same_outcome(_outcome(tree), _outcome(back, text)), text


@HYP
@given(TREES)
def test_printed_parentheses_are_all_needed(tree):
    """Drop any one pair of parentheses the printer wrote: the text no longer parses,
    or it means another tree."""
    text = to_text(tree)
    back = parse(text).expr
    want = tree_key(back, groups=False)
    stack, groups_found = [back], []
    while stack:
        e = stack.pop()
        if e is None:
            continue
        if e.kind == "group":
            groups_found.append(e.span)
        stack.extend(e.args)
        stack.extend(k[1] for k in e.kwargs)
    for start, end in groups_found:
        assert text[start] == "(" and text[end - 1] == ")"
        dropped = text[:start] + " " + text[start + 1:end - 1] + " " + text[end:]
        try:
            other = parse(dropped).expr
        except DiffcliError:
            continue
        assert tree_key(other, groups=False) != want, (text, dropped)


# --------------------------------------------------------------------------
# Property: generated source strings survive parse -> print -> parse
SPACES = st.sampled_from(["", " ", "  ", "\n", "\t", " # note\n"])


@st.composite
def sources(draw, depth=0):
    """Source text for a random expression: random spacing, comments, '**' and
    parentheses. Parentheses are dropped at random, so the text may mean another tree
    than the one drawn, or not parse at all (such examples are skipped)."""
    ws = lambda: draw(SPACES)  # noqa: E731
    if depth > 3 or draw(st.integers(0, 3)) == 0:
        return draw(st.one_of(
            st.sampled_from(["x", "a", "y", "pi", "1", "2.", ".5", "3e-2", "1E3", "007", "0.25", "atx"]),
            st.integers(0, 99).map(str)))
    kind = draw(st.integers(0, 6))
    sub = lambda: draw(sources(depth + 1))  # noqa: E731

    def wrap(s):
        return f"({ws()}{s}{ws()})" if draw(st.integers(0, 9)) < 7 else s

    if kind == 0:
        return f"{draw(st.sampled_from(['-', '+']))}{ws()}{wrap(sub())}"
    if kind in (1, 2):
        op = draw(st.sampled_from(["+", "-", "*", "/", "@", "^", "**", "<", "==", ">="]))
        return f"{wrap(sub())}{ws()}{op}{ws()}{wrap(sub())}"
    if kind == 3:
        f = draw(st.sampled_from(["sin", "maximum", "sum", "stack", "g"]))
        args = [sub() for _ in range(draw(st.integers(0, 3)))]
        if f == "stack" and draw(st.booleans()):
            args.append(f"axis{ws()}={ws()}{sub()}")
        return f"{f}({ws()}{(',' + ws()).join(args)}{ws()})"
    if kind == 4:
        elems = [sub() for _ in range(draw(st.integers(1, 3)))]
        return f"[{ws()}{(',' + ws()).join(elems)}{',' if draw(st.booleans()) else ''}{ws()}]"
    if kind == 5:
        item = draw(st.sampled_from(["0", "1:", ":2", "::2", ":", "1:2:", "-1", "0, 1"]))
        return f"{wrap(sub())}[{ws()}{item}{ws()}]"
    return f"({ws()}{sub()}{ws()})"


@HYP
@given(sources())
def test_parse_print_parse_is_the_identity_on_trees(src):
    try:
        first = parse(src).expr
    except DiffcliError:
        assume(False)
        return
    text = to_text(first)
    second = parse(text).expr
    assert tree_key(second) == tree_key(first), (src, text)  # groups included
    assert to_text(second) == text
    bare = to_text(first, groups=False)
    third = parse(bare).expr
    assert tree_key(third, groups=False) == tree_key(first, groups=False), (src, bare)
    assert to_text(third) == bare == to_text(third, groups=False)


@settings(HYP, max_examples=60)
@given(sources(), sources(), st.sampled_from(["", "with grad(gg) = gg * 2"]))
def test_whole_programs_round_trip(body, main, rule):
    src = f"g(x, a) = {body} {rule};\n h(u) = u ; {main} at x = 1, a = [1, 2]"
    try:
        first = parse(src)
    except DiffcliError:
        assume(False)
        return
    text = program_text(first)
    second = parse(text)
    assert program_text(second) == text
    assert tree_key(second.expr) == tree_key(first.expr)
    for d1, d2 in zip(first.definitions, second.definitions, strict=True):
        assert (d1.name, d1.params, d1.grad_name) == (d2.name, d2.params, d2.grad_name)
        assert tree_key(d1.body) == tree_key(d2.body)
        assert [tree_key(r) for r in d1.grad_rules] == [tree_key(r) for r in d2.grad_rules]
    assert [(b.name, tree_key(b.expr)) for b in first.bindings] == \
        [(b.name, tree_key(b.expr)) for b in second.bindings]


def test_sexp_helper_reads_like_the_tree():
    assert sexp(expr_of("-x^2 + f(a, k=1)[0]")) == "(+ (- (^ x 2)) (index (f() a k=1) 0))"
