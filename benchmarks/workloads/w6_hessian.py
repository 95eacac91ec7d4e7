"""W6: the Hessian of the Rosenbrock function, d = 100 and d = 1000.

f(x) = sum_i 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2 at a fixed random point; every result is
the dense d x d matrix. Floor: the analytic (tridiagonal) Hessian written into a dense numpy
array. Peak memory at d=1000: growth of the resident-set high-water mark during one warm call,
in a separate memory worker.
"""
from __future__ import annotations

import numpy as np

from harness import median, peak_rss_growth, repeat, row, spread_of

ID = "W6"
TITLE = "Hessian of Rosenbrock, d = 100 and 1000"
DIMS = (100, 1000)
PROGRAM = "sum(100*(x[1:]-x[:-1]^2)^2 + (1-x[:-1])^2)"
IMPLS = [
    ("floor", "analytic numpy Hessian", ()),
    ("diffcli_functional", "diffcli.functional.hessian", ()),
    ("diffcli_cli", "diffcli hessian path (commands.run)", ()),
    ("torch", "PyTorch functional.hessian(vectorize=True)", ("torch",)),
    ("autograd", "HIPS autograd hessian", ("autograd",)),
    ("jax", "JAX hessian (no jit)", ("jax",)),
]


def point(dim: int) -> np.ndarray:
    return np.random.default_rng(5).uniform(-1.5, 1.5, dim)


def analytic(x: np.ndarray) -> np.ndarray:
    dim = x.size
    h = np.zeros((dim, dim))
    i = np.arange(dim - 1)
    diag = np.zeros(dim)
    diag[:-1] = 1200.0 * x[:-1] ** 2 - 400.0 * x[1:] + 2.0
    diag[1:] += 200.0
    h[np.arange(dim), np.arange(dim)] = diag
    h[i, i + 1] = h[i + 1, i] = -400.0 * x[:-1]
    return h


def maker(key: str):
    """x (numpy) -> a function returning the Hessian as a numpy array."""
    if key == "floor":
        return lambda x: (lambda: analytic(x))
    if key == "diffcli_functional":
        import diffcli as d

        def f(x):
            return d.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
        return lambda x: (lambda: d.functional.hessian(f, d.tensor(x)).numpy())
    if key == "diffcli_cli":
        from diffcli.commands import run
        from diffcli.session import Options, Session

        def make(x):
            at = [("x", "[" + ", ".join(repr(float(v)) for v in x) + "]")]
            return lambda: run(Session(), "hessian", PROGRAM, Options(at=at))["hessian"]["x"]["x"].numpy()
        return make
    if key == "torch":
        import torch
        torch.set_num_threads(2)

        def f(x):
            return torch.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
        return lambda x: (lambda: torch.autograd.functional.hessian(
            f, torch.from_numpy(x), vectorize=True).numpy())
    if key == "autograd":
        import autograd.numpy as anp
        from autograd import hessian

        def f(x):
            return anp.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
        h = hessian(f)
        return lambda x: (lambda: np.asarray(h(x)))
    if key == "jax":
        import jax
        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp

        def f(x):
            return jnp.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
        h = jax.hessian(f)
        return lambda x: (lambda: np.asarray(h(x)))
    raise KeyError(key)


MEMORY_KEYS = {k for k, _, _ in IMPLS}


def memory(key: str, quick: bool) -> list[tuple[str, float | None]]:
    fn = maker(key)(point(1000))
    fn()
    mem, _ = peak_rss_growth(fn)
    return [("d=1000", mem)]


def run(key: str, quick: bool) -> list[dict]:
    label = dict((k, lbl) for k, lbl, _ in IMPLS)[key]
    make = maker(key)
    rows = []
    for dim in DIMS:
        x = point(dim)
        fn = make(x)
        reps = (5 if dim == 100 else 2) if quick else (15 if dim == 100 else 5)
        cpu = []
        times, h = repeat(fn, reps, warmup=1, budget=(3.0 if quick else 20.0), cpu=cpu)
        ref = analytic(x)
        err = float(np.max(np.abs(h - ref)) / np.max(np.abs(ref)))
        check = "ok" if h.shape == ref.shape and err < 1e-12 else f"wrong: shape {h.shape}, error {err:.2g}"
        note = "includes parsing the 1000-number literal" if key == "diffcli_cli" and dim == 1000 else ""
        rows.append(row(ID, f"d={dim}", label, median(times) * 1e3, "ms", floor=key == "floor",
                        check=check, reps=len(times), spread=spread_of(times, 1e3), note=note,
                        cpu=median(cpu) * 1e3 if cpu else None))
    return rows
