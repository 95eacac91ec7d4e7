#!/usr/bin/env python
"""diffcli's benchmark suite: W1-W8 for diffcli and every alternative installed, in one run.

    python benchmarks/run.py            # everything (about 15 minutes on 2 cores)
    python benchmarks/run.py --quick    # fewer repeats, smaller batches (about 2 minutes when idle)
    python benchmarks/run.py --only W1,W3

Each (workload, implementation) runs in a fresh worker process (this script with --worker),
so imports, thread pools and peak memory of one library never touch another's numbers.
The table of medians and ratios to the floor goes to stdout and to benchmarks/results.md.
"""
from __future__ import annotations

import argparse
import datetime
import importlib
import json
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from harness import CHILD_ENV, MEMORY_ENV, PY, compile_diffcli, fmt_err, installed, row  # noqa: E402

WORKLOADS = {
    "W1": "workloads.w1_cold",
    "W2": "workloads.w2_batch",
    "W3": "workloads.w3_vector",
    "W4": "workloads.w4_scalar_graph",
    "W5": "workloads.w5_higher_order",
    "W6": "workloads.w6_hessian",
    "W7": "workloads.w7_jacobian",
    "W8": "workloads.w8_deep",
    "W9": "workloads.w9_grid",
}
MARK = "@@BENCH-RESULT "


def worker(wid: str, key: str, quick: bool, memory: bool = False) -> None:
    mod = importlib.import_module(WORKLOADS[wid])
    if memory:
        try:
            out = mod.memory(key, quick)
        except Exception as e:  # noqa: BLE001
            out = [("-", None, fmt_err(e))]
        sys.stdout.write("\n" + MARK + json.dumps(out) + "\n")
        sys.stdout.flush()
        return
    try:
        rows = mod.run(key, quick)
    except Exception as e:  # noqa: BLE001 - a crash is a result to report, not a reason to stop
        import traceback
        traceback.print_exc()
        impl = dict((k, label) for k, label, _ in mod.IMPLS).get(key, key)
        rows = [row(wid, "-", impl, None, "", status="error", note=fmt_err(e))]
    sys.stdout.write("\n" + MARK + json.dumps(rows) + "\n")
    sys.stdout.flush()


def spawn_memory(wid: str, key: str, label: str, quick: bool, rows: list[dict]) -> None:
    """Peak memory from a separate worker (MEMORY_ENV), merged into the rows of (wid, label)."""
    import subprocess
    cmd = [PY, str(HERE / "run.py"), "--worker", f"{wid}:{key}", "--memory"] + (["--quick"] if quick else [])
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=MEMORY_ENV)
    except subprocess.TimeoutExpired:
        return
    for line in reversed(p.stdout.splitlines()):
        if line.startswith(MARK):
            for case, mb, *err in json.loads(line[len(MARK):]):
                for r in rows:
                    if r["w"] == wid and r["impl"] == label and r["case"] == case:
                        r["mem_mb"] = mb
                if err:
                    print(f"    memory worker: {err[0]}", file=sys.stderr)
            return


def spawn(wid: str, key: str, label: str, quick: bool, timeout: float) -> list[dict]:
    import subprocess
    cmd = [PY, str(HERE / "run.py"), "--worker", f"{wid}:{key}"] + (["--quick"] if quick else [])
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=CHILD_ENV)
    except subprocess.TimeoutExpired:
        return [row(wid, "-", label, None, "", status="error", note=f"worker timed out after {timeout:.0f} s")]
    took = time.perf_counter() - t0
    for line in reversed(p.stdout.splitlines()):
        if line.startswith(MARK):
            rows = json.loads(line[len(MARK):])
            print(f"  {wid} {label:<34} {took:6.1f} s", file=sys.stderr, flush=True)
            if p.returncode != 0 or "Traceback" in p.stderr:
                tail = p.stderr.strip().splitlines()[-1:] if p.stderr.strip() else []
                if tail and all(r["status"] == "ok" for r in rows):
                    print(f"    (worker stderr: {tail[0][:150]})", file=sys.stderr)
            return rows
    last = (p.stderr.strip().splitlines() or ["no output"])[-1]
    return [row(wid, "-", label, None, "", status="error", note=f"worker died (rc {p.returncode}): {last[:120]}")]


# ----------------------------------------------------------------------------------------
def fmt_value(v: float | None, unit: str) -> str:
    if v is None:
        return "-"
    if unit == "lines/s":
        return f"{v:,.0f} lines/s"
    if abs(v) >= 1000:
        return f"{v:,.0f} {unit}"
    if abs(v) >= 100:
        return f"{v:.0f} {unit}"
    if abs(v) >= 10:
        return f"{v:.1f} {unit}"
    if abs(v) >= 1:
        return f"{v:.2f} {unit}"
    return f"{v:.3g} {unit}"


