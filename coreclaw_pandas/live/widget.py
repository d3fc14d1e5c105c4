"""The live ipywidgets view of a job: status, rows, spend, elapsed, last log lines, Abort.

The job's thread calls :meth:`JobView.update` after each poll (at least every 15 s);
ipywidgets sends the changes from that thread, as the form's Run panel does.
ipywidgets is imported when the first view is made, so only a notebook that shows a
job loads it.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from .view import clock

if TYPE_CHECKING:
    from .background import Job

__all__ = ["JobView", "view_of"]

_COLOURS = {"succeeded": "success", "failed": "danger", "error": "danger"}


class JobView:
    """One job's widget; one per job, shared by every cell that shows it."""

    def __init__(self, job: Job) -> None:
        # Here, not at the top: only a notebook that shows a job loads ipywidgets.
        import ipywidgets as W

        self.job = job
        self.status = W.HTML()
        self.bar = W.FloatProgress(value=0, min=0, max=1, bar_style="info")
        self.log = W.HTML()
        self.error = W.HTML()
        self.abort_button = W.Button(description="Abort", icon="stop", button_style="danger")
        self.abort_button.on_click(lambda _b: self._abort())
        self.widget = W.VBox(
            [W.HBox([self.status, self.abort_button]), self.bar, self.log, self.error]
        )
        job.add_listener(lambda _job: self.update())
        self.update()

    def update(self) -> None:
        """Redraw from the job's current state (called from the job's thread)."""
        job = self.job
        run = job.run
        slug = f" \u00b7 run <code>{html.escape(run.slug)}</code>" if run else ""
        spend = f" \u00b7 ${float(run.usage):.4f}" if run else ""
        self.status.value = (
            f"<b>Job {job.number}</b> {html.escape(job.label)} \u00b7 "
            f"<b>{html.escape(job.status)}</b> \u00b7 {job.rows:,} rows{spend} \u00b7 "
            f"{clock(job.elapsed)}{slug}"
        )
        if job.done:
            self.bar.value = 1
            self.bar.bar_style = _COLOURS.get(job.status, "warning")
        self.abort_button.disabled = job.done or run is None
        lines = "\n".join(job.log_lines)
        self.log.value = (
            f"<pre style='font-size:85%;margin:2px 0'>{html.escape(lines)}</pre>" if lines else ""
        )
        if job.error is not None:
            text = f"{type(job.error).__name__}: {job.error}\n(job.df() raises it again)"
            self.error.value = (
                f"<pre style='color:#b00020;white-space:pre-wrap'>{html.escape(text)}</pre>"
            )

    def _abort(self) -> None:
        try:
            self.job.abort()
            self.status.value += " \u00b7 <b>aborting\u2026</b>"
        except Exception as exc:  # shown here: a button click has no cell to raise into
            self.error.value = f"<pre style='color:#b00020'>{html.escape(str(exc))}</pre>"

    def _repr_mimebundle_(self, **kwargs: object) -> object:
        return self.widget._repr_mimebundle_(**kwargs)


_views: dict[int, JobView] = {}


def view_of(job: Job) -> JobView:
    """The job's view, made on first use."""
    if job.number not in _views:
        _views[job.number] = JobView(job)
    return _views[job.number]
