"""Render Worker forms in a real browser and save screenshots for the docs.

Each form is put in a small notebook that Voila serves on 127.0.0.1 (with its
own local emulator); headless Chromium opens the page, waits until the widgets
have rendered, and saves a full-page PNG. Re-run it after changing the forms:

    python scripts/screenshot_form.py              # writes docs/images/form-*.png
    python scripts/screenshot_form.py --out /tmp   # somewhere else

Needs Voila in this environment (``pip install voila``) and Chromium
(``apt-get install chromium`` on Debian). When either is missing it says so and
exits with status 2, which the test suite reads as "skip".
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MISSING_TOOL = 2
PAGE_WIDTH = 1000
#: Seconds to wait for the server, the page and the widgets; generous for a busy machine.
READY_TIMEOUT = 180

SETUP = """\
from coreclaw_pandas.emulator import Emulator
import coreclaw_pandas as cc
from coreclaw_pandas.forms import WorkerForm, worker_form
emu = Emulator().start()
client = cc.Client(emu.api_key, base_url=emu.url, poll=cc.PollPolicy(initial=0.1, maximum=0.5))
"""

# A run of the catalogue Worker, Run options open, results and a download link shown.
CATALOGUE = (
    SETUP
    + """\
form = worker_form("coreclaw/catalogue-generator", client=client, rows=25)
form.options.widget.selected_index = 0
form.start()
form.wait(120)
form.download_dir = __import__("tempfile").mkdtemp()
form.download("csv")
form
"""
)

# One field per editor, plus two fallbacks, from a local schema written for this picture.
EDITORS = (
    SETUP
    + """\
schema = {"description": "One field per editor (a local schema: the Run button is off).",
 "properties": [
  {"name": "query", "title": "Search text (input)", "type": "string", "editor": "input",
   "required": True, "default": "espresso machines", "sectionCaption": "Text",
   "sectionDescription": "input, textarea and json"},
  {"name": "note", "title": "Note (textarea)", "type": "string", "editor": "textarea",
   "default": "Two lines\\nof text"},
  {"name": "filters", "title": "Filters (json)", "type": "object", "editor": "json",
   "default": {"min_rating": 4, "brands": ["Acme"]}},
  {"name": "limit", "title": "Limit (number, integer)", "type": "integer", "editor": "number",
   "default": 50, "minimum": 1, "maximum": 500, "sectionCaption": "Numbers and choices"},
  {"name": "ratio", "title": "Sample ratio (number, float)", "type": "number",
   "editor": "number", "default": 0.25, "minimum": 0, "maximum": 1},
  {"name": "lang", "title": "Language (select)", "type": "string", "editor": "select",
   "default": "en", "options": [{"label": "English", "value": "en"},
   {"label": "Deutsch", "value": "de"}]},
  {"name": "markets", "title": "Markets (select, multiple)", "type": "array",
   "editor": "select", "multiple": True, "default": ["uk", "fr"],
   "options": [{"label": "United Kingdom", "value": "uk"}, {"label": "France", "value": "fr"},
   {"label": "Japan", "value": "jp"}]},
  {"name": "depth", "title": "Depth (radio)", "type": "integer", "editor": "radio", "default": 2,
   "options": [{"label": "Shallow", "value": 1}, {"label": "Deep", "value": 2}]},
  {"name": "parts", "title": "Parts (checkbox)", "type": "array", "editor": "checkbox",
   "default": ["price"], "options": [{"label": "Price", "value": "price"},
   {"label": "Reviews", "value": "reviews"}]},
  {"name": "images", "title": "Download images (switch)", "type": "boolean",
   "editor": "switch", "default": True},
  {"name": "since", "title": "Since (datepicker)", "type": "string", "editor": "datepicker",
   "format": "DD/MM/YYYY", "valueFormat": "YYYY-MM-DD", "default": "2025-01-31"},
  {"name": "start", "title": "Start URLs (requestList)", "type": "array",
   "editor": "requestList", "required": True, "default": [{"url": "https://shop.example/a"}],
   "sectionCaption": "Lists"},
  {"name": "pages", "title": "Pages (requestListSource)", "type": "array",
   "editor": "requestListSource", "default": [{"url": "https://shop.example/b", "max": "10"}],
   "param_list": [{"param": "url", "title": "URL", "required": True},
   {"param": "max", "title": "Max items"}]},
  {"name": "words", "title": "Keywords (stringList)", "type": "array", "editor": "stringList",
   "default": [{"string": "grinder"}, {"string": "kettle"}]},
  {"name": "area", "title": "Area (radio on an object: a fallback)", "type": "object",
   "editor": "radio", "options": [{"label": "Paris", "value": "paris"}],
   "sectionCaption": "Fallbacks"},
  {"name": "code", "title": "Code (an unknown editor)", "type": "string", "editor": "text"}]}
form = WorkerForm.from_schema(schema, title="Every editor")
form.validate()
form
"""
)

SHOTS = {"form-catalogue.png": CATALOGUE, "form-editors.png": EDITORS}


def find_chromium() -> str | None:
    """The Chromium (or Chrome) binary on PATH, if any."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def has_voila() -> bool:
    """True when Voila can be run with this Python."""
    probe = subprocess.run([sys.executable, "-c", "import voila"], capture_output=True)
    return probe.returncode == 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until(check, what: str, timeout: float = READY_TIMEOUT):  # noqa: ANN001, ANN202
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.25)
    raise TimeoutError(f"gave up waiting for {what} after {timeout:.0f} s")


