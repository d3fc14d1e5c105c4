"""The run side of a Worker form: the run/results panel.

:class:`RunPanel` starts a run as a background job (the machinery of ``cc.start``:
``cc.run_worker`` with ``wait=False``, then the rows read as they appear), shows
status, rows, elapsed time and the last log lines while it goes, then a
compact preview of ``cc.results_df`` and Download buttons that write files with
the safe exporters. Every error is shown in the panel; none escapes as a traceback.
The bar ends green only for a succeeded run, red for a failed or aborted one (as
tqdm's notebook bar shows an error) and orange when contact was lost and the run's
end is unknown.

This module imports ipywidgets, so it is only imported when a form is built.
"""

from __future__ import annotations

import html
import re
import time
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipywidgets as W

from .. import api, live
from ..exceptions import CoreClawError, RunFailedError
from ..models import Run, RunStatus
from ..writers import to_csv, to_excel
from .links import file_link_html

if TYPE_CHECKING:
    import pandas as pd

    from ..client import Client

__all__ = ["RunPanel"]

#: Log lines shown while a run goes, and the least time between two log reads.
LOG_LINES = 6
LOG_EVERY_SECONDS = 2.0
#: Rows and characters per cell in the results preview.
PREVIEW_ROWS = 10
PREVIEW_CHARS = 60
#: One line per row: a long cell is cut with an ellipsis instead of wrapping, so the ten
#: preview rows fit the box (wrapped 64-character ids made rows 140 px tall).
_PREVIEW_CELL = (
    "white-space:nowrap;max-width:18em;overflow:hidden;text-overflow:ellipsis;"
    "padding:1px 6px;line-height:1.4;text-align:left"
)
#: Stands in for the failure's reason in log lines: the error box shows it once.
ELIDED = "\u2026"
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_-]+")


