"""Starting a batch's runs within the plan, once each, and following them to the end.

One loop, one start at a time (so at most one start's outcome is ever unknown):

* **Slots.** Never more than the limit of unfinished runs: ``max_in_flight``, or, when
  that is None, what the plan turned out to allow. A 30003 ("plan concurrency limit")
  is not an error but the plan's answer: no run was created and nothing was charged
  (docs/platform.md §2.4), so the runs still executing are counted, that count becomes
  the limit, and the start waits for a slot. 4290/13000 (too many requests) also mean
  "not now": the start waits with backoff, the limit unchanged.
* **Once.** Each start goes through the client's start path (never retried after a
  timeout or a server error) and is written to the ledger before and after. A start
  whose outcome is unknown (``run_may_exist``, or a process killed mid-start) is looked
  for in the run history before that input is ever started again (:func:`resolve`).
* **Budget.** No new start once the spend so far plus the running runs' expected cost
  would pass ``budget_usd``; spend is the runs' ``usage``.
* **Abort.** A start is claimed in the ledger only while the batch has not been aborted
  since this loop began (:meth:`.Ledger.claim`), so nothing starts after ``Batch.abort``.
  A start that was in flight when the abort came, and turns out to have made a run, is
  stopped here as soon as its run is known; the loop then follows the runs to their end.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .. import _clock
from ..client import Client
from ..exceptions import APIError, CoreClawError, RunStateError, TransportError
from ..models import Run, RunStatus
from .inputs import Job
from .ledger import Entry, Ledger
from .lookup import UNKNOWN_GRACE_SECONDS, UNSETTLED, find_runs, past_grace

__all__ = ["ABORTED", "NOT_NOW_CODES", "PLAN_LIMIT_CODE", "UNKNOWN_GRACE_SECONDS", "Scheduler"]

#: The plan's concurrency limit: a definite refusal that says "wait for a slot".
PLAN_LIMIT_CODE = 30003
#: Definite refusals that mean "not now" (docs/platform.md §2.4 and §8.1).
NOT_NOW_CODES = frozenset({PLAN_LIMIT_CODE, 4290, 13000})
#: Refusals after which no start can succeed until the user acts (balance, traffic).
STOP_CODES = frozenset({30001, 30002})
#: The err_msg of an input that an abort kept from starting.
ABORTED = "not started: batch.abort() was called; batch.retry() starts it"
#: Waits after a "not now" refusal when none of the batch's runs is executing.
_BACKOFF = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0)


@dataclass
class Tally:
    """What the loop has seen, for the progress display and the benchmarks."""

    refused: int = 0
    limit_learned: int | None = None
    stopped: str = ""
    started: int = 0
    events: list[str] = field(default_factory=list)


class Scheduler:
    """Runs a batch's jobs to the end, within the plan, recording each in the ledger.

    Args:
        client: The client.
        worker_slug: The Worker's id (run records name it so).
        jobs: Every job of the batch.
        ledger: The batch's ledger.
        max_in_flight: Most unfinished runs; None learns the plan's limit.
        budget_usd: Stop starting runs past this spend; None for no limit.
        system: System parameters for every start.
        version: Worker version for every start.
        on_change: Called after anything changed (the progress display).
    """

    def __init__(
        self,
        client: Client,
        worker_slug: str,
        jobs: Iterable[Job],
        ledger: Ledger,
        *,
        max_in_flight: int | None,
        budget_usd: float | None,
        system: dict[str, Any] | None,
        version: str | None,
        on_change: Callable[[dict[str, Entry]], None] | None = None,
    ) -> None:
        self.client, self.worker_slug, self.ledger = client, worker_slug, ledger
        self.jobs = {job.job_id: job for job in jobs}
        self.limit = max_in_flight
        self.budget = budget_usd
        self.system, self.version = system, version
        self.on_change = on_change or (lambda entries: None)
        self.tally = Tally()
        self.max_seen = 0
        #: Seconds from start to seen ended, of the runs that ended in this call.
        self.lifetimes: list[float] = []
        ledger.add(worker_slug, ((j.job_id, j.input_ids) for j in self.jobs.values()), _now())
        self.entries: dict[str, Entry] = {}
        self._reload()
        #: The abort count this loop began with: a later abort stops every start.
        self.epoch = ledger.abort_epoch()
        #: An earlier abort: a start sent before it and settled now is still aborted.
        self.aborted_at = ledger.aborted_at()
        self.aborted = False

    def _reload(self) -> None:
        """Read the entries again (abort() changes them), in place: held ones stay current."""
        for key, fresh in self.ledger.entries().items():
            if key in self.entries:
                vars(self.entries[key]).update(vars(fresh))
            elif key in self.jobs:
                self.entries[key] = fresh

    # -- the loop -------------------------------------------------------------------------

    def run(self) -> None:
        """Start every pending job and follow every run until all have ended."""
        policy = self.client.poll
        interval = policy.initial
        backoff = 0
        next_resolve = 0.0
        self.on_change(self.entries)
        while True:
            self._check_abort()
            if time.monotonic() >= next_resolve and self._uncertain():
                self.resolve()
                next_resolve = time.monotonic() + 2.0
            polled_at = time.monotonic()
            changed = self._poll()
            refused = False
            while self._may_start():
                outcome = self._start(self._next_pending())
                changed = True
                if outcome in ("not now", "aborted"):
                    refused = outcome == "not now"
                    break
            idle = not self._running() and not self._uncertain()
            if idle and (not self._pending() or self.tally.stopped):
                break  # all ended, or stopped (budget, balance) with nothing left to follow
            self.on_change(self.entries)
            if refused and not self._running():
                delay = _BACKOFF[min(backoff, len(_BACKOFF) - 1)]
                backoff += 1
            else:
                backoff = 0 if changed else backoff
                cap = self._poll_cap(policy.initial, policy.maximum)
                interval = policy.initial if changed else min(interval * policy.factor, cap)
                # Polls keep their cadence: the time spent starting runs is not added to it.
                delay = max(0.0, interval - (time.monotonic() - polled_at))
            time.sleep(delay)
        self.on_change(self.entries)

    def _pending(self) -> list[Entry]:
        return [e for e in self.entries.values() if e.state == "pending"]

    def _running(self) -> list[Entry]:
        return [e for e in self.entries.values() if e.state == "started"]

    def _uncertain(self) -> list[Entry]:
        return [e for e in self.entries.values() if e.state in UNSETTLED]

    def _next_pending(self) -> Entry:
        return self._pending()[0]

    def _may_start(self) -> bool:
        if not self._pending() or self.tally.stopped or self._uncertain():
            return False
        if self.limit is not None and len(self._running()) >= self.limit:
            return False
        return self._within_budget()

    def _within_budget(self) -> bool:
        if self.budget is None:
            return True
        done = [e for e in self.entries.values() if e.state in ("succeeded", "failed")]
        if not done and self._running():
            return False  # the first run is a probe: what a run costs is not known yet
        spent = sum(e.usage for e in done)
        # A running run is expected to cost what a finished one did on average.
        mean = spent / len(done) if done else 0.0
        expected = sum(max(e.usage, mean) for e in self._running())
        if spent + expected + mean > self.budget:
            self.tally.stopped = (
                f"budget: {spent + expected:.4f} USD spent or expected of {self.budget:g}; "
                f"{len(self._pending())} input run(s) not started. Raise budget_usd and "
                "run the same call again to start them."
            )
            return False
        return True

    def _set(self, entry: Entry, *, only_from: tuple[str, ...] = (), **fields: Any) -> bool:
        """Write fields to the ledger and the entry.

        Returns False, writing nothing, when ``only_from`` no longer holds in the ledger
        (``Batch.abort`` settled the entry meanwhile); the entries are read again then.
        """
        if not self.ledger.update(entry.job_id, _now(), only_from=only_from, **fields):
            self._reload()
            return False
        for name, value in fields.items():
            setattr(entry, name, value)
        return True

    # -- abort ----------------------------------------------------------------------------

    def _check_abort(self) -> bool:
        """True once the batch was aborted since this loop began; then starts stop."""
        if not self.aborted and self.ledger.abort_epoch() != self.epoch:
            self.aborted = True
            self.tally.stopped = "aborted: inputs not started yet never start; retry() starts them."
        if self.aborted:
            self._reload()  # abort() settles entries too: its view is the ledger's
            if self._pending():  # a start refused (not now) after the abort came
                self.ledger.skip_pending(_now(), err_msg=ABORTED)
                self._reload()
        return self.aborted

    def _sent_before_abort(self, entry: Entry) -> bool:
        """True when an abort came after this entry's start was sent."""
        if self._check_abort():
            return True
        return self.aborted_at is not None and (entry.sent_at or 0.0) <= self.aborted_at

    def _stop_if_aborted(self, entry: Entry) -> None:
        """Stop a run that became known after an abort (its start was in flight)."""
        if not entry.run_slug or not self._sent_before_abort(entry):
            return
        try:
            self.client.abort(entry.run_slug)
        except RunStateError:
            pass  # it ended meanwhile
        except CoreClawError as exc:
            self.tally.events.append(f"could not stop run {entry.run_slug}: {exc}")
            return
        self.tally.events.append(f"stopped run {entry.run_slug} of {entry.job_id}: its start "
                                 "was in flight when the batch was aborted")  # fmt: skip

    # -- starting -------------------------------------------------------------------------

    def _start(self, entry: Entry) -> str:
        """Start one job; returns "started", "not now", "failed" or "unknown".

        Without sending anything: "aborted" (the batch was) or "claimed" (another
        process took the job first).
        """
        job = self.jobs[entry.job_id]
        # Written (and on disk) before the request leaves: a kill from here on is resolved.
        # The claim fails after an abort, or when another process claimed this entry.
        sent_at = _now()
        if not self.ledger.claim(entry.job_id, sent_at, epoch=self.epoch):
            self._reload()
            return "aborted" if self._check_abort() else "claimed"
        entry.state, entry.sent_at, entry.attempts = "starting", sent_at, entry.attempts + 1
        try:
            run = self.client.start_run(
                self.worker_slug, job.custom, system=self.system, version=self.version
            )
        except CoreClawError as exc:
            return self._refused(entry, exc)
        self.tally.started += 1
        # The reply is the truth, even where abort() adopted a run for this start meanwhile.
        self._set(entry, state="started", run_slug=run.slug, started_at=_now(), err_msg=None)
        self._stop_if_aborted(entry)
        return "started"

    def _refused(self, entry: Entry, exc: CoreClawError) -> str:
        if exc.run_may_exist:
            if not self._set(entry, only_from=("starting",), state="unknown", err_msg=str(exc)):
                return "unknown"  # abort() found its run meanwhile and stopped it
            self.tally.events.append(f"start outcome unknown for {entry.job_id}: looking it up")
            return "unknown"
        if isinstance(exc, TransportError):
            self._set(entry, state="pending", attempts=entry.attempts - 1)
            raise exc  # never reached the platform: the network, not this input
        code = exc.code if isinstance(exc, APIError) else None
        if code in NOT_NOW_CODES:
            self._set(entry, state="pending", attempts=entry.attempts - 1)
            self.tally.refused += 1
            if code == PLAN_LIMIT_CODE:
                self._learn_limit()
            return "not now"
        if code in STOP_CODES:
            self._set(entry, state="pending", attempts=entry.attempts - 1)
            self.tally.stopped = f"{exc} Nothing more was started."
            return "not now"
        self._set(entry, state="failed", err_msg=f"not started: {exc}", finished_at=_now())
        return "failed"

    def _learn_limit(self) -> None:
        """The plan refused a start: learn how many runs it allows from what was seen.

        Runs a poll saw unfinished were all executing at once, so the plan allows at
        least the most ever seen; the refusal says it allows no more than were executing.
        A run that ended between the refusal and the poll would make the count after it
        too low for good, so the larger of the two is kept.
        """
        self._poll()
        executing = max(len(self._running()), self.max_seen)
        if executing:
            learned = executing if self.limit is None else min(self.limit, executing)
            self.limit = self.tally.limit_learned = learned
        # No run of ours executing: the plan is full of other runs; wait, limit unchanged.

    # -- following runs -------------------------------------------------------------------

    def _poll(self) -> bool:
        """Refresh the running runs: one run-list page, then detail for any not on it."""
        running = {e.run_slug: e for e in self._running() if e.run_slug}
        if not running:
            return False
        seen: dict[str, Run] = {}
        try:
            _, page = self.client.runs_page(page_size=100, scraper_slug=self.worker_slug)
            seen = {run.slug: run for run in page if run.slug in running}
        except CoreClawError:
            pass  # the detail reads below cover every run
        changed = False
        for slug, entry in running.items():
            run = seen.get(slug)
            if run is None or run.status is RunStatus.FAILED and not run.err_msg:
                run = self.client.run(slug)
            changed |= self._record(entry, run)
        self.max_seen = max(self.max_seen, len(self._running()))
        return changed

    def _poll_cap(self, initial: float, maximum: float) -> float:
        """The longest wait between polls: a tenth of a typical run, within the policy.

        One poll covers every run, so short runs are polled often enough that a freed
        slot is filled within a tenth of a run, while long runs back off to the maximum.
        """
        if not self.lifetimes:
            return maximum
        typical = sorted(self.lifetimes)[len(self.lifetimes) // 2]
        return max(initial, min(maximum, typical / 10))

    def _record(self, entry: Entry, run: Run) -> bool:
        before = (entry.state, entry.results, entry.usage)
        fields: dict[str, Any] = {"results": run.results, "usage": float(run.usage)}
        if run.status.is_terminal:
            if entry.state == "started" and entry.started_at:
                self.lifetimes.append(_now() - entry.started_at)  # as this client saw it
            fields["state"] = "succeeded" if run.succeeded else "failed"
            fields["err_msg"] = run.err_msg or None
            fields["finished_at"] = _stamp(run.finished_at) or _now()
        if (fields.get("state", entry.state), fields["results"], fields["usage"]) != before:
            self._set(entry, **fields)
            return True
        return False

    # -- unknown outcomes -----------------------------------------------------------------

    def resolve(self) -> None:
        """Settle each start whose outcome is unknown from the run history.

        A run of this Worker started from a minute before the start was sent, owned by no
        batch entry, is that start's run (the earliest first: starts are sent one at a
        time). With none found, the start counts as never made once
        ``UNKNOWN_GRACE_SECONDS`` have passed; until then nothing new is started.
        """
        uncertain = self._uncertain()
        if not uncertain:
            return
        found = find_runs(
            self.client, self.worker_slug, self.jobs, uncertain, self.ledger.claimed_runs()
        )
        for entry in uncertain:
            match = found.get(entry.job_id)
            if match is not None:
                adopted = self._set(
                    entry,
                    only_from=UNSETTLED,
                    state="started",
                    run_slug=match.slug,
                    started_at=_stamp(match.started_at) or _now(),
                )
                if adopted:
                    self.tally.events.append(f"re-attached {entry.job_id} to run {match.slug}")
                    self._record(entry, match)
                    self._stop_if_aborted(entry)
            elif past_grace(entry):
                # It never reached the platform; if aborted since, it is not started again.
                aborted = self._sent_before_abort(entry)
                state, msg = ("skipped", ABORTED) if aborted else ("pending", None)
                self._set(entry, only_from=UNSETTLED, state=state, err_msg=msg)


def _now() -> float:
    return _clock.utc_now().timestamp()


def _stamp(moment: datetime | None) -> float | None:
    return moment.timestamp() if moment else None
