"""CoreClaw API v1 runs: lookups, starting runs, and the run and task endpoints.

``routes`` dispatches and checks the key; this module finds Workers and runs by
their v1 slugs, starts runs (through the backend's ``create_run``) for the start,
rerun and task endpoints, writes the synchronous reply, and serves the run list,
detail, results, export and log endpoints. Where the contract is silent the choice
is documented in docs/emulator.md ("Choices on open questions").
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .. import faults, params
from ..backend.engine import BalanceTooLow, TooManyRuns
from ..backend.ids import SlugKind
from ..backend.state import Run, RunStatus
from ..backend.validation import check_custom, check_system, short
from ..messages import Request, Response, page_head
from ..workers.base import WorkerSpec
from .wire import STATUS_BY_CODE, STATUS_CODES, ApiError, invalid, ok, raw_ok, summary

if TYPE_CHECKING:
    from ..app import App

#: Largest result window of a synchronous start: "default 10, max 1000" in the vendor's
#: v1 Apifox export (docs/platform.md §3.1).
SYNC_WINDOW_MAX = 1000
#: Log entries returned by run/last/log (the full log is at ``all_logs_url``).
LOG_TAIL = 100


# Lookups ----------------------------------------------------------------------


def mixed(field: str, kind: SlugKind) -> ApiError:
    """Return the 4000 error for a slug of the wrong kind in ``field``."""
    return invalid(
        f"{field} is a {kind.value}, not a {field}: the three slug kinds "
        "(scraper_slug, task_slug, run_slug) must not be mixed up"
    )


def worker_from(app: App, slug: str, field: str = "scraper_slug") -> WorkerSpec:
    """Return the Worker whose slug or ``owner/name`` path is ``slug``.

    Raises:
        ApiError: 4000 for a run or task slug, 50001 for an unknown one.
    """
    worker = app.state.find_worker(slug)
    if worker is not None:
        return worker
    kind = app.state.slug_kind(slug)
    if kind is not None:
        raise mixed(field, kind)
    raise ApiError(404, 50001, "Script does not exist")


def run_from(app: App, body: dict[str, Any]) -> Run:
    """Return the run named by the body's ``run_slug``.

    Raises:
        ApiError: 4000 for a Worker or task slug, 70001 for an unknown one.
    """
    slug = params.get_str(body, "run_slug")
    run = app.state.runs.get(slug)
    if run is not None:
        return run
    kind = app.state.slug_kind(slug)
    if kind is not None:
        raise mixed("run_slug", kind)
    raise ApiError(404, 70001, "Run record does not exist")


def _page_args(app: App, body: dict[str, Any], *, required: bool) -> tuple[int, int]:
    if "page" in body:
        raise invalid("unknown field 'page': v1 pages with page_index (1-based) and page_size")
    maximum = app.settings.max_page_size
    index = params.get_int(body, "page_index", required=required, default=1, minimum=1)
    size = params.get_int(
        body,
        "page_size",
        required=required,
        default=10,
        minimum=1,
        maximum=maximum,
        maximum_reason="the maximum page size",
    )
    return index, size


def _results_bytes(
    app: App, run: Run, index: int, size: int, fault: faults.Fault | None = None
) -> bytes:
    # Rows are stored encoded, so a page is a join: no per-row JSON work here.
    start = faults.page_start(fault, (index - 1) * size, size)
    count, headers, rows = app.state.page(run, start, size)
    rows = faults.page_rows(fault, rows)
    return b"".join(
        (
            page_head(count, headers, compact=False),
            b',"list":[',
            b",".join(rows),
            f'],"page_index":{index},"page_size":{size}}}'.encode(),
        )
    )


# Starting runs and run endpoints ------------------------------------------------


def start(
    app: App,
    request: Request,
    worker: WorkerSpec,
    version: str,
    custom: dict[str, Any],
    system: dict[str, Any],
    callback_url: str | None,
    task_slug: str | None = None,
) -> Run:
    """Create a run through v1 and start its Worker (``Engine.create_run``).

    Raises:
        ApiError: 30001 (HTTP 400) when the balance cannot pay one row, 30003
            (HTTP 429) when ``max_concurrent_runs`` runs are unfinished.
    """
    try:
        return app.engine.create_run(
            worker,
            custom=custom,
            system=system,
            version=version,
            origin="api",
            api_version="v1",
            callback_url=callback_url,
            task_slug=task_slug,
            base_url=app.public_base(request),
        )
    except BalanceTooLow:
        raise ApiError(400, 30001, "Balance is not enough") from None
    except TooManyRuns as exc:
        # 30003 is documented for v2 only; v1 answers it with v2's HTTP 429.
        raise ApiError(429, 30003, f"Plan concurrency limit reached: {exc}") from None


def scraper_run(app: App, request: Request, body: dict[str, Any]) -> Response:
    """``POST /api/v1/scraper/run``: start a run, async or waiting for a result window."""
    worker = worker_from(app, params.get_str(body, "scraper_slug"))
    is_async = params.get_bool(body, "is_async")
    # Omitted: the current version, as the last v1 spec says (docs/platform.md §3.1).
    version = params.get_str(body, "version", required=False) or worker.version
    if version != worker.version:
        raise ApiError(
            400,
            50003,
            f"The script version is not available: {short(version)} "
            f"(current version is {worker.version})",
        )
    parameters = params.get_object(params.get_object(body, "input"), "parameters")
    problems = [f"input.parameters.system: {p}" for p in check_system(parameters.get("system"))]
    problems += [
        f"input.parameters.custom: {p}"
        for p in check_custom(worker.input_schema, parameters.get("custom"))
    ]
    if problems:
        raise invalid("; ".join(problems))
    callback_url = params.get_url(body, "callback_url", required=False)
    if "page" in body:
        raise invalid("unknown field 'page': v1 pages with page_index (1-based) and page_size")
    index = params.get_int(body, "page_index", required=False, default=1, minimum=1)
    size = params.get_int(
        body,
        "page_size",
        required=False,
        default=10,
        minimum=1,
        maximum=SYNC_WINDOW_MAX,
        maximum_reason="the sync result window",
    )
    run = start(
        app, request, worker, version, parameters["custom"], parameters["system"], callback_url
    )
    if is_async:
        return ok({"run_slug": run.slug})
    return _sync_reply(app, run, index, size)


def _sync_reply(app: App, run: Run, index: int, size: int) -> Response:
    if not run.done.wait(max(0.0, app.settings.sync_wait_cap)):
        return ok({"run_slug": run.slug, "run_status": STATUS_CODES[run.status]})
    succeeded = run.status is RunStatus.SUCCEEDED
    meta = {
        "run_slug": run.slug,
        "run_status": STATUS_CODES[run.status],
        "error_message": run.err_msg,
        "execution_start_timestamp": int(run.started_at),
        "execution_end_timestamp": int(run.finished_at),
        "running_duration": int(run.duration()),
        "result_message": (
            f"The run succeeded with {len(run.rows)} results." if succeeded else run.err_msg
        ),
    }
    head = json.dumps(meta, ensure_ascii=False)[:-1].encode()
    return raw_ok(head + b',"results":' + _results_bytes(app, run, index, size) + b"}")


def abort(app: App, request: Request, body: dict[str, Any]) -> Response:
    """``POST /api/v1/scraper/abort``: move an unfinished run to Aborting."""
    run = run_from(app, body)
    if not app.engine.abort(run):
        raise ApiError(
            500,
            70002,
            f"Failed to abort run: it has already finished (status {STATUS_CODES[run.status]})",
        )
    return ok(None)


def rerun(app: App, request: Request, body: dict[str, Any]) -> Response:
    """``POST /api/v1/rerun``: start a new run with the same Worker, version and input."""
    old = run_from(app, body)
    callback_url = params.get_url(body, "callback_url")
    run = start(
        app, request, old.worker, old.version, dict(old.custom), dict(old.system), callback_url
    )
    return ok({"run_slug": run.slug})


def task_run(app: App, request: Request, body: dict[str, Any]) -> Response:
    """``POST /api/v1/task/run``: start a saved task."""
    slug = params.get_str(body, "task_slug")
    callback_url = params.get_url(body, "callback_url")
    task = app.state.tasks.get(slug)
    if task is None:
        kind = app.state.slug_kind(slug)
        if kind is not None:
            raise mixed("task_slug", kind)
        raise ApiError(404, 60001, "Task does not exist")
    worker = app.state.workers.get(task.worker_slug)
    if worker is None:
        raise ApiError(404, 50001, "Script does not exist")
    run = start(
        app,
        request,
        worker,
        worker.version,
        dict(task.custom),
        dict(task.system),
        callback_url,
        task.slug,
    )
    return ok({"run_slug": run.slug})


def run_list(app: App, request: Request, body: dict[str, Any]) -> Response:
    """``POST /api/v1/run/list``: runs newest first, filtered and paged."""
    index, size = _page_args(app, body, required=True)
    status_code = params.get_int(body, "status", required=False, default=0, minimum=0, maximum=5)
    slug = params.get_str(body, "scraper_slug", required=False, allow_empty=True) or ""
    worker_slug = None
    if slug:
        worker = app.state.find_worker(slug)
        worker_slug = worker.slug if worker else slug
    runs = app.state.list_runs(status=STATUS_BY_CODE.get(status_code), worker_slug=worker_slug)
    window = runs[(index - 1) * size : index * size]
    with app.state.lock:
        items = [summary(run) for run in window]
    return ok({"count": len(runs), "list": items, "page_index": index, "page_size": size})


def run_detail(app: App, request: Request, body: dict[str, Any]) -> Response:
    """``POST /api/v1/run/detail``: one run's summary."""
    run = run_from(app, body)
    with app.state.lock:
        return ok(summary(run))


