"""CoreClaw API v2 runs: lookups, starting runs, and the run endpoints.

``routes`` dispatches and ``params`` reads requests; this module finds
Workers, runs and tasks by their v2 ids, starts runs (through the backend's
``create_run``) for the worker, rerun and task endpoints, writes the synchronous reply,
and serves the run endpoints. A run endpoint serves a run named by ``{runId}``,
or the newest run of the account or of a Worker (the ``/last`` shortcuts),
through the same handler.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .. import clock, faults, params
from ..backend import exports
from ..backend.engine import BalanceTooLow, TooManyRuns
from ..backend.exports import XLSX_MAX_ROWS
from ..backend.ids import SlugKind
from ..backend.state import Run, RunStatus, Task
from ..backend.validation import short
from ..messages import Request, Response, money
from ..workers.base import WorkerSpec
from .params import (
    MAX_UNIX,
    RERUN_FIELDS,
    RUN_FIELDS,
    Body,
    Call,
    StartOptions,
    check_version,
    query_int,
    query_str,
    query_window,
    read_input,
    run_time_range,
    start_options,
)
from .wire import (
    INSUFFICIENT_BALANCE,
    PLAN_CONCURRENCY_LIMITED,
    RUN_FAILED,
    STATUS_BY_NAME,
    STATUS_NAMES,
    ApiError,
    bad_request,
    log_list,
    not_found,
    ok,
    raw_ok,
    refuse_flat_input,
    results_bytes,
    run_item,
    sync_meta,
)

if TYPE_CHECKING:
    from ..app import App

#: Log entries returned by the log endpoints (the full log is at ``all_logs_url``).
LOG_TAIL = 100
#: Export formats the emulator writes, and those the spec lists that it does not.
EXPORT_FORMATS = exports.FORMATS


# Lookups ------------------------------------------------------------------------


def worker_from(app: App, ident: str, *, where: str = "workerId") -> WorkerSpec:
    """Return the Worker whose ULID or ``owner~name`` path is ``ident``.

    Raises:
        ApiError: 11004 (HTTP 404) for an ``owner/name`` id or an unknown one.
    """
    if "/" in ident:
        # Production answers an encoded owner%2Fname with 404 + 11004 (vendor's probe).
        raise not_found(
            f"{where} must be a Worker ULID or owner~name, not owner/name: {short(ident)}"
        )
    worker = app.state.find_worker(ident.replace("~", "/")) if ident else None
    if worker is not None:
        return worker
    raise not_found(_unknown(app, ident, where, "Worker"))


def run_from(app: App, slug: str) -> Run:
    """Return the run ``slug``.

    Raises:
        ApiError: 11004 for an unknown run.
    """
    run = app.state.runs.get(slug)
    if run is None:
        raise not_found(_unknown(app, slug, "runId", "run"))
    return run


def task_from(app: App, slug: str) -> Task:
    """Return the task ``slug``.

    Raises:
        ApiError: 11004 for an unknown task.
    """
    with app.state.lock:
        task = app.state.tasks.get(slug)
    if task is None:
        raise not_found(_unknown(app, slug, "workerTaskId", "task"))
    return task


def _unknown(app: App, ident: str, where: str, thing: str) -> str:
    kind = app.state.slug_kind(ident)
    if kind is not None:
        names = {SlugKind.WORKER: "Worker", SlugKind.TASK: "task", SlugKind.RUN: "run"}
        return f"{where} {short(ident)} is a {names[kind]} id, not a {thing} id"
    return f"no {thing} has the id {short(ident)}"


def worker_filter(app: App, query: Mapping[str, list[str]]) -> str | None:
    """Return the Worker slug a list is filtered by (``worker_id``), or None for all.

    An unknown Worker filters everything out rather than failing the list.

    Raises:
        ApiError: 11000 for an ``owner/name`` id.
    """
    worker_id = query_str(query, "worker_id")
    if worker_id is None:
        return None
    if "/" in worker_id:
        raise bad_request(f"worker_id must be a Worker ULID or owner~name, got {short(worker_id)}")
    worker = app.state.find_worker(worker_id.replace("~", "/"))
    return worker.slug if worker else worker_id


def newest_first(
    app: App, *, worker_slug: str | None = None, status: RunStatus | None = None
) -> list[Run]:
    """Return runs newest first by start time, optionally of one Worker and status."""
    runs = app.state.list_runs(status=status, worker_slug=worker_slug)
    # list_runs is newest-created first, so the stable sort keeps that order on ties.
    return sorted(runs, key=lambda run: run.started_at, reverse=True)


def target_run(app: App, call: Call) -> Run:
    """Return the run a run endpoint serves: ``{runId}``, else the newest (of a Worker).

    Raises:
        ApiError: 11004 when the run, the Worker or any run at all is missing.
    """
    if "run" in call.params:
        return run_from(app, call.params["run"])
    worker = worker_from(app, call.params["worker"]) if "worker" in call.params else None
    runs = newest_first(app, worker_slug=worker.slug if worker else None)
    if not runs:
        raise not_found(f"Worker {worker.path} has no runs yet" if worker else "no runs yet")
    return runs[0]


# Starting runs --------------------------------------------------------------------


def start(
    app: App,
    request: Request,
    worker: WorkerSpec,
    custom: dict[str, Any],
    system: dict[str, Any],
    callback_url: str | None,
    *,
    version: str | None = None,
    task_slug: str | None = None,
) -> Run:
    """Create a run through v2 and start its Worker (``Engine.create_run``).

    Raises:
        ApiError: 30001 (HTTP 402) when the balance cannot pay one row, 30003
            (HTTP 429) when ``max_concurrent_runs`` runs are unfinished.
    """
    try:
        return app.engine.create_run(
            worker,
            custom=custom,
            system=system,
            version=version,
            origin="openapi",
            api_version="v2",
            callback_url=callback_url,
            task_slug=task_slug,
            base_url=app.public_base(request),
        )
    except BalanceTooLow as exc:
        raise ApiError(
            402,
            INSUFFICIENT_BALANCE,
            [f"the balance ({money(max(exc.balance, Decimal(0)))} USD) cannot pay for a run"],
        ) from None
    except TooManyRuns as exc:
        raise ApiError(429, PLAN_CONCURRENCY_LIMITED, [str(exc)]) from None


def run_reply(app: App, run: Run, options: StartOptions, *, rerun: bool = False) -> Response:
    """Reply to a start: ``{run_slug}``, or wait and return the run with a result window."""
    if options.is_async:
        return ok({"run_slug": run.slug})
    if not run.done.wait(max(0.0, app.settings.sync_wait_cap)):
        with app.state.lock:
            meta: dict[str, Any] = {"run_slug": run.slug, "run_status": STATUS_NAMES[run.status]}
        if rerun:
            meta["is_finished"] = False
        return ok(meta)
    with app.state.lock:
        meta = sync_meta(run, rerun=rerun)
    page = options.window
    count, headers, rows = app.state.page(run, page.start, page.limit)
    head = json.dumps(meta, ensure_ascii=False, separators=(",", ":"))[:-1].encode()
    return raw_ok(
        head
        + b',"results":'
        + results_bytes(count, headers, rows, page.page_index, page.limit)
        + b"}"
    )


# Run endpoints --------------------------------------------------------------------


def run_worker(app: App, call: Call) -> Response:
    """``POST /workers/{workerId}/runs``: start a run (async, or sync with a window)."""
    worker = worker_from(app, call.params["worker"])
    body = Body(call.body, RUN_FIELDS)
    version = body.get(params.get_str, "version", required=False)
    options = start_options(app, body)
    # The input is checked against the schema of a version that exists, so 50003 comes first.
    check_version(worker, version)
    refuse_flat_input(call.body.get("input"))
    custom, system, problems = read_input(worker, call.body.get("input"))
    body.problems += problems
    body.check()
    run = start(app, call.request, worker, custom, system, options.callback_url)
    return run_reply(app, run, options)


def run_list(app: App, call: Call) -> Response:
    """``GET /worker-runs``: runs of one calendar month, newest first, filtered and paged."""
    query = call.query
    page = query_window(app, query)
    status_text = query_str(query, "status")
    status = None
    if status_text is not None:
        status = STATUS_BY_NAME.get(status_text)
        if status is None:
            names = ", ".join(STATUS_BY_NAME)
            raise bad_request(f"status must be one of {names}, got {short(status_text)}")
    worker_slug = worker_filter(app, query)
    times = {
        name: query_int(query, name, minimum=0, maximum=MAX_UNIX)
        for name in ("start_time", "end_time")
    }
    low, high = run_time_range(
        times["start_time"],
        times["end_time"],
        now=clock.now(),
        offset_hours=app.settings.month_utc_offset_hours,
    )
    runs = [
        run
        for run in newest_first(app, worker_slug=worker_slug, status=status)
        if low <= run.started_at < high
    ]
    shown = runs[page.start : page.start + page.limit]
    with app.state.lock:
        items = [run_item(run) for run in shown]
    return ok({"count": len(runs), "list": items})


def run_detail(app: App, call: Call) -> Response:
    """``GET /worker-runs/{runId}`` and the ``/last`` shortcuts: one run."""
    run = target_run(app, call)
    with app.state.lock:
        item = run_item(run)
    # Production's detail never carries err_msg; its run list does (docs/platform.md §9).
    if not app.settings.v2_detail_err_msg:
        del item["err_msg"]
    return ok(item)


def run_result(app: App, call: Call) -> Response:
    """``GET .../result``: one page of a run's rows."""
    run = target_run(app, call)
    page = query_window(app, call.query)
    fault = call.request.page_fault or app.faults.take_page(call.request.path, page.page_index)
    call.request.page_fault = fault
    if fault is not None and fault.kind == "null_data":
        return raw_ok(b"null")
    start = faults.page_start(fault, page.start, page.limit)
    count, headers, rows = app.state.page(run, start, page.limit)
    rows = faults.page_rows(fault, rows)
    return raw_ok(results_bytes(count, headers, rows, page.page_index, page.limit))


