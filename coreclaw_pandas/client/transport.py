"""The one module that touches ``requests``.

It owns the session, the key (attached by :class:`KeyAuth`, so no frame of a failing
call holds it and no reply passes it on), the user agent, a deadline on every reply
and the retry loop; the envelope is read by the pure :mod:`.envelope`, and which
call may repeat is each call's :class:`~.wire.Policy`. It knows no endpoint.

Only a call that is safe to repeat is retried after a network error, a timeout, an
unreadable body, HTTP 5xx or a server-error code. A call that starts a run is
retried only on a refusal in a CoreClaw envelope: any other failure, a bare HTTP 429
page included, may hide a run that was started and charged. urllib3's ``Retry``
counts, backs off with jitter and reads ``Retry-After``.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping
from typing import IO, Any

import requests
from requests import certs
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import MaxRetryError, ReadTimeoutError
from urllib3.util.retry import Retry

from .. import _config
from ..exceptions import ConfigurationError, CoreClawError, TransportError
from . import envelope
from .wire import Policy

__all__ = ["KeyAuth", "Transport"]


class KeyAuth(AuthBase):
    """Attaches the API key to a request as it is sent; its repr never shows the key.

    Holding the key here, rather than in a headers dict, keeps it out of every frame
    of our code that a verbose traceback (IPython ``%xmode Verbose``, error reporters
    that record locals) would print.

    Args:
        api_key: The key.
        header: Builds the auth header from the key (the wire decides its name).
    """

    def __init__(self, api_key: str, header: Callable[[str], Mapping[str, str]]) -> None:
        self._key = api_key
        self._header = header

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        """Add the auth header to ``request`` (requests calls this as it sends)."""
        request.headers.update(self._header(self._key))
        return request

    def __repr__(self) -> str:
        return "KeyAuth(<key hidden>)"

    def tag(self) -> str:
        """A salted SHA-256 of the key: names its account (in the cache) without holding it."""
        salted = b"coreclaw-pandas account\0" + self._key.encode("utf-8", "surrogateescape")
        return hashlib.sha256(salted).hexdigest()[:32]

    def redact(self, content: bytes) -> bytes:
        """``content`` with every copy of the key replaced: a server may echo it back."""
        key = self._key.encode()
        return content.replace(key, b"[redacted]") if key in content else content


def _frameless(exc: BaseException) -> BaseException:
    """``exc`` and its chain without tracebacks: requests' frames hold the sent headers."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        current.__traceback__ = None
        current = current.__cause__ or current.__context__
    return exc


class _Retryable(Exception):
    """Internal: this attempt failed in a way the policy allows to repeat."""

    def __init__(self, final: CoreClawError, raw: Any = None) -> None:
        self.final = final
        self.raw = raw


