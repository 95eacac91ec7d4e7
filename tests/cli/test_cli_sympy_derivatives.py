"""diffcli's derivatives against SymPy's exact ones, on seeded random programs.

Programs come from a small grammar of functions SymPy knows (sin cos tan exp expm1 log log2
log10 log1p sqrt cbrt tanh sinh cosh atan asinh asin acos atanh acosh erf sigmoid softplus,
+ - * / ^ pow hypot atan2) at points well inside their domains. Each command type runs once
in batch mode (one subprocess per command line), so a few hundred programs stay fast. The exact
derivatives are SymPy's symbolic ones, evaluated with mpmath at 40 digits.
"""
from __future__ import annotations

import math
from functools import lru_cache

import pytest

from cli_testlib import ProgramGen, close, run, run_many, validate

sp = pytest.importorskip("sympy")
mpmath = pytest.importorskip("mpmath")

RTOL = 1e-11         # first and second derivatives
RTOL_HIGH = 1e-10    # orders 4 to 6: the rounding of the lower orders is amplified by k!

N_GRAD, N_HESS, N_JAC, N_DIFF, N_MIXED, N_PER_ORDER = 60, 40, 30, 24, 30, 6


def _values(exprs: list, syms: list, point: list) -> list[float]:
    """Exact SymPy expressions evaluated at the point (float inputs taken exactly) to 40 digits."""
    with mpmath.workdps(40):
        f = sp.lambdify(syms, exprs, "mpmath")
        return [float(v) for v in f(*[mpmath.mpf(p) for p in point])]


def agree(got, want: float, rtol: float = RTOL) -> bool:
    """|got - want| <= rtol * max(1, |want|): relative, with derivatives near 0 judged absolutely."""
    return close(got, want, rtol=rtol, atol=rtol)


def _batch(args: list, programs: list[str]) -> list[dict]:
    return _checked(run(list(args), "\n".join(programs) + "\n"), args, len(programs))


def _checked(r, args: list, n: int) -> list[dict]:
    assert r.returncode == 0, r
    assert r.stderr == "", r
    objs = r.json_lines()
    assert len(objs) == n
    command = args[0]
    for o in objs:
        validate(o, command, all_orders="--all" in args)
        assert "error" not in o, o
    return objs


# ----------------------------------------------------------------------------- program sets
@lru_cache(maxsize=None)
def two_var_programs(seed: int, n: int, depth: int) -> tuple[list, dict]:
    """n programs that use both x and y: (text, SymPy expression, point), and the symbols."""
    g = ProgramGen(seed, names=("x", "y"))
    return [g.program(depth, need=("x", "y")) for _ in range(n)], g.syms


@pytest.fixture(scope="module")
def grad_runs():
    progs, syms = two_var_programs(101, N_GRAD, 3)
    # the same programs with the point as a vector v = [x, y]: one reverse pass, a vector gradient
    vec = [_as_vector(text) for text, _, _ in progs]
    r_scalar, r_vec = run_many([(["grad", "-", "--json", "--wrt", "x,y"], "\n".join(t for t, _, _ in progs) + "\n"),
                                (["grad", "-", "--json"], "\n".join(vec) + "\n")])
    return (progs, syms, _checked(r_scalar, ["grad"], len(progs)), _checked(r_vec, ["grad"], len(progs)))


def _as_vector(text: str) -> str:
    """'f(x, y) at x = a, y = b' -> 'f(v[0], v[1]) at v = [a, b]' (names are x and y only)."""
    body, clause = text.rsplit(" at ", 1)
    vals = dict(kv.split(" = ") for kv in clause.split(", "))
    out = []
    for tok in _tokens(body):
        out.append({"x": "v[0]", "y": "v[1]"}.get(tok, tok))
    return "".join(out) + f" at v = [{vals['x']}, {vals['y']}]"


def _tokens(body: str) -> list[str]:
    import re
    return re.findall(r"[A-Za-z_]\w*|[^A-Za-z_]+", body)


@pytest.mark.parametrize("i", range(N_GRAD))
def test_grad_matches_sympy(grad_runs, i):
    progs, syms, scalar, vec = grad_runs
    text, expr, at = progs[i]
    x, y = syms["x"], syms["y"]
    value, gx, gy = _values([expr, sp.diff(expr, x), sp.diff(expr, y)], [x, y], [at["x"], at["y"]])
    got = scalar[i]
    assert list(got["grad"]) == ["x", "y"], got
    assert agree(got["value"], value), (text, got, value)
    assert agree(got["grad"]["x"], gx), (text, got, gx)
    assert agree(got["grad"]["y"], gy), (text, got, gy)
    gv = vec[i]
    assert list(gv["grad"]) == ["v"]
    assert agree(gv["value"], value), (text, gv)
    assert agree(gv["grad"]["v"][0], gx) and agree(gv["grad"]["v"][1], gy), (text, gv, gx, gy)


