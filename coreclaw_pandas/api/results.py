"""The DataFrame side of the notebook API: results, run history, logs, exports.

``cc.results_df`` reads every row of a run into a DataFrame (concurrently, with
a progress bar, cached on disk once the run has finished); ``cc.runs_df`` and
``cc.log`` turn the history and the log into frames; ``cc.export`` downloads the
platform's own export. Like :mod:`.runs`, each helper takes
``client=`` and a Run or a run_slug.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from .. import _clock, frames
from .._atomic import atomic_path
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
    "export",
    "log",
    "read_export",
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
            return hit
    if source not in ("pages", "export"):
        raise InputError([f"`source` must be 'pages' or 'export', got {source!r}"])
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
    frames.set_provenance(df, _provenance(c, current, len(df)))
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
    return df


def _with_backend(df: pd.DataFrame, backend: str) -> pd.DataFrame:
    if backend not in ("numpy_nullable", "pyarrow"):
        allowed = "'numpy_nullable' or 'pyarrow'"
        raise InputError([f"`dtype_backend` must be {allowed}, got {backend!r}"])
    if backend == "numpy_nullable":
        return df  # the builder's dtypes are pandas' nullable ones already
    return frames.with_arrow_dtypes(df)


def _provenance(c: Client, run: Run, rows: int) -> dict[str, Any]:
    return {
        "run_slug": run.slug,
        "scraper_slug": run.scraper_slug,
        "worker_title": run.scraper_title,
        "version": run.version,
        "status": run.status.label,
        "row_count": rows,
        "usage": run.usage,
        "fetched_at": _clock.utc_now().isoformat(timespec="seconds"),
        "base_url": c.base_url,
        "api_version": c.api_version,
    }


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


def log(run: RunLike, *, client: Client | None = None) -> pd.DataFrame:
    """A run's recent log entries as a DataFrame (timestamp, level, group, content)."""
    return frames.log_to_frame(resolve_client(client).log(run_slug_of(run)).entries)


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


def export(
    run: RunLike,
    path: str | Path,
    *,
    format: str = "csv",
    columns: list[str] | None = None,
    progress: bool | None = None,
    client: Client | None = None,
) -> Path:
    """Export a run's rows on the platform and download the file, atomically.

    The download link is fetched without the API key. No half-written file is
    left behind after an error.

    Args:
        run: A Run or run_slug.
        path: Where to write the file.
        format: ``"csv"`` or ``"json"``; on API v2 also ``"jsonl"``, ``"xlsx"``,
            ``"xls"``, ``"xml"``, ``"html"`` or ``"rss"``.
        columns: Keys to keep; all when None.
        progress: Force the byte bar on/off.
        client: The client to use instead of the default.

    Returns:
        The path written.
    """
    c = resolve_client(client)
    url = c.export_url(run_slug_of(run), format=format, columns=columns)
    target = Path(path)
    with (
        CountBar(
            f"download {target.name}", total=None, unit="B", unit_scale=True, progress=progress
        ) as bar,
        atomic_path(target) as tmp,
        open(tmp, "wb") as out,
    ):
        c.download(url, out, on_progress=bar.set_to)
    return target


#: How each export format is read back: a pandas reader and its options. Text stays
#: text (``dtype=str`` where the reader guesses): this reads what the platform wrote.
_READERS: Mapping[str, tuple[str, dict[str, Any]]] = {
    "xlsx": ("read_excel", {"engine": "openpyxl", "dtype": object}),
    "csv": ("read_csv", {"dtype": str, "keep_default_na": False, "na_values": [""]}),
    "json": ("read_json", {"orient": "records", "dtype": False, "convert_dates": False}),
    "jsonl": ("read_json", {"lines": True, "dtype": False, "convert_dates": False}),
}


def read_export(
    run: RunLike,
    *,
    format: str = "xlsx",
    columns: list[str] | None = None,
    progress: bool | None = None,
    client: Client | None = None,
) -> pd.DataFrame:
    """Read the platform's own export of a run into a DataFrame.

    The platform renders the file (``cc.export`` saves it instead); it is
    downloaded into memory without the API key and read with pandas (openpyxl for
    xlsx). Use it to check what the platform's export holds, or where the export is
    the agreed format; :func:`results_df` is the faster, typed way to the rows.

    Args:
        run: A Run or run_slug.
        format: ``"xlsx"`` (API v2 only), ``"csv"``, ``"json"`` or ``"jsonl"`` (v2).
        columns: Keys to keep; all when None.
        progress: Force the download's byte bar on/off.
        client: The client to use instead of the default.

    Returns:
        The rows as the export has them, with provenance in ``df.attrs["coreclaw"]``
        (``source`` is ``"export"``).

    Raises:
        InputError: ``format`` is not one this reader knows, or the API version cannot
            export it (v1 exports csv and json only).

    Example:
        >>> cc.read_export(run, format="xlsx").head()
    """
    if format not in _READERS:
        raise InputError(
            [f"`format` must be one of {', '.join(_READERS)} to read it back, got {format!r}"]
        )
    c = resolve_client(client)
    slug = run_slug_of(run)
    url = c.export_url(slug, format=format, columns=columns)
    buffer = io.BytesIO()
    with CountBar(
        f"download {slug}.{format}", total=None, unit="B", unit_scale=True, progress=progress
    ) as bar:
        c.download(url, buffer, on_progress=bar.set_to)
    buffer.seek(0)
    reader, options = _READERS[format]
    df = getattr(pd, reader)(buffer, **options)
    frames.set_provenance(df, {**_provenance(c, c.run(slug), len(df)), "source": "export"})
    return df