def _write_notebook(folder: Path, code: str) -> Path:
    import nbformat

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = folder / "form.ipynb"
    nbformat.write(notebook, path)
    return path


@contextlib.contextmanager
def voila(notebook: Path) -> Iterator[str]:
    """Serve ``notebook`` with Voila on 127.0.0.1; yields the page URL."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CORECLAW_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["CORECLAW_CACHE_DIR"] = str(notebook.parent / "cache")
    log = open(notebook.parent / "voila.log", "wb")  # noqa: SIM115  (closed below)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "voila",
            notebook.name,
            "--no-browser",
            f"--port={port}",
            "--Voila.ip=127.0.0.1",
            "--theme=light",
        ],
        cwd=notebook.parent,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"

    def up() -> bool:
        if server.poll() is not None:
            raise RuntimeError(f"voila exited; see {log.name}")
        # Only a TCP check: every GET of the page starts a kernel.
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
            return True
        except OSError:
            return False

    try:
        _wait_until(up, "Voila to start")
        yield url
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _end_group(process: subprocess.Popen) -> None:
    """Stop a process started with start_new_session=True, and the helpers it started."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


class _DevTools:
    """The few Chrome DevTools Protocol calls a screenshot needs, over one page socket."""

    def __init__(self, ws_url: str) -> None:
        import websocket  # installed with Voila (jupyter_server needs it)

        self._ws = websocket.create_connection(ws_url, timeout=READY_TIMEOUT)
        self._id = 0

    def call(self, method: str, **params: object) -> dict:
        self._id += 1
        self._ws.send(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:
            reply = json.loads(self._ws.recv())
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def evaluate(self, expression: str) -> object:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def close(self) -> None:
        self._ws.close()


def screenshot(chromium: str, url: str, out: Path, ready_js: str) -> None:
    """Open ``url`` in headless Chromium, wait for ``ready_js`` to be true, save a full page."""
    # Chromium's helper processes may still be writing the profile as it closes.
    with tempfile.TemporaryDirectory(prefix="cc-chromium-", ignore_cleanup_errors=True) as profile:
        browser = subprocess.Popen(
            [
                chromium,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--no-first-run",
                "--remote-debugging-port=0",
                f"--user-data-dir={profile}",
                f"--window-size={PAGE_WIDTH},800",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own group, so its helpers end with it
        )
        try:
            port_file = Path(profile) / "DevToolsActivePort"
            port = _wait_until(
                lambda: port_file.is_file() and port_file.read_text().split()[0],
                "Chromium's debugging port",
            )
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as r:
                page = next(t for t in json.load(r) if t["type"] == "page")
            tools = _DevTools(page["webSocketDebuggerUrl"])
            try:
                tools.call("Page.enable")
                tools.call("Page.navigate", url=url)
                _wait_until(lambda: tools.evaluate(ready_js), "the widgets to render")
                time.sleep(1.0)  # let the last layout and fonts settle
                # Voila scrolls an inner element, not the document: take the tallest one.
                height = tools.evaluate(
                    "Math.max(...Array.from(document.querySelectorAll('*'), e => e.scrollHeight))"
                )
                tools.call(
                    "Emulation.setDeviceMetricsOverride",
                    width=PAGE_WIDTH,
                    height=int(height),
                    deviceScaleFactor=1,
                    mobile=False,
                )
                shot = tools.call(
                    "Page.captureScreenshot", format="png", captureBeyondViewport=True
                )
            finally:
                tools.close()
        finally:
            _end_group(browser)
    out.write_bytes(base64.b64decode(shot["data"]))


# The run panel shows "Succeeded"; the editors form shows its last field's fallback note.
READY = {
    "form-catalogue.png": "document.body.innerText.includes('Saved:')",
    "form-editors.png": "document.body.innerText.includes('Shown as a text box')",
}


def main(argv: list[str] | None = None) -> int:
    """Write the screenshots; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "docs" / "images",
        help="folder for the PNG files (default: docs/images)",
    )
    parser.add_argument("--only", choices=sorted(SHOTS), help="make just this picture")
    args = parser.parse_args(argv)
    chromium = find_chromium()
    if chromium is None or not has_voila():
        missing = " and ".join(
            n for n, ok in (("Chromium", chromium), ("Voila", has_voila())) if not ok
        )
        print(
            f"skip: {missing} not installed (apt-get install chromium; pip install voila)",
            file=sys.stderr,
        )
        return MISSING_TOOL
    args.out.mkdir(parents=True, exist_ok=True)
    for name, code in SHOTS.items():
        if args.only and name != args.only:
            continue
        with tempfile.TemporaryDirectory(prefix="cc-form-shot-") as folder:
            notebook = _write_notebook(Path(folder), code)
            with voila(notebook) as url:
                screenshot(chromium, url, args.out / name, READY[name])
        print(args.out / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
