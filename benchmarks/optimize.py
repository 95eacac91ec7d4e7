#!/usr/bin/env python
"""minimize beside scipy on the Moré-Garbow-Hillstrom problems, in one run.

    python benchmarks/optimize.py            # the table to stdout
    python benchmarks/optimize.py --repeats 5

Both sides get the same objective: diffcli's engine evaluating the problem's program, value
and exact gradient in one call (and the exact Hessian for Newton methods), so the comparison is
of the optimisers alone: evaluations to converge and wall time. scipy's gtol is set to the
test diffcli's minimize converged on (tol * max(1, |f|) with tol = 1e-8), so both stop at the
same gradient size. scipy is a benchmark-only extra (`pip install scipy`).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "optim"))

from mgh_problems import PROBLEMS  # noqa: E402

from diffcli.optimize_commands import objective  # noqa: E402
from diffcli.optim import minimize  # noqa: E402

TOL = 1e-8


def _time(fn, repeats: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    try:
        import scipy.optimize as so
    except ImportError:
        so = None
    rows = []
    print("| problem | diffcli bfgs evals | scipy BFGS evals | diffcli bfgs ms | scipy BFGS ms "
          "| diffcli newton evals+hess | scipy Newton-CG evals+hess | diffcli newton ms | scipy Newton-CG ms |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, (program, x0, _known) in PROBLEMS.items():
        fg, hess, start = objective(program, x0)
        tb, ours = _time(lambda: minimize(fg, start, "bfgs", TOL), args.repeats)
        hess_calls = [0]

        def counted_hess(x):
            hess_calls[0] += 1
            return hess(x)

        tn, newton = _time(lambda: minimize(fg, start, "newton", TOL, hess=counted_hess), args.repeats)
        nh = hess_calls[0] // args.repeats
        row = [name, ours.evaluations, "-", f"{tb * 1e3:.1f}", "-", f"{newton.evaluations}+{nh}", "-",
               f"{tn * 1e3:.1f}", "-"]
        if so is not None:
            gtol = TOL * max(1.0, abs(ours.f))
            ts, ref = _time(lambda: so.minimize(fg, start, jac=True, method="BFGS",
                                                options={"gtol": gtol, "maxiter": 10000}), args.repeats)
            tc, refn = _time(lambda: so.minimize(fg, start, jac=True, hess=hess, method="Newton-CG",
                                                 options={"xtol": 1e-12, "maxiter": 10000}), args.repeats)
            row[2], row[4] = f"{ref.nfev}{'' if ref.success else ' (failed)'}", f"{ts * 1e3:.1f}"
            row[6], row[8] = f"{refn.nfev}+{refn.nhev}{'' if refn.success else ' (failed)'}", f"{tc * 1e3:.1f}"
            rows.append((ours.evaluations / ref.nfev, tb / ts))
        print("| " + " | ".join(str(c) for c in row) + " |")
    if rows:
        ev = statistics.median(r[0] for r in rows)
        wall = statistics.median(r[1] for r in rows)
        print(f"\nmedian over {len(rows)} problems: diffcli BFGS evaluations / scipy BFGS = {ev:.2f}x, "
              f"wall time {wall:.2f}x")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
