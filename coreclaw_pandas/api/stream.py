"""Live reads: a run's rows as typed chunks while it goes, its log as it grows.

``cc.stream_results`` yields DataFrames with the columns, dtypes and provenance of
``cc.results_df``; the chunks of one stream share their dtypes (those of the first
chunk, widened by columns that were empty until then), and a chunk whose values do
not fit says so. ``cc.results_df(run, follow=True)`` reads the same way into one
frame, and ``cc.stream_log`` yields the log's new entries. The poll loop and its
request budget are in :mod:`.follow`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pandas as pd

from .. import frames
from .._warnings import warn
from ..client import Client
from ..models import ID_COLUMN, LogEntry, Run
from ..progress import CountBar
from .default import RunLike, resolve_client, run_slug_of
from .follow import MAX_REQUESTS_PER_MINUTE, Batch, LiveClock, RealClock, follow_rows

__all__ = ["ChunkDtypeWarning", "follow_frame", "stream_log", "stream_results"]


#: The row id under its name and under the platform's name before the rebrand.
_ID_COLUMNS = (ID_COLUMN, "__cafe_data_id__")


class ChunkDtypeWarning(UserWarning):
    """A chunk's values did not fit the dtypes of the stream's earlier chunks."""


def stream_results(
    run: RunLike,
    *,
    every: float | None = None,
    min_rows: int = 1,
    columns: list[str] | None = None,
    flatten: bool = True,
    dtypes: Mapping[str, Any] | None = None,
    labels: bool = False,
    timeout: float | None = None,
    max_requests_per_minute: int = MAX_REQUESTS_PER_MINUTE,
    clock: LiveClock | None = None,
    client: Client | None = None,
) -> Iterator[pd.DataFrame]:
    """Yield a run's rows as DataFrames while it goes, until every row has been read.

    Each poll reads from where the last one ended. The stream ends only once the run
    has ended and a drain pass after that finds no more rows (the run's row count
    trails its rows), so the chunks together hold every row once: concatenated,
    they equal ``cc.results_df(run)`` read afterwards. Polls adapt to the run's
    pace and make at most ``max_requests_per_minute`` detail and result requests
    in any minute while the run goes; reading the rest after its end is not held
    to that.

    Each chunk has the columns, dtypes and provenance (``df.attrs["coreclaw"]``)
    of ``results_df``, its index continues the previous chunk's, and its dtypes are
    the first chunk's. A chunk whose values do not fit keeps its own dtype for
    that column, lists why in ``attrs["coreclaw"]["dtype_changes"]`` and warns with
    :class:`ChunkDtypeWarning`. Provenance adds ``chunk`` (1, 2, ...), ``offset``
    (rows before it), ``final`` (True when the run had ended and been drained as the
    chunk was made; the last chunk may come before that is known), ``polls`` and
    ``requests`` (made so far).

    Args:
        run: A Run or run_slug (a run started elsewhere is fine).
        every: Seconds between polls at least; None lets the request budget set it.
        min_rows: Hold rows back until at least this many are new (the last chunk
            may be smaller).
        columns: Keep only these columns (the row id is always kept).
        flatten: Nested dicts become dotted columns.
        dtypes: Column dtypes to force, applied to every chunk.
        labels: Name columns by the Worker's header labels.
        timeout: Seconds to follow at most (``RunTimeoutError`` after; the run goes on).
        max_requests_per_minute: The request budget while the run goes.
        clock: Where time is read and slept; tests pass their own.
        client: The client to use instead of the default.

    Example:
        >>> for chunk in cc.stream_results(run, every=5, min_rows=500):
        ...     print(len(chunk), chunk.attrs["coreclaw"]["status"])
    """
    c = resolve_client(client)
    slug = run_slug_of(run)
    shaper = ChunkShaper(columns=columns, flatten=flatten, dtypes=dtypes, labels=labels)
    held: list[dict[str, Any]] = []
    offset = 0
    for batch in follow_rows(
        c,
        slug,
        every=every,
        timeout=timeout,
        max_requests_per_minute=max_requests_per_minute,
        clock=clock,
    ):
        held.extend(batch.rows)
        if held and (len(held) >= max(1, min_rows) or batch.final):
            yield shaper.chunk(held, offset=offset, batch=batch, client=c)
            offset += len(held)
            held = []
        elif batch.final and shaper.chunks == 0:
            # A run without rows still gives one (empty) chunk with its columns.
            yield shaper.chunk([], offset=0, batch=batch, client=c)


def follow_frame(
    slug: str,
    c: Client,
    *,
    columns: list[str] | None,
    flatten: bool,
    dtypes: Mapping[str, Any] | None,
    labels: bool,
    progress: bool | None,
    on_poll: Callable[[Run, int], None] | None = None,
    max_requests_per_minute: int = MAX_REQUESTS_PER_MINUTE,
) -> pd.DataFrame:
    """Every row of a run as one frame, read while it goes (``results_df(follow=True)``).

    Args:
        slug: The run.
        c: The client.
        columns: As for ``results_df``.
        flatten: As for ``results_df``.
        dtypes: As for ``results_df``.
        labels: As for ``results_df``.
        progress: Force the row bar on/off.
        on_poll: Called after every poll with the run as last read and the rows so far
            (background jobs show them).
        max_requests_per_minute: The request budget while the run goes.
    """
    builder = frames.FrameBuilder(columns=columns)
    last: Batch | None = None
    with CountBar(f"rows of {slug}", total=None, progress=progress) as bar:
        for batch in follow_rows(
            c, slug, on_poll=on_poll, max_requests_per_minute=max_requests_per_minute
        ):
            builder.set_headers(batch.headers)
            builder.add_rows(batch.rows)
            bar.advance(len(batch.rows))
            last = batch
    df = builder.build(flatten=flatten, dtypes=dtypes, labels=labels)
    if last is not None:
        frames.set_provenance(df, _run_provenance(c, last.run, len(df)))
    return df


class ChunkShaper:
    """Builds each chunk like ``results_df`` and holds the stream's dtypes steady.

    The first chunk's dtypes are the stream's; a column that was empty (no values
    yet) takes the dtype of the first chunk that fills it. Columns missing from a
    chunk are added, empty, so every chunk has every column seen so far.
    """

    def __init__(
        self,
        *,
        columns: list[str] | None = None,
        flatten: bool = True,
        dtypes: Mapping[str, Any] | None = None,
        labels: bool = False,
    ) -> None:
        self.columns, self.flatten, self.dtypes, self.labels = columns, flatten, dtypes, labels
        self.schema: dict[Any, Any] = {}
        self.chunks = 0

    def chunk(
        self, rows: list[dict[str, Any]], *, offset: int, batch: Batch, client: Client
    ) -> pd.DataFrame:
        """The DataFrame of ``rows``, conformed to the stream's dtypes, with provenance."""
        builder = frames.FrameBuilder(batch.headers, columns=self.columns)
        builder.add_rows(rows)
        df = builder.build(flatten=self.flatten, dtypes=self.dtypes, labels=self.labels)
        df.index = pd.RangeIndex(offset, offset + len(df))
        changes = self._conform(df)
        # The stream's column order (first seen first), the row id last, as results_df has it.
        order = [name for name in self.schema if name not in _ID_COLUMNS]
        df = df[order + [name for name in self.schema if name in _ID_COLUMNS]]
        self.chunks += 1
        info = _run_provenance(client, batch.run, len(df))
        info.update(
            chunk=self.chunks,
            offset=offset,
            final=batch.final,
            polls=batch.polls,
            requests=batch.requests,
        )
        if changes:
            info["dtype_changes"] = changes
            what = "; ".join(f"{name}: {why}" for name, why in changes.items())
            warn(
                ChunkDtypeWarning(
                    f"Chunk {self.chunks} of run {batch.run.slug} has values that do not fit "
                    f"the stream's dtypes ({what}); those columns keep this chunk's dtype. "
                    "Pass dtypes= (e.g. {'col': 'string'}) to fix a column's dtype for every "
                    "chunk."
                )
            )
        frames.set_provenance(df, info)
        return df

    def _conform(self, df: pd.DataFrame) -> dict[str, str]:
        changes: dict[str, str] = {}
        for name in [n for n in self.schema if n not in df.columns]:
            df[name] = _empty(self.schema[name], len(df))
        for name in list(df.columns):
            column = df[name]
            empty = bool(column.isna().all())
            want = self.schema.get(name)
            if want is None:
                if name not in self.schema or not empty:
                    self.schema[name] = None if empty and column.dtype == object else column.dtype
                continue
            if column.dtype == want:
                continue
            if empty:
                df[name] = _empty(want, len(df))
                continue
            try:
                df[name] = _fit(name, column, want)
            except (ValueError, TypeError, OverflowError) as exc:
                changes[str(name)] = f"{column.dtype} instead of {want} ({exc})"
        return changes


