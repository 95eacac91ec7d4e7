"""W2: a batch of generated programs through standard input, the gradient of each.

10,000 programs in 2-3 variables: random compositions of + - * / sin cos exp tanh
log(1+u^2) sqrt(1+u^2), each at a random point, one per line, generated from a fixed seed.
Lines whose value or gradient is not finite or above 1e6 in size are skipped during
generation, so every implementation sees the same well-posed set. Results are checked
line by line against complex-step derivatives (exact to rounding).
"""
from __future__ import annotations

import json
import cmath
import gc
import math
import random
import re
import time

from harness import diffcli_command, median, repeat, row, run_process, spread_of

ID = "W2"
TITLE = "batch of generated programs on stdin, gradient of each"
SEED = 20240611
IMPLS = [
    ("floor", "plain Python eval (value only)", ()),
    ("diffcli", "diffcli grad - --json (whole process)", ()),
    ("diffcli_inproc", "diffcli in-process (commands.run + JSON)", ()),
    ("torch", "PyTorch (eval, 0-d tensors, backward)", ("torch",)),
    ("autograd", "HIPS autograd (eval under grad)", ("autograd",)),
    ("sympy", "SymPy (sympify + diff + evalf)", ("sympy",)),
]
GOALS = [(">= 7,500 lines/s (diffcli grad - --json)", "batch", IMPLS[1][1], "min", 7500.0)]
UNARY = ("sin", "cos", "exp", "tanh", "log1p2", "sqrt1p2")
BINARY = ("+", "-", "*", "/")
MATH = {"sin": math.sin, "cos": math.cos, "exp": math.exp, "tanh": math.tanh, "log": math.log,
        "sqrt": math.sqrt}


def _gen(rng: random.Random, names: list[str], depth: int) -> tuple[str, str]:
    """(diffcli text, Python text) of one random expression."""
    if depth == 0 or (depth < 3 and rng.random() < 0.3):
        if rng.random() < 0.75:
            v = rng.choice(names)
            return v, v
        c = f"{rng.uniform(0.1, 3.0):.2f}"
        return c, c
    if rng.random() < 0.5:
        op = rng.choice(BINARY)
        a, pa = _gen(rng, names, depth - 1)
        b, pb = _gen(rng, names, depth - 1)
        return f"({a} {op} {b})", f"({pa} {op} {pb})"
    f = rng.choice(UNARY)
    a, pa = _gen(rng, names, depth - 1)
    if f == "log1p2":
        return f"log(1 + ({a})^2)", f"log(1 + ({pa})**2)"
    if f == "sqrt1p2":
        return f"sqrt(1 + ({a})^2)", f"sqrt(1 + ({pa})**2)"
    return f"{f}({a})", f"{f}({pa})"


def _value(py: str, vals: dict) -> float:
    return eval(py, {"__builtins__": {}, **MATH}, vals)  # noqa: S307 - our own generated text


CMATH = {"sin": cmath.sin, "cos": cmath.cos, "exp": cmath.exp, "tanh": cmath.tanh, "log": cmath.log,
         "sqrt": cmath.sqrt}


def reference_grad(py: str, vals: dict) -> dict:
    """The exact gradient to rounding, by complex steps: f(x + ih).imag / h, no cancellation."""
    out = {}
    h = 1e-30
    for n in vals:
        z = {k: complex(v) for k, v in vals.items()}
        z[n] += 1j * h
        out[n] = eval(py, {"__builtins__": {}, **CMATH}, z).imag / h  # noqa: S307
    return out


def programs(n: int) -> list[tuple[str, str, dict, dict]]:
    """n tuples (diffcli line, Python expression, point, reference gradient by complex steps),
    cached in the temp folder (generation with its checks takes a few seconds)."""
    import os
    import tempfile
    path = os.path.join(tempfile.gettempdir(), f"diffcli-bench-w2-{SEED}-{n}-v2.json")
    try:
        with open(path) as f:
            return [tuple(p) for p in json.load(f)]
    except (OSError, ValueError):
        pass
    out = _generate(n)
    tmp = path + f".{os.getpid()}"
    with open(tmp, "w") as f:
        json.dump(out, f)
    os.replace(tmp, path)
    return out


def _generate(n: int) -> list:
    rng = random.Random(SEED)
    out = []
    while len(out) < n:
        names = ["x", "y", "z"][:rng.choice((2, 3))]
        text, py = _gen(rng, names, rng.choice((3, 4, 4, 5)))
        if not all(re.search(rf"\b{v}\b", py) for v in names):
            continue
        vals = {v: round(rng.uniform(-2.0, 2.0), 4) for v in names}
        try:
            y = _value(py, vals)
            g = reference_grad(py, vals)
        except (OverflowError, ZeroDivisionError, ValueError):
            continue
        if not all(math.isfinite(t) and abs(t) < 1e6 for t in [y, *g.values()]):
            continue
        at = ", ".join(f"{k}={v!r}" for k, v in vals.items())
        out.append((f"{text} at {at}", py, vals, g))
    return out


def _agree(got: dict, ref: dict) -> bool:
    if set(got) != set(ref):
        return False
    return all(abs(got[k] - ref[k]) <= 1e-8 * max(1.0, abs(ref[k])) for k in ref)


def _check(results: list, progs: list) -> str:
    bad = sum(1 for r, p in zip(results, progs) if r is None or not _agree(r, p[3]))
    n = len(progs)
    return f"ok ({n:,}/{n:,} match)" if bad == 0 else f"{bad:,}/{n:,} lines wrong or failed"


