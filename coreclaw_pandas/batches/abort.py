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
from collections.abc import Mapping
from dataclasses import dataclass, field

from .. import _clock
from ..client import Client
from ..exceptions import CoreClawError
from .inputs import Job
from .ledger import Entry, Ledger
from .lookup import UNSETTLED, find_runs, history_hint, past_grace
from .scheduler import ABORTED

__all__ = ["AbortReport", "BatchAbortWarning", "abort_batch", "unsettled_message"]

#: How often the ledger and the run history are read while starts are in flight.
_SETTLE_POLL_SECONDS = 0.25


class BatchAbortWarning(UserWarning):
    """``batch.abort()`` could not settle every start: some input may still have a run."""


@dataclass
class AbortReport:
    """What an abort did.

    Attributes:
        stopped: Run slugs asked to stop.
        skipped: Inputs' runs that will never start (their entries were pending).
        unsettled: Entries whose start may have made a run that nobody found.
        events: One line per start settled from the run history.
    """

    stopped: list[str] = field(default_factory=list)
    skipped: int = 0
    unsettled: list[Entry] = field(default_factory=list)
    events: list[str] = field(default_factory=list)


def abort_batch(
    client: Client,
    worker_slug: str,
    jobs: Mapping[str, Job],
    ledger: Ledger,
    *,
    timeout: float,
) -> AbortReport:
    """Abort a batch: no start after this, every run it made asked to stop.

    Args:
        client: The client.
        worker_slug: The Worker's id, as run records name it.
        jobs: The batch's jobs by job_id.
        ledger: The batch's ledger.
        timeout: Seconds to wait at most for starts in flight to settle.

    Returns:
        The report; ``unsettled`` lists the starts that may still have a running run.
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
        if not unsettled or time.monotonic() >= deadline:
            report.unsettled = unsettled
            return report
        time.sleep(_SETTLE_POLL_SECONDS)


def unsettled_message(worker_slug: str, report: AbortReport, batch_name: str) -> str:
    """The warning for starts an abort could not settle: which inputs, how to look."""
    lines = [
        f"batch.abort() of batch {batch_name!r} could not tell whether {len(report.unsettled)} "
        "start(s) made a run; such a run may still be running (and costing). Look for each "
        "in the run history and stop it with cc.abort(run_slug):"
    ]
    for entry in report.unsettled:
        inputs = ", ".join(entry.input_ids)
        lines.append(f"  input_id {inputs}: {history_hint(worker_slug, entry)}")
    lines.append("batch.abort() again settles them once their run shows up in the history.")
    return "\n".join(lines)


def _settle(
    client: Client,
    worker_slug: str,
    jobs: Mapping[str, Job],
    ledger: Ledger,
    unsettled: list[Entry],
    report: AbortReport,
) -> list[Entry]:
    """Settle what the run history can; returns the entries still unsettled."""
    try:
        found = find_runs(client, worker_slug, jobs, unsettled, ledger.claimed_runs())
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
    report.stopped.append(run_slug)
    try:
        client.abort(run_slug)
    except CoreClawError:
        pass  # it ended meanwhile: nothing to stop


def _now() -> float:
    return _clock.utc_now().timestamp()
