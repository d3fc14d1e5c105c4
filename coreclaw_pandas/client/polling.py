"""The wait loop: poll a run until it ends, backing off as it goes.

Pure on purpose: the clock, the sleep and the fetch are injected, so the loop is
tested without a server or real time, and progress display is a callback.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .. import _config
from ..exceptions import RunTimeoutError
from ..models import Run, RunStatus

__all__ = ["PollPolicy", "wait_for"]


@dataclass(frozen=True)
class PollPolicy:
    """How often to poll.

    Attributes:
        initial: First interval, in seconds.
        factor: Each interval is the previous one times this.
        maximum: Intervals never exceed this.
        aborting_polls: Polls allowed while a run shows Aborting before returning it as is.
    """

    initial: float = _config.POLL_INITIAL
    factor: float = _config.POLL_FACTOR
    maximum: float = _config.POLL_MAX
    aborting_polls: int = _config.ABORTING_POLLS

    def intervals(self) -> Iterator[float]:
        """Yield the successive poll intervals, forever."""
        interval = self.initial
        while True:
            yield interval
            interval = min(self.maximum, interval * self.factor)


def wait_for(
    fetch: Callable[[], Run],
    *,
    timeout: float | None = None,
    policy: PollPolicy | None = None,
    on_update: Callable[[Run], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    first: Run | None = None,
) -> Run:
    """Poll ``fetch`` until the run is terminal and return the last Run seen.

    Args:
        fetch: Returns the run's current state (one API call).
        timeout: Seconds to wait at most; None waits as long as it takes.
        policy: Poll intervals; the default backs off from 1 s to 15 s.
        on_update: Called with every Run fetched (progress bars, widgets).
        clock: Monotonic clock, injectable for tests.
        sleep: Sleep function, injectable for tests.
        first: A state already known, to skip the first fetch.

    Returns:
        The terminal Run (Succeeded or Failed), or the last Aborting one once
        ``policy.aborting_polls`` polls have shown no further change.

    Raises:
        RunTimeoutError: ``timeout`` ran out; it carries the run as last seen.
    """
    policy = policy or PollPolicy()
    start = clock()
    run = first if first is not None else fetch()
    aborting_seen = 0
    intervals = policy.intervals()
    while True:
        if on_update is not None:
            on_update(run)
        if run.is_terminal:
            return run
        if run.status is RunStatus.ABORTING:
            aborting_seen += 1
            if aborting_seen > policy.aborting_polls:
                return run
        interval = next(intervals)
        if timeout is not None:
            left = timeout - (clock() - start)
            if left <= 0:
                raise RunTimeoutError(run, timeout)
            # One last look exactly at the deadline, rather than sleeping past it.
            interval = min(interval, left)
        sleep(interval)
        run = fetch()
