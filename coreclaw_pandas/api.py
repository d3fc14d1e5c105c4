"""The notebook API: ``cc.run_worker``, ``cc.results_df`` and friends.

Thin helpers over a default :class:`~coreclaw_pandas.client.Client` built lazily
from :func:`configure` or the environment (``CORECLAW_API_KEY``,
``CORECLAW_BASE_URL``); every helper also takes ``client=``. Wherever a run is
meant, a :class:`~coreclaw_pandas.models.Run` or a run_slug string is accepted.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from . import _config, cache, frames
from ._warnings import warn
from .client import Client
from .exceptions import InputError, RunFailedError
from .models import Account, Run, RunStatus, Worker
from .progress import CountBar, RunBar
from .writers import atomic_path

__all__ = [
    "abort",
    "account",
    "clear_cache",
    "configure",
    "default_client",
    "export",
    "last_run",
    "log",
    "parse_callback",
    "rerun",
    "reset_client",
    "results_df",
    "run_task",
    "run_worker",
    "runs_df",
    "search_workers",
    "wait",
    "worker",
]

RunLike = Run | str

_default: Client | None = None
_default_lock = threading.Lock()


class PartialResultsWarning(UserWarning):
    """The run had not finished: the DataFrame holds only the rows so far."""


def configure(
    api_key: str | None = None,
    *,
    base_url: str | None = None,
    api_version: str | None = None,
    **options: Any,
) -> Client:
    """Set the default client used by every ``cc.*`` helper.

    Args:
        api_key: The API key (default: ``CORECLAW_API_KEY``).
        base_url: The API root (default: ``CORECLAW_BASE_URL``, then the platform).
        api_version: ``"v1"`` (default: ``CORECLAW_API_VERSION``, then v1).
        **options: Any other :class:`Client` option (timeout, max_retries, poll, ...).

    Returns:
        The new default client.

    Example:
        >>> cc.configure(base_url=emu.url, api_key=emu.api_key)
    """
    global _default
    client = Client(api_key, base_url=base_url, api_version=api_version, **options)
    with _default_lock:
        old, _default = _default, client
    if old is not None:
        old.close()
    return client


def reset_client() -> None:
    """Forget the default client; the next helper call builds one from the environment."""
    global _default
    with _default_lock:
        old, _default = _default, None
    if old is not None:
        old.close()


def default_client() -> Client:
    """The default client, built from the environment on first use."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Client()
        return _default


def _client(client: Client | None) -> Client:
    return client if client is not None else default_client()


def _slug(run: RunLike) -> str:
    if isinstance(run, Run):
        return run.slug
    if isinstance(run, str) and run.strip():
        return run.strip()
    raise InputError([f"expected a Run or a run_slug string, got {run!r}"])


# -- Running -------------------------------------------------------------------------------


def run_worker(
    scraper_slug: str,
    custom: Mapping[str, Any] | None = None,
    *,
    system: Mapping[str, Any] | None = None,
    version: str | None = None,
    wait: bool = True,
    timeout: float | None = None,
    sync: bool = False,
    callback_url: str | None = None,
    progress: bool | None = None,
    abort_on_interrupt: bool = False,
    client: Client | None = None,
) -> Run:
    """Run a Worker and (by default) wait for it, with a progress bar.

    The input is built from the Worker's schema (defaults for omitted fields) and
    checked before anything is sent. The start is never sent twice.

    Args:
        scraper_slug: The Worker's id or ``owner/name`` path.
        custom: The Worker's own input fields.
        system: System parameters to override (memory, proxy_region, ...).
        version: Pin a Worker version; default is its current one.
        wait: Wait for the run to end; False returns the started run at once.
        timeout: Seconds to wait at most; then RunTimeoutError carries the running run.
        sync: Ask the server to wait (``is_async`` false); polling takes over if it
            answers before the end.
        callback_url: URL the platform POSTs to when the run ends.
        progress: True/False to force the bar on/off; None shows it in notebooks and terminals.
        abort_on_interrupt: Abort the run on Ctrl-C instead of leaving it running.
        client: The client to use instead of the default.

    Returns:
        The finished (or, with wait=False, the started) run.

    Raises:
        InputError: The input does not fit the Worker's schema (nothing was sent).
        RunFailedError: The run failed; it carries the run, err_msg and last log lines.
        RunTimeoutError: ``timeout`` ran out; the run goes on.

    Example:
        >>> run = cc.run_worker("coreclaw/catalogue-generator", {"rows": 1000})
        >>> df = cc.results_df(run)
    """
    c = _client(client)
    if sync:
        reply = c.start_run_sync(
            scraper_slug, custom, system=system, version=version, callback_url=callback_url
        )
        run = reply.run
        if reply.finished or not wait:
            return _finish(c, c.run(run.slug))
    else:
        run = c.start_run(
            scraper_slug, custom, system=system, version=version, callback_url=callback_url
        )
        if not wait:
            return run
    return _wait(c, run.slug, timeout, progress, abort_on_interrupt)