def run(key: str, quick: bool) -> list[dict]:
    n = 2_000 if quick else 10_000
    reps = 1 if quick else 3
    progs = programs(n)
    case = "batch"
    ops = sum(p[1].count("(") for p in progs) / n
    if key == "floor":
        items = [(p[1], p[2]) for p in progs]
        F = dict(MATH, __builtins__={})

        def go():
            return [eval(py, dict(F), dict(vals)) for py, vals in items]  # noqa: S307
        cpu = []
        times, _ = _repeat(go, reps + 2, cpu)
        return [row(ID, case, IMPLS[0][1], n / median(times), "lines/s", floor=True, better="higher",
                    note=f"{n:,} lines, about {ops:.0f} operations per line", reps=len(times), spread=spread_of([n / t for t in times]), cpu=n / median(cpu))]
    if key == "diffcli":
        dc = diffcli_command()
        data = ("\n".join(p[0] for p in progs) + "\n").encode()
        times, cpu, last = [], [], None
        for i in range(reps + (0 if quick else 1)):
            r = run_process([dc, "grad", "-", "--json"], stdin=data, timeout=600)
            if i >= (0 if quick else 1):
                times.append(r.wall)
                cpu.append(r.cpu)
            last = r
        results = []
        for line in last.stdout.splitlines():
            try:
                obj = json.loads(line)
                results.append(obj.get("grad"))
            except ValueError:
                results.append(None)
        results += [None] * (n - len(results))
        return [row(ID, case, IMPLS[1][1], n / median(times), "lines/s", better="higher",
                    mem_mb=last.maxrss_mb, check=_check(results, progs),
                    note=f"peak RSS of the process; {median(times):.2f} s for the batch incl. start-up",
                    reps=len(times), spread=spread_of([n / t for t in times]), cpu=n / median(cpu))]
    if key == "diffcli_inproc":
        from diffcli.commands import run as run_cmd
        from diffcli.render import result_json
        from diffcli.session import Options, Session
        lines = [p[0] for p in progs]
        s0 = Session()
        for t in lines[:100]:  # warm-up: the parser's tables, lazy imports
            result_json("grad", run_cmd(s0, "grad", t, Options()))

        def go():
            s, o = Session(), Options()
            out = []
            for t in lines:
                out.append(result_json("grad", run_cmd(s, "grad", t, o)))
            return out
        cpu = []
        times, out = _repeat(go, reps, cpu)
        results = [json.loads(t)["grad"] for t in out]
        return [row(ID, case, IMPLS[2][1], n / median(times), "lines/s", better="higher",
                    check=_check(results, progs), note="no process start, no stdin", reps=len(times),
                    spread=spread_of([n / t for t in times]), cpu=n / median(cpu))]
    if key == "torch":
        import torch
        torch.set_num_threads(1)
        def lift(f):  # constant-only subexpressions such as sqrt(1 + (2.54)**2) arrive as floats
            return lambda u: f(u if type(u) is torch.Tensor else torch.tensor(u, dtype=torch.float64))
        T = {k: lift(getattr(torch, k)) for k in MATH}
        items = [(p[1], p[2]) for p in progs]

        def go():
            out = []
            for py, vals in items:
                env = dict(T)
                leaves = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in vals.items()}
                env.update(leaves)
                y = eval(py, env)  # noqa: S307
                y.backward()
                out.append({k: t.grad.item() for k, t in leaves.items()})
            return out
        cpu = []
        times, results = _repeat(go, reps, cpu)
        return [row(ID, case, IMPLS[3][1], n / median(times), "lines/s", better="higher",
                    check=_check(results, progs), note="in-process; 1 thread", reps=len(times),
                    spread=spread_of([n / t for t in times]), cpu=n / median(cpu))]
    if key == "autograd":
        import autograd.numpy as anp
        from autograd import grad
        A = {k: getattr(anp, k) for k in MATH}
        items = [(p[1], p[2]) for p in progs]

        def go():
            out = []
            for py, vals in items:
                names = list(vals)

                def f(v, py=py, names=names):
                    env = dict(A)
                    env.update({k: v[i] for i, k in enumerate(names)})
                    return eval(py, env)  # noqa: S307
                g = grad(f)(anp.array([vals[k] for k in names]))
                out.append({k: float(g[i]) for i, k in enumerate(names)})
            return out
        cpu = []
        times, results = _repeat(go, reps, cpu)
        return [row(ID, case, IMPLS[4][1], n / median(times), "lines/s", better="higher",
                    check=_check(results, progs), note="in-process", reps=len(times),
                    spread=spread_of([n / t for t in times]), cpu=n / median(cpu))]
    if key == "sympy":
        import sympy as sp
        from harness import quiet_gc
        m = 20 if quick else 200
        sub = progs[:m]

        def go(items):
            out = []
            for text, _, vals, _ in items:
                e = sp.sympify(text.split(" at ")[0])  # sympify reads ^ as a power
                syms = {k: sp.Symbol(k) for k in vals}
                subs = {syms[k]: v for k, v in vals.items()}
                out.append({k: float(sp.diff(e, s).evalf(subs=subs)) for k, s in syms.items()})
            return out
        go(progs[m:m + 3])  # warm-up on other lines: SymPy's first calls fill its caches
        quiet_gc()
        t0, c0 = time.perf_counter(), time.process_time()
        results = go(sub)
        t, c = time.perf_counter() - t0, time.process_time() - c0
        gc.unfreeze()
        return [row(ID, case, IMPLS[5][1], m / t, "lines/s", better="higher", check=_check(results, sub),
                    note=f"rate measured on the first {m} lines, extrapolated; in-process", reps=1, cpu=m / c)]
    raise KeyError(key)


def _repeat(fn, reps, cpu):
    return repeat(fn, reps, warmup=0, cpu=cpu)
