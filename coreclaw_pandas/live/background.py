"""Background jobs: a run followed in a thread of the kernel, so the next cells run on.

``cc.start`` starts a run (once: the client's start path never repeats a paid start)
and returns a :class:`Job` at once; ``cc.watch`` follows a run started elsewhere.
The job's thread reads the run's rows as they appear (``results_df(follow=True)``),
so ``job.df()`` is ready the moment the run ends. Whatever goes wrong in the thread
is kept on the job: shown by its widget and its text, raised again by ``job.df()``,
never printed into whichever cell happens to be running.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from .. import api
from ..client import Client
from ..exceptions import CoreClawError, RunFailedError, RunTimeoutError
from ..models import Run, RunStatus

__all__ = ["Job", "jobs", "start", "watch"]

#: Log lines a job keeps for its view.
LOG_LINES = 5
#: Least seconds between two log reads of one job (the log is a courtesy, not the data).
LOG_EVERY_SECONDS = 10.0

_numbers = itertools.count(1)
_registry: list[Job] = []
_registry_lock = threading.Lock()


class JobError(CoreClawError):
    """Raised by ``job.df()`` when the job's thread failed; the cause is chained."""


class Job:
    """A run followed in the background: status, rows, spend, elapsed time and last log lines.

    Make one with :func:`start` or :func:`watch`. In Jupyter the job shows as a live
    widget (with an Abort button); elsewhere its ``repr`` is a line of text.

    Attributes:
        number: The job's number in this kernel (``cc.jobs()`` lists them).
        label: What it runs (the Worker, or the run's slug).
        run: The run as last seen (None until it has started).
        rows: Rows read so far.
        error: The exception that stopped the job's thread, if any.
        log_lines: The last few log lines seen.
    """

    def __init__(
        self,
        label: str,
        begin: Callable[[], Run],
        *,
        client: Client,
        max_requests_per_minute: int = api.MAX_REQUESTS_PER_MINUTE,
        listeners: list[Callable[[Job], None]] | None = None,
    ) -> None:
        self.number = next(_numbers)
        self.label = label
        self.client = client
        self.run: Run | None = None
        self.rows = 0
        self.error: BaseException | None = None
        self.log_lines: list[str] = []
        self.started = time.monotonic()
        self.ended: float | None = None
        self._df: pd.DataFrame | None = None
        self._begin = begin
        self._budget = max_requests_per_minute
        self._last_log = 0.0
        self._done = threading.Event()
        self._listeners = list(listeners or [])
        self._thread = threading.Thread(
            target=self._work, name=f"coreclaw-job-{self.number}", daemon=True
        )
        with _registry_lock:
            _registry.append(self)
        self._thread.start()

    # -- the thread -------------------------------------------------------------------------

    def _work(self) -> None:
        try:
            run = self._begin()
            self._seen(run, 0)
            self._df = api.follow_frame(
                run.slug,
                self.client,
                columns=None,
                flatten=True,
                dtypes=None,
                labels=False,
                progress=False,
                on_poll=self._seen,
                max_requests_per_minute=self._budget,
            )
            self._read_log(force=True)
            if self.run is not None and self.run.status is RunStatus.FAILED:
                # As cc.run_worker would: a failed run is an error, its rows are a read away.
                self.error = RunFailedError(self.run)
        except BaseException as exc:  # kept for the view and job.df(), never printed
            self.error = exc
        finally:
            self.ended = time.monotonic()
            # Views draw the end first, so whoever joins the job sees it drawn.
            self._notify()
            self._done.set()

    def _seen(self, run: Run, rows: int) -> None:
        self.run, self.rows = run, rows
        self._read_log()
        self._notify()

    def _read_log(self, *, force: bool = False) -> None:
        if self.run is None or (
            not force and time.monotonic() - self._last_log < LOG_EVERY_SECONDS
        ):
            return
        self._last_log = time.monotonic()
        try:
            entries = self.client.log(self.run.slug).entries[-LOG_LINES:]
        except Exception:  # the log is a courtesy; the rows matter more
            return
        self.log_lines = [f"{e.level.name:<5} {e.content}" for e in entries]

    def _notify(self) -> None:
        for listener in list(self._listeners):
            try:
                listener(self)
            except Exception:  # a view that fails to draw must not stop the job
                pass

    def add_listener(self, listener: Callable[[Job], None]) -> None:
        """Call ``listener(job)`` after each poll and at the end (views use it)."""
        self._listeners.append(listener)
        if self.done:
            listener(self)

    # -- the user's side --------------------------------------------------------------------

    @property
    def done(self) -> bool:
        """True once the job has ended: the run ended and its rows were read, or it failed."""
        return self.ended is not None

    @property
    def frame(self) -> pd.DataFrame | None:
        """The rows the job read, once it has ended (a failed run's too); else None."""
        return self._df if self.done else None

    def join(self, timeout: float | None = None) -> bool:
        """Wait up to ``timeout`` seconds for the job to end; True if it has. Never raises."""
        return self._done.wait(timeout)

    @property
    def elapsed(self) -> float:
        """Seconds since the job started (to its end once it has ended)."""
        return (self.ended or time.monotonic()) - self.started

    @property
    def status(self) -> str:
        """``starting``, the run's status, ``reading`` (ended, rows still coming) or ``error``."""
        if self.error is not None:
            return "error"
        if self.run is None:
            return "starting"
        if self.run.is_terminal and not self.done:
            return "reading"
        return self.run.status.label

    def wait(self, timeout: float | None = None) -> Run | None:
        """Block until the job ends; returns the run as last seen.

        An error inside the job is not raised here (see :meth:`df`).

        Raises:
            RunTimeoutError: ``timeout`` seconds passed first; the job goes on.
        """
        if not self.join(timeout) and self.run is not None:
            raise RunTimeoutError(self.run, timeout or 0)
        return self.run

    def df(self, timeout: float | None = None) -> pd.DataFrame:
        """Every row of the run, waiting for the end first.

        Raises:
            JobError: The job's thread failed; the original exception is its cause.
            RunTimeoutError: ``timeout`` seconds passed before the end.
        """
        self.wait(timeout)
        if not self.join(0):
            raise JobError(f"Job {self.number} ({self.label}) has not started its run yet.")
        if self.error is not None:
            slug = f" (run {self.run.slug})" if self.run is not None else ""
            raise JobError(
                f"Job {self.number} ({self.label}){slug} failed: "
                f"{type(self.error).__name__}: {self.error}"
            ) from self.error
        assert self._df is not None  # set by the thread when it ends without error
        return self._df

    def abort(self) -> None:
        """Ask the platform to stop the run; the job ends once the run has ended."""
        if self.run is None:
            raise JobError(f"Job {self.number} has no run yet; abort it once it has started.")
        self.client.abort(self.run.slug)

    def summary(self) -> dict[str, Any]:
        """The job as one row of ``cc.jobs()``."""
        run = self.run
        return {
            "job": self.number,
            "label": self.label,
            "run_slug": run.slug if run else None,
            "status": self.status,
            "rows": self.rows,
            "usage": float(run.usage) if run else 0.0,
            "elapsed_s": round(self.elapsed, 1),
            "done": self.done,
            "error": f"{type(self.error).__name__}: {self.error}" if self.error else None,
        }

    def __repr__(self) -> str:
        from .view import job_text

        return job_text(self)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any] | None:
        from .view import mimebundle

        return mimebundle(self)


