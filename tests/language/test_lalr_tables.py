"""The LALR driver runs lark's own tables: a fresh compile equals what the cache holds."""
import json
import marshal

from diffcli.language import lalr
from diffcli.language.grammar import grammar_text
from diffcli.language.parser import parse


def test_cache_round_trips_lark_compile(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    fresh = lalr.compile_tables(grammar_text())
    t1 = lalr.load_tables()  # compiles and writes the cache
    files = list((tmp_path / "diffcli").glob("tables-*.marshal"))
    assert len(files) == 1
    t2 = lalr.load_tables()  # reads it back
    assert t2.data == t1.data == marshal.loads(files[0].read_bytes())
    # lark numbers its states differently from run to run: compare what the tables do
    other = lalr.Tables(json.loads(json.dumps(fresh)))
    assert len(other.states) == len(t1.states) and sorted(map(str, other.rules)) == sorted(map(str, t1.rules))
    for text in ("1 + 2*3^-x", "f(a, b) = a*b with grad(g) = g*b, g*a; f(x, [1, 2][0]) at x = 1",
                 "m[1:, ::2] @ v.grad < 3", "[[1, 2], [3, 4]][0, -1]"):
        assert other.parse(text, "program", _Echo()) == t1.parse(text, "program", _Echo())


def test_unwritable_cache_still_parses(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert lalr.load_tables().parse("1 + 2", "program", _Echo()) is not None


class _Echo:
    """A builder that records rule names, to see the driver call the grammar's aliases."""

    _lalr_callbacks = None

    def __getattr__(self, name):
        return lambda *kids: (name, tuple(_plain(k) for k in kids))


def _plain(k):
    if isinstance(k, lalr.Tok):
        return (k.type, k.value)
    if isinstance(k, list):
        return tuple(_plain(x) for x in k)
    return k


def test_driver_calls_aliases_with_filtered_children():
    name, kids = lalr.load_tables().parse("1 + 2", "program", _Echo())
    assert name == "program"
    items = kids[0]
    assert items[0] == "items"
    add = items[1][0]
    assert add[0] == "add" and [k[0] for k in add[1]] == ["number", "PLUS", "number"]
    assert add[1][0][1] == (("NUMBER", "1"),)


def test_damaged_cache_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    lalr.load_tables()
    (f,) = (tmp_path / "diffcli").glob("tables-*.marshal")
    f.write_bytes(f.read_bytes()[:100])  # truncated: marshal raises
    assert lalr.load_tables().parse("x", "program", _Echo())[0] == "program"
    assert parse("x^2 at x = 1").bindings[0].name == "x"