def result_list(app: App, request: Request, body: dict[str, Any]) -> Response:
    """``POST /api/v1/run/result/list``: one page of a run's rows."""
    run = run_from(app, body)
    index, size = _page_args(app, body, required=False)
    fault = request.page_fault = request.page_fault or app.faults.take_page(request.path, index)
    if fault is not None and fault.kind == "null_data":
        return raw_ok(b"null")
    return raw_ok(_results_bytes(app, run, index, size, fault))


def export(app: App, request: Request, body: dict[str, Any]) -> Response:
    """``POST /api/v1/run/result/export``: snapshot the rows into a key-less download URL."""
    run = run_from(app, body)
    fmt = params.get_str(body, "format")
    if fmt not in ("csv", "json"):
        raise invalid(f"format must be 'csv' or 'json', got {short(fmt)}")
    keys = params.get_str_list(body, "filter_keys")
    export = app.state.create_export(run, fmt, keys, lifetime=app.settings.export_ttl)
    url = f"{app.public_base(request)}/_emulator/exports/{export.token}.{fmt}"
    return ok({"download_url": url})


def last_log(app: App, request: Request, body: dict[str, Any]) -> Response:
    """``POST /api/v1/run/last/log``: the last log entries, the full-log URL and the row count."""
    run = run_from(app, body)
    with app.state.lock:
        entries = run.logs[-LOG_TAIL:]
        count = len(run.rows)
    return ok(
        {
            "all_logs_url": f"{app.public_base(request)}/_emulator/logs/{run.slug}.log",
            "list": [
                {
                    "type": e.level,
                    "group": e.group,
                    "content": e.content,
                    "timestamp": e.timestamp_ms,
                }
                for e in entries
            ],
            "result_count": count,
        }
    )
