"""Reading long lists page by page: a run's result rows and the run history.

Pure orchestration over a :class:`~.wire.Wire` (:mod:`.v1` / :mod:`.v2`): which pages to ask
for, in what order, how many at once, and when to stop. No HTTP here.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future
from datetime import UTC, date, datetime, timedelta, tzinfo
from queue import SimpleQueue
from typing import Any

from .. import _clock, _config
from ..exceptions import InvalidRequestError
from ..models import ID_COLUMN, ResultPage, Run, RunStatus
from .polling import failure_reason
from .seen import SeenIds
from .tally import ReadTally
from .wire import Wire


def result_pages(
    wire: Wire,
    run_slug: str,
    *,
    page_size: int,
    concurrency: int,
    max_rows: int | None = None,
    expected: int | None = None,
    tally: ReadTally | None = None,
) -> Iterator[ResultPage]:
    """Every result page in order, fetching several at once, to the known total.

    The first page tells the total (``count``; ``expected``, the run's own row count,
    when larger); the rest are fetched ``concurrency`` at a time and yielded in
    order. Every page is read up to the total: a page that comes back with fewer
    rows than its place implies (short, empty, ``data: null``, or rows already
    read) is read again, up to ``_config.SHORT_PAGE_RETRIES`` times, and if it
    stays short the read goes on and ``tally`` records it (docs/platform.md §4.1:
    ``count`` is the run's total). Rows are de-duplicated by
    ``__coreclaw_data_id__``; rows without one are kept. A run still going may grow
    past that total, so full pages keep being followed until a short one. If the
    server rejects the page size (4000), smaller sizes are tried.

    Args:
        wire: The API version's wire.
        run_slug: The run.
        page_size: Rows per page asked for.
        concurrency: Pages fetched at once.
        max_rows: Stop after this many rows.
        expected: The run's row count (``Run.results``), when known.
        tally: Filled with what the read found, for a completeness check.
    """
    reader = PageReader(wire, run_slug, max_rows, tally if tally is not None else ReadTally())
    yield from _result_pages(reader, page_size, concurrency, expected)
    reader.finish()


def _result_pages(
    reader: PageReader, page_size: int, concurrency: int, expected: int | None
) -> Iterator[ResultPage]:
    wire, run_slug = reader.wire, reader.run_slug
    first, size = first_page(wire, run_slug, page_size)
    reader.size = size
    reader.learn(max(first.count, expected or 0))
    page = reader.settle(first)
    yield page
    if reader.done or (not reader.was_full and reader.tally.expected <= size):
        return
    last_full = True
    next_index = 2
    planned = -(-reader.tally.expected // size)
    for fetched in _concurrently(wire, run_slug, size, 2, planned, concurrency):
        page = reader.settle(fetched)
        next_index = fetched.page_index + 1
        yield page
        last_full = reader.was_full
        if reader.done:
            return
    # Rows added while we read (a running run): follow full pages to the end.
    while last_full and not reader.done:
        fetched = wire.results_page(run_slug, page_index=next_index, page_size=size)
        if not fetched.rows and not fetched.non_objects:
            return
        yield reader.settle(fetched)
        last_full = reader.was_full
        next_index += 1


class PageReader:
    """De-duplicates, retries short pages and counts: the state of one read."""

    def __init__(self, wire: Wire, run_slug: str, max_rows: int | None, tally: ReadTally) -> None:
        self.wire = wire
        self.run_slug = run_slug
        self.max_rows = max_rows
        self.tally = tally
        self.size = 0
        self.was_full = False
        self._total = 0
        self._seen = SeenIds()

    def learn(self, total: int) -> None:
        """Raise the known total (a running run grows while it is read)."""
        self._total = max(self._total, total)
        self.tally.expected = (
            self._total if self.max_rows is None else min(self._total, self.max_rows)
        )

    @property
    def done(self) -> bool:
        """True once ``max_rows`` rows were kept."""
        return self.max_rows is not None and self.tally.rows >= self.max_rows

    def _wanted(self, index: int) -> int:
        return max(0, min(self.size, self._total - (index - 1) * self.size))

    def finish(self) -> None:
        """Count the ids kept twice too far apart to drop (once, when the read ends)."""
        self.tally.repeated = self._seen.repeats()

    def _fresh(self, page: ResultPage) -> list[dict[str, Any]]:
        fresh, ids = [], set()
        for row in page.rows:
            key = row.get(ID_COLUMN)
            if key is not None and not isinstance(key, (dict, list)):
                if key in self._seen or key in ids:
                    continue
                ids.add(key)
            fresh.append(row)
        return fresh

    def settle(self, page: ResultPage) -> ResultPage:
        """The page's new rows, after reading it again while it is short of its place."""
        self.learn(page.count)
        index = page.page_index
        fresh = self._fresh(page)
        for attempt in range(_config.SHORT_PAGE_RETRIES):
            if len(fresh) + page.non_objects >= self._wanted(index):
                break
            self.tally.retries += 1
            # A hiccup (an empty page, `data: null`) is often gone a moment later.
            time.sleep(_config.SHORT_PAGE_BACKOFF * (attempt + 1))
            again = self.wire.results_page(self.run_slug, page_index=index, page_size=self.size)
            self.learn(again.count)
            again_fresh = self._fresh(again)
            if len(again_fresh) + again.non_objects > len(fresh) + page.non_objects:
                page, fresh = again, again_fresh
        wanted = self._wanted(index)
        if len(fresh) + page.non_objects < wanted:
            self.tally.short_pages.append((index, len(fresh) + page.non_objects, wanted))
        self.was_full = len(page.rows) + page.non_objects >= self.size
        self.tally.duplicates += len(page.rows) - len(fresh)
        if self.max_rows is not None:
            fresh = fresh[: max(0, self.max_rows - self.tally.rows)]
        for row in fresh:
            key = row.get(ID_COLUMN)
            if key is None or isinstance(key, (dict, list)):
                self.tally.without_id += 1
            else:
                self._seen.add(key)
        self.tally.rows += len(fresh)
        self.tally.non_objects += page.non_objects
        return ResultPage(page.count, page.headers, fresh, index, page.page_size, page.non_objects)


def first_page(wire: Wire, run_slug: str, size: int) -> tuple[ResultPage, int]:
    """Page 1 and the page size the server took (stepping down on a 4000)."""
    sizes = [size] + [s for s in _config.PAGE_SIZE_STEPS if s < size]
    for i, candidate in enumerate(sizes):
        try:
            page = wire.results_page(run_slug, page_index=1, page_size=candidate)
            return page, page.page_size
        except InvalidRequestError:
            if i == len(sizes) - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _concurrently(
    wire: Wire, run_slug: str, size: int, first: int, last: int, concurrency: int
) -> Iterator[ResultPage]:
    if last < first:
        return
    # Daemon threads, not a ThreadPoolExecutor: the executor's threads are joined on the
    # way out and again at interpreter exit, so after Ctrl-C a page still retrying would
    # hold the caller (and then the process) for as long as its retries last.
    jobs: SimpleQueue[tuple[int, Future[ResultPage]] | None] = SimpleQueue()

    def work() -> None:
        while (job := jobs.get()) is not None:
            index, future = job
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(wire.results_page(run_slug, page_index=index, page_size=size))
            except BaseException as exc:  # handed to the reader, who raises it
                future.set_exception(exc)

    workers = min(concurrency, last - first + 1)
    for n in range(workers):
        threading.Thread(target=work, name=f"coreclaw-page-{n}", daemon=True).start()
    pending: deque[Future[ResultPage]] = deque()
    index = first
    try:
        while pending or index <= last:
            # Two pages queued per worker keeps every connection busy.
            while index <= last and len(pending) < concurrency * 2:
                pending.append(Future())
                jobs.put((index, pending[-1]))
                index += 1
            yield pending.popleft().result()
    finally:
        # Never join: a page still in flight is abandoned and its thread ends on its own.
        for future in pending:
            future.cancel()
        for _ in range(workers):
            jobs.put(None)


def runs(
    wire: Wire,
    *,
    page_size: int,
    status: RunStatus | None,
    scraper_slug: str | None,
    limit: int | None,
    since: datetime | None,
    until: datetime | None,
) -> Iterator[Run]:
    """Runs of the history, newest first; see :meth:`Client.iter_runs`."""
    since, until = _utc(since), _utc(until)
    if wire.month_window:
        until = until or _clock.utc_now()
        since = since or until - timedelta(days=_config.HISTORY_DAYS)
        windows: list[tuple[int | None, int | None]] = list(month_windows(since, until))
    else:
        windows = [(None, None)]
    seen: set[str] = set()
    for start, end in windows:
        for run in _runs_between(wire, page_size, status, scraper_slug, start, end):
            started = run.started_at
            if started is not None and until is not None and started >= until:
                continue
            if started is not None and since is not None and started < since:
                if not wire.month_window:
                    return  # newest first: everything after this is older still
                continue
            # The windows never overlap; this only guards against a server that
            # lists one run twice (e.g. a run moving between pages while we read).
            if run.slug in seen:
                continue
            seen.add(run.slug)
            yield run
            if limit is not None and len(seen) >= limit:
                return


def _runs_between(
    wire: Wire,
    page_size: int,
    status: RunStatus | None,
    scraper_slug: str | None,
    start: int | None,
    end: int | None,
) -> Iterator[Run]:
    size = min(page_size, wire.max_page_size or page_size)
    page_index = 1
    while True:
        count, found = wire.runs_page(
            page_index=page_index,
            page_size=size,
            status=status,
            scraper_slug=scraper_slug,
            start_time=start,
            end_time=end,
        )
        yield from found
        if len(found) < size or page_index * size >= count:
            return
        page_index += 1


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def month_windows(
    since: datetime, until: datetime, *, zone: tzinfo = _config.PLATFORM_ZONE
) -> list[tuple[int, int]]:
    """The v2 run-list queries that cover ``[since, until)``, newest first.

    Each pair is ``(start_time, end_time)`` in Unix seconds, as the platform reads
    them: ``end_time`` names a day (its 00:00 in ``zone``) and the platform adds
    86,400 s, so a pair covers ``[start_time, end_time + 86400)``. Each pair lies
    inside one calendar month of ``zone`` (the platform refuses one that crosses a
    month), both ends fall on day boundaries so that ``start_time <= end_time``,
    and consecutive pairs meet without overlapping. The caller trims the runs to
    the exact ``[since, until)``.

    Args:
        since: First instant wanted (aware).
        until: First instant not wanted (aware).
        zone: The platform's calendar (Beijing time).
    """
    if until <= since:
        return []
    first_day = since.astimezone(zone).date()
    last_day = (until - timedelta(microseconds=1)).astimezone(zone).date()
    windows = []
    month = last_day.replace(day=1)
    while True:
        following = (month + timedelta(days=32)).replace(day=1)
        low = max(month, first_day)
        high = min(following - timedelta(days=1), last_day)
        windows.append((_midnight(low, zone), _midnight(high, zone)))
        if month <= first_day:
            return windows
        month = (month - timedelta(days=1)).replace(day=1)


def _midnight(day: date, zone: tzinfo) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=zone).timestamp())


def with_failure_reason(wire: Wire, run: Run, *, page_size: int) -> Run:
    """``run``, with the reason of a Failed run that came without one filled in.

    v2 detail has no ``err_msg`` in production; the run list has it, so the entry of
    the run in the history around its start is read, else its log's last error line.
    """
    if run.status is not RunStatus.FAILED or run.err_msg:
        return run
    since = run.started_at
    # A generator: the history is read only if iterated, and only around the run's start.
    listed = runs(
        wire,
        page_size=page_size,
        status=RunStatus.FAILED,
        scraper_slug=run.scraper_slug or None,
        limit=_config.REASON_SCAN,
        since=since,
        until=since + timedelta(seconds=1) if since else None,
    )
    reason = failure_reason(run, listed=listed, log=lambda: wire.log(run.slug))
    return dataclasses.replace(run, err_msg=reason) if reason else run
