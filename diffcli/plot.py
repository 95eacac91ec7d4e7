"""diffcli plot: a program and its derivatives over a grid, drawn in the terminal by plotext
(or written to an SVG or PNG file by matplotlib), optionally with a Taylor polynomial."""
from __future__ import annotations

import math
import os
import shutil
import sys
from typing import Any

from .errors import DiffcliError
from .language.limits import Limits
from .session import Options, Session

INSTALL = "pip install 'diffcli[plot]'"
DEFAULT_POINTS = 201
JUMP = 0.1        # a step over this share of the view's height...
ISOLATED = 8.0    # ...and this many times both neighbouring steps is a jump, drawn as a gap
TAIL = 20.0       # a range this many times the central 90% is cut to that (poles, asymptotes)


class Curve:
    """One line of the plot: its legend label and a y per x (nan: no point)."""

    __slots__ = ("label", "y")

    def __init__(self, label: str, y: Any) -> None:
        self.label, self.y = label, y


def curves(program: str, spec: tuple[str, str], at: list, orders: list[int], taylor: str | None,
           session: Session | None = None) -> tuple[str, Any, list[Curve], list[str]]:
    """(variable, xs, curves, warnings): f and the derivatives in ``orders`` over the grid, in
    one vectorised pass where the program allows; the Taylor polynomial A:N if asked."""
    from .engine.backend import np
    from .grid import parse_grid
    from .grid_commands import run_grid
    session = session or Session(Limits())
    name, text = spec
    if text.count(":") == 1 and not text.strip().startswith("["):
        text += f":{DEFAULT_POINTS}"
    grid = parse_grid([(name, text)], session)
    top = max(orders)
    opts = Options(at=list(at), wrt=[name], order=max(top, 1), all_orders=True, limits=session.limits)
    result = run_grid(session, "diff" if top else "eval", program, opts, grid)
    series = [result["value"].v] + [d.v for d in result.get("derivatives", [])]
    out = [Curve(_label(k), series[k]) for k in orders]
    if taylor is not None:
        out.append(_taylor_curve(session, program, name, at, taylor, grid.columns[name]))
    warnings = [w for w in result["warnings"]]
    return name, grid.columns[name], out, warnings


def _label(k: int) -> str:
    return "f" + ("'" * k if k <= 3 else f"({k})")


def _taylor_curve(session: Session, program: str, name: str, at: list, spec: str, xs: Any) -> Curve:
    from .taylor_command import cmd_taylor, number
    a_text, sep, n_text = spec.rpartition(":")
    if not sep or not n_text.strip().isdigit():
        raise DiffcliError("usage", f"--taylor {spec}: expected A:N, the point and the order (for example 0:3)")
    a = session.constant(a_text, what="--taylor A").item()
    opts = Options(at=list(at) + [(name, repr(a))], wrt=[name], order=int(n_text), limits=session.limits)
    with session.guarded():
        res = cmd_taylor(session, program, opts)
    y = xs * 0.0
    for c in reversed(res["coefficients"]):  # Horner in (x - a)
        y = y * (xs - a) + c.item()
    return Curve(f"Taylor {n_text.strip()} at {number(a)}", y)


def gaps(xs: list, y: list, lo: float, hi: float) -> list[tuple[list, list]]:
    """The runs of a curve to draw as lines: split where it is undefined, leaves the view,
    or jumps (a step over JUMP of the view that goes against both steps beside it, as at a
    pole, or is ISOLATED times larger than they are, as at a step of floor)."""
    runs, cur_x, cur_y = [], [], []
    d = [b - a for a, b in zip(y, y[1:])]
    for i, (x, v) in enumerate(zip(xs, y)):
        inside = v == v and lo <= v <= hi
        jump = False
        if inside and cur_y and i > 0 and abs(d[i - 1]) > JUMP * (hi - lo):
            s = d[i - 1]
            near = [t for t in (d[i - 2] if i >= 2 else None, d[i] if i < len(d) else None) if t == t and t is not None]
            against = bool(near) and all(t * s < 0 for t in near)
            jump = against or all(abs(s) > ISOLATED * abs(t) for t in near)
        if not inside or jump:
            if cur_x:
                runs.append((cur_x, cur_y))
            cur_x, cur_y = [], []
        if inside:
            cur_x.append(x)
            cur_y.append(v)
    if cur_x:
        runs.append((cur_x, cur_y))
    return runs


