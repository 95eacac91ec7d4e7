"""A lean LALR driver over tables that lark compiles from grammar/diffcli.lark.

lark turns the grammar into parse tables once (lalr_build); they are cached in the user's
cache directory (tables). A run with a warm cache parses without importing lark: the lexer
is one regular expression built from the grammar's terminals, and the driver is a plain
loop over the tables that calls the builder's method for each rule (the rule's alias, or
its name), as lark's transformer-during-parse does.
"""
from __future__ import annotations

import re
from operator import itemgetter
from typing import Any


FORMAT = 1
_FAILED = "__FAILED"  # the lexer's group for a character that starts no token
_END = "__END"  # the lexer's group for the end of the text (the parser's $END)
_SHIFT_REDUCE = 1 << 20  # + rule: the driver's action that shifts a token and reduces at once (above every state)
_ERROR = 1 << 30  # the driver's action for a token the state does not accept (above every shift-reduce)


class Tok:
    """A token: its terminal type, text and character span."""

    __slots__ = ("type", "value", "start_pos", "end_pos")

    def __init__(self, type_: str, value: str, start: int, end: int) -> None:
        self.type, self.value, self.start_pos, self.end_pos = type_, value, start, end

    def __str__(self) -> str:
        return self.value

    def __float__(self) -> float:
        return float(self.value)

    def __repr__(self) -> str:
        return f"Tok({self.type}, {self.value!r})"


class ParseFailure(Exception):
    """The driver's error: where, and the parser state to ask what would have been accepted."""

    def __init__(self, pos: int, token: Tok | None, char: str | None, stack: list, tables: "Tables") -> None:
        super().__init__(pos)
        self.pos, self.token, self.char, self.stack, self.tables = pos, token, char, stack, tables

    def expected(self) -> list[str]:
        """Terminals that the parser would truly accept here (not LALR's merged lookaheads)."""
        return [t for t in self.tables.states[self.stack[-1]] if t.isupper() and self.tables.accepts(self.stack, t)]


