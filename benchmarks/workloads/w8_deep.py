"""W8: sin(sin(...sin(x)...)) nested 1,000 / 10,000 / 100,000 deep at x = 0.5, gradient via the CLI.

The program goes in on standard input (`diffcli grad - --json`) and the whole process is timed.
The answer is checked against the chain product prod_k cos(v_k) computed in Python. Floor: a
Python process that reads the same text, counts the depth and computes value and derivative with a
loop. Alternatives take the same text through their own parser (SymPy's sympify, or Python's for
PyTorch, HIPS autograd and JAX) and fail at 1,000 deep already; deeper cases are then not tried.
"""
from __future__ import annotations

import json
import math

from harness import PY, diffcli_command, fmt_err, median, rel_err, row, run_process, spread_of

ID = "W8"
TITLE = "sin nested 1,000 / 10,000 / 100,000 deep, gradient via the CLI (stdin)"
DEPTHS = (1_000, 10_000, 100_000)
X0 = 0.5
IMPLS = [
    ("floor", "Python process: count depth, loop (whole process)", ()),
    ("diffcli", "diffcli grad - --json (whole process)", ()),
    ("sympy", "SymPy sympify + diff", ("sympy",)),
    ("torch", "PyTorch eval of the text", ("torch",)),
    ("autograd", "HIPS autograd eval of the text", ("autograd",)),
    ("jax", "JAX eval of the text", ("jax",)),
]
GOALS = [("100,000 deep <= 3 s", "depth 100,000", IMPLS[1][1], "max", 3.0)]
FLOOR = ("import sys, math, json\ns = sys.stdin.read()\nn = s.count('sin(')\n"
         "x = float(s.rsplit('x=', 1)[1])\nv, d = x, 1.0\nfor _ in range(n):\n"
         "    d *= math.cos(v)\n    v = math.sin(v)\n"
         "print(json.dumps({'value': v, 'grad': {'x': d}}))")


def text(depth: int) -> str:
    return "sin(" * depth + "x" + ")" * depth


def reference(depth: int) -> tuple[float, float]:
    v, d = X0, 1.0
    for _ in range(depth):
        d *= math.cos(v)
        v = math.sin(v)
    return v, d


def _case(depth: int) -> str:
    return f"depth {depth:,}"


def run(key: str, quick: bool) -> list[dict]:
    label = dict((k, lbl) for k, lbl, _ in IMPLS)[key]
    rows = []
    if key in ("floor", "diffcli"):
        cmd = [PY, "-c", FLOOR] if key == "floor" else [diffcli_command(), "grad", "-", "--json"]
        for depth in DEPTHS:
            data = (f"{text(depth)} at x={X0}\n").encode()
            warm = 0 if quick or depth == DEPTHS[-1] else 1
            reps = 1 if quick else 3
            times, cpu, last = [], [], None
            for i in range(warm + reps):
                r = run_process(cmd, stdin=data, timeout=300)
                last = r
                if i >= warm:
                    times.append(r.wall)
                    cpu.append(r.cpu)
            ref = reference(depth)
            try:
                obj = json.loads(last.stdout.splitlines()[0])
                got = (obj["value"], obj["grad"]["x"])
                errs = [rel_err(a, b) for a, b in zip(got, ref)]
                check = "ok" if max(errs) < 1e-9 else f"wrong: {got} vs {ref}"
            except (ValueError, KeyError, IndexError):
                check = f"failed (rc {last.returncode}): " + (last.stdout + last.stderr).strip()[:80]
            rows.append(row(ID, _case(depth), label, median(times), "s", floor=key == "floor",
                            mem_mb=last.maxrss_mb, check=check, reps=len(times), spread=spread_of(times),
                            cpu=median(cpu), note="peak RSS of the process"))
        return rows
    failed = None
    for depth in DEPTHS:
        if failed:
            rows.append(row(ID, _case(depth), label, None, "s", status="fails",
                            note=f"not tried: fails at {failed:,} deep"))
            continue
        src = text(depth)
        try:
            if key == "sympy":
                import sympy as sp
                e = sp.sympify(src)
                g = float(sp.diff(e, sp.Symbol("x")).evalf(subs={sp.Symbol("x"): X0}))
            elif key == "torch":
                import torch
                x = torch.tensor(X0, dtype=torch.float64, requires_grad=True)
                y = eval(src, {"sin": torch.sin, "x": x})  # noqa: S307
                y.backward()
                g = x.grad.item()
            elif key == "autograd":
                import autograd.numpy as anp
                from autograd import grad
                g = float(grad(lambda x: eval(src, {"sin": anp.sin, "x": x}))(X0))  # noqa: S307
            elif key == "jax":
                import jax
                jax.config.update("jax_enable_x64", True)
                import jax.numpy as jnp
                g = float(jax.grad(lambda x: eval(src, {"sin": jnp.sin, "x": x}))(X0))  # noqa: S307
            else:
                raise KeyError(key)
        except (SyntaxError, RecursionError, MemoryError, Exception) as e:  # noqa: BLE001
            cause = e.__cause__ or e.__context__
            why = fmt_err(e) if cause is None else f"{type(e).__name__} (from {fmt_err(cause)})"
            rows.append(row(ID, _case(depth), label, None, "s", status="fails", note=why))
            failed = depth
            continue
        ok = rel_err(g, reference(depth)[1]) < 1e-9
        rows.append(row(ID, _case(depth), label, None, "s", status="ok" if ok else "wrong",
                        note="in-process; not timed"))
    return rows