class Transport:
    """HTTP access to one CoreClaw base URL.

    Args:
        base_url: Root of the API, without a trailing slash.
        api_key: The key, or None for public endpoints only.
        auth_header: Builds the auth header from the key (the wire decides its name).
        timeout: Seconds a reply may take, from the request sent to its last byte (a
            wall-clock deadline, not per read); connects time out after
            ``_config.CONNECT_TIMEOUT``.
        max_retries: Attempts after the first, for calls the policy allows to repeat.
        backoff_factor: Seconds; the wait doubles from this after each failure.
        session: A ``requests.Session`` to use (for proxies or certificates).
        pool_size: Connections kept open for reuse; at least the pages fetched at once.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        *,
        auth_header: Callable[[str], Mapping[str, str]],
        timeout: float = _config.READ_TIMEOUT,
        max_retries: int = _config.MAX_RETRIES,
        backoff_factor: float = _config.BACKOFF_FACTOR,
        session: requests.Session | None = None,
        pool_size: int = _config.PAGE_CONCURRENCY + 4,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._auth = KeyAuth(api_key, auth_header) if api_key else None
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_factor = backoff_factor
        self._session = session or self._new_session(pool_size)
        self.custom_session = session is not None  # proxies or certificates: the bulk path too
        self.ca_bundle: str = certs.where()  # type: ignore[attr-defined]  # missing in stubs
        self.user_agent = f"{_config.USER_AGENT_PRODUCT}/{_config.VERSION} python-requests"

    def __repr__(self) -> str:
        # The key is deliberately absent: reprs end up in tracebacks and notebooks.
        return f"Transport(base_url={self.base_url!r}, key_set={self._auth is not None})"

    @property
    def has_key(self) -> bool:
        """True if an API key was configured."""
        return self._auth is not None

    @property
    def auth(self) -> KeyAuth | None:
        """The key's holder: the bulk page reader (:mod:`.bulk`) signs its calls with it."""
        return self._auth

    @property
    def key_tag(self) -> str | None:
        """A salted SHA-256 of the key, naming its account in the cache; None without one."""
        return self._auth.tag() if self._auth else None

    @staticmethod
    def _new_session(pool: int) -> requests.Session:
        session = requests.Session()
        # Retries are done in `call`, where the policy knows which calls may repeat.
        adapter = HTTPAdapter(pool_connections=pool, pool_maxsize=pool, max_retries=0)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        return session

    def close(self) -> None:
        """Close pooled connections."""
        self._session.close()

    def retry_policy(self) -> Retry:
        """A fresh urllib3 ``Retry``: the count, backoff and jitter of every retry loop."""
        return Retry(
            total=self.max_retries,
            allowed_methods=None,
            backoff_factor=self.backoff_factor,
            backoff_max=_config.BACKOFF_MAX,
            backoff_jitter=_config.BACKOFF_JITTER * min(self.backoff_factor, 1.0),
            respect_retry_after_header=True,
        )

    def call(
        self,
        method: str,
        path: str,
        *,
        policy: Policy,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        auth: bool = True,
        timeout: float | None = None,
        context: Mapping[str, str | None] | None = None,
    ) -> Any:
        """Send one API call and return the envelope's ``data``.

        Args:
            method: HTTP method.
            path: Path below the base URL, starting with ``/``.
            policy: Whether and when the call may be repeated.
            params: Query parameters.
            body: JSON body (sent with ``Content-Type: application/json``).
            auth: Whether the call needs the API key.
            timeout: Seconds for the whole reply of this call, overriding the default.
            context: Identifiers (run_slug, scraper_slug, task_slug) for error messages.

        Returns:
            The ``data`` member of a successful reply (may be None).

        Raises:
            ConfigurationError: The call needs a key and none is set.
            APIError: A subclass chosen by the platform's ``code``.
            TransportError: No usable reply after the allowed retries.
        """
        headers = {"User-Agent": self.user_agent, "Accept": "application/json"}
        if auth and self._auth is None:
            raise ConfigurationError(
                f"{method} {path} needs an API key and none is set. Set the "
                f"{_config.ENV_API_KEY} environment variable or call "
                "cc.configure(api_key=...); keys are created in the CoreClaw Console "
                "(API keys). The local emulator prints the key it accepts."
            )
        endpoint = f"{method} {path}"
        url = self.base_url + path
        retry = self.retry_policy()
        deadline = time.monotonic() + _config.RETRY_DEADLINE
        while True:
            try:
                request = (method, url, endpoint, headers, params, body, policy)
                key_auth = self._auth if auth else None
                return self._attempt(*request, timeout or self.timeout, context or {}, key_auth)
            except _Retryable as failure:
                try:
                    retry = retry.increment(method, url, response=failure.raw, error=failure.final)
                except MaxRetryError:
                    raise failure.final from None
                wait = retry.get_backoff_time()
                if time.monotonic() + wait > deadline:
                    raise failure.final from None
                retry.sleep(failure.raw)

    def post(self, path: str, body: Mapping[str, Any], *, policy: Policy, **kw: Any) -> Any:
        """``POST`` a JSON body; its ``data``, ``{}`` when it has none (see :meth:`call`)."""
        return self.call("POST", path, policy=policy, body=dict(body), **kw) or {}

    def _attempt(
        self,
        method: str,
        url: str,
        endpoint: str,
        headers: Mapping[str, str],
        params: Mapping[str, Any] | None,
        body: Any,
        policy: Policy,
        timeout: float,
        context: Mapping[str, str | None],
        key_auth: KeyAuth | None = None,
    ) -> Any:
        # One deadline for the whole reply: a per-read timeout alone lets a server
        # trickling a byte a second hold the call for ever.
        deadline = time.monotonic() + timeout
        try:
            resp = self._session.request(
                method,
                url,
                params=params,
                json=body,
                headers=headers,
                auth=key_auth,
                timeout=(_config.CONNECT_TIMEOUT, timeout),
                # APIs do not redirect; following one could carry the key to another host.
                allow_redirects=False,
                stream=True,
            )
            content = _read_body(resp, endpoint=endpoint, deadline=deadline, timeout=timeout)
        except requests.RequestException as exc:
            error = _transport_error(exc, endpoint)
            if policy.idempotent:
                raise _Retryable(error) from _frameless(exc)
            raise error from _frameless(exc)
        if key_auth is not None:
            content = key_auth.redact(content)
        reply = envelope.read(resp.status_code, content, endpoint=endpoint, context=context)
        if reply.error is None:
            return reply.data
        transient = isinstance(reply.error, TransportError)
        if policy.allows_retry(status=resp.status_code, code=reply.code, transient=transient):
            raise _Retryable(reply.error, resp.raw)
        raise reply.error

    def download(
        self,
        url: str,
        out: IO[bytes],
        *,
        on_progress: Callable[[int, int | None], None] | None = None,
        chunk_size: int = 1 << 16,
    ) -> int:
        """Stream a file from an absolute URL into ``out``, with no API key.

        Export links are pre-signed and may point at another host, so the key is
        never sent; a failed attempt is retried from the start (``out`` is
        rewound and truncated).

        Args:
            url: The download URL.
            out: A binary file opened for writing (and seeking).
            on_progress: Called with (bytes so far, total or None).
            chunk_size: Bytes per read.

        Returns:
            The number of bytes written.

        Raises:
            TransportError: The download failed after the allowed retries.
        """
        retry = self.retry_policy()
        endpoint = "GET (download)"
        while True:
            out.seek(0)
            out.truncate()
            try:
                with requests.get(
                    url,
                    stream=True,
                    timeout=(_config.CONNECT_TIMEOUT, self.timeout),
                    headers={"User-Agent": self.user_agent},
                ) as resp:
                    if resp.status_code != 200:
                        raise TransportError(
                            f"Downloading the export failed with HTTP {resp.status_code}. "
                            "Export links expire after a while: export again for a fresh link.",
                            endpoint=endpoint,
                        )
                    total = envelope.as_int(resp.headers.get("Content-Length"))
                    done = 0
                    for chunk in resp.iter_content(chunk_size):
                        out.write(chunk)
                        done += len(chunk)
                        if on_progress is not None:
                            on_progress(done, total)
                    if total is not None and done != total:
                        raise TransportError(
                            f"The export download stopped at {done} of {total} bytes.",
                            endpoint=endpoint,
                        )
                    return done
            except (requests.RequestException, TransportError) as exc:
                error = exc if isinstance(exc, TransportError) else _transport_error(exc, endpoint)
                try:
                    retry = retry.increment("GET", url, error=error)
                except MaxRetryError:
                    raise error from exc
                retry.sleep()


