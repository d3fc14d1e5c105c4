"""Case 7: following a live run: polls to the first chunk, polls a minute, lag of the last chunk.

One slow-worker run of ``poll_seconds`` (60 s; 15 s with ``--quick``, 2 s in smoke
mode) makes rows at 10,000 a minute (10,000 rows in the 60 s case) on an emulator in
this process, whose row count trails the rows by ``COUNT_LAG`` seconds, as production's
does. ``cc.stream_results``' poll loop follows it with its default budget (15 detail +
result requests a minute) and real time. Result pages of 1,000 rows: v1 documents no
maximum, and 10,000 rows a minute cannot fit 15 requests in pages of 100.

* polls to the first chunk: polls that ended after the first row was written, up to
  and including the one that read it (target: at most 2).
* requests in the busiest minute, and polls per minute (target: at most 15 requests).
* lag of the last chunk: from the run's end (the emulator marks it) to the poll that read
  the last rows, against the pause before that poll (target: within one interval).
"""

from __future__ import annotations

import threading
import time
from datetime import datetime
from typing import Any

from ._harness import CaseResult, Context, Target

NAME = "live"
WORKER = "coreclaw/slow-worker"
ROWS_PER_MINUTE = 10_000
COUNT_LAG = 2.0
PAGE_SIZE = 1000
TARGET_FIRST_POLLS = 2
TARGET_REQUESTS = 15


def run(ctx: Context) -> CaseResult:
    """Stream one paced run to its end; one sample."""
    import coreclaw_pandas as cc
    from coreclaw_pandas.api.follow import follow_rows
    from coreclaw_pandas.emulator import Emulator

    seconds = ctx.sizes.poll_seconds
    rows = round(ROWS_PER_MINUTE * seconds / 60)
    result = CaseResult(
        NAME,
        f"following a {seconds} s run of {rows:,} rows: first chunk, polls, last chunk",
        {
            "run_seconds": seconds,
            "rows": rows,
            "latency_ms": ctx.latency_ms,
            "count_lag_s": COUNT_LAG,
            "page_size": PAGE_SIZE,
        },
    )
    if ctx.mode not in ("standard", "full"):
        result.notes.append(
            f"{ctx.mode} mode: a {seconds} s run of {rows:,} rows stands in for the issue's "
            "60 s run of 10,000 (run --full or without flags for it)"
        )
    polls: list[tuple[float, int]] = []  # (wall time, rows so far) at the end of each poll
    sent: list[float] = []  # wall time of each detail and result request while polling
    drained: list[float] = []  # ... and once a detail has shown the run ended (the drain)
    ended: list[float] = []
    with Emulator(latency_ms=ctx.latency_ms, count_lag=COUNT_LAG, max_page_size=PAGE_SIZE) as emu:
        with cc.Client(emu.api_key, base_url=emu.url, page_size=PAGE_SIZE) as client:
            started = client.start_run(
                WORKER, {"duration_seconds": seconds, "rows_per_second": rows / seconds}
            )
            threading.Thread(
                target=lambda: emu.wait_for_run(started.slug, 3600) and ended.append(time.time()),
                daemon=True,
            ).start()

            # Timed at the moment each request is made; the calls themselves go on as ever.
            detail, page = client.run, client.results_page

            def timed_detail(slug: str) -> Any:
                (drained if drained else sent).append(time.time())
                seen = detail(slug)
                if seen.is_terminal and not drained:
                    drained.append(sent.pop())
                return seen

            def timed_page(*args: Any, **kwargs: Any) -> Any:
                (drained if drained else sent).append(time.time())
                return page(*args, **kwargs)

            client.run, client.results_page = timed_detail, timed_page

            def noted(_seen: Any, count: int) -> None:
                polls.append((time.time(), count))

            read = sum(len(b.rows) for b in follow_rows(client, started.slug, on_poll=noted))
            client.run, client.results_page = detail, page
            first_row = client.results_page(started.slug, page_index=1, page_size=1).rows[0]
    first_at = datetime.fromisoformat(first_row["emitted_at"]).timestamp()
    result.params["rows_read"] = read

    first = result.add("polls from the first row to the first chunk", "polls")
    with_rows = next(i for i, (_, count) in enumerate(polls) if count)
    first.samples.append(sum(1 for when, _ in polls[: with_rows + 1] if when >= first_at))
    busiest = result.add("requests in the busiest minute while it ran", "requests")
    # Polling ends at the detail that shows the run ended; what follows is the drain, a
    # bounded read of the rest (as results_df makes), not held to the budget: counted apart.
    busiest.samples.append(max(sum(t < at + 60.0 for t in sent[i:]) for i, at in enumerate(sent)))
    drain = result.add("requests after the run was seen ended (the drain)", "requests")
    drain.samples.append(len(drained))
    per_minute = result.add("polls per minute while it ran", "polls")
    running = [p for p in polls if p[0] <= ended[0]]
    per_minute.samples.append(len(running) * 60.0 / seconds)
    last = result.add("lag: run ended -> last rows read")
    interval = result.add("the poll interval before it")
    share = result.add("lag / poll interval", "x")
    total = polls[-1][1]
    got_all = next(i for i, (_, count) in enumerate(polls) if count == total)
    lag = polls[got_all][0] - ended[0]
    pause = polls[got_all][0] - polls[got_all - 1][0] if got_all else lag
    last.samples.append(max(lag, 0.0))
    interval.samples.append(pause)
    share.samples.append(max(lag, 0.0) / pause if pause else 0.0)
    result.targets += [
        Target(
            "polls from the first row to the first chunk",
            first.median,
            "<=",
            TARGET_FIRST_POLLS,
            " polls",
        ),
        Target(
            "detail + result requests in any minute of polling",
            busiest.median,
            "<=",
            TARGET_REQUESTS,
            " requests",
        ),
        Target("last chunk after the run's end / poll interval", share.median, "<=", 1.0),
    ]
    return result