def _fit(name: Any, column: pd.Series, dtype: Any) -> Any:
    """``column`` as ``dtype``, refusing to cut fractions or turn text into numbers silently."""
    if pd.api.types.is_integer_dtype(dtype) and pd.api.types.is_float_dtype(column.dtype):
        fractional = column[column.notna() & (column % 1 != 0)]
        if len(fractional):
            raise ValueError(f"{fractional.iloc[0]!r} is not a whole number")
    if pd.api.types.is_object_dtype(column.dtype) and not pd.api.types.is_object_dtype(dtype):
        # An object column holds mixed values (text next to numbers): it is not the same kind.
        sample = column.dropna().iloc[0]
        raise ValueError(f"values such as {sample!r} are not {dtype}")
    return column.astype(dtype).array


def _empty(dtype: Any, length: int) -> Any:
    if dtype is None:
        return pd.array([None] * length, dtype=object)
    return pd.Series([pd.NA] * length, dtype=object).astype(dtype).array



def stream_log(
    run: RunLike,
    *,
    grep: str | None = None,
    every: float = 5.0,
    timeout: float | None = None,
    clock: LiveClock | None = None,
    client: Client | None = None,
) -> Iterator[LogEntry]:
    """Yield a run's log entries as they arrive, by timestamp, each once, until it ends.

    The platform serves the recent slice of the log (docs/platform.md §4.6); each poll
    yields the entries not seen before, oldest first. After the run has ended, one
    more read picks up its closing lines.

    Args:
        run: A Run or run_slug.
        grep: A regular expression; only entries whose content matches are yielded.
        every: Seconds between polls.
        timeout: Seconds to follow at most; the stream then simply ends.
        clock: Where time is read and slept; tests pass their own.
        client: The client to use instead of the default.

    Example:
        >>> for entry in cc.stream_log(run, grep="Error|403"):
        ...     print(entry.timestamp, entry.content)
    """
    c = resolve_client(client)
    slug = run_slug_of(run)
    pattern = re.compile(grep) if grep else None
    clock = clock or RealClock()
    seen: set[tuple[Any, ...]] = set()
    start = clock.monotonic()
    ended = False
    while True:
        state = c.run(slug)
        entries = sorted(c.log(slug).entries, key=_when)
        for entry in entries:
            key = (entry.timestamp, entry.level, entry.group, entry.content)
            if key in seen:
                continue
            seen.add(key)
            if pattern is None or pattern.search(entry.content or ""):
                yield entry
        if ended or (timeout is not None and clock.monotonic() - start >= timeout):
            return
        # One more read after the end: the closing lines may be written just after it.
        ended = state.is_terminal
        clock.sleep(0.5 if ended else every)


def _when(entry: LogEntry) -> float:
    return entry.timestamp.timestamp() if entry.timestamp is not None else 0.0


def _run_provenance(c: Client, run: Run, rows: int) -> dict[str, Any]:
    return frames.run_provenance(run, rows, base_url=c.base_url, api_version=c.api_version)
