"""Shared helpers for the command-line tests: running diffcli (in process and as a real
subprocess), a strict validator for the JSON Lines contract, and a generator of random
programs with their exact SymPy counterparts."""
from __future__ import annotations

import json
import math
import os
import random
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from click.testing import CliRunner

from diffcli.cli import cli
from diffcli.errors import KINDS

COMMANDS = ("eval", "grad", "jacobian", "hessian", "diff", "check", "graph")
ERROR_KINDS = frozenset(KINDS) - {"usage"}  # a program's error: every documented kind but the options' own
NONFINITE = {"nan", "inf", "-inf"}

# The console script installed next to the interpreter running the tests (the venv's bin).
_BIN = os.path.dirname(sys.executable)
DIFFCLI = shutil.which("diffcli", path=_BIN + os.pathsep + os.environ.get("PATH", "")) or "diffcli"
ENTRYPOINTS = {"script": [DIFFCLI], "module": [sys.executable, "-m", "diffcli"]}


# ----------------------------------------------------------------------------- running
def default_sigint() -> None:
    """A child's Ctrl-C as on a terminal, even when the suite runs with SIGINT ignored (a
    background job), which children inherit and Python then leaves ignored."""
    import signal
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def clean_env(**extra: str) -> dict:
    """The environment for a subprocess: no colour preferences inherited from the caller."""
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM", "FORCE_COLOR")}
    env["PYTHONIOENCODING"] = "utf-8"
    env.update(extra)
    return env


@dataclass
class Run:
    argv: list
    returncode: int
    stdout: str
    stderr: str

    def json_lines(self) -> list:
        return parse_json_lines(self.stdout)

    def __repr__(self) -> str:  # shown by pytest when an assertion fails
        return (f"Run({self.argv!r}, rc={self.returncode},\n  stdout={self.stdout[:2000]!r},\n"
                f"  stderr={self.stderr[:2000]!r})")


def run(args: Sequence[str], stdin: bytes | str | None = None, entry: str = "script",
        env: dict | None = None, timeout: float = 60) -> Run:
    """diffcli ARGS as a real process (the console script or python -m diffcli)."""
    argv = ENTRYPOINTS[entry] + list(args)
    data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
    p = subprocess.run(argv, input=data if data is not None else b"", capture_output=True,
                       env=env or clean_env(), timeout=timeout)
    return Run(argv, p.returncode, p.stdout.decode("utf-8"), p.stderr.decode("utf-8"))


def run_many(jobs: Iterable[tuple], workers: int = 4) -> list[Run]:
    """Several runs at once: each job is (args, stdin, entry). Subprocess start-up dominates
    these tests, so overlapping them keeps the suite fast on two cores."""
    jobs = list(jobs)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda j: run(j[0], *j[1:]), jobs))


@dataclass
class InProc:
    code: int | None          # what the command returned (standalone_mode=False), or click's exit code
    stdout: str
    stderr: str
    exception: BaseException | None

    def json_lines(self) -> list:
        return parse_json_lines(self.stdout)


def invoke(args: Sequence[str], stdin: str | bytes | None = None, standalone: bool = False,
           env: dict | None = None) -> InProc:
    """The click group in process. With standalone=False, ``code`` is the command's return value
    (the exit code main() would use); with standalone=True it is click's own exit code."""
    runner = CliRunner()
    res = runner.invoke(cli, list(args), input=stdin, standalone_mode=standalone,
                        env=env or {"NO_COLOR": None, "TERM": None})
    code = res.return_value if not standalone else res.exit_code
    if not standalone and res.exception is not None and not isinstance(res.exception, SystemExit):
        code = None
    return InProc(code, res.stdout, res.stderr, res.exception)


