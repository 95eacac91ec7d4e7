"""The LALR driver runs lark's own tables: a fresh compile equals what the cache holds."""
import json

from diffcli.language import lalr
from diffcli.language.grammar import grammar_text
from diffcli.language.parser import parse


def test_cache_round_trips_lark_compile(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    fresh = lalr.compile_tables(grammar_text())
    t1 = lalr.load_tables()  # compiles and writes the cache
    files = list((tmp_path / "diffcli").glob("tables-*.json"))
    assert len(files) == 1
    assert json.loads(files[0].read_text()) == json.loads(json.dumps(fresh))
    t2 = lalr.load_tables()  # reads it back
    assert t2.data == t1.data


def test_unwritable_cache_still_parses(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert lalr.load_tables().parse("1 + 2", "program", _Echo()) is not None


class _Echo:
    """A builder that records rule names, to see the driver call the grammar's aliases."""

    def __getattr__(self, name):
        return lambda *kids: (name, kids)


def test_driver_calls_aliases_with_filtered_children():
    name, kids = lalr.load_tables().parse("1 + 2", "program", _Echo())
    assert name == "program"
    items = kids[0]
    assert items[0] == "items"
    add = items[1][0]
    assert add[0] == "add" and [k[0] for k in add[1]] == ["number", "number"]


def test_damaged_cache_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    lalr.load_tables()
    (f,) = (tmp_path / "diffcli").glob("tables-*.json")
    f.write_text("{not json")
    assert lalr.load_tables().parse("x", "program", _Echo())[0] == "program"
    assert parse("x^2 at x = 1").bindings[0].name == "x"
