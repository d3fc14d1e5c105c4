"""CoreClaw API v1 on the wire: paths, bodies, field names, status codes.

Everything version-specific lives here (CONTRACT.md §1-§2). Above this module,
the client works with the typed objects of :mod:`coreclaw_pandas.models` only,
so another API version is another module with the same methods.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from . import _config
from ._http import Policy, Transport
from .models import (
    Account,
    LogEntry,
    LogLevel,
    ProxyRegion,
    ResultHeader,
    ResultPage,
    Run,
    RunLog,
    RunStatus,
    Worker,
    WorkerSummary,
)
from .schema import parse_input_schema

_READ = Policy(
    idempotent=True, retry_codes=frozenset({4290, 5000}), refused_codes=frozenset({4290})
)
# Starting a run (scraper/run, rerun, task/run) may charge money: only a refusal is retried.
_START = Policy(idempotent=False, retry_codes=frozenset(), refused_codes=frozenset({4290}))

_RUN_FIELDS = frozenset(
    {
        "slug",
        "status",
        "err_msg",
        "scraper_title",
        "scraper_slug",
        "results",
        "usage",
        "traffic",
        "started_at",
        "finished_at",
        "duration",
        "origin",
        "version",
    }
)


@dataclass(frozen=True)
class SyncReply:
    """What a synchronous start answered: the run as known, and its first results window."""

    run: Run
    page: ResultPage | None
    finished: bool


class V1:
    """The v1 wire format over a :class:`~coreclaw_pandas._http.Transport`."""

    name = "v1"

    def __init__(self, http: Transport) -> None:
        self.http = http

    @staticmethod
    def auth_header(api_key: str) -> dict[str, str]:
        """v1 sends the key in the ``api-key`` header."""
        return {"api-key": api_key}

    # -- Workers ---------------------------------------------------------------------------

    def search_workers(self, search: str, limit: int) -> list[WorkerSummary]:
        """GET /api/store."""
        data = self.http.call(
            "GET", "/api/store", policy=_READ, params={"search": search, "limit": limit}, auth=False
        )
        data = data or {}
        # Peers also accept these alternative keys (CONTRACT.md §2.1).
        items = data.get("scraper") or data.get("scrapers") or data.get("records") or []
        return [
            WorkerSummary(
                slug=str(item.get("slug", "")),
                title=str(item.get("title", "")),
                description=str(item.get("description", "")),
                extra={k: v for k, v in item.items() if k not in ("slug", "title", "description")},
            )
            for item in items
            if isinstance(item, Mapping)
        ]

    def worker(self, scraper_slug: str) -> Worker:
        """GET /api/scraper?slug=."""
        data = (
            self.http.call(
                "GET",
                "/api/scraper",
                policy=_READ,
                params={"slug": scraper_slug},
                auth=False,
                context={"scraper_slug": scraper_slug},
            )
            or {}
        )
        params = data.get("parameters") or {}
        system = dict(params.get("system") or {})
        # Older exports name the MB value `memory_bytes` (CONTRACT.md §2.2).
        if "memory" not in system and "memory_bytes" in system:
            system["memory"] = system.pop("memory_bytes")
        raw_schema = params.get("custom")
        raw_schema = raw_schema if isinstance(raw_schema, dict) else {}
        return Worker(
            slug=scraper_slug,
            version=str(data.get("version") or ""),
            readme=str(data.get("readme") or ""),
            system=system,
            input_schema=parse_input_schema(raw_schema),
            raw_schema=raw_schema,
            extra={k: v for k, v in data.items() if k not in ("version", "readme", "parameters")},
        )

    def proxy_regions(self) -> list[ProxyRegion]:
        """GET /api/proxy/region."""
        data = self.http.call("GET", "/api/proxy/region", policy=_READ, auth=False) or {}
        return [
            ProxyRegion(code=str(item.get("code", "")), name=str(item.get("name", "")))
            for item in data.get("list") or []
            if isinstance(item, Mapping)
        ]

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
        body: dict[str, Any] = {
            "scraper_slug": scraper_slug,
            "version": version,
            "is_async": is_async,
            "input": {"parameters": {"system": dict(system), "custom": dict(custom)}},
        }
        if callback_url:
            body["callback_url"] = callback_url
        if not is_async:
            body["page_index"] = 1
            body["page_size"] = page_size
        data = (
            self.http.call(
                "POST",
                "/api/v1/scraper/run",
                policy=_START,
                body=body,
                timeout=None if is_async else _config.SYNC_READ_TIMEOUT,
                context={"scraper_slug": scraper_slug},
            )
            or {}
        )
        return self._sync_reply(data, scraper_slug=scraper_slug, version=version)

    def _sync_reply(self, data: Mapping[str, Any], *, scraper_slug: str, version: str) -> SyncReply:
        slug = str(data.get("run_slug") or "")
        status_raw = data.get("run_status", data.get("status"))
        status = _status(status_raw) if status_raw is not None else RunStatus.READY
        results = data.get("results")
        page = None
        if isinstance(results, Mapping):
            page = self._page(results, page_index=1, page_size=len(results.get("list") or []))
        run = Run(
            slug=slug,
            status=status,
            scraper_slug=scraper_slug,
            version=version,
            results=page.count if page else 0,
            started_at=_seconds(data.get("execution_start_timestamp")),
            finished_at=_seconds(data.get("execution_end_timestamp")),
            duration=_float(data.get("running_duration")),
            err_msg=str(data.get("error_message") or ""),
            extra={k: v for k, v in data.items() if k not in ("run_slug", "results")},
        )
        return SyncReply(run=run, page=page, finished=status.is_terminal and page is not None)

    def rerun(self, run_slug: str, callback_url: str) -> str:
        """POST /api/v1/rerun; never retried unless the server refused it."""
        data = (
            self.http.call(
                "POST",
                "/api/v1/rerun",
                policy=_START,
                body={"run_slug": run_slug, "callback_url": callback_url},
                context={"run_slug": run_slug},
            )
            or {}
        )
        return str(data.get("run_slug") or "")

    def run_task(self, task_slug: str, callback_url: str) -> str:
        """POST /api/v1/task/run; never retried unless the server refused it."""
        data = (
            self.http.call(
                "POST",
                "/api/v1/task/run",
                policy=_START,
                body={"task_slug": task_slug, "callback_url": callback_url},
                context={"task_slug": task_slug},
            )
            or {}
        )
        return str(data.get("run_slug") or "")

    def abort(self, run_slug: str) -> None:
        """POST /api/v1/scraper/abort (repeating an abort is harmless)."""
        self.http.call(
            "POST",
            "/api/v1/scraper/abort",
            policy=_READ,
            body={"run_slug": run_slug},
            context={"run_slug": run_slug},
        )

    # -- Reading runs ----------------------------------------------------------------------

    def run(self, run_slug: str) -> Run:
        """POST /api/v1/run/detail."""
        data = self.http.call(
            "POST",
            "/api/v1/run/detail",
            policy=_READ,
            body={"run_slug": run_slug},
            context={"run_slug": run_slug},
        )
        return parse_run(data or {"slug": run_slug})

    def runs_page(
        self,
        *,
        page_index: int,
        page_size: int,
        status: RunStatus | None,
        scraper_slug: str | None,
    ) -> tuple[int, list[Run]]:
        """POST /api/v1/run/list: (total count, runs on this page)."""
        data = (
            self.http.call(
                "POST",
                "/api/v1/run/list",
                policy=_READ,
                body={
                    "page_index": page_index,
                    "page_size": page_size,
                    "status": int(status) if status is not None else 0,
                    "scraper_slug": scraper_slug or "",
                },
                context={"scraper_slug": scraper_slug},
            )
            or {}
        )
        runs = [parse_run(item) for item in data.get("list") or [] if isinstance(item, Mapping)]
        return int(data.get("count") or 0), runs

    def results_page(self, run_slug: str, *, page_index: int, page_size: int) -> ResultPage:
        """POST /api/v1/run/result/list."""
        data = (
            self.http.call(
                "POST",
                "/api/v1/run/result/list",
                policy=_READ,
                body={"run_slug": run_slug, "page_index": page_index, "page_size": page_size},
                context={"run_slug": run_slug},
            )
            or {}
        )
        return self._page(data, page_index=page_index, page_size=page_size)

    @staticmethod
    def _page(data: Mapping[str, Any], *, page_index: int, page_size: int) -> ResultPage:
        headers = [
            ResultHeader(
                key=str(h.get("key", "")),
                label=str(h.get("label") or h.get("key") or ""),
                format=str(h.get("format") or ""),
            )
            for h in data.get("headers") or []
            if isinstance(h, Mapping) and h.get("key")
        ]
        rows = [row for row in data.get("list") or [] if isinstance(row, dict)]
        return ResultPage(
            count=int(data.get("count") or 0),
            headers=headers,
            rows=rows,
            page_index=page_index,
            page_size=page_size,
        )

    def export(self, run_slug: str, *, format: str, filter_keys: Sequence[str]) -> str:
        """POST /api/v1/run/result/export: the download URL."""
        data = (
            self.http.call(
                "POST",
                "/api/v1/run/result/export",
                policy=_READ,
                body={"run_slug": run_slug, "format": format, "filter_keys": list(filter_keys)},
                context={"run_slug": run_slug},
            )
            or {}
        )
        return str(data.get("download_url") or "")

    def log(self, run_slug: str) -> RunLog:
        """POST /api/v1/run/last/log (the run is chosen by run_slug despite the name)."""
        data = (
            self.http.call(
                "POST",
                "/api/v1/run/last/log",
                policy=_READ,
                body={"run_slug": run_slug},
                context={"run_slug": run_slug},
            )
            or {}
        )
        entries = [
            LogEntry(
                level=_level(item.get("type")),
                content=str(item.get("content", "")),
                group=str(item.get("group", "")),
                timestamp=_millis(item.get("timestamp")),
            )
            for item in data.get("list") or []
            if isinstance(item, Mapping)
        ]
        return RunLog(
            entries=entries,
            all_logs_url=str(data.get("all_logs_url") or ""),
            result_count=int(_float(data.get("result_count"))),
        )

    def account(self) -> Account:
        """POST /api/v1/account/info."""
        data = self.http.call("POST", "/api/v1/account/info", policy=_READ, body={}) or {}
        known = ("balance", "traffic", "traffic_expiration_at")
        return Account(
            balance=_float(data.get("balance")),
            traffic=int(_float(data.get("traffic"))),
            traffic_expiration_at=_seconds(data.get("traffic_expiration_at")),
            extra={k: v for k, v in data.items() if k not in known},
        )


def parse_run(data: Mapping[str, Any]) -> Run:
    """Build a Run from a v1 RunSummary, tolerating drift (strings for numbers, missing keys)."""
    return Run(
        slug=str(data.get("slug") or data.get("run_slug") or ""),
        status=_status(data.get("status")),
        scraper_slug=str(data.get("scraper_slug") or ""),
        scraper_title=str(data.get("scraper_title") or ""),
        version=str(data.get("version") or ""),
        results=int(_float(data.get("results"))),
        usage=_float(data.get("usage")),
        traffic=int(_float(data.get("traffic"))),
        started_at=_seconds(data.get("started_at")),
        finished_at=_seconds(data.get("finished_at")),
        duration=_float(data.get("duration")),
        origin=str(data.get("origin") or ""),
        err_msg=str(data.get("err_msg") or ""),
        extra={k: v for k, v in data.items() if k not in _RUN_FIELDS},
    )


def parse_callback(body: Mapping[str, Any]) -> Run:
    """Parse a run-finished callback body of either documented shape (CONTRACT.md §2.14).

    The v1 page documents ``{run_slug, status, results, usage}``; the v2 docs
    ``{run_slug, run_status, result_count, error_message, ...}``. Both are accepted.
    """
    status = body.get("run_status", body.get("status"))
    return Run(
        slug=str(body.get("run_slug") or body.get("slug") or ""),
        status=_status(status),
        results=int(_float(body.get("results", body.get("result_count")))),
        usage=_float(body.get("usage")),
        started_at=_seconds(body.get("execution_start_timestamp")),
        finished_at=_seconds(body.get("execution_end_timestamp")),
        duration=_float(body.get("running_duration")),
        err_msg=str(body.get("error_message") or body.get("err_msg") or ""),
        extra=dict(body),
    )


def _status(value: Any) -> RunStatus:
    if isinstance(value, str) and not value.strip().isdigit():
        try:
            return RunStatus.from_label(value)
        except KeyError:
            return RunStatus.RUNNING
    try:
        return RunStatus(int(value))
    except (TypeError, ValueError):
        # An unknown status is treated as "still going", so a waiter keeps polling
        # (bounded by its timeout) rather than reporting a result that is not there.
        return RunStatus.RUNNING


def _level(value: Any) -> LogLevel:
    try:
        return LogLevel(int(value))
    except (TypeError, ValueError):
        return LogLevel.INFO


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def _seconds(value: Any) -> datetime | None:
    seconds = _float(value)
    return datetime.fromtimestamp(seconds, tz=UTC) if seconds > 0 else None


def _millis(value: Any) -> datetime | None:
    millis = _float(value)
    return datetime.fromtimestamp(millis / 1000, tz=UTC) if millis > 0 else None
