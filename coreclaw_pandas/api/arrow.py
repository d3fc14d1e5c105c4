"""Big results: Arrow and polars out, chunks of bounded size, and Parquet datasets.

``cc.results_arrow`` and ``cc.results_polars`` give the frame of ``cc.results_df`` as a
``pyarrow.Table`` or a polars frame; ``cc.iter_results_df`` yields a run's rows as frames
of ``chunk_rows`` rows with one set of dtypes; ``cc.to_parquet`` streams a run of any size
into a Parquet dataset, holding one chunk at a time. All read pages by the fast path
(:mod:`.pages`). docs/scale.md says which to use when.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from .. import frames
from .._warnings import warn
from ..client import Client, ReadTally
from ..exceptions import InputError
from ..models import TablePage
from ..progress import CountBar
from . import pages
from .default import RunLike, resolve_client, run_slug_of
from .results import IncompleteResultsWarning, results_df

__all__ = ["iter_results_df", "results_arrow", "results_polars", "to_parquet"]

#: Rows built at once by ``to_parquet``, one row group each. Building and writing a chunk
#: costs about 2.3 KB a row of the catalogue's 31 columns (its pages, the frame and the
#: frame's Arrow copy at once), so 50,000 rows hold about 115 MB.
PARQUET_CHUNK_ROWS = 50_000


def results_arrow(run: RunLike, **options: Any) -> Any:
    """A run's rows as a ``pyarrow.Table``: the frame of :func:`results_df`, in Arrow.

    Lists and nested objects kept whole become Arrow lists and structs where their
    values allow, else JSON text (named in the schema's metadata); the provenance of
    ``df.attrs["coreclaw"]`` is in the metadata too.

    Args:
        run: A Run or run_slug.
        **options: As :func:`results_df` (``columns``, ``max_rows``, ``client``...).
    """
    return frames.frame_to_arrow(results_df(run, **options))


def results_polars(run: RunLike, *, lazy: bool = False, **options: Any) -> Any:
    """A run's rows as a polars ``DataFrame`` (``LazyFrame`` with ``lazy=True``).

    Needs the ``polars`` extra (``pip install coreclaw-pandas[polars]``); polars is
    imported only here.

    Args:
        run: A Run or run_slug.
        lazy: Return a ``LazyFrame``.
        **options: As :func:`results_df`.

    Raises:
        ImportError: polars is not installed (the message says how to install it).
    """
    try:
        import polars as pl
    except ImportError as err:
        raise ImportError(
            "cc.results_polars needs polars: pip install 'coreclaw-pandas[polars]'."
        ) from err
    frame: Any = pl.from_arrow(results_arrow(run, **options))
    return frame.lazy() if lazy else frame


def iter_results_df(
    run: RunLike,
    *,
    chunk_rows: int = 100_000,
    columns: list[str] | None = None,
    dtypes: Mapping[str, Any] | None = None,
    progress: bool | None = None,
    client: Client | None = None,
) -> Iterator[pd.DataFrame]:
    """A run's rows as frames of ``chunk_rows`` rows, in order, with stable dtypes.

    Memory holds one chunk (and the pages being fetched), whatever the run's size. Each
    chunk has the first chunk's columns and dtypes (the Worker's header columns always
    among them), so the chunks concatenate; a later value that does not fit widens its
    column (``Int64`` to ``Float64``, else ``object``) from that chunk on, and
    ``dtypes=`` fixes a column's dtype for every chunk. The index runs on across chunks.
    Missing rows give an :class:`IncompleteResultsWarning` at the end.

    Args:
        run: A Run or run_slug.
        chunk_rows: Rows per frame (the last may be shorter).
        columns: Keep only these columns (the row id is always kept).
        dtypes: Column dtypes to force in every chunk, e.g. ``{"price_text": "Float64"}``.
        progress: Force the row bar on/off.
        client: The client to use instead of the default.

    Example:
        >>> for chunk in cc.iter_results_df(run, chunk_rows=50_000):
        ...     chunk.to_csv("rows.csv", mode="a")
    """
    if chunk_rows < 1:
        raise InputError([f"`chunk_rows` must be at least 1, got {chunk_rows}"])
    c = resolve_client(client)
    slug = run_slug_of(run)
    current = c.run(slug)
    tally = ReadTally()
    stable = frames.StableDtypes(dtypes)
    chunk = _Chunk(c, slug, columns)
    start = 0
    with CountBar(f"rows of {slug}", total=current.results, progress=progress) as bar:
        for page in pages.read_pages(c, slug, max_rows=None, expected=current.results, tally=tally):
            bar.set_total(max(current.results, tally.expected))
            bar.advance(pages.page_rows(page))
            rest: pages.Page | None = page
            while rest is not None:
                head, rest = _split(rest, chunk_rows - chunk.rows)
                chunk.add(head)
                if chunk.rows >= chunk_rows:
                    df = stable.apply(chunk.build(), start=start)
                    start += len(df)
                    chunk = chunk.next()
                    yield df
                    # Not held while the next chunk is read: memory is one chunk, not two.
                    del df
    if chunk.rows or start == 0:
        yield stable.apply(chunk.build(), start=start)
    if not tally.complete:
        warn(
            IncompleteResultsWarning(
                f"Run {slug}: the platform served an incomplete result "
                f"({'; '.join(tally.problems())}). The chunks hold the {tally.rows:,} rows "
                f"read: read again later with cc.iter_results_df({slug!r})."
            )
        )


def _split(page: pages.Page, rows: int) -> tuple[pages.Page, pages.Page | None]:
    """The first ``rows`` rows of a page, and the rest (None when nothing is left)."""
    if pages.page_rows(page) <= rows:
        return page, None
    if isinstance(page, TablePage):
        head = replace(page, table=page.table.slice(0, rows), ids=page.ids[:rows])
        tail = replace(page, table=page.table.slice(rows), ids=page.ids[rows:], headers=[])
        return head, tail
    return replace(page, rows=page.rows[:rows]), replace(page, rows=page.rows[rows:])


class _Chunk:
    """The pages of one chunk, built by the fast path or, where Arrow cannot be exact, as dicts."""

    def __init__(self, c: Client, slug: str, columns: list[str] | None) -> None:
        self.c, self.slug, self.columns = c, slug, columns
        self.builder = frames.FrameBuilder(columns=columns)
        self.headers: list[Any] = []
        self.first_page = 0
        self.last_page = 0
        self.rows = 0

    def add(self, page: pages.Page) -> None:
        self.headers = pages.add_page(self.builder, page) or self.headers
        self.first_page = self.first_page or page.page_index
        self.last_page = page.page_index
        self.rows += pages.page_rows(page)

    def next(self) -> _Chunk:
        following = _Chunk(self.c, self.slug, self.columns)
        following.builder.set_headers(self.headers)
        following.headers = self.headers
        return following

    def build(self) -> pd.DataFrame:
        try:
            return self.builder.build()
        except frames.InexactColumnError:
            # Arrow widened ints next to other values: read this chunk's pages as dicts.
            builder = frames.FrameBuilder(self.headers, columns=self.columns)
            for index in range(self.first_page, self.last_page + 1):
                builder.add_rows(self.c.results_page(self.slug, page_index=index).rows)
            return builder.build()


def to_parquet(
    run: RunLike,
    path: str | Path,
    *,
    rows_per_file: int = 1_000_000,
    columns: list[str] | None = None,
    dtypes: Mapping[str, Any] | None = None,
    progress: bool | None = None,
    client: Client | None = None,
) -> Path:
    """Stream a run of any size into a Parquet dataset (a folder of files).

    Rows are read and written ``PARQUET_CHUNK_ROWS`` at a time, so memory does not grow
    with the run; each file holds up to ``rows_per_file`` rows, named
    ``part-00000.parquet``, ``part-00001.parquet``... Dtypes stay those of the first
    chunk (see :func:`iter_results_df`); lists become Arrow lists, and a column whose
    values Arrow cannot type is stored as JSON text in every file. Read it back with
    ``pd.read_parquet(path)`` or ``pyarrow.dataset.dataset(path)``.

    Args:
        run: A Run or run_slug.
        path: The folder to write (created; existing ``part-*.parquet`` files are replaced).
        rows_per_file: Rows per file.
        columns: Keep only these columns (the row id is always kept).
        dtypes: Column dtypes to force, as in :func:`iter_results_df`.
        progress: Force the row bar on/off.
        client: The client to use instead of the default.

    Returns:
        The folder.
    """
    if rows_per_file < 1:
        raise InputError([f"`rows_per_file` must be at least 1, got {rows_per_file}"])
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("part-*.parquet"):
        old.unlink()
    writer = frames.ParquetParts(folder, rows_per_file=rows_per_file)
    with writer:
        for chunk in iter_results_df(
            run,
            chunk_rows=min(rows_per_file, PARQUET_CHUNK_ROWS),
            columns=columns,
            dtypes=dtypes,
            progress=progress,
            client=client,
        ):
            writer.write(chunk)
            del chunk  # not held while the next one is built
    return folder
