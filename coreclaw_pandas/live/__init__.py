"""Live runs in a notebook: background jobs (``cc.start``, ``cc.watch``, ``cc.jobs``).

A :class:`Job` follows its run in a thread of the kernel, so the next cells keep
running; it shows as a live widget in Jupyter and as a line of text elsewhere.
Streaming rows and log lines (``cc.stream_results``, ``cc.stream_log``) is in
:mod:`coreclaw_pandas.api`.
"""

from .background import Job, JobError, jobs, start, watch

__all__ = ["Job", "JobError", "jobs", "start", "watch"]
