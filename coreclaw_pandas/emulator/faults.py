"""Injected faults and the per-key rate limiter.

A fault is planned per path (exact, or a prefix ending in ``*``) for the next
``count`` calls or a random ``fraction`` of calls. Every transport kind except the
``*_after`` ones fires before the request is processed, so a faulted run start
creates no run; the ``*_after`` kinds let the request take effect and then answer
with an error, the cases a client must never retry blindly. The gateway and HTML
429 kinds play a proxy in front of the platform: their body is an HTML page, not a
CoreClaw envelope.

The page kinds (``PAGE_FAULTS``) are test-only slips of a result page: the reply
is a well-formed success whose rows are wrong. They let a client prove that it
notices an incomplete read, which no transport check can. On other paths they
do nothing.
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

#: Fault kinds and what the server does.
FAULT_KINDS = {
    "server_error": "answer HTTP 500 with code 5000 before processing",
    "rate_limit": "answer HTTP 429 with code 4290 before processing",
    "reset": "close the connection without answering",
    "truncated": "send the headers and only part of the body, then close",
    "slow": "wait `delay` seconds, then process normally",
    "server_error_after": "process the request, then answer HTTP 500 with code 5000",
    "gateway_after": "process the request, then answer a proxy's HTML 502 page",
    "gateway_503_after": "process the request, then answer a proxy's HTML 503 page",
    "gateway_504_after": "process the request, then answer a proxy's HTML 504 page",
    "html_429_after": "process the request, then answer a proxy's HTML 429 page",
    "trickle": "process the request, then send the reply one byte every `delay` seconds",
    "short_page": "a result page with its last row missing",
    "empty_page": "a result page with no rows, still claiming the full count",
    "null_data": "a result page answered with `data: null`",
    "repeat_page": "a result page holding the rows of the page before it",
    "skip_rows": "a result page starting `rows` rows further on (rows skipped, count kept)",
    "non_object": "a result page whose last row is a bare JSON string instead of an object",
}
#: The kinds that change the rows of a result page rather than the transport.
PAGE_FAULTS = frozenset(
    {"short_page", "empty_page", "null_data", "repeat_page", "skip_rows", "non_object"}
)

#: The HTTP status of each proxy-page kind.
PROXY_PAGES = {
    "gateway_after": (502, "Bad Gateway"),
    "gateway_503_after": (503, "Service Temporarily Unavailable"),
    "gateway_504_after": (504, "Gateway Time-out"),
    "html_429_after": (429, "Too Many Requests"),
}


def proxy_page(kind: str) -> tuple[int, bytes]:
    """The status and HTML body a proxy sends for ``kind`` (one of :data:`PROXY_PAGES`)."""
    status, reason = PROXY_PAGES[kind]
    body = (
        f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
        f"<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n"
        "</body>\r\n</html>\r\n"
    )
    return status, body.encode()


@dataclass
class Fault:
    """One planned fault.

    Attributes:
        path: Exact request path, or a prefix followed by ``*``.
        kind: One of ``FAULT_KINDS``.
        count: Calls left to fault (None when ``fraction`` decides).
        fraction: Probability of faulting each matching call.
        delay: Seconds to wait for ``slow``, or between bytes for ``trickle``.
        fired: How many times it fired.
        rows: Rows skipped by ``skip_rows``.
        page: For a page kind, the one page index it hits (None: any page).
    """

    path: str
    kind: str
    count: int | None = None
    fraction: float | None = None
    delay: float = 0.0
    fired: int = 0
    rows: int = 100
    page: int | None = None
    _rng: random.Random = field(default_factory=random.Random, repr=False)

    def matches(self, path: str) -> bool:
        """Return True when this fault applies to requests for ``path``."""
        if self.path.endswith("*"):
            return path.startswith(self.path[:-1])
        return path == self.path

    @property
    def spent(self) -> bool:
        """True once a counted fault has fired ``count`` times."""
        return self.count is not None and self.count <= 0


class FaultPlan:
    """Faults planned by tests, consumed by the request pipeline (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        # Set by clear(): a stalled reply ends then, so a test's teardown never waits it out.
        self._released = threading.Event()

    def add(
        self,
        path: str,
        kind: str,
        *,
        count: int | None = None,
        fraction: float | None = None,
        seed: int | None = 0,
        delay: float = 2.0,
        rows: int = 100,
        page: int | None = None,
    ) -> Fault:
        """Plan a fault; see ``Emulator.inject_fault``.

        Raises:
            ValueError: Unknown kind, or both/neither of a valid count and fraction.
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; use one of {sorted(FAULT_KINDS)}")
        if count is not None and fraction is not None:
            raise ValueError("give count or fraction, not both")
        if count is None and fraction is None:
            count = 1
        if count is not None and count < 1:
            raise ValueError("count must be at least 1")
        if fraction is not None and not 0.0 < fraction <= 1.0:
            raise ValueError("fraction must be in (0, 1]")
        if not path.startswith("/"):
            raise ValueError(f"path must start with '/', got {path!r}")
        if rows < 1:
            raise ValueError("rows must be at least 1")
        if page is not None and (kind not in PAGE_FAULTS | {"slow"} or page < 1):
            raise ValueError("page applies to the page kinds and slow only, and starts at 1")
        fault = Fault(path, kind, count, fraction, max(0.0, float(delay)), 0, rows, page)
        fault._rng = random.Random(seed)
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, path: str, page: int | None = None) -> Fault | None:
        """Return the fault to apply to this request for ``path``, consuming one use.

        Faults aimed at one page are taken only by the result-page routes, which know
        the page asked for (``page``); the pipeline calls this without one.
        """
        with self._lock:
            for fault in self._faults:
                if fault.spent or not fault.matches(path) or fault.page != page:
                    continue
                if fault.fraction is not None and fault._rng.random() >= fault.fraction:
                    continue
                if fault.count is not None:
                    fault.count -= 1
                fault.fired += 1
                return fault
            return None

    def take_page(self, path: str, page: int) -> Fault | None:
        """The fault aimed at this result page, if any; a ``slow`` one waits here."""
        fault = self.take(path, page)
        if fault is not None and fault.kind == "slow":
            self.pause(fault.delay)
        return fault

    def clear(self) -> None:
        """Remove all planned faults and end every stall still waiting."""
        with self._lock:
            self._faults.clear()
            released, self._released = self._released, threading.Event()
        released.set()

    def pause(self, seconds: float) -> bool:
        """Wait ``seconds``, or less if :meth:`clear` is called; True when cut short."""
        with self._lock:
            released = self._released
        return released.wait(seconds)

    def trickle(self, body: bytes, delay: float) -> Iterator[bytes]:
        """``body`` one byte at a time, ``delay`` seconds apart (the rest at once on clear)."""
        for i in range(len(body)):
            yield body[i : i + 1]
            if self.pause(delay):
                yield body[i + 1 :]
                return

    @property
    def faults(self) -> list[Fault]:
        """The planned faults (spent ones included, for inspection)."""
        with self._lock:
            return list(self._faults)


def page_start(fault: Fault | None, start: int, size: int) -> int:
    """The first row a result page serves: moved by ``repeat_page`` and ``skip_rows``."""
    if fault is None:
        return start
    if fault.kind == "repeat_page":
        return max(0, start - size)
    if fault.kind == "skip_rows":
        return start + fault.rows
    return start


def page_rows(fault: Fault | None, rows: list[bytes]) -> list[bytes]:
    """The encoded rows a result page serves: cut or spoilt by the page kinds."""
    if fault is None:
        return rows
    if fault.kind == "short_page":
        return rows[:-1]
    if fault.kind == "empty_page":
        return []
    if fault.kind == "non_object" and rows:
        return [*rows[:-1], b'"not an object"']
    return rows


class RateLimiter:
    """Sliding one-second window of accepted requests per caller.

    Args:
        per_second: Requests allowed per caller per second; None or 0 disables it.
    """

    def __init__(self, per_second: float | None = None) -> None:
        self.per_second = per_second
        self._lock = threading.Lock()
        self._seen: dict[str, deque[float]] = {}

    def check(self, caller: str) -> float | None:
        """Count a request from ``caller``; return seconds to wait if it is over the limit."""
        limit = self.per_second
        if not limit:
            return None
        now = time.monotonic()
        with self._lock:
            window = self._seen.setdefault(caller, deque())
            while window and now - window[0] >= 1.0:
                window.popleft()
            if len(window) >= max(1, int(limit)):
                return max(0.0, 1.0 - (now - window[0]))
            window.append(now)
            return None

    def clear(self) -> None:
        """Forget all callers' history."""
        with self._lock:
            self._seen.clear()
