"""free_names from the parser's recorded name leaves equals the walk of the tree."""
from hypothesis import given
from hypothesis import strategies as st

from diffcli.errors import DiffcliError
from diffcli.language.analysis import free_names
from diffcli.language.parser import parse
from language_testlib import HYP

names = st.sampled_from(["x", "y", "z", "pi", "e", "w1", "sin"])
atoms = names | st.sampled_from(["1", "2.5", "0"])


def _compose(inner):
    binary = st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "^", "<", "@"]), inner).map(" ".join)
    call = st.tuples(st.sampled_from(["sin", "f", "sum"]), st.lists(inner, min_size=1, max_size=3),
                     st.lists(st.tuples(names, inner), max_size=2), st.booleans()).map(_call)
    wrapped = st.one_of(inner.map(lambda a: f"({a})"), inner.map(lambda a: f"-{a}"),
                        st.lists(inner, min_size=1, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]"),
                        st.tuples(inner, inner).map(lambda p: f"{p[0]}[{p[1]}:]"),
                        inner.map(lambda a: f"{a}.grad"))
    return binary | call | wrapped


def _call(parts):
    fn, args, kwargs, kw_first = parts
    kws = [f"{k}={v}" for k, v in kwargs]
    return f"{fn}({', '.join(kws + args if kw_first else args + kws)})"


exprs = st.recursive(atoms, _compose, max_leaves=12)
programs = st.tuples(st.sampled_from(["", "g(a) = a*y; "]), exprs,
                     st.sampled_from(["", " at x = 1", " at y = pi, z = x"])).map("".join)


@HYP
@given(programs)
def test_recorded_leaves_give_the_walks_names(text):
    try:
        program = parse(text)
    except DiffcliError:
        return
    walked = free_names(program.expr)
    if program.leaves is not None:
        assert free_names(program.expr, program.leaves) == walked


def test_keyword_before_positional_falls_back_to_the_walk():
    program = parse("f(k=y, x)")
    assert program.leaves is None
    assert [e.value for e in free_names(program.expr)] == ["x", "y"]
