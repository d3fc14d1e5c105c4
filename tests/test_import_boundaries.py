"""The package's import rules, read from the source with ``ast`` (nothing is imported).

1. The emulator is an independent oracle: nothing under ``coreclaw_pandas/emulator/``
   imports from ``coreclaw_pandas`` outside the emulator package.
2. One module touches HTTP: only ``coreclaw_pandas/client/transport.py`` imports ``requests``.
3. Heavy display libraries stay at the edges: ipywidgets is imported at import time only
   by the forms modules (and no other module pulls those in at import time), and tqdm is
   imported only by ``progress.py``.

Tests and benchmarks are not part of the package and are not checked.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "coreclaw_pandas"
EMULATOR = f"{PACKAGE}.emulator"
HTTP_MODULE = f"{PACKAGE}.client.transport"
PROGRESS_MODULE = f"{PACKAGE}.progress"
#: The form and its widget helpers: the only modules allowed to import ipywidgets eagerly.
FORMS_MODULES = frozenset(
    {
        f"{PACKAGE}.forms.controls",
        f"{PACKAGE}.forms.control_base",
        f"{PACKAGE}.forms.row_controls",
        f"{PACKAGE}.forms.run_panel",
        f"{PACKAGE}.forms.run_options",
    }
)


@dataclass(frozen=True)
class Import:
    """One imported module name, where it was imported, and whether at import time."""

    importer: str
    target: str
    line: int
    eager: bool

    def __str__(self) -> str:
        path = self.importer.replace(".", "/")
        when = "at import time" if self.eager else "inside a function"
        return f"{path}.py:{self.line} imports {self.target} ({when})"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _package_of(module: str, path: Path) -> str:
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def _resolve(node: ast.ImportFrom, package: str) -> str:
    """The absolute module a ``from ... import`` reads from."""
    if not node.level:
        return node.module or ""
    parts = package.split(".")
    base = parts[: len(parts) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class _Collector(ast.NodeVisitor):
    """Collects every import, marking those that run when the module is imported."""

    def __init__(self, module: str, package: str) -> None:
        self.module = module
        self.package = package
        self.eager = True
        self.found: list[Import] = []

    def _add(self, target: str, node: ast.stmt) -> None:
        self.found.append(Import(self.module, target, node.lineno, self.eager))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name, node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = _resolve(node, self.package)
        self._add(base, node)
        # `from pkg import sub` may import the submodule pkg.sub: record that name too.
        for alias in node.names:
            if alias.name != "*":
                self._add(f"{base}.{alias.name}", node)

    def _lazy(self, node: ast.AST) -> None:
        eager, self.eager = self.eager, False
        self.generic_visit(node)
        self.eager = eager

    visit_FunctionDef = _lazy
    visit_AsyncFunctionDef = _lazy
    visit_Lambda = _lazy

    def visit_If(self, node: ast.If) -> None:
        if not _is_type_checking(node.test):
            self.generic_visit(node)
            return
        # Imports for type checkers never run; still record them, as not eager.
        eager, self.eager = self.eager, False
        for child in node.body:
            self.visit(child)
        self.eager = eager
        for child in node.orelse:
            self.visit(child)


def _package_files() -> list[Path]:
    return sorted((ROOT / PACKAGE).rglob("*.py"))


def _imports() -> Iterator[Import]:
    for path in _package_files():
        module = _module_name(path)
        collector = _Collector(module, _package_of(module, path))
        collector.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        yield from collector.found


ALL_IMPORTS = list(_imports())


def _top(target: str) -> str:
    return target.partition(".")[0]


def _within(target: str, package: str) -> bool:
    return target == package or target.startswith(package + ".")


def test_the_package_is_found():
    modules = {i.importer for i in ALL_IMPORTS}
    assert {PACKAGE, HTTP_MODULE, PROGRESS_MODULE, EMULATOR} <= modules
    # A parser that missed relative imports would make every rule below pass vacuously.
    assert any(i.importer == PACKAGE and _within(i.target, PACKAGE) for i in ALL_IMPORTS)


def test_the_emulator_imports_nothing_from_the_client_side():
    bad = [
        str(i)
        for i in ALL_IMPORTS
        if _within(i.importer, EMULATOR)
        and _within(i.target, PACKAGE)
        and not _within(i.target, EMULATOR)
        and i.target != PACKAGE  # `from .. import x` is judged by its `x`
    ]
    assert not bad, "the emulator must not import the client side:\n" + "\n".join(bad)


def test_only_the_http_module_imports_requests():
    bad = [
        str(i) for i in ALL_IMPORTS if _top(i.target) == "requests" and i.importer != HTTP_MODULE
    ]
    assert not bad, "only client/transport.py may import requests:\n" + "\n".join(bad)


def test_only_progress_imports_tqdm():
    bad = [
        str(i) for i in ALL_IMPORTS if _top(i.target) == "tqdm" and i.importer != PROGRESS_MODULE
    ]
    assert not bad, "only coreclaw_pandas/progress.py may import tqdm:\n" + "\n".join(bad)


def test_ipywidgets_is_imported_eagerly_only_by_the_forms_modules():
    bad = [
        str(i)
        for i in ALL_IMPORTS
        if _top(i.target) == "ipywidgets" and i.eager and i.importer not in FORMS_MODULES
    ]
    assert not bad, "ipywidgets must be imported lazily outside the forms:\n" + "\n".join(bad)


def _eager_graph() -> dict[str, set[str]]:
    modules = {i.importer for i in ALL_IMPORTS}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for i in ALL_IMPORTS:
        if not i.eager:
            continue
        if i.target in modules:
            graph[i.importer].add(i.target)
        elif _top(i.target) == "ipywidgets":
            graph[i.importer].add("ipywidgets")
    # Importing a.b.c runs a/__init__ and a/b/__init__ first.
    for module in modules:
        parent = module.rpartition(".")[0]
        if parent in modules:
            graph[module].add(parent)
    return graph


def _path_to(graph: dict[str, set[str]], start: str, goal: str) -> list[str] | None:
    seen = {start}
    stack = [[start]]
    while stack:
        path = stack.pop()
        for nxt in sorted(graph.get(path[-1], ())):
            if nxt == goal:
                return [*path, nxt]
            if nxt not in seen:
                seen.add(nxt)
                stack.append([*path, nxt])
    return None


def test_no_module_outside_the_forms_pulls_in_ipywidgets_at_import_time():
    graph = _eager_graph()
    chains = {
        module: _path_to(graph, module, "ipywidgets")
        for module in graph
        if module not in FORMS_MODULES
    }
    bad = [" -> ".join(chain) for chain in chains.values() if chain]
    assert not bad, "importing these modules would load ipywidgets:\n" + "\n".join(bad)


@pytest.mark.parametrize(
    ("source", "module", "expected"),
    [
        ("from .. import api", "coreclaw_pandas.emulator.app", "coreclaw_pandas.api"),
        ("from ..client import Client", "coreclaw_pandas.emulator.app", "coreclaw_pandas.client"),
        ("from .state import X", "coreclaw_pandas.emulator.app", "coreclaw_pandas.emulator.state"),
        ("from . import control", "coreclaw_pandas.emulator", "coreclaw_pandas.emulator.control"),
    ],
)
def test_relative_imports_resolve(source, module, expected):
    # The rules above are only as good as this resolution; pin it on known shapes.
    is_package = not module.endswith(".app")
    package = module if is_package else module.rpartition(".")[0]
    collector = _Collector(module, package)
    collector.visit(ast.parse(source))
    assert expected in {i.target for i in collector.found}


def test_type_checking_and_function_imports_are_not_eager():
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import ipywidgets\n"
        "def f():\n    import tqdm\n"
        "import requests\n"
    )
    collector = _Collector("coreclaw_pandas.x", "coreclaw_pandas")
    collector.visit(ast.parse(source))
    eager = {i.target: i.eager for i in collector.found}
    assert eager == {
        "typing": True,
        "typing.TYPE_CHECKING": True,
        "ipywidgets": False,
        "tqdm": False,
        "requests": True,
    }
