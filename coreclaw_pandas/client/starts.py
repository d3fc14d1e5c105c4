"""Starting a run: check the input against the Worker, send it once, explain a refusal.

A start may charge money, so it is never repeated after a timeout, a lost
connection or a server error (the transport's policy sees to that); this module
turns those failures into messages that say what to check before trying again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..exceptions import InputError, InvalidRequestError, TransportError
from ..models import Worker
from ..schema.system import system_problems
from .replies import SyncReply
from .wire import Wire

__all__ = ["prepare", "require_slug", "start"]


def prepare(
    worker: Worker,
    custom: Mapping[str, Any] | None,
    *,
    system: Mapping[str, Any] | None,
    version: str | None,
) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """``(version, system, custom)`` as a start would send them, or every problem at once.

    Raises:
        InputError: The input breaks the Worker's schema or the system parameters' rules.
    """
    problems: list[str] = []
    try:
        built = worker.input_schema.build(custom or {}, scraper_slug=worker.slug)
    except InputError as exc:
        problems.extend(exc.problems)
        built = {}
    merged = {**worker.system, **(system or {})}
    problems.extend(system_problems(system or {}, merged))
    if problems:
        raise InputError(problems, scraper_slug=worker.slug)
    return version or worker.version, merged, built


def start(
    wire: Wire,
    worker: Worker,
    custom: Mapping[str, Any] | None,
    *,
    system: Mapping[str, Any] | None,
    version: str | None,
    callback_url: str | None,
    is_async: bool,
    page_size: int,
) -> SyncReply:
    """Check the input, then send one start request for ``worker``.

    Raises:
        InputError: The input was rejected here; nothing was sent.
        InvalidRequestError: The platform rejected it; the message lists what was sent.
        TransportError: No answer; the message says the run may have started anyway.
    """
    slug = worker.slug
    version, system_sent, custom_sent = prepare(worker, custom, system=system, version=version)
    try:
        return wire.start_run(
            scraper_slug=slug,
            version=version,
            system=system_sent,
            custom=custom_sent,
            is_async=is_async,
            callback_url=callback_url,
            page_size=page_size,
        )
    except InvalidRequestError as exc:
        required = ", ".join(worker.input_schema.required_names) or "no fields"
        exc.with_hint(
            f"The platform rejected the start. Worker {slug!r} requires {required}; sent "
            f"fields: {', '.join(sorted(custom_sent)) or 'none'}. Check their types against "
            f"cc.worker({slug!r}).input_schema and that version {version!r} is current."
        )
        raise
    except TransportError as exc:
        if exc.sent_may_have_arrived:
            raise TransportError(
                f"{exc} The run may have started anyway; it was NOT retried, so it is "
                f"never started twice. Check cc.runs_df(scraper_slug={slug!r}) "
                "before starting it again.",
                endpoint=exc.endpoint,
                sent_may_have_arrived=True,
            ) from exc
        raise


def require_slug(name: str, value: Any) -> None:
    """Raise InputError unless ``value`` is a non-empty string (a slug, a URL)."""
    if not isinstance(value, str) or not value.strip():
        raise InputError([f"`{name}` must be a non-empty string, got {value!r}"])