def run_log(app: App, call: Call) -> Response:
    """``GET .../log``: the last log entries, the full-log URL and the row count."""
    run = target_run(app, call)
    with app.state.lock:
        entries = run.logs[-LOG_TAIL:]
        count = len(run.rows)
    return ok(
        {
            "all_logs_url": f"{app.public_base(call.request)}/_emulator/logs/{run.slug}.log",
            "list": log_list(entries, app.settings.v2_log_format),
            "result_count": count,
        }
    )


def run_abort(app: App, call: Call) -> Response:
    """``POST .../abort``: move an unfinished run to aborting.

    Raises:
        ApiError: 70002 (HTTP 400, the vendor's probe) when the run has already finished.
    """
    run = target_run(app, call)
    if not app.engine.abort(run):
        raise ApiError(
            400,
            RUN_FAILED,
            [f"the run has already finished ({STATUS_NAMES[run.status]}); nothing to abort"],
        )
    return ok(None)


def run_rerun(app: App, call: Call) -> Response:
    """``POST .../rerun``: start a new run with the same Worker, version and input."""
    old = target_run(app, call)
    body = Body(call.body, RERUN_FIELDS)
    options = start_options(app, body)
    body.check()
    run = start(
        app,
        call.request,
        old.worker,
        dict(old.custom),
        dict(old.system),
        options.callback_url,
        version=old.version,
    )
    return run_reply(app, run, options, rerun=True)


def run_export(app: App, call: Call) -> Response:
    """``GET .../result/export``: snapshot the rows into a key-less download URL."""
    run = target_run(app, call)
    # The spec and the audit: the eight formats, case-insensitive.
    fmt = (query_str(call.query, "format") or "csv").lower()
    if fmt not in EXPORT_FORMATS:
        raise bad_request(f"format must be one of {', '.join(EXPORT_FORMATS)}, got {short(fmt)}")
    text = query_str(call.query, "filter_keys") or ""
    keys = [key.strip() for key in text.split(",") if key.strip()]
    if fmt == "xlsx" and len(run.rows) > XLSX_MAX_ROWS:
        raise bad_request(f"an xlsx sheet holds at most {XLSX_MAX_ROWS} rows; use csv or jsonl")
    export = app.state.create_export(run, fmt, keys, lifetime=app.settings.export_ttl)
    url = f"{app.public_base(call.request)}/_emulator/exports/{export.token}.{fmt}"
    return ok({"download_url": url})
