"""Failing Worker: produces some rows, then fails on purpose.

It exists so clients can be tested against a run that ends as Failed with rows
already written: the rows stay readable, the last log line is an error and the
run's ``err_msg`` is the ``message`` input.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ._inputs import InputReader
from .base import RunContext, WorkerFailed, WorkerSpec

__all__ = ["WORKER"]

_DEFAULT_MESSAGE = "Simulated failure: the target page layout changed and no price was found."

SCHEMA: dict[str, Any] = {
    "description": (
        "A Worker that scrapes a few rows and then <strong>fails</strong> on purpose, "
        "to test how your pipeline handles failed runs."
    ),
    "b": "pages",
    "properties": [
        {"name": "fail_after", "type": "integer", "title": "Fail after (rows)", "editor": "number",
         "description": "Rows produced before the failure; <code>0</code> fails at once.",
         "default": 10, "minimum": 0, "maximum": 100_000, "required": True},
        {"name": "message", "type": "string", "title": "Error message", "editor": "input",
         "description": "Becomes the run's error message.", "default": _DEFAULT_MESSAGE},
        {"name": "row_interval_seconds", "type": "number", "title": "Seconds between rows",
         "editor": "number", "description": "Pause after each row, so the run is seen running.",
         "default": 0.1, "minimum": 0, "maximum": 60},
        {"name": "pages", "type": "array", "title": "Pages", "editor": "requestList",
         "description": "Pretend these pages are scraped, one per row, in turn.",
         "default": [{"url": "https://example.com/products?page=1"},
                     {"url": "https://example.com/products?page=2"}]},
    ],
}

HEADERS = [
    {"key": "row", "label": "Row", "format": "text"},
    {"key": "url", "label": "URL", "format": "text"},
    {"key": "price", "label": "Price", "format": "text"},
    {"key": "scraped_at", "label": "Scraped at", "format": "text"},
]


def run(ctx: RunContext, custom: dict[str, Any]) -> None:
    """Push ``fail_after`` rows, log an error and raise ``WorkerFailed``.

    Args:
        ctx: The run context.
        custom: The run's input; see ``SCHEMA``.

    Raises:
        WorkerFailed: Always, after the rows, with the ``message`` input.
    """
    reader = InputReader(SCHEMA, custom)
    fail_after = reader.integer("fail_after")
    message = reader.string("message").strip() or _DEFAULT_MESSAGE
    interval = reader.number("row_interval_seconds")
    urls = [item.get("url") if isinstance(item, dict) else item for item in reader.array("pages")]
    urls = [url for url in urls if isinstance(url, str) and url] or ["https://example.com/"]

    ctx.set_headers(HEADERS)
    ctx.log(2, f"Scraping {fail_after} row(s) before the planned failure.")
    for row in range(fail_after):
        ctx.checkpoint()
        url = urls[row % len(urls)]
        ctx.push([{"row": row, "url": url, "price": f"{9.99 + row:.2f}",
                   "scraped_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}])
        ctx.log(1, f"Row {row} from {url}.")
        if interval > 0:
            ctx.sleep(interval)
    ctx.log(4, f"Run failed after {fail_after} row(s): {message}")
    raise WorkerFailed(message)


WORKER = WorkerSpec(
    slug="01JFBF5KZNWJ47TAN9ZT24MNPZ",
    path="coreclaw/failing-worker",
    title="Failing Worker (test)",
    description="Scrapes a few rows, then fails on purpose with your error message: "
    "test how your code copes when a run will fail part-way.",
    version="v1.0.0",
    readme="""# Failing Worker

Produces **Fail after** rows (one every **Seconds between rows**), writes an error to
the log and ends the run as *Failed* with **Error message** as the run's error.

Rows written before the failure stay in the dataset: a failed run can still have
results. Use it to check retries, alerts and partial-result handling.
""",
    input_schema=SCHEMA,
    run=run,
)
