"""Injected faults and the per-key rate limiter.

A fault is planned per path (exact, or a prefix ending in ``*``) for the next
``count`` calls or a random ``fraction`` of calls. Every kind except the ``*_after``
ones fires before the request is processed, so a faulted run start creates no run;
the ``*_after`` kinds let the request take effect and then answer with an error,
the cases a client must never retry blindly. The gateway and HTML 429 kinds play a
proxy in front of the platform: their body is an HTML page, not a CoreClaw envelope.
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
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
}

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
        delay: Seconds to wait for ``slow``.
        fired: How many times it fired.
    """

    path: str
    kind: str
    count: int | None = None
    fraction: float | None = None
    delay: float = 0.0
    fired: int = 0
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

    def add(
        self,
        path: str,
        kind: str,
        *,
        count: int | None = None,
        fraction: float | None = None,
        seed: int | None = 0,
        delay: float = 2.0,
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
        fault = Fault(path, kind, count, fraction, max(0.0, float(delay)), 0, random.Random(seed))
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, path: str) -> Fault | None:
        """Return the fault to apply to this request for ``path``, consuming one use."""
        with self._lock:
            for fault in self._faults:
                if fault.spent or not fault.matches(path):
                    continue
                if fault.fraction is not None and fault._rng.random() >= fault.fraction:
                    continue
                if fault.count is not None:
                    fault.count -= 1
                fault.fired += 1
                return fault
            return None

    def clear(self) -> None:
        """Remove all planned faults."""
        with self._lock:
            self._faults.clear()

    @property
    def faults(self) -> list[Fault]:
        """The planned faults (spent ones included, for inspection)."""
        with self._lock:
            return list(self._faults)


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
