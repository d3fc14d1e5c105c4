"""Catalogue generator: deterministic, realistic product rows, fast and in any number.

This is the emulator's volume and messiness Worker. Row ``i`` depends only on the
inputs (seed, categories, locale, ...) and ``i``, never on chunking or timing, so a
test can ask for a million rows and check any one of them. See
``_catalogue_pools`` for how rows stay both varied and cheap.
"""

from __future__ import annotations

import json
import math
from datetime import date
from typing import Any

from ._catalogue_editions import edition_window, reprice
from ._catalogue_pools import CATEGORIES, LOCALES, POOL_SIZE, PoolOptions, build_pools, long_texts
from ._inputs import InputReader
from .base import RunContext, WorkerFailed, WorkerSpec

__all__ = ["WORKER", "catalogue_rows"]

#: One row in this many carries a description longer than 40,000 characters.
LONG_TEXT_EVERY = 2000
_LONG_TEXT_AT = 500
_MUL = 0x9E3779B97F4A7C15  # 2**64 / golden ratio: a multiplicative hash spreads i well
_MASK = (1 << 64) - 1
_POOL_BITS = POOL_SIZE.bit_length() - 1
# Paced runs push about this many batches per second, so rows appear smoothly.
_PACED_BATCHES_PER_SECOND = 4

SCHEMA: dict[str, Any] = {
    "description": (
        "Generate a product <strong>catalogue</strong> of any size: deterministic for a "
        "seed, with nested sellers and reviews, ragged columns, unicode and the odd "
        "very long description. Ideal for testing pipelines with 🛒 realistic data."
    ),
    "concurrency": {"fields": ["sources"]},
    "properties": [
        {"name": "rows", "type": "integer", "title": "Number of rows", "editor": "number",
         "description": "How many product rows to produce.", "default": 1000, "minimum": 0,
         "maximum": 5_000_000, "required": True, "sectionCaption": "Volume",
         "sectionDescription": "How much data, and how fast."},
        {"name": "seed", "type": "integer", "title": "Seed", "editor": "number",
         "description": "Same seed and inputs, same rows.", "default": 42, "minimum": 0,
         "maximum": 2**31 - 1},
        {"name": "edition", "type": "integer", "title": "Edition", "editor": "number",
         "description": "The catalogue a week later: each edition drops and adds some "
         "products and changes some prices (see the README).", "default": 1, "minimum": 1,
         "maximum": 1000},
        {"name": "chunk_size", "type": "integer", "title": "Rows per batch", "editor": "number",
         "description": "Rows pushed to the dataset at a time.", "default": 5000, "minimum": 1,
         "maximum": 100_000},
        {"name": "rows_per_second", "type": "number", "title": "Rows per second",
         "editor": "number", "description": "Pace the output; <code>0</code> = as fast as "
         "possible.", "default": 0, "minimum": 0, "maximum": 1_000_000},
        {"name": "currency", "type": "string", "title": "Currency", "editor": "select",
         "description": "Currency of <code>price</code> and <code>price_text</code>.",
         "options": [{"label": "Pound sterling (£)", "value": "GBP"},
                     {"label": "Euro (€)", "value": "EUR"},
                     {"label": "US dollar ($)", "value": "USD"},
                     {"label": "Japanese yen (¥)", "value": "JPY"}],
         "default": "GBP", "sectionCaption": "Content",
         "sectionDescription": "What the products look like."},
        {"name": "categories", "type": "array", "title": "Categories", "editor": "checkbox",
         "description": "Only produce products from these categories.",
         "options": [{"label": name.capitalize(), "value": name} for name in CATEGORIES],
         "default": list(CATEGORIES)},
        {"name": "locale", "type": "string", "title": "Locale", "editor": "radio",
         "description": "Language of reviews and the decimal separator in "
         "<code>price_text</code>.",
         "options": [{"label": "English (UK)", "value": "en-GB"},
                     {"label": "Deutsch", "value": "de-DE"},
                     {"label": "日本語", "value": "ja-JP"}],
         "default": "en-GB"},
        {"name": "max_reviews", "type": "integer", "title": "Reviews per product",
         "editor": "radio", "description": "At most this many reviews in <code>reviews</code>.",
         "options": [{"label": "None", "value": 0}, {"label": "Up to 3", "value": 3},
                     {"label": "Up to 5", "value": 5}],
         "default": 3},
        {"name": "start_date", "type": "string", "title": "Listed from", "editor": "datepicker",
         "description": "Products are listed within three years of this date.",
         "format": "DD/MM/YYYY", "valueFormat": "YYYY-MM-DD", "default": "2023-01-01"},
        {"name": "keywords", "type": "array", "title": "Search keywords", "editor": "stringList",
         "description": "Pretend the products were found by these searches: each keyword "
         "appears in titles and in <code>search_keyword</code>. Empty = any product.",
         "default": [{"string": "kettle"}, {"string": "headphones"}]},
        {"name": "extra_fields", "type": "object", "title": "Extra fields", "editor": "json",
         "description": "Constant key/value pairs added to every row.", "default": {}},
        {"name": "sources", "type": "array", "title": "Marketplaces",
         "editor": "requestListSource", "description": "Where the products are listed.",
         "default": [{"url": "https://shop.example.com", "marketplace": "Example Shop"}],
         "param_list": [
             {"param": "url", "title": "Catalogue URL", "required": True,
              "description": "Listing page of the marketplace."},
             {"param": "marketplace", "title": "Marketplace name",
              "description": "Shown in the <code>marketplace</code> column."}],
         "sectionCaption": "Sources", "sectionDescription": "Where the data comes from."},
        {"name": "notes", "type": "string", "title": "Run notes", "editor": "textarea",
         "description": "Free text copied to the run log, e.g. why you ran it.", "default": ""},
    ],
}

