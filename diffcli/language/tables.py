"""The parse tables for the current grammar: read from the user's cache, or built by lark.

Building takes lark a few hundred milliseconds, so the tables are kept in
``$XDG_CACHE_HOME/diffcli`` (or ``~/.cache/diffcli``), named by checksums of the grammar. The
folder and the file are used only when no other user can write them (userfiles), and what is
read is then checked before the parser uses it: the shape, every index in range, every
callback one of the grammar's rule names, and every terminal's regular expression the one the
grammar gives it. Anything else is built again in memory.
"""
from __future__ import annotations

import marshal
import os
import re
import sys
import zlib
from typing import Any

from ..userfiles import private_dir, read_private, replace_private
from .grammar import grammar_text
from .lalr import FORMAT, Tables

_MAX_BYTES = 1 << 20  # the tables take about 20 KB; more is not ours
_KEYS = {"format", "states", "rules", "start", "end", "keywords", "ignore", "terminals"}
_LITERAL = re.compile(r'"((?:[^"\\\n]|\\.)*)"|/((?:[^/\\\n]|\\.)+)/')  # a "string" or a /regexp/
_ESCAPES = {"\\n": "\n", "\\t": "\t", "\\f": "\f", "\\r": "\r"}  # what lark reads in a /regexp/


def _cache_dir() -> int | None:
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # the XDG spec: a relative path is ignored
        base = os.path.join(os.path.expanduser("~"), ".cache")
    if not os.path.isabs(base):
        return None
    return private_dir(os.path.join(base, "diffcli"))


def load_tables() -> Tables:
    """The tables for the current grammar: from the cache, or compiled by lark (and cached)."""
    text = grammar_text()
    # zlib's checksums and marshal, not hashlib and json: a one-shot command pays for every
    # import, and these are the cheapest (marshal is built in and loads fastest; see
    # benchmarks/README.md). marshal's format belongs to one Python version, hence the cache tag.
    raw = f"{FORMAT}\n{text}".encode()
    name = f"tables-{zlib.crc32(raw):08x}{zlib.adler32(raw):08x}-{sys.implementation.cache_tag}.marshal"
    folder = _cache_dir()
    try:
        blob = None if folder is None else read_private(folder, name, _MAX_BYTES)
        tables = None if blob is None else _from_cache(blob, text)
        if tables is not None:
            return tables
        from .lalr_build import compile_tables
        data = compile_tables(text)
        if folder is not None:
            replace_private(folder, name, marshal.dumps(data))  # on failure the next run compiles again
        return Tables(data)
    finally:
        if folder is not None:
            os.close(folder)


def _from_cache(blob: bytes, text: str) -> Tables | None:
    try:
        data = marshal.loads(blob)
        if not valid(data, text):
            return None
        tables = Tables(data)
        tables.parse("x", "program", _Probe())
        return tables
    except Exception:  # noqa: BLE001 - any damage the checks let through: build again
        return None


class _Probe:
    """A builder that accepts every rule, to try loaded tables once."""

    _lalr_callbacks = None

    def __getattr__(self, name: str) -> Any:
        return lambda *kids: name


def grammar_facts(text: str) -> tuple[set, dict, set, set]:
    """From the grammar's text: its rule names and aliases (the callbacks), each named terminal's
    regular expressions (one per alternative), the quoted strings in rules, and the ignored
    /regexps/. String methods and one regular expression: this runs at every start."""
    names: set = set()
    named: dict = {}
    literals: set = set()
    ignored: set = set()
    for line in text.splitlines():
        head, colon, body = line.partition(":")
        head = head.strip().lstrip("?")
        if line.lstrip().startswith("//"):
            continue
        found = _LITERAL.findall(line)
        if line.startswith("%ignore"):
            ignored.update(_unescape(r) for _, r in found)
        elif colon and _word(head) and head.isupper() and line[0] not in " |":
            named[head] = [re.escape(s) if s or not r else _unescape(r) for s, r in _LITERAL.findall(body)]
        else:
            if colon and _word(head) and head.islower() and line[0] not in " |":
                names.add(head)
            literals.update(re.escape(s) for s, r in found if not r)
        if "->" in line:
            names.add(line.rpartition("->")[2].strip())
    return names, named, literals, ignored


