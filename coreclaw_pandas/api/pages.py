"""Feeding a run's result pages into a frame builder, by the fast path where it is exact.

Shared by :func:`~.results.results_df` and the Arrow, chunked and Parquet readers of
:mod:`.arrow`. Pages are read by the bulk path (:meth:`Client.iter_table_pages`: raw
replies parsed into Arrow in batches, pages in flight following the round trip) and
each page's rows go to the builder as a table, or as dicts for a page Arrow could not
take exactly; the frame is the same either way (tests/frames/test_arrow_identity.py).
"""

from __future__ import annotations

import gc
import json
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import pandas as pd

from .. import frames
from ..client import Client, ReadTally
from ..models import ResultHeader, ResultPage, TablePage
from ..progress import CountBar

__all__ = ["Page", "add_page", "build_frame", "page_rows", "read_pages"]

Page = ResultPage | TablePage


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic collection while a read builds millions of acyclic objects.

    Each collection walks every live container again (the issue's profile: ``json``
    parsing took twice its cost in isolation); reference counting still frees them.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def read_pages(
    c: Client,
    slug: str,
    *,
    max_rows: int | None,
    expected: int | None,
    tally: ReadTally,
    fast: bool = True,
) -> Iterator[Page]:
    """The run's pages in order, by the bulk path (``fast``) or the general one."""
    if not fast:
        return c.iter_result_pages(slug, max_rows=max_rows, expected=expected, tally=tally)
    return c.iter_table_pages(
        slug, decode=frames.PageDecoder(), max_rows=max_rows, expected=expected, tally=tally
    )


def page_rows(page: Page) -> int:
    """Rows on a page."""
    return page.row_count if isinstance(page, TablePage) else len(page.rows)


def add_page(builder: frames.FrameBuilder, page: Page) -> list[ResultHeader]:
    """Add one page's rows to ``builder``; the page's headers (may be empty)."""
    if page.headers:
        builder.set_headers(page.headers)
    if isinstance(page, TablePage):
        builder.add_table(page.table)
    else:
        builder.add_rows(page.rows)
    return page.headers


def fill(builder: frames.FrameBuilder, pages: Iterator[Page], on_page: Any = None) -> None:
    """Add every page to ``builder``; ``on_page(rows)`` after each (a progress bar)."""
    for page in pages:
        add_page(builder, page)
        if on_page is not None:
            on_page(page_rows(page))


def build_frame(
    c: Client,
    slug: str,
    *,
    columns: Sequence[str] | None,
    flatten: bool,
    dtypes: Mapping[str, Any] | None,
    labels: bool,
    max_rows: int | None,
    expected: int,
    bar: CountBar,
) -> tuple[pd.DataFrame, ReadTally]:
    """Read every page into a frame: the fast path, or dicts when Arrow cannot be exact.

    Arrow's frame is the builder's, except in one case it reports at build time (a
    column of numbers and other values, see ``InexactColumnError``); the pages are then
    read again as dicts, so the frame is always the one the general path gives.
    """
    total = expected if max_rows is None else min(expected, max_rows)
    # Arrow gives nested objects back whole only approximately: the fast path flattens.
    for fast in (True, False) if flatten else (False,):
        builder = frames.FrameBuilder(columns=columns)
        tally = ReadTally()
        read = read_pages(c, slug, max_rows=max_rows, expected=expected, tally=tally, fast=fast)
        bar.set_to(0)
        try:
            with _gc_paused():
                for page in read:
                    add_page(builder, page)
                    bar.set_total(max(total, tally.expected))
                    bar.advance(page_rows(page))
                return builder.build(flatten=flatten, dtypes=dtypes, labels=labels), tally
        except frames.InexactColumnError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def build_from_export(
    c: Client,
    slug: str,
    *,
    columns: Sequence[str] | None,
    dtypes: Mapping[str, Any] | None,
    labels: bool,
    expected: int,
) -> tuple[pd.DataFrame, ReadTally] | None:
    """The frame from the platform's export of a finished run, or None on any doubt.

    JSON lines where the API offers them (v2), parsed into Arrow; JSON otherwise. The
    export carries no row ids, so the id column is left empty (NA). None (read pages
    instead) when the export's row count is not the run's, or Arrow cannot be exact.
    """
    fmt = "jsonl" if c.api_version == "v2" else "json"
    headers = c.results_page(slug, page_index=1, page_size=1).headers
    builder = frames.FrameBuilder(headers, columns=columns)
    with tempfile.TemporaryFile() as file, _gc_paused():
        c.download(c.export_url(slug, format=fmt), file)
        file.seek(0)
        if fmt == "jsonl":
            table = frames.read_json_lines(file)
            if table is None:
                return None
            builder.add_table(table)
        else:
            rows = json.load(file)
            if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
                return None
            builder.add_rows(rows)
        if builder.row_count != expected:
            return None
        try:
            df = builder.build(dtypes=dtypes, labels=labels)
        except frames.InexactColumnError:
            return None
    if frames.ID_COLUMN not in df.columns:
        df[frames.ID_COLUMN] = pd.array([None] * len(df), dtype=pd.StringDtype("pyarrow"))
    return df, ReadTally(expected=expected, rows=len(df))
