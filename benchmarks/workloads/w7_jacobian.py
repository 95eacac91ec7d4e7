"""W7: the Jacobian of tanh(W @ x + b) with respect to x, W 100 x 100.

Floor: the analytic Jacobian in numpy, (1 - tanh(z)^2)[:, None] * W.
"""
from __future__ import annotations

import numpy as np

from harness import median, repeat, row, spread_of

ID = "W7"
TITLE = "Jacobian of tanh(W@x + b), 100 x 100"
N = 100
IMPLS = [
    ("floor", "analytic numpy", ()),
    ("diffcli", "diffcli.functional.jacobian", ()),
    ("torch", "PyTorch functional.jacobian(vectorize=True)", ("torch",)),
    ("autograd", "HIPS autograd jacobian", ("autograd",)),
    ("jax", "JAX jacrev (no jit)", ("jax",)),
]


def data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(11)
    return rng.standard_normal((N, N)) / np.sqrt(N), rng.standard_normal(N), rng.standard_normal(N)


def analytic(W: np.ndarray, x: np.ndarray, b: np.ndarray) -> np.ndarray:
    t = np.tanh(W @ x + b)
    return (1.0 - t * t)[:, None] * W


def run(key: str, quick: bool) -> list[dict]:
    label = dict((k, lbl) for k, lbl, _ in IMPLS)[key]
    W, x, b = data()
    if key == "floor":
        fn = lambda: analytic(W, x, b)  # noqa: E731
    elif key == "diffcli":
        import diffcli as d
        Wt, bt = d.tensor(W), d.tensor(b)
        fn = lambda: d.functional.jacobian(lambda v: d.tanh(Wt @ v + bt), d.tensor(x)).numpy()  # noqa: E731
    elif key == "torch":
        import torch
        torch.set_num_threads(2)
        Wt, bt, xt = torch.from_numpy(W), torch.from_numpy(b), torch.from_numpy(x)
        fn = lambda: torch.autograd.functional.jacobian(  # noqa: E731
            lambda v: torch.tanh(Wt @ v + bt), xt, vectorize=True).numpy()
    elif key == "autograd":
        import autograd.numpy as anp
        from autograd import jacobian
        j = jacobian(lambda v: anp.tanh(anp.dot(W, v) + b))
        fn = lambda: np.asarray(j(x))  # noqa: E731
    elif key == "jax":
        import jax
        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp
        Wj, bj = jnp.asarray(W), jnp.asarray(b)
        j = jax.jacrev(lambda v: jnp.tanh(Wj @ v + bj))
        fn = lambda: np.asarray(j(x))  # noqa: E731
    else:
        raise KeyError(key)
    reps = 7 if quick else 31
    cpu = []
    times, jac = repeat(fn, reps, warmup=2, budget=3.0 if quick else 20.0, cpu=cpu)
    ref = analytic(W, x, b)
    err = float(np.max(np.abs(jac - ref)))
    check = "ok" if jac.shape == ref.shape and err < 1e-12 else f"wrong: shape {jac.shape}, error {err:.2g}"
    return [row(ID, "100x100", label, median(times) * 1e3, "ms", floor=key == "floor", check=check,
                reps=len(times), spread=spread_of(times, 1e3), cpu=median(cpu) * 1e3 if cpu else None)]
