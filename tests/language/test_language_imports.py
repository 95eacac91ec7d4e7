"""The language floor has no import circle (read from the imports in each module's body):
the driver (lalr) knows neither how its tables are built (lalr_build) nor where they are kept
(tables)."""
import ast
from pathlib import Path

LANGUAGE = Path(__file__).resolve().parents[2] / "diffcli" / "language"


def _body_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            found.update([node.module] if node.module else [a.name for a in node.names])
    return found


def test_no_import_circle_in_language():
    graph = {p.stem: _body_imports(p) & {q.stem for q in LANGUAGE.glob("*.py")} for p in LANGUAGE.glob("*.py")}
    done: set = set()

    def visit(mod: str, path: tuple) -> None:
        assert mod not in path, " -> ".join(path + (mod,))
        if mod in done:
            return
        for dep in sorted(graph[mod]):
            visit(dep, path + (mod,))
        done.add(mod)

    for mod in sorted(graph):
        visit(mod, ())
    assert "lalr_build" not in graph["lalr"] and "tables" not in graph["lalr"]
