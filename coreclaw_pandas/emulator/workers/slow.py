"""Slow Worker: one row every few seconds, for as long as you ask.

For exercising waiting, progress bars, timeouts and abort. It only ever waits
through ``ctx.sleep``, so an abort stops it at the next tick and the emulator's
run-speed knob makes it as fast as a test needs.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from ._inputs import InputReader
from .base import RunContext, WorkerSpec

__all__ = ["WORKER"]

_LOG_EVERY = 10
_PACED_BATCHES_PER_SECOND = 4

SCHEMA: dict[str, Any] = {
    "description": (
        "Produces one row every few seconds for as long as you ask: a <em>slow</em> run "
        "to test waiting, timeouts and abort ⏳."
    ),
    "b": "labels",
    "properties": [
        {"name": "interval_seconds", "type": "number", "title": "Seconds between rows",
         "editor": "number", "description": "Wait this long before each row.", "default": 1.0,
         "minimum": 0.01, "maximum": 3600, "required": True},
        {"name": "duration_seconds", "type": "integer", "title": "Run for (seconds)",
         "editor": "number", "description": "Total run time; rows = duration / interval.",
         "default": 60, "minimum": 1, "maximum": 86_400, "required": True},
        {"name": "rows_per_second", "type": "number", "title": "Rows per second",
         "editor": "number", "description": "Emit rows at this pace for the whole run "
         "instead of one per interval; <code>0</code> = one per interval.", "default": 0,
         "minimum": 0, "maximum": 100_000},
        {"name": "labels", "type": "array", "title": "Labels", "editor": "stringList",
         "description": "Text put in the <code>label</code> column, in turn.",
         "default": [{"string": "tick"}]},
    ],
}

HEADERS = [
    {"key": "tick", "label": "Tick", "format": "text"},
    {"key": "label", "label": "Label", "format": "text"},
    {"key": "elapsed_seconds", "label": "Elapsed (s)", "format": "text"},
    {"key": "emitted_at", "label": "Emitted at", "format": "text"},
]


def run(ctx: RunContext, custom: dict[str, Any]) -> None:
    """Push a row after every ``interval_seconds`` until ``duration_seconds`` have passed.

    Args:
        ctx: The run context; ``ctx.sleep`` raises RunAborted on abort.
        custom: The run's input; see ``SCHEMA``.
    """
    reader = InputReader(SCHEMA, custom)
    interval = reader.number("interval_seconds")
    duration = reader.integer("duration_seconds")
    labels = [item.get("string") if isinstance(item, dict) else item
              for item in reader.array("labels")]
    labels = [label for label in labels if isinstance(label, str) and label] or ["tick"]
    rate = reader.number("rows_per_second")
    if rate > 0:
        # Paced: a few batches a second, so rows appear smoothly (as the catalogue does).
        total = max(1, round(duration * rate))
        batch = max(1, math.ceil(rate / _PACED_BATCHES_PER_SECOND))
        interval, ticks = batch / rate, -(-total // batch)
    else:
        # The epsilon keeps 0.3 s steps over 3 s at 10 rows despite float rounding.
        total = ticks = max(1, int(duration / interval + 1e-9))
        batch = 1

    ctx.set_headers(HEADERS)
    ctx.log(2, f"Producing {total} row(s), {batch} every {interval:g} s.")
    done = 0
    for step in range(1, ticks + 1):
        ctx.checkpoint()
        ctx.sleep(interval)
        emitted_at = datetime.now(UTC).isoformat(timespec="milliseconds")
        count = min(batch, total - done)
        ctx.push([{"tick": tick, "label": labels[(tick - 1) % len(labels)],
                   "elapsed_seconds": round(step * interval, 3), "emitted_at": emitted_at}
                  for tick in range(done + 1, done + count + 1)])
        done += count
        if step % _LOG_EVERY == 0:
            ctx.log(2, f"{done} of {total} row(s) so far.")
    ctx.log(2, f"Done after {done} row(s).")


WORKER = WorkerSpec(
    slug="01JX45HY43KWJRP1XPA7Z3DJ8F",
    path="coreclaw/slow-worker",
    title="Slow Worker (test)",
    description="A slow run: wait for one row every interval for a set duration. "
    "Use it to test waiting, progress, timeouts and abort.",
    version="v1.1.0",
    readme="""# Slow Worker

Waits **Seconds between rows**, writes a row, and repeats until **Run for** seconds
have passed (so `duration / interval` rows in all). Each row has its `tick` number,
a `label`, the nominal `elapsed_seconds` and the time it was written.

Abort it at any time: it stops within one interval.
""",
    input_schema=SCHEMA,
    run=run,
    system={"cpus": 0.125, "memory": 512, "execute_limit_time_seconds": 3600,
            "max_total_charge": 0, "max_total_traffic": 0},
)
