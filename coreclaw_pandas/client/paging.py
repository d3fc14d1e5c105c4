"""Reading long lists page by page: a run's result rows and the run history.

Pure orchestration over a :class:`~.wire.Wire` (:mod:`.v1` / :mod:`.v2`): which pages to ask
for, in what order, how many at once, and when to stop. No HTTP here.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from .. import _config
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
    seen = 0
    windows = _month_windows(since, until) if wire.month_window else [(None, None)]
    for start, end in windows:
        for run in _runs_between(wire, page_size, status, scraper_slug, start, end):
            started = run.started_at
            if started is not None and until is not None and started >= until:
                continue
            if started is not None and since is not None and started < since:
                if not wire.month_window:
                    return  # newest first: everything after this is older still
                continue
            yield run
            seen += 1
            if limit is not None and seen >= limit:
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


def _month_windows(since: datetime | None, until: datetime | None) -> list[tuple[int, int]]:
    """Calendar-month windows (Unix seconds), newest first, covering [since, until)."""
    end = until or datetime.now(UTC)
    start = since or end - timedelta(days=365)
    windows = []
    month = end.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    while True:
        following = (month + timedelta(days=32)).replace(day=1)
        lo, hi = max(month, start), min(following, end)
        if lo < hi:
            windows.append((int(lo.timestamp()), int(hi.timestamp()) - 1))
        if month <= start:
            return windows
        month = (month - timedelta(days=1)).replace(day=1)
