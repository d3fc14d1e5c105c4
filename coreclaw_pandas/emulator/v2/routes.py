"""CoreClaw API v2 routes: paths, methods, auth, and the catalogue endpoints.

``handle`` matches ``/api/v2/...`` against the route table (ids in the path), checks
the method and the credential (``Authorization: Bearer``, the ``api-key`` header or
``?token=``), reads the JSON body and calls the handler; ``ApiError`` becomes an
ErrorEnvelope reply. The run endpoints live in ``runs``, the saved-task endpoints
in ``tasks``, reply shapes in ``wire``; all of them share the version-neutral
backend with v1, so a run is visible through both versions. Choices where the
spec is silent are listed in docs/emulator.md ("API v2").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from ..backend.regions import REGIONS
from ..backend.validation import short
from ..messages import Request, Response
from ..params import BadRequest
from ..workers.base import WorkerSpec
from . import queue, runs, tasks
from .params import Call, Handler, query_str, query_window
from .runs import worker_from
from .wire import (
    INVALID_ARGUMENT,
    INVALID_TOKEN,
    NOT_FOUND,
    UNAUTHORIZED,
    ApiError,
    account,
    bad_body,
    bad_request,
    error,
    error_reply,
    ok,
    worker_detail,
    worker_item,
)

if TYPE_CHECKING:
    from ..app import App

PREFIX = "/api/v2"
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})?")


def is_v2(path: str) -> bool:
    """Return True when ``path`` belongs to API v2."""
    return path == PREFIX or path.startswith(PREFIX + "/")


def credential(request: Request) -> str | None:
    """Return the caller's key: Bearer token, else ``api-key`` header, else ``?token=``."""
    auth = request.headers.get("Authorization") or ""
    if auth[:7].lower() == "bearer " and auth[7:].strip():
        return auth[7:].strip()
    key = request.headers.get("api-key")
    if key and key.strip():
        return key.strip()
    return query_str(request.query, "token")


# Dispatch ---------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """One operation: its handler, whether it needs a key, whether it reads a body."""

    handler: Handler
    auth: bool = True
    body: bool = False


def handle(app: App, request: Request) -> Response:
    """Route a ``/api/v2`` request to its handler, turning ``ApiError`` into replies."""
    path = request.path.rstrip("/") or "/"
    found = _match(path)
    if found is None:
        return error(404, NOT_FOUND, [f"no endpoint at {short(path, 80)}", *_hints(path)])
    operations, path_params = found
    route = operations.get(request.method)
    if route is None:
        allowed = ", ".join(sorted(operations))
        return error(
            405,
            INVALID_ARGUMENT,
            [f"{short(path, 80)} accepts {allowed}, not {short(request.method, 20)}"],
            {"Allow": allowed},
        )
    try:
        if route.auth:
            _authenticate(app, request)
        return route.handler(app, Call(request, _decode(path_params), _body(request, route)))
    except ApiError as exc:
        return error_reply(exc)
    except BadRequest as exc:
        return error(400, INVALID_ARGUMENT, [str(exc)])


def _authenticate(app: App, request: Request) -> None:
    key = credential(request)
    if key is None:
        raise ApiError(
            401,
            UNAUTHORIZED,
            ["send your API key as Authorization: Bearer <key>, the api-key header or ?token="],
        )
    if not app.key_ok(key):
        raise ApiError(401, INVALID_TOKEN, ["the API key was not accepted"])


def _body(request: Request, route: Route) -> dict[str, Any]:
    if not route.body:
        return {}
    decoded, problem = request.json()
    if problem:
        raise bad_request(problem)
    if not isinstance(decoded, dict):
        raise bad_body([f"the request body must be a JSON object, got {type(decoded).__name__}"])
    return decoded


def _decode(path_params: dict[str, str]) -> dict[str, str]:
    # An encoded slash ("owner%2Fname") decodes here and is refused by the Worker lookup.
    return {name: unquote(value, errors="replace") for name, value in path_params.items()}


def _match(path: str) -> tuple[dict[str, Route], dict[str, str]] | None:
    parts = path.split("/")
    # Table order matters: literal segments ("last") come before placeholders.
    for literals, placeholders, operations in _BY_LENGTH.get(len(parts), ()):
        if all(parts[i] == want for i, want in literals) and all(
            parts[i] for i, _ in placeholders
        ):
            return operations, {name: parts[i] for i, name in placeholders}
    return None


def _hints(path: str) -> list[str]:
    parts = path.split("/")
    # /api/v2/workers/owner/name/... : a slash path where owner~name belongs.
    if len(parts) > 5 and parts[3] == "workers":
        joined = "/".join([*parts[:4], f"{parts[4]}~{parts[5]}", *parts[6:]])
        if _match(joined) is not None:
            return ["Worker paths in v2 URLs are written owner~name, not owner/name"]
    return []


# Catalogue endpoints ---------------------------------------------------------------


