"""W1: a cold one-shot gradient, whole-process wall time.

The program x^2*sin(y) + exp(x*y)/(1+y^2) at x=1.5, y=-0.5, differentiated in a fresh
process each time. Floor: `python -c "import numpy"`. Every command runs round-robin
(warm-ups first, then repeats), so a slow patch of the machine hits them all alike.
"""
from __future__ import annotations

import json
import math
import re
import shutil

from harness import PY, diffcli_command, installed, median, rel_err, row, run_process, spread_of

ID = "W1"
TITLE = "cold one-shot gradient, whole process"
EXPR = "x^2*sin(y) + exp(x*y)/(1+y^2)"
PROGRAM = f"{EXPR} at x=1.5, y=-0.5"
IMPLS = [("all", "all implementations (round-robin)", ())]
GOALS = [("diffcli grad <= 0.8x floor (python -c 'import numpy')", "1 gradient", "diffcli grad --json",
          "ratio", 0.8)]


def reference() -> tuple[float, float]:
    x, y = 1.5, -0.5
    e = math.exp(x * y)
    q = 1 + y * y
    return (2 * x * math.sin(y) + y * e / q,
            x * x * math.cos(y) + x * e / q - e * 2 * y / (q * q))


SCRIPTS = {
    "autograd": ("HIPS autograd", ("autograd",),
                 "import autograd.numpy as np\nfrom autograd import grad\n"
                 "f = lambda x, y: x**2*np.sin(y) + np.exp(x*y)/(1+y**2)\n"
                 "print(grad(f, 0)(1.5, -0.5), grad(f, 1)(1.5, -0.5))"),
    "sympy": ("SymPy (sympify + diff + evalf)", ("sympy",),
              "import sympy as sp\nx, y = sp.symbols('x y')\n"
              f"e = sp.sympify('{EXPR}')\n"  # sympify reads ^ as a power (convert_xor)
              "print(*[sp.diff(e, v).evalf(subs={x: 1.5, y: -0.5}) for v in (x, y)])"),
    "jax": ("JAX (no jit)", ("jax",),
            "import jax\njax.config.update('jax_enable_x64', True)\nimport jax.numpy as jnp\n"
            "f = lambda x, y: x**2*jnp.sin(y) + jnp.exp(x*y)/(1+y**2)\n"
            "print(*map(float, jax.grad(f, argnums=(0, 1))(1.5, -0.5)))"),
    "torch": ("PyTorch", ("torch",),
              "import torch\nx = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)\n"
              "y = torch.tensor(-0.5, dtype=torch.float64, requires_grad=True)\n"
              "f = x**2*torch.sin(y) + torch.exp(x*y)/(1+y**2)\nf.backward()\n"
              "print(x.grad.item(), y.grad.item())"),
}


def _numbers(text: str) -> list[float]:
    return [float(t) for t in re.findall(r"-?\d+\.\d+(?:[eE][+-]?\d+)?", text)]


def run(key: str, quick: bool) -> list[dict]:
    warm, reps = (1, 3) if quick else (2, 15)
    ref = reference()
    cmds = {"floor": ("python -c 'import numpy'", [PY, "-c", "import numpy"], True)}
    rows, missing = [], []
    dc = diffcli_command()
    if dc:
        cmds["diffcli"] = ("diffcli grad --json", [dc, "grad", PROGRAM, "--json"], False)
    else:
        missing.append(row(ID, "1 gradient", "diffcli grad --json", None, "", status="not installed"))
    for k, (label, req, code) in SCRIPTS.items():
        if installed(*req):
            cmds[k] = (label + ", python -c", [PY, "-c", code], False)
        else:
            missing.append(row(ID, "1 gradient", label, None, "", status="not installed"))
    qalc = shutil.which("qalc")
    if qalc:  # no gradient command: the x-partial at the point, checked against the reference below
        cmds["qalc"] = ("qalc (x-partial only)", [qalc, "-t", f"diff({EXPR}, x) where x = 1.5 and y = -0.5"],
                        False)
    else:
        missing.append(row(ID, "1 gradient", "qalc", None, "", status="not installed"))

    heavy = {"jax", "torch"}  # seconds per start: --quick runs them once, without a warm-up
    times: dict[str, list[float]] = {k: [] for k in cmds}
    rss: dict[str, list[float]] = {k: [] for k in cmds}
    cpu: dict[str, list[float]] = {k: [] for k in cmds}
    last: dict[str, object] = {}
    for i in range(warm + reps):
        for k, (_, cmd, _) in cmds.items():
            if quick and k in heavy and i < warm + reps - 1:
                continue
            r = run_process(cmd, timeout=120)
            last[k] = r
            if i >= warm or (quick and k in heavy):
                times[k].append(r.wall)
                rss[k].append(r.maxrss_mb)
                cpu[k].append(r.cpu)
    for k, (label, _, is_floor) in cmds.items():
        r = last[k]
        check = ""
        if k == "diffcli":
            try:
                g = json.loads(r.stdout)["grad"]
                got = (g["x"], g["y"])
            except (ValueError, KeyError):
                got = None
        elif k != "floor":
            nums = _numbers(r.stdout)
            got = tuple(nums[:2]) if len(nums) >= 2 else (tuple(nums) if nums else None)
        if k != "floor":
            if r.returncode != 0 or got is None:
                check = f"failed (rc {r.returncode}): {(r.stderr.strip().splitlines() or [''])[-1][:60]}"
            else:
                errs = [rel_err(a, b) for a, b in zip(got, ref)]
                check = "ok" if errs and max(errs) < 1e-9 else f"wrong: {got}"
        rows.append(row(ID, "1 gradient", label, median(times[k]) * 1e3, "ms", floor=is_floor,
                        mem_mb=median(rss[k]), check=check, reps=len(times[k]),
                        spread=spread_of(times[k], 1e3), cpu=median(cpu[k]) * 1e3,
                        note="peak RSS of the process" if k in ("floor", "diffcli") else ""))
    return rows + missing
