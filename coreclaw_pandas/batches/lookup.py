"""Finding the run of a start whose outcome is unknown, in the run history.

The run history does not hold a run's input, so a start is matched by Worker and time:
a run of the same Worker started from a minute before the start was sent (clock skew),
owned by no batch entry, and, when its rows echo an input, echoing this job's. Both the
scheduler (before starting anything again) and ``Batch.abort`` (to stop a run whose
start was in flight) use :func:`find_runs`, so the two never disagree on which run a
start became.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta

from .. import _clock
from ..client import Client
from ..exceptions import CoreClawError
from ..models import Run
from .inputs import Job
from .ledger import Entry

__all__ = ["SKEW", "UNKNOWN_GRACE_SECONDS", "UNSETTLED", "find_runs", "history_hint", "past_grace"]

#: An unknown start with no run found after this long never reached the platform:
#: a start's reply comes within the read timeout (60 s), plus a minute for clock skew.
UNKNOWN_GRACE_SECONDS = 120.0
#: Ledger states of a start whose outcome is not known yet.
UNSETTLED = ("starting", "unknown")
#: The run history is searched from this long before a start was sent (clock skew).
SKEW = timedelta(minutes=1)


def find_runs(
    client: Client,
    worker_slug: str,
    jobs: Mapping[str, Job],
    entries: Iterable[Entry],
    claimed: set[str],
) -> dict[str, Run]:
    """The run each unsettled entry became, by job_id; entries with none found are absent.

    Args:
        client: The client.
        worker_slug: The Worker's id, as run records name it.
        jobs: The batch's jobs by job_id (for the inputs their rows may echo).
        entries: The entries to settle.
        claimed: Run slugs that some entry already owns (never adopted twice); an
            entry's own run_slug is not held against it.

    The earliest run goes to the earliest start: starts are sent one at a time.
    """
    uncertain = sorted(entries, key=lambda e: e.sent_at or 0.0)
    if not uncertain:
        return {}
    taken = claimed - {e.run_slug for e in uncertain if e.run_slug}
    since = datetime.fromtimestamp(min(e.sent_at or 0.0 for e in uncertain), UTC) - SKEW
    candidates = sorted(
        (
            run
            for run in client.iter_runs(scraper_slug=worker_slug, since=since)
            if run.slug not in taken
        ),
        key=lambda run: run.started_at or datetime.max.replace(tzinfo=UTC),
    )
    found: dict[str, Run] = {}
    for entry in uncertain:
        sent = datetime.fromtimestamp(entry.sent_at or 0.0, UTC)
        match = next(
            (
                run
                for run in candidates
                if _after(run, sent - SKEW) and _echo_fits(client, jobs[entry.job_id], run)
            ),
            None,
        )
        if match is not None:
            candidates.remove(match)
            found[entry.job_id] = match
    return found


def past_grace(entry: Entry) -> bool:
    """True when a start with no run found has been unknown too long to have arrived."""
    return _clock.utc_now().timestamp() - (entry.sent_at or 0.0) > UNKNOWN_GRACE_SECONDS


def history_hint(worker_slug: str, entry: Entry) -> str:
    """How to look for an entry's run by hand: the run-history call, times in UTC."""
    since = f"{datetime.fromtimestamp(entry.sent_at or 0.0, UTC) - SKEW:%Y-%m-%d %H:%M}"
    return f"cc.runs_df(scraper_slug={worker_slug!r}, since={since!r})"


def _echo_fits(client: Client, job: Job, run: Run) -> bool:
    """False only when the run's rows echo inputs and none of this job's."""
    echoes = {text for texts in job.echoes.values() for text in texts}
    if not echoes or not run.results:
        return True
    try:
        rows = client.results_page(run.slug, page_size=20).rows
    except CoreClawError:
        return True
    values = {str(v).strip() for row in rows for v in row.values() if isinstance(v, str)}
    return bool(values & echoes)


def _after(run: Run, moment: datetime) -> bool:
    return run.started_at is None or run.started_at >= moment
