"""Resource exhaustion: huge tensors, towers of powers, deep derivatives, recursion, deep
nesting, huge programs. Each runs in its own process under a 2 GiB address-space cap and a
wall-clock timeout, and must end in time with the right answer or a `limit` error (or the
documented error), never a traceback, a MemoryError or a hang.
"""
from __future__ import annotations

import pytest

from concurrent.futures import Future, ThreadPoolExecutor

from abuse_testlib import assert_clean, assert_error_doc, json_error, json_value, run

_FAN = "f0(x) = x*x; " + "".join(f"f{i}(x) = f{i - 1}(f{i - 1}(x)); " for i in range(1, 41))
_MEGA = "1" + "+1" * (1 << 19)  # 1 MB of tokens
NESTING = [("parens", 100), ("parens", 10_000), ("parens", 100_000),
           ("sin", 100), ("sin", 10_000), ("sin", 100_000), ("neg", 100), ("neg", 10_001)]
_NESTED = {
    "parens": lambda d: "(" * d + "x" + ")" * d + " at x = 0.5",
    "sin": lambda d: "sin(" * d + "x" + ")" * d + " at x = 0.5",
    "neg": lambda d: "-" * d + "x at x = 0.5",
}

# The slow runs (seconds each), started together in the background when the module starts
# so that they share the machine's cores with each other and with the quick tests.
# name -> (the test that reads it, args, stdin, timeout)
HEAVY = {
    "fan-eval": ("test_exponential_fan_out_of_user_functions_is_stopped",
                 ["eval", _FAN + "f40(x) at x = 1", "--json", "--timeout", "1"], "", 20),
    "fan-grad": ("test_exponential_fan_out_of_user_functions_is_stopped",
                 ["grad", _FAN + "f40(x) at x = 1", "--json", "--timeout", "1"], "", 20),
    "exploding": ("test_exploding_nested_reverse_mode_hits_a_limit",
                  # (grad of it: the result is differentiated further, so nested reverse passes;
                  # eval alone answers by Taylor mode)
                  ["grad", "diff(exp(sin(x)), x, 40) at x = 1", "--json", "--timeout", "2"], "", 30),
    "huge-order": ("test_diff_huge_order_respects_the_timeout",
                   ["diff", "exp(sin(x)) at x = 0.7", "--order", "100000", "--json", "--timeout", "1"], "", 6),
    "unclosed": ("test_unclosed_deep_nesting_is_a_parse_error", ["eval", "-", "--json"], "(" * 100_000, 60),
    "power-chain": ("test_power_chain_10000", ["eval", "-", "--json"], "2" + "^2" * 10_000, 60),
    "terms": ("test_hundred_thousand_terms", ["grad", "-", "--json"], "x" + "+x" * 100_000 + " at x = 1", 90),
    "mega-timeout": ("test_megabyte_program_respects_the_timeout",
                     ["eval", "-", "--json", "--timeout", "1"], _MEGA, 20),  # 20: a loaded machine
    "long-literal": ("test_long_tensor_literal_parses_in_linear_time",
                     ["eval", "-", "--json"], "sum([" + ",".join(["1"] * 50_000) + "])", 6),
    **{f"nest-{shape}-{depth}": ("test_deep_nesting", ["grad", "-", "--json"], _NESTED[shape](depth), 90)
       for shape, depth in NESTING},
}


@pytest.fixture(scope="module", autouse=True)
def heavy(request: pytest.FixtureRequest):
    """Futures of the HEAVY runs whose tests are selected, two at a time."""
    selected = {getattr(item, "originalname", item.name) for item in request.session.items
                if item.module is request.module}
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures: dict[str, Future] = {
            name: pool.submit(run, args, stdin=stdin + "\n" if stdin else b"", timeout=timeout)
            for name, (test, args, stdin, timeout) in HEAVY.items() if test in selected}
        yield futures
        for f in futures.values():
            f.cancel()


def _heavy(heavy: dict, name: str):
    return heavy[name].result()