def _read_body(resp: requests.Response, *, endpoint: str, deadline: float, timeout: float) -> bytes:
    """The whole body; a TransportError past the size cap, a ReadTimeout past the deadline."""
    try:
        body = envelope.read_capped(
            lambda: resp.raw.read1(1 << 16, decode_content=True),
            declared=envelope.as_int(resp.headers.get("Content-Length")),
            deadline=deadline,
            endpoint=endpoint,
        )
        if body is None:
            raise requests.exceptions.ReadTimeout(f"no whole reply in {timeout:g} s")
    except ReadTimeoutError as exc:
        resp.close()
        raise requests.exceptions.ReadTimeout(exc, response=resp) from exc
    except Urllib3Error as exc:
        resp.close()
        raise requests.exceptions.ConnectionError(exc, response=resp) from exc
    except BaseException:
        # Ctrl-C, the cap or the deadline: the connection holds an unread rest, drop it.
        resp.close()
        raise
    # Read to the end: the connection can go back to the pool for the next call.
    resp.raw.release_conn()
    return body


def _transport_error(exc: requests.RequestException, endpoint: str) -> TransportError:
    if isinstance(exc, requests.ConnectTimeout):
        what, arrived = "could not connect in time", False
    elif isinstance(exc, requests.Timeout):
        what, arrived = "got no answer in time", True
    elif isinstance(exc, requests.exceptions.SSLError):
        what, arrived = "failed the TLS handshake", False
    elif isinstance(exc, requests.ConnectionError) and "refused" in str(exc).lower():
        what, arrived = "could not connect (connection refused)", False
    elif isinstance(exc, requests.ConnectionError):
        what, arrived = "lost the connection", True
    else:
        what, arrived = f"failed ({type(exc).__name__})", True
    return TransportError(
        f"{endpoint} {what}. Check the network and CORECLAW_BASE_URL, then try again.",
        endpoint=endpoint,
        sent_may_have_arrived=arrived,
    )
