"""Callback delivery: POST a run's status to its ``callback_url``, in order, best effort.

Production calls back when a run's status changes and when it ends (the callbacks
guide). A delivery retries a failed POST a few times, never affects the run, and
waits for the run's earlier delivery so that callbacks arrive in the order sent.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

_log = logging.getLogger("coreclaw_pandas.emulator")

ATTEMPTS = 3
TIMEOUT = 5.0
BACKOFF = (0.5, 1.0)


@dataclass(frozen=True)
class CallbackAttempt:
    """One delivery attempt of a run's callback."""

    run_slug: str
    url: str
    body: dict[str, Any]
    status: int | None
    error: str | None


class Deliveries:
    """Sends callbacks in background threads and keeps every attempt for tests."""

    def __init__(self) -> None:
        self.attempts: list[CallbackAttempt] = []
        self._lock = threading.Lock()
        # The newest delivery thread of each run, so its callbacks arrive in order.
        self._threads: dict[str, threading.Thread] = {}

    def send(self, run_slug: str, url: str, body: dict[str, Any]) -> None:
        """Deliver ``body`` to ``url`` after the run's earlier callbacks."""
        with self._lock:
            before = self._threads.get(run_slug)
            thread = threading.Thread(
                target=self._after, args=(before, run_slug, url, body), daemon=True
            )
            self._threads[run_slug] = thread
        thread.start()

    def clear(self) -> None:
        """Forget the attempts recorded so far."""
        with self._lock:
            self.attempts.clear()

    def _after(
        self, before: threading.Thread | None, run_slug: str, url: str, body: dict[str, Any]
    ) -> None:
        if before is not None:
            before.join()
        try:
            self._deliver(run_slug, url, body)
        finally:
            with self._lock:
                if self._threads.get(run_slug) is threading.current_thread():
                    del self._threads[run_slug]

    def _deliver(self, run_slug: str, url: str, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        for attempt in range(ATTEMPTS):
            if attempt:
                time.sleep(BACKOFF[min(attempt - 1, len(BACKOFF) - 1)])
            status, error = None, None
            try:
                request = urllib.request.Request(
                    url,
                    data=data,
                    method="POST",
                    headers={
                        "Content-Type": "application/json",
                        "User-Agent": "coreclaw-emulator-callback",
                    },
                )
                with urllib.request.urlopen(request, timeout=TIMEOUT) as reply:
                    status = reply.status
            except urllib.error.HTTPError as exc:
                status, error = exc.code, f"HTTP {exc.code}"
            except Exception as exc:  # delivery is best effort: never fatal
                error = f"{type(exc).__name__}: {exc}"
            with self._lock:
                self.attempts.append(CallbackAttempt(run_slug, url, body, status, error))
            if status is not None and 200 <= status < 300:
                return
            _log.info("callback for run %s failed: %s", run_slug, error or status)