class RunPanel:
    """Starts a run in the background and shows it: status, progress, log, preview, downloads.

    Args:
        client: The client every call goes through (None: the form cannot run).
        scraper_slug: The Worker to run.
        download_dir: Returns the folder for downloads (None: the current folder).
        run_button: The form's Run button, turned off while a run goes.
    """

    def __init__(
        self,
        client: Client | None,
        scraper_slug: str,
        download_dir: Callable[[], Path | None],
        *,
        run_button: W.Button | None = None,
    ) -> None:
        self.client = client
        self.scraper_slug = scraper_slug
        self._download_dir = download_dir
        self._run_button = run_button
        self._links: dict[str, str] = {}
        self.run: Run | None = None
        self.df: pd.DataFrame | None = None
        self.error: str | None = None
        self._job: live.Job | None = None
        self._started = 0.0
        self._last_log = 0.0
        self.status = W.HTML()
        # No total is known while a run goes (a time limit is a cap, not a forecast), so
        # the bar only says the run is going, and fills in the end state's colour when it ends.
        self.progress = W.FloatProgress(value=0, min=0, max=1, bar_style="info")
        self.progress_label = W.HTML()
        self.log = W.HTML()
        self.preview = W.HTML()
        self.error_box = W.HTML()
        self.abort_button = W.Button(
            description="Abort",
            icon="stop",
            button_style="",
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
                W.HBox([self.progress, self.progress_label]),
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
        return self._job is not None and not self._job.join(0)

    def start(
        self, custom: Mapping[str, Any], system: Mapping[str, Any], version: str | None
    ) -> bool:
        """Start the run as a background job (``cc.start``'s machinery); False if one is going."""
        if self.client is None or self.busy:
            return False
        self.run, self.df, self.error = None, None, None
        for box in (self.log, self.preview, self.error_box, self.link, self.progress_label):
            box.value = ""
        self._links = {}
        self.csv_button.disabled = self.excel_button.disabled = True
        self.progress.value, self.progress.bar_style = 0, "info"
        self._set_running(True)
        self.widget.layout.display = ""
        self._show_status("Starting\u2026")
        self._started = time.monotonic()
        client, slug = self.client, self.scraper_slug
        self._job = live.Job(
            slug,
            lambda: api.run_worker(
                slug, dict(custom), system=dict(system), version=version, wait=False, client=client
            ),
            client=client,
            # The client's poll policy says how eagerly to poll; the default one gives the
            # default budget.
            max_requests_per_minute=max(
                api.MAX_REQUESTS_PER_MINUTE,
                round(api.MAX_REQUESTS_PER_MINUTE / client.poll.initial),
            ),
            listeners=[self._follow],
        )
        return True

    def join(self, timeout: float | None = None) -> None:
        """Wait for the background run (and its rows) to be done."""
        if self._job is not None:
            self._job.join(timeout)

    def _follow(self, job: live.Job) -> None:
        """Called by the job after each poll and once at its end (in the job's thread)."""
        try:
            if not job.done:
                if job.run is not None:
                    self._update(job.run)
                    self._set_abort(True)
                return
            self._ended(job)
        except Exception as exc:  # shown in the form: a notebook user gets no traceback
            self._show_error(exc)
        finally:
            if job.done:
                self._set_running(False)

    def _ended(self, job: live.Job) -> None:
        run, error = job.run, job.error
        if error is not None and not isinstance(error, RunFailedError):
            if run is not None and isinstance(error, CoreClawError):
                error.note_started_run(run.slug)
            self._show_error(error)
            self._show_lost_contact()
            return
        assert run is not None  # a job without an error has its run
        self._set_abort(False)
        self._update(run, final=True)
        if run.status is RunStatus.FAILED:
            reason = run.err_msg or "the platform sent no reason; see the log above"
            self._show_error(f"The run failed: {reason}")
        frame = job.frame
        if frame is not None and (len(frame) or run.succeeded):
            self.df = frame
            self._show_preview(frame, run)

    def _set_running(self, running: bool) -> None:
        if self._run_button is not None:
            self._run_button.disabled = running  # one run at a time: Run must look it
        if not running:
            self._set_abort(False)

    def _set_abort(self, enabled: bool) -> None:
        # A disabled button keeps its colour in JupyterLab; a grey one looks disabled.
        self.abort_button.disabled = not enabled
        self.abort_button.button_style = "danger" if enabled else ""

    def _show_lost_contact(self) -> None:
        run = self.run
        if run is None or run.is_terminal:
            return  # never started, or its end was seen: the error says it all
        self.progress.value, self.progress.bar_style = self.progress.max, "warning"
        self._show_status(
            f"<b>Contact lost</b> \u00b7 run <code>{html.escape(run.slug)}</code> may still be "
            f"going on CoreClaw \u00b7 reattach with "
            f"<code>{html.escape(f'cc.wait({run.slug!r})')}</code>"
        )

    def _update(self, run: Run, final: bool = False) -> None:
        self.run = run
        elapsed = time.monotonic() - self._started
        if final:
            self.progress.value = self.progress.max
            self.progress.bar_style = "success" if run.succeeded else "danger"
        clock = f"{int(elapsed) // 60}:{int(elapsed) % 60:02d}"
        self.progress_label.value = f"{run.results:,} rows \u00b7 {clock}"
        label = {RunStatus.SUCCEEDED: "Succeeded", RunStatus.FAILED: "Failed"}.get(
            run.status, run.status.label.capitalize()
        )
        # The failure's reason is shown once, in the error box, not here as well.
        text = (
            f"<b>{label}</b> \u00b7 {run.results:,} rows \u00b7 {clock} elapsed \u00b7 "
            f"${run.usage:.4f} \u00b7 run <code>{html.escape(run.slug)}</code>"
        )
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
        reason = self.run.err_msg if self.run is not None else ""
        lines = "\n".join(
            f"{e.level.name:<5} {e.content.replace(reason, ELIDED) if reason else e.content}"
            for e in entries
        )
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
        table = head.to_html(escape=True, index=False, border=0)
        table = re.sub(r"<(td|th)\b[^>]*>", rf"<\1 style='{_PREVIEW_CELL}'>", table)
        self.preview.value = (
            f"<div><b>{len(df):,} rows \u00d7 {df.shape[1]} columns</b>{what}; "
            f"<code>form.df</code> holds them.</div>"
            f"<div style='max-height:24em;overflow:auto;font-size:90%'>{table}</div>"
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
        # Both parts come from the server: neither may add a folder or a "..".
        name = _safe_name(self.scraper_slug.rsplit("/", 1)[-1]) or "run"
        folder = Path(self._download_dir() or Path.cwd())
        path = folder / f"{name}-{_safe_name(self.run.slug) or 'run'}.{fmt}"
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
        self._links[fmt] = f"<div>Saved: {file_link_html(written)}</div>{notes}"
        self.link.value = "".join(self._links[f] for f in ("csv", "xlsx") if f in self._links)
        return written


def _safe_name(text: str) -> str:
    """``text`` as one file-name part: no separators, dots or spaces, at most 80 characters."""
    return _UNSAFE_NAME.sub("-", text).strip("-")[:80]
