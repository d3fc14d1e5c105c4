"""Reply fragments that v1 and v2 share, parsed into typed objects (and the start body).

Both versions send the same run summary (v2 spells the status as a word), the
same result page, run list, Worker detail, account and sync-start reply, and
take the same ``input.parameters`` in a run start; the wire modules call these
and keep only what really differs. Everything here tolerates drift: numbers as
strings, missing keys, unknown statuses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..exceptions import TransportError
from ..models import (
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
from ..schema import parse_input_schema

_RUN_FIELDS = frozenset(
    {
        "slug",
        "run_slug",
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


def run(data: Mapping[str, Any]) -> Run:
    """A Run from a run summary (v1 RunSummary or v2 worker-run)."""
    return Run(
        slug=str(data.get("slug") or data.get("run_slug") or ""),
        status=status(data.get("status")),
        scraper_slug=str(data.get("scraper_slug") or ""),
        scraper_title=str(data.get("scraper_title") or ""),
        version=str(data.get("version") or ""),
        results=int(number(data.get("results"))),
        usage=number(data.get("usage")),
        traffic=int(number(data.get("traffic"))),
        started_at=seconds(data.get("started_at")),
        finished_at=seconds(data.get("finished_at")),
        duration=number(data.get("duration")),
        origin=str(data.get("origin") or ""),
        err_msg=str(data.get("err_msg") or ""),
        extra={k: v for k, v in data.items() if k not in _RUN_FIELDS},
    )


def start_body(
    system: Mapping[str, Any],
    custom: Mapping[str, Any],
    *,
    is_async: bool,
    callback_url: str | None,
) -> dict[str, Any]:
    """The part of a run-start body both versions share.

    Each version adds its own fields: the Worker and version, and the first
    results window of a synchronous start.
    """
    body: dict[str, Any] = {
        "is_async": is_async,
        "input": {"parameters": {"system": dict(system), "custom": dict(custom)}},
    }
    if callback_url:
        body["callback_url"] = callback_url
    return body


def run_list(data: Mapping[str, Any]) -> tuple[int, list[Run]]:
    """A page of run history ``{count, list}``: (total count, runs on this page)."""
    runs = [run(item) for item in data.get("list") or [] if isinstance(item, Mapping)]
    return int(number(data.get("count"))), runs


def worker_from_detail(scraper_slug: str, data: Any) -> Worker:
    """A Worker from a detail reply ``{version, readme, parameters: {system, custom}}``.

    Missing parts are tolerated (an empty schema, no system defaults); parts of the
    wrong shape are not, because a form or a start would fail later and far away.

    Raises:
        TransportError: A part of the detail has the wrong shape; the message names
            the field (``parameters.system``...) and what it was.
    """
    data = _part(scraper_slug, "detail", data, Mapping, {})
    params = _part(scraper_slug, "parameters", data.get("parameters"), Mapping, {})
    system = dict(_part(scraper_slug, "parameters.system", params.get("system"), Mapping, {}))
    for key, value in system.items():
        # Defaults feed the Run options and the start body: one value each, never a container.
        _part(scraper_slug, f"parameters.system.{key}", value, (str, int, float, bool), None)
    # Older exports name the MB value `memory_bytes` (docs/platform.md §5.1).
    if "memory" not in system and "memory_bytes" in system:
        system["memory"] = system.pop("memory_bytes")
    raw_schema = dict(_part(scraper_slug, "parameters.custom", params.get("custom"), Mapping, {}))
    return Worker(
        slug=scraper_slug,
        version=str(_part(scraper_slug, "version", data.get("version"), (str, int, float), "")),
        readme=str(_part(scraper_slug, "readme", data.get("readme"), str, "")),
        system=system,
        input_schema=parse_input_schema(raw_schema),
        raw_schema=raw_schema,
        extra={k: v for k, v in data.items() if k not in ("version", "readme", "parameters")},
    )


def _part(scraper_slug: str, field: str, value: Any, kinds: Any, missing: Any) -> Any:
    """``value`` if it is one of ``kinds`` (``missing`` for None), else a TransportError."""
    if value is None:
        return missing
    if isinstance(value, kinds):
        return value
    expected = {Mapping: "an object", str: "text"}.get(kinds, "text or a number")
    raise TransportError(
        f"The detail of Worker {scraper_slug!r} is malformed: `{field}` is {_kind(value)}, "
        f"expected {expected}. The server sent a reply this client cannot read: check that "
        "base_url points at CoreClaw, and report it if it does."
    )


def _kind(value: Any) -> str:
    """``value``'s JSON kind with an article, for messages: 'a list', 'an object', 'text'."""
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, str):
        return "text"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return f"a {type(value).__name__}"


def account(data: Mapping[str, Any]) -> Account:
    """The account: balance (USD) and, where the version reports them, traffic and its expiry."""
    known = ("balance", "traffic", "traffic_expiration_at")
    return Account(
        balance=number(data.get("balance")),
        traffic=int(number(data.get("traffic"))),
        traffic_expiration_at=seconds(data.get("traffic_expiration_at")),
        extra={k: v for k, v in data.items() if k not in known},
    )


def callback(body: Mapping[str, Any]) -> Run:
    """A Run from a run-finished callback body of either documented shape (docs/platform.md §6).

    The v1 page documents ``{run_slug, status, results, usage}``; the v2 docs
    ``{run_slug, run_status, result_count, error_message, ...}``. Both are accepted.
    """
    return Run(
        slug=str(body.get("run_slug") or body.get("slug") or ""),
        status=status(body.get("run_status", body.get("status"))),
        results=int(number(body.get("results", body.get("result_count")))),
        usage=number(body.get("usage")),
        started_at=seconds(body.get("execution_start_timestamp")),
        finished_at=seconds(body.get("execution_end_timestamp")),
        duration=number(body.get("running_duration")),
        err_msg=str(body.get("error_message") or body.get("err_msg") or ""),
        extra=dict(body),
    )