def start(
    scraper_slug: str,
    custom: Mapping[str, Any] | None = None,
    *,
    system: Mapping[str, Any] | None = None,
    version: str | None = None,
    max_requests_per_minute: int = api.MAX_REQUESTS_PER_MINUTE,
    client: Client | None = None,
) -> Job:
    """Start a Worker run in the background and return its :class:`Job` at once.

    The input is checked first (an :class:`~coreclaw_pandas.InputError` is raised
    here, before anything is sent); the start itself is sent once and never
    repeated. The job's thread then follows the run and reads its rows.

    Args:
        scraper_slug: The Worker's id or ``owner/name`` path.
        custom: The Worker's own input fields.
        system: System parameters to override.
        version: Pin a Worker version.
        max_requests_per_minute: Detail and result requests the job may make in any
            minute while the run goes (see ``cc.stream_results``).
        client: The client to use instead of the default.

    Example:
        >>> job = cc.start("coreclaw/catalogue-generator", {"rows": 50_000})
        >>> job.df()  # later: every row
    """
    c = api.resolve_client(client)
    c.prepare_input(scraper_slug, custom, system=system, version=version)  # fail here, not later
    return Job(
        scraper_slug,
        lambda: api.run_worker(
            scraper_slug, custom, system=system, version=version, wait=False, client=c
        ),
        client=c,
        max_requests_per_minute=max_requests_per_minute,
    )


def watch(
    run: api.RunLike,
    *,
    max_requests_per_minute: int = api.MAX_REQUESTS_PER_MINUTE,
    client: Client | None = None,
) -> Job:
    """Follow a run started elsewhere (a run_slug is enough) as a :class:`Job`.

    Args:
        run: A Run or run_slug.
        max_requests_per_minute: The request budget while the run goes.
        client: The client to use instead of the default.
    """
    c = api.resolve_client(client)
    slug = api.run_slug_of(run)
    return Job(slug, lambda: c.run(slug), client=c, max_requests_per_minute=max_requests_per_minute)


def jobs() -> pd.DataFrame:
    """This kernel's jobs, oldest first: job, label, run_slug, status, rows, usage, ..."""
    with _registry_lock:
        known = list(_registry)
    columns = ["job", "label", "run_slug", "status", "rows", "usage", "elapsed_s", "done", "error"]
    return pd.DataFrame([job.summary() for job in known], columns=columns)
