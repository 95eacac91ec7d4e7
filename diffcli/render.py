"""Results and errors as text for people or as JSON Lines for scripts."""
from __future__ import annotations

import math
from typing import Any

from .engine import Tensor
from .errors import DiffcliError
from .graphview import clip

SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


# ---------------------------------------------------------------- JSON
def plain(v: Any) -> Any:
    """JSON-ready data: tensors as numbers or nested lists, non-finite numbers as strings."""
    if isinstance(v, Tensor):
        v = v._v
    if type(v) is float:
        return v if math.isfinite(v) else ("nan" if v != v else ("inf" if v > 0 else "-inf"))
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, (str, bool, int)) or v is None:
        return v
    if hasattr(v, "tolist"):  # a numpy array
        _printable(v.shape)
        return _finite_lists(v.tolist())
    return str(v)


MAX_PRINTED = 10**7  # numbers and brackets in one JSON answer: about 200 MB of text


def _printable(shape: tuple) -> None:
    """A limit error for an array whose JSON would be too big to build: counts its numbers and
    its lists (an empty array of shape (10^15, 0) is 10^15 empty lists)."""
    count, boxes = 1, 1
    for n in shape:
        count *= n
        boxes += count if n else 0
    count += boxes
    if count > MAX_PRINTED:
        raise DiffcliError("limit", f"the answer, of shape {shape}, would print {count:,} numbers and "
                           f"lists, over the output limit of {MAX_PRINTED:,}: reduce it (sum, indexing) first")


def _finite_lists(x: Any) -> Any:
    if isinstance(x, list):
        return [_finite_lists(i) for i in x]
    return plain(float(x))


JSON_KEYS = {
    "eval": ("value",), "grad": ("value", "grad", "symbolic"), "jacobian": ("value", "jacobian", "symbolic"),
    "hessian": ("value", "hessian", "symbolic"), "diff": ("value", "wrt", "derivative", "derivatives", "symbolic"),
    "check": ("ok", "max_abs_error", "max_rel_error", "tolerance", "undetermined", "variables"),
    "graph": ("nodes", "edges"), "taylor": ("value", "at", "coefficients", "polynomial"),
    "minimize": ("value", "at", "grad_norm", "iterations", "evaluations", "converged", "method", "message"),
    "solve": ("at", "residual_norm", "iterations", "evaluations", "converged", "message"),
}


_ENCODER: Any = None  # built on first use: an all-number answer (the common case) needs no json


def _encode(data: Any) -> str:
    global _ENCODER
    if _ENCODER is None:
        import json
        _ENCODER = json.JSONEncoder(allow_nan=False, separators=(", ", ": "))  # one, not one per call
    return _ENCODER.encode(data)


def result_json(command: str, result: dict) -> str:
    if result.get("trace"):  # --trace: one object per iteration, then the answer
        return "\n".join([_encode(plain(t)) for t in result["trace"]]
                         + [result_json(command, {k: v for k, v in result.items() if k != "trace"})])
    if not result.get("warnings"):
        text = _numbers_json(command, result)
        if text is not None:
            return text
    out = {k: plain(result[k]) for k in JSON_KEYS[command] if k in result}
    if result.get("warnings"):
        out["warnings"] = list(result["warnings"])
    return _encode(out)


def _numbers_json(command: str, result: dict) -> str | None:
    """The common answer, every field a number or a dict of names to numbers (a scalar
    program's grad), written directly: the encoder's bytes, at a fraction of its work.
    None for anything else."""
    parts = []
    for k in JSON_KEYS[command]:
        if k not in result:
            continue
        v = result[k]
        if type(v) is dict:
            inner = []
            for name, x in v.items():
                if type(x) is not Tensor or type(x._v) is not float or not (name.isascii() and name.isidentifier()):
                    return None
                inner.append(f'"{name}": {_float_json(x._v)}')
            parts.append(f'"{k}": {{{", ".join(inner)}}}')
        elif type(v) is Tensor and type(v._v) is float:
            parts.append(f'"{k}": {_float_json(v._v)}')
        else:
            return None
    return "{" + ", ".join(parts) + "}"


def _float_json(x: float) -> str:
    """A number as plain() and the encoder write it: repr, or a string when not finite."""
    if x - x == 0.0:
        return repr(x)
    return '"nan"' if x != x else ('"inf"' if x > 0 else '"-inf"')


