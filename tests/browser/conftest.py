"""Fixtures for the real-browser tests: one JupyterLab and one Chromium per session.

The tests skip, saying how to install what is missing, where Chromium, Playwright or
JupyterLab is absent; CI installs all three (see ``.ci/run``), so there they run.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from .helpers import (
    CHROMIUM_ARGS,
    INSTALL_HINT,
    ROOT,
    Lab,
    find_chromium,
    jupyter_lab,
    missing_tools,
)

#: Rows for notebook 04 in the browser (its own default is 150,000; the nbclient test runs
#: 100,000). The browser adds nothing to the export, only to the time: a smaller run still
#: shows every cell's output and bars.
BROWSER_LARGE_ROWS = "20000"


@pytest.fixture(scope="session")
def lab(tmp_path_factory) -> Iterator[Lab]:
    """JupyterLab serving a temporary folder with copies of the notebooks."""
    missing = missing_tools()
    if missing:
        pytest.skip(f"{' and '.join(missing)} not installed: {INSTALL_HINT}")
    root = tmp_path_factory.mktemp("lab") / "root"
    root.mkdir()
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        shutil.copy(notebook, root / notebook.name)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CORECLAW_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["CORECLAW_CACHE_DIR"] = str(root.parent / "cache")
    env["CORECLAW_NB_ROWS"] = BROWSER_LARGE_ROWS
    with jupyter_lab(root, env=env) as server:
        yield server


@pytest.fixture(scope="session")
def chromium(lab) -> Iterator[Any]:
    """Debian's Chromium, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium) -> Iterator[Any]:
    """A fresh page (its own cookies) in a 1280-pixel-wide window."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    # An upper bound for a click or a render, not a speed check: a busy 2-core CI
    # machine running a kernel and a Worker beside the browser can take a while.
    page.set_default_timeout(240_000)
    yield page
    context.close()
