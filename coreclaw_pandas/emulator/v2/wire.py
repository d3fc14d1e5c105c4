"""CoreClaw API v2 wire values: envelope, errors, string statuses and reply shapes.

The reply side of v2; ``routes``, ``tasks``, ``runs`` and ``params`` of this
package dispatch, serve and read requests. All of them are v2-only, over the
version-neutral backend.
Every reply, success or error, carries a fresh ``request_id`` in the body and in
an ``X-Request-Id`` header. Successes use ``{code: 0, message, data, request_id}``
(without ``data`` when there is nothing to return, as in the spec's examples);
errors use the spec's ErrorEnvelope ``{code, message, request_id, details?}``,
where ``message`` is the text the spec gives each code and ``details`` says what
exactly was wrong (the bad field, the unknown id). The fields of each ``data``
follow the examples of openapi-v2-reference.json; docs/emulator.md ("API v2")
lists the choices made where the spec is silent.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..backend.regions import DEFAULT_REGION
from ..backend.state import Account, LogEntry, Run, RunStatus, Task
from ..messages import Response, money, page_head
from ..workers.base import WorkerSpec

if TYPE_CHECKING:
    from ..app import App

#: The v2 run statuses; the same underlying states as v1's integers 1-5.
STATUS_NAMES = {
    RunStatus.READY: "ready",
    RunStatus.RUNNING: "running",
    RunStatus.SUCCEEDED: "succeeded",
    RunStatus.FAILED: "failed",
    RunStatus.ABORTING: "aborting",
}
STATUS_BY_NAME = {name: status for status, name in STATUS_NAMES.items()}

SYSTEM_ERROR = 10000
INVALID_ARGUMENT = 11000
NOT_FOUND = 11004
UNAUTHORIZED = 12001
INVALID_TOKEN = 12002
RATE_LIMITED = 13000
NOT_IMPLEMENTED = 16000
INSUFFICIENT_BALANCE = 30001
PLAN_CONCURRENCY_LIMITED = 30003
VERSION_UNAVAILABLE = 50003
RUN_FAILED = 70002

#: The message the spec's ``x-error-codes`` table gives each code.
MESSAGES = {
    0: "success",
    SYSTEM_ERROR: "internal server error",
    INVALID_ARGUMENT: "invalid argument",
    NOT_FOUND: "not found",
    UNAUTHORIZED: "authentication required",
    INVALID_TOKEN: "invalid token",
    RATE_LIMITED: "too many requests",
    NOT_IMPLEMENTED: "not implemented",
    INSUFFICIENT_BALANCE: "account balance is insufficient",
    PLAN_CONCURRENCY_LIMITED: "the current running tasks have reached the plan limit",
    VERSION_UNAVAILABLE: "the worker version is not available",
    RUN_FAILED: "run operation failed",
}

_COMPACT = (",", ":")
#: Shapes of log entries: v1-style objects (the Aug 2026 docs) or plain texts (spec example).
LOG_FORMATS = ("objects", "strings")


class ApiError(Exception):
    """A v2 error reply: HTTP status, business code and details.

    Args:
        http_status: HTTP status of the reply.
        code: Business code; its spec message becomes the reply's ``message``.
        details: What exactly was wrong, one string per problem.
        headers: Extra reply headers (``Allow``, ``Retry-After``).
    """

    def __init__(
        self,
        http_status: int,
        code: int,
        details: Iterable[str] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.http_status = http_status
        self.code = code
        self.details = list(details)
        self.headers = dict(headers or {})
        super().__init__(f"{code}: {'; '.join(self.details) or MESSAGES.get(code, '')}")


def bad_request(*details: str) -> ApiError:
    """Return the 11000 error (HTTP 400): a bad query or path parameter, or an unreadable body."""
    return ApiError(400, INVALID_ARGUMENT, details)


def bad_body(details: Iterable[str]) -> ApiError:
    """Return the 11000 error (HTTP 422) for a JSON body that fails validation."""
    return ApiError(422, INVALID_ARGUMENT, details)


def refuse_flat_input(raw: Any) -> None:
    """Refuse a run ``input`` that is not wrapped in ``parameters`` (400 + 11000).

    Production answers a flat ``{"input": {"keyword": ...}}`` start with HTTP 400
    and 11000 (the vendor's probe), not with the 422 of other schema problems.

    Raises:
        ApiError: 11000 (HTTP 400) naming the stray keys.
    """
    if isinstance(raw, dict) and set(raw) - {"parameters"}:
        stray = ", ".join(sorted(repr(str(key))[:40] for key in set(raw) - {"parameters"}))
        raise bad_request(
            f"input has {stray} at its top level: the Worker input goes in input.parameters.custom"
        )


def not_found(*details: str) -> ApiError:
    """Return the 11004 error (HTTP 404) for an unknown Worker, run, task or path."""
    return ApiError(404, NOT_FOUND, details)


# Envelopes ----------------------------------------------------------------------


def new_request_id() -> str:
    """Return a fresh request id: ``req-`` and 16 hex digits."""
    return "req-" + secrets.token_hex(8)


def _tail(request_id: str) -> bytes:
    return b',"request_id":"' + request_id.encode() + b'"}'


def success_bytes(data: Any, request_id: str | None = None) -> bytes:
    """Encode a success envelope around ``data`` (a fresh request id when none is given)."""
    encoded = json.dumps(data, ensure_ascii=False, separators=_COMPACT).encode()
    return _raw_success(encoded, request_id or new_request_id())


def _raw_success(data: bytes, request_id: str) -> bytes:
    # One join: ``a + data + b`` copies a big page twice, through a fresh allocation each time.
    return b"".join((b'{"code":0,"message":"success","data":', data, _tail(request_id)))


def ok(data: Any) -> Response:
    """Return a success reply around ``data``; without ``data`` when it is None.

    The spec's examples of data-less successes (abort, task update and delete) have
    no ``data`` key at all, rather than ``"data": null``.
    """
    if data is None:
        request_id = new_request_id()
        payload = b'{"code":0,"message":"success"' + _tail(request_id)
        return Response(200, payload, headers={"X-Request-Id": request_id})
    return raw_ok(json.dumps(data, ensure_ascii=False, separators=_COMPACT).encode())


def raw_ok(data: bytes) -> Response:
    """Return a success reply around ``data``, already encoded as JSON bytes."""
    request_id = new_request_id()
    return Response(200, _raw_success(data, request_id), headers={"X-Request-Id": request_id})


def error(
    http_status: int,
    code: int,
    details: Iterable[str] = (),
    headers: Mapping[str, str] | None = None,
) -> Response:
    """Return a v2 error reply (ErrorEnvelope): no ``data``, ``details`` only when given."""
    request_id = new_request_id()
    payload: dict[str, Any] = {"code": code, "message": MESSAGES.get(code, "error")}
    payload["request_id"] = request_id
    details = list(details)
    if details:
        payload["details"] = details
    return Response(
        http_status,
        json.dumps(payload, ensure_ascii=False, separators=_COMPACT).encode(),
        headers={**(headers or {}), "X-Request-Id": request_id},
    )


def error_reply(exc: ApiError) -> Response:
    """Return the reply for a raised ``ApiError``."""
    return error(exc.http_status, exc.code, exc.details, exc.headers)


def server_error() -> Response:
    """Return the generic 10000 reply (HTTP 500)."""
    return error(500, SYSTEM_ERROR)


def rate_limited(retry_after: float | None) -> Response:
    """Return the 13000 reply (HTTP 429), with ``Retry-After`` when given."""
    headers = (
        {"Retry-After": str(max(1, int(retry_after + 0.999)))} if retry_after is not None else {}
    )
    return error(429, RATE_LIMITED, (), headers)


# Data shapes --------------------------------------------------------------------


def tilde_path(worker: WorkerSpec) -> str:
    """Return the Worker's path in v2 form, ``owner~name``."""
    return worker.path.replace("/", "~")


def worker_item(worker: WorkerSpec) -> dict[str, Any]:
    """Return a store or Worker-list item."""
    owner, _, name = worker.path.partition("/")
    return {
        "description": worker.description,
        "name": name,
        "path": tilde_path(worker),
        "slug": worker.slug,
        "title": worker.title,
        "username": owner,
    }


def worker_detail(worker: WorkerSpec) -> dict[str, Any]:
    """Return a Worker's detail: readme, version, system defaults and input schema."""
    owner, _, name = worker.path.partition("/")
    return {
        "name": name,
        "parameters": {
            "custom": worker.input_schema,
            "system": {"proxy_region": DEFAULT_REGION, **worker.system},
        },
        "readme": worker.readme,
        "username": owner,
        "version": worker.version,
    }


def run_item(run: Run) -> dict[str, Any]:
    """Return the v2 run detail (also each item of a run list); call under the state lock."""
    return {
        "duration": int(run.duration()),
        "err_msg": run.err_msg,
        "finished_at": int(run.finished_at),
        "origin": run.origin,
        "results": run.counted,
        "scraper_slug": run.worker.slug,
        "scraper_title": run.worker.title,
        "slug": run.slug,
        "started_at": int(run.started_at),
        "status": STATUS_NAMES[run.status],
        "traffic": run.traffic,
        "usage": money(run.usage),
        "version": run.version,
    }


def result_message(run: Run) -> str:
    """Return the human summary of a finished run used by sync replies and callbacks."""
    if run.status is RunStatus.SUCCEEDED:
        return f"The run succeeded with {len(run.rows)} results."
    return run.err_msg


def sync_meta(run: Run, *, rerun: bool = False) -> dict[str, Any]:
    """Return the fields of a synchronous start reply before ``results``.

    A rerun reply carries ``is_finished`` instead of ``error_message`` and
    ``result_message`` (the v2 production audit, docs/platform.md §3.1).
    """
    meta: dict[str, Any] = {"run_slug": run.slug, "run_status": STATUS_NAMES[run.status]}
    if rerun:
        meta["is_finished"] = run.status.terminal
    else:
        meta["error_message"] = run.err_msg
    meta["execution_start_timestamp"] = int(run.started_at)
    meta["execution_end_timestamp"] = int(run.finished_at)
    meta["running_duration"] = int(run.duration())
    if not rerun:
        meta["result_message"] = result_message(run)
    return meta


def results_bytes(
    count: int, headers: list[dict[str, str]], rows: list[bytes], page_index: int, page_size: int
) -> bytes:
    """Encode ``{count, headers, list, page_index, page_size}`` around stored row bytes."""
    head = page_head(count, headers, compact=True)
    tail = f'],"page_index":{page_index},"page_size":{page_size}}}'.encode()
    return b"".join((head, b',"list":[', b",".join(rows), tail))


def log_list(entries: list[LogEntry], fmt: str) -> list[Any]:
    """Return log entries as v1-style objects or, with ``fmt="strings"``, as plain texts."""
    if fmt == "strings":
        return [entry.content for entry in entries]
    return [
        {"type": e.level, "group": e.group, "content": e.content, "timestamp": e.timestamp_ms}
        for e in entries
    ]


def account(acct: Account) -> dict[str, Any]:
    """Return the account reply: balance (decimal string) and its expiry (Unix seconds)."""
    return {
        "balance": money(max(acct.balance, Decimal(0))),
        "balance_expiration_at": acct.balance_expiration_at,
    }


#: Task ids count up from here: production's are integers above 2**53 (the audit's
#: task page), which a client must keep exact (never through a float).
TASK_ID_BASE = 1_786_001_196_232_214_000


def _big_id(kind: str, slug: str) -> int:
    # Stable per Worker and above 2**53, like production's worker ids.
    digest = hashlib.sha256(f"{kind}:{slug}".encode()).digest()
    return 2**53 + 1 + int.from_bytes(digest[:6], "big")


def saved_task_input(task: Task) -> Any:
    """Return a task's ``input`` as saved: verbatim, or its custom part wrapped."""
    if task.saved_input is not None:
        return task.saved_input
    return {"parameters": {"custom": task.custom}}


def _task_fields(task: Task, worker: WorkerSpec | None, run_times: int) -> dict[str, Any]:
    return {
        "slug": task.slug,
        "worker_title": worker.title if worker else "",
        "worker_slug": task.worker_slug,
        "worker_path": worker.path if worker else "",
        "version": task_version(task, worker),
        "platform_actors_id": _big_id("actor", task.worker_slug),
        "title": task.title,
        "description": task.description,
        "input": saved_task_input(task),
        "run_times": run_times,
        "last_run_id": 0,
        "last_modified_at": int(task.updated_at),
        "schedule_enabled": task.schedule.get("schedule_enabled", 0),
        "schedule_type": task.schedule.get("schedule_type", 0),
        "created_at": int(task.created_at),
        "updated_at": int(task.updated_at),
    }


def task_item(task: Task, worker: WorkerSpec | None, run_times: int) -> dict[str, Any]:
    """Return a task-list item: production's fields, without ``id`` (the audit)."""
    return _task_fields(task, worker, run_times)


def task_detail(task: Task, worker: WorkerSpec | None, run_times: int) -> dict[str, Any]:
    """Return a task's detail: integer ``id`` and ``worker_id``, no ``description`` (the audit).

    An enabled schedule adds the ``schedule_*`` fields it was given (the spec's example).
    """
    fields = _task_fields(task, worker, run_times)
    del fields["description"]
    if fields["schedule_enabled"] == 1:
        # The spec's enabled example shows schedule_time; the audit's, unscheduled, none.
        fields.update({k: v for k, v in task.schedule.items() if k not in fields})
    return {
        "id": TASK_ID_BASE + task.number,
        "slug": task.slug,
        "worker_id": _big_id("worker", task.worker_slug),
        **fields,
    }


def task_version(task: Task, worker: WorkerSpec | None) -> str:
    """Return the version a task runs: its own, else its Worker's current one."""
    return task.version or (worker.version if worker else "")


def callback_body(app: App, run: Run) -> dict[str, Any]:
    """Return the v2 callback body (the spec's ``run_status_callback``)."""
    with app.state.lock:
        return {
            "run_slug": run.slug,
            "run_status": STATUS_NAMES[run.status],
            "error_message": run.err_msg,
            "execution_start_timestamp": int(run.started_at),
            "execution_end_timestamp": int(run.finished_at),
            "running_duration": int(run.duration()),
            "result_count": len(run.rows),
            "result_message": result_message(run),
        }