def _batch(lines: list[str], command: str = "eval", *extra: str, timeout: float = 60) -> list[dict]:
    r = run([command, "-", "--json", *extra], stdin="\n".join(lines) + "\n", timeout=timeout)
    assert_clean(r, codes=(0, 1))
    docs = r.json_lines()
    assert len(docs) == len(lines), r
    return docs


# --------------------------------------------------------------------------- huge tensors
HUGE = [
    "zeros(1e12)",
    "sum(ones(100000, 100000))",
    "sum(linspace(0, 1, 1e10))",
    "eye(1e6)",
    "sum(arange(0, 1e12))",
    "full(1e6, 1e6, 7)",
    "zeros([1e4, 1e4, 1e4])",
    "ones(1e300)",
    "zeros(2^62, 2^62)",
    "sum(outer(ones(1e5), ones(1e5)))",             # no size check first: numpy's MemoryError
    "sum(ones(2e4) + reshape(ones(2e4), 2e4, 1))",  # broadcasting to 4e8 elements
    "sum(outer(ones(1e5), ones(1e5))) + 1",
]


def test_huge_tensors_are_limit_errors() -> None:
    """One batch: every line is a limit error at its own line, and the process survives
    numpy's MemoryError to answer the last line."""
    docs = _batch(HUGE + ["1+1"])
    for lineno, (line, doc) in enumerate(zip(HUGE, docs), start=1):
        body = assert_error_doc(doc, "limit")
        assert body["line"] == lineno, (line, body)
        assert "--max-elements" in body["message"] or "memory" in body["message"], (line, body)
    assert docs[-1] == {"value": 2.0}


def test_max_elements_option_is_enforced_on_results() -> None:
    r = run(["eval", "sum(outer(ones(2000), ones(2000)))", "--json", "--max-elements", "1000000"])
    body = json_error(r, "limit")
    assert "--max-elements" in body["message"], body


@pytest.mark.parametrize("args", [
    ["jacobian", "sin(x)*2 at x = linspace(0, 1, 200000)"],       # 4e10 numbers
    ["hessian", "sum(x^3) at x = linspace(0, 1, 20000)"],        # 4e8
    ["jacobian", "[sum(x*y), sum(x+y)] at x = ones(20), y = 2", "--max-elements", "30"],
    ["eval", "sum(jacobian(sin(x), x)) at x = linspace(0, 1, 20000)"],  # the language's own
    ["eval", "sum(hessian(sum(x^3), x)) at x = linspace(0, 1, 20000)"],
])
def test_jacobian_and_hessian_past_max_elements_are_refused_up_front(args) -> None:
    """Refused before any row runs, naming --max-elements: not a MemoryError minutes later."""
    r = run(args + ["--json"], timeout=20)
    body = json_error(r, "limit")
    assert "--max-elements" in body["message"] and "would have" in body["message"], body


def test_jacobian_at_max_elements_is_answered() -> None:
    doc = json_value(run(["jacobian", "[sum(x*y), sum(x+y)] at x = ones(20), y = 2", "--json", "--max-elements", "40"]))
    assert len(doc["jacobian"]["x"]) == 2 and len(doc["jacobian"]["x"][0]) == 20


@pytest.mark.parametrize("program", ["10^10^10", "2^2^2^2^2^2", "10^10^10^10^10", "(1e308)^(1e308)"])
def test_towers_of_powers_are_infinite_values(program: str) -> None:
    """README: infinite results are values, with a warning (no bignum arithmetic, no hang)."""
    doc = json_value(run(["eval", program, "--json"], timeout=20))
    assert doc["value"] == "inf", doc
    assert any("infinite" in w for w in doc.get("warnings", [])), doc


def test_tower_of_powers_gradient() -> None:
    doc = json_value(run(["grad", "2^2^2^2^2^x at x = 2", "--json"], timeout=20))
    assert doc["value"] == "inf" and doc["grad"]["x"] in ("inf", "nan"), doc


