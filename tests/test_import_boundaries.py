"""The package's import rules, read from the source with ``ast`` (nothing is imported).

The rules live in ARCHITECTURE.md at the repository root; the tables there are parsed
here, so the page and the code cannot drift apart:

1. ARCHITECTURE.md names exactly the packages and modules that exist.
2. Layers: a package imports only lower layers and itself; never upward or sideways.
3. Outside a subpackage, import the package, not its modules (listed exceptions aside),
   and never a ``_private`` name of another module.
4. Third-party libraries are imported only where the table says: ``requests`` by the
   transport alone, tqdm by ``progress``, ipywidgets by the forms (and never at import
   time by ``import coreclaw_pandas``).
5. The emulator is an independent oracle: nothing under ``coreclaw_pandas/emulator/``
   imports from the client side, whatever its own layout.

Tests and benchmarks are not part of the package and are not checked.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "coreclaw_pandas"
PACKAGE_DIR = ROOT / PACKAGE
EMULATOR = f"{PACKAGE}.emulator"
ARCHITECTURE = ROOT / "ARCHITECTURE.md"


# -- Reading ARCHITECTURE.md ------------------------------------------------------------------


def _table(heading: str) -> list[list[str]]:
    """The rows of the first table under ``## heading`` (header and rule left out)."""
    lines = ARCHITECTURE.read_text(encoding="utf-8").splitlines()
    start = lines.index(f"## {heading}")
    rows: list[list[str]] = []
    for line in lines[start + 1 :]:
        if line.startswith("## "):
            break
        if line.startswith("|"):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
        elif rows:
            break
    assert len(rows) > 2, f"ARCHITECTURE.md has no table under '## {heading}'"
    return rows[2:]


def _ticked(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def _unit_name(entry: str) -> str:
    """``client/`` -> ``client``; ``demo.py`` -> ``demo``."""
    return entry.rstrip("/").removesuffix(".py")


PACKAGES = {
    _unit_name(_ticked(row[0])[0]): set(_ticked(row[2]))
    for row in _table("Packages and modules")
}
LAYER_OF = {
    member: int(row[0]) for row in _table("Layers") for member in _ticked(row[1])
}
DEEP_IMPORTS = {
    (module, importer)
    for row in _table("Import from a package, not its modules")
    for module in _ticked(row[0])
    for importer in _ticked(row[1])
}
THIRD_PARTY = {_ticked(row[0])[0]: _ticked(row[1]) for row in _table("Third-party imports")}


# -- Reading the source -----------------------------------------------------------------------


@dataclass(frozen=True)
class Import:
    """One imported module name, where it was imported, and when it runs."""

    importer: str
    target: str
    line: int
    eager: bool
    typing_only: bool = False

    def __str__(self) -> str:
        path = self.importer.replace(".", "/")
        when = "at import time" if self.eager else "inside a function"
        if self.typing_only:
            when = "for type checkers only"
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
        self.typing_only = False
        self.found: list[Import] = []
        #: Local names bound to a module of this package, and the `_names` read from them.
        self.module_aliases: dict[str, str] = {}
        self.private_uses: list[tuple[str, str, int]] = []

    def _add(self, target: str, node: ast.stmt) -> None:
        self.found.append(Import(self.module, target, node.lineno, self.eager, self.typing_only))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name, node)
            if alias.asname:
                self.module_aliases[alias.asname] = alias.name

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = _resolve(node, self.package)
        self._add(base, node)
        # `from pkg import sub` may import the submodule pkg.sub: record that name too.
        for alias in node.names:
            if alias.name != "*":
                self._add(f"{base}.{alias.name}", node)
                self.module_aliases[alias.asname or alias.name] = f"{base}.{alias.name}"

    def _dotted(self, node: ast.expr) -> str | None:
        """``api.runs`` in ``api.runs._client``, resolved through the imported names."""
        if isinstance(node, ast.Name):
            return self.module_aliases.get(node.id)
        if isinstance(node, ast.Attribute):
            base = self._dotted(node.value)
            return f"{base}.{node.attr}" if base else None
        return None

    def visit_Attribute(self, node: ast.Attribute) -> None:
        module = self._dotted(node.value)
        if module is not None:
            self.private_uses.append((module, node.attr, node.lineno))
        self.generic_visit(node)

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
        eager, typing_only = self.eager, self.typing_only
        self.eager, self.typing_only = False, True
        for child in node.body:
            self.visit(child)
        self.eager, self.typing_only = eager, typing_only
        for child in node.orelse:
            self.visit(child)


