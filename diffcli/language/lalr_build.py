"""The parse tables, built by lark from grammar/diffcli.lark, as the plain data lalr.Tables reads.

lark has no documented API for its LALR tables. Its documented tools that ship a parser without
the grammar (``python -m lark.tools.serialize``, the standalone generator, ``Lark.save``) write
them in one serialized form, and that form is what is read here, with every part of its shape
checked. The tree shaping a transformer sees (anonymous tokens filtered out, ``?rule`` and
``_rule`` inlined, ``[x]`` as a None placeholder; lark's docs/tree_construction.md) is turned
into per-rule data, and the result is then parsed against lark's own parser on programs that
use every rule: a lark whose tables or shaping differ gives a clear error naming the versions
diffcli is tested with, never a parser that builds the wrong tree.
"""
from __future__ import annotations

import re
from typing import Any

from ..errors import DiffcliError
from .lalr import FORMAT, Tables, Tok

TESTED = ((1, 1, 9), (1, 4))  # lark versions the tables are tested with: from the first, below the second
STARTS = ("program", "repl_line")
# Between them, these use every rule of the grammar (tests/language/test_lalr_tables.py checks).
SAMPLES = (
    ("program", "1 + 2*3^-x - +y / z @ w ** 2"),
    ("program", "f(a, b) = a*b with grad(g) = g*b, g*a; f(x, [1, 2,][0], k=3) at x = 1, y = 2"),
    ("program", "m[1:, ::2, :3, 1:2:3, :] @ v.grad < 3;"),
    ("program", "[]; g() == (2)"),
    ("repl_line", "x = 1 + 2"),
    ("repl_line", "h(t) = t; h(1) at t = 2"),
)


class _Unsupported(Exception):
    """lark's serialized tables are not in the shape this module reads."""


def compile_tables(text: str) -> dict:
    """Let lark compile the grammar; its tables as plain data, checked against lark's own parse."""
    import lark
    from lark import Lark
    version = _version(lark.__version__)
    low, high = TESTED
    if not low <= version < high:
        raise _refusal(lark.__version__, "outside the tested range")
    lk = Lark(text, parser="lalr", start=list(STARTS), maybe_placeholders=True)
    try:
        data = _tables(*lk.memo_serialize(_memo_types()))
        _agree(Tables(data), lk)
    except (_Unsupported, LookupError, TypeError, ValueError, AttributeError) as exc:
        raise _refusal(lark.__version__, f"its tables are not in the expected form ({exc})") from None
    return data


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def _refusal(version: str, why: str) -> DiffcliError:
    low, high = (".".join(map(str, v)) for v in TESTED)
    return DiffcliError("internal", f"diffcli cannot build its parser with lark {version}: {why}",
                        hint=f"install a lark diffcli is tested with: pip install 'lark>={low},<{high}'")


def _memo_types() -> list:
    from lark.grammar import Rule
    from lark.lexer import TerminalDef
    return [TerminalDef, Rule]


def _typed(obj: Any, kind: str) -> dict:
    if not isinstance(obj, dict) or obj.get("__type__") != kind:
        raise _Unsupported(f"expected a {kind}, found {type(obj).__name__}")
    return obj


