"""Result-page calls sent through urllib3 directly, their successful replies kept as bytes.

Used by the bulk reader (:mod:`.bulk`). At thousands of pages a second, ``requests``'
per-call overhead was the largest single cost of a read (issue 19's profile: 10 of 37
CPU-seconds for a million rows), so these calls skip it. Retries, the reply deadline,
the size cap and the key's handling follow :mod:`.transport`, whose
:class:`~.transport.KeyAuth` signs each call; the CA bundle is the one ``requests`` uses.
A client built with its own ``requests`` session (proxies, certificates), or with a
proxy set in the environment, sends every page through the transport instead.
"""

from __future__ import annotations

import json
import os
import re
import time
from typing import Any
from urllib.parse import urlencode, urlsplit
from urllib.request import getproxies, proxy_bypass

import urllib3
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import MaxRetryError

from .. import _config
from ..exceptions import TransportError
from ..models import ResultPage
from . import envelope, replies
from .transport import Transport
from .window import MAX_IN_FLIGHT, InFlight
from .wire import PageRequest

__all__ = ["RawPages", "parsed_page"]

#: A reply whose envelope opens with ``"code": 0`` is a success whatever follows; anything
#: else (another key order, an error) is read by :mod:`.envelope` as every call is.
_SUCCESS = re.compile(rb'\s*\{\s*"code"\s*:\s*0\s*[,}]')


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
        # The CA bundle requests would use: its environment variables, else certifi's.
        bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        bundle = bundle or http.ca_bundle
        folder = os.path.isdir(bundle)
        self._pool = urllib3.PoolManager(
            num_pools=2,
            maxsize=MAX_IN_FLIGHT + 4,
            block=False,
            ca_certs=None if folder else bundle,
            ca_cert_dir=bundle if folder else None,
        )
        self._direct = _direct(http.base_url) and not http.custom_session

    def close(self) -> None:
        """Close pooled connections."""
        self._pool.clear()

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
        url = self._http.base_url + request.path
        if request.params:
            url += "?" + urlencode(request.params)
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
        try:
            status, content, retry_after = self._send(request.method, url, body, headers, timeout)
        except (Urllib3Error, OSError) as exc:
            # The error must not carry this frame: its locals hold the signed headers.
            raise _Retryable(_lost(endpoint, exc)) from None
        finally:
            headers.clear()
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
        self, method: str, url: str, body: bytes | None, headers: dict[str, str], timeout: float
    ) -> tuple[int, bytes, float | None]:
        # One deadline for the whole reply, as the transport has: a server trickling a
        # byte a second must not hold the read for ever.
        deadline = time.monotonic() + timeout
        resp = self._pool.request(
            method,
            url,
            body=body,
            headers=headers,
            preload_content=False,
            redirect=False,  # APIs do not redirect; following one could carry the key away
            retries=False,
            timeout=urllib3.Timeout(connect=_config.CONNECT_TIMEOUT, read=timeout),
        )
        try:
            limit = _config.MAX_REPLY_BYTES
            declared = envelope.as_int(resp.headers.get("Content-Length"))
            if declared is not None and declared > limit:
                raise envelope.too_large(url, f"declared {declared:,} bytes", limit)
            chunks, size = [], 0
            while True:
                if time.monotonic() > deadline:
                    raise TimeoutError("no whole reply in time")
                chunk = resp.read1(1 << 17)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
                if size > limit:
                    raise envelope.too_large(url, f"sent more than {limit:,} bytes", limit)
        except BaseException:
            resp.close()
            raise
        resp.release_conn()
        # Seconds only: the platform and its proxies send no HTTP dates here.
        wait = envelope.as_int(resp.headers.get("Retry-After"))
        return resp.status, b"".join(chunks), float(wait) if wait is not None else None


def _direct(base_url: str) -> bool:
    """Whether calls may go straight to the host: no proxy set for it in the environment."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https"):
        return False
    proxies = getproxies()
    wanted = proxies.get(parts.scheme) or proxies.get("all")
    return not wanted or bool(proxy_bypass(parts.hostname or ""))


def _lost(endpoint: str, exc: BaseException) -> TransportError:
    timed_out = isinstance(exc, (urllib3.exceptions.TimeoutError, TimeoutError))
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
