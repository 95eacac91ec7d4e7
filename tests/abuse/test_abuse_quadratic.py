"""Work that grew with the square (or worse) of the input: definitions checked against each
other, long batch lines, multi-line REPL input, :load, graph output. Each case is sized so
that the quadratic version runs for minutes and the linear one for about a second, under a
generous wall-clock timeout: a hang fails, a slow machine does not."""
from __future__ import annotations

from abuse_support import assert_clean, json_value, run


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
