"""CoreClaw API v2 saved tasks: list, create, read, change, delete and run them.

``routes`` dispatches; ``params`` reads the bodies (``Body`` collects every problem
into one 422) and ``runs`` starts a task's run. Tasks live in the backend's state,
shared with v1, so a task saved here runs through ``/api/v1/task/run`` too.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from .. import params
from ..backend.state import Task
from ..backend.validation import short
from ..messages import Response
from ..workers.base import WorkerSpec
from .params import (
    CREATE_FIELDS,
    INPUT_FIELDS,
    RERUN_FIELDS,
    UPDATE_FIELDS,
    Body,
    Call,
    check_version,
    query_str,
    query_window,
    read_input,
    read_schedule,
    start_options,
)
from .runs import run_reply, start, task_from, worker_filter, worker_from
from .wire import not_found, ok, saved_task_input, task_detail, task_item, task_version

if TYPE_CHECKING:
    from ..app import App


def _task_worker(app: App, task: Task) -> WorkerSpec:
    worker = app.state.workers.get(task.worker_slug)
    if worker is None:
        raise not_found(f"the Worker of task {task.slug} no longer exists")
    return worker


def _run_times(app: App, task: Task) -> int:
    with app.state.lock:
        return sum(1 for run in app.state.runs.values() if run.task_slug == task.slug)


def _read_task_input(
    worker: WorkerSpec, raw: Any
) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """Return ``(custom, system, problems)`` of a task ``input``, saved verbatim either way.

    Production saves a flat input (``{"keyword": ...}``) as it is, and the task's runs
    then fail with the Worker's "Keyword is required": so a flat input is not checked
    and gives an empty ``custom``. A wrapped one is checked like a start's.
    """
    if isinstance(raw, dict) and set(raw) - {"parameters"}:
        return {}, {}, []
    return read_input(worker, raw)


def task_list(app: App, call: Call) -> Response:
    """``GET /worker-tasks``: saved tasks newest first, filtered by Worker and keyword, paged."""
    page = query_window(app, call.query)
    worker_slug = worker_filter(app, call.query)
    words = (query_str(call.query, "keyword") or "").lower().split()
    with app.state.lock:
        tasks = sorted(app.state.tasks.values(), key=lambda task: task.number, reverse=True)
    tasks = [
        task
        for task in tasks
        if (worker_slug is None or task.worker_slug == worker_slug)
        and all(word in f"{task.title} {task.slug}".lower() for word in words)
    ]
    shown = tasks[page.start : page.start + page.limit]
    items = [
        task_item(task, app.state.workers.get(task.worker_slug), _run_times(app, task))
        for task in shown
    ]
    return ok(
        {"count": len(tasks), "list": items, "page_index": page.page_index, "page_size": page.limit}
    )


def task_create(app: App, call: Call) -> Response:
    """``POST /worker-tasks``: save a task for a Worker; its input is checked first."""
    body = Body(call.body, CREATE_FIELDS)
    worker_id = body.get(params.get_str, "worker_id")
    title = body.get(params.get_str, "title")
    description = body.get(params.get_str, "description", required=False, allow_empty=True)
    version = body.get(params.get_str, "version", required=False)
    if "input" not in call.body:
        body.problems.append("input is required")
    schedule = read_schedule(body)
    if worker_id is not None and "/" in worker_id:
        body.problems.append(
            f"worker_id must be a Worker ULID or owner~name, got {short(worker_id)}"
        )
    if worker_id is None or "/" in worker_id:
        body.check()  # without a usable Worker there is no schema to check the input against
    worker = worker_from(app, worker_id, where="worker_id")
    check_version(worker, version)
    custom, system, problems = _read_task_input(worker, call.body.get("input"))
    body.problems += problems
    body.check()
    task = app.state.add_task(
        worker,
        custom,
        system=system,
        title=title,
        description=description or "",
        version=version,
        schedule=schedule,
        saved_input=call.body.get("input"),
    )
    return ok({"slug": task.slug})


def task_get(app: App, call: Call) -> Response:
    """``GET /worker-tasks/{workerTaskId}``: one task."""
    task = task_from(app, call.params["task"])
    worker = app.state.workers.get(task.worker_slug)
    return ok(task_detail(task, worker, _run_times(app, task)))


def task_update(app: App, call: Call) -> Response:
    """``PUT /worker-tasks/{workerTaskId}``: change the title, description or schedule."""
    task = task_from(app, call.params["task"])
    body = Body(call.body, UPDATE_FIELDS)
    changes: dict[str, Any] = {}
    title = body.get(params.get_str, "title", required=False)
    if title is not None:
        changes["title"] = title
    description = body.get(params.get_str, "description", required=False, allow_empty=True)
    if description is not None:
        changes["description"] = description
    schedule = read_schedule(body)
    body.check()
    if schedule:
        changes["schedule"] = {**task.schedule, **schedule}
    app.state.update_task(task.slug, **changes)
    return ok({})  # production's updates answer data: {} (the audit)


def task_delete(app: App, call: Call) -> Response:
    """``DELETE /worker-tasks/{workerTaskId}``: forget a task."""
    task = task_from(app, call.params["task"])
    app.state.delete_task(task.slug)
    return ok(None)


def task_input(app: App, call: Call) -> Response:
    """``GET /worker-tasks/{workerTaskId}/input``: the saved input and version."""
    task = task_from(app, call.params["task"])
    worker = app.state.workers.get(task.worker_slug)
    return ok({"input": saved_task_input(task), "version": task_version(task, worker)})


def task_input_update(app: App, call: Call) -> Response:
    """``PUT /worker-tasks/{workerTaskId}/input``: replace the saved input (and version)."""
    task = task_from(app, call.params["task"])
    body = Body(call.body, INPUT_FIELDS)
    version = body.get(params.get_str, "version", required=False)
    if "input" not in call.body:
        body.problems.append("input is required")
    worker = _task_worker(app, task)
    check_version(worker, version)
    custom, system, problems = _read_task_input(worker, call.body.get("input"))
    body.problems += problems
    body.check()
    changes: dict[str, Any] = {
        "custom": custom,
        "system": {**task.system, **system},
        "saved_input": copy.deepcopy(call.body.get("input")),
    }
    if version is not None:
        changes["version"] = version
    app.state.update_task(task.slug, **changes)
    return ok({})


def task_run(app: App, call: Call) -> Response:
    """``POST /worker-tasks/{workerTaskId}/runs``: start a run of the saved task."""
    task = task_from(app, call.params["task"])
    body = Body(call.body, RERUN_FIELDS)
    options = start_options(app, body)
    body.check()
    worker = _task_worker(app, task)
    check_version(worker, task.version)
    run = start(
        app,
        call.request,
        worker,
        dict(task.custom),
        dict(task.system),
        options.callback_url,
        task_slug=task.slug,
    )
    return run_reply(app, run, options)
