"""``cc.run_batch``: one Worker over many inputs, within the plan, resumable, joined back.

The :class:`Batch` it returns holds the inputs, the ledger and the runs: ``batch.df``
is every row joined to its input, ``batch.status`` one row per input. Running the
same call again (same Worker, inputs and ledger) re-attaches to the runs the ledger
knows and starts only what never started.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from .. import _clock, _warnings, api
from ..client import Client
from ..progress import CountBar
from .abort import BatchAbortWarning, abort_batch, abort_warning
from .inputs import Job, build_jobs, default_ledger, input_table
from .join import join_rows
from .ledger import Entry, Ledger, default_file, ledger_path
from .lookup import UNKNOWN_GRACE_SECONDS
from .scheduler import Scheduler

__all__ = ["Batch", "BatchInterrupted", "batches_df", "run_batch"]

#: Ledger states as ``batch.status`` names them.
_STATUS = {
    "pending": "not started", "starting": "unknown", "unknown": "unknown",
    "started": "running", "succeeded": "succeeded", "failed": "failed", "skipped": "not started",
}  # fmt: skip


class BatchInterrupted(KeyboardInterrupt):
    """Ctrl-C during a batch; a ``KeyboardInterrupt`` whose message says how to resume.

    Attributes:
        ledger: The batch's ledger name.
        running: Runs still going on CoreClaw (none was aborted).
    """

    def __init__(self, ledger: str, running: int) -> None:
        self.ledger, self.running = ledger, running
        super().__init__(
            f"Interrupted: {running} run(s) of batch {ledger!r} keep running on CoreClaw; "
            "nothing was aborted. Run the same cc.run_batch(...) call again (or batch.wait()) "
            "to re-attach: it starts only inputs that never started. batch.abort() stops them."
        )

    def _render_traceback_(self) -> list[str]:
        """The message alone: the interrupt was the reader's doing."""
        return [str(self)]


