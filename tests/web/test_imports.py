"""kefu.web and kefu.qc load without import cycles, and the routers' shared kefu.web.deps loads no router."""
from __future__ import annotations

import ast
import subprocess
import sys
from collections import deque
from collections.abc import Iterator
from pathlib import Path

import pytest

import kefu

SRC = Path(kefu.__file__).parent
Graph = dict[str, set[str]]


def module_files(root: Path) -> dict[str, Path]:
    """Every module under a package folder by dotted name (a package by its __init__.py)."""
    files = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        files[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return files


def _is_type_checking(test: ast.expr) -> bool:
    return isinstance(test, ast.Name | ast.Attribute) and ast.unparse(test).endswith("TYPE_CHECKING")


def loading_imports(body: list[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom]:
    """The import statements that run as a module loads (not those in functions or under TYPE_CHECKING)."""
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If):
            yield from loading_imports([] if _is_type_checking(node.test) else node.body)
            yield from loading_imports(node.orelse)
        elif isinstance(node, ast.Try | ast.TryStar):
            for block in (node.body, *(h.body for h in node.handlers), node.orelse, node.finalbody):
                yield from loading_imports(block)
        elif isinstance(node, ast.With | ast.ClassDef):
            yield from loading_imports(node.body)


def _with_parents(name: str) -> set[str]:
    parts = name.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts) + 1)}


def import_graph(files: dict[str, Path]) -> Graph:
    """Module -> the modules of `files` that loading it runs first.

    Importing a submodule runs its packages' __init__ first, so an import of kefu.qc.matcher from outside
    kefu.qc is an edge to kefu.qc too; a module's own packages are already loading when it runs.
    """
    graph: Graph = {}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in loading_imports(ast.parse(path.read_text(encoding="utf-8")).body):
            if isinstance(node, ast.Import):
                targets.update(a.name for a in node.names)
                continue
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            targets.add(base)
            targets.update(f"{base}.{a.name}" for a in node.names)  # kept where the name is a submodule
        own = _with_parents(name)
        graph[name] = {m for t in targets for m in _with_parents(t) if m in files and m not in own}
    return graph


def loop_through(graph: Graph, start: str) -> list[str] | None:
    """A shortest chain of imports from start back to start, or None."""
    came = {start: start}
    todo = deque([start])
    while todo:
        node = todo.popleft()
        for nxt in sorted(graph.get(node, ())):
            if nxt == start:
                chain = [node]
                while chain[-1] != start:
                    chain.append(came[chain[-1]])
                return [*reversed(chain), start]
            if nxt not in came:
                came[nxt] = node
                todo.append(nxt)
    return None


def test_the_graph_holds_the_imports_that_run_and_a_loop_is_found(tmp_path: Path) -> None:
    """The check can fail: the lazy-runner loop kefu.qc once had, planted in a package of its own."""
    pkg = tmp_path / "pkg"
    (pkg / "qc").mkdir(parents=True)
    sources = {
        "__init__.py": "",
        "filters.py": "from pkg.qc.matcher import Matcher\n",
        "engine.py": "import typing\nif typing.TYPE_CHECKING:\n    import pkg.later\nfrom . import filters\n",
        "later.py": "def f():\n    import pkg.engine\n",
        "qc/__init__.py": "from pkg.qc.matcher import Matcher\ntry:\n    from .runner import run\nexcept ImportError:\n"
                          "    pass\n",
        "qc/matcher.py": "class Matcher:\n    pass\n",
        "qc/runner.py": "from ..engine import filters\n",
    }
    for rel, text in sources.items():
        (pkg / rel).write_text(text, encoding="utf-8")
    graph = import_graph(module_files(pkg))
    assert graph["pkg.filters"] == {"pkg.qc", "pkg.qc.matcher"}  # the package's __init__ runs first
    assert graph["pkg.engine"] == {"pkg.filters"}  # not the TYPE_CHECKING import
    assert graph["pkg.later"] == set()  # not the import inside a function
    assert graph["pkg.qc"] == {"pkg.qc.matcher", "pkg.qc.runner"}
    assert loop_through(graph, "pkg.qc.runner") == ["pkg.qc.runner", "pkg.engine", "pkg.filters", "pkg.qc",
                                                    "pkg.qc.runner"]
    assert loop_through(graph, "pkg.qc.matcher") is None


KEFU = module_files(SRC)
GRAPH = import_graph(KEFU)
ROUTERS = sorted(name for name, path in KEFU.items() if name.startswith("kefu.web.")
                 and "router = APIRouter(" in path.read_text(encoding="utf-8"))


def test_the_kefu_graph_is_read() -> None:
    assert {"kefu.web.pages", "kefu.web.api", "kefu.web.deps"} <= GRAPH["kefu.web.app"]
    assert {"kefu.qc", "kefu.qc.matcher"} <= GRAPH["kefu.filters"]
    assert {"kefu.web.pages", "kefu.web.api", "kefu.web.admin"} <= set(ROUTERS)


@pytest.mark.parametrize("module", sorted(m for m in KEFU if m.startswith(("kefu.web", "kefu.qc"))))
def test_no_import_loop_runs_through_web_or_qc(module: str) -> None:
    loop = loop_through(GRAPH, module)
    assert loop is None, " → ".join(loop)


def test_web_modules_import_kefu_web_at_module_level_only() -> None:
    """No function-local import of kefu.web: such an import is how a loop hides."""
    hidden = []
    for name, path in KEFU.items():
        if not name.startswith("kefu.web"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for fn in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)):
            for node in ast.walk(fn):
                if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("kefu.web")):
                    hidden.append(f"{name}:{node.lineno}")
                elif isinstance(node, ast.Import) and any(a.name.startswith("kefu.web") for a in node.names):
                    hidden.append(f"{name}:{node.lineno}")
    assert not hidden


def test_deps_loads_no_router() -> None:
    """kefu.web.deps is what the routers share: loading it (package included) loads none of them, nor the app."""
    out = subprocess.run([sys.executable, "-c", "import sys, kefu.web.deps; print(*sorted(sys.modules))"],
                         capture_output=True, text=True, check=True).stdout.split()
    assert "kefu.web.deps" in out
    assert not {*ROUTERS, "kefu.web.app"} & set(out)
