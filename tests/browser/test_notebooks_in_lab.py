"""Each notebook, run through JupyterLab's menus in Chromium, as an analyst runs it.

Run > Run All Cells, wait for every cell to run and the kernel to go idle, then: no
error output, every widget rendered as a widget (no ``VBox(...)`` text), every bar
finished. A screenshot of each notebook is saved under ``browser-artifacts/``.
"""

from __future__ import annotations

import pytest

from .helpers import (
    BARS,
    ROOT,
    WIDGET_REPRS,
    dump,
    errors_in,
    open_notebook,
    outputs,
    run_all,
    screenshot,
)

NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))

pytestmark = pytest.mark.slow


def test_every_notebook_is_here():
    assert NOTEBOOKS == [
        "01_quickstart.ipynb",
        "02_forms.ipynb",
        "03_history_and_logs.ipynb",
        "04_large_results.ipynb",
        "05_batches.ipynb",
        "06_live.ipynb",
        "07_over_time.ipynb",
    ]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_in_jupyterlab(lab, page, name):
    open_notebook(page, lab, name)
    run_all(page)
    cells = outputs(page)
    screenshot(page, name.removesuffix(".ipynb"))
    assert not errors_in(cells), dump(errors_in(cells))
    assert page.evaluate(WIDGET_REPRS) == []
    bars = page.evaluate(BARS)
    unfinished = [b for b in bars if b["width"] != "100%" or "progress-bar-info" in b["cls"]]
    assert not unfinished, dump(bars)
