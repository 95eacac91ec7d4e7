"""Work that grew with the square (or worse) of the input: definitions checked against each
other, long batch lines, multi-line REPL input, :load, graph output. Each case is sized so
that the quadratic version runs for minutes and the linear one for about a second, under a
generous wall-clock timeout: a hang fails, a slow machine does not."""
from __future__ import annotations

from abuse_testlib import assert_clean, json_value, run


def _chain(n: int) -> str:
    return "f0(x) = x; " + "".join(f"f{i}(x) = f{i - 1}(x)*1; " for i in range(1, n)) + f"f{n - 1}(2)"


def test_thousands_of_chained_definitions_are_checked_in_linear_time():
    # 4,000 of them took 86 s when each definition's check walked every one before it
    r = run(["eval", "-", "--json"], stdin=_chain(6000) + "\n", timeout=60)
    assert json_value(r)["value"] == 2.0


def test_chained_definitions_still_find_recursion_through_the_chain():
    prog = "g(x) = f3(x); " + _chain(4).replace("f0(x) = x", "f0(x) = g(x)")
    r = run(["eval", "-", "--json"], stdin=prog + "\n", timeout=60)
    assert_clean(r, codes=(1,))
    err = r.only_json()["error"]
    assert err["kind"] == "type" and "recursive definition: f3 -> f2 -> f1 -> f0 -> g -> f3" in err["message"], err


class _Pipe:
    """Standard input as a pipe delivers it: at most ``size`` bytes per read1."""

    def __init__(self, data: bytes, size: int = 1 << 16) -> None:
        self.data, self.pos, self.size = data, 0, size

    def read1(self, n: int) -> bytes:
        piece = self.data[self.pos:self.pos + min(n, self.size)]
        self.pos += len(piece)
        return piece


def test_a_long_batch_line_is_not_held_past_the_length_limit(monkeypatch):
    """The partial line was re-joined on every read (80 MB: 56 s) and kept whole; now a line
    is kept only while it can still be within --max-length, and its rest is skipped."""
    import sys
    import tracemalloc
    from types import SimpleNamespace

    from diffcli import runner

    line = b"1+" * (4 << 20) + b"1"
    monkeypatch.setattr(sys, "stdin", SimpleNamespace(buffer=_Pipe(b"1\n" + line + b"\n2\n")))
    tracemalloc.start()
    try:
        items = [item for chunk in runner._stdin_chunks(lambda: None, 1000) for item in chunk]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [(n, text) for n, text, _ in items] == [(1, "1"), (2, ""), (3, "2")]
    assert items[1][2][0] == "limit" and "--max-length" in items[1][2][1]
    assert peak < len(line) // 4, peak  # never the whole line in memory


def test_a_too_long_batch_line_is_that_lines_error_and_the_batch_goes_on():
    r = run(["eval", "-", "--json", "--max-length", "100"], stdin=b"1\n" + b"1+" * 500_000 + b"1\n2\n", timeout=60)
    assert_clean(r, codes=(1,))
    docs = r.json_lines()
    assert docs[0] == {"value": 1.0} and docs[2] == {"value": 2.0}, docs
    assert docs[1]["error"]["kind"] == "limit", docs


def test_a_statement_of_many_lines_is_scanned_once(monkeypatch):
    """Each new line re-joined and re-scanned the whole statement so far: '(' then 20,000
    lines of '1+' then '1)' took 92 s in the REPL, and :load of a 30 KB file 24 s."""
    from diffcli.repl import lines

    scanned = []
    real = lines.depth
    monkeypatch.setattr(lines, "depth", lambda text: scanned.append(len(text)) or real(text))
    script = ["("] + ["1+"] * 20_000 + ["1)", "2"]
    assert list(lines.statements(script)) == [(1, "\n".join(script[:-1])), (20_003, "2")]
    assert sum(scanned) <= 2 * sum(len(s) + 1 for s in script), sum(scanned)


def test_load_of_a_statement_spread_over_many_lines(tmp_path):
    from diffcli.repl.statements import ReplState

    (tmp_path / "long.txt").write_text("y = (\n" + "1+\n" * 5000 + "1)\n")
    state = ReplState()
    reply = state.execute(f":load {tmp_path / 'long.txt'}")
    assert not reply.error, reply.text
    assert float(state.variables["y"]._v) == 5001.0


def test_a_file_that_loads_itself_many_times_is_bounded_in_breadth(tmp_path):
    """Ten ':load self' lines nested 8 deep meant 10^8 loads; the total is now bounded."""
    (tmp_path / "self.txt").write_text(":load self.txt\n" * 10)
    r = run(["repl"], stdin=":load self.txt\n1 + 1\n", cwd=tmp_path, timeout=60)
    assert_clean(r, codes=(1,))
    assert r.out.strip().splitlines()[-1].split("#")[0].strip() == "2.0", r
    assert "more than 100 files" in r.err, r
    assert len(r.err) < 2_000_000, len(r.err)


def test_graph_output_grows_with_the_program_not_its_square():
    """Each node printed its whole subexpression, and the tree view indented every level:
    a 40 KB program x+x+... gave 1.2 GB of text (400 MB as JSON or DOT)."""
    prog = "x" + "+x" * 10_000 + " at x = 1"
    for fmt in (["--format", "text"], ["--format", "dot"], ["--json"]):
        r = run(["graph", "-", *fmt], stdin=prog + "\n", timeout=120)
        assert_clean(r, codes=(0,))
        assert len(r.out) < 200 * len(prog), (fmt, len(r.out))


def test_a_shared_subexpression_is_printed_once():
    from abuse_testlib import invoke

    r = invoke(["graph", "f(t) = t*t; f(x) + sin(f(x)) at x = 2"])
    assert r.code == 0, r
    # t*t once in full, then named; (its two inputs are both x: the second is named too)
    assert r.out.count("MulBackward0 't*t' @1:8  [scalar]") == 1, r.out
    assert r.out.count("MulBackward0 't*t' @1:8  (shown above)") == 1, r.out


def test_repl_graph_of_a_long_chain_is_linear():
    from diffcli.repl.statements import ReplState

    state = ReplState()
    assert not state.execute("x = 1").error
    assert not state.execute("y = x" + " + x" * 5000).error
    reply = state.execute(":graph y")
    assert not reply.error, reply.text[:500]
    assert len(reply.text) < 200 * 5000 * 4, len(reply.text)
