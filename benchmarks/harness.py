"""Shared helpers: timing, peak memory, subprocess wall time, and result rows.

Every measurement uses time.perf_counter and reports a median over repeats.
"""
from __future__ import annotations

import gc
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Sequence

PY = sys.executable
BIN = Path(sys.executable).parent
BENCH_DIR = Path(__file__).resolve().parent

# A child that imports JAX should not go looking for accelerators.
CHILD_ENV = dict(os.environ, JAX_PLATFORMS="cpu", TF_CPP_MIN_LOG_LEVEL="3", PYTHONDONTWRITEBYTECODE="1")
# Memory workers: glibc returns every block over 128 KiB to the system when freed (no dynamic
# mmap threshold, no untrimmed heap top), so a warm process's resident-set high-water mark grows
# by what one call holds at its peak instead of reusing what earlier calls left behind.
MEMORY_ENV = dict(CHILD_ENV, MALLOC_MMAP_THRESHOLD_="131072", MALLOC_TRIM_THRESHOLD_="131072",
                  BENCH_MEMORY="1")


def compile_diffcli() -> None:
    """Write diffcli's bytecode, as installing a wheel does: an editable install has none, and
    the children run with PYTHONDONTWRITEBYTECODE, so every diffcli process would compile every
    module (about 100 ms per start) while the alternatives, installed by pip, load theirs."""
    import compileall
    spec = importlib.util.find_spec("diffcli")
    if spec is not None and spec.origin:
        compileall.compile_dir(str(Path(spec.origin).parent), quiet=1)


def installed(*modules: str) -> bool:
    return all(importlib.util.find_spec(m) is not None for m in modules)


def diffcli_command() -> str | None:
    exe = BIN / "diffcli"
    if exe.exists():
        return str(exe)
    return shutil.which("diffcli")


def median(xs: Sequence[float]) -> float:
    return statistics.median(xs)


def repeat(fn: Callable[[], Any], repeats: int, warmup: int = 1,
           setup: Callable[[], Any] | None = None, budget: float | None = None,
           cpu: list | None = None, cold_cap: float | None = None) -> tuple[list[float], Any]:
    """Wall times (perf_counter) of ``fn()`` -- ``fn(setup())`` when setup is given, setup untimed --
    after ``warmup`` untimed calls. With ``budget`` (seconds), fewer repeats when one call is slow
    (at least one). With ``cold_cap``, a warm-up slower than that is itself the one sample (no CPU
    time), for costs that only grow (high derivative orders). CPU times (process_time) go to ``cpu`` when given.
    Returns (times in seconds, the last result)."""
    out = None
    first = None
    for _ in range(warmup):
        arg = setup() if setup is not None else None
        t0 = time.perf_counter()
        out = fn(arg) if setup is not None else fn()
        first = time.perf_counter() - t0
    if cold_cap is not None and first is not None and first > cold_cap:
        return [first], out
    if budget is not None and first is not None and first * repeats > budget:
        repeats = max(1, int(budget / max(first, 1e-9)))
    times = []
    try:
        for _ in range(repeats):
            arg = setup() if setup is not None else None
            quiet_gc()
            c0 = time.process_time()
            t0 = time.perf_counter()
            out = fn(arg) if setup is not None else fn()
            t1 = time.perf_counter()
            c1 = time.process_time()
            times.append(t1 - t0)
            if cpu is not None:
                cpu.append(c1 - c0)
    finally:
        gc.unfreeze()
    return times, out


def quiet_gc() -> None:
    """Collect, then move every live object (the benchmark's own data, imported modules) out of
    the collector's sight, so a library's garbage collections during the timed call scan only
    what that call allocates. gc.unfreeze() undoes it."""
    gc.collect()
    gc.freeze()


