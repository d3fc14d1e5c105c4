"""Following a run while it goes: the paced poll loop under ``cc.stream_results``.

A poll reads the result page where the last one ended (never from the start again)
and, when that found nothing new, the run's detail, to learn whether it has ended.
Every request goes through a :class:`Pacer`, which keeps a run to at most
``max_requests`` detail and result requests in any ``window`` seconds and spaces the
polls by what each one cost, so a fast run is polled as often as the budget allows
and an idle one less. The run's row count trails the rows already served
(docs/platform.md §3.4 calls it "rows so far"), so the loop never stops on it: it
stops once the run is terminal and a drain pass after that finds no more rows.

Time is read and slept through a :class:`LiveClock`, so tests can run the loop on a
clock of their own instead of waiting for real.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol, TypeVar

from .. import _config
from .._warnings import warn
from ..client import Client
from ..exceptions import InvalidRequestError, RunAbortingError, RunTimeoutError
from ..models import ID_COLUMN, ResultHeader, Run, RunStatus
from .results import IncompleteResultsWarning

__all__ = ["Batch", "LiveClock", "Pacer", "RealClock", "follow_rows"]

T = TypeVar("T")

#: The default request budget per run: detail and result requests in any minute.
MAX_REQUESTS_PER_MINUTE = 15
#: Polls after the end that may still find the rows the run's count promises.
DRAIN_POLLS = 5
#: A pause this long after a catch-up read is worth one detail request to shorten.
IDLE_MAX_SECONDS = _config.POLL_MAX
#: Largest page asked for first; a server that refuses it gets the next size down.
PAGE_SIZES = _config.PAGE_SIZE_STEPS
#: The page size each server accepted, so later streams skip the sizes it refused.
_PAGE_SIZE_FOUND: dict[tuple[str, str, int], int] = {}


class LiveClock(Protocol):
    """Where the poll loop reads the time and waits: real time, or a test's own."""

    def monotonic(self) -> float:
        """Seconds on a clock that only goes forward."""

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds``."""


class RealClock:
    """The wall clock: ``time.monotonic`` and ``time.sleep``."""

    def monotonic(self) -> float:
        """Seconds on the monotonic clock."""
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        """Sleep for real."""
        time.sleep(max(0.0, seconds))


class Pacer:
    """At most ``max_requests`` requests in any ``window`` seconds, and the pause between polls.

    Args:
        max_requests: Requests allowed in any window.
        window: The window, in seconds.
        clock: Where time is read and slept.
    """

    def __init__(self, *, max_requests: int, window: float, clock: LiveClock) -> None:
        if max_requests < 1:
            raise ValueError(f"max_requests must be at least 1, got {max_requests!r}")
        self.max_requests = max_requests
        self.window = window
        self.clock = clock
        self.sent: deque[float] = deque()
        self.total = 0
        #: Set once the run has ended: reading its rows is then a bounded read, like
        #: ``results_df``, not polling, so it is not held to the budget.
        self.free = False

    def call(self, fetch: Callable[[], T]) -> T:
        """Make one request, first waiting while the window is full."""
        self.total += 1
        if self.free:
            return fetch()
        now = self.clock.monotonic()
        while self.sent and now - self.sent[0] >= self.window:
            self.sent.popleft()
        if len(self.sent) >= self.max_requests:
            self.clock.sleep(self.sent[0] + self.window - now)
            self.sent.popleft()
        self.sent.append(self.clock.monotonic())
        return fetch()

    def spacing(self, requests: int) -> float:
        """Seconds to wait after a poll that made ``requests`` requests, to stay in budget."""
        return requests * self.window / self.max_requests


@dataclass
class Batch:
    """New rows found by one poll, with what was known about the run then.

    Attributes:
        rows: The rows, in order, none seen before.
        offset: How many rows came before them.
        headers: The Worker's declared columns.
        run: The run as last read (its status may trail the rows).
        final: True on the last batch: the run ended and a drain pass found no more.
        polls: Polls made so far.
        requests: Detail and result requests made so far.
    """

    rows: list[dict[str, Any]]
    offset: int
    headers: list[ResultHeader]
    run: Run
    final: bool = False
    polls: int = 0
    requests: int = 0


@dataclass
class _Cursor:
    """Where the next read starts: a page, and how many of its rows were taken."""

    size: int = 0
    index: int = 1
    taken: int = 0
    rows: int = 0
    headers: list[ResultHeader] = field(default_factory=list)
    seen: set[Any] = field(default_factory=set)
    duplicates: int = 0


def _read_new(c: Client, slug: str, cursor: _Cursor, pacer: Pacer) -> list[dict[str, Any]]:
    """Rows past the cursor: its page again (it was short), then the pages after it."""
    new: list[dict[str, Any]] = []
    while True:
        page = _page(c, slug, cursor, pacer)
        if page.headers:
            cursor.headers = list(page.headers)
        width = len(page.rows) + page.non_objects
        if width < cursor.taken:
            break  # a hiccup (an empty or short page, `data: null`): read it again next poll
        fresh, keys, misplaced = [], set(), False
        for row in page.rows[cursor.taken :]:
            key = row.get(ID_COLUMN)
            if key is not None and not isinstance(key, (dict, list)):
                if key in cursor.seen or key in keys:
                    misplaced = True
                    break
                keys.add(key)
            fresh.append(row)
        if misplaced:
            # Rows already read where new ones belong: a page served from the wrong place.
            # Moving on would skip this page's own rows, so it is read again next poll.
            cursor.duplicates += 1
            break
        cursor.seen |= keys
        new += fresh
        if width < cursor.size:
            cursor.taken = width
            break
        cursor.index, cursor.taken = cursor.index + 1, 0
        if page.count <= (cursor.index - 1) * cursor.size:
            break  # the page count says nothing lies beyond: save the request
    cursor.rows += len(new)
    return new


def _page(c: Client, slug: str, cursor: _Cursor, pacer: Pacer) -> Any:
    if cursor.size:
        return pacer.call(
            lambda: c.results_page(slug, page_index=cursor.index, page_size=cursor.size)
        )
    # The largest page the server takes: fewer requests for the same rows. Each try is a
    # request, so each goes through the pacer, and the size found is remembered per server.
    known = _PAGE_SIZE_FOUND.get((c.base_url, c.api_version, c.page_size))
    sizes = [known] if known else [s for s in PAGE_SIZES if s >= c.page_size] or [c.page_size]
    sizes += [s for s in PAGE_SIZES if s < sizes[-1]]
    for i, size in enumerate(sizes):
        try:
            page = pacer.call(partial(c.results_page, slug, page_index=1, page_size=size))
        except InvalidRequestError:
            if i == len(sizes) - 1:
                raise
            continue
        cursor.size = page.page_size or size
        _PAGE_SIZE_FOUND[(c.base_url, c.api_version, c.page_size)] = cursor.size
        return page
    raise AssertionError("unreachable")  # pragma: no cover


def follow_rows(
    c: Client,
    slug: str,
    *,
    every: float | None = None,
    timeout: float | None = None,
    max_requests_per_minute: int = MAX_REQUESTS_PER_MINUTE,
    clock: LiveClock | None = None,
    on_poll: Callable[[Run, int], None] | None = None,
) -> Iterator[Batch]:
    """Yield each poll's new rows of a run until it has ended and been drained.

    Args:
        c: The client.
        slug: The run.
        every: Seconds between polls at least; None lets the budget set the pace.
        timeout: Seconds to follow at most.
        max_requests_per_minute: Detail and result requests allowed in any minute.
        clock: Where time is read and slept (tests pass their own).
        on_poll: Called after every poll with the run as last read and the rows so far.

    Raises:
        RunTimeoutError: ``timeout`` ran out while the run was still going.
        RunAbortingError: The run still showed Aborting after ``c.poll.aborting_polls``
            detail reads.
    """
    clock = clock or RealClock()
    pacer = Pacer(max_requests=max_requests_per_minute, window=60.0, clock=clock)
    cursor = _Cursor()
    start = clock.monotonic()

    aborting: list[float] = []

    def detail() -> Run:
        run = pacer.call(lambda: c.run(slug))
        pacer.free = run.is_terminal
        if run.status is RunStatus.ABORTING:
            # Production may hold a run in Aborting (docs/platform.md §3.3): give up, as wait does.
            aborting.append(clock.monotonic())
            if len(aborting) > c.poll.aborting_polls:
                raise RunAbortingError(run, aborting[-1] - aborting[0])
        return run

    run = detail()
    polls, drains = 0, 0
    # A quiet run is polled less and less often, as the client's poll policy backs off.
    quiet = c.poll.intervals()
    idle = 0.0
    fresh_detail = True
    while True:
        before = pacer.total
        new = _read_new(c, slug, cursor, pacer)
        if not new and not fresh_detail:
            # Nothing new: perhaps the run has ended. Ask, then read once more (a drain).
            run = detail()
            if run.is_terminal:
                new = _read_new(c, slug, cursor, pacer)
        fresh_detail = False
        polls += 1
        ended = run.is_terminal and not new and cursor.rows >= run.results
        if run.is_terminal and not ended and not new:
            drains += 1
            if drains > DRAIN_POLLS:  # the count promises rows that never came
                ended = True
                warn(
                    IncompleteResultsWarning(
                        f"Run {slug} ended with {run.results:,} rows, but only "
                        f"{cursor.rows:,} could be read after {DRAIN_POLLS} more reads. Read "
                        f"again later with cc.results_df({slug!r})."
                    )
                )
        if on_poll is not None:
            on_poll(run, cursor.rows)
        if new or ended:
            yield Batch(
                new,
                cursor.rows - len(new),
                cursor.headers,
                run,
                final=ended,
                polls=polls,
                requests=pacer.total,
            )
        if ended:
            return
        if timeout is not None and not run.is_terminal and clock.monotonic() - start >= timeout:
            raise RunTimeoutError(run, timeout)
        if run.is_terminal:
            # Ended: read on at once while rows come; a count still ahead gets a moment.
            pause = 0.0 if new else max(every or 0.0, c.poll.initial)
        else:
            # Quiet runs are polled less often, up to a limit; a new row resets the pace.
            if new:
                quiet, idle = c.poll.intervals(), 0.0
            else:
                idle = next(quiet)
            pause = max(every or 0.0, pacer.spacing(pacer.total - before), idle)
            if new and pause > IDLE_MAX_SECONDS:
                # A long catch-up read: the run may have ended meanwhile, and the rest of an
                # ended run is read at once, so one more request may save a long wait.
                run = detail()
                fresh_detail = True
                if run.is_terminal:
                    pause = 0.0
        clock.sleep(pause)
        if new and polls % 4 == 0:
            fresh_detail = True
            run = detail()
