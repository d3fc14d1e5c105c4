"""Reading long lists page by page: a run's result rows and the run history.

Pure orchestration over a :class:`~.wire.Wire` (:mod:`.v1` / :mod:`.v2`): which pages to ask
for, in what order, how many at once, and when to stop. No HTTP here.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta, tzinfo

from .. import _clock, _config
from ..exceptions import InvalidRequestError
from ..models import ResultPage, Run, RunStatus
from .wire import Wire


def result_pages(
    wire: Wire, run_slug: str, *, page_size: int, concurrency: int, max_rows: int | None = None
) -> Iterator[ResultPage]:
    """Every result page in order, fetching several at once.

    The first page tells the total; the rest are fetched ``concurrency`` at a
    time and yielded in order. A run still going may grow past that total, so
    full pages keep being followed until a short one. If the server rejects the
    page size (4000), smaller sizes are tried.
    """
    first, size = _first_page(wire, run_slug, page_size)
    fetched = len(first.rows)
    yield _trim(first, max_rows)
    target = first.count if max_rows is None else min(first.count, max_rows)
    if fetched < size or (max_rows is not None and fetched >= max_rows):
        return
    last_full = True
    next_index = 2
    for page in _concurrently(wire, run_slug, size, 2, -(-target // size), concurrency):
        next_index = page.page_index + 1
        yield _trim(page, None if max_rows is None else max_rows - fetched)
        fetched += len(page.rows)
        last_full = len(page.rows) == size
        if not last_full or (max_rows is not None and fetched >= max_rows):
            return
    # Rows added while we read (a running run): follow full pages to the end.
    while last_full and (max_rows is None or fetched < max_rows):
        page = wire.results_page(run_slug, page_index=next_index, page_size=size)
        if not page.rows:
            return
        yield _trim(page, None if max_rows is None else max_rows - fetched)
        fetched += len(page.rows)
        last_full = len(page.rows) == size
        next_index += 1


def _first_page(wire: Wire, run_slug: str, size: int) -> tuple[ResultPage, int]:
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
    with ThreadPoolExecutor(concurrency, thread_name_prefix="coreclaw-page") as pool:
        pending: deque[Future[ResultPage]] = deque()
        index = first
        try:
            while pending or index <= last:
                # Two pages queued per worker keeps every connection busy.
                while index <= last and len(pending) < concurrency * 2:
                    pending.append(
                        pool.submit(wire.results_page, run_slug, page_index=index, page_size=size)
                    )
                    index += 1
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()


def _trim(page: ResultPage, left: int | None) -> ResultPage:
    if left is None or len(page.rows) <= left:
        return page
    rows = page.rows[: max(0, left)]
    return ResultPage(page.count, page.headers, rows, page.page_index, page.page_size)


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