# --------------------------------------------------------------------------- deep derivatives
def test_nested_derivative_order_in_the_language() -> None:
    nested = "x^3"
    for _ in range(100):
        nested = f"grad({nested}, x)"
    docs = _batch([
        "diff(x^2, x, 1000) at x = 1",
        nested + " at x = 1",
        "diff(x^2, x, 1e300) at x = 1",
        "diff(sin(x), x, 64) at x = 1",          # exactly --max-order: answered
    ])
    for doc in docs[:3]:
        body = assert_error_doc(doc, "limit")
        assert "--max-order" in body["message"], body
    assert docs[3]["value"] == pytest.approx(0.8414709848078965), docs[3]


def test_exploding_nested_reverse_mode_hits_a_limit(heavy: dict) -> None:
    """Nested reverse passes grow the graph exponentially: a node or time limit stops it."""
    r = _heavy(heavy, "exploding")
    json_error(r, "limit")
    assert r.elapsed < 20, r


def test_diff_order_200_polynomial() -> None:
    """`diff --order` stops at 170 (n! overflows float64 past it) with a limit error, not an internal one."""
    r = run(["diff", "x^2 at x = 1", "--order", "200", "--json"], timeout=30)
    assert_clean(r, codes=(1,))
    assert_error_doc(r.only_json(), "limit")


def test_diff_order_200_transcendental() -> None:
    """A number (possibly inf: 200! overflows), or a limit error: never an internal error."""
    r = run(["diff", "exp(sin(x)) at x = 0.7", "--order", "200", "--json"], timeout=30)
    assert_clean(r, codes=(0, 1))
    doc = r.only_json()
    if "error" in doc:
        assert_error_doc(doc, "limit")
    else:
        assert isinstance(doc["derivative"], float) or doc["derivative"] in ("inf", "-inf"), doc


def test_diff_order_170_is_answered() -> None:
    doc = json_value(run(["diff", "exp(x) at x = 0", "--order", "170", "--all", "--json"], timeout=30))
    assert doc["derivative"] == pytest.approx(1.0), doc
    assert len(doc["derivatives"]) == 170


def test_diff_huge_order_respects_the_timeout(heavy: dict) -> None:
    r = _heavy(heavy, "huge-order")
    json_error(r, "limit")


def test_diff_absurd_order_is_not_an_internal_error() -> None:
    r = run(["diff", "x^2 at x = 1", "--order", "99999999999999999999", "--json"], timeout=10)
    assert_clean(r, codes=(1, 2))
    assert_error_doc(r.only_json(), {"usage", "limit"})


# --------------------------------------------------------------------------- recursion
RECURSIVE = [
    "f(x) = f(x); f(1)",
    "f(x) = g(x); g(x) = f(x); f(1)",
    "g(x) = f(x); f(x) = g(x); f(1)",
    "a(x) = b(x); b(x) = c(x); c(x) = a(x); a(1)",
    "f(x) = x + f(x - 1); f(10)",
    "f(x) = x with grad(g) = f(g); f(1)",
    "f(x) = grad(f(x), x); f(1)",
    "f(x, y) = f(y, x); f(1, 2)",
]


def test_recursive_definitions_are_type_errors() -> None:
    for lineno, (line, doc) in enumerate(zip(RECURSIVE, _batch(RECURSIVE, "grad")), start=1):
        body = assert_error_doc(doc, "type")
        assert "recursi" in body["message"], (line, body)
        assert body["line"] == lineno and body["column"] is not None, (line, body)


def test_exponential_fan_out_of_user_functions_is_stopped(heavy: dict) -> None:
    """f40 calls f39 twice, ... : 2^40 evaluations with no recursion. The time limit ends it."""
    for name in ("fan-eval", "fan-grad"):
        r = _heavy(heavy, name)
        json_error(r, "limit")
        assert r.elapsed < 15, r


def test_node_limit_stops_a_wide_graph() -> None:
    program = " + ".join(["sin(x)"] * 5000) + " at x = 1"  # about 10,000 nodes
    r = run(["grad", "-", "--json", "--max-nodes", "1000"], stdin=program + "\n", timeout=20)
    body = json_error(r, "limit")
    assert "--max-nodes" in body["message"], body