def _matching_workers(app: App, call: Call) -> list[WorkerSpec]:
    words = (query_str(call.query, "keyword") or "").lower().split()
    found = []
    for worker in app.state.workers.values():
        haystack = f"{worker.title} {worker.slug} {worker.path} {worker.path.replace('/', '~')}"
        if all(word in haystack.lower() for word in words):
            found.append(worker)
    return found


def _worker_list(app: App, call: Call) -> Response:
    page = query_window(app, call.query)
    workers = _matching_workers(app, call)[page.start : page.start + page.limit]
    return ok({"scraper": [worker_item(worker) for worker in workers]})


def _worker_detail(app: App, call: Call) -> Response:
    return ok(worker_detail(worker_from(app, call.params["worker"])))


def _input_schema(app: App, call: Call) -> Response:
    return ok({"input_schema": worker_from(app, call.params["worker"]).input_schema})


def _account(app: App, call: Call) -> Response:
    with app.state.lock:
        return ok(account(app.state.account))


def _regions(app: App, call: Call) -> Response:
    language = query_str(call.query, "language") or "en"
    if not _LANGUAGE.fullmatch(language):
        raise bad_request(f"language must be a language code such as 'en', got {short(language)}")
    # Only English names exist in the emulator; every language gets them.
    return ok({"list": [{"code": code, "name": name} for code, name in REGIONS.items()]})


# Route table ------------------------------------------------------------------------


def _routes() -> list[tuple[tuple[str, ...], dict[str, Route]]]:
    run_ops = {
        "": {"GET": Route(runs.run_detail)},
        "/abort": {"POST": Route(runs.run_abort)},
        "/log": {"GET": Route(runs.run_log)},
        "/rerun": {"POST": Route(runs.run_rerun, body=True)},
        "/result": {"GET": Route(runs.run_result)},
    }
    table: dict[str, dict[str, Route]] = {
        "/store": {"GET": Route(_worker_list, auth=False)},
        "/proxy/region": {"GET": Route(_regions, auth=False)},
        "/users/account": {"GET": Route(_account)},
        "/workers": {"GET": Route(_worker_list)},
        "/worker-runs": {"GET": Route(runs.run_list)},
        "/run-queue/items": {"GET": Route(queue.queue_list)},
        "/run-queue/items/activate": {"POST": Route(queue.queue_activate, body=True)},
        "/run-queue/items/release": {"POST": Route(queue.queue_release, body=True)},
        "/run-queue/items/{queue}/release": {"POST": Route(queue.queue_release_one, body=True)},
        "/worker-tasks": {
            "GET": Route(tasks.task_list),
            "POST": Route(tasks.task_create, body=True),
        },
        "/worker-tasks/{task}": {
            "GET": Route(tasks.task_get),
            "PUT": Route(tasks.task_update, body=True),
            "DELETE": Route(tasks.task_delete),
        },
        "/worker-tasks/{task}/input": {
            "GET": Route(tasks.task_input),
            "PUT": Route(tasks.task_input_update, body=True),
        },
        "/worker-tasks/{task}/runs": {"POST": Route(tasks.task_run, body=True)},
    }
    # The /last shortcuts come before {runId}, so "last" is never read as a run id.
    for scope in ("/worker-runs/last", "/workers/{worker}/runs/last", "/worker-runs/{run}"):
        for suffix, operations in run_ops.items():
            table[scope + suffix] = operations
        export = "/export" if scope.endswith("/last") else "/result/export"
        table[scope + export] = {"GET": Route(runs.run_export)}
    table["/workers/{worker}"] = {"GET": Route(_worker_detail)}
    table["/workers/{worker}/input-schema"] = {"GET": Route(_input_schema, auth=False)}
    table["/workers/{worker}/runs"] = {"POST": Route(runs.run_worker, body=True)}
    table["/workers/{worker}/queued-runs"] = {"POST": Route(queue.queued_run, body=True)}
    return [(tuple((PREFIX + path).split("/")), operations) for path, operations in table.items()]


ROUTES = _routes()
#: ``(index, text)`` pairs: a pattern's literal segments, or its placeholders' names.
_Segments = tuple[tuple[int, str], ...]


def _by_length() -> dict[int, list[tuple[_Segments, _Segments, dict[str, Route]]]]:
    """``ROUTES`` by segment count, each pattern split into literal and placeholder segments.

    A path is compared only with patterns of its own length, in table order; a pattern
    matches when every literal segment is equal and every placeholder is non-empty.
    """
    table: dict[int, list[tuple[_Segments, _Segments, dict[str, Route]]]] = {}
    for pattern, operations in ROUTES:
        # Last segments first: they tell the patterns apart, the "/api/v2" prefix never does.
        literals = tuple(
            (i, want) for i, want in reversed(list(enumerate(pattern))) if not want.startswith("{")
        )
        names = tuple((i, want[1:-1]) for i, want in enumerate(pattern) if want.startswith("{"))
        table.setdefault(len(pattern), []).append((literals, names, operations))
    return table


_BY_LENGTH = _by_length()
