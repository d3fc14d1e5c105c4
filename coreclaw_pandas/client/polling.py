"""The wait loop: poll a run until it ends, backing off as it goes; why a run failed.

Pure on purpose: the clock, the sleep and the fetches are injected, so the loop is
tested without a server or real time, and progress display is a callback.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from .. import _config
from ..exceptions import CoreClawError, RunAbortingError, RunTimeoutError
from ..models import LogLevel, Run, RunLog, RunStatus

__all__ = ["PollPolicy", "failure_reason", "wait_for"]

#: How the platform's own log lines start: ``SYSTEM: Subtask-[<id>] - ``.
_SYSTEM_PREFIX = re.compile(r"^SYSTEM: Subtask-\[[^\]]*\] - ")
#: The platform's last line of every run ("... Total 1 subtasks: 0 succeeded, 1 failed.").
_SUMMARY = "All subtasks have completed"


@dataclass(frozen=True)
class PollPolicy:
    """How often to poll.

    Attributes:
        initial: First interval, in seconds.
        factor: Each interval is the previous one times this.
        maximum: Intervals never exceed this.
        aborting_polls: Polls allowed while a run shows Aborting before giving up on it.
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
        The terminal Run (Succeeded or Failed).

    Raises:
        RunAbortingError: The run still showed Aborting after ``policy.aborting_polls``
            more polls; production may hold it there (docs/platform.md §3.3).
        RunTimeoutError: ``timeout`` ran out; it carries the run as last seen.
    """
    policy = policy or PollPolicy()
    start = clock()
    run = first if first is not None else fetch()
    aborting_seen, aborting_since = 0, None
    intervals = policy.intervals()
    while True:
        if on_update is not None:
            on_update(run)
        if run.is_terminal:
            return run
        if run.status is RunStatus.ABORTING:
            aborting_seen += 1
            if aborting_since is None:
                aborting_since = clock()
            if aborting_seen > policy.aborting_polls:
                raise RunAbortingError(run, clock() - aborting_since)
        interval = next(intervals)
        if timeout is not None:
            left = timeout - (clock() - start)
            if left <= 0:
                raise RunTimeoutError(run, timeout)
            # One last look exactly at the deadline, rather than sleeping past it.
            interval = min(interval, left)
        sleep(interval)
        run = fetch()


def failure_reason(run: Run, *, listed: Iterable[Run], log: Callable[[], RunLog]) -> str:
    """Why a Failed run failed, when its detail says nothing.

    Production's v2 detail never carries ``err_msg``; its run list does (docs/platform.md
    §9). So the reason is the run's ``err_msg`` in ``listed``, else the last error line of
    its ``log`` (the platform's closing summary aside), else "". Both are courtesies: a
    read that fails is skipped, never raised.

    Args:
        run: The Failed run, as its detail gave it.
        listed: Runs of the history that may include this one, read lazily (a few API calls).
        log: The run's recent log (one API call).
    """
    try:
        for other in listed:
            if other.slug == run.slug and other.err_msg:
                return other.err_msg
    except CoreClawError:
        pass
    try:
        entries = log().entries
    except CoreClawError:
        return ""
    # The platform's closing summary is an error line too, but says nothing about why.
    errors = [
        _SYSTEM_PREFIX.sub("", e.content)
        for e in entries
        if e.level is LogLevel.ERROR and e.content and not e.content.startswith(_SUMMARY)
    ]
    return errors[-1] if errors else ""