def ratio(r: dict, floor: dict | None) -> float | None:
    """Cost relative to the floor (above 1: slower than the floor). For rates (lines/s) this is
    floor_rate / rate, so every ratio reads the same way."""
    if floor is None or r["value"] is None or floor["value"] in (None, 0) or r["value"] == 0:
        return None
    if r["better"] == "higher":
        return floor["value"] / r["value"]
    return r["value"] / floor["value"]


def cpu_ratio(r: dict, floor: dict | None) -> float | None:
    """The same ratio on median CPU times (user + system), when both rows have one."""
    if floor is None or r.get("cpu") is None or floor.get("cpu") is None:
        return None
    return ratio({"value": r["cpu"], "better": r["better"]}, {"value": floor["cpu"]})


def fmt_ratio(x: float | None, is_floor: bool) -> str:
    if is_floor:
        return "1 (floor)"
    if x is None:
        return "-"
    if x >= 100:
        return f"{x:,.0f}x"
    if x >= 10:
        return f"{x:.1f}x"
    return f"{x:.2f}x"


def floors_of(rows: list[dict]) -> dict:
    return {(r["w"], r["case"]): r for r in rows if r["floor"] and r["status"] == "ok"}


def table(rows: list[dict], main_only: bool) -> str:
    floors = floors_of(rows)
    head = ("| Workload | Case | Implementation | Median | Ratio to floor | CPU time | CPU ratio | Peak mem "
            "| Check | Notes |\n|---|---|---|---:|---:|---:|---:|---:|---|---|")
    lines = [head]
    for r in rows:
        if main_only and not r["main"]:
            continue
        if r["status"] != "ok":
            val = r["status"] if not r["note"] else f"{r['status']}"
            lines.append(f"| {r['w']} | {r['case']} | {r['impl']} | {val} | - | - | - | - | - | {r['note']} |")
            continue
        f = floors.get((r["w"], r["case"]))
        mem = f"{r['mem_mb']:.1f} MiB" if r["mem_mb"] is not None else ""
        cpu = fmt_value(r["cpu"], r["unit"]) if r.get("cpu") is not None else ""
        lines.append(f"| {r['w']} | {r['case']} | {r['impl']} | {fmt_value(r['value'], r['unit'])} | "
                     f"{fmt_ratio(ratio(r, f), r['floor'])} | {cpu} | {fmt_ratio(cpu_ratio(r, f), r['floor'])} | "
                     f"{mem} | {r['check']} | {r['note']} |")
    return "\n".join(lines)


def goals(rows: list[dict], selected: list[str]) -> str:
    floors = floors_of(rows)
    out = ["| Goal | Measured (wall) | Met | Same on CPU time |", "|---|---|---|---|"]
    for wid in selected:
        mod = importlib.import_module(WORKLOADS[wid])
        for text, case, impl, kind, target in getattr(mod, "GOALS", []):
            r = next((x for x in rows if x["w"] == wid and x["case"] == case and x["impl"] == impl
                      and x["status"] == "ok"), None)
            if r is None:
                out.append(f"| {wid}: {text} | not measured | - | |")
                continue
            if kind == "ratio":
                v = ratio(r, floors.get((wid, case)))
                shown, met = (f"{v:.2f}x floor" if v is not None else "-"), (v is not None and v <= target)
                c = cpu_ratio(r, floors.get((wid, case)))
                on_cpu = "" if c is None else f"{c:.2f}x floor ({'met' if c <= target else 'not met'})"
            else:
                v = r["value"]
                ok = (lambda u: u >= target) if kind == "min" else (lambda u: u <= target)
                shown, met = fmt_value(v, r["unit"]), ok(v)
                c = r.get("cpu")
                on_cpu = "" if c is None else f"{fmt_value(c, r['unit'])} ({'met' if ok(c) else 'not met'})"
            if r["check"] and not r["check"].startswith("ok"):
                met = False
                shown += f" ({r['check']})"
            out.append(f"| {wid}: {text} | {shown} | {'yes' if met else '**no**'} | {on_cpu} |")
    return "\n".join(out)