def _package_files() -> list[Path]:
    return sorted(PACKAGE_DIR.rglob("*.py"))


def _collect() -> list[_Collector]:
    collectors = []
    for path in _package_files():
        module = _module_name(path)
        collector = _Collector(module, _package_of(module, path))
        collector.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        collectors.append(collector)
    return collectors


COLLECTORS = _collect()
ALL_IMPORTS = [i for c in COLLECTORS for i in c.found]
MODULES = {c.module for c in COLLECTORS}


def _top(target: str) -> str:
    return target.partition(".")[0]


def _within(target: str, package: str) -> bool:
    return target == package or target.startswith(package + ".")


def _unit(module: str) -> str:
    """The top-level package or module a module belongs to (``client``, ``demo``...)."""
    if module == PACKAGE:
        return "__init__"
    return module[len(PACKAGE) + 1 :].partition(".")[0]


def _real_module(target: str) -> str | None:
    """The longest prefix of ``target`` that is a module of the package (None: not ours)."""
    parts = target.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in MODULES:
            return candidate
    return None


def _relative(module: str) -> str:
    return module[len(PACKAGE) + 1 :] if module != PACKAGE else "__init__"


def _is_client_side(module: str) -> bool:
    return not _within(module, EMULATOR)


def _internal_imports() -> Iterator[tuple[Import, str]]:
    """Imports of another unit of the package that run (not for type checkers only)."""
    for i in ALL_IMPORTS:
        if i.typing_only or not _within(i.target, PACKAGE) or i.target == PACKAGE:
            continue  # `from .. import x` is judged by its `x`
        target = _real_module(i.target)
        if target is not None and _unit(target) != _unit(i.importer):
            yield i, target


# -- The page matches the tree ----------------------------------------------------------------


def test_the_package_is_found():
    assert {PACKAGE, f"{PACKAGE}.client.transport", f"{PACKAGE}.progress", EMULATOR} <= MODULES
    # A parser that missed relative imports would make every rule below pass vacuously.
    assert any(i.importer == PACKAGE and _within(i.target, PACKAGE) for i in ALL_IMPORTS)
    assert len(LAYER_OF) > 10 and len(THIRD_PARTY) > 5 and DEEP_IMPORTS


def test_architecture_names_exactly_the_packages_and_modules_that_exist():
    on_disk = {p.stem for p in PACKAGE_DIR.glob("*.py")} | {
        p.name for p in PACKAGE_DIR.iterdir() if (p / "__init__.py").is_file()
    }
    assert set(PACKAGES) == on_disk, "update the package table in ARCHITECTURE.md"
    for name, listed in PACKAGES.items():
        folder = PACKAGE_DIR / name
        if not folder.is_dir() or name == "emulator":
            # The emulator's inside is its own engineer's to lay out; its line is a summary.
            continue
        modules = {p.stem for p in folder.glob("*.py") if p.stem != "__init__"} | {
            p.name for p in folder.iterdir() if (p / "__init__.py").is_file()
        }
        assert listed == modules, f"ARCHITECTURE.md lists other modules for {name}/"


def test_every_package_and_module_has_a_layer():
    assert set(LAYER_OF) == set(PACKAGES), "every line of the package table needs a layer"


# -- The rules ----------------------------------------------------------------------------------


def test_no_upward_or_sideways_imports():
    bad = []
    for i, target in _internal_imports():
        mine, theirs = LAYER_OF[_unit(i.importer)], LAYER_OF[_unit(target)]
        if theirs >= mine:
            way = "sideways" if theirs == mine else "upward"
            bad.append(f"{i} ({way}: layer {mine} -> {theirs})")
    assert not bad, "imports that break the layers of ARCHITECTURE.md:\n" + "\n".join(bad)


def test_other_packages_are_imported_through_their_init():
    bad = []
    for i, target in _internal_imports():
        is_package_module = target.count(".") >= 2 and (PACKAGE_DIR / _unit(target)).is_dir()
        if is_package_module and (_relative(target), _unit(i.importer)) not in DEEP_IMPORTS:
            bad.append(str(i))
    assert not bad, (
        "import these from the package, or list them in ARCHITECTURE.md:\n" + "\n".join(bad)
    )


