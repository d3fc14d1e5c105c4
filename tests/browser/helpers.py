"""Helpers for the browser tests: start JupyterLab, open a notebook, run it through the UI.

The server is ``jupyter lab`` on 127.0.0.1 with a free port, a random token and a
temporary root folder; ``expose_app_in_browser`` lets a test read the notebook model
(outputs, execution counts, kernel status) instead of guessing from pixels, while
every action goes through the page (menus, buttons, typing). Chromium is Debian's,
started by Playwright with ``executable_path``: Playwright cannot fetch its own here.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
#: Where screenshots go; ignored by git.
ARTIFACTS = ROOT / "browser-artifacts"
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser")
#: Chromium's flags on a closed network: no sandbox (root in CI), no background calls home.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INSTALL_HINT = (
    "install them with `apt-get install -y chromium` (Debian, as root) and "
    '`pip install -e ".[test]"` (playwright, jupyterlab)'
)
#: Generous bounds for a busy 2-core machine: they stop a hang, they time nothing.
START_TIMEOUT = 120
RUN_TIMEOUT = 600


def find_chromium() -> str | None:
    """Debian's Chromium, if installed."""
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def missing_tools() -> list[str]:
    """What the browser tests need and this machine lacks."""
    missing = [] if find_chromium() else ["chromium"]
    for module in ("playwright", "jupyterlab"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    return missing


@dataclass
class Lab:
    """A running JupyterLab: its URL (ending in ``/``), token and root folder."""

    url: str
    token: str
    root: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def jupyter_lab(root: Path, *, env: dict[str, str]) -> Iterator[Lab]:
    """Run ``jupyter lab`` serving ``root`` until the block ends; the log is ``root/../lab.log``."""
    state = root.parent / "lab-state"
    state.mkdir(exist_ok=True)
    # No "news?" pop-up over the screenshots (and no call out for news).
    settings = state / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    token = secrets.token_hex(16)
    port = _free_port()
    env = {
        **env,
        "JUPYTER_RUNTIME_DIR": str(state / "runtime"),
        "JUPYTER_CONFIG_DIR": str(state / "config"),
    }
    log = open(root.parent / "lab.log", "wb")  # noqa: SIM115  (closed below)
    server = subprocess.Popen(
        [
            sys.executable, "-m", "jupyterlab",
            "--no-browser", "--allow-root",  # CI runs as root
            "--ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
            "--LabApp.expose_app_in_browser=True",
            f"--LabApp.workspaces_dir={state / 'workspaces'}",
            f"--LabApp.user_settings_dir={state / 'settings'}",
            "--LabApp.extension_manager=readonly",
            "--LabApp.news_url=None",
        ],
        cwd=root,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own group: its kernels end with it
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not any((state / "runtime").glob("jpserver-*.json")):
            if server.poll() is not None:
                raise RuntimeError(f"jupyter lab exited; see {log.name}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"jupyter lab not up after {START_TIMEOUT} s; see {log.name}")
            time.sleep(0.2)
        yield Lab(url=url, token=token, root=root)
    finally:
        _end_group(server)
        log.close()


def _end_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(20)


# -- in the page ---------------------------------------------------------------------------

_NOTEBOOK = "window.jupyterapp.shell.currentWidget"
KERNEL_IDLE = f"""(path) => {{
  const w = window.jupyterapp && {_NOTEBOOK};
  return w?.context?.path === path && w?.sessionContext?.session?.kernel?.status === 'idle';
}}"""
ALL_RAN = f"""() => {{
  const w = {_NOTEBOOK};
  if (w?.sessionContext?.session?.kernel?.status !== 'idle') return false;
  const cells = w.content.model.cells;
  for (let i = 0; i < cells.length; i++) {{
    const c = cells.get(i);
    if (c.type === 'code' && !c.executionCount) return false;
  }}
  return true;
}}"""
OUTPUTS = f"""() => {{
  const cells = {_NOTEBOOK}.content.model.cells, out = [];
  for (let i = 0; i < cells.length; i++) {{
    const c = cells.get(i);
    if (c.type === 'code') out.push(c.outputs.toJSON());
  }}
  return out;
}}"""
EXECUTE = f"""async (code) => {{
  const future = {_NOTEBOOK}.sessionContext.session.kernel.requestExecute({{code}});
  let text = '';
  future.onIOPub = (msg) => {{
    if (msg.header.msg_type === 'stream') text += msg.content.text;
    if (msg.header.msg_type === 'error') text += msg.content.ename + ': ' + msg.content.evalue;
  }};
  await future.done;
  return text;
}}"""
#: Output areas whose text is a widget's repr: a widget that did not render.
WIDGET_REPRS = r"""() => Array.from(document.querySelectorAll('.jp-OutputArea-output'))
  .map((e) => e.innerText)
  .filter((t) => /\b(VBox|HBox|FloatProgress|IntProgress|HTML|Button)\(/.test(t))"""
#: The progress bars on show (a form's run panel stays hidden, with its bar, until Run).
BARS = """() => Array.from(document.querySelectorAll('.widget-hprogress .progress-bar'))
  .filter((e) => e.closest('.widget-hprogress').offsetParent !== null)
  .map((e) => ({cls: e.className, width: e.style.width}))"""


def open_notebook(page: Any, lab: Lab, name: str) -> None:
    """Open ``name`` in JupyterLab and wait for its kernel to be idle."""
    # A workspace of its own: the default one would reopen what earlier tests left open.
    workspace = name.replace(".", "-")
    page.goto(f"{lab.url}lab/workspaces/{workspace}/tree/{name}?reset&token={lab.token}")
    page.wait_for_function(KERNEL_IDLE, arg=name, timeout=START_TIMEOUT * 1000, polling=250)


def run_all(page: Any) -> None:
    """Run > Run All Cells, then wait until every code cell ran and the kernel is idle."""
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    page.wait_for_function(ALL_RAN, timeout=RUN_TIMEOUT * 1000, polling=500)


def outputs(page: Any) -> list[list[dict[str, Any]]]:
    """Each code cell's outputs, as nbformat JSON."""
    return page.evaluate(OUTPUTS)


def execute(page: Any, code: str) -> str:
    """Run ``code`` in the notebook's kernel (not as a cell); returns what it printed."""
    return page.evaluate(EXECUTE, code)


def _show_all(page: Any) -> dict[str, int]:
    """Grow the window to the notebook's height (it scrolls inside its panel, not the page)."""
    height = page.evaluate(
        "() => Math.max(...Array.from(document.querySelectorAll('.jp-WindowedPanel-outer,"
        " .jp-Notebook'), (e) => e.scrollHeight), 0)"
    )
    size = page.viewport_size or {"width": 1280, "height": 900}
    page.set_viewport_size({"width": size["width"], "height": min(max(900, height + 200), 12000)})
    page.evaluate(
        "() => document.querySelectorAll('.jp-WindowedPanel-outer')"
        ".forEach((e) => e.scrollTo(0, 0))"
    )
    page.wait_for_timeout(1000)  # frames to lay out the taller window; nothing is timed
    return size


def screenshot(page: Any, name: str, element: Any = None) -> Path:
    """Save a PNG of the whole notebook (or of ``element``) under ``browser-artifacts/``."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    size = _show_all(page)
    (element or page).screenshot(path=str(path), **({} if element else {"full_page": True}))
    page.set_viewport_size(size)
    print(f"screenshot: {path}")
    return path


def errors_in(cells: list[list[dict[str, Any]]]) -> list[str]:
    """Error outputs as ``ename: evalue`` lines."""
    return [
        f"{o.get('ename')}: {o.get('evalue')}"
        for cell in cells
        for o in cell
        if o.get("output_type") == "error"
    ]


def dump(value: Any) -> str:
    """Short JSON for assertion messages."""
    return json.dumps(value, default=str)[:2000]
