"""The package's layering, read from the source with `ast`: no import cycles, click only in the CLI, render/ downstream.

Every `import` and `from ... import` counts, wherever it is (module level, inside a function, under `try` or
`if TYPE_CHECKING`): a lazy import still runs, so it still closes a cycle. Relative imports are resolved. Naming a
package (`from quizgen import render`, `from quizgen.exam import build_exam`) counts as importing its
`__init__`; `from quizgen.render import pdf` imports the submodule `quizgen.render.pdf`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]  # the checkout under test, whatever is installed

# Who may import quizgen.render: render itself, the command line, and the one exam module that writes files
# (the design issue names exam/write.py as "the only exam module that imports render/").
RENDER_CLIENTS = ("quizgen.render", "quizgen.cli", "quizgen.exam.write")
CLICK_USERS = ("quizgen.cli",)



@dataclass(frozen=True)
class Edge:
    source: str  # importing module, dotted
    target: str  # imported module (a quizgen module, or a top-level third-party name)
    path: str  # file of the import, relative to the repository
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.source} -> {self.target}"


def _modules(root: Path) -> dict[str, Path]:
    """Dotted name -> file for every module of the package (a package is its __init__.py)."""
    found = {}
    for path in sorted((root / "quizgen").rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def _resolve(name: str, modules) -> str:
    """The quizgen module a dotted name lands in: itself, or the nearest enclosing module (x.y.attr -> x.y)."""
    while name not in modules and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def _imports(module: str, path: Path, modules, root: Path) -> list[Edge]:
    tree = ast.parse(path.read_text("utf-8"), filename=str(path))
    rel = str(path.relative_to(root))
    package = module if _is_package(path) else module.rpartition(".")[0]
    edges = []

    def add(target: str, node) -> None:
        if target.split(".")[0] == "quizgen":
            target = _resolve(target, modules)
        else:
            target = target.split(".")[0]
        edge = Edge(module, target, rel, node.lineno)
        if target != module and edge not in edges:  # `from .x import a, b` is one edge
            edges.append(edge)

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name, node)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                if node.level > 1:
                    base = base[: len(base) - (node.level - 1)]
                base_name = ".".join(base + ([node.module] if node.module else []))
            else:
                base_name = node.module
            for alias in node.names:
                sub = f"{base_name}.{alias.name}"
                # A submodule named in the list is imported itself; any other name lives in base's module.
                add(sub if sub in modules else base_name, node)
    return edges


def _graph(root: Path = ROOT) -> tuple[dict[str, Path], list[Edge]]:
    modules = _modules(root)
    edges = []
    for name, path in modules.items():
        edges += _imports(name, path, modules, root)
    return modules, edges


@lru_cache(maxsize=1)
def _real_graph() -> tuple[dict[str, Path], list[Edge]]:
    return _graph(ROOT)


def _cycles(modules, edges) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted, in sorted order."""
    succ = {m: sorted({e.target for e in edges if e.source == m and e.target in modules}) for m in modules}
    index, low, on_stack, stack, out = {}, {}, set(), [], []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in succ[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for m in sorted(modules):
        if m not in index:
            visit(m)
    return sorted(out)


def _shortest_cycle(start: str, members: set[str], edges) -> list[str]:
    """start -> ... -> start through members only (breadth first), for a readable message."""
    succ = {}
    for e in edges:
        if e.source in members and e.target in members:
            succ.setdefault(e.source, set()).add(e.target)
    paths, seen = [[start]], {start}
    while paths:
        nxt = []
        for p in paths:
            for w in sorted(succ.get(p[-1], ())):
                if w == start:
                    return p + [start]
                if w not in seen:
                    seen.add(w)
                    nxt.append(p + [w])
        paths = nxt
    return [start]


def _within(module: str, prefixes) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def cycle_report(modules, edges) -> list[str]:
    lines = []
    for comp in _cycles(modules, edges):
        members = set(comp)
        lines.append("cycle: " + " -> ".join(_shortest_cycle(comp[0], members, edges)))
        lines += [f"    {e}" for e in edges if e.source in members and e.target in members]
    return lines


# ---------------------------------------------------------------------------------------------------------------
# The reader itself, on a small package of its own (so the three rules below cannot pass by reading nothing).


def test_the_graph_sees_every_kind_of_import(tmp_path):
    pkg = tmp_path / "quizgen"
    (pkg / "sub").mkdir(parents=True)
    files = {
        "__init__.py": "",
        "a.py": "def f():\n    from .b import thing\n",
        "b.py": "import quizgen.sub.c\n",
        "sub/__init__.py": "",
        "sub/c.py": "try:\n    from .. import a\nexcept ImportError:\n    pass\nimport click\n",
        "d.py": "from quizgen.sub import c\nfrom quizgen.sub import name\nfrom . import sub\n",
    }
    for name, text in files.items():
        (pkg / name).write_text(text, "utf-8")
    modules, edges = _graph(tmp_path)
    pairs = {(e.source, e.target) for e in edges}
    assert pairs == {
        ("quizgen.a", "quizgen.b"),  # inside a function, relative
        ("quizgen.b", "quizgen.sub.c"),  # plain import of a submodule
        ("quizgen.sub.c", "quizgen.a"),  # two levels up, under try
        ("quizgen.sub.c", "click"),
        ("quizgen.d", "quizgen.sub.c"),  # from a package, a submodule
        ("quizgen.d", "quizgen.sub"),  # from a package, an attribute of its __init__; and `from . import sub`
    }
    assert _cycles(modules, edges) == [["quizgen.a", "quizgen.b", "quizgen.sub.c"]]
    assert cycle_report(modules, edges)[0] == "cycle: quizgen.a -> quizgen.b -> quizgen.sub.c -> quizgen.a"


def test_the_real_graph_is_read():
    modules, edges = _real_graph()
    assert {"quizgen", "quizgen.mathparse", "quizgen.render"} <= set(modules)
    assert any(_within(m, CLICK_USERS) for m in modules)
    assert any(e.target == "sympy" for e in edges)
    assert any(e.source.startswith("quizgen.cli") and e.target == "click" for e in edges)


# ---------------------------------------------------------------------------------------------------------------
# The rules.


def test_no_import_cycle_among_quizgen_modules():
    report = cycle_report(*_real_graph())
    assert not report, "import cycles (every import counts, also inside functions):\n" + "\n".join(report)


def test_only_the_command_line_imports_click():
    _, edges = _real_graph()
    bad = [str(e) for e in edges if e.target == "click" and not _within(e.source, CLICK_USERS)]
    assert not bad, "click imported outside quizgen/cli*:\n" + "\n".join(bad)


def test_the_core_never_imports_render():
    _, edges = _real_graph()
    # The façade (quizgen/__init__.py) is the public surface, not the core: its write_sheet hands over to render/.
    bad = [str(e) for e in edges if _within(e.target, ("quizgen.render",)) and not _within(e.source, RENDER_CLIENTS)
           and e.source != "quizgen"]
    assert not bad, "quizgen.render imported from outside render/ and the CLI:\n" + "\n".join(bad)