def _word(name: str) -> bool:
    return name.isascii() and name.replace("_", "a").isalnum() and not name[:1].isdigit()


def _terminal(name: Any) -> bool:
    return type(name) is str and _word(name) and name.isupper()


def _unescape(regexp: str) -> str:
    for escaped, char in _ESCAPES.items():
        regexp = regexp.replace(escaped, char)
    return regexp


def _pattern_ok(name: str, pattern: str, named: dict, literals: set, ignored: set) -> bool:
    """Is ``pattern`` what the grammar gives terminal ``name``?"""
    if name in named:
        alts = named[name]
        if len(alts) == 1:
            return pattern == alts[0]
        # lark joins a terminal's alternatives into one group, longest first
        inner = pattern[3:-1].split("|")
        return pattern[:3] == "(?:" and pattern[-1:] == ")" and sorted(inner) == sorted(alts)
    return pattern in (ignored if name.startswith("__IGNORE") else literals)


def _index_pair(v: Any, bound: int) -> bool:
    return type(v) is list and len(v) == 2 and type(v[0]) is int and type(v[1]) is int and 0 <= v[0] < bound \
        and 0 <= v[1] < 64


def _rule_ok(r: Any, names: set) -> bool:
    """[origin, size, callback, expand1, include, nones, splice] with every part in range."""
    if type(r) is not list or len(r) != 7:
        return False
    origin, size, callback, expand1, include, nones, splice = r
    return (type(origin) is str and _word(origin) and type(size) is int and 0 <= size < 64
            and (callback is None or callback in names) and type(expand1) is bool
            and type(include) is list and all(_index_pair(p, size) for p in include)
            and type(nones) is int and 0 <= nones < 64
            and type(splice) is list and all(type(i) is int and 0 <= i < size for i in splice))


def valid(data: Any, text: str) -> bool:
    """Are ``data`` tables of this grammar's shape, with nothing that the grammar does not say?"""
    if type(data) is not dict or set(data) != _KEYS or data["format"] != FORMAT:
        return False
    states, rules, terminals = data["states"], data["rules"], data["terminals"]
    if not (type(states) is list and type(rules) is list and type(terminals) is list):
        return False
    names, named, literals, ignored = grammar_facts(text)
    if not all(_rule_ok(r, names) for r in rules):
        return False
    for t in terminals:
        if not (type(t) is list and len(t) == 2 and type(t[0]) is str and type(t[1]) is str
                and _terminal(t[0]) and _pattern_ok(t[0], t[1], named, literals, ignored)):
            return False
    symbols = {t[0] for t in terminals}
    keywords = data["keywords"]
    words = literals.union(*named.values())
    if not (type(keywords) is dict and all(type(w) is str and re.escape(w) in words and type(k) is str
                                           and _terminal(k) for w, k in keywords.items())):
        return False
    symbols |= set(keywords.values()) | {"$END"} | {r[0] for r in rules}
    ignore = data["ignore"]
    if not (type(ignore) is list and all(i in symbols for i in ignore)):
        return False
    for row in states:
        if type(row) is not dict:
            return False
        for sym, act in row.items():
            if not (sym in symbols and type(act) is list and len(act) == 2 and type(act[0]) is bool
                    and type(act[1]) is int and 0 <= act[1] < (len(states) if act[0] else len(rules))):
                return False
    return all(type(data[k]) is dict and set(data[k]) == {"program", "repl_line"}
               and all(type(s) is int and 0 <= s < len(states) for s in data[k].values()) for k in ("start", "end"))
