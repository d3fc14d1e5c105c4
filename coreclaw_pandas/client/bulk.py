"""The bulk read of a run's result pages: raw replies, many in flight, decoded in batches.

:func:`table_pages` reads the same pages as :func:`.paging.result_pages`, with the same
rules (short pages read again, rows de-duplicated by ``__coreclaw_data_id__``, the count
checked), but skips the per-row Python work: each page's reply is kept as bytes and
handed, a batch at a time, to a ``decode`` function (the frames side parses them into
Arrow). A reply the decoder refuses is read the general way, from the same bytes.

The calls go out through urllib3 directly, not ``requests``: at thousands of pages a
second, ``requests``' per-call overhead was the largest single cost of a read (issue
profile: 10 of 37 CPU-seconds for a million rows). Retries, the reply deadline, the
size cap and the key's handling follow :mod:`.transport`, whose :class:`~.transport.KeyAuth`
signs each call. A client built with its own ``requests`` session (proxies,
certificates) reads every page through that session instead.

Pages in flight follow the round trip (:class:`.window.InFlight`).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from queue import SimpleQueue
from typing import Any
from urllib.parse import urlencode

import urllib3
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import MaxRetryError

from .. import _config
from ..exceptions import TransportError
from ..models import ResultPage, TablePage
from . import envelope, replies
from .paging import PageReader, ReadTally, first_page
from .transport import Transport
from .window import MAX_IN_FLIGHT, InFlight
from .wire import PageRequest, Wire

__all__ = ["Decoder", "RawPages", "table_pages"]

#: ``decode(bodies)``: one TablePage per reply, or None for a reply it cannot take.
Decoder = Callable[[Sequence[bytes], Sequence[PageRequest]], list[TablePage | None]]

#: A reply whose envelope opens with ``"code": 0`` is a success whatever follows; anything
#: else (another key order, an error) is read by :mod:`.envelope` as every call is.
_SUCCESS = re.compile(rb'\s*\{\s*"code"\s*:\s*0\s*[,}]')
#: Pages decoded at once: large enough that Arrow's per-call cost is noise.
BATCH_PAGES = 32


class _Headers:
    """What :class:`~.transport.KeyAuth` signs: anything with a ``headers`` dict."""

    def __init__(self, headers: dict[str, str]) -> None:
        self.headers = headers


class _Retryable(Exception):
    def __init__(self, final: Exception, refused: bool = False) -> None:
        self.final = final
        self.refused = refused


class RawPages:
    """Sends :class:`~.wire.PageRequest` calls and returns raw successful replies.

    Args:
        http: The client's transport (base URL, key, timeouts, retry counts).
        window: Told about round trips and refusals.
    """

    def __init__(self, http: Transport, window: InFlight) -> None:
        self._http = http
        self._window = window
        self._pool = urllib3.PoolManager(num_pools=2, maxsize=MAX_IN_FLIGHT + 4, block=False)

    def close(self) -> None:
        """Close pooled connections."""
        self._pool.clear()

    def fetch(self, request: PageRequest) -> bytes | ResultPage:
        """The page: the reply's bytes when it is a plain success, else a parsed page.

        Raises:
            APIError: The platform refused the call (after the allowed retries).
            TransportError: No usable reply after the allowed retries.
        """
        if self._http.custom_session or self._http.auth is None:
            # The transport's own session knows the proxies; without a key, it says so.
            data = self._http.call(
                request.method, request.path, policy=request.policy, params=request.params,
                body=request.body, context={"run_slug": request.run_slug},
            )  # fmt: skip
            return _parsed(data, request)
        retry = self._http.retry_policy()
        deadline = time.monotonic() + _config.RETRY_DEADLINE
        while True:
            try:
                return self._attempt(request)
            except _Retryable as failure:
                if failure.refused:
                    self._window.refused()
                try:
                    retry = retry.increment(request.method, request.path, error=failure.final)
                except MaxRetryError:
                    raise failure.final from None
                wait = retry.get_backoff_time()
                if time.monotonic() + wait > deadline:
                    raise failure.final from None
                time.sleep(wait)

    def _attempt(self, request: PageRequest) -> bytes | ResultPage:
        endpoint = f"{request.method} {request.path}"
        url = self._http.base_url + request.path
        if request.params:
            url += "?" + urlencode(request.params)
        headers = {"User-Agent": self._http.user_agent, "Accept": "application/json"}
        body = None
        if request.body is not None:
            body = json.dumps(request.body).encode()
            headers["Content-Type"] = "application/json"
        auth = self._http.auth
        assert auth is not None  # fetch() sends keyless calls through the transport
        auth(_Headers(headers))  # type: ignore[arg-type]  # KeyAuth only sets .headers
        timeout = self._http.timeout
        started = time.monotonic()
        try:
            status, content = self._send(request.method, url, body, headers, timeout)
        except (Urllib3Error, OSError) as exc:
            # The error must not carry this frame: its locals hold the signed headers.
            raise _Retryable(_lost(endpoint, exc)) from None
        finally:
            headers.clear()
        content = auth.redact(content)
        if 200 <= status < 300 and _SUCCESS.match(content):
            self._window.record(time.monotonic() - started)
            return content
        context = {"run_slug": request.run_slug}
        reply = envelope.read(status, content, endpoint=endpoint, context=context)
        if reply.error is None:
            return _parsed(reply.data, request)
        transient = isinstance(reply.error, TransportError)
        policy = request.policy
        if policy.allows_retry(status=status, code=reply.code, transient=transient):
            refused = reply.code in policy.refused_codes or status == 429
            raise _Retryable(reply.error, refused)
        raise reply.error

    def _send(
        self, method: str, url: str, body: bytes | None, headers: dict[str, str], timeout: float
    ) -> tuple[int, bytes]:
        # One deadline for the whole reply, as the transport has: a server trickling a
        # byte a second must not hold the read for ever.
        deadline = time.monotonic() + timeout
        resp = self._pool.request(
            method,
            url,
            body=body,
            headers=headers,
            preload_content=False,
            redirect=False,  # APIs do not redirect; following one could carry the key away
            retries=False,
            timeout=urllib3.Timeout(connect=_config.CONNECT_TIMEOUT, read=timeout),
        )
        try:
            limit = _config.MAX_REPLY_BYTES
            declared = envelope.as_int(resp.headers.get("Content-Length"))
            if declared is not None and declared > limit:
                raise envelope.too_large(url, f"declared {declared:,} bytes", limit)
            chunks, size = [], 0
            while True:
                if time.monotonic() > deadline:
                    raise urllib3.exceptions.ReadTimeoutError(None, url, "no whole reply in time")
                chunk = resp.read1(1 << 17)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
                if size > limit:
                    raise envelope.too_large(url, f"sent more than {limit:,} bytes", limit)
        except BaseException:
            resp.close()
            raise
        resp.release_conn()
        return resp.status, b"".join(chunks)


def _lost(endpoint: str, exc: BaseException) -> TransportError:
    timed_out = isinstance(exc, urllib3.exceptions.TimeoutError)
    what = "got no answer in time" if timed_out else "lost the connection"
    return TransportError(
        f"{endpoint} {what} ({type(exc).__name__}). Check the network and "
        "CORECLAW_BASE_URL, then try again.",
        endpoint=endpoint,
        sent_may_have_arrived=True,
    )


def _parsed(data: Any, request: PageRequest) -> ResultPage:
    return replies.page(data or {}, page_index=request.page_index, page_size=request.page_size)


def _general(body: bytes, request: PageRequest) -> ResultPage:
    """A reply the decoder refused, read the general way (its envelope said code 0)."""
    payload = envelope.decode(body)
    return _parsed(payload.get("data") if isinstance(payload, dict) else None, request)


class _TableReader(PageReader):
    """:class:`PageReader` for decoded pages: the same rules over the ids, not the rows."""

    def settle_table(self, page: TablePage) -> ResultPage | TablePage:
        self.learn(page.count)
        index = page.page_index
        keep, ids = [], set()
        for position, key in enumerate(page.ids):
            if key is not None:
                if key in self._seen or key in ids:
                    continue
                ids.add(key)
            keep.append(position)
        if len(keep) < self._wanted(index):
            # Short, empty or re-served: read it again the general way, with its retries.
            self.tally.retries += 1
            again = self.wire.results_page(self.run_slug, page_index=index, page_size=self.size)
            return self.settle(again)
        self.was_full = page.row_count >= self.size
        self.tally.duplicates += page.row_count - len(keep)
        if self.max_rows is not None:
            keep = keep[: max(0, self.max_rows - self.tally.rows)]
        table, fresh = page.table, page.ids
        if len(keep) < page.row_count:
            table = table.take(keep)
            fresh = [page.ids[position] for position in keep]
        for key in fresh:
            if key is None:
                self.tally.without_id += 1
            else:
                self._seen.add(key)
        self.tally.rows += len(fresh)
        return TablePage(page.count, page.headers, table, fresh, index, page.page_size)


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
    window = InFlight(concurrency)
    raw = RawPages(http, window)
    last_full, next_index = True, 2
    try:
        for batch in _batches(_in_order(raw, requests, window), BATCH_PAGES):
            bodies = [(got, req) for got, req in batch if isinstance(got, bytes)]
            decoded = iter(decode([b for b, _ in bodies], [r for _, r in bodies]) if bodies else [])
            for got, req in batch:
                page = next(decoded) if isinstance(got, bytes) else None
                if isinstance(got, bytes) and page is None:
                    got = _general(got, req)
                settled = reader.settle(got) if page is None else reader.settle_table(page)
                next_index = req.page_index + 1
                yield settled
                last_full = reader.was_full
                if reader.done:
                    return
    finally:
        raw.close()
    # Rows added while we read (a running run): follow full pages to the end.
    while last_full and not reader.done:
        fetched = wire.results_page(run_slug, page_index=next_index, page_size=size)
        if not fetched.rows and not fetched.non_objects:
            return
        yield reader.settle(fetched)
        last_full = reader.was_full
        next_index += 1


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
    """Each page's reply, in order, with up to ``window.size`` pages in flight."""
    # Daemon threads, not a ThreadPoolExecutor, as in paging: after Ctrl-C a page still
    # retrying must not hold the caller (see paging._concurrently).
    jobs: SimpleQueue[tuple[PageRequest, Future[bytes | ResultPage]] | None] = SimpleQueue()
    started = 0

    def work() -> None:
        while (job := jobs.get()) is not None:
            request, future = job
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(raw.fetch(request))
            except BaseException as exc:  # handed to the reader, who raises it
                future.set_exception(exc)

    pending: deque[tuple[Future[bytes | ResultPage], PageRequest]] = deque()
    queue = deque(requests)
    try:
        while pending or queue:
            while queue and len(pending) < window.size:
                if started < min(window.size, len(requests)):
                    threading.Thread(
                        target=work, name=f"coreclaw-bulk-{started}", daemon=True
                    ).start()
                    started += 1
                request = queue.popleft()
                pending.append((Future(), request))
                jobs.put((request, pending[-1][0]))
            future, request = pending.popleft()
            yield future.result(), request
    finally:
        for future, _ in pending:
            future.cancel()
        for _ in range(started):
            jobs.put(None)
