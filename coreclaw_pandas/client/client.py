"""The CoreClaw client: one method per endpoint, plus paging, waiting and input building.

``Client`` speaks typed objects (:mod:`coreclaw_pandas.models`); the wire format
of the API version in use lives in one module below it (:mod:`.v1` or :mod:`.v2`,
both a :class:`~.wire.Wire`), HTTP and retries in :mod:`.transport`, the
envelope in :mod:`.envelope`, and where the settings come from in :mod:`.config`.

Example:
    >>> client = cc.Client()                          # key and URL from the environment
    >>> worker = client.worker("coreclaw/catalogue-generator")
    >>> run = client.start_run(worker.slug, {"rows": 500})
    >>> run = client.wait(run.slug)
    >>> rows = list(client.iter_results(run.slug))
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

from .. import _config
from ..models import Account, ProxyRegion, Run, RunStatus, Worker, WorkerSummary
from . import config, paging, replies, starts
from .last import LastCalls
from .polling import PollPolicy, wait_for
from .replies import SyncReply
from .results import ResultReads
from .starts import require_slug
from .tasks import TaskCalls
from .transport import Transport
from .v2 import V2
from .wire import Wire

__all__ = ["Client"]


class Client(ResultReads, TaskCalls, LastCalls):
    """A connection to CoreClaw (or the local emulator).

    Args:
        api_key: The API key; defaults to the ``CORECLAW_API_KEY`` environment variable.
            Public calls (store search, Worker detail, proxy regions) work without one.
        base_url: API root; defaults to ``CORECLAW_BASE_URL``, then the platform's URL.
        api_version: Wire version to speak; defaults to ``CORECLAW_API_VERSION``, then ``"v1"``.
        timeout: Seconds each reply may take, from sending to its last byte.
        max_retries: Retries for calls that are safe to repeat (see the module docs).
        backoff_factor: Base of the exponential backoff between retries, in seconds.
        poll: How :meth:`wait` polls; the default backs off from 1 s to 15 s.
        page_size: Rows per result page.
        page_concurrency: Result pages fetched at once.
        session: A ``requests.Session`` to send through (proxies, certificates).

    Raises:
        ConfigurationError: An unknown api_version or an unusable base URL.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        api_version: str | None = None,
        timeout: float = _config.READ_TIMEOUT,
        max_retries: int = _config.MAX_RETRIES,
        backoff_factor: float = _config.BACKOFF_FACTOR,
        poll: PollPolicy | None = None,
        page_size: int = _config.PAGE_SIZE,
        page_concurrency: int = _config.PAGE_CONCURRENCY,
        session: Any = None,
    ) -> None:
        settings = config.resolve(api_key, base_url=base_url, api_version=api_version)
        wire_cls = settings.wire
        self._http = Transport(
            settings.base_url,
            settings.api_key,
            auth_header=wire_cls.auth_header,
            timeout=timeout,
            max_retries=max_retries,
            backoff_factor=backoff_factor,
            session=session,
            # A pool smaller than the pages in flight would drop and reopen connections.
            pool_size=max(1, page_concurrency) + 4,
        )
        self._wire: Wire = wire_cls(self._http)
        self.api_version = settings.api_version
        self.poll = poll or PollPolicy()
        self.page_size = page_size
        self.page_concurrency = max(1, page_concurrency)
        self._workers: dict[str, tuple[float, Worker]] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return (
            f"Client(base_url={self.base_url!r}, api_version={self.api_version!r}, "
            f"key_set={self._http.has_key})"
        )

    @property
    def base_url(self) -> str:
        """The API root this client talks to."""
        return self._http.base_url

    def close(self) -> None:
        """Release pooled connections."""
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- Workers ---------------------------------------------------------------------------

    def search_workers(
        self, search: str = "", *, limit: int = _config.STORE_LIMIT
    ) -> list[WorkerSummary]:
        """Search the Worker store (no key needed); no words list the whole store.

        Args:
            search: Words to look for; empty lists every Worker (at most 100).
            limit: Most Workers to return.
        """
        words = (search or "").strip()
        # v1 refuses an empty search (docs/platform.md §5.1); the public v2 store lists all.
        wire = self._wire if words or self._wire.name == "v2" else V2(self._http)
        return wire.search_workers(words, int(limit))

    def worker(self, scraper_slug: str, *, refresh: bool = False) -> Worker:
        """A Worker's detail: version, README, system defaults and input schema.

        Cached for a minute, since every run start reads it.

        Args:
            scraper_slug: The Worker's id or ``owner/name`` path.
            refresh: Skip the cache.
        """
        require_slug("scraper_slug", scraper_slug)
        now = time.monotonic()
        with self._lock:
            hit = self._workers.get(scraper_slug)
        if hit and not refresh and now - hit[0] < _config.WORKER_CACHE_SECONDS:
            return hit[1]
        worker = self._wire.worker(scraper_slug)
        with self._lock:
            self._workers[scraper_slug] = (now, worker)
        return worker

    def proxy_regions(self) -> list[ProxyRegion]:
        """Proxy regions accepted as ``system["proxy_region"]`` (no key needed)."""
        return self._wire.proxy_regions()

    # -- Starting runs ---------------------------------------------------------------------

    def prepare_input(
        self,
        scraper_slug: str,
        custom: Mapping[str, Any] | None = None,
        *,
        system: Mapping[str, Any] | None = None,
        version: str | None = None,
    ) -> tuple[str, dict[str, Any], dict[str, Any]]:
        """Build and check what a run start sends, without sending it.

        Args:
            scraper_slug: The Worker.
            custom: The Worker's own input; omitted fields take their defaults.
            system: System parameters to override (cpus, memory, proxy_region, ...).
            version: Pin a version; default is the Worker's current one.

        Returns:
            ``(version, system, custom)`` as they would be sent.

        Raises:
            InputError: Every problem found, at once, before anything is sent.
        """
        require_slug("scraper_slug", scraper_slug)
        return starts.prepare(self.worker(scraper_slug), custom, system=system, version=version)

    def start_run(
        self,
        scraper_slug: str,
        custom: Mapping[str, Any] | None = None,
        *,
        system: Mapping[str, Any] | None = None,
        version: str | None = None,
        callback_url: str | None = None,
    ) -> Run:
        """Start a Worker run and return at once (``is_async`` true).

        The input is built and checked first (see :meth:`prepare_input`). The
        request is never repeated after a timeout, a lost connection or a server
        error, because the platform may have started (and charged) the run; it is
        retried only when the platform answered "too many requests".

        Returns:
            The new run, status Ready.
        """
        reply = self._start(scraper_slug, custom, system, version, callback_url, is_async=True)
        return reply.run

    def start_run_sync(
        self,
        scraper_slug: str,
        custom: Mapping[str, Any] | None = None,
        *,
        system: Mapping[str, Any] | None = None,
        version: str | None = None,
        callback_url: str | None = None,
        page_size: int | None = None,
    ) -> SyncReply:
        """Start a run with ``is_async`` false: the server waits (up to about 5 minutes).

        Never repeated after a timeout or a server error (see :meth:`start_run`).

        Returns:
            The run as the server reported it, the first page of results when it
            sent them, and whether the run had finished.
        """
        return self._start(
            scraper_slug,
            custom,
            system,
            version,
            callback_url,
            is_async=False,
            page_size=page_size or self.page_size,
        )

    def _start(
        self,
        scraper_slug: str,
        custom: Mapping[str, Any] | None,
        system: Mapping[str, Any] | None,
        version: str | None,
        callback_url: str | None,
        *,
        is_async: bool,
        page_size: int = _config.PAGE_SIZE,
    ) -> SyncReply:
        require_slug("scraper_slug", scraper_slug)
        return starts.start(
            self._wire,
            self.worker(scraper_slug),
            custom,
            system=system,
            version=version,
            callback_url=callback_url,
            is_async=is_async,
            page_size=page_size,
        )

    def rerun(self, run_slug: str, *, callback_url: str) -> Run:
        """Start a new run with the same input as an earlier one.

        Never repeated after a timeout or a server error (see :meth:`start_run`).
        v1 requires ``callback_url``.
        """
        require_slug("run_slug", run_slug)
        require_slug("callback_url", callback_url)
        slug = starts.once(
            lambda: self._wire.rerun(run_slug, callback_url), what=f"a rerun of run {run_slug}"
        )
        return Run(slug=slug, status=RunStatus.READY)

    def run_task(self, task_slug: str, *, callback_url: str) -> Run:
        """Start a saved Task. Never repeated after a timeout or a server error.

        v1 requires ``callback_url``.
        """
        require_slug("task_slug", task_slug)
        require_slug("callback_url", callback_url)
        slug = starts.once(
            lambda: self._wire.run_task(task_slug, callback_url), what=f"Task {task_slug}"
        )
        return Run(slug=slug, status=RunStatus.READY)

    def abort(self, run_slug: str) -> None:
        """Ask the platform to stop a run (it shows Aborting for a while)."""
        require_slug("run_slug", run_slug)
        self._wire.abort(run_slug)

    # -- Reading runs ----------------------------------------------------------------------

    def run(self, run_slug: str) -> Run:
        """The run's current state; a Failed run carries its reason (see :meth:`wait`)."""
        require_slug("run_slug", run_slug)
        return self._with_reason(self._wire.run(run_slug))

    def wait(
        self,
        run_slug: str,
        *,
        timeout: float | None = None,
        on_update: Callable[[Run], None] | None = None,
    ) -> Run:
        """Poll a run until it Succeeds or Fails; a Failed run carries its reason.

        v2 detail has no ``err_msg`` in production, so a Failed run's reason is
        read from its run-list entry, else from its log's last error line.

        Args:
            run_slug: The run.
            timeout: Seconds to wait at most.
            on_update: Called with each Run polled.

        Raises:
            RunTimeoutError: The run was still going when ``timeout`` ran out.
            RunAbortingError: The run still showed Aborting after ``poll.aborting_polls`` polls.
        """
        require_slug("run_slug", run_slug)
        run = wait_for(
            lambda: self._wire.run(run_slug), timeout=timeout, policy=self.poll, on_update=on_update
        )
        return self._with_reason(run)

    def _with_reason(self, run: Run) -> Run:
        return paging.with_failure_reason(self._wire, run, page_size=self.page_size)

    def runs_page(
        self,
        *,
        page_index: int = 1,
        page_size: int | None = None,
        status: RunStatus | int | None = None,
        scraper_slug: str | None = None,
    ) -> tuple[int, list[Run]]:
        """One page of run history, newest first: ``(total count, runs)``."""
        return self._wire.runs_page(
            page_index=page_index,
            page_size=page_size or self.page_size,
            status=RunStatus(status) if status else None,
            scraper_slug=scraper_slug,
        )

    def iter_runs(
        self,
        *,
        status: RunStatus | int | None = None,
        scraper_slug: str | None = None,
        limit: int | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Iterator[Run]:
        """Runs of the history, newest first, page by page.

        v1 lists every run in one sequence. v2 serves one calendar month per
        request (the current one unless asked), so the history is read month by
        month from ``until`` back to ``since``, by default the last 12 months.

        Args:
            status: Only runs with this status.
            scraper_slug: Only runs of this Worker.
            limit: At most this many runs.
            since: Only runs started at or after this time (naive means UTC).
            until: Only runs started before this time (naive means UTC).
        """
        return paging.runs(
            self._wire,
            page_size=self.page_size,
            status=RunStatus(status) if status else None,
            scraper_slug=scraper_slug,
            limit=limit,
            since=since,
            until=until,
        )

    def last_run(self, scraper_slug: str | None = None) -> Run | None:
        """The Worker's (v2, no slug: the account's) newest run, or None if it has none.

        A Failed run carries its reason.
        """
        if scraper_slug is None:
            run = self._account_last_run()
        else:
            require_slug("scraper_slug", scraper_slug)
            run = self._wire.last_run(scraper_slug)
        return self._with_reason(run) if run else None

    def account(self) -> Account:
        """The account's balance and traffic."""
        return self._wire.account()

    @staticmethod
    def parse_callback(body: Mapping[str, Any]) -> Run:
        """Parse a callback body (either documented shape) into a Run.

        The platform posts on each status change (running, then the end), so
        check the returned ``status`` before treating the run as finished.
        """
        return replies.callback(body)
