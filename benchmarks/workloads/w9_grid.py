"""W9: derivatives over a grid, f(x) = exp(sin(x))*x^2.

Case "api N=1e6": f, f' and f'' at 1,000,000 points as float64 arrays. Floor: hand-written
numpy of the closed-form derivatives. diffcli twice: the Taylor mode of one recorded graph
(what `diff --order 2 --grid` runs) and nested reverse mode seeded with ones.
Case "cli N=1e5": the whole process `diffcli diff "exp(sin(x))*x^2" --grid x=-5:5:100000
--format csv` (start-up, parse, one vectorised pass, 100,001 lines written). Floor: a Python
process that imports numpy, computes f and f' by hand and writes the same CSV.
"""
from __future__ import annotations

import numpy as np

from harness import PY, diffcli_command, median, repeat, row, run_process, spread_of

ID = "W9"
TITLE = "derivatives over a grid: f, f', f'' at 10^6 points (API); 10^5 points as CSV (CLI)"
N, N_CLI = 1_000_000, 100_000
PROGRAM = "exp(sin(x))*x^2"
IMPLS = [
    ("floor", "hand-written numpy f, f', f''", ()),
    ("diffcli_taylor", "diffcli Taylor mode (taylor.derivatives)", ()),
    ("diffcli_reverse", "diffcli nested reverse (grad, ones)", ()),
    ("cli_floor", "python + numpy by hand, CSV written", ()),
    ("diffcli_cli", "diffcli diff --grid --format csv", ()),
]
GOALS = [("Taylor mode <= 1.5x hand-written numpy", "api N=1e6", IMPLS[1][1], "ratio", 1.5),
         ("100,000 points as CSV <= 5 s, whole process", "cli N=1e5", IMPLS[4][1], "max", 5000.0)]
CLI_FLOOR = """
import sys
import numpy as np
x = np.linspace(-5.0, 5.0, %d)
s, c = np.sin(x), np.cos(x)
e = np.exp(s)
f, d = e * x * x, e * (c * x * x + 2.0 * x)
out = ["x,value,d/dx"] + [f"{a!r},{b!r},{g!r}" for a, b, g in zip(x.tolist(), f.tolist(), d.tolist())]
sys.stdout.write("\\n".join(out) + "\\n")
""" % N_CLI


def analytic(x: np.ndarray) -> tuple:
    s, c = np.sin(x), np.cos(x)
    e = np.exp(s)
    x2 = x * x
    ec = e * c
    return e * x2, ec * x2 + 2.0 * x * e, e * (c * c - s) * x2 + 4.0 * x * ec + 2.0 * e


def build(key: str, x: np.ndarray):
    if key == "floor":
        return lambda: analytic(x)
    import diffcli as d
    if key == "diffcli_taylor":
        from diffcli.engine.taylor import derivatives

        def fn():
            t = d.tensor(x, requires_grad=True)
            return tuple(derivatives(d.exp(d.sin(t)) * t ** 2, t, 2))
        return fn

    def nested():
        t = d.tensor(x, requires_grad=True)
        y = d.exp(d.sin(t)) * t ** 2
        ones = d.ones(len(x))
        (g,) = d.grad(y, t, ones, create_graph=True)
        (h,) = d.grad(g, t, ones)
        return y.numpy(), g.numpy(), h.numpy()
    return nested


def _cli(key: str, quick: bool) -> list[dict]:
    label = dict((k, lbl) for k, lbl, _ in IMPLS)[key]
    if key == "cli_floor":
        cmd = [PY, "-c", CLI_FLOOR]
    else:
        dc = diffcli_command()
        if dc is None:
            return [row(ID, "cli N=1e5", label, None, "ms", status="error", note="diffcli not on PATH")]
        cmd = [dc, "diff", PROGRAM, "--grid", f"x=-5:5:{N_CLI}", "--format", "csv"]
    times, cpu, lines = [], [], 0
    for _ in range(2 if quick else 5):
        r = run_process(cmd, timeout=120)
        if r.returncode != 0:
            return [row(ID, "cli N=1e5", label, None, "ms", status="error", note=r.stderr.strip()[-120:])]
        times.append(r.wall)
        cpu.append(r.cpu)
        lines = r.stdout.count("\n")
    check = "ok" if lines == N_CLI + 1 else f"wrong: {lines} lines"
    return [row(ID, "cli N=1e5", label, median(times) * 1e3, "ms", floor=key == "cli_floor", check=check,
                reps=len(times), spread=spread_of(times, 1e3), cpu=median(cpu) * 1e3)]


def run(key: str, quick: bool) -> list[dict]:
    if key.startswith("cli") or key == "diffcli_cli":
        return _cli(key, quick)
    reps = 3 if quick else 11
    x = np.linspace(-5.0, 5.0, N)
    ref = analytic(x)
    label = dict((k, lbl) for k, lbl, _ in IMPLS)[key]
    cpu: list = []
    times, got = repeat(build(key, x), reps, warmup=2, cpu=cpu)
    err = max(float(np.max(np.abs(a - b) / np.maximum(1.0, np.abs(b)))) for a, b in zip(got, ref))
    check = "ok" if err < 1e-12 else f"wrong: max error {err:.2g}"
    return [row(ID, "api N=1e6", label, median(times) * 1e3, "ms", floor=key == "floor", check=check,
                reps=reps, spread=spread_of(times, 1e3), cpu=median(cpu) * 1e3)]
