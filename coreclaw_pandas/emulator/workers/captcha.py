"""CAPTCHA Worker: a run that succeeds while every page it met was a block page.

Scrapers in production often end *Succeeded* with one row per page that turned
them away (a CAPTCHA, HTTP 403 or 429) instead of the data: the run status says
nothing is wrong. This Worker writes such rows so that clients can test that they
tell error records from data. With ``real_pages`` above zero some rows are real.
"""

from __future__ import annotations

from typing import Any

from ._inputs import InputReader
from .base import RunContext, WorkerSpec

__all__ = ["WORKER"]

SCHEMA: dict[str, Any] = {
    "description": (
        "A scraper that runs into a <strong>CAPTCHA</strong>: the run succeeds, but its "
        "rows are block pages (CAPTCHA, 403, 429), not data."
    ),
    "b": "start_urls",
    "properties": [
        {"name": "pages", "type": "integer", "title": "Blocked pages", "editor": "number",
         "description": "Rows written for pages that turned the scraper away.",
         "default": 20, "minimum": 0, "maximum": 100_000, "required": True},
        {"name": "real_pages", "type": "integer", "title": "Real pages", "editor": "number",
         "description": "Rows of real data written before the blocks began.",
         "default": 0, "minimum": 0, "maximum": 100_000},
        {"name": "start_urls", "type": "array", "title": "Shop", "editor": "requestList",
         "description": "Page URLs are this shop's URL followed by <code>/p/N</code>.",
         "default": [{"url": "https://shop.example.com"}]},
    ],
}

HEADERS = [
    {"key": key, "label": key.replace("_", " ").capitalize(), "format": "text"}
    for key in ("url", "status_code", "title", "price", "error")
]

#: The three block pages, in turn: (status_code, title, error).
_BLOCKS = (
    (403, "Attention Required! | Cloudflare", "captcha"),
    (429, "Too Many Requests", "rate limited"),
    (403, "Access Denied", None),
)


def run(ctx: RunContext, custom: dict[str, Any]) -> None:
    """Write ``real_pages`` data rows, then ``pages`` block-page rows, and succeed.

    Args:
        ctx: The run context.
        custom: The run's input; see ``SCHEMA``.
    """
    reader = InputReader(SCHEMA, custom)
    blocked, real = reader.integer("pages"), reader.integer("real_pages")
    shops = [item.get("url") if isinstance(item, dict) else item
             for item in reader.array("start_urls")]
    shop = next((url for url in shops if isinstance(url, str) and url), "https://shop.example.com")
    ctx.set_headers(HEADERS)
    ctx.push(
        {"url": f"{shop}/p/{i}", "status_code": 200,
         "title": f"Enamel mug no. {i}", "price": round(4.5 + i, 2)}
        for i in range(real)
    )
    rows = []
    for i in range(blocked):
        status, title, error = _BLOCKS[i % len(_BLOCKS)]
        row: dict[str, Any] = {"url": f"{shop}/p/{real + i}",
                               "status_code": status, "title": title}
        if error:
            row["error"] = error
        rows.append(row)
        if i < 3:
            ctx.log(3, f"HTTP {status} at {row['url']}: {title}.")
    ctx.push(rows)
    ctx.log(2, f"Done: {real} page(s) scraped, {blocked} page(s) blocked.")


WORKER = WorkerSpec(
    slug="01JG3CAPTCHAW0RKERB1K5P4GE",
    path="coreclaw/captcha-worker",
    title="CAPTCHA Worker (test)",
    description="Succeeds with rows that are CAPTCHA, 403 and 429 block pages: test that "
    "your pipeline tells error records from data.",
    version="v1.0.0",
    readme="""# CAPTCHA Worker

Writes **Real pages** rows of data, then one row per **Blocked pages** page that
turned the scraper away (a CAPTCHA, HTTP 403 or 429), and ends the run as
*Succeeded*. A run's status alone does not say its rows are real.

Unique key: `url`
""",
    input_schema=SCHEMA,
    run=run,
)