def _tables(data: dict, memo: dict) -> dict:
    """Our table data from lark's serialized parser (``Lark.memo_serialize``)."""
    frontend = _typed(data["parser"], "ParsingFrontend")
    table, lexer = frontend["parser"], _typed(frontend["lexer_conf"], "LexerConf")
    names = table["tokens"]  # lark's symbol numbers -> terminal or rule names
    order = {}  # lark's rule number -> ours
    rules: list = []
    for key in sorted(k for k, v in memo.items() if v.get("__type__") == "Rule"):
        order[key] = len(rules)
        rules.append(_rule_data(_typed(memo[key], "Rule")))
    states = []
    for s in range(len(table["states"])):
        row = {}
        for sym, (reduce, arg) in table["states"][s].items():
            if reduce not in (0, 1):
                raise _Unsupported(f"an action coded {reduce!r}")
            row[str(names[sym])] = [False, order[arg["@"]]] if reduce else [True, int(arg)]
        states.append(row)
    terminals = [_typed(memo[ref["@"]], "TerminalDef") for ref in lexer["terminals"]]
    name = next(t for t in terminals if t["name"] == "NAME")
    name_re = re.compile(_regexp(name["pattern"]))
    literal = [t for t in terminals if t["pattern"]["__type__"] == "PatternStr"]
    keywords = {t["pattern"]["value"]: t["name"] for t in literal
                if name_re.fullmatch(t["pattern"]["value"]) and not t["pattern"]["flags"]}
    regexps = [(t["name"], _regexp(t["pattern"])) for t in terminals if t["pattern"]["__type__"] == "PatternRE"]
    literals = sorted(((t["name"], _regexp(t["pattern"])) for t in literal if t["name"] not in keywords.values()),
                      key=lambda x: -len(x[1]))  # the longest first: "**" before "*"
    return {"format": FORMAT, "states": states, "rules": rules, "start": dict(table["start_states"]),
            "end": dict(table["end_states"]), "keywords": keywords, "ignore": [str(n) for n in lexer["ignore"]],
            "terminals": [list(t) for t in regexps + literals]}


def _regexp(pattern: dict) -> str:
    """A terminal's regular expression, as lark's documented grammar defines it."""
    kind = pattern["__type__"]
    if kind not in ("PatternStr", "PatternRE"):
        raise _Unsupported(f"a terminal pattern of type {kind}")
    text = re.escape(pattern["value"]) if kind == "PatternStr" else pattern["value"]
    for flag in pattern["flags"]:
        text = f"(?{flag}:{text})"
    return text


def _rule_data(rule: dict) -> list:
    """What a transformer is given for one rule, as data: [origin, length, callback name,
    inline a single child?, kept children [(index, Nones before it)], Nones at the end,
    children that are ``_rule``s to splice]."""
    exp = [s if s.get("__type__") == "Terminal" else _typed(s, "NonTerminal") for s in rule["expansion"]]
    options = _typed(rule["options"], "RuleOptions")
    empty = options["empty_indices"]  # one flag per child and per [x] left out: True where left out
    gaps = [len(ones) for ones in "".join(str(int(b)) for b in empty).split("0")] if empty else [0] * (len(exp) + 1)
    if len(gaps) != len(exp) + 1:
        raise _Unsupported("placeholders that do not fit the rule")
    include, nones, splice = [], 0, []
    for i, sym in enumerate(exp):
        nones += gaps[i]
        is_term = sym["__type__"] == "Terminal"
        if options["keep_all_tokens"] or not (is_term and sym["filter_out"]):
            include.append([i, nones])
            nones = 0
            if not is_term and sym["name"].startswith("_"):
                splice.append(i)
    nones += gaps[len(exp)]
    origin = str(_typed(rule["origin"], "NonTerminal")["name"])
    alias = rule["alias"]
    name = None if origin.startswith("_") else str(alias or origin)
    expand1 = bool(options["expand1"] and not alias)
    return [origin, len(exp), name, expand1, include, nones, splice]


class _Echo:
    """A builder that returns each rule's name and children: the tree lark itself would build."""

    _lalr_callbacks = None

    def __getattr__(self, name: str) -> Any:
        return lambda *kids: (name, tuple(_plain(k) for k in kids))


def _plain(node: Any) -> Any:
    """A tree from lark's parse or ours, as nested tuples of names, (type, text) tokens and Nones."""
    if isinstance(node, Tok) or type(node).__name__ == "Token":
        return (node.type, str(node))
    if isinstance(node, tuple) or node is None:
        return node
    if isinstance(node, list):  # a _rule spliced into its parent
        return tuple(_plain(k) for k in node)
    return (str(node.data), tuple(_plain(k) for k in node.children))


def _agree(tables: Tables, lk: Any) -> None:
    """Our driver and lark's own parser build the same tree for every sample."""
    for start, text in SAMPLES:
        ours, theirs = tables.parse(text, start, _Echo()), _plain(lk.parse(text, start=start))
        if ours != theirs:
            raise _Unsupported(f"'{text}' parses as {theirs!r}, the tables give {ours!r}")
