#!/usr/bin/env python
"""Formulas beside SymPy, in one run (issue #20):

1. 100 textbook derivatives (formula_cases.TEXTBOOK) as formulas in one fresh process:
   ``diffcli diff -`` reading them from stdin, against a fresh Python that imports SymPy and
   parses, differentiates and prints each. Whole-process wall time, median of the repeats;
   the same work inside a warm process is reported beside it. Goal: diffcli <= 0.3x SymPy.
2. The 6th derivative of x^2*exp(sin(x)): ``diffcli diff ... --order 6`` as a fresh process
   (goal: under 1 s), and its size (operations) against SymPy's printed formula (goal: no
   larger).
3. Sizes on the whole table (100 textbook + 200 random derivatives): median and 90th
   percentile of diffcli's size over SymPy's (goals 1.0 and 1.5).

    python benchmarks/formulas.py [--repeats 5]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from formula_cases import TEXTBOOK, random_cases, to_sympy  # noqa: E402

DIFFCLI = shutil.which("diffcli", path=os.path.dirname(sys.executable)) or "diffcli"
SIXTH = "x^2*exp(sin(x))"

SYMPY_CHILD = """
import sys, sympy as sp
sys.path.insert(0, {here!r})
from formula_cases import TEXTBOOK, to_sympy
x = sp.Symbol("x")
for text in TEXTBOOK:
    print(str(sp.diff(to_sympy(text), x)))
"""


def _wall(argv: list[str], stdin: str = "") -> tuple[float, str]:
    t0 = time.perf_counter()
    p = subprocess.run(argv, input=stdin.encode(), capture_output=True, check=True)
    return time.perf_counter() - t0, p.stdout.decode()


def _median_wall(argv: list[str], stdin: str, repeats: int) -> tuple[float, str]:
    runs = [_wall(argv, stdin) for _ in range(repeats)]
    return statistics.median(r[0] for r in runs), runs[0][1]


def _ops(formula: str) -> int:
    from diffcli.language.parser import parse
    from diffcli.symbolic.printer import size
    return size(parse(formula.replace("**", "^")).expr)


def _warm(repeats: int) -> tuple[float, float]:
    """Parse + differentiate + print the 100 inside one warm process: (diffcli, SymPy)."""
    import sympy as sp
    from diffcli.commands import run
    from diffcli.session import Options, Session
    from diffcli.symbolic import expr
    x = sp.Symbol("x")

    def ours() -> None:
        expr.clear()  # no formula remembered from the previous repeat
        for text in TEXTBOOK:
            run(Session(), "diff", text, Options())

    def theirs() -> None:
        sp.core.cache.clear_cache()
        for text in TEXTBOOK:
            str(sp.diff(to_sympy(text), x))

    out = []
    for f in (ours, theirs):
        f()
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            f()
            times.append(time.perf_counter() - t0)
        out.append(statistics.median(times))
    return out[0], out[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    lines = "\n".join(TEXTBOOK) + "\n"
    ours, out = _median_wall([DIFFCLI, "diff", "-", "--jobs", "1", "--json"], lines, args.repeats)
    assert out.count('"symbolic": true') == len(TEXTBOOK), out[:500]
    theirs, _ = _median_wall([sys.executable, "-c", SYMPY_CHILD.format(here=str(HERE))], "", args.repeats)
    warm_ours, warm_theirs = _warm(args.repeats)

    sixth, text = _median_wall([DIFFCLI, "diff", SIXTH, "--order", "6", "--json"], "", args.repeats)
    floor, _ = _median_wall([DIFFCLI, "eval", "1"], "", args.repeats)  # start-up alone, this run
    import json
    import sympy as sp
    formula = json.loads(text)["derivative"]
    from diffcli.commands import run
    from diffcli.session import Options, Session
    from diffcli.symbolic import expr
    expr.clear()
    t0 = time.perf_counter()
    run(Session(), "diff", SIXTH, Options(order=6))
    sixth_warm = time.perf_counter() - t0
    t0 = time.perf_counter()
    theirs6 = str(sp.diff(to_sympy(SIXTH), sp.Symbol("x"), 6))
    sympy6 = time.perf_counter() - t0

    from statistics import median
    ratios = []
    cases = [(t, ["x"]) for t in TEXTBOOK] + random_cases()
    for t, w in cases:
        opts = Options(wrt=w[:1], order=len(w)) if len(set(w)) == 1 else Options(wrt=w)
        mine = run(Session(), "diff", t, opts)["derivative"]
        ratios.append((_ops(mine) + 1) / (_ops(str(sp.diff(to_sympy(t), *[sp.Symbol(v) for v in w]))) + 1))
    ratios.sort()

    print("| measure | diffcli | SymPy | ratio | goal |")
    print("|---|---|---|---|---|")
    print(f"| 100 textbook derivatives, fresh process | {ours * 1e3:.0f} ms | {theirs * 1e3:.0f} ms | "
          f"{ours / theirs:.2f}x | <= 0.3x |")
    print(f"| the same, warm process (parse + diff + print) | {warm_ours * 1e3:.1f} ms | "
          f"{warm_theirs * 1e3:.1f} ms | {warm_ours / warm_theirs:.2f}x | |")
    print(f"| 6th derivative of {SIXTH}, fresh process | {sixth * 1e3:.0f} ms | | | < 1 s |")
    print(f"| start-up alone (diffcli eval 1), fresh process | {floor * 1e3:.0f} ms | | | |")
    print(f"| 6th derivative, warm process (diff + print) | {sixth_warm * 1e3:.1f} ms | {sympy6 * 1e3:.0f} ms | "
          f"{sixth_warm / sympy6:.2f}x | |")
    print(f"| its size (operations) | {_ops(formula)} | {_ops(theirs6)} | "
          f"{_ops(formula) / _ops(theirs6):.2f}x | <= 1.0x |")
    print(f"| size ratio over {len(ratios)} derivatives: median, 90th percentile | | | "
          f"{median(ratios):.2f}, {ratios[int(0.9 * len(ratios))]:.2f} | <= 1.0, <= 1.5 |")


if __name__ == "__main__":
    main()