class Batch:
    """A Worker run over many inputs; made by :func:`run_batch`.

    Attributes:
        scraper_slug: The Worker as given.
        ledger: The ledger's name.
        ledger_file: The SQLite file holding it.
        inputs: The inputs as given.
        input_ids: The input_id of each input row.
        refused: Starts the plan refused for now (30003/4290) in this session.
        limit: The limit of runs in flight used (given or learned), None if never needed.
        stopped: Why starting stopped early (budget, balance, abort), or "".
        events: What happened to starts whose outcome was unknown, in this session.
        may_be_running: input_ids that may still have a running run after the last
            ``abort()``: a start it could not settle, or a run it could not stop (the
            warning says how to find and stop each).
    """

    def __init__(
        self,
        client: Client,
        scraper_slug: str,
        inputs: pd.DataFrame,
        input_ids: list[str],
        jobs: list[Job],
        ledger: Ledger,
        *,
        options: dict[str, Any],
        progress: bool | None,
    ) -> None:
        self._client, self.scraper_slug, self.inputs = client, scraper_slug, inputs
        self.input_ids, self._jobs, self._ledger = input_ids, jobs, ledger
        self.ledger, self.ledger_file = ledger.name, ledger.path
        self._options, self._progress = options, progress
        self._frames: dict[str, pd.DataFrame] = {}
        self.refused, self.limit, self.stopped = 0, options.get("max_in_flight"), ""
        self.events: list[str] = []
        self.may_be_running: list[str] = []

    def __repr__(self) -> str:
        counts = self.status["status"].value_counts().to_dict()
        parts = ", ".join(f"{n} {state}" for state, n in counts.items())
        return f"<Batch {self.ledger!r} of {self.scraper_slug}: {len(self.inputs)} inputs, {parts}>"

    # -- running --------------------------------------------------------------------------

    def wait(self) -> Batch:
        """Start what never started and follow every run to its end; returns the batch.

        Raises:
            BatchInterrupted: Ctrl-C; the runs go on and the message says how to resume.
        """
        scheduler = Scheduler(
            self._client,
            self._client.worker(self.scraper_slug).slug,
            self._jobs,
            self._ledger,
            max_in_flight=self._options.get("max_in_flight"),
            budget_usd=self._options.get("budget_usd"),
            system=self._options.get("system"),
            version=self._options.get("version"),
        )
        inputs = {i for i in self.input_ids if i}
        with CountBar(
            f"batch {self.ledger}", total=len(inputs), unit=" inputs", progress=self._progress
        ) as bar:
            scheduler.on_change = lambda entries: _show(bar, entries)
            try:
                scheduler.run()
            except KeyboardInterrupt:
                running = sum(1 for e in scheduler.entries.values() if e.state == "started")
                raise BatchInterrupted(self.ledger, running) from None
            finally:
                tally = scheduler.tally
                self.refused += tally.refused
                self.limit = scheduler.limit
                self.stopped = tally.stopped
                self.events += tally.events
        if self.stopped:
            print(f"Batch {self.ledger!r} stopped starting runs: {self.stopped}")
        return self

    def retry(self, *, failed: bool = True) -> Batch:
        """Start the failed inputs again (new runs, paid again), then wait for them.

        Inputs an abort kept from starting are started too: they never ran.

        Args:
            failed: Start failed inputs again; False only starts what never started.
        """
        now = _clock.utc_now().timestamp()
        for entry in self._entries().values():
            if entry.state == "skipped" or failed and entry.state == "failed":
                self._ledger.update(entry.job_id, now, state="pending", err_msg=None)
                self._frames.pop(entry.job_id, None)
        return self.wait()

    def abort(self, *, timeout: float = UNKNOWN_GRACE_SECONDS) -> Batch:
        """Stop the batch: nothing starts any more, and every run it made is asked to stop.

        Works from another thread, notebook or process on the same ledger. Inputs not
        started yet never start (``batch.retry()`` starts them). A start in flight at
        this moment is waited for, up to ``timeout``, and its run stopped: the run is
        known from the start's reply, or found in the run history as an unknown start
        is (same Worker, from a minute before the start was sent, owned by no batch).
        Aborted runs end as failed.

        Args:
            timeout: Seconds to wait at most for starts in flight to settle.

        Returns:
            The batch. A start still unsettled after ``timeout``, or a run the platform
            could not be asked to stop, is never ignored: its input_ids are in
            ``batch.may_be_running`` and a :class:`BatchAbortWarning` names each with
            the call that finds or stops its run.
        """
        jobs = {job.job_id: job for job in self._jobs}
        report = abort_batch(
            self._client,
            lambda: self._client.worker(self.scraper_slug).slug,
            jobs,
            self._ledger,
            timeout=timeout,
        )
        self.events += report.events
        self.stopped = "aborted: batch.abort() was called; batch.retry() starts what never ran."
        by_run = {e.run_slug: e for e in self._entries().values() if e.run_slug}
        left = report.unsettled + [by_run[s] for s in report.not_stopped if s in by_run]
        self.may_be_running = [i for entry in left for i in entry.input_ids]
        message = abort_warning(self.scraper_slug, report, self.ledger)
        if message:
            _warnings.warn(BatchAbortWarning(message))
        return self

    # -- reading --------------------------------------------------------------------------

    def _entries(self) -> dict[str, Entry]:
        known = {job.job_id for job in self._jobs}
        return {k: v for k, v in self._ledger.entries().items() if k in known}

    @property
    def status(self) -> pd.DataFrame:
        """One row per input: input_id, status, run_slug, results, usage, err_msg, times.

        A packed run's results and usage are the whole run's, on each of its inputs.
        """
        entries = self._entries()
        by_input = {i: e for e in entries.values() for i in e.input_ids}
        rows = []
        for input_id in self.input_ids:
            e = by_input.get(input_id)
            rows.append({
                "input_id": input_id or None,
                "status": _STATUS[e.state] if e else "invalid",
                "run_slug": e.run_slug if e else None,
                "results": e.results if e else 0,
                "usage": e.usage if e else 0.0,
                "err_msg": e.err_msg if e else None,
                "started": _when(e.started_at if e else None),
                "finished": _when(e.finished_at if e else None),
            })  # fmt: skip
        frame = pd.DataFrame(rows, index=self.inputs.index)
        for name in ("input_id", "status", "run_slug", "err_msg"):
            frame[name] = frame[name].astype("string")
        frame["results"] = frame["results"].astype("Int64")
        frame["usage"] = frame["usage"].astype("Float64")
        return frame

    @property
    def df(self) -> pd.DataFrame:
        """Every row of every finished run, with ``input.*`` columns, ``input_id``, ``run_slug``."""
        entries = self._entries()
        runs = {}
        for job in self._jobs:
            entry = entries.get(job.job_id)
            if entry is None or not entry.run_slug or entry.state not in ("succeeded", "failed"):
                continue
            runs[job.job_id] = entry.run_slug
            if job.job_id not in self._frames and entry.results:
                self._frames[job.job_id] = api.results_df(
                    entry.run_slug, progress=False, client=self._client
                )
        return join_rows(self._frames, self._jobs, runs, self.inputs, self.input_ids)


def _show(bar: CountBar, entries: Mapping[str, Entry]) -> None:
    done = {i for e in entries.values() if e.state in ("succeeded", "failed") for i in e.input_ids}
    failed = sum(len(e.input_ids) for e in entries.values() if e.state == "failed")
    running = sum(1 for e in entries.values() if e.state == "started")
    rows = sum(e.results for e in entries.values())
    spend = sum(e.usage for e in entries.values())
    bar.set_to(len(done))
    bar.note(f"running {running}, failed {failed}, rows {rows:,}, {spend:.3f} USD")


