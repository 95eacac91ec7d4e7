"""diffcli plot: plain text of $COLUMNS width without a terminal, colour and the terminal's
size in a pseudo-terminal, gaps where the function is undefined or jumps, an SVG that parses
as XML with its curves, the Taylor overlay, the REPL's :plot, and a missing plotext."""
from __future__ import annotations

import math
import os
import re
import sys
import xml.etree.ElementTree as ET

import pytest

from cli_testlib import call_main, clean_env, run

pytest.importorskip("plotext")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_without_a_terminal_the_plot_is_plain_text_of_columns_width():
    res = run(["plot", "sin(x)*x", "--grid", "x=-5:5:200", "--order", "0,1,2"], env=clean_env(COLUMNS="64"))
    assert res.returncode == 0, res
    lines = res.stdout.rstrip("\n").split("\n")
    assert "\x1b" not in res.stdout
    assert max(len(line) for line in lines) <= 64 and max(len(line) for line in lines) >= 60
    assert lines[0].strip() == "sin(x)*x"                      # the title is the program
    assert lines[-1].strip() == "x"                            # the axis label is the variable
    assert re.search(r"-5\.0\s+.*0\.0\s+.*5\.0", lines[-2])    # x ticks
    assert sum("┤" in line for line in lines) >= 3             # y ticks
    legend = "\n".join(lines)
    assert "▚ f " in legend and "▚ f' " in legend and "▚ f'' " in legend


def test_width_and_height_options():
    res = run(["plot", "x^2", "--grid", "x=-1:1:50", "--width", "40", "--height", "12", "--order", "0"])
    lines = res.stdout.rstrip("\n").split("\n")
    assert len(lines) == 12 and max(map(len, lines)) <= 40


def test_in_a_pseudo_terminal_the_plot_has_colour_and_the_terminal_width(tmp_path):
    pexpect = pytest.importorskip("pexpect")
    env = dict(os.environ, TERM="xterm")
    env.pop("COLUMNS", None)
    env.pop("NO_COLOR", None)
    child = pexpect.spawn(sys.executable, ["-m", "diffcli", "plot", "exp(-x^2)", "--grid", "x=-3:3:120"],
                          env=env, encoding="utf-8", timeout=60, dimensions=(40, 90))
    child.expect(pexpect.EOF)
    out = child.before
    assert "\x1b[" in out                                      # coloured on a terminal
    plain = [ANSI.sub("", line) for line in out.replace("\r", "").split("\n") if line.strip()]
    assert max(len(line) for line in plain) <= 90 and max(len(line) for line in plain) >= 85
    assert any("exp(-x^2)" in line for line in plain) and any(" f' " in line for line in plain)


def test_gaps_where_undefined_off_the_view_or_jumping():
    from diffcli.plot import gaps
    xs = [i / 10 for i in range(-30, 31)]
    log = [math.log(x) if x > 0 else math.nan for x in xs]
    runs = gaps(xs, log, -5.0, 5.0)
    assert len(runs) == 1 and runs[0][0][0] > 0                # nothing drawn left of 0
    inv = [1 / x if x else math.nan for x in [x + 0.05 for x in xs]]
    assert len(gaps(xs, inv, -30.0, 30.0)) == 2                # the pole splits the curve
    steps = [math.floor(x) for x in xs]
    assert len(gaps(xs, steps, -3.0, 3.0)) == 7                # floor jumps six times
    smooth = [math.sin(x) for x in xs]
    assert len(gaps(xs, smooth, -1.0, 1.0)) == 1


def test_svg_output_parses_as_xml_with_the_curves(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "plot.svg"
    res = call_main(["plot", "log(x)", "--grid", "x=-1:3:200", "--order", "0,1", "--output", str(path)])
    assert res.code == 0 and f"wrote {path}" in res.stdout
    assert "warning: nan at" in res.stderr                     # the undefined half is named
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg")
    lines = [g for g in root.iter() if g.get("id", "").startswith("line2d_")
             and any("stroke-linecap" in (p.get("style") or "") and "#1f77b4" in (p.get("style") or "")
                     or "#ff7f0e" in (p.get("style") or "") for p in g)]
    colours = {c for g in lines for p in g for c in ("#1f77b4", "#ff7f0e") if c in (p.get("style") or "")}
    assert colours == {"#1f77b4", "#ff7f0e"}                   # f and f', each drawn
    text = path.read_text()
    assert "log(x)" in text and "f'" in text                  # the title and the legend


def test_taylor_overlay(tmp_path):
    res = run(["plot", "exp(x)", "--grid", "x=-3:3:100", "--order", "0", "--taylor", "0:3"],
              env=clean_env(COLUMNS="70"))
    assert res.returncode == 0 and "Taylor 3 at 0" in res.stdout
    from diffcli.plot import curves
    import numpy as np
    _, xs, cs, _ = curves("exp(x)", ("x", "-1:1:5"), [], [0], "0:3")
    assert np.allclose(cs[1].y, 1 + xs + xs ** 2 / 2 + xs ** 3 / 6, rtol=0, atol=1e-15)


def test_bad_options_and_a_missing_plotext(monkeypatch):
    assert call_main(["plot", "x", "--grid", "x=0:1:10", "--order", "a"]).code == 2
    res = call_main(["plot", "x", "--grid", "x=0:1:10", "--output", "p.gif"])
    assert res.code == 2 and "must end in .svg or .png" in res.stderr
    res = call_main(["plot", "log(", "--grid", "x=0:1:10"])
    assert res.code == 1 and res.stderr.startswith("error: parse")
    monkeypatch.setitem(sys.modules, "plotext", None)          # as if it were not installed
    res = call_main(["plot", "x", "--grid", "x=0:1:10"])
    assert res.code == 2 and "plot needs plotext: pip install 'diffcli[plot]'" in res.stderr


def test_repl_plot():
    res = run(["repl"], stdin="a = 2\n:plot sin(x)*a, x=-5:5\n:plot x, y\n", env=clean_env(COLUMNS="60"))
    assert "sin(x)*a" in res.stdout and "▚ f'" in res.stdout and "\x1b" not in res.stdout
    assert ":plot takes an expression and a range" in res.stderr + res.stdout


@pytest.mark.parametrize("command", ["taylor", "plot"])
def test_help_examples_run_cleanly(command, tmp_path):
    import subprocess
    from cli_testlib import invoke
    text = invoke([command, "--help"], standalone=True).stdout
    examples = [line.strip() for line in text.split("Examples:")[1].split("Options:")[0].splitlines() if line.strip()]
    assert len(examples) >= 3
    env = clean_env(COLUMNS="70", PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    for example in examples:
        p = subprocess.run(["bash", "-c", example], capture_output=True, env=env, cwd=tmp_path, timeout=120)
        assert p.returncode == 0 and b"Traceback" not in p.stderr, (example, p.stderr)
