"""diffcli's modules import each other in one direction: no circles, and no module imports a
floor above its own. Read statically from every import statement in every module body,
function-level imports included (a lazy import still ties two modules together: neither can
be read, tested or moved without the other)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

import diffcli

PACKAGE = Path(diffcli.__file__).parent

# Circles that other branches are removing while this test lands; the lead empties this
# list when those branches merge. Each entry is one strongly connected component, exactly
# as found today: a circle that grows, shrinks or appears fails the test.
KNOWN_CIRCLES: list[frozenset[str]] = []  # none: keep it so


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imported(name: str, path: Path, known: set[str]) -> set[str]:
    """The diffcli modules that ``name`` imports anywhere in its file. ``from P import x``
    counts as importing P.x when that is a module, else P."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name in known)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for a in node.names:
                if f"{target}.{a.name}" in known:
                    out.add(f"{target}.{a.name}")
                elif target in known:
                    out.add(target)
    out.discard(name)
    return out


def circles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            v, children = work[-1]
            w = next(children, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                component = set()
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    component.add(w)
                    if w == v:
                        break
                if len(component) > 1:
                    found.append(frozenset(component))
    return found


def import_graph() -> dict[str, set[str]]:
    mods = modules()
    return {name: imported(name, path, set(mods)) for name, path in mods.items()}


def test_no_import_circles_beyond_the_known_ones() -> None:
    found = circles(import_graph())
    new = [sorted(c) for c in found if c not in KNOWN_CIRCLES]
    assert not new, f"import circles between diffcli modules: {new}"
    gone = [sorted(c) for c in KNOWN_CIRCLES if c not in found]
    assert not gone, f"these circles changed or are gone; update KNOWN_CIRCLES: {gone}"


# The floors, lowest first (README, Development): a module imports its own floor and the
# floors below it, never one above (the engine knows nothing of the language or the shells).
FLOORS = [
    ("ground", ("diffcli.errors", "diffcli.record", "diffcli.terminal", "diffcli.userfiles")),
    ("engine", ("diffcli.engine", "diffcli.functional", "diffcli.optim", "diffcli=")),  # the package: the library's API
    ("language", ("diffcli.language", "diffcli.symbolic")),
    ("session", ("diffcli.session", "diffcli.commands", "diffcli.render", "diffcli.graphview",
                 "diffcli.finitediff", "diffcli.optimize_commands", "diffcli.grid", "diffcli.grid_commands",
                 "diffcli.grid_render", "diffcli.taylor_command",
                 "diffcli.workers")),
    ("shells", ("diffcli.cli", "diffcli.runner", "diffcli.plot", "diffcli.__main__", "diffcli.repl")),
]


def floor(module: str) -> int:
    """The floor of a module: the prefix listed that it starts with (so diffcli.engine.ops is
    the engine's), or the name listed with '=' that it is."""
    best = max(((len(p), k) for k, (_, prefixes) in enumerate(FLOORS) for p in prefixes
                if module == p.rstrip("=") or (not p.endswith("=") and module.startswith(p + "."))),
               default=None)
    assert best is not None, f"{module} is on no floor: add it to FLOORS"
    return best[1]


def test_each_floor_imports_only_its_own_and_those_below() -> None:
    upward = sorted(f"{m} ({FLOORS[floor(m)][0]}) imports {t} ({FLOORS[floor(t)][0]})"
                    for m, targets in import_graph().items() for t in targets if floor(t) > floor(m))
    assert not upward, upward


def test_every_module_is_on_a_floor_and_upward_imports_are_found() -> None:
    assert [floor(m) for m in ("diffcli", "diffcli.engine.ops", "diffcli.language.parser", "diffcli.repl.app")] \
        == [1, 1, 2, 4]
    with pytest.raises(AssertionError, match="on no floor"):
        floor("diffcli.somewhere_new")


def test_the_shells_share_no_circle() -> None:
    graph = import_graph()
    assert "diffcli.cli" not in graph["diffcli.runner"]
    assert "diffcli.cli" not in graph["diffcli.repl.app"]
    assert graph["diffcli.terminal"] == set()


def test_the_reader_sees_function_level_and_relative_imports() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(graph) == [frozenset({"a", "b", "c"})]
    known = set(modules())
    lazy = imported("diffcli.cli", PACKAGE / "cli.py", known)
    assert {"diffcli.runner", "diffcli.repl.app", "diffcli.terminal"} <= lazy  # the first two inside functions
    assert "diffcli.engine" in imported("diffcli.session", PACKAGE / "session.py", known)  # from . import engine
