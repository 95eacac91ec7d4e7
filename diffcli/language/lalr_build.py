"""The tables' building (by lark, from the grammar) and their cache beside the user's other caches."""
from __future__ import annotations

import marshal
import os
import re
import sys
import zlib
from typing import Any

from .grammar import grammar_text
from .lalr import FORMAT, Tables

class _Probe:
    """A builder that accepts every rule, to test a loaded table."""

    _lalr_callbacks = None

    def __getattr__(self, name: str) -> Any:
        return lambda *kids: name


def _cache_dir() -> str | None:
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # the XDG spec: a relative path is ignored
        base = os.path.join(os.path.expanduser("~"), ".cache")
    if not os.path.isabs(base):
        return None
    path = os.path.join(base, "diffcli")
    try:
        os.makedirs(path, exist_ok=True)
        return path if os.access(path, os.W_OK) else None
    except OSError:
        return None


def load_tables() -> Tables:
    """The tables for the current grammar: from the cache, or compiled by lark (and cached)."""
    text = grammar_text()
    # zlib's checksums and marshal, not hashlib and json: a one-shot command pays every import
    # (hashlib ~5 ms, json ~3 ms cold, against zlib's ~1 ms; marshal is built in and loads twice
    # as fast). marshal's format belongs to one Python version, hence the cache tag.
    raw = f"{FORMAT}\n{text}".encode()
    key = f"{zlib.crc32(raw):08x}{zlib.adler32(raw):08x}"
    folder = _cache_dir()
    path = os.path.join(folder, f"tables-{key}-{sys.implementation.cache_tag}.marshal") if folder else None
    if path and os.path.exists(path):
        try:
            with open(path, "rb") as f:
                tables = Tables(marshal.load(f))
            tables.parse("x", "program", _Probe())  # a cache of the wrong shape fails here
            return tables
        except Exception:  # noqa: BLE001 - any damage to the cache: rebuild it
            pass
    data = compile_tables(text)
    if path:
        try:
            tmp = f"{path}.{os.getpid()}.tmp"
            with open(tmp, "wb") as f:
                marshal.dump(data, f)
            os.replace(tmp, path)
        except OSError:
            pass  # no cache: the next run compiles again
    return Tables(data)


def compile_tables(text: str) -> dict:
    """Let lark compile the grammar; keep only plain data."""
    from lark import Lark
    lk = Lark(text, parser="lalr", start=["program", "repl_line"], maybe_placeholders=True)
    pt = lk.parser.parser.parser.parse_table
    rules: list = []
    index: dict = {}
    for rule in lk.rules:
        index[id(rule)] = len(rules)
        rules.append(_rule_data(rule))
    by_key = {(r.origin.name, tuple(s.name for s in r.expansion), r.alias, r.options.empty_indices): index[id(r)]
              for r in lk.rules}
    states = []
    for s in range(len(pt.states)):
        row = {}
        for sym, (action, arg) in pt.states[s].items():
            if action.name == "Shift":
                row[str(sym)] = [True, arg]
            else:
                key = (arg.origin.name, tuple(x.name for x in arg.expansion), arg.alias, arg.options.empty_indices)
                row[str(sym)] = [False, by_key[key]]
        states.append(row)
    name_re = re.compile(next(t.pattern.to_regexp() for t in lk.terminals if t.name == "NAME"))
    keywords = {t.pattern.value: t.name for t in lk.terminals
                if t.pattern.type == "str" and name_re.fullmatch(t.pattern.value)}
    regexps = [(t.name, t.pattern.to_regexp()) for t in lk.terminals if t.pattern.type == "re"]
    literals = sorted(((t.name, re.escape(t.pattern.value)) for t in lk.terminals
                       if t.pattern.type == "str" and t.name not in keywords.values()),
                      key=lambda x: -len(x[1]))
    return {"format": FORMAT, "states": states, "rules": rules, "start": dict(pt.start_states),
            "end": dict(pt.end_states), "keywords": keywords, "ignore": list(lk.lexer_conf.ignore),
            "terminals": [list(t) for t in regexps + literals]}


def _rule_data(rule: Any) -> list:
    """What lark's tree builder does for a rule, as data (see lark's maybe_create_child_filter)."""
    exp = rule.expansion
    empty = rule.options.empty_indices
    if empty:
        bits = "".join(str(int(b)) for b in empty)
        gaps = [len(ones) for ones in bits.split("0")]
    else:
        gaps = [0] * (len(exp) + 1)
    include, nones, splice = [], 0, []
    for i, sym in enumerate(exp):
        nones += gaps[i]
        if rule.options.keep_all_tokens or not (sym.is_term and sym.filter_out):
            include.append([i, nones])
            nones = 0
            if not sym.is_term and sym.name.startswith("_"):
                splice.append(i)
    nones += gaps[len(exp)]
    origin = str(rule.origin.name)
    name = None if origin.startswith("_") else str(rule.alias or origin)
    expand1 = bool(rule.options.expand1 and not rule.alias)
    return [origin, len(exp), name, expand1, include, nones, splice]
