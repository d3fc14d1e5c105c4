"""The ``{code, message, data}`` envelope: one HTTP reply to its data or the right error.

Pure: it sees a status code and the body's bytes (or, in :func:`read_capped`, a
function that reads them), never a socket, so every mapping here is testable without
a server. :mod:`.transport` sends the request and decides, from the error returned
here and the call's policy, whether to try again.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple, TypedDict, cast

from .. import _config
from ..exceptions import (
    APIError,
    CoreClawError,
    NotFoundError,
    RunNotFoundError,
    TaskNotFoundError,
    TransportError,
    WorkerNotFoundError,
    error_class_for_code,
)

__all__ = ["Reply", "as_int", "decode", "narrow", "read", "read_capped"]


class Reply(NamedTuple):
    """One reply, read: its ``data`` on success, else the error and the business code."""

    data: Any
    error: CoreClawError | None = None
    code: int | None = None


def read(status: int, content: bytes, *, endpoint: str, context: Mapping[str, str | None]) -> Reply:
    """Read one reply's envelope.

    Args:
        status: The HTTP status.
        content: The body as received.
        endpoint: ``"METHOD /path"``, for messages.
        context: Identifiers (run_slug, scraper_slug, task_slug) the call was about.

    Returns:
        The ``data`` member of a successful reply, or the error to raise together
        with the platform's ``code`` (None when the body was no envelope).
    """
    payload = decode(content)
    if not isinstance(payload, Mapping) or "code" not in payload:
        if 200 <= status < 300:
            error: CoreClawError = TransportError(
                f"{endpoint} answered HTTP {status} with a body that is not a CoreClaw "
                "envelope (cut short or not JSON). Try again; if it persists, check "
                "CORECLAW_BASE_URL points at the CoreClaw API.",
                endpoint=endpoint,
                sent_may_have_arrived=True,
            )
        elif _is_html(content):
            # A proxy's error page: its markup helps nobody, its status and path do.
            error = error_class_for_code(None, status)(
                f"HTTP {status} from a proxy (an HTML page, not a CoreClaw reply)",
                endpoint=endpoint,
                http_status=status,
                hint=_PROXY_HINT,
                **_ids(context),
            )
        else:
            error = error_class_for_code(None, status)(
                _body_excerpt(content) or f"HTTP {status}",
                endpoint=endpoint,
                http_status=status,
                **_ids(context),
            )
        return Reply(None, error, None)
    code = as_int(payload.get("code"))
    if code == 0 and 200 <= status < 300:
        return Reply(payload.get("data"))
    request_id = payload.get("request_id")
    message = str(payload.get("message") or "")
    details = payload.get("details")
    if isinstance(details, list) and details:
        # v2 names the offending fields here; they are what the user needs to see.
        message = f"{message} ({'; '.join(map(str, details))})"
    cls = narrow(error_class_for_code(code, status), context)
    error = cls(
        message,
        code=code,
        endpoint=endpoint,
        http_status=status,
        data=payload.get("data"),
        request_id=str(request_id) if request_id else None,
        **_ids(context),
    )
    return Reply(None, error, code)


def narrow(cls: type[APIError], context: Mapping[str, str | None]) -> type[APIError]:
    """Narrow a generic not-found (v1 4040, v2 11004) by what the call was about."""
    if cls is not NotFoundError:
        return cls
    if context.get("run_slug"):
        return RunNotFoundError
    if context.get("task_slug"):
        return TaskNotFoundError
    if context.get("scraper_slug"):
        return WorkerNotFoundError
    return cls


def decode(content: bytes) -> Any:
    """The body as JSON, or None when it is empty or not JSON."""
    try:
        # strict=False: the platform has been seen sending raw control characters in strings.
        return json.loads(content, strict=False) if content else None
    except ValueError:
        return None


def as_int(value: Any) -> int | None:
    """``int(value)``, or None when it is not a number."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class _Ids(TypedDict):
    run_slug: str | None
    scraper_slug: str | None
    task_slug: str | None


def _ids(context: Mapping[str, str | None]) -> _Ids:
    return cast(_Ids, {k: context.get(k) for k in ("run_slug", "scraper_slug", "task_slug")})


_PROXY_HINT = (
    "A gateway or proxy between this machine and CoreClaw failed, after the client's "
    "retries for calls that are safe to repeat. Wait a few minutes and call again; if it "
    "persists, check CORECLAW_BASE_URL and any proxy settings, and the platform's status."
)


def _is_html(content: bytes) -> bool:
    head = content[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<body")) or b"<html" in head


def _body_excerpt(content: bytes, limit: int = 200) -> str:
    text = content.decode("utf-8", errors="replace").strip()
    return text[:limit]


def too_large(endpoint: str, what: str, limit: int) -> TransportError:
    """The error for a reply larger than this client reads (``_config.MAX_REPLY_BYTES``)."""
    return TransportError(
        f"{endpoint} {what}, more than the {limit // (1 << 20)} MiB this client accepts in one "
        "reply, so it was not read. Check CORECLAW_BASE_URL points at the CoreClaw API; for a "
        "large result, read smaller pages (page_size=) or use cc.export().",
        endpoint=endpoint,
        sent_may_have_arrived=True,
    )


def read_capped(
    read1: Callable[[], bytes], *, declared: int | None, deadline: float, endpoint: str
) -> bytes | None:
    """A reply's body within the size cap, or None when ``deadline`` passes first.

    Shared by :mod:`.transport` and the bulk page reader (:mod:`.raw`), whatever their
    HTTP library: ``read1`` returns what one receive brings (empty at the end), so the
    deadline is checked between receives; a read of n bytes would wait for all n,
    however slowly they come.

    Args:
        read1: Reads the next piece of the body.
        declared: The reply's ``Content-Length``, if it gave one.
        deadline: ``time.monotonic()`` by which the whole body must be in.
        endpoint: Names the call in the error.

    Raises:
        TransportError: The reply declares or sends more than ``_config.MAX_REPLY_BYTES``.
    """
    limit = _config.MAX_REPLY_BYTES
    if declared is not None and declared > limit:
        raise too_large(endpoint, f"declared {declared:,} bytes", limit)
    chunks: list[bytes] = []
    size = 0
    while time.monotonic() <= deadline:
        chunk = read1()
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise too_large(endpoint, f"sent more than {limit:,} bytes", limit)
    return None
