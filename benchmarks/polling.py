"""Case 4: what waiting for a run costs: requests made, and lag after the run ends.

Several slow-worker runs of ``poll_seconds`` (60 s; 15 s with ``--quick``) are
started at once with ``cc.run_worker`` and its default poll policy, one thread
and one client each, on an emulator in this process (its request log is read,
so it cannot be the shared emulator process). Each run is one sample: no time
is scaled, because the client's poll clock is real time; speeding the Worker up
with the emulator's ``run_speed`` would measure a shorter run, not a 60 s one.

* requests: calls to ``/api/v1/run/detail`` for that run (target at most 15).
* lag: from the moment the emulator marks the run finished to ``run_worker``
  returning, against the interval slept before the last poll (target: within it).
  The final interval follows from the request count and the default
  ``PollPolicy``.
"""

from __future__ import annotations

import threading
import time
from itertools import islice
from typing import Any

from ._harness import CaseResult, Context, Target

NAME = "polling"
WORKER = "coreclaw/slow-worker"
DETAIL = "/api/v1/run/detail"
TARGET_REQUESTS = 15
#: Rows each slow run writes (one per interval).
ROWS_PER_RUN = 10


class _EndWatcher:
    """Stamps the moment each run the emulator has seen polled is marked finished."""

    def __init__(self, emu: Any) -> None:
        self._emu = emu
        self.ended: dict[str, float] = {}
        self._seen: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> _EndWatcher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        # A run's first poll comes right after its start, long before it can end.
        while not self._stop.wait(0.01):
            for call in self._emu.calls(DETAIL):
                slug = (call.json or {}).get("run_slug")
                if slug and slug not in self._seen:
                    self._seen.add(slug)
                    threading.Thread(target=self._stamp, args=(slug,), daemon=True).start()

    def _stamp(self, slug: str) -> None:
        if self._emu.wait_for_run(slug, timeout=3600):
            self.ended[slug] = time.monotonic()


def run(ctx: Context) -> CaseResult:
    """Wait for ``poll_runs`` slow runs at once; one sample per run."""
    import coreclaw_pandas as cc
    from coreclaw_pandas.emulator import Emulator

    seconds = ctx.sizes.poll_seconds
    runs = ctx.sizes.poll_runs
    custom = {"duration_seconds": seconds, "interval_seconds": seconds / ROWS_PER_RUN}
    result = CaseResult(
        NAME,
        f"waiting for a {seconds} s run with run_worker: requests made, lag after it ends",
        {
            "run_seconds": seconds,
            "runs": runs,
            "latency_ms": ctx.latency_ms,
            "policy": repr(cc.PollPolicy()),
        },
    )
    if ctx.mode != "standard" and ctx.mode != "full":
        result.notes.append(
            f"{ctx.mode} mode: a {seconds} s run stands in for the issue's 60 s one "
            "(run --full or without flags for 60 s)"
        )
    returned: dict[str, float] = {}
    errors: list[BaseException] = []

    with Emulator(latency_ms=ctx.latency_ms) as emu, _EndWatcher(emu) as watcher:

        def wait_one() -> None:
            try:
                with cc.Client(emu.api_key, base_url=emu.url) as client:
                    done = cc.run_worker(WORKER, custom, client=client, progress=False)
                returned[done.slug] = time.monotonic()
            except BaseException as exc:  # reported below, in the main thread
                errors.append(exc)

        threads = [threading.Thread(target=wait_one) for _ in range(runs)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]
        polls = {slug: 0 for slug in returned}
        for call in emu.calls(DETAIL):
            slug = (call.json or {}).get("run_slug")
            if slug in polls:
                polls[slug] += 1

    requests = result.add("run/detail requests per run", "requests")
    lag = result.add("lag: run ended -> run_worker returned")
    final = result.add("final poll interval")
    share = result.add("lag / final poll interval", "x")
    for slug, count in polls.items():
        # The first poll comes at once; every later one follows an interval.
        intervals = list(islice(cc.PollPolicy().intervals(), max(count - 1, 1)))
        delay = returned[slug] - watcher.ended[slug]
        requests.samples.append(count)
        lag.samples.append(delay)
        final.samples.append(intervals[-1])
        share.samples.append(delay / intervals[-1])
    result.targets += [
        Target(
            f"run/detail requests for a {seconds} s run",
            requests.median,
            "<=",
            TARGET_REQUESTS,
            " requests",
        ),
        Target("lag after the run ended / final poll interval", share.median, "<=", 1.0),
    ]
    return result
