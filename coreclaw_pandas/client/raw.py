"""Result-page calls sent by ``http.client``, their successful replies kept as bytes.

Used by the bulk reader (:mod:`.bulk`). At thousands of pages a second, the per-call
overhead of an HTTP library is the largest single cost of a read: ``requests`` took
10 of 37 CPU-seconds for a million rows (issue 19's profile), and urllib3 alone still
0.55 ms of CPU a page against 0.13 ms for ``http.client`` on one kept-alive connection
per fetching thread. Retries, the reply deadline, the size cap and the key's handling
follow :mod:`.transport`, whose :class:`~.transport.KeyAuth` signs each call; HTTPS
checks certificates against the CA bundle ``requests`` uses. A client built with its
own ``requests`` session (proxies, certificates), or with a proxy set in the
environment, sends every page through the transport instead.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import ssl
import threading
import time
from typing import Any
from urllib.parse import urlencode, urlsplit
from urllib.request import getproxies, proxy_bypass

from urllib3.exceptions import MaxRetryError

from .. import _config
from ..exceptions import TransportError
from ..models import ResultPage
from . import envelope, replies
from .transport import Transport
from .window import InFlight
from .wire import PageRequest

__all__ = ["RawPages", "parsed_page"]

#: A reply whose envelope opens with ``"code": 0`` is a success whatever follows; anything
#: else (another key order, an error) is read by :mod:`.envelope` as every call is.
_SUCCESS = re.compile(rb'\s*\{\s*"code"\s*:\s*0\s*[,}]')
#: What a kept-alive connection the server has meanwhile closed raises on its next use.
_STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


class _Headers:
    """What :class:`~.transport.KeyAuth` signs: anything with a ``headers`` dict."""

    def __init__(self, headers: dict[str, str]) -> None:
        self.headers = headers


class _Retryable(Exception):
    """Internal: this attempt failed in a way the policy allows to repeat."""

    def __init__(
        self, final: Exception, refused: bool = False, retry_after: float | None = None
    ) -> None:
        self.final = final
        self.refused = refused
        self.retry_after = retry_after


class RawPages:
    """Sends :class:`~.wire.PageRequest` calls and returns raw successful replies.

    Args:
        http: The client's transport (base URL, key, timeouts, retry counts).
        window: Told about round trips and refusals.
    """

    def __init__(self, http: Transport, window: InFlight) -> None:
        self._http = http
        self._window = window
        self._connections = _Connections(http.base_url, http.ca_bundle)
        self._direct = _direct(http.base_url) and not http.custom_session

    def close(self) -> None:
        """Close the kept-alive connections."""
        self._connections.close()

    def fetch(self, request: PageRequest) -> bytes | ResultPage:
        """The page: the reply's bytes when it is a plain success, else a parsed page.

        Raises:
            APIError: The platform refused the call (after the allowed retries).
            TransportError: No usable reply after the allowed retries.
        """
        if not self._direct or self._http.auth is None:
            # The transport's own session knows the proxies; without a key, it says so.
            data = self._http.call(
                request.method, request.path, policy=request.policy, params=request.params,
                body=request.body, context={"run_slug": request.run_slug},
            )  # fmt: skip
            return parsed_page(data, request)
        retry = self._http.retry_policy()
        deadline = time.monotonic() + _config.RETRY_DEADLINE
        while True:
            try:
                return self._attempt(request)
            except _Retryable as failure:
                if failure.refused:
                    self._window.refused()
                try:
                    retry = retry.increment(request.method, request.path, error=failure.final)
                except MaxRetryError:
                    raise failure.final from None
                # Retry-After, when the server sends one, as the transport's Retry honours it.
                wait = max(retry.get_backoff_time(), failure.retry_after or 0.0)
                if time.monotonic() + wait > deadline:
                    raise failure.final from None
                time.sleep(wait)

    def _attempt(self, request: PageRequest) -> bytes | ResultPage:
        endpoint = f"{request.method} {request.path}"
        target = self._connections.prefix + request.path
        if request.params:
            target += "?" + urlencode(request.params)
        headers = {"User-Agent": self._http.user_agent, "Accept": "application/json"}
        body = None
        if request.body is not None:
            body = json.dumps(request.body).encode()
            headers["Content-Type"] = "application/json"
        auth = self._http.auth
        assert auth is not None  # fetch() sends keyless calls through the transport
        auth(_Headers(headers))  # type: ignore[arg-type]  # KeyAuth only sets .headers
        timeout = self._http.timeout
        started = time.monotonic()
        lost = None
        try:
            status, content, retry_after = self._send(
                request.method, target, body, headers, timeout
            )
        except (http.client.HTTPException, OSError) as exc:
            lost = _lost(endpoint, exc)
        finally:
            headers.clear()
        if lost is not None:
            # Raised outside the handler, so it chains to no frame of the send: those held
            # the signed headers (http.client's own, as the bytes it was sending).
            raise _Retryable(lost)
        content = auth.redact(content)
        if 200 <= status < 300 and _SUCCESS.match(content):
            self._window.record(time.monotonic() - started)
            return content
        context = {"run_slug": request.run_slug}
        reply = envelope.read(status, content, endpoint=endpoint, context=context)
        if reply.error is None:
            return parsed_page(reply.data, request)
        transient = isinstance(reply.error, TransportError)
        policy = request.policy
        if policy.allows_retry(status=status, code=reply.code, transient=transient):
            refused = reply.code in policy.refused_codes or status == 429
            raise _Retryable(reply.error, refused, retry_after)
        raise reply.error

    def _send(
        self, method: str, target: str, body: bytes | None, headers: dict[str, str], timeout: float
    ) -> tuple[int, bytes, float | None]:
        try:
            return self._exchange(method, target, body, headers, timeout)
        except BaseException:
            # Part of a reply may be unread: the connection cannot carry another call.
            self._connections.drop()
            raise

    def _exchange(
        self, method: str, target: str, body: bytes | None, headers: dict[str, str], timeout: float
    ) -> tuple[int, bytes, float | None]:
        # One deadline for the whole reply, as the transport has: a server trickling a
        # byte a second must not hold the read for ever.
        deadline = time.monotonic() + timeout
        url = f"{self._http.base_url}{target[len(self._connections.prefix) :]}"
        conn, reused = self._connections.get(timeout)
        try:
            conn.request(method, target, body=body, headers=headers)
            resp = conn.getresponse()
        except _STALE:
            if not reused:
                raise
            # The server closed the kept-alive connection while it sat idle. A page read
            # changes nothing on the server, so it goes once more on a new connection.
            self._connections.drop()
            conn, _ = self._connections.get(timeout)
            conn.request(method, target, body=body, headers=headers)
            resp = conn.getresponse()
        body = envelope.read_capped(
            lambda: resp.read1(1 << 20),
            declared=envelope.as_int(resp.getheader("Content-Length")),
            deadline=deadline,
            endpoint=url,
        )
        if body is None:
            raise TimeoutError("no whole reply in time")
        resp.read()  # nothing is left; this marks the reply done, so the connection is free
        if resp.will_close:
            self._connections.drop()
        # Seconds only: the platform and its proxies send no HTTP dates here.
        wait = envelope.as_int(resp.getheader("Retry-After"))
        return resp.status, body, float(wait) if wait is not None else None


class _Connections:
    """One kept-alive connection to the API's host per fetching thread.

    ``http.client`` follows no redirect (one could carry the key away) and sends
    nothing but what it is given.

    Args:
        base_url: The API root; its path prefix is kept in :attr:`prefix`.
        ca_bundle: Certificates for HTTPS: a file or a folder.
    """

    def __init__(self, base_url: str, ca_bundle: str) -> None:
        parts = urlsplit(base_url)
        self._https = parts.scheme == "https"
        self._host = parts.hostname or ""
        self._port = parts.port
        self.prefix = parts.path.rstrip("/")
        self._context: ssl.SSLContext | None = None
        if self._https:
            # The bundle requests would use: its environment variables, else certifi's.
            bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
            bundle = bundle or ca_bundle
            folder = os.path.isdir(bundle)
            self._context = ssl.create_default_context(
                cafile=None if folder else bundle, capath=bundle if folder else None
            )
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: set[http.client.HTTPConnection] = set()

    def get(self, timeout: float) -> tuple[http.client.HTTPConnection, bool]:
        """This thread's connection, and whether it was used before."""
        conn: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
        if conn is not None:
            return conn, True
        if self._https:
            conn = http.client.HTTPSConnection(
                self._host, self._port, timeout=_config.CONNECT_TIMEOUT, context=self._context
            )
        else:
            conn = http.client.HTTPConnection(
                self._host, self._port, timeout=_config.CONNECT_TIMEOUT
            )
        conn.connect()
        assert conn.sock is not None  # connect() made it
        conn.sock.settimeout(timeout)  # connects wait CONNECT_TIMEOUT, reads the call's
        self._local.conn = conn
        with self._lock:
            self._open.add(conn)
        return conn, False

    def drop(self) -> None:
        """Close this thread's connection (after an error, or a server's ``close``)."""
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            with self._lock:
                self._open.discard(conn)
            conn.close()

    def close(self) -> None:
        """Close every thread's connection."""
        with self._lock:
            conns, self._open = list(self._open), set()
        for conn in conns:
            conn.close()


def _direct(base_url: str) -> bool:
    """Whether calls may go straight to the host: no proxy set for it in the environment."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https"):
        return False
    proxies = getproxies()
    wanted = proxies.get(parts.scheme) or proxies.get("all")
    return not wanted or bool(proxy_bypass(parts.hostname or ""))


def _lost(endpoint: str, exc: BaseException) -> TransportError:
    timed_out = isinstance(exc, TimeoutError)  # socket.timeout is TimeoutError too
    what = "got no answer in time" if timed_out else "lost the connection"
    return TransportError(
        f"{endpoint} {what} ({type(exc).__name__}). Check the network and "
        "CORECLAW_BASE_URL, then try again.",
        endpoint=endpoint,
        sent_may_have_arrived=True,
    )


def parsed_page(data: Any, request: PageRequest) -> ResultPage:
    """A page from a reply's ``data``, as the wire's ``results_page`` reads it."""
    return replies.page(data or {}, page_index=request.page_index, page_size=request.page_size)
