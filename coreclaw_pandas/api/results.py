"""The DataFrame side of the notebook API: results, run history, logs.

``cc.results_df`` reads every row of a run into a DataFrame (concurrently, with
a progress bar, cached on disk once the run has finished); ``cc.runs_df`` and
``cc.log`` turn the history and the log into frames (the platform's own export is
:mod:`.exports`). Like :mod:`.runs`, each helper takes ``client=`` and a Run or a
run_slug.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import pandas as pd

from .. import frames
from .._warnings import warn
from ..client import Client, ReadTally
from ..exceptions import CoreClawError, InputError
from ..frames import cache
from ..models import Run, RunStatus
from ..progress import CountBar
from . import pages
from .default import RunLike, resolve_client, run_slug_of

__all__ = [
    "IncompleteResultsError",
    "IncompleteResultsWarning",
    "PartialResultsWarning",
    "clear_cache",
    "log",
    "results_df",
    "runs_df",
]


class PartialResultsWarning(UserWarning):
    """The run had not finished: the DataFrame holds only the rows so far."""


class IncompleteResultsWarning(UserWarning):
    """The platform served fewer rows than the run holds; the frame is short (not cached)."""


class IncompleteResultsError(CoreClawError):
    """With ``strict=True``: the platform served fewer rows than the run holds.

    Attributes:
        run_slug: The run.
        tally: What the read found (expected and kept rows, short pages, duplicates).
    """

    def __init__(self, message: str, *, run_slug: str, tally: ReadTally) -> None:
        super().__init__(message)
        self.run_slug = run_slug
        self.tally = tally


def results_df(
    run: RunLike,
    *,
    columns: list[str] | None = None,
    flatten: bool = True,
    max_rows: int | None = None,
    dtypes: Mapping[str, Any] | None = None,
    labels: bool = False,
    cache: bool = True,
    strict: bool = False,
    progress: bool | None = None,
    client: Client | None = None,
    on_error_rows: str = "keep",
    follow: bool = False,
    dtype_backend: str | None = None,
    source: str = "pages",
) -> pd.DataFrame:
    """Every result row of a run as a DataFrame, with provenance in ``df.attrs``.

    Pages are fetched several at a time, up to the run's row count; a page that
    comes back short, empty or null is read again, and rows are de-duplicated by
    ``__coreclaw_data_id__``. The rows read are compared with the run's row count:
    if any are missing (or list items were not objects), an
    :class:`IncompleteResultsWarning` names the pages and counts, or with
    ``strict=True`` an :class:`IncompleteResultsError` is raised; such a frame is
    never cached. A finished, complete run's frame is cached on disk for the
    account (API key) that read it, so running the cell again costs one call (the
    run's detail, which checks the key still reaches the run). A run still going
    gives the rows so far, with a :class:`PartialResultsWarning`.

    Args:
        run: A Run or run_slug.
        columns: Keep only these columns (the row id is always kept).
        flatten: Nested dicts become dotted columns (lists stay lists).
        max_rows: Stop after this many rows.
        dtypes: Column dtypes to force, e.g. ``{"price_text": "Float64"}``.
        labels: Name columns by the Worker's header labels instead of keys.
        cache: Read and write the on-disk cache of finished runs.
        strict: Raise :class:`IncompleteResultsError` instead of warning when rows are
            missing.
        progress: Force the row bar on/off; None decides by the output.
        client: The client to use instead of the default.
        on_error_rows: Rows that are only error markers (CAPTCHA, 403/429 pages):
            ``"keep"`` them, ``"warn"``, ``"drop"`` them or ``"raise"`` ErrorRowsError.
        follow: Wait for the end of a run still going, reading its rows as they
            appear (see ``cc.stream_results``), with one bar; returns every row.
        dtype_backend: As pandas' argument: ``"numpy_nullable"`` (what None gives) or
            ``"pyarrow"`` (every column an ``ArrowDtype``).
        source: ``"pages"``, or ``"export"`` for a finished run: the platform's export
            read into Arrow (three requests, not one per page; no row ids, so the id
            column is empty). Pages are read instead on any doubt (a row count that is
            not the run's, values Arrow cannot give exactly, ``max_rows``).

    Returns:
        The DataFrame; ``df.attrs["coreclaw"]`` holds run_slug, scraper_slug,
        worker_title, version, status, row_count, usage, fetched_at, base_url.
    """
    c = resolve_client(client)
    slug = run_slug_of(run)
    if source not in ("pages", "export"):
        raise InputError([f"`source` must be 'pages' or 'export', got {source!r}"])
    if follow:
        if max_rows is not None:
            raise InputError(["`follow=True` reads every row: leave out `max_rows`"])
        from .stream import follow_frame  # the live read, loaded only when asked for

        followed = follow_frame(
            slug,
            c,
            columns=columns,
            flatten=flatten,
            dtypes=dtypes,
            labels=labels,
            progress=progress,
        )
        if dtype_backend is not None:
            followed = _with_backend(followed, dtype_backend)
        return frames.apply_error_rows(followed, on_error_rows, run_slug=slug)
    options = json.dumps(
        {
            "columns": columns,
            "flatten": flatten,
            "max_rows": max_rows,
            "labels": labels,
            "dtypes": {k: str(v) for k, v in (dtypes or {}).items()},
            **({"dtype_backend": dtype_backend} if dtype_backend else {}),
            **({"source": source} if source != "pages" else {}),
        },
        sort_keys=True,
    )
    # One call authorises every read, a cache hit included: the cache belongs to an account
    # and this key must still reach the run (docs/platform.md §1.4, run detail). Its row count
    # also tells whether the cached frame is still the whole run.
    current = c.run(slug)
    total = current.results if max_rows is None else min(current.results, max_rows)
    account = c.cache_account
    if cache and current.is_terminal and account:
        hit = _cache_load(c.base_url, slug, options, account)
        if hit is not None and frames.provenance_of(hit).get("row_count") == total:
            return frames.apply_error_rows(hit, on_error_rows, run_slug=slug)
    exported = None
    if source == "export" and current.is_terminal and max_rows is None:
        exported = pages.build_from_export(
            c, slug, columns=columns, dtypes=dtypes, labels=labels, expected=current.results
        )
    with CountBar(f"rows of {slug}", total=total, progress=progress) as bar:
        df, tally = exported or pages.build_frame(
            c, slug, columns=columns, flatten=flatten, dtypes=dtypes, labels=labels,
            max_rows=max_rows, expected=current.results, bar=bar,
        )  # fmt: skip
    if dtype_backend is not None:
        df = _with_backend(df, dtype_backend)
    frames.set_provenance(df, _run_provenance(c, current, len(df)))
    if not tally.complete:
        _report_incomplete(slug, tally, strict=strict)
    elif current.is_terminal:
        if cache and account:
            _cache_store(df, c.base_url, slug, options, account)
    if not current.is_terminal:
        warn(
            PartialResultsWarning(
                f"Run {slug} is still {current.status.label}: the DataFrame holds the "
                f"{len(df)} rows produced so far. Call cc.wait({slug!r}) and read again for "
                "all of them."
            )
        )
    # A post-step on the built frame, whichever way it was read.
    return frames.apply_error_rows(df, on_error_rows, run_slug=slug)


def _with_backend(df: pd.DataFrame, backend: str) -> pd.DataFrame:
    if backend not in ("numpy_nullable", "pyarrow"):
        allowed = "'numpy_nullable' or 'pyarrow'"
        raise InputError([f"`dtype_backend` must be {allowed}, got {backend!r}"])
    if backend == "numpy_nullable":
        return df  # the builder's dtypes are pandas' nullable ones already
    return frames.with_arrow_dtypes(df)



def _report_incomplete(slug: str, tally: ReadTally, *, strict: bool) -> None:
    what = "; ".join(tally.problems())
    if strict:
        raise IncompleteResultsError(
            f"Run {slug}: the platform served an incomplete result ({what}). Nothing was "
            f"cached. Read again later with cc.results_df({slug!r}), or pass strict=False to "
            "get the rows that were read, with a warning.",
            run_slug=slug,
            tally=tally,
        )
    warn(
        IncompleteResultsWarning(
            f"Run {slug}: the platform served an incomplete result ({what}). The DataFrame "
            f"holds the {tally.rows:,} rows read and was not cached: read again later with "
            f"cc.results_df({slug!r}), or pass strict=True to make this an error."
        )
    )


def _cache_load(base_url: str, slug: str, options: str, account: str) -> pd.DataFrame | None:
    try:
        return cache.load(base_url, slug, options, account=account)
    except Exception:  # a cache is an optimisation: never the reason a call fails
        return None


def _cache_store(df: pd.DataFrame, base_url: str, slug: str, options: str, account: str) -> None:
    try:
        cache.store(df, base_url, slug, options, account=account)
    except Exception as exc:
        warn(UserWarning(f"Could not cache run {slug} on disk ({exc}); the results are fine."))


def clear_cache() -> int:
    """Delete every cached result frame; returns how many files were removed."""
    return cache.clear_cache()


def log(run: RunLike, *, tail: int | None = None, client: Client | None = None) -> pd.DataFrame:
    """A run's recent log entries as a DataFrame (timestamp, level, group, content).

    ``tail=50`` keeps the last 50 of them; ``cc.stream_log`` follows a log as it grows.
    """
    entries = resolve_client(client).log(run_slug_of(run)).entries
    return frames.log_to_frame(entries[-tail:] if tail else entries)


def runs_df(
    *,
    scraper_slug: str | None = None,
    status: RunStatus | int | str | None = None,
    limit: int | None = None,
    since: datetime | str | None = None,
    until: datetime | str | None = None,
    client: Client | None = None,
) -> pd.DataFrame:
    """Run history as a DataFrame with real dtypes, newest first.

    Args:
        scraper_slug: Only runs of this Worker.
        status: Only runs with this status (``"succeeded"``, ``RunStatus.FAILED``, 3, ...).
        limit: At most this many runs.
        since: Only runs started at or after this time (a datetime or ISO string; UTC if
            naive). API v2 serves one month per request, so without ``since`` the last
            12 months are read.
        until: Only runs started before this time.
        client: The client to use instead of the default.

    Example:
        >>> cc.runs_df(status="failed", since="2026-09-01")
    """
    if isinstance(status, str):
        try:
            status = RunStatus.from_label(status)
        except KeyError:
            labels = ", ".join(s.label for s in RunStatus)
            raise InputError([f"`status` must be one of {labels}, got {status!r}"]) from None
    runs = resolve_client(client).iter_runs(
        status=status,
        scraper_slug=scraper_slug,
        limit=limit,
        since=_moment(since, "since"),
        until=_moment(until, "until"),
    )
    return frames.runs_to_frame(list(runs))


def _moment(value: datetime | str | None, name: str) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    try:
        return pd.Timestamp(value).to_pydatetime()
    except ValueError:
        raise InputError(
            [f"`{name}` must be a datetime or an ISO date such as '2026-09-01', got {value!r}"]
        ) from None


def _run_provenance(c: Client, run: Run, rows: int) -> dict[str, Any]:
    return frames.run_provenance(run, rows, base_url=c.base_url, api_version=c.api_version)
