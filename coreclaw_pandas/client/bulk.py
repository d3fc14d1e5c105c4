"""The bulk read of a run's result pages: raw replies, many in flight, decoded in batches.

:func:`table_pages` reads the same pages as :func:`.paging.result_pages`, with the same
rules (short pages read again, rows de-duplicated by ``__coreclaw_data_id__``, the count
checked), but skips the per-row Python work: each page's reply is kept as bytes
(:mod:`.raw`) and handed, a batch at a time, to a ``decode`` function (the frames side
parses them into Arrow). A reply the decoder refuses is read the general way, from the
same bytes. Pages in flight follow the round trip (:class:`.window.InFlight`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from typing import Any

from ..models import ResultPage, TablePage
from . import envelope
from .paging import PageReader, first_page
from .raw import RawPages, parsed_page
from .tally import ReadTally
from .transport import Transport
from .window import InFlight
from .wire import PageRequest, Wire

__all__ = ["AHEAD", "BATCH_PAGES", "Decoder", "page_range", "table_pages"]

#: ``decode(bodies)``: one TablePage per reply, or None for a reply it cannot take.
Decoder = Callable[[Sequence[bytes], Sequence[PageRequest]], list[TablePage | None]]

#: Pages decoded at once: large enough that Arrow's per-call cost is noise.
BATCH_PAGES = 32
#: Replies fetched ahead of the caller, besides the window: two batches keep the
#: fetching going while one is decoded, and bound what is held in memory.
AHEAD = 2 * BATCH_PAGES


def _general(body: bytes, request: PageRequest) -> ResultPage:
    """A reply the decoder refused, read the general way (its envelope said code 0)."""
    payload = envelope.decode(body)
    return parsed_page(payload.get("data") if isinstance(payload, dict) else None, request)


class _TableReader(PageReader):
    """:class:`PageReader` for decoded pages: the same rules over the ids, not the rows."""

    def settle_table(self, page: TablePage) -> TablePage | None:
        """The page as it is, or None when its rows need the general rules.

        A page that is short, holds rows already read or has more rows than ``max_rows``
        leaves is read as dicts from the same reply, whose rules (the re-reads,
        de-duplication, the cap) then apply row by row.
        """
        self.learn(page.count)
        clean = self._unique(page.ids)
        capped = self.max_rows is not None and self.tally.rows + page.row_count > self.max_rows
        if not clean or capped or page.row_count < self._wanted(page.page_index):
            return None
        self.was_full = page.row_count >= self.size
        keys = [key for key in page.ids if key is not None]
        self.tally.without_id += page.row_count - len(keys)
        self._seen.update(keys)
        self.tally.rows += page.row_count
        return page

    def _unique(self, ids: list[Any]) -> bool:
        """No id repeats, on the page or from earlier pages (rows without one aside)."""
        keys = [key for key in ids if key is not None]
        return len(set(keys)) == len(keys) and self._seen.isdisjoint(keys)


def table_pages(
    wire: Wire,
    http: Transport,
    run_slug: str,
    *,
    decode: Decoder,
    page_size: int,
    concurrency: int,
    max_rows: int | None = None,
    expected: int | None = None,
    tally: ReadTally | None = None,
) -> Iterator[ResultPage | TablePage]:
    """Every result page in order, decoded in batches; see :func:`.paging.result_pages`.

    Args:
        wire: The API version's wire.
        http: The transport whose key, timeouts and retry counts the calls use.
        run_slug: The run.
        decode: Turns a batch of raw replies into :class:`~coreclaw_pandas.models.TablePage`
            objects (None for a reply it cannot take, which is then read as JSON).
        page_size: Rows per page asked for.
        concurrency: The first window of pages in flight (it then follows the round trip).
        max_rows: Stop after this many rows.
        expected: The run's row count, when known.
        tally: Filled with what the read found.
    """
    reader = _TableReader(wire, run_slug, max_rows, tally if tally is not None else ReadTally())
    yield from _table_pages(reader, http, decode, page_size, concurrency, expected)
    reader.finish()


def _table_pages(
    reader: _TableReader,
    http: Transport,
    decode: Decoder,
    page_size: int,
    concurrency: int,
    expected: int | None,
) -> Iterator[ResultPage | TablePage]:
    wire, run_slug = reader.wire, reader.run_slug
    first, size = first_page(wire, run_slug, page_size)
    reader.size = size
    reader.learn(max(first.count, expected or 0))
    yield reader.settle(first)
    if reader.done or (not reader.was_full and reader.tally.expected <= size):
        return
    planned = -(-reader.tally.expected // size)
    requests = [
        wire.page_request(run_slug, page_index=i, page_size=size) for i in range(2, planned + 1)
    ]
    yield from _read(reader, http, requests, decode, concurrency)
    if reader.done:
        return
    last_full, next_index = reader.was_full, planned + 1
    # Rows added while we read (a running run): follow full pages to the end.
    while last_full and not reader.done:
        fetched = wire.results_page(run_slug, page_index=next_index, page_size=size)
        if not fetched.rows and not fetched.non_objects:
            return
        yield reader.settle(fetched)
        last_full = reader.was_full
        next_index += 1


def page_range(
    wire: Wire,
    http: Transport,
    run_slug: str,
    *,
    first: int,
    last: int,
    page_size: int,
    total: int,
    decode: Decoder,
    concurrency: int,
    tally: ReadTally | None = None,
) -> Iterator[ResultPage | TablePage]:
    """Pages ``first`` to ``last`` of a run of ``total`` rows, by the bulk path.

    For a reader of one slice of a run (a Dask partition): the same rules as
    :func:`table_pages` (short pages read again, ids de-duplicated within the slice),
    without the first page's probing.
    """
    reader = _TableReader(wire, run_slug, None, tally if tally is not None else ReadTally())
    reader.size = page_size
    reader.learn(total)
    requests = [
        wire.page_request(run_slug, page_index=i, page_size=page_size)
        for i in range(first, last + 1)
    ]
    yield from _read(reader, http, requests, decode, concurrency)
    reader.finish()


def _read(
    reader: _TableReader,
    http: Transport,
    requests: list[PageRequest],
    decode: Decoder,
    concurrency: int,
) -> Iterator[ResultPage | TablePage]:
    window = InFlight(concurrency)
    raw = RawPages(http, window)
    try:
        for batch in _batches(_in_order(raw, requests, window), BATCH_PAGES):
            bodies = [(got, req) for got, req in batch if isinstance(got, bytes)]
            decoded = iter(decode([b for b, _ in bodies], [r for _, r in bodies]) if bodies else [])
            settled: list[ResultPage | TablePage] = []
            for got, req in batch:
                page = next(decoded) if isinstance(got, bytes) else None
                table = reader.settle_table(page) if page is not None else None
                if table is not None:
                    settled.append(table)
                else:
                    general = _general(got, req) if isinstance(got, bytes) else got
                    settled.append(reader.settle(general))
                if reader.done:
                    break
            yield from _joined(settled)
            if reader.done:
                return
    finally:
        raw.close()


def _joined(pages: list[ResultPage | TablePage]) -> Iterator[ResultPage | TablePage]:
    """Consecutive slices of one decoded batch as one page: fewer, longer Arrow chunks."""
    run: list[TablePage] = []

    def flush() -> Iterator[TablePage]:
        if len(run) == 1:
            yield run[0]
        elif run:
            first, last = run[0], run[-1]
            rows = sum(page.row_count for page in run)
            ids = [key for page in run for key in page.ids]
            table = first.batch.slice(first.offset, rows)
            headers = next((p.headers for p in reversed(run) if p.headers), [])
            yield TablePage(
                last.count, headers, table, ids, last.page_index, last.page_size,
                first.batch, first.offset,
            )  # fmt: skip
        run.clear()

    for page in pages:
        if isinstance(page, TablePage) and page.batch is not None:
            previous = run[-1] if run else None
            if previous is None or (
                previous.batch is page.batch and previous.offset + previous.row_count == page.offset
            ):
                run.append(page)
                continue
            yield from flush()
            run.append(page)
            continue
        yield from flush()
        yield page
    yield from flush()


def _batches(
    pages: Iterator[tuple[bytes | ResultPage, PageRequest]], size: int
) -> Iterator[list[tuple[bytes | ResultPage, PageRequest]]]:
    batch = []
    for item in pages:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _in_order(
    raw: RawPages, requests: list[PageRequest], window: InFlight
) -> Iterator[tuple[bytes | ResultPage, PageRequest]]:
    """Each page's reply, in order, with up to ``window.size`` pages in flight.

    The fetching threads take the next request themselves, so they keep going while
    the caller decodes a batch; they stop ``AHEAD`` pages past what the caller has
    taken, which bounds the replies held in memory.
    """
    futures: list[Future[bytes | ResultPage]] = [Future() for _ in requests]
    state = {"next": 0, "active": 0, "taken": 0, "stop": 0}
    changed = threading.Condition()

    def may_start() -> bool:
        ahead = state["next"] - state["taken"]
        return bool(state["stop"]) or (
            state["next"] < len(requests)
            and state["active"] < window.size
            and ahead < window.size + AHEAD
        )

    # Daemon threads, not a ThreadPoolExecutor, as in paging: after Ctrl-C a page still
    # retrying must not hold the caller (see paging._concurrently).
    def work() -> None:
        while True:
            with changed:
                changed.wait_for(may_start)
                if state["stop"]:
                    return
                index = state["next"]
                state["next"] += 1
                state["active"] += 1
            future = futures[index]
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(raw.fetch(requests[index]))
                except BaseException as exc:  # handed to the reader, who raises it
                    future.set_exception(exc)
            with changed:
                state["active"] -= 1
                changed.notify()  # one waiting thread may take this one's place

    started = 0
    try:
        for index, request in enumerate(requests):
            # One thread per page the window allows in flight, started as it grows.
            while started < min(window.size, len(requests)):
                name = f"coreclaw-bulk-{started}"
                threading.Thread(target=work, name=name, daemon=True).start()
                started += 1
            reply = futures[index].result()
            futures[index] = Future()  # drop the reply: the caller holds it now
            with changed:
                state["taken"] = index + 1
                changed.notify()
            yield reply, request
    finally:
        with changed:
            state["stop"] = 1
            changed.notify_all()
        for future in futures:
            future.cancel()