def test_private_names_never_cross_a_module_boundary():
    bad = []
    for c in COLLECTORS:
        for i in c.found:
            name = i.target.rpartition(".")[2]
            private = name.startswith("_") and not name.startswith("__")
            if private and _within(i.target, PACKAGE) and i.target not in MODULES:
                bad.append(f"{i}: a private name")
        for module, attr, line in c.private_uses:
            private = attr.startswith("_") and not attr.startswith("__")
            if private and module in MODULES and module != c.module:
                bad.append(f"{c.module.replace('.', '/')}.py:{line} reads {module}.{attr}")
    assert not bad, "private names used outside their module:\n" + "\n".join(bad)


def test_third_party_imports_are_where_the_table_says():
    stdlib = set(sys.stdlib_module_names)
    bad = []
    for i in ALL_IMPORTS:
        library = _top(i.target)
        if library in stdlib or library == PACKAGE or i.typing_only:
            continue
        if not _is_client_side(i.importer):
            bad.append(f"{i}: the emulator imports the standard library and itself only")
        elif library not in THIRD_PARTY:
            bad.append(f"{i}: {library} is not in the table")
        elif not any(fnmatchcase(_relative(i.importer), p) for p in THIRD_PARTY[library]):
            bad.append(f"{i}: only {', '.join(THIRD_PARTY[library])} may import {library}")
    assert not bad, "third-party imports outside ARCHITECTURE.md's table:\n" + "\n".join(bad)


def test_only_the_transport_imports_requests():
    assert THIRD_PARTY["requests"] == ["client.transport"]
    importers = {i.importer for i in ALL_IMPORTS if _top(i.target) == "requests"}
    assert importers == {f"{PACKAGE}.client.transport"}


def test_only_progress_imports_tqdm():
    assert THIRD_PARTY["tqdm"] == ["progress"]


def test_the_two_api_versions_never_import_each_other():
    # What v1 and v2 share lives in client/replies.py; a sibling import would couple them.
    versions = {f"{PACKAGE}.client.v1", f"{PACKAGE}.client.v2"}
    bad = [
        str(i)
        for i in ALL_IMPORTS
        if i.importer in versions and _real_module(i.target) in versions - {i.importer}
    ]
    assert not bad, "client/v1.py and client/v2.py must not import each other:\n" + "\n".join(bad)


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


#: Modules that may load ipywidgets when imported: the forms' own, except the two that
#: `import coreclaw_pandas` runs (the package's __init__ and form.py build widgets lazily).
FORMS_MODULES = frozenset(
    m for m in MODULES if _within(m, f"{PACKAGE}.forms") and m not in {
        f"{PACKAGE}.forms", f"{PACKAGE}.forms.form"
    }
)  # fmt: skip


def _eager_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for i in ALL_IMPORTS:
        if not i.eager:
            continue
        if i.target in MODULES:
            graph[i.importer].add(i.target)
        elif _top(i.target) == "ipywidgets":
            graph[i.importer].add("ipywidgets")
    # Importing a.b.c runs a/__init__ and a/b/__init__ first.
    for module in MODULES:
        parent = module.rpartition(".")[0]
        if parent in MODULES:
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
    assert FORMS_MODULES, "the forms modules were not found"
    graph = _eager_graph()
    chains = {
        module: _path_to(graph, module, "ipywidgets")
        for module in graph
        if module not in FORMS_MODULES
    }
    bad = [" -> ".join(chain) for chain in chains.values() if chain]
    assert not bad, "importing these modules would load ipywidgets:\n" + "\n".join(bad)


# -- The reader itself --------------------------------------------------------------------------


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
    eager = {i.target: (i.eager, i.typing_only) for i in collector.found}
    assert eager == {
        "typing": (True, False),
        "typing.TYPE_CHECKING": (True, False),
        "ipywidgets": (False, True),
        "tqdm": (False, False),
        "requests": (True, False),
    }


def test_private_names_read_through_a_module_are_seen():
    source = "from .. import api\nfrom . import paging as _paging\napi.runs._client(None)\n"
    collector = _Collector("coreclaw_pandas.forms.form", "coreclaw_pandas.forms")
    collector.visit(ast.parse(source))
    assert ("coreclaw_pandas.api.runs", "_client", 3) in collector.private_uses


def test_units_and_layers_are_read_as_intended():
    assert _unit(PACKAGE) == "__init__"
    assert _unit(f"{PACKAGE}.client.v1") == "client"
    assert _real_module(f"{PACKAGE}.schema.values.coerce") == f"{PACKAGE}.schema.values"
    assert LAYER_OF["api"] > LAYER_OF["client"] > LAYER_OF["schema"] > LAYER_OF["models"]
    assert LAYER_OF["client"] == LAYER_OF["frames"] == LAYER_OF["writers"]