class Tables:
    """Parse tables, rules and terminals in plain data, from lark or from the cache."""

    def __init__(self, data: dict) -> None:
        self.data = data
        # states[s][terminal or rule name] = (shift?, target state or rule index)
        self.states = [{k: tuple(v) for k, v in row.items()} for row in data["states"]]
        self.rules = data["rules"]  # [origin, length, callback, expand1, include, append_none, splice]
        self.passthrough = [r[1] == 1 and r[3] and r[4] == [[0, 0]] and not r[5] and not r[6] for r in self.rules]
        self.origin = [r[0] for r in self.rules]
        # the driver's view: terminal -> shift target (>= 0), -(rule + 1), or a shift-reduce
        # (see _shift_reduce); nonterminal -> goto state
        self.actions = [{k: (v[1] if v[0] else -v[1] - 1) for k, v in row.items() if k.isupper() or k == "$END"}
                        for row in self.states]
        self.gotos = [{k: v[1] for k, v in row.items() if not (k.isupper() or k == "$END")}
                      for row in self.states]
        self.start = data["start"]
        self.end = data["end"]
        self.keywords = data["keywords"]
        self.ignore = set(data["ignore"])
        # One regular expression lexes: the ignored text first (possessive: never given back),
        # then the empty group 1 where the token starts, and one alternative per terminal, in
        # the grammar's order (a group around them would be the last to close, hiding the
        # terminal's name from lastgroup). This assumes that
        # no terminal starts like ignored text (they are spaces and comments). Each terminal's
        # name is an empty group after its pattern: an alternative that starts with a literal
        # or a character set is then skipped at once when its first character differs (re's
        # fast path, which a group around the pattern defeats). Every position matches: a
        # character no terminal starts with is the _FAILED group and the end of the text the
        # _END group, so finditer walks the text without gaps and ends with the end token.
        ignored = "|".join(f"(?:{r})" for n, r in data["terminals"] if n in self.ignore) or "(?!)"
        terminals = "|".join(f"(?:{r})(?P<{n}>)" for n, r in data["terminals"] if n not in self.ignore)
        self.scanner = re.compile(f"(?:{ignored})*+()(?:{terminals}|(?s:.)(?P<{_FAILED}>)|\\Z(?P<{_END}>))")
        for row in self.actions:  # the driver sees the end of the text by its group's name
            if "$END" in row:
                row[_END] = row["$END"]
        self._shift_reduce()
        self._number_kinds()

    def _number_kinds(self) -> None:
        """The driver's view in small ints: a token's kind is the number of its terminal's group
        (the match's lastindex, no name to look up), a keyword's a number after the groups; each
        state's actions are a list indexed by kind. A goto and the one-child reductions that
        follow it are one lookup, filled in as met: jumps[below][origin * kinds + kind]."""
        index = self.scanner.groupindex
        names = [""] * (self.scanner.groups + 1)
        for name, group in index.items():
            names[group] = name
        self.keyword_ids = {}
        for word, term in self.keywords.items():
            self.keyword_ids[word] = len(names)
            names.append(term)
        self.kind_name = names
        kinds = self.kinds = len(names)
        ids = {name: i for i, name in enumerate(names) if name}
        self.name_id, self.end_id = ids.get("NAME", -1), ids[_END]
        self.table = []
        for row in self.actions:
            line = [_ERROR] * kinds
            for term, act in row.items():
                if term in ids:
                    line[ids[term]] = act
            self.table.append(line)
        nonterminals = {name: i for i, name in enumerate(dict.fromkeys(self.origin))}
        self.origin_key = [nonterminals[o] * kinds for o in self.origin]
        self.jumps: list[dict] = [{} for _ in self.states]
        self.chains: list[dict] = [{} for _ in self.states]  # chains[below][top * kinds + kind]
        self._ends = set(self.end.values())

    def _chain_memo(self, below: int, top: int, kind: int) -> int:
        """``_chain`` for the driver, memoized in self.chains."""
        end = self.chains[below][top * self.kinds + kind] = self._chain(below, top, self.kind_name[kind])
        return end

    def _jump(self, below: int, rule: int, kind: int) -> int:
        """The top state after rule's goto from ``below`` and the one-child reductions that the
        token of ``kind`` then triggers (memoized in self.jumps)."""
        top = self.gotos[below][self.origin[rule]]
        if not (kind == self.end_id and top in self._ends):
            top = self._chain(below, top, self.kind_name[kind])
        self.jumps[below][self.origin_key[rule] + kind] = top
        return top

    def _shift_reduce(self) -> None:
        """A shift into a state whose only action is to reduce by one rule becomes one action
        (coded _SHIFT_REDUCE + rule): a number, or a closing parenthesis, is reduced as it is
        read instead of at the next token. A syntax error is still found at the same token:
        that state reduces whatever comes next."""
        for row in self.actions:
            for term, act in row.items():
                if not 0 <= act < _SHIFT_REDUCE or self.gotos[act]:
                    continue
                targets = set(self.actions[act].values())
                if len(targets) == 1:
                    (only,) = targets
                    if only < 0 and not self.passthrough[~only]:
                        row[term] = _SHIFT_REDUCE + ~only

    # ---------------------------------------------------------------- lexing
    def tokens(self, text: str) -> list[Tok]:
        """The tokens of ``text`` (without the end); ParseFailure at a character that starts none."""
        kw = self.keywords
        out = []
        for m in self.scanner.finditer(text):
            typ = m.lastgroup
            start, end = m.end(1), m.end()
            if typ == _END:
                break
            if typ == _FAILED:
                raise ParseFailure(start, None, text[start], [], self)
            val = text[start:end]
            if typ == "NAME" and val in kw:
                typ = kw[val]
            out.append(Tok(typ, val, start, end))
        return out

    # ---------------------------------------------------------------- parsing
    def parse(self, text: str, start: str, builder: Any, tick: Any = None) -> Any:
        """Parse ``text``; ``tick`` (if given) is called every 4096 tokens, to enforce a time limit.

        Tokens are read as the parse goes; a character that starts no token is still the
        error reported, wherever it is, as if the whole text had been lexed first."""
        try:
            return self._run(text, start, builder, tick)
        except Exception:
            self._check_lexing(text)
            raise

    def _check_lexing(self, text: str) -> None:
        """ParseFailure at the first character of ``text`` that starts no token, if any."""
        for m in self.scanner.finditer(text):
            if m.lastgroup == _FAILED:
                start = m.end(1)
                raise ParseFailure(start, None, text[start], [], self)

    def _run(self, text: str, start: str, builder: Any, tick: Any) -> Any:
        """Lex ``text`` and drive the tables over its tokens; the start rule's value."""
        rules = self._rules(builder)
        table, jumps, names, kw = self.table, self.jumps, self.kind_name, self.keyword_ids
        gotos, origin, chains, kinds = self.gotos, self.origin, self.chains, self.kinds
        name_id, end_id = self.name_id, self.end_id
        end_state = self.end[start]
        top = self.start[start]
        stack = [top]
        values: list = []
        new, tok_class, error, shift_reduce = object.__new__, Tok, _ERROR, _SHIFT_REDUCE
        count = 0
        if len(text) < 4095:  # fewer than 4096 tokens: never a tick, nor its count
            tick = None
        for m in self.scanner.finditer(text):
            kind = m.lastindex
            pos, end = m.end(1), m.end()
            if kind == name_id and text[pos:end] in kw:
                kind = kw[text[pos:end]]
            if tick is not None:
                count += 1
                if not count & 4095:
                    tick()
            act = table[top][kind]
            while act < 0:  # reduce by rule ~act, as often as the token asks
                through, size, fn, key = rules[~act]
                if through:  # after a shift-reduce's goto: the chain that this token triggers
                    below = stack[-2]
                    top = chains[below].get(top * kinds + kind)
                    if top is None:
                        top = self._chain_memo(below, stack[-1], kind)
                    stack[-1] = top
                elif size == 1:  # a token becomes a node: the stacks keep their depth
                    values[-1] = fn(values[-1])
                    below = stack[-2]
                    top = jumps[below].get(key + kind)
                    if top is None:
                        top = self._jump(below, ~act, kind)
                    stack[-1] = top
                else:
                    if size:
                        children = values[-size:]
                        del stack[-size:]
                        del values[-size:]
                        values.append(fn(*children))
                    else:
                        values.append(fn())
                    below = stack[-1]
                    top = jumps[below].get(key + kind)
                    if top is None:
                        top = self._jump(below, ~act, kind)
                    stack.append(top)
                if top == end_state and kind == end_id:
                    return values[-1]
                act = table[top][kind]
            if act == error:
                raise self._failure(names[kind], text, pos, end, stack)
            tok = new(tok_class)  # Tok's fields set here: cheaper than a call to its __init__
            tok.type, tok.value, tok.start_pos, tok.end_pos = names[kind], text[pos:end], pos, end
            if act < shift_reduce:
                stack.append(act)
                values.append(tok)
                top = act
                continue
            rule = act - shift_reduce
            _, size, fn, key = rules[rule]
            if size == 1:
                values.append(fn(tok))
            else:  # the token completes the rule: its other children are on the stack
                keep = len(values) - size + 1
                children = values[keep:]
                children.append(tok)
                del values[keep:]
                del stack[keep + 1:]
                values.append(fn(*children))
            top = gotos[stack[-1]][origin[rule]]  # no chain: the next token is its lookahead
            stack.append(top)
        raise ParseFailure(len(text), None, None, stack, self)  # pragma: no cover

    def _failure(self, typ: str, text: str, pos: int, end: int, stack: list) -> ParseFailure:
        if typ == _FAILED:
            return ParseFailure(pos, None, text[pos], [], self)
        if typ == _END:
            return ParseFailure(pos, Tok("$END", "", pos, pos), None, stack, self)
        return ParseFailure(pos, Tok(typ, text[pos:end], pos, end), None, stack, self)

    def _chain(self, below: int, top: int, terminal: str) -> int:
        """The top state after every one-child reduction ``terminal`` triggers in a row over
        ``below`` (they never change the stack's depth, so the result depends on these three)."""
        while True:
            act = self.actions[top].get(terminal)
            if act is None or act >= 0 or not self.passthrough[-act - 1]:
                return top
            top = self.gotos[below][self.origin[-act - 1]]
            if top == self.end.get("program") or top == self.end.get("repl_line"):
                return top

    def accepts(self, stack: list, terminal: str) -> bool:
        """Would ``terminal`` be shifted after the reductions it triggers?"""
        stack = list(stack)
        for _ in range(10_000):
            act = self.states[stack[-1]].get(terminal)
            if act is None:
                return False
            if act[0]:
                return True
            origin, size = self.rules[act[1]][0], self.rules[act[1]][1]
            if size:
                del stack[-size:]
            nxt = self.states[stack[-1]].get(origin)
            if nxt is None:
                return False
            stack.append(nxt[1])
            if terminal == "$END" and stack[-1] in self.end.values():
                return True
        return False

    def _rules(self, builder: Any) -> list:
        """Per rule, what the driver needs: (one-child passthrough?, size, callback, origin's key
        in self.jumps); kept on the builder, whose methods the callbacks are, for these tables."""
        cached = getattr(builder, "_lalr_callbacks", None)
        if cached is not None and cached[0] is self:
            return cached[1]
        cbs = [(through, r[1], _make_callback(builder, r), key)
               for through, r, key in zip(self.passthrough, self.rules, self.origin_key)]
        builder._lalr_callbacks = (self, cbs)
        return cbs