HEADERS = [
    {"key": key, "label": key.replace("_", " ").capitalize(), "format": "text"}
    for key in ["index", "product_id", "title", "brand", "category", "price", "price_text",
                "currency", "discount", "in_stock", "stock", "rating", "review_count", "seller",
                "tags", "reviews", "colour", "dimensions", "ean", "description", "search_keyword",
                "listed_on", "updated_at", "scraped_at", "marketplace", "url"]
]


def _options(reader: InputReader) -> PoolOptions:
    categories = tuple(reader.array("categories"))
    unknown = [name for name in categories if name not in CATEGORIES]
    if unknown or not categories:
        raise WorkerFailed(f"Input 'categories' must be a non-empty subset of {list(CATEGORIES)}; "
                           f"got {list(categories)}.")
    raw_date = reader.string("start_date")
    try:
        start = date.fromisoformat(raw_date[:10])
    except ValueError:
        raise WorkerFailed(f"Input 'start_date' must be YYYY-MM-DD, got {raw_date!r}.") from None
    # stringList values arrive as [{"string": ...}] or as plain strings; take both.
    keywords = [item.get("string") if isinstance(item, dict) else item
                for item in reader.array("keywords")]
    sources = tuple(
        (item["url"], str(item.get("marketplace") or item["url"]))
        for item in reader.array("sources")
        if isinstance(item, dict) and isinstance(item.get("url"), str) and item["url"].strip()
    )
    return PoolOptions(
        seed=reader.integer("seed"),
        categories=categories,
        currency=reader.choice("currency"),
        locale=reader.choice("locale"),
        max_reviews=reader.choice("max_reviews"),
        start_date=start,
        keywords=tuple(k.strip() for k in keywords if isinstance(k, str) and k.strip()),
        sources=sources or (("https://shop.example.com", "Example Shop"),),
    )


def catalogue_rows(custom: dict[str, Any], start: int, stop: int) -> list[dict[str, Any]]:
    """Rows ``start`` to ``stop - 1`` of the catalogue for ``custom``, without a run.

    Args:
        custom: The Worker input (defaults fill the gaps).
        start: First row index.
        stop: One past the last row index.

    Returns:
        The rows, exactly as a run with the same input would push them.

    Raises:
        WorkerFailed: An input is invalid.
    """
    reader = InputReader(SCHEMA, custom)
    rows = _Generator(_options(reader), reader.object("extra_fields")).rows(start, stop)
    return reprice(rows, reader.integer("edition"), LOCALES[reader.choice("locale")][0])


