"""Property tests (hypothesis, in process): batch bookkeeping for any mix of lines, and numbers
that survive text and JSON output exactly."""
from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli_testlib import invoke, validate, validate_error

SETTINGS = settings(max_examples=40, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])

LINE = st.one_of(
    st.tuples(st.just("good"), st.integers(-50, 50)),
    st.tuples(st.just("blank"), st.sampled_from(["", " ", "\t", "  \t "])),
    st.tuples(st.just("comment"), st.sampled_from(["#", "# x^2 at x = 1", "#!@$%"])),
    st.tuples(st.just("name"), st.integers(0, 9)),
    st.tuples(st.just("parse"), st.sampled_from(["1 +", "(1", "x at", "2 3"])),
    st.tuples(st.just("domain"), st.integers(1, 9)),
)


@SETTINGS
@given(lines=st.lists(LINE, max_size=25), crlf=st.booleans(), final_newline=st.booleans())
def test_batch_answers_every_program_line_in_order(lines, crlf, final_newline):
    text_lines, expect = [], []
    for lineno, (kind, arg) in enumerate(lines, start=1):
        if kind == "good":
            text_lines.append(f"x^2 + {arg} at x = {arg}")
            expect.append((lineno, None, float(arg * arg + arg), float(2 * arg)))
        elif kind in ("blank", "comment"):
            text_lines.append(arg)
        elif kind == "name":
            text_lines.append(f"x + unbound{arg} at x = 1")
            expect.append((lineno, "name", 5, None))
        elif kind == "parse":
            text_lines.append(arg)
            expect.append((lineno, "parse", None, None))
        else:
            text_lines.append(f"log(x - {arg}) at x = 0")
            expect.append((lineno, "domain", 1, None))
    eol = "\r\n" if crlf else "\n"
    stdin = eol.join(text_lines) + (eol if final_newline and text_lines else "")
    res = invoke(["grad", "-", "--json"], stdin=stdin.encode())
    out = res.json_lines()
    assert len(out) == len(expect), (stdin, res.stdout)
    for obj, (lineno, kind, a, b) in zip(out, expect):
        validate(obj, "grad")
        if kind is None:
            assert obj == {"value": a, "grad": {"x": b}}, (lineno, obj)
        else:
            err = validate_error(obj)
            assert err["kind"] == kind and err["line"] == lineno, (obj, lineno)
            if a is not None:
                assert err["column"] == a
    assert res.code == (1 if any(k for _, k, _, _ in expect) else 0)


FLOATS = st.floats(allow_nan=True, allow_infinity=True)


def _literal(f: float) -> str:
    if math.isnan(f):
        return "nan"
    if math.isinf(f):
        return "inf" if f > 0 else "-inf"
    return repr(f)


@SETTINGS
@given(values=st.lists(FLOATS, min_size=1, max_size=12))
def test_numbers_round_trip_exactly_through_json_and_text(values):
    program = "[" + ", ".join(_literal(v) for v in values) + "]"
    res = invoke(["eval", program, "--json"])
    (obj,) = res.json_lines()
    validate(obj, "eval")
    got = obj["value"]
    assert len(got) == len(values)
    for g, v in zip(got, values):
        if math.isnan(v):
            assert g == "nan"
        elif math.isinf(v):
            assert g == ("inf" if v > 0 else "-inf")
        else:
            assert type(g) is float and g == v and math.copysign(1, g) == math.copysign(1, v), (g, v)
    assert ("warnings" in obj) == any(math.isnan(v) for v in values)
    lines = [ln for ln in invoke(["eval", program]).stdout.splitlines() if not ln.startswith("warning:")]
    text = lines[0] + "".join(" " + ln.strip() for ln in lines[1:])  # long rows wrap
    assert text == "value  [" + ", ".join("0.0" if v == 0 else _literal(v) for v in values) + "]"
    assert all(len(ln) <= 7 + 76 + 1 for ln in lines[1:]), lines  # (zero is shown without a sign)


@SETTINGS
@given(x=st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), k=st.integers(1, 6))
def test_polynomial_gradient_is_exact_in_json(x, k):
    (obj,) = invoke(["grad", f"x^{k} at x = {x!r}", "--json"]).json_lines()
    assert obj["value"] == x ** k or math.isclose(obj["value"], x ** k, rel_tol=4e-16 * k)
    want = k * x ** (k - 1)
    assert math.isclose(obj["grad"]["x"], want, rel_tol=4e-16 * k, abs_tol=0.0) or obj["grad"]["x"] == want