class _Splice(list):
    """The children of an inlined helper rule (lark's ``__x_star_n``), spliced into the parent."""


def _gather(kids: list, children: tuple, include: list, splice: set) -> list:
    """Append the kept children (and lark's placeholder Nones) to ``kids``, splicing helpers."""
    for i, nones in include:
        if nones:
            kids.extend([None] * nones)
        c = children[i]
        if i in splice and type(c) is _Splice:
            kids.extend(c)
        else:
            kids.append(c)
    return kids


def _make_callback(builder: Any, rule: list) -> Any:
    """The function the driver calls with a rule's children (its values on the stack)."""
    _, size, name, expand1, include, append_none, splice = rule
    method = None if name is None else getattr(builder, name, None)  # an inlined ?rule may have none
    splice = set(splice)
    if method is not None and not splice and not append_none and all(n == 0 for _, n in include):
        idx = [i for i, _ in include]
        if idx == list(range(size)) and not (expand1 and size == 1):
            return method  # every child kept, in order: the common case, no wrapper
        if expand1 and len(idx) == 1:
            return lambda *children: children[idx[0]]
        pick = itemgetter(*idx)  # a tuple of the kept children (one child alone when len(idx) == 1)
        if len(idx) == 1:
            return lambda *children: method(pick(children))
        return lambda *children: method(*pick(children))

    if name is None and include and include[0][0] in splice and include[0][1] == 0 and not append_none:
        # a left-recursive helper (lark's __x_star_n): extend the list it already built, in
        # place, so a list of n items costs O(n), not O(n^2)
        first, rest = include[0][0], include[1:]

        def grow(*children: Any) -> Any:
            head = children[first]
            return _gather(head if type(head) is _Splice else _Splice([head]), children, rest, splice)
        return grow

    def callback(*children: Any) -> Any:
        kids = _gather([], children, include, splice)
        if append_none:
            kids.extend([None] * append_none)
        if expand1 and len(kids) == 1:
            return kids[0]
        if name is None:
            return _Splice(kids)
        return method(*kids)

    return callback