def environment(quick: bool, load_before: tuple, load_after: tuple, wall: float) -> str:
    def ver(m: str) -> str:
        try:
            from importlib.metadata import version
            return version(m)
        except Exception:  # noqa: BLE001
            return "not installed"
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), "?")
    except OSError:
        pass
    pkgs = ", ".join(f"{m} {ver(m)}" for m in ("diffcli", "numpy", "torch", "jax", "jaxlib", "autograd",
                                                "sympy", "lark", "click"))
    try:
        import subprocess
        rev = subprocess.run(["git", "-C", str(HERE.parent), "describe", "--always", "--dirty"],
                             capture_output=True, text=True, timeout=10).stdout.strip() or "?"
    except (OSError, subprocess.SubprocessError):
        rev = "?"
    return (f"- diffcli source: {HERE.parent} at git {rev}\n"
            f"- Date: {datetime.datetime.now().isoformat(timespec='seconds')}; mode: "
            f"{'--quick' if quick else 'full'}; suite wall time {wall:.0f} s\n"
            f"- Python {platform.python_version()} on {platform.system()} {platform.machine()}, "
            f"{os.cpu_count()} CPUs ({cpu})\n"
            f"- Load average before/after: {load_before[0]:.2f} / {load_after[0]:.2f} "
            f"(above ~0.5 per CPU, other processes were competing: read small ratios with care)\n"
            f"- Packages: {pkgs}\n"
            f"- OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer repeats, smaller batches (~2 minutes)")
    ap.add_argument("--only", help="comma-separated workloads, e.g. W1,W3")
    ap.add_argument("--output", default=str(HERE / "results.md"), help="where to write the Markdown")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--memory", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        wid, key = args.worker.split(":", 1)
        worker(wid, key, args.quick, args.memory)
        return
    selected = list(WORKLOADS)
    if args.only:
        selected = [w.strip().upper() for w in args.only.split(",") if w.strip()]
        bad = [w for w in selected if w not in WORKLOADS]
        if bad:
            ap.error(f"unknown workload(s) {', '.join(bad)}; choose from {', '.join(WORKLOADS)}")
    compile_diffcli()
    load_before = os.getloadavg()
    t_start = time.perf_counter()
    rows: list[dict] = []
    for wid in selected:
        mod = importlib.import_module(WORKLOADS[wid])
        print(f"{wid}: {mod.TITLE}", file=sys.stderr, flush=True)
        for key, label, requires in mod.IMPLS:
            if requires and not installed(*requires):
                rows.append(row(wid, "-", label, None, "", status="not installed",
                                note=f"needs {', '.join(requires)}"))
                print(f"  {wid} {label:<34} not installed", file=sys.stderr, flush=True)
                continue
            got = spawn(wid, key, label, args.quick, timeout=300 if args.quick else 1800)
            rows.extend(got)
            quick_skip = args.quick and not (key == "floor" or key.startswith("diffcli"))
            if key in getattr(mod, "MEMORY_KEYS", ()) and not quick_skip and any(r["status"] == "ok" for r in got):
                spawn_memory(wid, key, label, args.quick, rows)
    wall = time.perf_counter() - t_start
    env = environment(args.quick, load_before, os.getloadavg(), wall)
    main_table = table(rows, main_only=True)
    goal_table = goals(rows, selected)
    print("\n## Goals\n\n" + goal_table + "\n\n## Results\n\n" + main_table + "\n\n" + env)
    md = ["# diffcli benchmark results", "",
          f"Generated by `python benchmarks/run.py{' --quick' if args.quick else ''}"
          f"{' --only ' + ','.join(selected) if args.only else ''}`. Medians over repeats; "
          "ratio = cost / floor cost from the same run (for lines/s: floor rate / rate), so above 1 "
          "is slower than the floor. CPU time is the median user+system time of the same repeats "
          "(all threads of the process): when other processes compete for the 2 cores (see the load "
          "average), wall time grows and CPU time much less. Workloads are described in "
          "benchmarks/README.md.", "",
          "## Environment", "", env, "", "## Goals", "", goal_table, "", "## Results", "", main_table, ""]
    details = [r for r in rows if not r["main"]]
    if details:
        md += ["## Detail rows", "", "Every row measured, including the ones the summary leaves out "
               "(per-order timings of W5, spreads).", "", table(rows, main_only=False), ""]
    spreads = [r for r in rows if r["status"] == "ok" and r.get("spread")]
    if spreads:
        md += ["## Spread of repeats", "", "Min-max of each row's timed repeats, in the row's unit.", "",
               "| Workload | Case | Implementation | Repeats | Min-max |", "|---|---|---|---:|---|"]
        md += [f"| {r['w']} | {r['case']} | {r['impl']} | {r['reps'] or ''} | {r['spread']} |" for r in spreads]
        md.append("")
    Path(args.output).write_text("\n".join(md))
    print(f"\nwritten to {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
