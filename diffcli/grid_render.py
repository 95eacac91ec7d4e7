"""A grid's answer as an aligned table, CSV or TSV (a header row, then a row per point), or
JSON Lines (the command's usual keys per point, plus "at")."""
from __future__ import annotations

import csv
import io
from typing import Any, Iterator

from .grid import Col
from .render import JSON_KEYS, Style, _ascii, _d, _encode, fmt, plain

CHECK_LABELS = {"ok": "ok", "max_abs_error": "max abs error", "max_rel_error": "max rel error"}


def columns(command: str, result: dict) -> list[tuple[tuple, str | None, Col]]:
    """(JSON path, table label or None for JSON only, column), in the command's key order."""
    out: list = []
    keys = JSON_KEYS[command] + (("value",) if command == "check" else ())
    for k in keys:
        if k in result:
            _walk(result[k], (k,), out)
    labelled = [(path, _label(command, path, result), c) for path, c in out]
    return labelled


def _walk(v: Any, path: tuple, out: list) -> None:
    if isinstance(v, Col):
        out.append((path, v))
    elif isinstance(v, dict):
        for k, x in v.items():
            _walk(x, path + (k,), out)
    elif isinstance(v, list) and v and isinstance(v[0], Col):
        for i, x in enumerate(v):
            _walk(x, path + (i,), out)


def _label(command: str, path: tuple, result: dict) -> str | None:
    k = path[0]
    if k == "value":
        return "value"
    if k == "grad":
        return _d([path[1]])
    if k == "hessian":
        return _d([path[1], path[2]])
    if k == "derivative":
        return None if "derivatives" in result else _d(result["wrt"])
    if k == "derivatives":
        return _d(result["wrt"][:path[1] + 1])
    if k in CHECK_LABELS:
        return CHECK_LABELS[k]
    if k == "variables" and path[2] in ("grad", "numeric"):
        return f"{_d([path[1]])} {'reverse' if path[2] == 'grad' else 'numeric'}"
    if k == "coefficients":
        return f"c{path[1]}" if isinstance(path[1], int) else f"c[{path[1]}]"
    if k == "polynomial":
        return "polynomial"
    return None


def _cells(c: Col, precision: int | None) -> list[str]:
    v = c.v
    if isinstance(v, list):  # strings (a Taylor polynomial per point)
        return v
    if v.dtype == bool:
        return ["yes" if x else "NO" for x in v.tolist()]
    if v.ndim == 1 and precision is None:
        return [_short(x) for x in v.tolist()]
    return [fmt(x, precision).replace("\n", " ") if x.ndim else fmt(float(x), precision) for x in v]


def _short(x: float) -> str:
    return repr(x) if x - x == 0.0 else ("nan" if x != x else ("inf" if x > 0 else "-inf"))


def grid_table(command: str, result: dict, style: Style, precision: int | None, fmt_name: str) -> str:
    """The answer as text: an aligned table (``fmt_name`` "text"), or CSV or TSV with a header.
    Warnings follow the table; in CSV and TSV they are left to the caller (standard error)."""
    grid = result["grid"]
    cols = [(p, label, c) for p, label, c in columns(command, result) if label is not None]
    labels = grid.names + [label for _, label, _ in cols]
    body = [[_short(x) if precision is None else fmt(x, precision) for x in grid.columns[n].tolist()]
            for n in grid.names] + [_cells(c, precision) for _, _, c in cols]
    if fmt_name in ("csv", "tsv"):
        buf = io.StringIO()
        w = csv.writer(buf, delimiter="," if fmt_name == "csv" else "\t", lineterminator="\n")
        w.writerow([_ascii(label) for label in labels])
        w.writerows(zip(*body))
        return buf.getvalue().rstrip("\n")
    if not style.unicode:
        labels = [_ascii(label) for label in labels]
    widths = [max([len(label)] + [len(x) for x in col]) for label, col in zip(labels, body)]
    head = "  ".join(style.label(label.ljust(w)) for label, w in zip(labels, widths)).rstrip()
    rows = ["  ".join(x.ljust(w) for x, w in zip(row, widths)).rstrip() for row in zip(*body)]
    return "\n".join([head] + rows + [style.warn("warning: " + w) for w in result.get("warnings", [])])


def grid_json(command: str, result: dict) -> Iterator[str]:
    """One JSON object per point: the command's keys (a number where the single-point answer
    has one), then "at"."""
    grid = result["grid"]
    cols = columns(command, result)
    fixed = {k: plain(result[k]) for k in JSON_KEYS[command] if k in result and not _has_cols(result[k])}
    data = [(path, c.v if isinstance(c.v, list) else c.v.tolist()) for path, _, c in cols]
    at_cols = [(n, grid.columns[n].tolist()) for n in grid.names]
    for i in range(grid.size):
        obj: dict = dict(fixed)
        for path, vals in data:
            d = obj
            for j, k in enumerate(path[:-1]):
                d = _slot(d, k, [] if isinstance(path[j + 1], int) else {})
            _slot(d, path[-1], None)
            d[path[-1]] = plain(vals[i])
        obj["at"] = {n: plain(v[i]) for n, v in at_cols}
        yield _encode(_ordered(obj, command))


def _has_cols(v: Any) -> bool:
    return isinstance(v, Col) or (isinstance(v, dict) and any(_has_cols(x) for x in v.values())) or (
        isinstance(v, list) and any(isinstance(x, Col) for x in v))


def _slot(d: Any, k: Any, empty: Any) -> Any:
    """d[k], made ``empty`` first when missing (d a dict, or a list grown to reach k)."""
    if isinstance(d, list):
        while len(d) <= k:
            d.append(None)
        if d[k] is None:
            d[k] = empty
        return d[k]
    return d.setdefault(k, empty)


def _ordered(obj: dict, command: str) -> dict:
    keys = [k for k in JSON_KEYS[command] if k in obj] + ["at"]
    return {k: obj[k] for k in keys}
