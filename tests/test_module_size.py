"""Every module of the package stays small enough to read in one sitting (400 lines)."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "coreclaw_pandas"
LIMIT = 400


def test_no_module_is_over_the_limit():
    sizes = {
        path.relative_to(PACKAGE.parent).as_posix(): len(path.read_text("utf-8").splitlines())
        for path in PACKAGE.rglob("*.py")
    }
    assert sizes, "no modules found"
    over = {name: lines for name, lines in sizes.items() if lines > LIMIT}
    assert not over, f"split these by job (see ARCHITECTURE.md): {over}"
