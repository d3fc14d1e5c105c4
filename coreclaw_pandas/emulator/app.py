"""The request pipeline: record, delay, fault, rate-limit, route; plus callbacks.

``App.handle`` turns a parsed ``Request`` into a ``Response`` without touching
sockets (``server.py`` does that). Wire formats live in the API packages
(``/api/v2/...`` goes to ``v2``, every other API path to ``v1``);
this module only serves what is version-neutral: the demo site, export downloads
and full log files, all of which need no API key.

It also refuses what only another web site would send (``_foreign``): a ``Host``
that is not this emulator's (DNS rebinding), a foreign ``Origin``, and an API POST
whose body is declared as anything but JSON (a form or ``text/plain`` post needs no
CORS preflight, so a page the user visits could otherwise start runs).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from . import clock, demo_site, v1, v2
from .backend import exports
from .backend.engine import Engine
from .backend.state import Run, State
from .callbacks import Deliveries
from .faults import PAGE_FAULTS, PROXY_PAGES, Fault, FaultPlan, RateLimiter, proxy_page
from .messages import Request, Response
from .v1 import wire as wire_v1
from .v2 import params as params_v2
from .v2 import wire as wire_v2
from .workers.base import WorkerSpec

_log = logging.getLogger(__name__)
#: Requests kept by the recorder (oldest dropped first).
RECORD_LIMIT = 10_000

#: Wire modules by the ``api_version`` a run records (for callbacks).
WIRES = {"v1": wire_v1, "v2": wire_v2}
#: Knobs that take one of a few names, and those names.
CHOICES = {
    "v2_offset_mode": params_v2.OFFSET_MODES,
    "v2_log_format": wire_v2.LOG_FORMATS,
    "v1_error_status": wire_v1.ERROR_STATUS_MODES,
}
#: Names a browser on this machine uses for the emulator, whatever interface it is bound to.
LOCAL_NAMES = ("127.0.0.1", "localhost", "[::1]")


def new_api_key() -> str:
    """A fresh random key: a fixed default would let any web page guess it."""
    return "emu-" + secrets.token_urlsafe(24)


@dataclass
class Settings:
    """Live knobs; change them through ``Emulator.configure``.

    Attributes:
        api_keys: Keys accepted in the ``api-key`` header (or as a Bearer token);
            one random key by default.
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
        v2_detail_err_msg: Put ``err_msg`` in v2 run detail and the ``/last`` detail, as
            the spec's example does; production leaves it out (only the run list has it).
        abort_hold: Keep aborted runs in Aborting (5) for good, as production may;
            ``abort_delay`` is then ignored and only a reset ends them.
        v1_empty_search_lists: Answer a v1 store search with no words with the whole
            store; production's v1 documents 4000 for it.
        allow_private_networks: Let the web page scraper fetch private, loopback and
            link-local addresses (off: only public ones and the emulator's own pages).
        v1_error_status: HTTP status of v1 business errors: ``"spec"`` (the v1
            spec's 4xx/5xx) or ``"200"`` (HTTP 200 with the ``code``, as the official
            v1 clients assume).
        count_lag: Seconds the run record's ``results`` (detail and run list) trails
            the rows a results page already serves, as production's counter does; 0
            keeps it exact. It trails after the run ends too, by the same time.
    """

    api_keys: tuple[str, ...] = field(default_factory=lambda: (new_api_key(),))
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
    v2_detail_err_msg: bool = False
    abort_hold: bool = False
    v1_empty_search_lists: bool = False
    allow_private_networks: bool = False
    v1_error_status: str = "spec"
    count_lag: float = 0.0


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
            abort_delay=lambda: None if self.settings.abort_hold else self.settings.abort_delay,
            max_active=lambda: self.settings.max_concurrent_runs,
            private_networks=lambda: self.settings.allow_private_networks,
            count_lag=lambda: self.settings.count_lag,
            on_status=self._notify_status,
        )
        self.faults = FaultPlan()
        self.limiter = RateLimiter(settings.rate_limit)
        self.recorded: deque[RecordedRequest] = deque(maxlen=RECORD_LIMIT)
        self.deliveries = Deliveries()
        self._lock = threading.Lock()
        self.base_url = ""
        # The base URL the cached addresses were worked out for, then those addresses.
        self._addresses: tuple[str | None, int | None, frozenset[str], frozenset[str]] = (
            None,
            None,
            frozenset(),
            frozenset(),
        )

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
        """Base URL for the URLs we hand out: our own bound address, never the ``Host`` header.

        A reflected ``Host`` would let whoever chose it point download links elsewhere.
        """
        return self.base_url

    def _own_addresses(self) -> tuple[int | None, frozenset[str], frozenset[str]]:
        """``(port, Host values, Origin values)`` naming this emulator; kept per base URL."""
        cached, base_url = self._addresses, self.base_url
        if cached[0] != base_url:
            own = urlsplit(base_url)
            port = own.port
            names = {name for name in (*LOCAL_NAMES, own.netloc.rpartition(":")[0]) if name}
            origins = frozenset(f"http://{name}:{port}" for name in names)
            hosts = {f"{name}:{port}" for name in names} | (names if port == 80 else set())
            cached = self._addresses = (base_url, port, frozenset(hosts), origins)
        return cached[1], cached[2], cached[3]

    def _foreign(self, request: Request) -> str | None:
        """Why the request must come from another site than this emulator's, or None."""
        port, hosts, origins = self._own_addresses()
        host = (request.headers.get("Host") or "").strip().lower()
        if host not in hosts:
            return (
                f"Host {host[:80]!r} is not this emulator; call it as "
                f"http://127.0.0.1:{port} or http://localhost:{port}"
            )
        origin = request.headers.get("Origin")
        if origin is not None and origin.strip().lower().rstrip("/") not in origins:
            return (
                f"Origin {origin[:80]!r} is another web site; the emulator answers only "
                "pages it serves itself and clients that send no Origin"
            )
        kind = (request.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if request.method == "POST" and request.path.startswith("/api/") and kind and not (
            kind == "application/json" or kind.endswith("+json")
        ):
            return f"Content-Type {kind[:80]!r} is not JSON; send the body as application/json"
        return None

    # Pipeline --------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        """Answer one request; never raises."""
        problem = self._foreign(request)
        if problem is not None:
            response = _refused(request, problem)
            self._record(request, response, None)
            return response
        fault = self.faults.take(request.path)
        response = self._handle(request, fault)
        # A fault aimed at one page is taken by the result route, once it knows the page.
        fault = fault or request.page_fault
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
                self.faults.pause(fault.delay)
            elif fault.kind in PAGE_FAULTS:
                request.page_fault = fault
            elif fault.kind == "server_error":
                return wire.server_error()
            elif fault.kind == "rate_limit":
                return wire.rate_limited(None)
            elif fault.kind in ("reset", "truncated"):
                # Nothing is processed: the caller cannot tell whether it was.
                return Response(200, wire.success_bytes({"note": "." * 256}), action=fault.kind)
        if path.startswith("/api/"):
            self.limiter.per_second = self.settings.rate_limit
            # Without a limit there is nothing to count, so no caller to work out.
            if self.limiter.per_second:
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
        if fault is not None and fault.kind in PROXY_PAGES:
            status, page = proxy_page(fault.kind)
            return Response(status, page, "text/html")
        if fault is not None and fault.kind == "trickle" and isinstance(response.body, bytes):
            response.body = self.faults.trickle(response.body, fault.delay)
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
        if run.callback_url:
            # The body is taken now: a delivery that waits must still report this status.
            body = WIRES[run.api_version].callback_body(self, run)
            self.deliveries.send(run.slug, run.callback_url, body)


def _refused(request: Request, problem: str) -> Response:
    """403 in the shape the caller expects: a v2 or v1 envelope on the API, else text."""
    if v2.is_v2(request.path):
        return wire_v2.error(403, wire_v2.INVALID_ARGUMENT, [problem])
    if request.path.startswith("/api/"):
        return wire_v1.error(403, 4000, f"Invalid request: {problem}")
    return _plain(403, problem)


def _plain(status: int, text: str) -> Response:
    return Response(status, text.encode(), "text/plain; charset=utf-8")
