"""CoreClaw API v1 on the wire: paths, bodies, field names, status codes.

Everything specific to v1 lives here (docs/platform.md §1-§5): RPC-style POSTs with
JSON bodies, the ``api-key`` header, integer statuses and ``page_index`` /
``page_size``. Above this module the client works with the typed objects of
:mod:`coreclaw_pandas.models` only; :mod:`.v2` offers the same methods (the
:class:`~.wire.Wire` protocol).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .. import _config
from ..models import Account, ProxyRegion, ResultPage, Run, RunLog, RunStatus, Worker, WorkerSummary
from . import replies
from .replies import SyncReply
from .transport import Transport
from .wire import PageRequest, Policy

_READ = Policy(
    idempotent=True, retry_codes=frozenset({4290, 5000}), refused_codes=frozenset({4290})
)
# Starting a run (scraper/run, rerun, task/run) may charge money: only a refusal is retried.
_START = Policy(idempotent=False, retry_codes=frozenset(), refused_codes=frozenset({4290}))


class V1:
    """The v1 wire format over a :class:`~coreclaw_pandas.client.transport.Transport`."""

    name = "v1"
    export_formats = ("csv", "json")
    #: v1's run list has no time window: every run is listed.
    month_window = False
    #: No documented page-size cap in v1 (the client steps down if refused).
    max_page_size: int | None = None

    def __init__(self, http: Transport) -> None:
        self.http = http

    @staticmethod
    def auth_header(api_key: str) -> dict[str, str]:
        """v1 sends the key in the ``api-key`` header."""
        return {"api-key": api_key}

    def _post(self, path: str, body: Mapping[str, Any], policy: Policy = _READ, **kw: Any) -> Any:
        # Every v1 call but the store, detail and regions is a POST; most are reads.
        return self.http.post(path, body, policy=policy, **kw)

    # -- Workers ---------------------------------------------------------------------------

    def search_workers(self, search: str, limit: int) -> list[WorkerSummary]:
        """GET /api/store."""
        data = self.http.call(
            "GET", "/api/store", policy=_READ, params={"search": search, "limit": limit}, auth=False
        )
        return replies.worker_summaries(data)

    def worker(self, scraper_slug: str) -> Worker:
        """GET /api/scraper?slug=."""
        data = self.http.call(
            "GET",
            "/api/scraper",
            policy=_READ,
            params={"slug": scraper_slug},
            auth=False,
            context={"scraper_slug": scraper_slug},
        )
        return replies.worker_from_detail(scraper_slug, data or {})

    def proxy_regions(self) -> list[ProxyRegion]:
        """GET /api/proxy/region."""
        data = self.http.call("GET", "/api/proxy/region", policy=_READ, auth=False)
        return replies.proxy_regions(data)

    # -- Starting runs ---------------------------------------------------------------------

    def start_run(
        self,
        *,
        scraper_slug: str,
        version: str,
        system: Mapping[str, Any],
        custom: Mapping[str, Any],
        is_async: bool,
        callback_url: str | None,
        page_size: int = _config.PAGE_SIZE,
    ) -> SyncReply:
        """POST /api/v1/scraper/run; never retried unless the server refused it."""
        body = replies.start_body(system, custom, is_async=is_async, callback_url=callback_url)
        body["scraper_slug"] = scraper_slug
        if version:  # omitted, the platform runs the current version (docs/platform.md §3.1)
            body["version"] = version
        if not is_async:
            body["page_index"] = 1
            body["page_size"] = page_size
        data = self._post(
            "/api/v1/scraper/run",
            body,
            _START,
            timeout=None if is_async else _config.SYNC_READ_TIMEOUT,
            context={"scraper_slug": scraper_slug},
        )
        return replies.sync_reply(data, scraper_slug=scraper_slug, version=version)

    def rerun(self, run_slug: str, callback_url: str | None) -> str:
        """POST /api/v1/rerun; never retried unless the server refused it."""
        body = {"run_slug": run_slug, "callback_url": callback_url}
        data = self._post("/api/v1/rerun", body, _START, context={"run_slug": run_slug})
        return str(data.get("run_slug") or "")

    def run_task(self, task_slug: str, callback_url: str | None) -> str:
        """POST /api/v1/task/run; never retried unless the server refused it."""
        body = {"task_slug": task_slug, "callback_url": callback_url}
        data = self._post("/api/v1/task/run", body, _START, context={"task_slug": task_slug})
        return str(data.get("run_slug") or "")

    def abort(self, run_slug: str) -> None:
        """POST /api/v1/scraper/abort (repeating an abort is harmless)."""
        self._post("/api/v1/scraper/abort", {"run_slug": run_slug}, context={"run_slug": run_slug})

    # -- Reading runs ----------------------------------------------------------------------

    def run(self, run_slug: str) -> Run:
        """POST /api/v1/run/detail."""
        data = self._post(
            "/api/v1/run/detail", {"run_slug": run_slug}, context={"run_slug": run_slug}
        )
        return replies.run(data or {"slug": run_slug})

    def last_run(self, scraper_slug: str) -> Run | None:
        """The Worker's newest run: the first of its run history (v1 has no shortcut)."""
        _, runs = self.runs_page(page_index=1, page_size=1, status=None, scraper_slug=scraper_slug)
        return runs[0] if runs else None

    def runs_page(
        self,
        *,
        page_index: int,
        page_size: int,
        status: RunStatus | None,
        scraper_slug: str | None,
        start_time: int | None = None,
        end_time: int | None = None,
    ) -> tuple[int, list[Run]]:
        """POST /api/v1/run/list: (total count, runs on this page). v1 has no time window."""
        body = {
            "page_index": page_index,
            "page_size": page_size,
            "status": int(status) if status is not None else 0,
            "scraper_slug": scraper_slug or "",
        }
        data = self._post("/api/v1/run/list", body, context={"scraper_slug": scraper_slug})
        return replies.run_list(data)

    def results_page(self, run_slug: str, *, page_index: int, page_size: int) -> ResultPage:
        """POST /api/v1/run/result/list."""
        body = {"run_slug": run_slug, "page_index": page_index, "page_size": page_size}
        data = self._post("/api/v1/run/result/list", body, context={"run_slug": run_slug})
        return replies.page(data, page_index=page_index, page_size=page_size)

    def page_request(self, run_slug: str, *, page_index: int, page_size: int) -> PageRequest:
        """The POST :meth:`results_page` sends, for the bulk reader."""
        body = {"run_slug": run_slug, "page_index": page_index, "page_size": page_size}
        path = "/api/v1/run/result/list"
        return PageRequest("POST", path, None, body, _READ, page_index, page_size, run_slug)

    def export(self, run_slug: str, *, format: str, filter_keys: Sequence[str]) -> str:
        """POST /api/v1/run/result/export: the download URL."""
        body = {"run_slug": run_slug, "format": format, "filter_keys": list(filter_keys)}
        data = self._post("/api/v1/run/result/export", body, context={"run_slug": run_slug})
        return str(data.get("download_url") or "")

    def log(self, run_slug: str) -> RunLog:
        """POST /api/v1/run/last/log (the run is chosen by run_slug despite the name)."""
        data = self._post(
            "/api/v1/run/last/log", {"run_slug": run_slug}, context={"run_slug": run_slug}
        )
        return replies.run_log(data)

    def account(self) -> Account:
        """POST /api/v1/account/info."""
        return replies.account(self._post("/api/v1/account/info", {}))
