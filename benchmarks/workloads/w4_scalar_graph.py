"""W4: a scalar graph built op by op: s = sum_i sin(a_i*x + b_i), i < 20,000, forward + backward.

Four nodes per term (mul, add, sin, add to the running sum); the figure is microseconds per
node for the whole forward and backward. Floor: plain Python floats with a hand-written
backward over a tape. Peak memory for diffcli at 1,000,000 nodes (250,000 terms).
"""
from __future__ import annotations

import math
import random
import time

from harness import median, peak_rss_growth, repeat, rel_err, row, spread_of, tracemalloc_peak

ID = "W4"
TITLE = "scalar graph op by op (20,000 terms, 4 nodes each)"
TERMS = 20_000
BIG_TERMS = 250_000
X0 = 0.3
IMPLS = [
    ("floor", "plain Python floats, hand-written backward", ()),
    ("diffcli", "diffcli 0-d tensors", ()),
    ("diffcli_1m", "diffcli 0-d tensors (memory)", ()),
    ("micrograd", "micrograd-style Value class (pure Python)", ()),
    ("torch", "PyTorch 0-d tensors", ("torch",)),
    ("autograd", "HIPS autograd (scalar loop)", ("autograd",)),
]
GOALS = [("<= 2.5 us/node", "20k terms (80k nodes)", IMPLS[1][1], "max", 2.5)]


def coefficients(n: int) -> tuple[list[float], list[float]]:
    rng = random.Random(7)
    return [rng.uniform(-2, 2) for _ in range(n)], [rng.uniform(-1, 1) for _ in range(n)]


def reference(a: list[float], b: list[float]) -> tuple[float, float]:
    return (math.fsum(math.sin(ai * X0 + bi) for ai, bi in zip(a, b)),
            math.fsum(math.cos(ai * X0 + bi) * ai for ai, bi in zip(a, b)))


class Value:
    """micrograd's scalar autograd (Karpathy), with sin and an iterative topological sort."""
    __slots__ = ("data", "grad", "_backward", "_prev")

    def __init__(self, data, _children=()):
        self.data, self.grad, self._backward, self._prev = data, 0.0, None, _children

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other))

        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other))

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    __radd__, __rmul__ = __add__, __mul__

    def sin(self):
        out = Value(math.sin(self.data), (self,))

        def _backward():
            self.grad += math.cos(self.data) * out.grad
        out._backward = _backward
        return out

    def backward(self):
        topo, seen, stack = [], {id(self)}, [(self, False)]
        while stack:  # post-order without recursion (the sum is a 20,000-deep chain)
            v, done = stack.pop()
            if done:
                topo.append(v)
                continue
            stack.append((v, True))
            for c in v._prev:
                if id(c) not in seen:
                    seen.add(id(c))
                    stack.append((c, False))
        self.grad = 1.0
        for v in reversed(topo):
            if v._backward is not None:
                v._backward()


def make(key: str, a: list[float], b: list[float]):
    """A function that builds the graph, runs backward and returns (value, dvalue/dx)."""
    if key == "floor":
        def fn():
            x, s, tape = X0, 0.0, []
            for ai, bi in zip(a, b):
                u = ai * x + bi
                tape.append(u)
                s = s + math.sin(u)
            gx = 0.0  # reverse sweep: ds/du_i = cos(u_i), du_i/dx = a_i
            for i in range(len(tape) - 1, -1, -1):
                gx += math.cos(tape[i]) * a[i]
            return s, gx
        return fn
    if key in ("diffcli", "diffcli_1m"):
        import diffcli as d

        def fn():
            x = d.tensor(X0, requires_grad=True)
            s = d.tensor(0.0)
            sin = d.sin
            for ai, bi in zip(a, b):
                s = s + sin(x * ai + bi)
            s.backward()
            return s.item(), x.grad.item()
        return fn
    if key == "micrograd":
        def fn():
            x = Value(X0)
            s = Value(0.0)
            for ai, bi in zip(a, b):
                s = s + (x * ai + bi).sin()
            s.backward()
            return s.data, x.grad
        return fn
    if key == "torch":
        import torch
        torch.set_num_threads(1)

        def fn():
            x = torch.tensor(X0, dtype=torch.float64, requires_grad=True)
            s = torch.tensor(0.0, dtype=torch.float64)
            sin = torch.sin
            for ai, bi in zip(a, b):
                s = s + sin(x * ai + bi)
            s.backward()
            return s.item(), x.grad.item()
        return fn
    if key == "autograd":
        import autograd.numpy as anp
        from autograd import value_and_grad

        def f(x):
            s = 0.0
            sin = anp.sin
            for ai, bi in zip(a, b):
                s = s + sin(x * ai + bi)
            return s
        vg = value_and_grad(f)
        return lambda: tuple(map(float, vg(X0)))
    raise KeyError(key)