def run_task(
    task_slug: str,
    *,
    callback_url: str,
    wait: bool = True,
    timeout: float | None = None,
    progress: bool | None = None,
    abort_on_interrupt: bool = False,
    client: Client | None = None,
) -> Run:
    """Run a saved Task and (by default) wait for it; see :func:`run_worker`.

    v1 requires ``callback_url``. The start is never sent twice.
    """
    c = _client(client)
    run = c.run_task(task_slug, callback_url=callback_url)
    return _wait(c, run.slug, timeout, progress, abort_on_interrupt) if wait else run


def rerun(
    run: RunLike,
    *,
    callback_url: str,
    wait: bool = True,
    timeout: float | None = None,
    progress: bool | None = None,
    client: Client | None = None,
) -> Run:
    """Start a new run with the same input as ``run`` and (by default) wait for it.

    v1 requires ``callback_url``. The start is never sent twice.
    """
    c = _client(client)
    new = c.rerun(_slug(run), callback_url=callback_url)
    return _wait(c, new.slug, timeout, progress, False) if wait else new


def wait(
    run: RunLike,
    *,
    timeout: float | None = None,
    progress: bool | None = None,
    abort_on_interrupt: bool = False,
    raise_on_failure: bool = True,
    client: Client | None = None,
) -> Run:
    """Wait for a run to end, with a progress bar; reattaches to any run by slug.

    Raises:
        RunFailedError: The run failed (unless ``raise_on_failure`` is False).
        RunTimeoutError: ``timeout`` ran out; the run goes on.
    """
    c = _client(client)
    return _wait(c, _slug(run), timeout, progress, abort_on_interrupt, raise_on_failure)


def _wait(
    c: Client,
    slug: str,
    timeout: float | None,
    progress: bool | None,
    abort_on_interrupt: bool,
    raise_on_failure: bool = True,
) -> Run:
    with RunBar(slug, progress=progress) as bar:
        try:
            run = c.wait(slug, timeout=timeout, on_update=bar.update)
        except KeyboardInterrupt:
            if abort_on_interrupt:
                c.abort(slug)
                print(f"\nInterrupted: run {slug} is being aborted.", file=sys.stderr)
            else:
                print(
                    f"\nInterrupted: run {slug} keeps running on CoreClaw. "
                    f"Reattach with cc.wait({slug!r}) or stop it with cc.abort({slug!r}).",
                    file=sys.stderr,
                )
            raise
    return _finish(c, run) if raise_on_failure else run


def _finish(c: Client, run: Run) -> Run:
    if run.status is RunStatus.FAILED:
        try:
            tail = c.log(run.slug).entries[-_config.LOG_TAIL :]
        except Exception:  # the failure matters more than its log
            tail = []
        raise RunFailedError(run, tail)
    return run


def abort(run: RunLike, *, client: Client | None = None) -> Run:
    """Ask the platform to stop a run; returns its state right after."""
    c = _client(client)
    slug = _slug(run)
    c.abort(slug)
    return c.run(slug)


# -- Reading -------------------------------------------------------------------------------


