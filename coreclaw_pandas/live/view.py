"""How a job shows itself: a line of text anywhere, a live widget in Jupyter.

The text needs nothing beyond the standard library; the widget (:mod:`.widget`)
is imported only when a notebook front end asks for it, so ``import
coreclaw_pandas`` loads no ipywidgets.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .background import Job

__all__ = ["clock", "job_text", "mimebundle"]


def clock(seconds: float) -> str:
    """``m:ss`` (or ``h:mm:ss``) for a number of seconds."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    text = f"{rest // 60}:{rest % 60:02d}"
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else text


def job_text(job: Job) -> str:
    """One line for the job, and its error or last log line below it."""
    run = job.run
    slug = f" run {run.slug}" if run is not None else ""
    spend = f" ${float(run.usage):.4f}" if run is not None else ""
    lines = [
        f"<Job {job.number} {job.label}{slug}: {job.status}, {job.rows:,} rows,{spend} "
        f"{clock(job.elapsed)} elapsed{'' if job.done else ', going'}>"
    ]
    if job.error is not None:
        lines.append(f"  error: {type(job.error).__name__}: {job.error} (job.df() raises it)")
    elif job.log_lines:
        lines.append(f"  log: {job.log_lines[-1]}")
    return "\n".join(lines)


def mimebundle(job: Job) -> dict[str, Any]:
    """The job's live widget where a kernel with ipywidgets runs, else its text."""
    bundle: dict[str, Any] = {"text/plain": job_text(job)}
    if not _in_kernel():
        return bundle
    try:
        from .widget import view_of

        shown = view_of(job)._repr_mimebundle_()
    except Exception:  # no ipywidgets, or a front end without widgets: the text will do
        return bundle
    if isinstance(shown, tuple):
        shown = shown[0]
    # The job's own text, not the widget's class name, where widgets cannot show.
    return {**shown, **bundle} if isinstance(shown, dict) else bundle


def _in_kernel() -> bool:
    """True inside a Jupyter kernel (a plain IPython shell or a script has no widgets)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return getattr(shell, "kernel", None) is not None
