"""Formula sizes against SymPy's: on 100 textbook derivatives and 200 random ones (orders 1-8,
mixed partials, Hessian entries), the operation count of diffcli's formula over that of what
``sympy.diff`` prints: median at most 1.0, 90th percentile at most 1.5. Each formula is also
read back and checked against the engine at a point."""
from __future__ import annotations

import math
import statistics
import sys
from pathlib import Path

import pytest

from diffcli.errors import DiffcliError
from diffcli.language.parser import parse
from diffcli.symbolic.printer import size
from formula_support import agree, answer, evaluate, numeric

sp = pytest.importorskip("sympy")
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from formula_cases import TEXTBOOK, random_cases, to_sympy  # noqa: E402

CASES = [(t, ["x"]) for t in TEXTBOOK] + random_cases()


def ours(text: str, wrt: list[str]) -> str:
    if len(set(wrt)) == 1:
        return answer("diff", text, wrt=wrt[:1], order=len(wrt))["derivative"]
    return answer("diff", text, wrt=wrt)["derivative"]


def theirs(text: str, wrt: list[str]) -> str:
    return str(sp.diff(to_sympy(text), *[sp.Symbol(w) for w in wrt])).replace("**", "^")


def ops(formula: str) -> int:
    return size(parse(formula).expr)


@pytest.mark.slow
def test_sizes_no_larger_than_sympy():
    ratios = sorted((ops(ours(t, w)) + 1) / (ops(theirs(t, w)) + 1) for t, w in CASES)
    assert len(ratios) == 300
    assert statistics.median(ratios) <= 1.0, ratios
    assert ratios[int(0.9 * len(ratios))] <= 1.5, ratios


def test_every_case_reads_back_as_the_engine_number():
    point = {"x": 0.37, "y": 0.61}
    checked = 0
    for text, wrt in CASES:
        options = {"wrt": wrt[:1], "order": len(wrt)} if len(set(wrt)) == 1 else {"wrt": wrt}
        try:
            want = numeric("diff", text, point, **options)["derivative"].item()
        except DiffcliError as err:
            assert err.kind == "domain"
            continue
        if not math.isfinite(want):
            continue
        got = evaluate(ours(text, wrt), point)
        assert agree(got, want, 1e-7), (text, wrt, got, want)
        checked += 1
    assert checked > 250