class _Generator:
    """Row factory for one set of inputs; holds the pools."""

    def __init__(self, options: PoolOptions, extra: dict[str, Any]) -> None:
        try:
            json.dumps(extra)
        except (TypeError, ValueError) as exc:
            raise WorkerFailed(f"Input 'extra_fields' must be JSON: {exc}") from None
        self.pools = build_pools(options)
        self.long = long_texts(options.seed)
        self.extra = extra
        self.salt = (options.seed * 0xD1B54A32D192ED03 + 1) & _MASK
        self.prefix = f"CAT{options.seed % 1000:03d}-"

    def rows(self, start: int, stop: int) -> list[dict[str, Any]]:
        """Build rows ``start`` .. ``stop - 1``; the hot loop, so everything is local."""
        products, listings = self.pools.products, self.pools.listings
        urls, extra, prefix = self.pools.url_prefixes, self.extra, self.prefix
        salt, shift, mask = self.salt, 64 - _POOL_BITS, POOL_SIZE - 1
        out: list[dict[str, Any]] = []
        append = out.append
        for i in range(start, stop):
            h = (i * _MUL + salt) & _MASK
            product_id = f"{prefix}{i:08d}"
            j = (h >> 20) & mask
            row = {"index": i, "product_id": product_id, **products[h >> shift], **listings[j],
                   "url": urls[j] + product_id}
            if i % LONG_TEXT_EVERY == _LONG_TEXT_AT:
                row["description"] = self.long[i // LONG_TEXT_EVERY % len(self.long)]
            if extra:
                row.update(extra)
            append(row)
        return out


def run(ctx: RunContext, custom: dict[str, Any]) -> None:
    """Push ``rows`` catalogue rows in batches, checking for abort between batches.

    Args:
        ctx: The run context.
        custom: The run's input; see ``SCHEMA``.

    Raises:
        WorkerFailed: An input is invalid.
    """
    reader = InputReader(SCHEMA, custom)
    total = reader.integer("rows")
    chunk_size = reader.integer("chunk_size")
    rate = reader.number("rows_per_second")
    generator = _Generator(_options(reader), reader.object("extra_fields"))
    edition, separator = reader.integer("edition"), LOCALES[reader.choice("locale")][0]
    window = edition_window(total, edition)
    notes = reader.string("notes").strip()
    if notes:
        ctx.log(2, f"Run notes: {notes}")
    if rate > 0:
        # A 5000-row batch at 10 rows/s would arrive as one lump every 500 s.
        chunk_size = max(1, min(chunk_size, math.ceil(rate / _PACED_BATCHES_PER_SECOND)))
    ctx.set_headers(HEADERS)
    ctx.log(2, f"Generating {total} catalogue row(s) in batches of {chunk_size}"
               + (f" at {rate:g} rows/s." if rate > 0 else "."))
    next_report = total // 10
    for done in range(0, total, chunk_size):
        ctx.checkpoint()
        stop = min(done + chunk_size, total)
        ctx.push(reprice(generator.rows(window[done], window[stop - 1] + 1), edition, separator))
        if stop >= next_report and stop < total:
            ctx.log(1, f"{stop} of {total} rows ({100 * stop // total}%).")
            next_report = stop + max(1, total // 10)
        if rate > 0:
            ctx.sleep((stop - done) / rate)
    ctx.log(2, f"Done: {total} row(s).")


WORKER = WorkerSpec(
    slug="01JE28JT97KB6CQ643DZVMXXQK",
    path="coreclaw/catalogue-generator",
    title="Product Catalogue Generator",
    description=(
        "Generate a realistic product catalogue: thousands to millions of rows with prices, "
        "sellers, reviews, tags and dates. Deterministic for a seed; great for testing."
    ),
    version="v1.0.3",
    readme="""# Product Catalogue Generator

Produces a product catalogue as if scraped from online shops, as many rows as you ask
for (up to 5 million), quickly and the same every time for the same **Seed**.

## Output
Each row is a product listing: `index`, `product_id`, `title`, `brand`, `category`,
`price` (number) and `price_text` (the same price as text, in the chosen locale),
`currency`, `in_stock`, `stock` (text), `rating`, `review_count`, `seller`
(`{name, country, rating}`), `tags` (list), `reviews` (list of `{author, stars, text}`),
`ean`, `description`, `listed_on` (date), `updated_at` (date-time with zone),
`scraped_at` (date-time without zone), `marketplace` and `url`.

Like real scraped data, some columns are missing from some rows (`discount`,
`colour`, `dimensions`, `reviews`), some values are `null`, numbers sometimes come
as text, one row in two thousand has a description longer than 40,000 characters, and
some texts start with `=`, `+`, `-` or `@`. Export with care!

## Tips
- Set **Rows per second** to watch rows arrive while the run is still going.
- **Extra fields** (JSON) are copied into every row, e.g. `{"batch": "2024-Q3"}`.

## Editions
**Edition** 2, 3, ... is the same shop scraped again later. With `n` rows and
`step = max(1, n // 100)`, edition `e` lists the products with index `(e - 1) * step`
to `(e - 1) * step + n - 1` (each edition drops the `step` oldest products and adds
`step` new ones), and in edition `e` every product whose index ends in the digit
`e % 10` rises in price (`price` and `price_text` only) by 5% of its edition-1 price,
at least one cent (or one yen). Editions `N` and `N + 1` therefore differ by `step`
removed products, `step` added ones and the prices of the products in both whose
index ends in `(N + 1) % 10`.

Unique key: `product_id`
""",
    input_schema=SCHEMA,
    run=run,
    price_per_row=0.00001,
)