def _when(stamp: float | None) -> pd.Timestamp | None:
    return pd.Timestamp(stamp, unit="s", tz="UTC") if stamp else None


def run_batch(
    scraper_slug: str,
    inputs: Any,
    *,
    map: Mapping[str, str] | None = None,  # noqa: A002 (the issue's option name)
    custom: Mapping[str, Any] | None = None,
    max_in_flight: int | None = None,
    per_run: int = 1,
    budget_usd: float | None = None,
    ledger: str | os.PathLike[str] | None = None,
    system: Mapping[str, Any] | None = None,
    version: str | None = None,
    wait: bool = True,
    progress: bool | None = None,
    client: Client | None = None,
) -> Batch:
    """Run a Worker once per input (or per ``per_run`` inputs), within the plan, resumably.

    Every input is built and checked before anything starts. At most ``max_in_flight``
    runs are unfinished at a time; a start the plan refuses (30003, or 4290) waits for
    a slot, never an error. The ledger records each start before and after it is sent,
    so running the same call again re-attaches and starts only what never started.

    Args:
        scraper_slug: The Worker's id or ``owner/name`` path.
        inputs: A DataFrame, a list of dicts, or a column (Series) of inputs.
        map: Worker input field <- input column, e.g. ``{"startURLs": "url"}``.
        custom: Input fields the same for every run.
        max_in_flight: Most unfinished runs at once; None learns the plan's limit.
        per_run: Inputs packed into one run through the Worker's array field(s).
        budget_usd: Start no run once spend plus the running runs' expected cost would
            pass this (USD, from the runs' ``usage``).
        ledger: The ledger's name (in the data folder) or a file path; None names it
            after the Worker and the inputs.
        system: System parameters for every run.
        version: A Worker version for every run.
        wait: Start the runs and follow them to their end; False returns the batch
            without starting anything (``batch.wait()`` does).
        progress: True/False to force the progress bar; None shows it where it can.
        client: The client to use instead of the default.

    Returns:
        The :class:`Batch`: ``.df``, ``.status``, ``.retry()``, ``.abort()``, ``.wait()``.

    Raises:
        InputError: Some inputs do not fit the Worker; it lists each by row (nothing sent).
        BatchInterrupted: Ctrl-C; the runs go on and the message says how to resume.

    Example:
        >>> batch = cc.run_batch("coreclaw/web-page-scraper", urls, map={"startURLs": "url"})
        >>> batch.df
    """
    if max_in_flight is not None and (not isinstance(max_in_flight, int) or max_in_flight < 1):
        raise ValueError(f"max_in_flight must be None or an integer >= 1, got {max_in_flight!r}")
    if budget_usd is not None and not budget_usd >= 0:
        raise ValueError(f"budget_usd must be None or a number >= 0, got {budget_usd!r}")
    c = api.resolve_client(client)
    frame = input_table(inputs)
    ids, jobs = build_jobs(
        c,
        scraper_slug,
        frame,
        map=map,
        custom=custom,
        system=system,
        version=version,
        per_run=per_run,
    )
    if ledger is None:
        ledger = default_ledger(scraper_slug, jobs)
    path, name = ledger_path(ledger)
    book = Ledger(path, name, base_url=c.base_url, account=c.cache_account or "")
    # Recorded now, so that the batch is known (cc.batches_df) before anything starts.
    worker_slug = c.worker(scraper_slug).slug
    book.add(worker_slug, ((j.job_id, j.input_ids) for j in jobs), _clock.utc_now().timestamp())
    options = {
        "max_in_flight": max_in_flight,
        "budget_usd": budget_usd,
        "system": dict(system) if system else None,
        "version": version,
    }
    batch = Batch(c, scraper_slug, frame, ids, jobs, book, options=options, progress=progress)
    return batch.wait() if wait else batch


def batches_df(
    *, ledger_file: str | os.PathLike[str] | None = None, client: Client | None = None
) -> pd.DataFrame:
    """The account's batches in a ledger file (the data folder's by default), one row each.

    Columns: ledger, scraper_slug, runs, and the count of runs in each state (pending,
    started, succeeded, failed, ...), results, usage (USD), created, updated.
    """
    c = api.resolve_client(client)
    path = Path(ledger_file) if ledger_file else default_file()
    if not path.exists():
        return pd.DataFrame(columns=["ledger", "scraper_slug", "runs", "results", "usage"])
    book = Ledger(path, "", base_url=c.base_url, account=c.cache_account or "")
    frame = pd.DataFrame(book.summaries())
    if frame.empty:
        return pd.DataFrame(columns=["ledger", "scraper_slug", "runs", "results", "usage"])
    for name in ("created", "updated"):
        frame[name] = pd.to_datetime(frame[name], unit="s", utc=True)
    return frame.sort_values("updated", ascending=False, ignore_index=True)
