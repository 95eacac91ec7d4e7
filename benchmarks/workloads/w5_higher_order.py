"""W5: the n-th derivative of exp(sin(x)) at x = 0.7, n = 1..10 (and n = 30 for diffcli's CLI path).

Floor: the truncated Taylor series of exp(sin(x0 + t)) in plain Python (O(n^2)).
diffcli twice: the code path of `diffcli diff --order n` in-process (commands.run with a fresh
Session: parse, Taylor mode) and nested diffcli.grad(create_graph=True). Alternatives nest their
own reverse mode (SymPy: diff + evalf). An implementation stops at the first order whose
single run exceeds 5 s, or when the growth from the last two orders predicts over 10 s
(later orders: "capped"). A run over 1 s is timed once, cold. SymPy's cache is cleared before
every run.
"""
from __future__ import annotations

import math

from harness import median, rel_err, repeat, row, spread_of

ID = "W5"
TITLE = "n-th derivative of exp(sin(x)), n = 1..10 and 30"
X0 = 0.7
ORDERS = list(range(1, 11))
MAIN = {1, 5, 10, 30}
CAP_S = 5.0
IMPLS = [
    ("floor", "truncated Taylor series, plain Python", ()),
    ("diffcli_cli", "diffcli diff --order n path (commands.run)", ()),
    ("diffcli_nested", "diffcli nested grad(create_graph=True)", ()),
    ("torch", "PyTorch nested autograd.grad", ("torch",)),
    ("sympy", "SymPy diff + evalf", ("sympy",)),
    ("autograd", "HIPS autograd nested grad", ("autograd",)),
    ("jax", "JAX nested grad (no jit)", ("jax",)),
]
GOALS = [("n=10 <= 2 ms (diff --order path)", "n=10", IMPLS[1][1], "max", 2.0),
         ("n=30 <= 20 ms (diff --order path)", "n=30", IMPLS[1][1], "max", 20.0)]


def taylor(n: int, x0: float = X0) -> float:
    """d^n/dx^n exp(sin(x)) at x0 from the series of sin(x0 + t) and the exp recurrence."""
    cyc = (math.sin(x0), math.cos(x0), -math.sin(x0), -math.cos(x0))
    fact = [1.0]
    for k in range(1, n + 1):
        fact.append(fact[-1] * k)
    s = [cyc[k % 4] / fact[k] for k in range(n + 1)]
    e = [math.exp(s[0])] + [0.0] * n
    for k in range(1, n + 1):
        acc = 0.0
        for j in range(1, k + 1):
            acc += j * s[j] * e[k - j]
        e[k] = acc / k
    return e[n] * fact[n]


def maker(key: str):
    """order -> a function computing the derivative of that order, from scratch, as a float."""
    if key == "floor":
        return lambda n: (lambda: taylor(n))
    if key == "diffcli_cli":
        from diffcli.commands import run
        from diffcli.session import Options, Session
        return lambda n: (lambda: run(Session(), "diff", f"exp(sin(x)) at x={X0}",
                                      Options(order=n))["derivative"].item())
    if key == "diffcli_nested":
        import diffcli as d

        def make(n):
            def fn():
                x = d.tensor(X0, requires_grad=True)
                y = d.exp(d.sin(x))
                for _ in range(n):
                    (y,) = d.grad(y, x, create_graph=True)
                return y.item()
            return fn
        return make
    if key == "torch":
        import torch
        torch.set_num_threads(1)

        def make(n):
            def fn():
                x = torch.tensor(X0, dtype=torch.float64, requires_grad=True)
                y = torch.exp(torch.sin(x))
                for _ in range(n):
                    (y,) = torch.autograd.grad(y, x, create_graph=True)
                return y.item()
            return fn
        return make
    if key == "sympy":
        import sympy as sp
        from sympy.core.cache import clear_cache

        def make(n):
            def fn():
                clear_cache()  # else every repeat after the first is a cache hit
                x = sp.Symbol("x")
                return float(sp.diff(sp.sympify("exp(sin(x))"), x, n).evalf(subs={x: X0}))
            return fn
        return make
    if key == "autograd":
        import autograd.numpy as anp
        from autograd import grad

        def make(n):
            def fn():
                g = lambda x: anp.exp(anp.sin(x))  # noqa: E731
                for _ in range(n):
                    g = grad(g)
                return float(g(X0))
            return fn
        return make
    if key == "jax":
        import jax
        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp

        def make(n):
            def fn():
                g = lambda x: jnp.exp(jnp.sin(x))  # noqa: E731
                for _ in range(n):
                    g = jax.grad(g)
                return float(g(X0))
            return fn
        return make
    raise KeyError(key)


def run(key: str, quick: bool) -> list[dict]:
    label = dict((k, lbl) for k, lbl, _ in IMPLS)[key]
    make = maker(key)
    orders = ORDERS + ([30] if key in ("floor", "diffcli_cli") else [])
    reps = 3 if quick else 9
    rows, capped, seen = [], None, []
    for n in orders:
        case = f"n={n}"
        if capped is None and len(seen) >= 2 and seen[-1][1] > 0.05:  # geometric growth: predict
            (n1, t1), (n2, t2) = seen[-2], seen[-1]
            rate = max(1.0, t2 / max(t1, 1e-9)) ** (1.0 / (n2 - n1))
            if t2 * rate ** (n - n2) > 2 * CAP_S:
                capped = f"predicted {t2 * rate ** (n - n2):.0f} s for n={n} from n={n1}, {n2}"
        if capped is not None:
            rows.append(row(ID, case, label, None, "ms", status="capped", main=n in MAIN, note=capped))
            continue
        fn = make(n)
        cpu = []
        times, val = repeat(fn, reps, warmup=1, budget=2.0 if quick else 6.0, cpu=cpu, cold_cap=1.0)
        ref = taylor(n)
        err = rel_err(val, ref)
        check = "ok" if err < 1e-9 else f"wrong: {val:.10g} (rel. error {err:.1g})"
        note = ""
        if key == "diffcli_cli" and n == 1:
            note = "includes parsing and a fresh Session"
        rows.append(row(ID, case, label, median(times) * 1e3, "ms", floor=key == "floor", check=check,
                        main=n in MAIN, reps=len(times), spread=spread_of(times, 1e3), note=note,
                        cpu=median(cpu) * 1e3 if cpu else None))
        seen.append((n, median(times)))
        if max(times) > CAP_S:
            capped = f"n={n} took over {CAP_S:.0f} s"
    return rows