def _status_kb(field: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def peak_rss_growth(fn: Callable[[], Any]) -> tuple[float | None, Any]:
    """Run ``fn`` once; the growth of the process's resident-set high-water mark (MiB) over
    the resident set just before it. Linux: VmHWM is reset through /proc/self/clear_refs,
    so this sees every allocator (numpy, PyTorch, XLA), not just Python's."""
    gc.collect()
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        base = _status_kb("VmRSS")
    except OSError:
        base = None
    out = fn()
    peak = _status_kb("VmHWM")
    if base is None or peak is None:
        return None, out
    return max(0, peak - base) / 1024.0, out


def tracemalloc_peak(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Peak of Python-visible allocations (MiB) while ``fn`` runs (numpy's buffers included)."""
    import tracemalloc
    gc.collect()
    tracemalloc.start()
    try:
        out = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20, out


class ProcResult:
    __slots__ = ("wall", "cpu", "returncode", "stdout", "stderr", "maxrss_mb", "timed_out")

    def __init__(self, wall, cpu, returncode, stdout, stderr, maxrss_mb, timed_out=False):
        self.wall, self.cpu, self.returncode, self.stdout, self.stderr = wall, cpu, returncode, stdout, stderr
        self.maxrss_mb, self.timed_out = maxrss_mb, timed_out


def run_process(cmd: list[str], stdin: bytes | None = None, timeout: float = 120.0,
                env: dict | None = None) -> ProcResult:
    """Whole-process wall time (perf_counter from before spawn to after reaping) and the child's
    own peak RSS (wait4), with stdin fed and stdout/stderr drained by threads."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env or CHILD_ENV)
    chunks: dict[str, list[bytes]] = {"out": [], "err": []}

    def drain(stream, key):
        chunks[key].append(stream.read())

    readers = [threading.Thread(target=drain, args=(p.stdout, "out"), daemon=True),
               threading.Thread(target=drain, args=(p.stderr, "err"), daemon=True)]
    for r in readers:
        r.start()
    killed = {"flag": False}

    def kill():
        killed["flag"] = True
        try:
            p.kill()
        except OSError:
            pass

    timer = threading.Timer(timeout, kill)
    timer.start()
    if stdin is not None:
        def feed():
            try:
                p.stdin.write(stdin)
                p.stdin.close()
            except (BrokenPipeError, OSError):
                pass
        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
    _, status, ru = os.wait4(p.pid, 0)
    t1 = time.perf_counter()
    timer.cancel()
    p.returncode = os.waitstatus_to_exitcode(status)
    for r in readers:
        r.join()
    out = b"".join(chunks["out"]).decode("utf-8", "replace")
    err = b"".join(chunks["err"]).decode("utf-8", "replace")
    return ProcResult(t1 - t0, ru.ru_utime + ru.ru_stime, p.returncode, out, err, ru.ru_maxrss / 1024.0,
                      killed["flag"])


def row(w: str, case: str, impl: str, value: float | None, unit: str, *, floor: bool = False,
        better: str = "lower", mem_mb: float | None = None, check: str = "", note: str = "",
        status: str = "ok", main: bool = True, reps: int | None = None, spread: str = "",
        cpu: float | None = None) -> dict:
    """One line of the results table. ``main`` False keeps it out of the summary table
    (it still goes to the detail tables in results.md). ``cpu``: the median CPU time in the row's
    unit (user+system of the process), which contention from other processes inflates less."""
    return {"w": w, "case": case, "impl": impl, "value": value, "unit": unit, "floor": floor,
            "better": better, "mem_mb": mem_mb, "check": check, "note": note, "status": status,
            "main": main, "reps": reps, "spread": spread, "cpu": cpu}


def spread_of(times: Sequence[float], scale: float = 1.0) -> str:
    """min-max of the repeats, in the row's unit (scale converts seconds to it)."""
    if len(times) < 2:
        return ""
    return f"{min(times) * scale:.3g}-{max(times) * scale:.3g}"


def rel_err(a: float, b: float) -> float:
    return abs(a - b) / max(abs(a), abs(b), 1e-300)


def fmt_err(e: BaseException) -> str:
    msg = str(e).splitlines()[0] if str(e) else ""
    return f"{type(e).__name__}: {msg[:80]}" if msg else type(e).__name__