@pytest.fixture(scope="module")
def hessian_runs():
    progs, syms = two_var_programs(202, N_HESS, 3)
    vec = [_as_vector(text) for text, _, _ in progs]
    r1, r2 = run_many([(["hessian", "-", "--json", "--wrt", "x,y"], "\n".join(t for t, _, _ in progs) + "\n"),
                       (["hessian", "-", "--json"], "\n".join(vec) + "\n")])
    return progs, syms, _checked(r1, ["hessian"], len(progs)), _checked(r2, ["hessian"], len(progs))


@pytest.mark.parametrize("i", range(N_HESS))
def test_hessian_matches_sympy(hessian_runs, i):
    progs, syms, scalar, vec = hessian_runs
    text, expr, at = progs[i]
    x, y = syms["x"], syms["y"]
    exprs = [expr, sp.diff(expr, x, x), sp.diff(expr, x, y), sp.diff(expr, y, y)]
    value, hxx, hxy, hyy = _values(exprs, [x, y], [at["x"], at["y"]])
    h = scalar[i]["hessian"]
    assert agree(scalar[i]["value"], value), (text, scalar[i])
    for got, want in ((h["x"]["x"], hxx), (h["x"]["y"], hxy), (h["y"]["x"], hxy), (h["y"]["y"], hyy)):
        assert agree(got, want), (text, h, [hxx, hxy, hyy])
    hv = vec[i]["hessian"]["v"]["v"]
    assert len(hv) == 2 and all(len(row) == 2 for row in hv)
    for got, want in ((hv[0][0], hxx), (hv[0][1], hxy), (hv[1][0], hxy), (hv[1][1], hyy)):
        assert agree(got, want), (text, hv, [hxx, hxy, hyy])


# ----------------------------------------------------------------------------- jacobian
@pytest.fixture(scope="module")
def jacobian_runs():
    g = ProgramGen(303, names=("x", "y"))
    cases = []
    for _ in range(N_JAC):
        at = g.point()
        parts = [g.expr(at, 2) for _ in range(3)]
        clause = f"x = {at['x']!r}, y = {at['y']!r}"
        text = "[" + ", ".join(p.text for p in parts) + "] at " + clause
        cases.append((text, [p.sym for p in parts], at))
    # the example from the contract, exactly
    x, y = g.syms["x"], g.syms["y"]
    cases.append(("[x*y, sin(x)*y^2] at x = 0.7, y = -1.3", [x * y, sp.sin(x) * y ** 2], {"x": 0.7, "y": -1.3}))
    texts = [c[0] for c in cases]
    r1, r2 = run_many([(["jacobian", "-", "--json", "--wrt", "x,y"], "\n".join(texts) + "\n"),
                       (["jacobian", "-", "--json"], "\n".join(_as_vector(t) for t in texts) + "\n")])
    return cases, g.syms, _checked(r1, ["jacobian"], len(cases)), _checked(r2, ["jacobian"], len(cases))


@pytest.mark.parametrize("i", range(N_JAC + 1))
def test_jacobian_matches_sympy(jacobian_runs, i):
    cases, syms, scalar, vec = jacobian_runs
    text, exprs, at = cases[i]
    x, y = syms["x"], syms["y"]
    m = len(exprs)
    vals = _values(exprs + [sp.diff(e, x) for e in exprs] + [sp.diff(e, y) for e in exprs], [x, y],
                   [at["x"], at["y"]])
    value, jx, jy = vals[:m], vals[m:2 * m], vals[2 * m:]
    got = scalar[i]
    assert len(got["value"]) == m and all(agree(a, b) for a, b in zip(got["value"], value)), (text, got)
    assert list(got["jacobian"]) == ["x", "y"]
    assert len(got["jacobian"]["x"]) == m and len(got["jacobian"]["y"]) == m
    assert all(agree(a, b) for a, b in zip(got["jacobian"]["x"], jx)), (text, got, jx)
    assert all(agree(a, b) for a, b in zip(got["jacobian"]["y"], jy)), (text, got, jy)
    jv = vec[i]["jacobian"]["v"]  # shape value.shape + v.shape = (m, 2)
    assert len(jv) == m and all(len(row) == 2 for row in jv), jv
    for k in range(m):
        assert agree(jv[k][0], jx[k]) and agree(jv[k][1], jy[k]), (text, jv, jx, jy)