def view(cs: list[Curve]) -> tuple[float, float]:
    """The y range shown: every finite value, unless a few (near a pole) stretch it past
    TAIL times the central 90%, which is then shown with a margin."""
    from .engine.backend import np
    ys = np.concatenate([c.y[np.isfinite(c.y)] for c in cs]) if cs else np.zeros(0)
    if not ys.size:
        return -1.0, 1.0
    lo, hi = float(ys.min()), float(ys.max())
    p5, p95 = (float(v) for v in np.percentile(ys, [5, 95]))
    if p95 > p5 and hi - lo > TAIL * (p95 - p5):
        m = 0.5 * (p95 - p5)
        lo, hi = max(lo, p5 - m), min(hi, p95 + m)
    if hi == lo:
        lo, hi = lo - 1.0, hi + 1.0
    return lo, hi


def terminal(title: str, name: str, xs: Any, cs: list[Curve], width: int, height: int, color: bool) -> str:
    """The plot as terminal text: axes, ticks, legend; colourless unless ``color``."""
    import plotext
    fig = plotext.figure
    fig.clear()
    lo, hi = view(cs)
    for c in cs:
        first = True
        for rx, ry in gaps(xs.tolist(), c.y.tolist(), lo, hi):
            s = fig.signal(rx, ry).lines()
            if first:  # one legend entry per curve, however many runs it has
                s.label(c.label)
                first = False
            fig.draw(s)
    fig.title(title)
    fig.label(name)
    fig.plot_size(width, height)
    text = fig.build().string(colorless=not color)
    fig.clear()
    return "\n".join(line.rstrip() for line in text.split("\n"))


def image(path: str, title: str, name: str, xs: Any, cs: list[Curve]) -> None:
    """An SVG or PNG file of the plot, by matplotlib."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise DiffcliError("usage", f"--output needs matplotlib: {INSTALL}") from None
    from .engine.backend import np
    lo, hi = view(cs)
    fig, ax = plt.subplots(figsize=(8, 5))
    for c in cs:
        xr, yr = [], []
        for rx, ry in gaps(xs.tolist(), c.y.tolist(), lo, hi):
            xr += rx + [math.nan]
            yr += ry + [math.nan]
        ax.plot(np.array(xr), np.array(yr), label=c.label)
    ax.set_title(title)
    ax.set_xlabel(name)
    ax.grid(True, alpha=0.3)
    ax.legend()
    try:
        fig.savefig(path)
    except (OSError, ValueError) as exc:
        raise DiffcliError("usage", f"--output {path}: {exc}") from None
    finally:
        plt.close(fig)


def size(width: int | None, height: int | None, tty: bool) -> tuple[int, int]:
    cols = os.environ.get("COLUMNS", "")
    if width is None:
        width = int(cols) if cols.isdigit() and int(cols) >= 20 else (
            shutil.get_terminal_size((80, 24)).columns if tty else 80)
    if height is None:
        rows = shutil.get_terminal_size((80, 24)).lines if tty else 10**6
        height = max(10, min(width // 3, rows - 3, 40))
    return width, height


def orders_of(text: str) -> list[int]:
    try:
        out = [int(t) for t in text.split(",") if t.strip()]
    except ValueError:
        out = []
    if not out or any(k < 0 or k > 10 for k in out):
        raise DiffcliError("usage", f"--order {text}: expected orders from 0 to 10, comma-separated (0,1,2)")
    return sorted(set(out))


def draw(program: str, spec: tuple[str, str], at: list, orders: list[int], taylor: str | None,
         output: str | None, width: int | None, height: int | None, tty: bool,
         session: Session | None = None) -> tuple[str, list[str]]:
    """The plot's text (or a line naming the file written) and its warnings."""
    if output is None:
        try:
            import plotext  # noqa: F401
        except ImportError:
            raise DiffcliError("usage", f"plot needs plotext: {INSTALL}") from None
    elif not output.lower().endswith((".svg", ".png")):
        raise DiffcliError("usage", f"--output {output}: the file must end in .svg or .png")
    name, xs, cs, warnings = curves(program, spec, at, orders, taylor, session)
    title = " ".join(program.split())
    if output is not None:
        image(output, title, name, xs, cs)
        return f"wrote {output}", warnings
    w, h = size(width, height, tty)
    return terminal(title, name, xs, cs, w, h, color=tty and not os.environ.get("NO_COLOR")), warnings


def run_plot(kw: dict) -> int:
    """The CLI command: exit 0, 1 on an error in the program, 2 on a bad option."""
    from .render import Style, error_text
    import click
    tty = sys.stdout.isatty()
    try:
        orders = orders_of(kw["orders"])
        text, warnings = draw(kw["program"], kw["grid"], list(kw["at"]), orders, kw["taylor"], kw["output"],
                              kw["width"], kw["height"], tty)
    except DiffcliError as e:
        if e.kind == "usage":
            raise click.UsageError(e.message) from None
        sys.stderr.write(error_text(e, Style(False)) + "\n")
        return 1
    sys.stdout.write(text + "\n")
    for w in warnings:
        sys.stderr.write(f"warning: {w}\n")
    return 0