def results_df(
    run: RunLike,
    *,
    columns: list[str] | None = None,
    flatten: bool = True,
    max_rows: int | None = None,
    dtypes: Mapping[str, Any] | None = None,
    labels: bool = False,
    cache: bool = True,
    progress: bool | None = None,
    client: Client | None = None,
) -> pd.DataFrame:
    """Every result row of a run as a DataFrame, with provenance in ``df.attrs``.

    Pages are fetched several at a time. A finished run's frame is cached on
    disk, so running the cell again costs no API call. A run still going gives
    the rows so far, with a :class:`PartialResultsWarning`.

    Args:
        run: A Run or run_slug.
        columns: Keep only these columns (the row id is always kept).
        flatten: Nested dicts become dotted columns (lists stay lists).
        max_rows: Stop after this many rows.
        dtypes: Column dtypes to force, e.g. ``{"price_text": "Float64"}``.
        labels: Name columns by the Worker's header labels instead of keys.
        cache: Read and write the on-disk cache of finished runs.
        progress: Force the row bar on/off; None decides by the output.
        client: The client to use instead of the default.

    Returns:
        The DataFrame; ``df.attrs["coreclaw"]`` holds run_slug, scraper_slug,
        worker_title, version, status, row_count, usage, fetched_at, base_url.
    """
    c = _client(client)
    slug = _slug(run)
    options = json.dumps(
        {
            "columns": columns,
            "flatten": flatten,
            "max_rows": max_rows,
            "labels": labels,
            "dtypes": {k: str(v) for k, v in (dtypes or {}).items()},
        },
        sort_keys=True,
    )
    if cache:
        hit = _cache_load(c.base_url, slug, options)
        if hit is not None:
            return hit
    current = c.run(slug)
    builder = frames.FrameBuilder(columns=columns)
    total = current.results if max_rows is None else min(current.results, max_rows)
    with CountBar(f"rows of {slug}", total=total, progress=progress) as bar:
        for page in c.iter_result_pages(slug, max_rows=max_rows):
            if page.headers:
                builder.set_headers(page.headers)
            builder.add_rows(page.rows)
            bar.set_total(max(total, page.count if max_rows is None else min(page.count, max_rows)))
            bar.advance(len(page.rows))
    df = builder.build(flatten=flatten, dtypes=dtypes, labels=labels)
    frames.set_provenance(df, _provenance(c, current, len(df)))
    if current.is_terminal:
        if cache:
            _cache_store(df, c.base_url, slug, options)
    else:
        warn(
            PartialResultsWarning(
                f"Run {slug} is still {current.status.label}: the DataFrame holds the "
                f"{len(df)} rows produced so far. Call cc.wait({slug!r}) and read again for "
                "all of them."
            )
        )
    return df


def _provenance(c: Client, run: Run, rows: int) -> dict[str, Any]:
    return {
        "run_slug": run.slug,
        "scraper_slug": run.scraper_slug,
        "worker_title": run.scraper_title,
        "version": run.version,
        "status": run.status.label,
        "row_count": rows,
        "usage": run.usage,
        "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "base_url": c.base_url,
        "api_version": c.api_version,
    }


def _cache_load(base_url: str, slug: str, options: str) -> pd.DataFrame | None:
    try:
        return cache.load(base_url, slug, options)
    except Exception:  # a cache is an optimisation: never the reason a call fails
        return None


def _cache_store(df: pd.DataFrame, base_url: str, slug: str, options: str) -> None:
    try:
        cache.store(df, base_url, slug, options)
    except Exception as exc:
        warn(UserWarning(f"Could not cache run {slug} on disk ({exc}); the results are fine."))


def clear_cache() -> int:
    """Delete every cached result frame; returns how many files were removed."""
    return cache.clear_cache()


def log(run: RunLike, *, client: Client | None = None) -> pd.DataFrame:
    """A run's recent log entries as a DataFrame (timestamp, level, group, content)."""
    return frames.log_to_frame(_client(client).log(_slug(run)).entries)


def account(*, client: Client | None = None) -> Account:
    """The account's balance (USD) and traffic."""
    return _client(client).account()


def worker(scraper_slug: str, *, client: Client | None = None) -> Worker:
    """A Worker's detail: version, README, system defaults and parsed input schema."""
    return _client(client).worker(scraper_slug)


def search_workers(
    query: str, *, limit: int = _config.STORE_LIMIT, client: Client | None = None
) -> pd.DataFrame:
    """Search the Worker store; one row per Worker (slug, title, description)."""
    found = _client(client).search_workers(query, limit=limit)
    return pd.DataFrame(
        {
            "slug": [w.slug for w in found],
            "title": [w.title for w in found],
            "description": [w.description for w in found],
        },
        dtype="string",
    )


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
    runs = _client(client).iter_runs(
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


def last_run(scraper_slug: str, *, client: Client | None = None) -> Run | None:
    """The newest run of a Worker (None if it has never run)."""
    return _client(client).last_run(scraper_slug)


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
        format: ``"csv"`` or ``"json"``.
        columns: Keys to keep; all when None.
        progress: Force the byte bar on/off.
        client: The client to use instead of the default.

    Returns:
        The path written.
    """
    c = _client(client)
    url = c.export_url(_slug(run), format=format, columns=columns)
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


def parse_callback(body: Mapping[str, Any] | str | bytes) -> Run:
    """Parse the body CoreClaw POSTs to a ``callback_url`` (either documented shape)."""
    if isinstance(body, str | bytes):
        body = json.loads(body)
    return Client.parse_callback(body)