def run(key: str, quick: bool) -> list[dict]:
    label = dict((k, lbl) for k, lbl, _ in IMPLS)[key]
    if key == "diffcli_1m":
        a, b = coefficients(BIG_TERMS)
        fn = make("diffcli", a, b)
        times, cpu, rss = [], [], []
        out = None
        for _ in range(1 if quick else 3):  # each run timed and its peak RSS growth measured
            def timed():
                c0, t0 = time.process_time(), time.perf_counter()
                r = fn()
                return r, time.perf_counter() - t0, time.process_time() - c0
            m, (out, t, c) = peak_rss_growth(timed)
            times.append(t)
            cpu.append(c)
            rss.append(m)
        note = f"peak RSS growth ({median(rss) * 2**20 / (4 * BIG_TERMS):.0f} B/node)"
        if not quick:  # tracemalloc slows allocation several-fold: its own run, untimed
            traced, _ = tracemalloc_peak(fn)
            note += f"; tracemalloc peak {traced:.0f} MiB"
        ref = reference(a, b)
        check = "ok" if max(rel_err(o, r) for o, r in zip(out, ref)) < 1e-9 else f"wrong: {out}"
        scale = 1e6 / (4 * BIG_TERMS)
        return [row(ID, "250k terms (1M nodes)", label, median(times) * scale, "us/node", mem_mb=median(rss),
                    check=check, note=note, reps=len(times), spread=spread_of(times, scale),
                    cpu=median(cpu) * scale)]
    a, b = coefficients(TERMS)
    fn = make(key, a, b)
    reps = 3 if quick else 9
    cpu = []
    times, out = repeat(fn, reps, warmup=1, budget=3 if quick else 40, cpu=cpu)
    ref = reference(a, b)
    err = max(rel_err(o, r) for o, r in zip(out, ref))
    check = "ok" if err < 1e-9 else f"wrong: rel. error {err:.2g}"
    scale = 1e6 / (4 * TERMS)
    rows = [row(ID, "20k terms (80k nodes)", label, median(times) * scale, "us/node", floor=key == "floor",
                check=check, note=f"{median(times) * 1e3:.0f} ms per forward+backward", reps=len(times),
                spread=spread_of(times, scale), cpu=median(cpu) * scale if cpu else None)]
    if key == "floor":  # the floor at 1M nodes too, for the memory row's ratio
        a, b = coefficients(BIG_TERMS)
        fn = make(key, a, b)
        cpu = []
        times, _ = repeat(fn, 1 if quick else 3, warmup=1, cpu=cpu)
        rss, _ = peak_rss_growth(fn)
        scale = 1e6 / (4 * BIG_TERMS)
        rows.append(row(ID, "250k terms (1M nodes)", label, median(times) * scale, "us/node",
                        floor=True, mem_mb=rss, note="peak RSS growth (the tape of u_i)", reps=len(times),
                        spread=spread_of(times, scale), cpu=median(cpu) * scale))
    return rows