def error_json(err: DiffcliError, line: int | None = None) -> str:
    body = {"kind": err.kind, "message": err.message,
            "line": line if line is not None else err.line, "column": err.column}
    if err.hint:
        body["hint"] = err.hint
    return _encode({"error": body})


# ---------------------------------------------------------------- text
_CONTROLS = {c: "\ufffd" for c in list(range(0, 9)) + list(range(10, 32)) + [127] + list(range(128, 160))}


def visible(text: str) -> str:
    """User text made safe to echo to a terminal: control characters (escape sequences,
    bells, carriage returns) become U+FFFD."""
    return text.translate(_CONTROLS)


class Style:
    def __init__(self, color: bool, unicode: bool = True) -> None:
        self.color = color
        self.unicode = unicode  # False when the output's encoding cannot show ∂

    def _sgr(self, code: str, s: str) -> str:
        return f"\x1b[{code}m{s}\x1b[0m" if self.color else s

    def label(self, s: str) -> str:
        return self._sgr("36", s)

    def warn(self, s: str) -> str:
        return self._sgr("33", s)

    def error(self, s: str) -> str:
        return self._sgr("1;31", s)

    def dim(self, s: str) -> str:
        return self._sgr("2", s)


WRAP = 76  # characters per line of a long vector, after the label column
SUMMARY = 1000  # above this many elements, the first and last three along each axis
EDGE = 3


def fmt(v: Any, precision: int | None = None) -> str:
    """A number or tensor, numbers in the shortest digits that round-trip unless ``precision``
    (zero unsigned: -0.0 is 0.0); arrays bracketed, matrices' columns aligned, long rows
    wrapped at WRAP characters, and above SUMMARY elements the first and last EDGE along each
    axis around '...', in the same digits."""
    if isinstance(v, Tensor):
        v = v._v
    if type(v) is float:
        return _num(v, precision)
    if type(v) is str:  # a formula
        return v
    if type(v) is list:  # formulas of a vector
        return "[" + ", ".join(v) + "]"
    shape = v.shape
    if v.size > SUMMARY or math.prod(shape[:-1]) > SUMMARY:  # (an empty array can have 10^15 rows)
        from .engine.backend import np
        keep = [list(range(n)) if n <= 2 * EDGE else list(range(EDGE)) + list(range(n - EDGE, n)) for n in shape]
        v = v[np.ix_(*keep)] if keep else v
        elided = [n > 2 * EDGE for n in shape]
        shape = v.shape
    else:
        elided = [False] * len(shape)
    cells = [_num(x, precision) for x in v.reshape(-1).tolist()]
    if len(shape) > 1:  # align the columns of matrices
        width = max((len(c) for c in cells), default=0)
        cells = [c.rjust(width) for c in cells]
    return _nest(cells, shape, elided, 0, 1)


def _num(x: float, precision: int | None) -> str:
    if x != x:
        return "nan"
    if x in (float("inf"), float("-inf")):
        return "inf" if x > 0 else "-inf"
    if x == 0.0:
        x = 0.0  # -0.0 is an artefact of the arithmetic, not information for the reader
    return repr(x) if precision is None else f"{x:.{precision}g}"


def _nest(cells: list[str], shape: tuple, elided: list, start: int, indent: int) -> str:
    if not shape:
        return cells[start]
    n, rest = shape[0], shape[1:]
    step = 1
    for s in rest:
        step *= s
    parts = [_nest(cells, rest, elided[1:], start + i * step, indent + 1) for i in range(n)]
    if elided[0]:
        parts.insert(EDGE, "...")
    if not rest:
        return "[" + _wrapped(parts, indent) + "]"
    sep = "," + "\n" * len(rest) + " " * indent
    return "[" + sep.join(parts) + "]"


def _wrapped(parts: list[str], indent: int) -> str:
    """A row's numbers joined by ', ', onto more lines when it would pass WRAP characters."""
    lines, cur = [], ""
    for p in parts:
        if cur and indent + len(cur) + len(p) + 2 > WRAP:
            lines.append(cur + ",")
            cur = p
        else:
            cur = f"{cur}, {p}" if cur else p
    return ("\n" + " " * indent).join(lines + [cur])


_SUPERS = "⁰¹²³⁴⁵⁶⁷⁸⁹"


def _ascii(label: str) -> str:
    """∂²/∂x² as d^2/dx^2, for an output that cannot show Unicode."""
    out, sup = [], ""
    for ch in label + " ":
        if ch in _SUPERS:
            sup += str(_SUPERS.index(ch))
            continue
        if sup:
            out.append("^" + sup)
            sup = ""
        out.append("d" if ch == "∂" else ch)
    return "".join(out)[:-1]