def page(data: Mapping[str, Any], *, page_index: int, page_size: int) -> ResultPage:
    """A ResultPage from ``{count, headers, list}``."""
    headers = [
        ResultHeader(
            key=str(h.get("key", "")),
            label=str(h.get("label") or h.get("key") or ""),
            format=str(h.get("format") or ""),
        )
        for h in data.get("headers") or []
        if isinstance(h, Mapping) and h.get("key")
    ]
    items = data.get("list") or []
    rows = [row for row in items if isinstance(row, dict)]
    return ResultPage(
        count=int(number(data.get("count"))),
        headers=headers,
        rows=rows,
        page_index=page_index,
        page_size=page_size,
        non_objects=len(items) - len(rows) if isinstance(items, list) else 0,
    )


def sync_reply(data: Mapping[str, Any], *, scraper_slug: str, version: str) -> SyncReply:
    """A start reply: ``{run_slug}`` when async, else the sync shape (docs/platform.md §3.1)."""
    raw_status = data.get("run_status", data.get("status"))
    state = status(raw_status) if raw_status is not None else RunStatus.READY
    results = data.get("results")
    first = None
    if isinstance(results, Mapping):
        first = page(results, page_index=1, page_size=len(results.get("list") or []))
    started = Run(
        slug=str(data.get("run_slug") or ""),
        status=state,
        scraper_slug=scraper_slug,
        version=version,
        results=first.count if first else 0,
        started_at=seconds(data.get("execution_start_timestamp")),
        finished_at=seconds(data.get("execution_end_timestamp")),
        duration=number(data.get("running_duration")),
        err_msg=str(data.get("error_message") or ""),
        extra={k: v for k, v in data.items() if k not in ("run_slug", "results")},
    )
    return SyncReply(run=started, page=first, finished=state.is_terminal and first is not None)


def run_log(data: Mapping[str, Any]) -> RunLog:
    """A RunLog; entries may be objects or, in some v2 replies, plain strings."""
    entries = []
    for item in data.get("list") or []:
        if isinstance(item, Mapping):
            entries.append(
                LogEntry(
                    level=level(item.get("type")),
                    content=str(item.get("content", "")),
                    group=str(item.get("group", "")),
                    timestamp=millis(item.get("timestamp")),
                )
            )
        elif isinstance(item, str):
            entries.append(LogEntry(level=LogLevel.INFO, content=item))
    return RunLog(
        entries=entries,
        all_logs_url=str(data.get("all_logs_url") or ""),
        result_count=int(number(data.get("result_count"))),
    )


def worker_summaries(data: Mapping[str, Any] | None) -> list[WorkerSummary]:
    """Store items; peers also accept ``scrapers`` and ``records`` (docs/platform.md §5.1)."""
    data = data or {}
    items = data.get("scraper") or data.get("scrapers") or data.get("records") or []
    if isinstance(data.get("list"), list) and not items:
        items = data["list"]
    known = ("slug", "title", "description")
    return [
        WorkerSummary(
            slug=str(item.get("slug", "")),
            title=str(item.get("title", "")),
            description=str(item.get("description", "")),
            extra={k: v for k, v in item.items() if k not in known},
        )
        for item in items
        if isinstance(item, Mapping)
    ]


def proxy_regions(data: Mapping[str, Any] | None) -> list[ProxyRegion]:
    """Proxy regions from ``{list: [{code, name}]}``."""
    return [
        ProxyRegion(code=str(item.get("code", "")), name=str(item.get("name", "")))
        for item in (data or {}).get("list") or []
        if isinstance(item, Mapping)
    ]


def status(value: Any) -> RunStatus:
    """A RunStatus from a v1 integer, a v2 word, or anything else."""
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


def level(value: Any) -> LogLevel:
    """A LogLevel from the platform's 1-4 code (Info when unknown)."""
    try:
        return LogLevel(int(value))
    except (TypeError, ValueError):
        return LogLevel.INFO


def number(value: Any) -> float:
    """A float from a number or a decimal string; 0.0 when absent or unreadable."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


#: 10**11 s is the year 5138 and 10**11 ms is 1973: above it a time can only be milliseconds.
_MILLIS_FROM = 10**11


def seconds(value: Any) -> datetime | None:
    """A UTC datetime from Unix seconds; None for 0 (the platform's "not yet").

    A value too large to be seconds (past the year 5138) is read as milliseconds,
    the unit of the platform's log times, so a field sent in the other unit still
    gives the right instant; one that is no instant at all gives None.
    """
    value = number(value)
    if value >= _MILLIS_FROM:
        value /= 1000
    return _instant(value)


def millis(value: Any) -> datetime | None:
    """A UTC datetime from Unix milliseconds (log timestamps); None for 0 or no instant.

    A value too small to be milliseconds of this era (before March 1973) is read as
    seconds, the unit of every other platform time.
    """
    value = number(value)
    return _instant(value / 1000 if value >= _MILLIS_FROM else value)


def _instant(value: float) -> datetime | None:
    if not 0 < value < _MILLIS_FROM:
        return None
    try:
        return datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError):  # beyond what the platform's C library holds
        return None
