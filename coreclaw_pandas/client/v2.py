"""CoreClaw API v2 on the wire: REST paths, Bearer auth, string statuses, offset/limit.

The same methods as :mod:`.v1` (docs/platform.md §1.4). Choices where the sources differ:

* ``offset`` is read as a 1-based page number, as the v2 spec's default (1) and
  its echoed ``page_index`` say; a July 2026 probe read it as a row offset.
* ``limit`` is at most 100, so pages are never asked larger.
* Worker ids go in the path with ``/`` written as ``~`` (``owner~name``).
* ``version`` is sent only when it names a real version: v2 rejects ``"latest"``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any
from urllib.parse import quote

from .. import _config
from ..exceptions import NotFoundError
from ..models import Account, ProxyRegion, ResultPage, Run, RunLog, RunStatus, Worker, WorkerSummary
from ..schema import parse_input_schema
from . import replies
from .replies import SyncReply
from .transport import Transport
from .wire import PageRequest, Policy

_READ = Policy(
    idempotent=True, retry_codes=frozenset({13000, 10000}), refused_codes=frozenset({13000})
)
# Starting a run may charge money: only a refusal ("too many requests") is retried.
_START = Policy(idempotent=False, retry_codes=frozenset(), refused_codes=frozenset({13000}))
#: v2 caps `limit` at 100 (docs/platform.md §4.2).
MAX_LIMIT = 100


def _worker_id(scraper_slug: str) -> str:
    return quote(scraper_slug.replace("/", "~"), safe="~")


def _async_body(callback_url: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"is_async": True}
    if callback_url:
        body["callback_url"] = callback_url
    return body


def _run_id(run_slug: str) -> str:
    return quote(run_slug, safe="")


class V2:
    """The v2 wire format over a :class:`~coreclaw_pandas.client.transport.Transport`."""

    name = "v2"
    #: The eight formats of the v2 spec and the production audit (docs/platform.md §4.5).
    export_formats = ("csv", "json", "jsonl", "xlsx", "xls", "xml", "html", "rss")
    #: v2 lists only one calendar month of runs per request.
    month_window = True
    max_page_size = MAX_LIMIT

    def __init__(self, http: Transport) -> None:
        self.http = http

    @staticmethod
    def auth_header(api_key: str) -> dict[str, str]:
        """v2 prefers ``Authorization: Bearer``."""
        return {"Authorization": f"Bearer {api_key}"}

    def _get(self, path: str, params: Mapping[str, Any] | None = None, **kw: Any) -> Any:
        return self.http.call("GET", path, policy=_READ, params=params, **kw) or {}

    # -- Workers ---------------------------------------------------------------------------

    def search_workers(self, search: str, limit: int) -> list[WorkerSummary]:
        """GET /api/v2/store."""
        params = {"keyword": search, "offset": 1, "limit": min(limit, MAX_LIMIT)}
        return replies.worker_summaries(self._get("/api/v2/store", params, auth=False))

    def worker(self, scraper_slug: str) -> Worker:
        """GET /api/v2/workers/{id} (with a key) and, if needed, the public input schema."""
        context = {"scraper_slug": scraper_slug}
        wid = _worker_id(scraper_slug)
        detail: Mapping[str, Any] = {}
        if self.http.has_key:
            detail = self._get(f"/api/v2/workers/{wid}", context=context)
        worker = replies.worker_from_detail(scraper_slug, detail)
        if worker.version.lower() == "latest":
            # v2 reports "latest" but rejects it when sent back (docs/platform.md §3.1).
            worker = replace(worker, version="")
        if isinstance(worker.raw_schema.get("properties"), list):
            return worker
        data = self._get(f"/api/v2/workers/{wid}/input-schema", auth=False, context=context)
        raw = data.get("input_schema", data) if isinstance(data, Mapping) else {}
        raw = raw if isinstance(raw, dict) else {}
        return replace(worker, input_schema=parse_input_schema(raw), raw_schema=raw)

    def proxy_regions(self) -> list[ProxyRegion]:
        """GET /api/v2/proxy/region."""
        return replies.proxy_regions(self._get("/api/v2/proxy/region", auth=False))

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
        """POST /api/v2/workers/{id}/runs; never retried unless the server refused it."""
        body = replies.start_body(system, custom, is_async=is_async, callback_url=callback_url)
        if version and version.lower() != "latest":
            body["version"] = version
        if not is_async:
            body["offset"] = 1
            body["limit"] = min(page_size, MAX_LIMIT)
        data = self.http.post(
            f"/api/v2/workers/{_worker_id(scraper_slug)}/runs",
            body,
            policy=_START,
            timeout=None if is_async else _config.SYNC_READ_TIMEOUT,
            context={"scraper_slug": scraper_slug},
        )
        return replies.sync_reply(data, scraper_slug=scraper_slug, version=version)

    def rerun(self, run_slug: str, callback_url: str | None) -> str:
        """POST /api/v2/worker-runs/{id}/rerun; never retried unless refused."""
        path = f"/api/v2/worker-runs/{_run_id(run_slug)}/rerun"
        data = self.http.post(
            path, _async_body(callback_url), policy=_START, context={"run_slug": run_slug}
        )
        return str(data.get("run_slug") or "")

    def run_task(self, task_slug: str, callback_url: str | None) -> str:
        """POST /api/v2/worker-tasks/{id}/runs; never retried unless refused."""
        path = f"/api/v2/worker-tasks/{quote(task_slug, safe='')}/runs"
        data = self.http.post(
            path, _async_body(callback_url), policy=_START, context={"task_slug": task_slug}
        )
        return str(data.get("run_slug") or "")

    def abort(self, run_slug: str) -> None:
        """POST /api/v2/worker-runs/{id}/abort (repeating an abort is harmless)."""
        path = f"/api/v2/worker-runs/{_run_id(run_slug)}/abort"
        self.http.post(path, {}, policy=_READ, context={"run_slug": run_slug})

    # -- Reading runs ----------------------------------------------------------------------

    def run(self, run_slug: str) -> Run:
        """GET /api/v2/worker-runs/{id}."""
        data = self._get(f"/api/v2/worker-runs/{_run_id(run_slug)}", context={"run_slug": run_slug})
        return replies.run(data or {"slug": run_slug})

    def last_run(self, scraper_slug: str) -> Run | None:
        """GET /api/v2/workers/{id}/runs/last: the Worker's newest run."""
        wid = _worker_id(scraper_slug)
        try:
            data = self._get(
                f"/api/v2/workers/{wid}/runs/last", context={"scraper_slug": scraper_slug}
            )
        except NotFoundError:
            # "No runs yet" and "no such Worker" share 11004; the public schema tells them apart.
            self._get(
                f"/api/v2/workers/{wid}/input-schema",
                auth=False,
                context={"scraper_slug": scraper_slug},
            )
            return None
        return replies.run(data) if data else None

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
        """GET /api/v2/worker-runs: one calendar month at most per request."""
        params: dict[str, Any] = {"offset": page_index, "limit": min(page_size, MAX_LIMIT)}
        if status is not None:
            params["status"] = status.label
        if scraper_slug:
            params["worker_id"] = scraper_slug.replace("/", "~")
        if start_time is not None:
            params["start_time"] = start_time
        if end_time is not None:
            params["end_time"] = end_time
        data = self._get("/api/v2/worker-runs", params, context={"scraper_slug": scraper_slug})
        return replies.run_list(data)

    def results_page(self, run_slug: str, *, page_index: int, page_size: int) -> ResultPage:
        """GET /api/v2/worker-runs/{id}/result."""
        size = min(page_size, MAX_LIMIT)
        data = self._get(
            f"/api/v2/worker-runs/{_run_id(run_slug)}/result",
            {"offset": page_index, "limit": size},
            context={"run_slug": run_slug},
        )
        return replies.page(data, page_index=page_index, page_size=size)

    def page_request(self, run_slug: str, *, page_index: int, page_size: int) -> PageRequest:
        """The GET :meth:`results_page` sends, for the bulk reader."""
        size = min(page_size, MAX_LIMIT)
        path = f"/api/v2/worker-runs/{_run_id(run_slug)}/result"
        params = {"offset": page_index, "limit": size}
        return PageRequest("GET", path, params, None, _READ, page_index, size, run_slug)

    def export(self, run_slug: str, *, format: str, filter_keys: Sequence[str]) -> str:
        """GET /api/v2/worker-runs/{id}/result/export: the download URL."""
        params: dict[str, Any] = {"format": format}
        if filter_keys:
            params["filter_keys"] = ",".join(filter_keys)
        path = f"/api/v2/worker-runs/{_run_id(run_slug)}/result/export"
        data = self._get(path, params, context={"run_slug": run_slug})
        return str(data.get("download_url") or "")

    def log(self, run_slug: str) -> RunLog:
        """GET /api/v2/worker-runs/{id}/log."""
        path = f"/api/v2/worker-runs/{_run_id(run_slug)}/log"
        return replies.run_log(self._get(path, context={"run_slug": run_slug}))

    def account(self) -> Account:
        """GET /api/v2/users/account (v2 reports no traffic)."""
        return replies.account(self._get("/api/v2/users/account"))
