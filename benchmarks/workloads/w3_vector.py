"""W3: value and derivative of f(x) = sin(x)*exp(-x^2) + log1p(x^2)*tanh(x) at 1,000,000 points.

x is a float64 numpy array; every implementation returns f(x) and f'(x) (elementwise) as arrays.
Floor: hand-written numpy of f and its analytic derivative. Peak memory: growth of the
resident-set high-water mark during one warm call, in a separate memory worker.
"""
from __future__ import annotations

import numpy as np

from harness import median, peak_rss_growth, repeat, row, spread_of

ID = "W3"
TITLE = "value and derivative at 1,000,000 points"
N = 1_000_000
IMPLS = [
    ("floor", "hand-written numpy f and f'", ()),
    ("diffcli", "diffcli tensor API (backward with ones)", ()),
    ("diffcli_functional", "diffcli.functional.vjp", ()),
    ("torch", "PyTorch eager (2 threads)", ("torch",)),
    ("jax_jit", "JAX jit (vjp)", ("jax",)),
    ("jax_nojit", "JAX no jit (vjp)", ("jax",)),
    ("autograd", "HIPS autograd (make_vjp)", ("autograd",)),
]
GOALS = [("diffcli <= 0.7x floor", "N=1e6", IMPLS[1][1], "ratio", 0.7)]


def points() -> np.ndarray:
    return np.random.default_rng(3).uniform(-3.0, 3.0, N)


def analytic(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    s, c = np.sin(x), np.cos(x)
    e = np.exp(-x * x)
    q = x * x
    lg = np.log1p(q)
    t = np.tanh(x)
    return s * e + lg * t, c * e - 2.0 * x * s * e + (2.0 * x / (1.0 + q)) * t + lg * (1.0 - t * t)


def build(key: str, x: np.ndarray):
    """(a function returning (f(x), f'(x)) as numpy arrays, a note)."""
    note = ""
    if key == "floor":
        fn = lambda: analytic(x)  # noqa: E731
    elif key in ("diffcli", "diffcli_functional"):
        import diffcli as d

        def f(t):
            return d.sin(t) * d.exp(-t * t) + d.log1p(t * t) * d.tanh(t)
        if key == "diffcli":
            def fn():
                t = d.tensor(x, requires_grad=True)
                y = f(t)
                y.backward(d.ones(N))
                return y.numpy(), t.grad.numpy()
        else:
            def fn():
                y, g = d.functional.vjp(f, d.tensor(x), d.ones(N))
                return y.numpy(), g.numpy()
    elif key == "torch":
        import torch
        torch.set_num_threads(2)

        def fn():
            t = torch.from_numpy(x).requires_grad_()
            y = torch.sin(t) * torch.exp(-t * t) + torch.log1p(t * t) * torch.tanh(t)
            y.backward(torch.ones_like(y))
            return y.detach().numpy(), t.grad.numpy()
    elif key in ("jax_jit", "jax_nojit"):
        import jax
        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp

        def f(t):
            return jnp.sin(t) * jnp.exp(-t * t) + jnp.log1p(t * t) * jnp.tanh(t)

        def vd(t):
            y, pull = jax.vjp(f, t)
            return y, pull(jnp.ones_like(y))[0]
        g = jax.jit(vd) if key == "jax_jit" else vd
        note = "input converted from numpy inside the timing; compile excluded (warm-up)" if key == "jax_jit" \
            else "op-by-op dispatch"

        def fn():
            y, dy = g(x)
            y.block_until_ready()
            dy.block_until_ready()
            return np.asarray(y), np.asarray(dy)
    elif key == "autograd":
        import autograd.numpy as anp
        from autograd import make_vjp

        def f(t):
            return anp.sin(t) * anp.exp(-t * t) + anp.log1p(t * t) * anp.tanh(t)

        def fn():
            vjp, y = make_vjp(f)(x)
            return y, vjp(np.ones_like(y))
    else:
        raise KeyError(key)
    return fn, note


MEMORY_KEYS = {k for k, _, _ in IMPLS}


def memory(key: str, quick: bool) -> list[tuple[str, float | None]]:
    fn, _ = build(key, points())
    fn()
    mem, _ = peak_rss_growth(fn)
    return [("N=1e6", mem)]


def run(key: str, quick: bool) -> list[dict]:
    reps = 3 if quick else 15
    x = points()
    ref_y, ref_d = analytic(x)
    label = dict((k, lbl) for k, lbl, _ in IMPLS)[key]
    fn, note = build(key, x)
    cpu = []
    times, (y, dy) = repeat(fn, reps, warmup=2, cpu=cpu)
    err = max(float(np.max(np.abs(y - ref_y))), float(np.max(np.abs(dy - ref_d) / np.maximum(1.0, np.abs(ref_d)))))
    check = "ok" if err < 1e-12 else f"wrong: max error {err:.2g}"
    return [row(ID, "N=1e6", label, median(times) * 1e3, "ms", floor=key == "floor",
                check=check, note=note, reps=reps, spread=spread_of(times, 1e3),
                cpu=median(cpu) * 1e3)]
