"""The notebook API's run side: ``cc.run_worker``, ``cc.wait``, ``cc.abort`` and friends.

Thin helpers over a default :class:`~coreclaw_pandas.client.Client` built lazily
from :func:`configure` or the environment (``CORECLAW_API_KEY``,
``CORECLAW_BASE_URL``); every helper also takes ``client=``. Wherever a run is
meant, a :class:`~coreclaw_pandas.models.Run` or a run_slug string is accepted.
The DataFrame side (``cc.results_df``, ``cc.runs_df``, ...) is :mod:`.results`;
the default client itself is :mod:`.default`.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, cast

import pandas as pd

from .. import _config
from ..client import Client
from ..exceptions import (
    CoreClawError,
    RunFailedError,
    RunInterrupted,
    RunTimeoutError,
    WorkerNotFoundError,
)
from ..models import Account, Run, RunStatus, Worker, WorkerSummary
from ..progress import RunBar
from .default import RunLike, resolve_client, run_slug_of
from .tasks import TaskLike, last_task_run

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
        RunInterrupted: Ctrl-C while waiting (a KeyboardInterrupt); the message says how
            to reattach, and the run goes on unless ``abort_on_interrupt``.
        WorkerNotFoundError: No such Worker; the message names the closest ones.

    Example:
        >>> run = cc.run_worker("coreclaw/catalogue-generator", {"rows": 1000})
        >>> df = cc.results_df(run)
    """
    c = resolve_client(client)
    if sync:
        with _suggesting(c, scraper_slug):
            reply = c.start_run_sync(
                scraper_slug, custom, system=system, version=version, callback_url=callback_url
            )
        run = reply.run
        if reply.finished or not wait:
            with _started(run.slug):
                latest = c.run(run.slug)
            return _finish(c, latest)
    else:
        with _suggesting(c, scraper_slug):
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
        RunInterrupted: Ctrl-C (a KeyboardInterrupt); the message says how to reattach.
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
            # The message travels in the error (no separate print), so a notebook shows it
            # once and without a traceback; scripts still get a KeyboardInterrupt.
            raise RunInterrupted(slug, aborting=abort_on_interrupt) from None
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
    """A Worker's detail: version, README, system defaults and parsed input schema.

    Raises:
        WorkerNotFoundError: No such Worker; the message names the closest ones.
    """
    c = resolve_client(client)
    with _suggesting(c, scraper_slug):
        return c.worker(scraper_slug)


def search_workers(
    query: str = "", *, limit: int = _config.STORE_LIMIT, client: Client | None = None
) -> pd.DataFrame:
    """Search the Worker store; no query lists the whole store (at most 100 Workers).

    One row per Worker: slug, path, title, description.

    ``slug`` is the Worker's 26-character id and ``path`` its ``owner/name``; either
    one runs it. API v1's store does not send the path, so it is ``<NA>`` there.
    """
    found = resolve_client(client).search_workers(query, limit=limit)
    return pd.DataFrame(
        {
            "slug": [w.slug for w in found],
            "path": [_path_of(w) or None for w in found],
            "title": [w.title for w in found],
            "description": [w.description for w in found],
        },
        dtype="string",
    )


def last_run(
    scraper_slug: str | None = None, *, task: TaskLike | None = None, client: Client | None = None
) -> Run | None:
    """The newest run of a Worker, of a saved ``task`` or, with neither, of the account.

    None if there is none. For a task, see ``cc.task_runs_df``: runs carry no task.
    """
    if task is not None:
        return last_task_run(task, client=client)
    c = resolve_client(client)
    if scraper_slug is None:
        return c.last_run()
    with _suggesting(c, scraper_slug):
        return c.last_run(scraper_slug)


def parse_callback(body: Mapping[str, Any] | str | bytes) -> Run:
    """Parse the body CoreClaw POSTs to a ``callback_url`` (either documented shape)."""
    if isinstance(body, str | bytes):
        body = json.loads(body)
    return Client.parse_callback(cast(Mapping[str, Any], body))


# -- Unknown Workers -----------------------------------------------------------------------

#: Store searches made to suggest a Worker for an unknown slug: an error path, kept cheap.
_SUGGEST_SEARCHES = 6
#: How alike (difflib's ratio, 0..1) a Worker must be to be suggested.
_SUGGEST_CUTOFF = 0.6
_SUGGEST_MAX = 3


def _path_of(summary: WorkerSummary) -> str:
    """A store entry's ``owner/name`` path (v2 writes ``owner~name``), or "" when not sent."""
    path = str(summary.extra.get("path") or "").replace("~", "/")
    if not path and summary.extra.get("username") and summary.extra.get("name"):
        path = f"{summary.extra['username']}/{summary.extra['name']}"
    return path


@contextmanager
def _suggesting(c: Client, scraper_slug: str) -> Iterator[None]:
    """Name the closest Worker slugs and paths when ``scraper_slug`` is unknown."""
    try:
        yield
    except WorkerNotFoundError as exc:
        close = _closest_workers(c, scraper_slug)
        if close:
            raise exc.with_hint(f"Did you mean {' or '.join(close)}? {exc.hint}") from None
        raise


def _closest_workers(c: Client, wanted: str) -> list[str]:
    """The store's Workers most like ``wanted``, described as ``'path' (id, title)``.

    No call lists the whole store (v1 refuses an empty search), so the store is
    searched for the words of ``wanted`` and their first four letters, which
    finds a typo's Worker, and the results are ranked with difflib.
    """
    words = [w for w in re.split(r"[^0-9a-z]+", str(wanted).lower()) if len(w) >= 3]
    queries = list(dict.fromkeys([*words, *(w[:4] for w in words)]))[:_SUGGEST_SEARCHES]
    found: dict[str, WorkerSummary] = {}
    for query in queries:
        try:
            found.update((w.slug, w) for w in c.search_workers(query, limit=50))
        except CoreClawError:  # a suggestion must never replace the real error
            break
    target = str(wanted).lower().replace("~", "/")
    name = target.rsplit("/", 1)[-1]
    scored = []
    for summary in found.values():
        path = _path_of(summary).lower()
        # Names are compared without the owner: a shared owner makes every Worker look alike.
        pairs = [(target, summary.slug.lower()), (name, _slugify(summary.title))]
        if path:
            pairs.append((name, path.rsplit("/", 1)[-1]))
        if target in (summary.slug.lower(), path):
            continue  # the Worker exists; what was missing is something else (a version)
        score = max(difflib.SequenceMatcher(None, a, b).ratio() for a, b in pairs)
        if score >= _SUGGEST_CUTOFF:
            scored.append((score, summary))
    scored.sort(key=lambda item: -item[0])
    return [_describe(summary) for _, summary in scored[:_SUGGEST_MAX]]


def _slugify(title: str) -> str:
    return "-".join(re.split(r"[^0-9a-z]+", title.lower())).strip("-")


def _describe(summary: WorkerSummary) -> str:
    path = _path_of(summary)
    about = ", ".join(part for part in (summary.slug if path else "", summary.title) if part)
    return f"{path or summary.slug!r} ({about})" if about else repr(path or summary.slug)
