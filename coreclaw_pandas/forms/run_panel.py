"""The run side of a Worker form: the run/results panel.

:class:`RunPanel` starts a run through the notebook API (``cc.run_worker`` with
``wait=False``, then ``Client.wait`` with ``on_update``) in a background thread,
shows status, rows, elapsed time and the last log lines while it goes, then a
preview of ``cc.results_df`` and Download buttons that write files with the
safe exporters. Every error is shown in the panel; none escapes as a traceback.

This module imports ipywidgets, so it is only imported when a form is built.
"""

from __future__ import annotations

import html
import os
import re
import threading
import time
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import ipywidgets as W

from .. import api
from ..exceptions import CoreClawError
from ..models import Run, RunStatus
from ..writers import to_csv, to_excel

if TYPE_CHECKING:
    import pandas as pd

    from ..client import Client

__all__ = ["RunPanel"]

#: Log lines shown while a run goes, and the least time between two log reads.
LOG_LINES = 6
LOG_EVERY_SECONDS = 2.0
#: Rows and characters per cell in the results preview.
PREVIEW_ROWS = 10
PREVIEW_CHARS = 80


class RunPanel:
    """Starts a run in the background and shows it: status, progress, log, preview, downloads.

    Args:
        client: The client every call goes through (None: the form cannot run).
        scraper_slug: The Worker to run.
        download_dir: Returns the folder for downloads (None: the current folder).
    """

    def __init__(
        self, client: Client | None, scraper_slug: str, download_dir: Callable[[], Path | None]
    ) -> None:
        self.client = client
        self.scraper_slug = scraper_slug
        self._download_dir = download_dir
        self.run: Run | None = None
        self.df: pd.DataFrame | None = None
        self.error: str | None = None
        self._thread: threading.Thread | None = None
        self._started = 0.0
        self._last_log = 0.0
        self.status = W.HTML()
        self.progress = W.FloatProgress(
            value=0,
            min=0,
            max=1,
            description="Time used",
            bar_style="info",
            style={"description_width": "80px"},
        )
        self.log = W.HTML()
        self.preview = W.HTML()
        self.error_box = W.HTML()
        self.abort_button = W.Button(
            description="Abort",
            icon="stop",
            button_style="warning",
            disabled=True,
            tooltip="Ask the platform to stop the run",
        )
        self.abort_button.on_click(lambda _b: self._abort())
        self.csv_button = W.Button(description="Download CSV", icon="download", disabled=True)
        self.excel_button = W.Button(description="Download Excel", icon="download", disabled=True)
        self.csv_button.on_click(lambda _b: self.download("csv"))
        self.excel_button.on_click(lambda _b: self.download("xlsx"))
        self.link = W.HTML()
        self.widget = W.VBox(
            [
                self.status,
                self.progress,
                self.log,
                self.error_box,
                self.preview,
                W.HBox([self.csv_button, self.excel_button]),
                self.link,
            ],
            layout=W.Layout(display="none"),
        )

    @property
    def busy(self) -> bool:
        """True while a run started here is going (or its rows are being read)."""
        return self._thread is not None and self._thread.is_alive()

    def start(
        self, custom: Mapping[str, Any], system: Mapping[str, Any], version: str | None
    ) -> bool:
        """Start the run in a background thread; False if one is still going."""
        if self.client is None or self.busy:
            return False
        self.run, self.df, self.error = None, None, None
        for box in (self.log, self.preview, self.error_box, self.link):
            box.value = ""
        self.csv_button.disabled = self.excel_button.disabled = True
        self.progress.value, self.progress.bar_style = 0, "info"
        limit = system.get("execute_limit_time_seconds") or 0
        self.progress.max = float(limit) if limit else 1.0
        self.widget.layout.display = ""
        self._show_status("Starting\u2026")
        self._started = time.monotonic()
        self._thread = threading.Thread(
            target=self._work,
            args=(dict(custom), dict(system), version),
            name=f"coreclaw-form-{self.scraper_slug}",
            daemon=True,
        )
        self._thread.start()
        return True

    def join(self, timeout: float | None = None) -> None:
        """Wait for the background run (and its rows) to be done."""
        if self._thread is not None:
            self._thread.join(timeout)

    def _work(self, custom: dict[str, Any], system: dict[str, Any], version: str | None) -> None:
        assert self.client is not None  # start() runs this only with a client
        try:
            run = api.run_worker(
                self.scraper_slug,
                custom,
                system=system,
                version=version,
                wait=False,
                client=self.client,
            )
            self._update(run)
            self.abort_button.disabled = False
            try:
                run = self.client.wait(run.slug, on_update=self._update)
            except CoreClawError as exc:
                exc.note_started_run(run.slug)
                raise
            self.abort_button.disabled = True
            self._update(run, final=True)
            if run.status is RunStatus.FAILED:
                reason = run.err_msg or "the platform sent no reason; see the log above"
                self._show_error(f"The run failed: {reason}")
            if run.results or run.succeeded:
                self.df = api.results_df(run, client=self.client, progress=False)
                self._show_preview(self.df, run)
        except Exception as exc:  # shown in the form: a notebook user gets no traceback
            self._show_error(exc)
        finally:
            self.abort_button.disabled = True

    def _update(self, run: Run, final: bool = False) -> None:
        self.run = run
        elapsed = time.monotonic() - self._started
        if final:
            self.progress.value = self.progress.max
            self.progress.bar_style = "success" if run.succeeded else "danger"
        elif self.progress.max > 1:
            self.progress.value = min(elapsed, self.progress.max)
        label = {RunStatus.SUCCEEDED: "Succeeded", RunStatus.FAILED: "Failed"}.get(
            run.status, run.status.label.capitalize()
        )
        text = (
            f"<b>{label}</b> \u00b7 {run.results:,} rows \u00b7 "
            f"{int(elapsed) // 60}:{int(elapsed) % 60:02d} elapsed \u00b7 ${run.usage:.4f} "
            f"\u00b7 run <code>{html.escape(run.slug)}</code>"
        )
        if run.err_msg:
            text += f"<div style='color:#b00020'>{html.escape(run.err_msg)}</div>"
        self._show_status(text)
        if final or time.monotonic() - self._last_log >= LOG_EVERY_SECONDS:
            self._last_log = time.monotonic()
            self._show_log(run.slug)

    def _show_status(self, text: str) -> None:
        self.status.value = f"<div>{text}</div>"

    def _show_log(self, run_slug: str) -> None:
        try:
            assert self.client is not None  # called from _work only
            entries = self.client.log(run_slug).entries[-LOG_LINES:]
        except Exception:  # the log is a courtesy; the run matters more
            return
        lines = "\n".join(f"{e.level.name:<5} {e.content}" for e in entries)
        self.log.value = (
            (
                f"<pre style='font-size:85%;max-height:9em;overflow:auto;"
                f"margin:4px 0'>{html.escape(lines)}</pre>"
            )
            if lines
            else ""
        )

    def _show_preview(self, df: pd.DataFrame, run: Run) -> None:
        def short(value: Any) -> str:
            text = str(value)
            return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "\u2026"

        head = df.head(PREVIEW_ROWS).map(short)
        what = "" if run.succeeded else " (produced before the run failed)"
        self.preview.value = (
            f"<div><b>{len(df):,} rows \u00d7 {df.shape[1]} columns</b>{what}; "
            f"<code>form.df</code> holds them.</div>"
            f"<div style='max-height:24em;overflow:auto'>"
            f"{head.to_html(escape=True, index=False, border=0)}</div>"
        )
        self.csv_button.disabled = self.excel_button.disabled = False

    def _show_error(self, exc: BaseException | str) -> None:
        self.error = exc if isinstance(exc, str) else f"{type(exc).__name__}: {exc}"
        self.error_box.value = (
            f"<pre style='color:#b00020;white-space:pre-wrap'>{html.escape(self.error)}</pre>"
        )
        if self.run is None and getattr(exc, "run_may_exist", False):
            # The start may have gone through: "Not started" would invite a second, paid one.
            self._show_status("<b>Start uncertain</b>: the run may have started")
        elif self.run is None:
            self._show_status("<b>Not started</b>")

    def _abort(self) -> None:
        if self.run is None or self.client is None:
            return
        try:
            self.client.abort(self.run.slug)
            self._show_status("<b>Aborting\u2026</b> (the platform stops the run shortly)")
        except Exception as exc:
            self._show_error(exc)

    def download(self, fmt: str) -> Path | None:
        """Write the results with the safe exporter (``"csv"`` or ``"xlsx"``); returns the path."""
        if self.df is None or self.run is None:
            return None
        name = re.sub(r"[^A-Za-z0-9_.-]+", "-", self.scraper_slug.rsplit("/", 1)[-1]) or "run"
        folder = Path(self._download_dir() or Path.cwd())
        path = folder / f"{name}-{self.run.slug}.{fmt}"
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                written = (to_csv if fmt == "csv" else to_excel)(self.df, path, progress=False)
        except Exception as exc:
            self._show_error(exc)
            return None
        notes = "".join(
            f"<div style='color:#8a6d3b'>{html.escape(str(w.message))}</div>" for w in caught
        )
        self.link.value = f"<div>Saved: {_file_link(written)}</div>{notes}"
        return written


def _file_link(path: Path) -> str:
    # Like IPython's FileLink: a link relative to the notebook's folder when it is inside it.
    try:
        rel = os.path.relpath(path.resolve(), Path.cwd())
    except ValueError:  # another drive on Windows
        rel = str(path)
    if rel.startswith(".."):
        return f"<code>{html.escape(str(path.resolve()))}</code>"
    href = quote(rel.replace(os.sep, "/"))
    return f"<a href='{html.escape(href)}' target='_blank' download>{html.escape(rel)}</a>"
