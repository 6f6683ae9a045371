"""No import cycles among the project's modules.

The graph is built from the AST of every .py file of the project packages, so it sees what a
run-time check would miss: imports inside functions (the usual way a cycle is hidden),
relative imports (resolved against the importing module's package), imports under
`if TYPE_CHECKING:`, and `importlib.import_module` with a constant name or an f-string with
a constant prefix (`f"terminal.commands.{name}"` is an edge to every module under
terminal.commands). `from pkg import name` is an edge to the submodule pkg.name when there
is one, else to pkg. A package's `__init__` is a module like any other (its imports of its
submodules are edges); the implicit import of the parent packages is not an edge.
"""
from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("terminal", "scanner", "cache", "ui", "issuer", "vocab", "gate", "bench")


def project_modules(root: Path = REPO, packages: Iterable[str] = PACKAGES) -> dict[str, Path]:
    """Dotted module name -> file, for every .py file under the given top-level packages."""
    mods: dict[str, Path] = {}
    for pkg in packages:
        base = root / pkg
        if not (base / "__init__.py").exists():
            continue
        for path in sorted(base.rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            mods[".".join(parts)] = path
    return mods


def _is_package(name: str, path: Path) -> bool:
    return path.name == "__init__.py"


def _import_module_target(call: ast.Call) -> tuple[str, bool] | None:
    """(name, is_prefix) for importlib.import_module("x") / f"x.{y}" / __import__("x")."""
    f = call.func
    fname = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else None
    if fname not in ("import_module", "__import__") or not call.args:
        return None
    arg = call.args[0]
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg.value, False
    if isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[0], ast.Constant):
        return str(arg.values[0].value), True
    return None


def imports_of(name: str, path: Path, source: str, modules: Mapping[str, Path]) -> set[str]:
    """The project modules that module `name` (file `path`) imports anywhere in `source`."""
    package = name if _is_package(name, path) else name.rpartition(".")[0]
    out: set[str] = set()

    def add(target: str) -> None:
        # the module itself, else the longest enclosing project module (import a.b.attr)
        while target and target not in modules:
            target = target.rpartition(".")[0]
        if target and target != name:
            out.add(target)

    for node in ast.walk(ast.parse(source, str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".") if package else []
                if node.level - 1 > len(base_parts):
                    continue
                base = ".".join(base_parts[:len(base_parts) - (node.level - 1)])
                mod = f"{base}.{node.module}" if node.module else base
            else:
                mod = node.module or ""
            for alias in node.names:
                sub = f"{mod}.{alias.name}"
                add(sub if sub in modules else mod)
        elif isinstance(node, ast.Call):
            target = _import_module_target(node)
            if target is None:
                continue
            text, is_prefix = target
            if is_prefix:
                for m in modules:
                    if m.startswith(text) and m != text.rstrip("."):
                        add(m)
            else:
                add(text)
    return out


def import_graph(root: Path = REPO, packages: Iterable[str] = PACKAGES) -> dict[str, set[str]]:
    modules = project_modules(root, packages)
    return {name: imports_of(name, path, path.read_text(encoding="utf-8"), modules)
            for name, path in modules.items()}


def cyclic_components(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected components that hold a cycle, each sorted (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    sccs: list[list[str]] = []
    counter = 0
    nodes = set(graph) | {v for vs in graph.values() for v in vs}
    succ = {n: sorted(graph.get(n, ())) for n in nodes}

    for start in sorted(nodes):
        if start in index:
            continue
        work = [(start, iter(succ[start]))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(succ[w])))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    scc = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        scc.append(w)
                        if w == v:
                            break
                    if len(scc) > 1 or v in succ[v]:
                        sccs.append(sorted(scc))
    return sorted(sccs)


def find_cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """One cycle (a, b, ..., a) per strongly connected component that has one."""
    succ = {n: sorted(vs) for n, vs in graph.items()}
    for vs in graph.values():
        for v in vs:
            succ.setdefault(v, [])
    return [_a_cycle(scc, succ) for scc in cyclic_components(graph)]


def _a_cycle(scc: list[str], succ: Mapping[str, list[str]]) -> list[str]:
    """A concrete cycle through the component's first node, found by breadth-first search."""
    members = set(scc)
    start = scc[0]
    prev: dict[str, str] = {}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in succ[v]:
                if w not in members:
                    continue
                if w == start:
                    path = [v]
                    while path[-1] != start:
                        path.append(prev[path[-1]])
                    return [start, *reversed(path[:-1]), start] if v != start else [start, start]
                if w not in prev:
                    prev[w] = v
                    nxt.append(w)
        frontier = nxt
    raise AssertionError(f"no cycle in component {scc}")      # pragma: no cover


def test_no_import_cycles_among_project_modules():
    graph = import_graph()
    assert "terminal.verify" in graph and "terminal.hc1.stages" in graph, "the graph missed the core"
    cycles = find_cycles(graph)
    assert not cycles, "import cycles:\n" + "\n".join(
        f"  {' -> '.join(c)}   (modules in this cycle group: {', '.join(scc)})"
        for c, scc in zip(cycles, cyclic_components(graph)))


# ---- self-tests: the finder and the graph builder see what they must ------------------------------

def test_cycle_finder_finds_cycles_and_passes_a_dag():
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": set(), "d": {"a", "c"}}) == []
    cycles = find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}, "x": {"y"}, "y": {"x"}})
    assert cycles == [["a", "b", "c", "a"], ["e", "e"], ["x", "y", "x"]]


def test_graph_builder_sees_function_level_relative_and_dynamic_imports(tmp_path):
    files = {
        "pkg/__init__.py": "",
        "pkg/a.py": "def f():\n    from . import b\n",                    # function-level, relative
        "pkg/b.py": "from .sub.c import X\n",
        "pkg/sub/__init__.py": "from .. import a\nfrom pkg import b as _b\n",   # two dots from a package; absolute
        "pkg/sub/c.py": "import importlib\nimportlib.import_module(f'pkg.sub.{n}')\nX = 1\n",   # dynamic
        "pkg/sub/d.py": "import os\nimport pkg.nothing.here\n",          # outside the project; longest prefix
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    graph = import_graph(tmp_path, ["pkg"])
    assert graph == {"pkg": set(), "pkg.a": {"pkg.b"}, "pkg.b": {"pkg.sub.c"}, "pkg.sub": {"pkg.a", "pkg.b"},
                     "pkg.sub.c": {"pkg.sub.d"}, "pkg.sub.d": {"pkg"}}
    assert find_cycles(graph) == []
    (tmp_path / "pkg/sub/d.py").write_text("def g():\n    from ..a import f\n")
    assert find_cycles(import_graph(tmp_path, ["pkg"])) == [["pkg.a", "pkg.b", "pkg.sub.c", "pkg.sub.d", "pkg.a"]]
