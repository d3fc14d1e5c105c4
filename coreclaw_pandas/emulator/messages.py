"""Wire-neutral pieces the server, the app and both API versions share.

``Request`` and ``Response`` hold no behaviour beyond reading the credential and
the JSON body; ``money`` formats USD the way both versions do. Keeping them here
lets ``v1`` and ``v2`` share them without importing the app or each other.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol


class Headers(Protocol):
    """What the pipeline reads of request headers: ``http.server``'s message or a dict."""

    def get(self, name: str, /) -> str | None:
        """The header's value, or None when it was not sent."""
        ...


@dataclass
class Request:
    """An HTTP request as the pipeline sees it.

    Attributes:
        method: Upper-case method.
        path: Path without the query string.
        query: Decoded query parameters.
        headers: Header lookup (case-insensitive for ``http.server`` messages).
        body: Raw body bytes.
        body_error: Why the body could not be read (too large, bad chunking), if so.
        client: Peer address, used as the rate-limit identity of key-less calls.
        page_fault: A test-only result-page slip planned for this request (``faults.Fault``).
    """

    method: str
    path: str
    query: dict[str, list[str]] = field(default_factory=dict)
    headers: Headers = field(default_factory=dict[str, str])
    body: bytes = b""
    body_error: str | None = None
    client: str = ""
    page_fault: Any = field(default=None, repr=False, compare=False)
    _decoded: tuple[Any, str | None] | None = field(default=None, repr=False, compare=False)

    def credential(self) -> str | None:
        """Return the API key from ``api-key`` or ``Authorization: Bearer``, if any."""
        key = self.headers.get("api-key")
        if key:
            return key.strip()
        auth = self.headers.get("Authorization") or ""
        if auth[:7].lower() == "bearer " and auth[7:].strip():
            return auth[7:].strip()
        return None

    def json(self) -> tuple[Any, str | None]:
        """Return ``(decoded body, error)``; an empty body decodes to ``{}``.

        Decoded once and cached: the routes and the request recorder both read it.
        """
        if self._decoded is None:
            self._decoded = self._decode()
        return self._decoded

    def _decode(self) -> tuple[Any, str | None]:
        if self.body_error:
            return None, self.body_error
        if not self.body.strip():
            return {}, None
        try:
            return json.loads(self.body), None
        except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
            return None, f"request body is not valid JSON ({type(exc).__name__})"


@dataclass
class Response:
    """What to send back; ``action`` asks the server to misbehave (fault injection)."""

    status: int
    body: bytes | Iterable[bytes] = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    action: str | None = None


#: Recently encoded ``headers`` lists: ``(compact, copy of the list, encoded bytes)``.
#: A run's columns rarely change while its pages are read; the tuple is replaced whole,
#: never changed, so readers on other threads need no lock.
_HEADER_TEXTS: tuple[tuple[bool, list[dict[str, str]], bytes], ...] = ()
#: Distinct column lists kept, most recent first.
_HEADER_TEXTS_LIMIT = 16


def page_head(count: int, headers: list[dict[str, str]], *, compact: bool) -> bytes:
    """A result page's opening ``{"count": N, "headers": [...]``, without its closing brace.

    The bytes are those of ``json.dumps({"count": count, "headers": headers},
    ensure_ascii=False)`` (``separators=(",", ":")`` when ``compact``) less the last
    ``}``; the encoded headers are kept, as the same run's pages repeat them.
    """
    global _HEADER_TEXTS
    for kept_compact, kept, kept_text in _HEADER_TEXTS:
        if kept_compact is compact and kept == headers:
            text = kept_text
            break
    else:
        separators = (",", ":") if compact else (", ", ": ")
        text = json.dumps(headers, ensure_ascii=False, separators=separators).encode()
        # Only text is kept: 1 == True == 1.0 would let one list stand for another.
        if all(
            type(k) is str and type(v) is str for header in headers for k, v in header.items()
        ):
            copy = [dict(header) for header in headers]
            _HEADER_TEXTS = ((compact, copy, text), *_HEADER_TEXTS[: _HEADER_TEXTS_LIMIT - 1])
    if compact:
        return b'{"count":%d,"headers":%b' % (count, text)
    return b'{"count": %d, "headers": %b' % (count, text)


def money(value: Decimal) -> str:
    """Format USD as both API versions do: a decimal string with at least four decimals."""
    text = f"{value.quantize(Decimal('0.000001')):f}".rstrip("0")
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(4, '0')}"