def test_node_limit_is_exact() -> None:
    program = " + ".join(["sin(x)"] * 1000) + " at x = 1"  # 2,000 nodes: 1 leaf, 1000 sin, 999 add
    r = run(["grad", "-", "--json", "--max-nodes", "1024"], stdin=program + "\n", timeout=20)
    json_error(r, "limit")


# --------------------------------------------------------------------------- deep nesting
@pytest.mark.parametrize("shape,depth", NESTING)
def test_deep_nesting(shape: str, depth: int, heavy: dict) -> None:
    """README: parsing and evaluation never recurse, so 100,000 levels work."""
    doc = json_value(_heavy(heavy, f"nest-{shape}-{depth}"))
    if shape == "parens":
        assert doc == {"value": 0.5, "grad": {"x": 1.0}}
    elif shape == "neg":
        assert doc == {"value": 0.5 * (-1) ** depth, "grad": {"x": float((-1) ** depth)}}
    else:
        assert 0 < doc["value"] < 0.5 and 0 < doc["grad"]["x"] < 1, doc


def test_nesting_past_max_depth_is_a_limit_error() -> None:
    program = "(" * 10_000 + "1" + ")" * 10_000
    r = run(["eval", "-", "--json", "--max-depth", "5000"], stdin=program + "\n")
    body = json_error(r, "limit")
    assert "--max-depth" in body["message"], body


def test_unclosed_deep_nesting_is_a_parse_error(heavy: dict) -> None:
    r = _heavy(heavy, "unclosed")
    body = json_error(r, "parse")
    assert body["line"] == 1 and body["column"] == 100_001, body


def test_power_chain_10000(heavy: dict) -> None:
    r = _heavy(heavy, "power-chain")
    doc = json_value(r)
    assert doc["value"] == "inf", doc


# --------------------------------------------------------------------------- huge programs
def test_hundred_thousand_terms(heavy: dict) -> None:
    r = _heavy(heavy, "terms")
    assert json_value(r) == {"value": 100001.0, "grad": {"x": 100001.0}}


def test_megabyte_program_of_comment() -> None:
    program = "x^2 at x = 3 #" + "a" * (1 << 20)
    r = run(["grad", "-", "--json"], stdin=program + "\n", timeout=30)
    assert json_value(r) == {"value": 9.0, "grad": {"x": 6.0}}


def test_megabyte_program_of_whitespace() -> None:
    program = "x" + " " * (1 << 20) + "* 2 at x = 3"
    r = run(["eval", "-", "--json"], stdin=program + "\n", timeout=30)
    assert json_value(r) == {"value": 6.0}


def test_megabyte_program_past_max_length() -> None:
    r = run(["eval", "-", "--json", "--max-length", "100000"], stdin=_MEGA + "\n", timeout=10)
    body = json_error(r, "limit")
    assert "--max-length" in body["message"], body


def test_program_past_the_default_max_length() -> None:
    program = "1" + " " * 5_000_000
    r = run(["eval", "-", "--json"], stdin=program + "\n", timeout=20)
    body = json_error(r, "limit")
    assert "--max-length" in body["message"], body


def test_megabyte_program_respects_the_timeout(heavy: dict) -> None:
    """--timeout is seconds per program: parsing a 1 MB program counts too."""
    r = _heavy(heavy, "mega-timeout")
    json_error(r, "limit")


def test_long_tensor_literal_parses_in_linear_time(heavy: dict) -> None:
    """50,000 elements (100 KB): lark parsed 300,000 in ~15 s; the list must not be quadratic."""
    assert json_value(_heavy(heavy, "long-literal")) == {"value": 50000.0}


def test_long_argument_list() -> None:
    r = run(["eval", "-", "--json"], stdin="sin(" + ",".join(["1"] * 2_000) + ")\n", timeout=20)
    body = json_error(r, "type")
    assert "sin takes 1" in body["message"], body
