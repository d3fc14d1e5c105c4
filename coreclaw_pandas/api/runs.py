"""The notebook API's run side: ``cc.run_worker``, ``cc.wait``, ``cc.abort`` and friends.

Thin helpers over a default :class:`~coreclaw_pandas.client.Client` built lazily
from :func:`configure` or the environment (``CORECLAW_API_KEY``,
``CORECLAW_BASE_URL``); every helper also takes ``client=``. Wherever a run is
meant, a :class:`~coreclaw_pandas.models.Run` or a run_slug string is accepted.
The DataFrame side (``cc.results_df``, ``cc.runs_df``, ...) is :mod:`.results`;
the default client itself is :mod:`.default`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, cast

import pandas as pd

from .. import _config
from ..client import Client
from ..exceptions import CoreClawError, RunFailedError, RunTimeoutError
from ..models import Account, Run, RunStatus, Worker
from ..progress import RunBar
from .default import RunLike, resolve_client, run_slug_of

__all__ = [
    "abort",
    "account",
    "last_run",
    "parse_callback",
    "rerun",
    "run_task",
    "run_worker",
    "search_workers",
    "wait",
    "worker",
]

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
    c = resolve_client(client)
    if sync:
        reply = c.start_run_sync(
            scraper_slug, custom, system=system, version=version, callback_url=callback_url
        )
        run = reply.run
        if reply.finished or not wait:
            with _started(run.slug):
                latest = c.run(run.slug)
            return _finish(c, latest)
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
    c = resolve_client(client)
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
    c = resolve_client(client)
    new = c.rerun(run_slug_of(run), callback_url=callback_url)
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
    c = resolve_client(client)
    return _wait(c, run_slug_of(run), timeout, progress, abort_on_interrupt, raise_on_failure)


def _wait(
    c: Client,
    slug: str,
    timeout: float | None,
    progress: bool | None,
    abort_on_interrupt: bool,
    raise_on_failure: bool = True,
) -> Run:
    with RunBar(slug, progress=progress) as bar, _started(slug):
        try:
            run = c.wait(slug, timeout=timeout, on_update=bar.update)
        except KeyboardInterrupt:
            if abort_on_interrupt:
                # No waiting here: the run may stay aborting for a while (docs/platform.md §3.3).
                c.abort(slug)
                print(
                    f"\nInterrupted: run {slug} is being aborted; it shows aborting until the "
                    f"platform has stopped it. Check with cc.wait({slug!r}) or cc.runs_df().",
                    file=sys.stderr,
                )
            else:
                print(
                    f"\nInterrupted: run {slug} keeps running on CoreClaw. "
                    f"Reattach with cc.wait({slug!r}) or stop it with cc.abort({slug!r}).",
                    file=sys.stderr,
                )
            raise
    return _finish(c, run) if raise_on_failure else run


@contextmanager
def _started(slug: str) -> Iterator[None]:
    """Errors inside name the run that was started, so it is found again, not started again."""
    try:
        yield
    except RunTimeoutError:
        raise  # already says how to wait again
    except CoreClawError as exc:
        exc.note_started_run(slug)
        raise


def _finish(c: Client, run: Run) -> Run:
    if run.status is RunStatus.FAILED:
        try:
            tail = c.log(run.slug).entries[-_config.LOG_TAIL :]
        except Exception:  # the failure matters more than its log
            tail = []
        raise RunFailedError(run, tail)
    return run


def abort(
    run: RunLike, *, wait: bool = False, timeout: float | None = None, client: Client | None = None
) -> Run:
    """Ask the platform to stop a run; returns its state right after, or once it has stopped.

    Args:
        run: The run or its slug.
        wait: Poll until the run has stopped (it then reads as failed).
        timeout: With ``wait``, seconds to wait at most.
        client: The client to use instead of the default.

    Raises:
        RunAbortingError: With ``wait``, the run still showed aborting after the client's
            ``poll.aborting_polls`` polls; production may hold it there for a while.
    """
    c = resolve_client(client)
    slug = run_slug_of(run)
    c.abort(slug)
    return c.wait(slug, timeout=timeout) if wait else c.run(slug)


# -- Reading -------------------------------------------------------------------------------


def account(*, client: Client | None = None) -> Account:
    """The account's balance (USD) and traffic."""
    return resolve_client(client).account()


def worker(scraper_slug: str, *, client: Client | None = None) -> Worker:
    """A Worker's detail: version, README, system defaults and parsed input schema."""
    return resolve_client(client).worker(scraper_slug)


def search_workers(
    query: str = "", *, limit: int = _config.STORE_LIMIT, client: Client | None = None
) -> pd.DataFrame:
    """Search the Worker store; no query lists the whole store (at most 100 Workers).

    One row per Worker: slug, title, description, and ``path`` (``owner/name``) when the
    store gives it (v2, and every listing of the whole store).
    """
    found = resolve_client(client).search_workers(query, limit=limit)
    columns = {
        "slug": [w.slug for w in found],
        "title": [w.title for w in found],
        "description": [w.description for w in found],
    }
    paths = [str(w.extra.get("path") or "") for w in found]
    if any(paths):
        # The v2 store writes paths owner~name; the rest of the API takes owner/name.
        columns["path"] = [p.replace("~", "/") for p in paths]
    return pd.DataFrame(columns, dtype="string")


def last_run(scraper_slug: str, *, client: Client | None = None) -> Run | None:
    """The newest run of a Worker (None if it has never run)."""
    return resolve_client(client).last_run(scraper_slug)


def parse_callback(body: Mapping[str, Any] | str | bytes) -> Run:
    """Parse the body CoreClaw POSTs to a ``callback_url`` (either documented shape)."""
    if isinstance(body, str | bytes):
        body = json.loads(body)
    return Client.parse_callback(cast(Mapping[str, Any], body))
