"""Starting a run: check the input against the Worker, send it once, explain a refusal.

A start may charge money, so it is never repeated after a timeout, a lost
connection or a server error (the transport's policy sees to that). Every start
(run, sync run, rerun, task run) goes through :func:`once`, which tells a definite
refusal (docs/platform.md §2.5: no run was created) from every other failure, after
which a run may exist: those say so, name the run history to check, and never
advise trying again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any, TypeVar

from .. import _clock
from ..exceptions import APIError, InputError, InvalidRequestError, TransportError
from ..models import Worker
from ..schema.system import system_problems
from .replies import SyncReply
from .wire import Wire

__all__ = ["REFUSED_CODES", "once", "prepare", "require_slug", "start"]

T = TypeVar("T")

#: Codes that answer a start with "no run was created" (docs/platform.md §2.4, "refused").
#: Only a JSON envelope carrying one of them is a refusal; anything else may hide a run.
REFUSED_CODES = frozenset(
    {4000, 11000, 4010, 4040, 11004, 4290, 13000, 16000, 10001, 10002, 20001, 20002}
    | {12001, 12002, 30001, 30002, 30003, 50001, 50003, 60001, 70001}
)


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
        return once(
            lambda: wire.start_run(
                scraper_slug=slug,
                version=version,
                system=system_sent,
                custom=custom_sent,
                is_async=is_async,
                callback_url=callback_url,
                page_size=page_size,
            ),
            what=f"Worker {slug!r}",
            scraper_slug=slug,
        )
    except InvalidRequestError as exc:
        required = ", ".join(worker.input_schema.required_names) or "no fields"
        exc.with_hint(
            f"The platform rejected the start. Worker {slug!r} requires {required}; sent "
            f"fields: {', '.join(sorted(custom_sent)) or 'none'}. Check their types against "
            f"cc.worker({slug!r}).input_schema and that version {version!r} is current."
        )
        raise


def once(send: Callable[[], T], *, what: str, scraper_slug: str | None = None) -> T:
    """Send one start; any failure but a definite refusal says the run may exist.

    Args:
        send: Sends the start request (never repeated here; the transport retries
            only refusals).
        what: What was started, for the message ("Worker 'a/b'", "a rerun of run X").
        scraper_slug: The Worker, when known, to narrow the run history to check.

    Raises:
        APIError: A definite refusal as the platform sent it, or any other reply marked
            ``run_may_exist`` with a message saying where to look.
        TransportError: Likewise, for no usable answer.
    """
    sent_at = _clock.utc_now()
    try:
        return send()
    except APIError as exc:
        if exc.code in REFUSED_CODES:
            raise
        raise exc.as_uncertain_start(_advice(what, scraper_slug, sent_at)) from None
    except TransportError as exc:
        if not exc.sent_may_have_arrived:
            raise  # refused or unreachable: the request never reached the platform
        error = TransportError(
            f"{_summary(exc)}. {_advice(what, scraper_slug, sent_at)}",
            endpoint=exc.endpoint,
            sent_may_have_arrived=True,
        )
        error.run_may_exist = True
        raise error from exc


def _advice(what: str, scraper_slug: str | None, sent_at: Any) -> str:
    # A minute early: the platform's clock and ours need not agree to the second.
    since = (sent_at - timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M")
    where = f"scraper_slug={scraper_slug!r}, " if scraper_slug else ""
    return (
        f"The start of {what} may have reached CoreClaw, so the run may have started (and "
        f"be charged) although no run came back. It was NOT retried, so it never starts "
        f"twice. Before starting anything again, look for it with "
        f"cc.runs_df({where}since={since!r}) (times in UTC); if it is there, "
        "cc.wait(run_slug) follows it."
    )


def _summary(exc: TransportError) -> str:
    # The transport's own advice ends in "try again", which for a start would pay twice.
    return str(exc).split(". ", 1)[0].rstrip(".")


def require_slug(name: str, value: Any) -> None:
    """Raise InputError unless ``value`` is a non-empty string (a slug, a URL)."""
    if not isinstance(value, str) or not value.strip():
        raise InputError([f"`{name}` must be a non-empty string, got {value!r}"])
