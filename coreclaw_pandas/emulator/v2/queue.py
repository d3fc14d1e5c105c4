"""CoreClaw API v2 run queue: queue a run, list the queue, activate or release items.

Shapes follow the production audit's run-queue pages (docs/platform.md, the run
queue). A queued run is always held as ``waiting``: production places it in the
queue "and you then decide when (and whether) the run actually starts", and a run
short of balance is held there rather than refused. Activating starts it through
the same backend start as every other run, so balance and plan limits apply then;
an item whose start is refused stays ``waiting`` and reports ``success: false``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import params
from ..backend.run_queue import QUEUE_STATUSES, WAITING, QueueItem
from ..backend.validation import short
from ..messages import Response
from .params import RUN_FIELDS, Body, Call, check_version, query_str, query_window, read_input
from .runs import start, worker_from
from .wire import ApiError, bad_request, not_found, ok, refuse_flat_input

if TYPE_CHECKING:
    from ..app import App

#: Fields of the batch activate and release bodies.
BATCH_FIELDS = ("queue_refs", "reason")


def queued_run(app: App, call: Call) -> Response:
    """``POST /workers/{workerId}/queued-runs``: hold a run in the queue as ``waiting``."""
    worker = worker_from(app, call.params["worker"])
    body = Body(call.body, RUN_FIELDS)
    version = body.get(params.get_str, "version", required=False)
    callback_url = None
    if call.body.get("callback_url") != "":  # an empty callback_url means none
        callback_url = body.get(params.get_url, "callback_url", required=False)
    # is_async, offset and limit are accepted and have no effect (the audit's page).
    body.get(params.get_bool, "is_async", required=False)
    for name in ("offset", "limit"):
        body.get(params.get_int, name, required=False, minimum=0)
    check_version(worker, version)
    refuse_flat_input(call.body.get("input"))
    custom, system, problems = read_input(worker, call.body.get("input"))
    body.problems += problems
    body.check()
    item = app.state.queue.add(
        worker, custom=custom, system=system, version=version, callback_url=callback_url
    )
    return ok({"queue_ref": item.ref, "queue_status": item.status, "queued": True})


def queue_list(app: App, call: Call) -> Response:
    """``GET /run-queue/items``: the queue, oldest first, filtered by ``status`` and paged."""
    page = query_window(app, call.query)
    status = query_str(call.query, "status")
    if status is not None and status not in QUEUE_STATUSES:
        raise bad_request(f"status must be one of {', '.join(QUEUE_STATUSES)}, got {short(status)}")
    items = app.state.queue.items(status)
    chosen = items[page.start : page.start + page.limit]
    return ok({"count": len(items), "list": [_item(item) for item in chosen]})


def queue_activate(app: App, call: Call) -> Response:
    """``POST /run-queue/items/activate``: start waiting items; one result per ref."""
    refs = _refs(call)
    return ok(
        {"results": [{"queue_ref": ref, "success": _activate(app, call, ref)} for ref in refs]}
    )


def queue_release(app: App, call: Call) -> Response:
    """``POST /run-queue/items/release``: drop waiting items; one result per ref."""
    refs = _refs(call)
    reason = call.body.get("reason")
    return ok(
        {"results": [{"queue_ref": ref, "success": _release(app, ref, reason)} for ref in refs]}
    )


def queue_release_one(app: App, call: Call) -> Response:
    """``POST /run-queue/items/{queueId}/release``: drop one item (unknown: 11004)."""
    ref = call.params["queue"]
    if app.state.queue.get(ref) is None:
        raise not_found(f"no run queue item {short(ref)}: list them with GET /run-queue/items")
    body = Body(call.body, ("reason",))
    reason = body.get(params.get_str, "reason", required=False)
    body.check()
    return ok({"results": [{"queue_ref": ref, "success": _release(app, ref, reason)}]})


def _refs(call: Call) -> list[str]:
    body = Body(call.body, BATCH_FIELDS)
    refs = body.get(params.get_str_list, "queue_refs")
    body.get(params.get_str, "reason", required=False)
    if refs == []:
        body.problems.append("queue_refs must name at least one queue item")
    body.check()
    return refs


def _activate(app: App, call: Call, ref: str) -> bool:
    item = app.state.queue.take_waiting(ref)
    if item is None:
        return False
    try:
        run = start(
            app,
            call.request,
            item.worker,
            item.custom,
            item.system,
            item.callback_url,
            version=item.version,
        )
    except ApiError:
        # Still short of balance or at the plan limit: it keeps waiting, as production's
        # page says an item "normally" waits until the condition is resolved.
        app.state.queue.put_back(item)
        return False
    item.run_slug = run.slug
    return True


def _release(app: App, ref: str, reason: Any) -> bool:
    item = app.state.queue.take_waiting(ref)
    if item is None:
        return False
    item.reason = reason if isinstance(reason, str) else None
    return True


def _item(item: QueueItem) -> dict[str, Any]:
    data: dict[str, Any] = {"queue_ref": item.ref, "queue_status": item.status}
    if item.status != WAITING and item.run_slug is not None:
        data["run_slug"] = item.run_slug
    return data