# ----------------------------------------------------------------------------- diff, orders 1..6
@lru_cache(maxsize=None)
def one_var_programs() -> tuple:
    g = ProgramGen(404, names=("x",))
    progs = [g.program(2, need=("x",)) for _ in range(N_DIFF)]
    # every function on its own too, so each one's higher-order rule is exercised directly
    for name in g.unary_names:
        sym_f, math_f, ok = g.unary[name]
        for _ in range(100):
            at = g.point()
            if ok(at["x"]):
                break
        else:  # pragma: no cover
            continue
        progs.append((f"{name}(x) at x = {at['x']!r}", sym_f(g.syms["x"]), at))
    x = g.syms["x"]
    c = sp.Rational(3, 2)
    progs += [  # the binary functions with one argument constant, at x > 0
        ("hypot(x, 1.5) at x = 0.8", sp.sqrt(x ** 2 + c ** 2), {"x": 0.8}),
        ("atan2(x, 1.5) at x = 0.8", sp.atan(x / c), {"x": 0.8}),
        ("atan2(1.5, x) at x = 0.8", sp.atan(c / x), {"x": 0.8}),
        ("pow(x, x) at x = 0.8", x ** x, {"x": 0.8}),
        ("pow(1.5, x) at x = -0.8", c ** x, {"x": -0.8}),
        ("x^-3 at x = 1.3", x ** -3, {"x": 1.3}),
        ("1.5/x at x = -1.3", c / x, {"x": -1.3}),
    ]
    return progs, x


@lru_cache(maxsize=None)
def exact_derivatives(i: int) -> list[float]:
    """[f, f', ..., f^(6)] of program i, exactly."""
    progs, x = one_var_programs()
    _, expr, at = progs[i]
    ds = [expr]
    for _ in range(6):
        ds.append(sp.diff(ds[-1], x))
    return _values(ds, [x], [at["x"]])


@pytest.fixture(scope="module")
def diff_runs():
    progs, _ = one_var_programs()
    texts = [t for t, _, _ in progs]
    jobs = [(["diff", "-", "--json", "--wrt", "x", "--order", "6", "--all"], "\n".join(texts) + "\n")]
    for order in range(2, 7):  # --order N alone (no --wrt: each program has the one variable x)
        jobs.append((["diff", "-", "--json", "--order", str(order)], "\n".join(texts[:N_PER_ORDER]) + "\n"))
    runs = run_many(jobs)
    out = {"all": _checked(runs[0], jobs[0][0], len(texts))}
    for order, r in zip(range(2, 7), runs[1:]):
        out[order] = _checked(r, jobs[0][0][:1], N_PER_ORDER)
    return progs, out


@pytest.mark.parametrize("i", range(len(one_var_programs()[0])))
def test_diff_all_orders_match_sympy(diff_runs, i):
    progs, out = diff_runs
    text = progs[i][0]
    exact = exact_derivatives(i)
    got = out["all"][i]
    assert got["wrt"] == ["x"] * 6
    assert agree(got["value"], exact[0]), (text, got)
    for k, d in enumerate(got["derivatives"], start=1):
        assert agree(d, exact[k], RTOL if k <= 3 else RTOL_HIGH), (text, k, d, exact[k])


@pytest.mark.parametrize("order", range(2, 7))
def test_diff_order_n_matches_sympy(diff_runs, order):
    progs, out = diff_runs
    for i, got in enumerate(out[order]):
        exact = exact_derivatives(i)
        assert got["wrt"] == ["x"] * order
        assert "derivatives" not in got
        assert agree(got["derivative"], exact[order], RTOL if order <= 3 else RTOL_HIGH), \
            (progs[i][0], order, got, exact[order])


# ----------------------------------------------------------------------------- mixed partials
@pytest.fixture(scope="module")
def mixed_runs():
    progs, syms = two_var_programs(505, N_MIXED, 2)
    texts = [t for t, _, _ in progs]
    r1, r2 = run_many([(["diff", "-", "--json", "--wrt", "x,y,x", "--all"], "\n".join(texts) + "\n"),
                       (["diff", "-", "--json", "--wrt", "y,x"], "\n".join(texts) + "\n")])
    return progs, syms, _checked(r1, ["diff", "--all"], len(texts)), _checked(r2, ["diff"], len(texts))


@pytest.mark.parametrize("i", range(N_MIXED))
def test_mixed_partials_match_sympy(mixed_runs, i):
    progs, syms, xyx, yx = mixed_runs
    text, expr, at = progs[i]
    x, y = syms["x"], syms["y"]
    fx = sp.diff(expr, x)
    fxy = sp.diff(fx, y)
    fxyx = sp.diff(fxy, x)
    fyx = sp.diff(sp.diff(expr, y), x)
    value, vx, vxy, vxyx, vyx = _values([expr, fx, fxy, fxyx, fyx], [x, y], [at["x"], at["y"]])
    got = xyx[i]
    assert got["wrt"] == ["x", "y", "x"]
    assert agree(got["value"], value)
    for d, want in zip(got["derivatives"], (vx, vxy, vxyx)):
        assert agree(d, want), (text, got, (vx, vxy, vxyx))
    assert yx[i]["wrt"] == ["y", "x"]
    assert agree(yx[i]["derivative"], vyx), (text, yx[i], vyx)


def test_program_sets_are_a_few_hundred():
    total = (N_GRAD + N_HESS + N_JAC + 1 + len(one_var_programs()[0]) + N_MIXED)
    assert 200 <= total <= 400
    # every set uses both variables / every generated program parsed into finite SymPy values
    assert all(math.isfinite(v) for v in exact_derivatives(0))
