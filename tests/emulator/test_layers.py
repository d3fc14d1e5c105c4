"""The emulator's import order, read from the source with ``ast`` (nothing is imported).

The emulator is built in layers; a part may import only parts of a lower layer
(and itself)::

    workers <- backend <- v1, v2 <- app <- server <- control <- __init__, __main__

``messages``, ``params``, ``faults`` and ``demo_site`` are leaves that ``app``, ``v1``
and ``v2`` use, ``request_head`` one that ``server`` uses; they sit above the backend.
Parts of the same layer never import each other, so v1 and v2 stay independent. Nothing
under ``coreclaw_pandas/emulator/`` imports the client side or any third-party library:
the emulator is an independent oracle of the wire contract and runs on the standard
library alone.

Imports under ``if TYPE_CHECKING:`` are exempt: they never run, and the routes name
``App`` only in annotations.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "coreclaw_pandas.emulator"
FOLDER = ROOT.joinpath(*PACKAGE.split("."))
CLIENT = "coreclaw_pandas"

#: Each part of the emulator (a subpackage or a top-level module) and its layer.
LAYERS: dict[str, int] = {
    "workers": 0,
    "clock": 0,  # the injectable clock: standard library only, any layer may use it
    "backend": 1,
    "messages": 2,
    "params": 2,
    "faults": 2,
    "callbacks": 2,
    "demo_site": 2,
    "request_head": 2,
    "v1": 3,
    "v2": 3,
    "app": 4,
    "server": 5,
    "control": 6,
    "__init__": 7,
    "__main__": 7,
}


@dataclass(frozen=True)
class Import:
    """One imported module name and where it was imported."""

    importer: str
    target: str
    line: int

    def __str__(self) -> str:
        return f"{self.importer.replace('.', '/')}.py:{self.line} imports {self.target}"


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class _Collector(ast.NodeVisitor):
    """Collects every import that can run, including those inside functions."""

    def __init__(self, module: str, package: str) -> None:
        self.module = module
        self.package = package
        self.found: list[Import] = []

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.found.append(Import(self.module, alias.name, node.lineno))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            parts = self.package.split(".")
            base = ".".join(parts[: len(parts) - (node.level - 1)] + [node.module or ""])
            base = base.rstrip(".")
        else:
            base = node.module or ""
        self.found.append(Import(self.module, base, node.lineno))
        # `from pkg import sub` may import the submodule pkg.sub: record that name too.
        for alias in node.names:
            if alias.name != "*":
                self.found.append(Import(self.module, f"{base}.{alias.name}", node.lineno))

    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node.test):
            for child in node.orelse:
                self.visit(child)
        else:
            self.generic_visit(node)


def imports_of(module: str, source: str, *, is_package: bool = False) -> list[Import]:
    """Return the imports in ``source``, the text of emulator module ``module``."""
    collector = _Collector(module, module if is_package else module.rpartition(".")[0])
    collector.visit(ast.parse(source))
    return collector.found


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources() -> Iterator[tuple[str, str, bool]]:
    for path in sorted(FOLDER.rglob("*.py")):
        yield _module_name(path), path.read_text(encoding="utf-8"), path.name == "__init__.py"


def part_of(module: str) -> str:
    """Return the part of the emulator ``module`` belongs to (``"__init__"`` for the package)."""
    if module == PACKAGE:
        return "__init__"
    return module[len(PACKAGE) + 1 :].split(".")[0]


def _within(target: str, package: str) -> bool:
    return target == package or target.startswith(package + ".")


def layer_problems(imports: Iterable[Import]) -> list[str]:
    """Return one line per import that breaks the layer order."""
    problems = []
    for found in imports:
        # `from .. import x` names the package itself; it is judged by its `x`.
        if not _within(found.target, PACKAGE) or found.target == PACKAGE:
            continue
        importer, target = part_of(found.importer), part_of(found.target)
        if importer == target:
            continue
        if importer not in LAYERS or target not in LAYERS:
            unknown = importer if importer not in LAYERS else target
            problems.append(f"{found}: the part {unknown!r} is missing from LAYERS")
        elif LAYERS[target] == LAYERS[importer]:
            problems.append(f"{found}: {importer} and {target} are siblings and must not meet")
        elif LAYERS[target] > LAYERS[importer]:
            problems.append(f"{found}: {importer} sits below {target} and must not import it")
    return problems


def outside_problems(imports: Iterable[Import]) -> list[str]:
    """Return one line per import of the client side or of a third-party library."""
    problems = []
    for found in imports:
        if _within(found.target, PACKAGE):
            continue
        if _within(found.target, CLIENT):
            problems.append(f"{found}: the emulator must not import the client side")
        elif found.target.partition(".")[0] not in sys.stdlib_module_names:
            problems.append(f"{found}: the emulator uses the standard library only")
    return problems


ALL_IMPORTS = [
    found
    for module, source, is_package in _sources()
    for found in imports_of(module, source, is_package=is_package)
]


def test_the_emulator_source_is_found():
    edges = {(part_of(i.importer), part_of(i.target)) for i in ALL_IMPORTS}
    # A parser that missed relative imports would make the rules below pass vacuously.
    assert {("app", "v1"), ("app", "v2"), ("v1", "backend"), ("backend", "workers")} <= edges
    parts = {part_of(i.importer) for i in ALL_IMPORTS}
    assert {"backend", "v1", "v2", "workers", "app", "server", "control", "__init__"} <= parts


def test_every_part_of_the_emulator_has_a_layer():
    parts = {part_of(module) for module, _, _ in _sources()}
    assert parts <= set(LAYERS), f"add these to LAYERS: {sorted(parts - set(LAYERS))}"


def test_the_emulator_imports_follow_the_layers():
    problems = layer_problems(ALL_IMPORTS)
    assert not problems, "emulator imports out of order:\n" + "\n".join(problems)


def test_the_emulator_imports_only_the_standard_library_and_itself():
    problems = outside_problems(ALL_IMPORTS)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        ("v2.runs", "from ..v1.wire import money", "siblings"),
        ("v1.routes", "from ..v2 import is_v2", "siblings"),
        ("backend.state", "from ..app import App", "sits below app"),
        ("backend.engine", "def f():\n    from ..v1 import wire", "sits below v1"),
        ("messages", "from .params import BadRequest", "siblings"),
        ("v1.runs", "from .. import control", "sits below control"),
        ("app", "from .extras import thing", "missing from LAYERS"),
    ],
)
def test_the_layer_rule_catches(module, source, expected):
    problems = layer_problems(imports_of(f"{PACKAGE}.{module}", source))
    assert problems and all(expected in problem for problem in problems), problems


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("v1.routes", "from ..v1 import wire"),
        ("v1.routes", "from . import runs"),
        ("v2.runs", "from ..messages import money"),
        ("app", "from .v2 import params as params_v2"),
        ("v2.wire", "if TYPE_CHECKING:\n    from ..app import App"),
    ],
)
def test_the_layer_rule_allows(module, source):
    assert layer_problems(imports_of(f"{PACKAGE}.{module}", source)) == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from ... import api", "client side"),
        ("from ...client import Client", "client side"),
        ("import coreclaw_pandas.frames", "client side"),
        ("import requests", "standard library only"),
    ],
)
def test_the_outside_rule_catches(source, expected):
    problems = outside_problems(imports_of(f"{PACKAGE}.v1.routes", source))
    assert problems and all(expected in problem for problem in problems), problems
