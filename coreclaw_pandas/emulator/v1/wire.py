"""CoreClaw API v1 wire values: envelope, error replies, status codes, run summary.

The companion of ``routes`` and ``runs`` (which dispatch and read requests): all
are v1-only, over the version-neutral backend. Replies use the envelope
``{"code", "message", "data"}``; errors carry the business codes of docs/platform.md §2.4
with the HTTP statuses the v1 OpenAPI spec gives them (400/401/404/429/500).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..backend.state import Run, RunStatus
from ..messages import Response, money

if TYPE_CHECKING:
    from ..app import App

STATUS_CODES = {
    RunStatus.READY: 1,
    RunStatus.RUNNING: 2,
    RunStatus.SUCCEEDED: 3,
    RunStatus.FAILED: 4,
    RunStatus.ABORTING: 5,
}
STATUS_BY_CODE = {code: status for status, code in STATUS_CODES.items()}

#: Values of the ``v1_error_status`` knob: the spec's statuses, or HTTP 200 always.
ERROR_STATUS_MODES = ("spec", "200")


class ApiError(Exception):
    """A v1 error reply: HTTP status, business code and message."""

    def __init__(self, http_status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.code = code
        self.message = message


def invalid(message: str) -> ApiError:
    """Return the 4000 error (HTTP 400) for a bad request field."""
    return ApiError(400, 4000, f"Invalid request parameters: {message}")


def success_bytes(data: Any) -> bytes:
    """Encode a success envelope around ``data``."""
    return json.dumps(
        {"code": 0, "message": "success", "data": data}, ensure_ascii=False, separators=(",", ":")
    ).encode()


def ok(data: Any) -> Response:
    """Return a success reply around ``data``."""
    return Response(200, success_bytes(data))


def error(
    http_status: int, code: int, message: str, headers: dict[str, str] | None = None
) -> Response:
    """Return a v1 error reply with ``data: null``."""
    body = json.dumps({"code": code, "message": message, "data": None}, ensure_ascii=False)
    return Response(http_status, body.encode(), headers=headers or {})


def business_error(app: App, http_status: int, code: int, message: str) -> Response:
    """Return a v1 business error under the ``v1_error_status`` knob.

    The v1 spec gives errors 4xx/5xx statuses; the official v1 clients read only
    the body's ``code`` after an HTTP 200 (docs/platform.md, v1 errors). With the
    knob at ``"200"`` every business error is sent as HTTP 200 with its code, so a
    client that maps by status alone is caught.
    """
    status = 200 if app.settings.v1_error_status == "200" else http_status
    return error(status, code, message)


def server_error() -> Response:
    """Return the generic 5000 reply (HTTP 500)."""
    return error(500, 5000, "Network error, try again")


def rate_limited(retry_after: float | None) -> Response:
    """Return the 4290 reply (HTTP 429), with ``Retry-After`` when given."""
    headers = (
        {"Retry-After": str(max(1, int(retry_after + 0.999)))} if retry_after is not None else {}
    )
    return error(429, 4290, "Too many requests, please try again later", headers)


def raw_ok(data: bytes) -> Response:
    """Return a success reply around ``data``, already encoded as JSON bytes."""
    # One join: ``a + data + b`` copies a big page twice, through a fresh allocation each time.
    return Response(200, b"".join((b'{"code":0,"message":"success","data":', data, b"}")))


def summary(run: Run) -> dict[str, Any]:
    """Return the v1 RunSummary of ``run``."""
    return {
        "status": STATUS_CODES[run.status],
        "err_msg": run.err_msg,
        "slug": run.slug,
        "scraper_title": run.worker.title,
        "scraper_slug": run.worker.slug,
        "results": run.counted,
        "usage": money(run.usage),
        "started_at": int(run.started_at),
        "finished_at": int(run.finished_at),
        "duration": int(run.duration()),
        "origin": run.origin,
        "traffic": run.traffic,
        "version": run.version,
    }


def callback_body(app: App, run: Run) -> dict[str, Any]:
    """Return the v1 callback body (docs/platform.md §6): run_slug, status, results, usage."""
    with app.state.lock:
        return {
            "run_slug": run.slug,
            "status": STATUS_CODES[run.status],
            "results": len(run.rows),
            "usage": money(run.usage),
        }


#: path -> (method, handler, needs an API key)