def call_main(args: Sequence[str], stdin: str | bytes | None = None) -> InProc:
    """The console script's entry point, diffcli.cli.main(argv), in process: its exit-code mapping
    (SystemExit) and its usage-error output, with click's test isolation for the streams."""
    from diffcli.cli import main
    runner = CliRunner()
    with runner.isolation(input=stdin, env={"NO_COLOR": None, "TERM": None}) as streams:
        try:
            main(list(args))
            code = 0
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        sys.stdout.flush()
        sys.stderr.flush()
        out, err = streams[0].getvalue(), streams[1].getvalue()
    return InProc(code, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"), None)


# ----------------------------------------------------------------------------- JSON contract
def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-standard JSON constant {name} (RFC 8259 has no NaN or Infinity)")


def parse_json_lines(text: str) -> list:
    """Each line exactly one strict RFC 8259 JSON object; the output ends with a newline."""
    if not text:
        return []
    assert text.endswith("\n"), f"output does not end with a newline: {text[-80:]!r}"
    out = []
    for line in text[:-1].split("\n"):
        obj = json.loads(line, parse_constant=_reject_constant)
        assert isinstance(obj, dict), f"a JSON line is not an object: {line!r}"
        out.append(obj)
    return without_line_numbers(out)


def without_line_numbers(answers: list) -> list:
    """Batch answers with their "line" key checked (input lines in increasing order, an error's
    own line) and removed, so that they compare equal to one-shot answers."""
    last = 0
    for obj in answers:
        n = obj.pop("line", None)
        if n is None:
            continue
        assert type(n) is int and n > last, (n, last)
        last = n
        if "error" in obj:
            assert obj["error"]["line"] == n, obj
    return answers


def is_number(v: Any) -> bool:
    return (type(v) in (int, float) and math.isfinite(v)) or v in NONFINITE


def to_float(v: Any) -> float:
    return float(v)  # float("nan"), float("inf"), float("-inf") read the strings too


def shape_of(v: Any) -> tuple:
    """The shape of a JSON tensor (a number or a rectangular nested list)."""
    if isinstance(v, list):
        assert v, "an empty list in a tensor"
        shapes = {shape_of(x) for x in v}
        assert len(shapes) == 1, f"a ragged tensor: {v!r}"
        return (len(v),) + shapes.pop()
    assert is_number(v), f"not a number: {v!r}"
    return ()


def flat(v: Any) -> list:
    return [to_float(x) for y in v for x in flat(y)] if isinstance(v, list) else [to_float(v)]


def validate_error(obj: dict, kinds: set = ERROR_KINDS) -> dict:
    assert set(obj) - {"line"} == {"error"}, f"an error object has other keys: {obj!r}"
    err = obj["error"]
    if "line" in obj:  # a batch answer: the line of standard input, the error's own line
        assert obj["line"] == err["line"], obj
    assert {"kind", "message", "line", "column"} <= set(err) <= {"kind", "message", "line", "column", "hint"}, err
    assert err["kind"] in kinds, f"unexpected error kind {err['kind']!r}"
    assert isinstance(err["message"], str) and err["message"].strip()
    for k in ("line", "column"):
        assert err[k] is None or (type(err[k]) is int and err[k] >= 1), f"{k} not 1-based: {err!r}"
    if "hint" in err:
        assert isinstance(err["hint"], str) and err["hint"]
    return err


def validate(obj: dict, command: str, *, all_orders: bool = False) -> dict:
    """Check one answer object against the contract's keys for ``command``; returns it."""
    if "error" in obj:
        validate_error(obj)
        return obj
    keys = set(obj)
    if "line" in obj:  # a batch answer carries the line of standard input
        assert type(obj["line"]) is int and obj["line"] >= 1, obj
        keys.discard("line")
    if "warnings" in obj:
        w = obj["warnings"]
        assert isinstance(w, list) and w and all(isinstance(s, str) and s for s in w), w
        keys.discard("warnings")
    if command == "eval":
        assert keys == {"value"}, keys
        shape_of(obj["value"])
    elif command == "grad":
        assert keys == {"value", "grad"}, keys
        shape_of(obj["value"])
        assert isinstance(obj["grad"], dict)
        for name, g in obj["grad"].items():
            assert name.isidentifier()
            shape_of(g)
    elif command == "jacobian":
        assert keys == {"value", "jacobian"}, keys
        vshape = shape_of(obj["value"])
        assert isinstance(obj["jacobian"], dict)
        for name, j in obj["jacobian"].items():
            assert shape_of(j)[:len(vshape)] == vshape, (name, j)
    elif command == "hessian":
        assert keys == {"value", "hessian"}, keys
        assert shape_of(obj["value"]) == ()
        h = obj["hessian"]
        assert isinstance(h, dict)
        for u, row in h.items():
            assert isinstance(row, dict) and list(row) == list(h), (u, row)
            for v, block in row.items():
                shape_of(block)
    elif command == "diff":
        want = {"value", "wrt", "derivative"} | ({"derivatives"} if all_orders else set())
        assert keys == want, keys
        assert shape_of(obj["value"]) == () and shape_of(obj["derivative"]) == ()
        wrt = obj["wrt"]
        assert isinstance(wrt, list) and wrt and all(isinstance(n, str) and n.isidentifier() for n in wrt)
        if all_orders:
            ds = obj["derivatives"]
            assert isinstance(ds, list) and len(ds) == len(wrt) and all(shape_of(d) == () for d in ds)
            assert ds[-1] == obj["derivative"]
    elif command == "check":
        assert {"ok", "max_abs_error", "max_rel_error"} <= keys, keys
        assert type(obj["ok"]) is bool
        for k in ("max_abs_error", "max_rel_error"):
            assert is_number(obj[k]) and (obj[k] in NONFINITE or obj[k] >= 0), obj[k]
    elif command == "graph":
        assert keys == {"nodes", "edges"}, keys
        nodes, edges = obj["nodes"], obj["edges"]
        assert isinstance(nodes, list) and isinstance(edges, list)
        for i, n in enumerate(nodes):
            assert isinstance(n, dict) and n["id"] == i
            assert isinstance(n["op"], str) and isinstance(n["text"], str)
        for e in edges:
            assert isinstance(e, list) and len(e) == 2 and all(type(i) is int and 0 <= i < len(nodes) for i in e)
    else:  # pragma: no cover
        raise AssertionError(f"unknown command {command}")
    return obj


def close(a: Any, b: float, rtol: float = 1e-11, atol: float = 0.0) -> bool:
    a = to_float(a)
    if math.isnan(b):
        return math.isnan(a)
    if math.isinf(b):
        return a == b
    return abs(a - b) <= atol + rtol * abs(b)


# ----------------------------------------------------------------------------- random programs
@dataclass
class Node:
    text: str       # diffcli source
    sym: Any        # the SymPy expression
    val: float      # its value at the point, by Python's math (for domain checks)


def _sigmoid(v: float) -> float:
    return 1.0 / (1.0 + math.exp(-v))


# name -> (sympy function of one expression, math function, domain test on the argument's value)
def _unary_table() -> dict:
    import sympy as sp
    return {
        "sin": (sp.sin, math.sin, lambda v: abs(v) < 20),
        "cos": (sp.cos, math.cos, lambda v: abs(v) < 20),
        "tan": (sp.tan, math.tan, lambda v: abs(math.cos(v)) > 0.3),
        "exp": (sp.exp, math.exp, lambda v: v < 4),
        "expm1": (lambda u: sp.exp(u) - 1, math.expm1, lambda v: v < 4),
        "log": (sp.log, math.log, lambda v: v > 0.2),
        "log2": (lambda u: sp.log(u) / sp.log(2), math.log2, lambda v: v > 0.2),
        "log10": (lambda u: sp.log(u) / sp.log(10), math.log10, lambda v: v > 0.2),
        "log1p": (lambda u: sp.log(1 + u), math.log1p, lambda v: v > -0.7),
        "sqrt": (sp.sqrt, math.sqrt, lambda v: v > 0.2),
        "cbrt": (sp.cbrt, lambda v: v ** (1.0 / 3.0), lambda v: v > 0.2),
        "tanh": (sp.tanh, math.tanh, lambda v: abs(v) < 4),
        "sinh": (sp.sinh, math.sinh, lambda v: abs(v) < 4),
        "cosh": (sp.cosh, math.cosh, lambda v: abs(v) < 4),
        "atan": (sp.atan, math.atan, lambda v: abs(v) < 10),
        "asinh": (sp.asinh, math.asinh, lambda v: abs(v) < 10),
        "asin": (sp.asin, math.asin, lambda v: abs(v) < 0.75),
        "acos": (sp.acos, math.acos, lambda v: abs(v) < 0.75),
        "atanh": (sp.atanh, math.atanh, lambda v: abs(v) < 0.75),
        "acosh": (sp.acosh, math.acosh, lambda v: 1.25 < v < 10),
        "erf": (sp.erf, math.erf, lambda v: abs(v) < 3),
        "sigmoid": (lambda u: 1 / (1 + sp.exp(-u)), _sigmoid, lambda v: abs(v) < 6),
        "softplus": (lambda u: sp.log(1 + sp.exp(u)), lambda v: math.log1p(math.exp(v)), lambda v: abs(v) < 6),
    }


class ProgramGen:
    """Random scalar programs over given variables, built only where every function is well
    inside its domain at the point, so float64 and the exact derivative agree closely."""

    CONSTS = (0.5, 1.5, 2.0, 3.0, 0.25, 1.25)

    def __init__(self, seed: int, names: Sequence[str] = ("x", "y"), unary: Sequence[str] | None = None,
                 binary: Sequence[str] = ("+", "-", "*", "/", "^2", "^3", "pow", "hypot", "atan2")) -> None:
        import sympy as sp
        self.sp = sp
        self.rng = random.Random(seed)
        self.names = list(names)
        self.syms = {n: sp.Symbol(n) for n in names}
        self.unary = _unary_table()
        self.unary_names = list(unary or self.unary)
        self.binary = list(binary)

    def point(self) -> dict:
        """Values for the variables: short decimals in [-2, 2] away from 0."""
        out = {}
        for n in self.names:
            v = 0.0
            while abs(v) < 0.3:
                v = round(self.rng.uniform(-2.0, 2.0), 3)
            out[n] = v
        return out

    def _leaf(self, at: dict, prefer_var: bool) -> Node:
        sp = self.sp
        if prefer_var or self.rng.random() < 0.75:
            n = self.rng.choice(self.names)
            return Node(n, self.syms[n], at[n])
        c = self.rng.choice(self.CONSTS)
        return Node(repr(c), sp.Rational(c), c)

    def expr(self, at: dict, depth: int) -> Node:
        for _ in range(200):
            node = self._try(at, depth)
            if node is not None and abs(node.val) < 1e4:
                return node
        raise RuntimeError("no program found inside the domains")  # pragma: no cover

    def _try(self, at: dict, depth: int) -> Node | None:
        sp = self.sp
        r = self.rng.random()
        if depth <= 0 or r < 0.15:
            return self._leaf(at, prefer_var=depth > 0)
        if r < 0.55:
            name = self.rng.choice(self.unary_names)
            sym_f, math_f, ok = self.unary[name]
            a = self.expr(at, depth - 1)
            if not ok(a.val):
                return None
            return Node(f"{name}({a.text})", sym_f(a.sym), math_f(a.val))
        op = self.rng.choice(self.binary)
        a = self.expr(at, depth - 1)
        if op in ("^2", "^3"):
            k = int(op[1])
            return Node(f"({a.text})^{k}", a.sym ** k, a.val ** k)
        b = self.expr(at, depth - 1)
        if op == "+":
            return Node(f"({a.text} + {b.text})", a.sym + b.sym, a.val + b.val)
        if op == "-":
            return Node(f"({a.text} - {b.text})", a.sym - b.sym, a.val - b.val)
        if op == "*":
            return Node(f"({a.text} * {b.text})", a.sym * b.sym, a.val * b.val)
        if op == "/":
            if abs(b.val) < 0.3:
                return None
            return Node(f"({a.text} / {b.text})", a.sym / b.sym, a.val / b.val)
        if op == "pow":
            if not (a.val > 0.3 and abs(b.val) < 3):
                return None
            return Node(f"pow({a.text}, {b.text})", a.sym ** b.sym, a.val ** b.val)
        if op == "hypot":
            if math.hypot(a.val, b.val) < 0.3:
                return None
            return Node(f"hypot({a.text}, {b.text})", sp.sqrt(a.sym ** 2 + b.sym ** 2), math.hypot(a.val, b.val))
        if op == "atan2":
            if b.val < 0.3:  # keep away from the branch cut and the origin
                return None
            # with b > 0, atan2(a, b) = atan(a / b) (SymPy's own atan2 is slow to evaluate)
            return Node(f"atan2({a.text}, {b.text})", sp.atan(a.sym / b.sym), math.atan2(a.val, b.val))
        raise AssertionError(op)  # pragma: no cover

    def program(self, depth: int, need: Sequence[str] = ()) -> tuple[str, Any, dict]:
        """(program text with its 'at' clause, SymPy expression, the point)."""
        for _ in range(500):
            at = self.point()
            node = self.expr(at, depth)
            free = {str(s) for s in node.sym.free_symbols}
            if all(n in free for n in need):
                clause = ", ".join(f"{n} = {at[n]!r}" for n in self.names)
                return f"{node.text} at {clause}", node.sym, at
        raise RuntimeError("no program uses every variable")  # pragma: no cover


def exact(sym_expr: Any, syms: dict, at: dict, digits: int = 30) -> float:
    """A SymPy expression's value at the point (the point's float values taken exactly)."""
    import sympy as sp
    subs = {syms[n]: sp.Rational(v) for n, v in at.items()}
    val = sym_expr.evalf(digits, subs=subs)
    if val.has(sp.I) or not val.is_real:
        val = sp.re(val)
    return float(val)
