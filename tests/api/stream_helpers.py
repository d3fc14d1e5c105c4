"""A clock for the live poll loop that runs its pauses quickly, and paced-run inputs."""

from __future__ import annotations

import threading
import time

#: A run that pushes rows for about a second and a half, a few batches a second.
PACED = {"rows": 600, "rows_per_second": 400, "chunk_size": 50}


class QuickClock:
    """Virtual time for the poll loop: each pause advances it in full but waits only a moment.

    The Worker's rows still arrive in real time, so the loop sees the run progress
    over many polls, while its budget and pauses are checked on this clock.
    """

    def __init__(self, real_step: float = 0.02) -> None:
        self.now = 0.0
        self.real_step = real_step
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.now += max(0.0, seconds)
            self.sleeps.append(seconds)
        time.sleep(self.real_step)
