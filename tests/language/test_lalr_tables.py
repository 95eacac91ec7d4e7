"""The LALR driver runs lark's own tables: a fresh compile equals what the cache holds, the
tables come from lark's serialized form and agree with lark's own parser, and a cache that says
anything the grammar does not is not used."""
import copy
import json
import marshal

import lark
import pytest

from diffcli.errors import DiffcliError
from diffcli.language import lalr, lalr_build, tables
from diffcli.language.grammar import grammar_text
from diffcli.language.parser import parse

GRAMMAR = grammar_text()
FRESH = lalr_build.compile_tables(GRAMMAR)


def test_cache_round_trips_lark_compile(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    t1 = tables.load_tables()  # compiles and writes the cache
    files = list((tmp_path / "diffcli").glob("tables-*.marshal"))
    assert len(files) == 1 and list((tmp_path / "diffcli").iterdir()) == files  # no temporary file left
    monkeypatch.setattr(lalr_build, "compile_tables", _no_compile)
    t2 = tables.load_tables()  # reads it back, without lark
    assert t2.data == t1.data == marshal.loads(files[0].read_bytes())
    # lark numbers its states differently from run to run: compare what the tables do
    other = lalr.Tables(json.loads(json.dumps(FRESH)))
    assert len(other.states) == len(t1.states) and sorted(map(str, other.rules)) == sorted(map(str, t1.rules))
    for text in ("1 + 2*3^-x", "f(a, b) = a*b with grad(g) = g*b, g*a; f(x, [1, 2][0]) at x = 1",
                 "m[1:, ::2] @ v.grad < 3", "[[1, 2], [3, 4]][0, -1]"):
        assert other.parse(text, "program", _Echo()) == t1.parse(text, "program", _Echo())


def _no_compile(text):
    raise AssertionError("the cache was not used")


def test_unwritable_cache_still_parses(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert tables.load_tables().parse("1 + 2", "program", _Echo()) is not None


class _Echo(lalr_build._Echo):
    """A builder that records rule names, to see the driver call the grammar's aliases."""


def test_driver_calls_aliases_with_filtered_children():
    name, kids = lalr.Tables(FRESH).parse("1 + 2", "program", _Echo())
    assert name == "program"
    items = kids[0]
    assert items[0] == "items"
    add = items[1][0]
    assert add[0] == "add" and [k[0] for k in add[1]] == ["number", "PLUS", "number"]
    assert add[1][0][1] == (("NUMBER", "1"),)


def test_damaged_cache_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    tables.load_tables()
    (f,) = (tmp_path / "diffcli").glob("tables-*.marshal")
    f.write_bytes(f.read_bytes()[:100])  # truncated: marshal raises
    assert tables.load_tables().parse("x", "program", _Echo())[0] == "program"
    assert parse("x^2 at x = 1").bindings[0].name == "x"


# --------------------------------------------------------------------------- lark's public surface
def test_samples_use_every_rule():
    """The programs compile_tables checks against lark's own parser reach every callback."""
    seen = set()

    class Recorder(_Echo):
        def __getattr__(self, name):
            seen.add(name)
            return super().__getattr__(name)

    t = lalr.Tables(FRESH)
    for start, text in lalr_build.SAMPLES:
        t.parse(text, start, Recorder())
    assert seen == {r[2] for r in FRESH["rules"] if r[2]}


def test_no_generated_terminal_names():
    """Every terminal the parser names is one the grammar names (lark's __ANON_n are not stable)."""
    assert not [n for n, _ in FRESH["terminals"] if n.startswith("__ANON")]


@pytest.mark.parametrize("version", ["1.1.8", "1.4.0", "2.0.0"])
def test_untested_lark_version_is_a_clear_error(monkeypatch, version):
    monkeypatch.setattr(lark, "__version__", version)
    with pytest.raises(DiffcliError) as err:
        lalr_build.compile_tables(GRAMMAR)
    assert err.value.kind == "internal" and version in err.value.message and "pip install" in err.value.hint


def test_changed_lark_tables_are_a_clear_error(monkeypatch):
    """lark's serialized form in another shape, or tables that build another tree: refused."""
    real = lark.Lark.memo_serialize

    def renamed(self, types):
        data, memo = real(self, types)
        data["parser"]["parser"]["state_table"] = data["parser"]["parser"].pop("states")
        return data, memo

    monkeypatch.setattr(lark.Lark, "memo_serialize", renamed)
    with pytest.raises(DiffcliError, match="not in the expected form"):
        lalr_build.compile_tables(GRAMMAR)

    def unfiltered(self, types):
        data, memo = real(self, types)
        for entry in memo.values():
            for sym in entry.get("expansion", ()):
                sym["filter_out"] = False  # as if lark kept every anonymous token
        return data, memo

    monkeypatch.setattr(lark.Lark, "memo_serialize", unfiltered)
    with pytest.raises(DiffcliError, match="parses as"):
        lalr_build.compile_tables(GRAMMAR)


# --------------------------------------------------------------------------- what a cache may say
def test_fresh_tables_are_valid():
    assert tables.valid(FRESH, GRAMMAR)
    assert tables.valid(marshal.loads(marshal.dumps(FRESH)), GRAMMAR)


def _swap_callbacks(d):
    a = next(r for r in d["rules"] if r[2] == "add")
    b = next(r for r in d["rules"] if r[2] == "sub")
    a[2], b[2] = "__class__", "sub"


def _named_regexp(d):
    t = next(t for t in d["terminals"] if t[0] == "NAME")
    t[1] = "(a|a?)+$"  # a pattern the grammar does not have: slow on long names


def _swap_named_patterns(d):
    plus = next(t for t in d["terminals"] if t[0] == "PLUS")
    minus = next(t for t in d["terminals"] if t[0] == "MINUS")
    plus[1], minus[1] = minus[1], plus[1]


def _state_out_of_range(d):
    row = next(r for r in d["states"] if r)  # lark numbers its states differently from run to run
    key = next(iter(row))
    row[key] = [True, len(d["states"])]


def _huge_placeholders(d):
    d["rules"][0][5] = 10 ** 12


def _unknown_symbol(d):
    d["states"][0]["NOT_A_TERMINAL"] = [True, 0]


@pytest.mark.parametrize("damage", [_swap_callbacks, _named_regexp, _swap_named_patterns, _state_out_of_range,
                                    _huge_placeholders, _unknown_symbol])
def test_tables_that_the_grammar_does_not_say_are_invalid(damage):
    d = copy.deepcopy(FRESH)
    damage(d)
    assert not tables.valid(d, GRAMMAR)