def _d(names: list[str]) -> str:
    """∂/∂x, ∂²/∂x∂y, d³/dx³ (ordinary when only one variable is involved)."""
    n = len(names)
    power = str(n).translate(SUPERSCRIPT) if n > 1 else ""
    if len(set(names)) == 1:
        return f"∂{power}/∂{names[0]}{power}"
    return f"∂{power}/" + "".join(f"∂{x}" for x in names)


def result_text(command: str, result: dict, style: Style, precision: int | None = None) -> str:
    rows: list[tuple[str, Any]] = []
    if command == "graph":
        return graph_text(result, style, precision)
    if command in ("minimize", "solve"):
        return _optimum_text(command, result, style, precision)
    if command == "check":
        rows.append(("ok", "yes" if result["ok"] else "NO"))
        rows.append(("max abs error", f"{result['max_abs_error']:.3g}"))
        rows.append(("max rel error", f"{result['max_rel_error']:.3g}"))
        for name, info in result["variables"].items():
            rows.append((f"{_d([name])} reverse", fmt(info["grad"], precision)))
            numeric = info["numeric"]
            rows.append((f"{_d([name])} numeric", "undetermined" if numeric.size == 1 and numeric.item() != numeric.item()
                         else fmt(numeric, precision)))
    else:
        rows.append(("value", fmt(result["value"], precision)))
    if command == "grad":
        rows += [(_d([n]), fmt(g, precision)) for n, g in result["grad"].items()]
    elif command == "jacobian":
        rows += _jacobian_rows(result, precision)
    elif command == "hessian":
        rows += [(_d([u, v]), fmt(h, precision)) for u, row in result["hessian"].items() for v, h in row.items()]
    elif command == "diff":
        wrt = result["wrt"]
        if "derivatives" in result:
            rows += [(_d(wrt[:k + 1]), fmt(d, precision)) for k, d in enumerate(result["derivatives"])]
        else:
            rows.append((_d(wrt), fmt(result["derivative"], precision)))
    elif command == "taylor":
        from .taylor_command import number
        coeffs = result["coefficients"]
        items = enumerate(coeffs) if isinstance(coeffs, list) else coeffs.items()
        rows += [(f"c{k}" if isinstance(k, int) else f"c[{k}]", number(c.item()) if precision is None
                  else fmt(c, precision)) for k, c in items]
        rows.append(("polynomial", result["polynomial"]))
    return _rows_text(rows, result, style)


def _optimum_text(command: str, result: dict, style: Style, precision: int | None) -> str:
    rows: list[tuple[str, Any]] = []
    for t in result.get("trace", []):
        norm = t["grad_norm"] if "grad_norm" in t else t["residual_norm"]
        value = f"  f {fmt(t['value'], precision)}" if "value" in t else ""
        at = ", ".join(f"{n}={fmt(v, precision)}" for n, v in t["at"].items())
        rows.append((f"iteration {t['iteration']}", f"{at}{value}  |{'g' if 'grad_norm' in t else 'F'}| {norm:.3g}"))
    if command == "minimize":
        rows.append(("minimum", fmt(result["value"], precision)))
    rows += [(f"at {n}", fmt(v, precision)) for n, v in result["at"].items()]
    if command == "minimize":
        rows.append(("gradient norm", f"{result['grad_norm']:.3g}"))
    else:
        rows.append(("residual norm", f"{result['residual_norm']:.3g}"))
    rows += [("iterations", str(result["iterations"])), ("evaluations", str(result["evaluations"])),
             ("converged", "yes" if result["converged"] else "NO")]
    if command == "minimize":
        rows.append(("method", result["method"]))
    return _rows_text(rows, result, style)


def _rows_text(rows: list[tuple[str, Any]], result: dict, style: Style) -> str:
    """Aligned label/value rows, then the warnings."""
    if not style.unicode:
        rows = [(_ascii(label), text) for label, text in rows]
    width = max(len(r[0]) for r in rows)
    lines = []
    for label, text in rows:
        pad = " " * (width + 2)
        body = str(text).replace("\n", "\n" + pad)
        lines.append(style.label(label.ljust(width)) + "  " + "\n".join(x.rstrip() for x in body.split("\n")))
    lines += [style.warn("warning: " + visible(w)) for w in result.get("warnings", [])]
    return "\n".join(lines)


MAX_INDENT = 40  # levels of the graph tree shown by indentation; deeper ones say their depth


