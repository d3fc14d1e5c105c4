"""CoreClaw REST API v1 routes: paths, methods, auth, and the catalogue endpoints.

``handle`` looks the path up in the route table, checks the method and the
``api-key`` header, reads the JSON body and calls the handler; ``ApiError``
becomes a ``{code, message, data: null}`` reply. The run and task endpoints live
in ``runs``, the envelope, codes and run summary in ``wire``; all of them sit over
the version-neutral backend, which v2 shares. Where the contract is silent the
choice is documented in docs/emulator.md ("Choices on open questions").
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .. import params
from ..backend.regions import REGIONS
from ..backend.validation import short
from ..messages import Request, Response, money
from ..params import BadRequest
from . import runs
from .runs import worker_from
from .wire import ApiError, business_error, error, invalid, ok

if TYPE_CHECKING:
    from ..app import App


# Dispatch ---------------------------------------------------------------------

Handler = Callable[["App", Request, dict[str, Any]], Response]


def handle(app: App, request: Request) -> Response:
    """Route ``request`` to its v1 handler, turning ``ApiError`` into replies."""
    route = ROUTES.get(request.path.rstrip("/") or "/")
    if route is None:
        return error(404, 4040, f"Not found: no endpoint at {short(request.path, 80)}")
    method, handler, needs_key = route
    if request.method != method:
        return error(
            405,
            4000,
            f"Invalid request parameters: {request.path} expects {method}, "
            f"not {short(request.method, 20)}",
            {"Allow": method},
        )
    try:
        if needs_key:
            key = request.credential()
            if key is None:
                raise ApiError(401, 20001, "Invalid API key: send your key in the api-key header")
            if not app.key_ok(key):
                raise ApiError(401, 20001, "Invalid API key")
        body: dict[str, Any] = {}
        if method == "POST":
            decoded, problem = request.json()
            if problem:
                raise invalid(problem)
            if not isinstance(decoded, dict):
                raise invalid(
                    f"the request body must be a JSON object, got {type(decoded).__name__}"
                )
            body = decoded
        return handler(app, request, body)
    except BadRequest as exc:
        return business_error(app, 400, 4000, f"Invalid request parameters: {exc}")
    except ApiError as exc:
        return business_error(app, exc.http_status, exc.code, exc.message)


# Public endpoints -----------------------------------------------------------------


def _store(app: App, request: Request, body: dict[str, Any]) -> Response:
    # Production documents 4000 for an empty search (docs/platform.md §5.1); a knob lists all.
    lists_all = app.settings.v1_empty_search_lists
    search = params.query_str(request.query, "search", required=not lists_all) or ""
    limit = params.query_int(request.query, "limit", default=10)
    found = app.state.search_workers(search, limit)
    return ok(
        {
            "scraper": [
                {"slug": w.slug, "title": w.title, "description": w.description} for w in found
            ]
        }
    )


def _scraper(app: App, request: Request, body: dict[str, Any]) -> Response:
    worker = worker_from(app, params.query_str(request.query, "slug"), "slug")
    system = worker.system
    return ok(
        {
            "version": worker.version,
            "readme": worker.readme,
            "parameters": {
                "system": {
                    key: system.get(key, 0)
                    for key in (
                        "cpus",
                        "memory",
                        "max_total_charge",
                        "max_total_traffic",
                        "execute_limit_time_seconds",
                    )
                },
                "custom": worker.input_schema,
            },
        }
    )


def _regions(app: App, request: Request, body: dict[str, Any]) -> Response:
    return ok({"list": [{"code": code, "name": name} for code, name in REGIONS.items()]})


# Account ----------------------------------------------------------------------


def _account(app: App, request: Request, body: dict[str, Any]) -> Response:
    with app.state.lock:
        account = app.state.account
        return ok(
            {
                "balance": money(max(account.balance, Decimal(0))),
                "traffic": account.traffic_quota,
                "traffic_expiration_at": account.traffic_expiration_at,
            }
        )


ROUTES: dict[str, tuple[str, Handler, bool]] = {
    "/api/store": ("GET", _store, False),
    "/api/scraper": ("GET", _scraper, False),
    "/api/proxy/region": ("GET", _regions, False),
    "/api/v1/scraper/run": ("POST", runs.scraper_run, True),
    "/api/v1/scraper/abort": ("POST", runs.abort, True),
    "/api/v1/run/list": ("POST", runs.run_list, True),
    "/api/v1/run/detail": ("POST", runs.run_detail, True),
    "/api/v1/run/result/list": ("POST", runs.result_list, True),
    "/api/v1/run/result/export": ("POST", runs.export, True),
    "/api/v1/run/last/log": ("POST", runs.last_log, True),
    "/api/v1/rerun": ("POST", runs.rerun, True),
    "/api/v1/task/run": ("POST", runs.task_run, True),
    "/api/v1/account/info": ("POST", _account, True),
}
