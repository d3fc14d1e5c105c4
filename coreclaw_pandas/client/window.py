"""How many result pages may be in flight: a window that follows the round trip.

Used by the bulk reader (:mod:`.bulk`). The window grows while replies come back as
fast as the quickest one, shrinks when they queue, and halves when the platform says
"too many requests" (4290 / 13000 / HTTP 429).
"""

from __future__ import annotations

import threading

__all__ = ["MAX_IN_FLIGHT", "MIN_IN_FLIGHT", "InFlight"]

#: Bounds of the pages-in-flight window. Past 128 nothing gained at 50 ms (issue 19's
#: prototype) and each page in flight is a thread and a connection.
MIN_IN_FLIGHT = 2
MAX_IN_FLIGHT = 128


class InFlight:
    """How many pages may be in flight: grows with the round trip, backs off on 4290.

    A window is right when it keeps the pipe full without queueing (Little's law:
    in flight = rate x round trip). The quickest round trip seen stands for the path
    itself; while replies come back within 1.5x of it (plus 2 ms of slack for a
    scheduler), the window grows by one per reply; when they take over 3x, the replies
    are queueing (on the server or for the client's CPU) and it shrinks by one; a
    refusal halves it.

    Args:
        start: The first window (the client's ``page_concurrency``).
        low: The smallest window.
        high: The largest window.
    """

    def __init__(self, start: int, *, low: int = MIN_IN_FLIGHT, high: int = MAX_IN_FLIGHT) -> None:
        self.low, self.high = low, max(low, high)
        self.size = min(self.high, max(low, start))
        self.fastest = float("inf")
        self.peak = self.size
        self.refusals = 0
        self._lock = threading.Lock()

    def record(self, seconds: float) -> None:
        """One page came back after ``seconds``."""
        with self._lock:
            self.fastest = min(self.fastest, seconds)
            if seconds <= self.fastest * 1.5 + 0.002:
                self.size = min(self.high, self.size + 1)
            elif seconds > self.fastest * 3 + 0.002:
                self.size = max(self.low, self.size - 1)
            self.peak = max(self.peak, self.size)

    def refused(self) -> None:
        """The platform refused a page as too many requests."""
        with self._lock:
            self.refusals += 1
            self.size = max(self.low, self.size // 2)
