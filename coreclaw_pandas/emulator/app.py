"""The request pipeline: record, delay, fault, rate-limit, route; plus callbacks.

``App.handle`` turns a parsed ``Request`` into a ``Response`` without touching
sockets (``server.py`` does that). Wire formats live in the API packages
(``/api/v2/...`` goes to ``v2``, every other API path to ``v1``);
this module only serves what is version-neutral: the demo site, export downloads
and full log files, all of which need no API key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from dataclasses import dataclass
from typing import Any

from . import clock, demo_site, v1, v2
from .backend import exports
from .backend.engine import Engine
from .backend.state import Run, State
from .faults import Fault, FaultPlan, RateLimiter
from .messages import Request, Response
from .v1 import wire as wire_v1
from .v2 import params as params_v2
from .v2 import wire as wire_v2
from .workers.base import WorkerSpec

_log = logging.getLogger(__name__)
#: Requests kept by the recorder (oldest dropped first).
RECORD_LIMIT = 10_000
#: Callback delivery: attempts, per-attempt timeout (s) and pause before each retry (s).
CALLBACK_ATTEMPTS = 3
CALLBACK_TIMEOUT = 5.0
CALLBACK_BACKOFF = (0.5, 1.0)

#: Wire modules by the ``api_version`` a run records (for callbacks).
WIRES = {"v1": wire_v1, "v2": wire_v2}
#: Knobs that take one of a few names, and those names.
CHOICES = {
    "v2_offset_mode": params_v2.OFFSET_MODES,
    "v2_log_format": wire_v2.LOG_FORMATS,
    "v1_error_status": wire_v1.ERROR_STATUS_MODES,
}


@dataclass
class Settings:
    """Live knobs; change them through ``Emulator.configure``.

    Attributes:
        api_keys: Keys accepted in the ``api-key`` header (or as a Bearer token).
        latency_ms: Delay added to every API request.
        max_page_size: Largest ``page_size`` accepted by list endpoints.
        rate_limit: Requests per second per key (None = unlimited).
        retry_after: Send a ``Retry-After`` header on rate-limit replies.
        run_speed: Multiplier on Worker sleeps (2.0 = Workers wait half as long).
        sync_wait_cap: Seconds a synchronous start waits for its run to finish.
        abort_delay: Seconds a run stays Aborting (5) before it ends as Failed.
        export_ttl: Seconds an export download URL stays valid.
        max_concurrent_runs: Executing runs (ready or running, not aborting) the plan
            allows; a start beyond it (v1 or v2) gets 30003 (None = unlimited).
        v2_offset_mode: How v2 reads ``offset``: ``"page"`` (1-based page number) or
            ``"row"`` (zero-based row offset).
        v2_log_format: v2 log entries as ``"objects"`` (like v1) or plain ``"strings"``.
        month_utc_offset_hours: The zone of the platform's calendar, in hours east of
            UTC: a v2 run list covers one month of it (production: 8, Beijing time).
        v1_error_status: HTTP status of v1 business errors: ``"spec"`` (the v1
            spec's 4xx/5xx) or ``"200"`` (HTTP 200 with the ``code``, as the official
            v1 clients assume).
    """

    api_keys: tuple[str, ...] = ("emulator-key",)
    latency_ms: float = 0.0
    max_page_size: int = 100
    rate_limit: float | None = None
    retry_after: bool = True
    run_speed: float = 1.0
    sync_wait_cap: float = 300.0
    abort_delay: float = 0.5
    export_ttl: float = 1800.0
    max_concurrent_runs: int | None = None
    v2_offset_mode: str = "page"
    v2_log_format: str = "objects"
    month_utc_offset_hours: float = 8.0
    v1_error_status: str = "spec"


@dataclass(frozen=True)
class RecordedRequest:
    """One request as recorded for tests (the API key itself is never kept).

    Attributes:
        method: HTTP method.
        path: Path without query.
        query: Query parameters.
        json: Decoded JSON body, or None when absent or not JSON.
        has_auth: Whether an ``api-key`` or ``Authorization`` header (or, on v2, a
            ``token`` query parameter) was sent.
        status: HTTP status answered (0 when the connection was reset).
        fault: The injected fault kind applied, if any.
    """

    method: str
    path: str
    query: dict[str, list[str]]
    json: Any
    has_auth: bool
    status: int
    fault: str | None = None


@dataclass(frozen=True)
class CallbackAttempt:
    """One delivery attempt of a run-finished callback."""

    run_slug: str
    url: str
    body: dict[str, Any]
    status: int | None
    error: str | None


class App:
    """The emulated platform behind the HTTP server.

    Args:
        workers: Workers to offer.
        settings: Knobs (shared with the ``Emulator`` that owns this app).
        balance: Starting balance (USD).
    """

    def __init__(self, workers: list[WorkerSpec], settings: Settings, balance: Any) -> None:
        self.settings = settings
        self.state = State(workers, balance=balance)
        self.engine = Engine(
            self.state,
            run_speed=lambda: max(self.settings.run_speed, 1e-6),
            abort_delay=lambda: self.settings.abort_delay,
            max_active=lambda: self.settings.max_concurrent_runs,
            on_status=self._notify_status,
        )
        self.faults = FaultPlan()
        self.limiter = RateLimiter(settings.rate_limit)
        self.recorded: deque[RecordedRequest] = deque(maxlen=RECORD_LIMIT)
        self.callbacks: list[CallbackAttempt] = []
        self._lock = threading.Lock()
        # The newest delivery thread of each run, so its callbacks arrive in order.
        self._deliveries: dict[str, threading.Thread] = {}
        self.base_url = ""

    # Helpers the routes use ----------------------------------------------

    def key_ok(self, key: str | None) -> bool:
        """Return True when ``key`` is one of the accepted keys (constant-time compare)."""
        if not key:
            return False
        given = key.encode("utf-8", "surrogateescape")
        ok = False
        for accepted in self.settings.api_keys:
            ok |= hmac.compare_digest(given, accepted.encode())
        return ok

    def public_base(self, request: Request) -> str:
        """Base URL as the caller reached us (its ``Host`` header), for URLs we hand out."""
        host = request.headers.get("Host")
        if host and all(c.isalnum() or c in ".-:[]" for c in host):
            return f"http://{host}"
        return self.base_url

    # Pipeline --------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        """Answer one request; never raises."""
        fault = self.faults.take(request.path)
        response = self._handle(request, fault)
        self._record(request, response, fault.kind if fault else None)
        return response

    def _handle(self, request: Request, fault: Fault | None) -> Response:
        path = request.path
        on_v2 = v2.is_v2(path)
        wire: Any = wire_v2 if on_v2 else wire_v1
        if not path.startswith("/demo-site") and self.settings.latency_ms > 0:
            time.sleep(self.settings.latency_ms / 1000)
        if fault is not None:
            if fault.kind == "slow":
                time.sleep(fault.delay)
            elif fault.kind == "server_error":
                return wire.server_error()
            elif fault.kind == "rate_limit":
                return wire.rate_limited(None)
            elif fault.kind in ("reset", "truncated"):
                # Nothing is processed: the caller cannot tell whether it was.
                return Response(200, wire.success_bytes({"note": "." * 256}), action=fault.kind)
        if path.startswith("/api/"):
            self.limiter.per_second = self.settings.rate_limit
            key = v2.credential(request) if on_v2 else request.credential()
            caller = (
                hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()
                if key
                else f"ip:{request.client}"
            )
            wait = self.limiter.check(caller)
            if wait is not None:
                return wire.rate_limited(wait if self.settings.retry_after else None)
        response = self._route(request, on_v2)
        if fault is not None and fault.kind == "server_error_after":
            return wire.server_error()
        return response

    def _route(self, request: Request, on_v2: bool) -> Response:
        try:
            path = request.path
            if path == "/demo-site" or path.startswith("/demo-site/"):
                status, content_type, body = demo_site.render(path[len("/demo-site/") :])
                return Response(status, body, content_type)
            if path.startswith("/_emulator/exports/"):
                return self._download(path[len("/_emulator/exports/") :])
            if path.startswith("/_emulator/logs/"):
                return self._full_log(path[len("/_emulator/logs/") :])
            if on_v2:
                return v2.handle(self, request)
            return v1.handle(self, request)
        except Exception:  # a bug must not cost the caller a hung connection
            _log.exception("emulator failed on %s %s", request.method, request.path)
            return wire_v2.server_error() if on_v2 else wire_v1.server_error()

    def _record(self, request: Request, response: Response, fault: str | None) -> None:
        body, _ = request.json()
        status = 0 if response.action == "reset" else response.status
        query, token = request.query, False
        if v2.is_v2(request.path) and "token" in query:
            # v2 accepts the key as ?token=: keep that it was sent, never its value.
            query, token = {**query, "token": ["<redacted>"]}, True
        self.recorded.append(
            RecordedRequest(
                method=request.method,
                path=request.path,
                query=query,
                json=body if request.body else None,
                has_auth=token
                or bool(request.headers.get("api-key") or request.headers.get("Authorization")),
                status=status,
                fault=fault,
            )
        )

    # Key-less downloads --------------------------------------------------------

    def _download(self, name: str) -> Response:
        token, _, ext = name.rpartition(".")
        export = self.state.get_export(token)
        if export is None or export.fmt != ext:
            return _plain(404, "No such export.")
        if clock.now() > export.expires_at:
            return _plain(403, "This export link has expired; request a new export.")
        return Response(
            200,
            exports.render(export),
            exports.CONTENT_TYPES[export.fmt],
            {"Content-Disposition": f'attachment; filename="{export.run_slug}.{ext}"'},
        )

    def _full_log(self, name: str) -> Response:
        run = self.state.runs.get(name.removesuffix(".log"))
        if run is None:
            return _plain(404, "No such run.")
        with self.state.lock:
            entries = list(run.logs)
        levels = {1: "DEBUG", 2: "INFO", 3: "WARN", 4: "ERROR"}
        lines = [
            f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(e.timestamp_ms / 1000))}"
            f".{e.timestamp_ms % 1000:03d}Z {levels[e.level]} [{e.group}] {e.content}\n"
            for e in entries
        ]
        return Response(200, "".join(lines).encode(), "text/plain; charset=utf-8")

    # Callbacks -------------------------------------------------------------

    def _notify_status(self, run: Run) -> None:
        """Send ``run``'s callback for the status it has now, after its earlier ones."""
        if not run.callback_url:
            return
        # The body is taken now: a delivery that waits must still report this status.
        body = WIRES[run.api_version].callback_body(self, run)
        with self._lock:
            before = self._deliveries.get(run.slug)
            thread = threading.Thread(
                target=self._deliver_after, args=(before, run, body), daemon=True
            )
            self._deliveries[run.slug] = thread
        thread.start()

    def _deliver_after(
        self, before: threading.Thread | None, run: Run, body: dict[str, Any]
    ) -> None:
        if before is not None:
            before.join()
        try:
            self._deliver_callback(run, body)
        finally:
            with self._lock:
                if self._deliveries.get(run.slug) is threading.current_thread():
                    del self._deliveries[run.slug]

    def _deliver_callback(self, run: Run, body: dict[str, Any]) -> None:
        assert run.callback_url is not None
        data = json.dumps(body).encode()
        for attempt in range(CALLBACK_ATTEMPTS):
            if attempt:
                time.sleep(CALLBACK_BACKOFF[min(attempt - 1, len(CALLBACK_BACKOFF) - 1)])
            status, error = None, None
            try:
                request = urllib.request.Request(
                    run.callback_url,
                    data=data,
                    method="POST",
                    headers={
                        "Content-Type": "application/json",
                        "User-Agent": "coreclaw-emulator-callback",
                    },
                )
                with urllib.request.urlopen(request, timeout=CALLBACK_TIMEOUT) as reply:
                    status = reply.status
            except urllib.error.HTTPError as exc:
                status, error = exc.code, f"HTTP {exc.code}"
            except Exception as exc:  # delivery is best effort: never fatal
                error = f"{type(exc).__name__}: {exc}"
            with self._lock:
                self.callbacks.append(
                    CallbackAttempt(run.slug, run.callback_url, body, status, error)
                )
            if status is not None and 200 <= status < 300:
                return
            _log.info("callback for run %s failed: %s", run.slug, error or status)


def _plain(status: int, text: str) -> Response:
    return Response(status, text.encode(), "text/plain; charset=utf-8")
