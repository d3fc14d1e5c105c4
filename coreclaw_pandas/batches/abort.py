"""``Batch.abort``: stop new starts, settle the starts in flight, stop every run.

In that order. First the ledger records the abort, after which no start can be claimed
(:meth:`.Ledger.claim`), so the set of starts that may have made a run is closed. Then
every run the ledger knows is stopped, and each start whose outcome is not known yet
(``starting``: in flight, or its process died; ``unknown``: its reply was lost) is
settled: by its reply, when the process that sent it writes the run_slug, or by the
same run-history lookup the scheduler uses (:func:`.lookup.find_runs`). A start still
unsettled when the time is up is reported, never dropped: it may have made a run that
keeps running, and only its caller can look for it.

Nothing here starts a run, and a start is never sent again: a start past the grace
period with no run found is marked ``skipped``, as the scheduler would mark it pending.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from .. import _clock
from ..client import Client
from ..exceptions import CoreClawError, RunStateError
from .inputs import Job
from .ledger import Entry, Ledger
from .lookup import UNSETTLED, find_runs, history_hint, past_grace
from .scheduler import ABORTED

__all__ = ["AbortReport", "BatchAbortWarning", "abort_batch", "abort_warning"]

#: How often the ledger and the run history are read while starts are in flight.
_SETTLE_POLL_SECONDS = 0.25


class BatchAbortWarning(UserWarning):
    """``batch.abort()`` left runs that may still be running: it names each and how to stop it."""


@dataclass
class AbortReport:
    """What an abort did.

    Attributes:
        stopped: Run slugs asked to stop.
        skipped: Inputs' runs that will never start (their entries were pending).
        unsettled: Entries whose start may have made a run that nobody found.
        not_stopped: Run slug -> why the platform could not be asked to stop it.
        events: One line per start settled from the run history.
    """

    stopped: list[str] = field(default_factory=list)
    skipped: int = 0
    unsettled: list[Entry] = field(default_factory=list)
    not_stopped: dict[str, str] = field(default_factory=dict)
    events: list[str] = field(default_factory=list)


def abort_batch(
    client: Client,
    worker_slug: Callable[[], str],
    jobs: Mapping[str, Job],
    ledger: Ledger,
    *,
    timeout: float,
) -> AbortReport:
    """Abort a batch: no start after this, every run it made asked to stop.

    Args:
        client: The client.
        worker_slug: Gives the Worker's id, as run records name it; called only when a
            start needs settling, after the abort is recorded (it may read the network).
        jobs: The batch's jobs by job_id.
        ledger: The batch's ledger.
        timeout: Seconds to wait at most for starts in flight to settle.

    Returns:
        The report; ``unsettled`` and ``not_stopped`` say what may still be running.
    """
    report = AbortReport(skipped=ledger.stop_starting(_now(), err_msg=ABORTED))
    deadline = time.monotonic() + max(0.0, timeout)
    while True:
        entries = {k: v for k, v in ledger.entries().items() if k in jobs}
        # A start refused ("not now") after the abort goes back to pending: skip it too.
        report.skipped += ledger.skip_pending(_now(), err_msg=ABORTED)
        for entry in entries.values():
            if entry.state == "started" and entry.run_slug:
                _stop(client, entry.run_slug, report)
        unsettled = [e for e in entries.values() if e.state in UNSETTLED]
        if unsettled:
            unsettled = _settle(client, worker_slug, jobs, ledger, unsettled, report)
        done = not unsettled and not report.not_stopped
        if done or time.monotonic() >= deadline:
            report.unsettled = unsettled
            return report
        time.sleep(_SETTLE_POLL_SECONDS)


def abort_warning(worker_slug: str, report: AbortReport, batch_name: str) -> str | None:
    """The warning for what an abort could not make sure of, or None when all is stopped."""
    if not report.unsettled and not report.not_stopped:
        return None
    lines = [f"batch.abort() of batch {batch_name!r} left runs that may still be running "
             "(and costing):"]  # fmt: skip
    for slug, why in report.not_stopped.items():
        lines.append(f"  run {slug}: not stopped ({why}); cc.abort({slug!r}) tries again")
    for entry in report.unsettled:
        lines.append(
            f"  input_id {', '.join(entry.input_ids)}: its start may have made a run, not found "
            f"yet; look with {history_hint(worker_slug, entry)}, stop it with cc.abort(run_slug)"
        )
    lines.append("batch.abort() again settles a start once its run shows up in the history.")
    return "\n".join(lines)


def _settle(
    client: Client,
    worker_slug: Callable[[], str],
    jobs: Mapping[str, Job],
    ledger: Ledger,
    unsettled: list[Entry],
    report: AbortReport,
) -> list[Entry]:
    """Settle what the run history can; returns the entries still unsettled."""
    try:
        found = find_runs(client, worker_slug(), jobs, unsettled, ledger.claimed_runs())
    except CoreClawError:
        found = {}  # the history is unreadable now: they stay unsettled (and are reported)
    left = []
    for entry in unsettled:
        run = found.get(entry.job_id)
        if run is not None:
            # Only while the start is still unsettled: a reply written meanwhile names the
            # run for sure, and the next pass stops that one, never a look-alike.
            adopted = ledger.update(
                entry.job_id,
                _now(),
                only_from=UNSETTLED,
                state="started",
                run_slug=run.slug,
                started_at=run.started_at.timestamp() if run.started_at else _now(),
            )
            if adopted:
                report.events.append(f"abort found run {run.slug} of {entry.job_id}")
                _stop(client, run.slug, report)
        elif past_grace(entry):
            # Unknown for longer than any reply takes: it never reached the platform.
            ledger.update(entry.job_id, _now(), only_from=UNSETTLED, state="skipped",
                          err_msg=ABORTED)  # fmt: skip
        else:
            left.append(entry)
    return left


def _stop(client: Client, run_slug: str, report: AbortReport) -> None:
    if run_slug in report.stopped:
        return
    try:
        client.abort(run_slug)
    except RunStateError:
        pass  # it ended meanwhile: nothing to stop
    except CoreClawError as exc:
        report.not_stopped[run_slug] = str(exc)  # asked again on the next pass
        return
    report.not_stopped.pop(run_slug, None)
    report.stopped.append(run_slug)


def _now() -> float:
    return _clock.utc_now().timestamp()