def _jacobian_rows(result: dict, precision: int | None) -> list[tuple[str, str]]:
    """Over several scalar variables, J as one matrix (a column per variable, as J is written);
    otherwise a block per variable."""
    jac, value = result["jacobian"], result["value"]
    blocks = [g._v for g in jac.values()]
    if len(jac) > 1 and len(value.shape) == 1 and all(getattr(b, "shape", ()) == value.shape for b in blocks):
        from .engine.backend import np
        label = "J " + "[" + ", ".join(_d([n]) for n in jac) + "]"
        return [(label, fmt(np.stack(blocks, axis=-1), precision))]
    return [(f"J {_d([n])}", fmt(g, precision)) for n, g in jac.items()]


def graph_text(result: dict, style: Style, precision: int | None = None) -> str:
    """An indented tree from the result down to the variables; a node reached again (a shared
    subexpression) is shown once, then named "(shown above)", so the text grows with the
    graph, not with the number of its paths."""
    nodes, edges = result["nodes"], result["edges"]
    parents: dict[int, list[int]] = {}
    for a, b in edges:
        parents.setdefault(b, []).append(a)
    root = nodes[-1]["id"] if nodes else None
    lines: list[str] = []
    shown: set[int] = set()
    stack = [(root, 0)] if root is not None else []
    while stack:
        i, depth = stack.pop()
        n = nodes[i]
        indent = "  " * depth if depth <= MAX_INDENT else "  " * MAX_INDENT + f"[depth {depth}] "
        where = f" @{n['line']}:{n['column']}" if n["line"] else ""
        head = indent + style.label(n["op"]) + f" {clip(n['text'])!r}{where}"
        if i in shown:
            lines.append(head + style.dim("  (shown above)"))
            continue
        shown.add(i)
        grad = "" if n["grad"] is None else f"  grad {clip(_one_line(fmt(n['grad'], precision)), 80)}"
        shape = "x".join(map(str, n["shape"])) or "scalar"
        flags = "leaf" if n["is_leaf"] else ""
        flags += (", " if flags else "") + "requires grad" if n["requires_grad"] else ""
        value = clip(_one_line(fmt(n["value"], precision)), 80)
        lines.append(head + f"  [{shape}] value {value}{grad}" + (style.dim(f"  ({flags})") if flags else ""))
        for p in reversed(parents.get(i, [])):
            stack.append((p, depth + 1))
    return "\n".join(lines + [style.warn("warning: " + visible(w)) for w in result.get("warnings", [])])


def _one_line(text: str) -> str:
    """A matrix's rows on one line: the tree keeps one node per line."""
    return " ".join(part.strip() for part in text.split("\n"))


def graph_dot(result: dict) -> str:
    out = ["digraph diffcli {", "  rankdir=BT;", '  node [shape=box, fontname="monospace"];']
    for n in result["nodes"]:
        label = f"{n['op']}\\n{_esc(clip(n['text']))}\\nshape {tuple(n['shape'])}"
        if n["grad"] is not None:
            label += f"\\ngrad {_esc(clip(fmt(n['grad'], 6), 80))}"
        out.append(f'  n{n["id"]} [label="{label}"];')
    out += [f"  n{a} -> n{b};" for a, b in result["edges"]]
    return "\n".join(out + ["}"])


def _esc(s: str) -> str:
    """User text in a DOT label: quoted, on one line, with no control characters."""
    return visible(s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " "))


def error_text(err: DiffcliError, style: Style, line: int | None = None, column_only: bool = False) -> str:
    where = ""
    if err.line is not None and column_only:
        where = f" (column {err.column})"
    elif err.line is not None:
        where = f" (line {line if line is not None else err.line}, column {err.column})"
    elif line is not None:
        where = f" (line {line})"
    out = [style.error(f"error: {err.kind}: ") + visible(err.message) + where]
    if err.source is not None and err.line is not None:
        src_line = err.source.split("\n")[err.line - 1]
        shown = visible(src_line.replace("\t", " "))
        caret_at = err.column - 1
        if len(shown) > 100:  # keep the caret in view on very long lines
            start = max(0, caret_at - 50)
            shown, caret_at = ("..." if start else "") + shown[start:start + 100], caret_at - start + (3 if start else 0)
        out.append("  " + shown)
        out.append("  " + " " * caret_at + style.error("^"))
    if err.hint:
        out.append(style.dim("  hint: " + visible(err.hint)))
    return "\n".join(out)
