"""Errors the platform answered with: one class per family of business codes.

The code-to-class table is here, version-neutral, so every wire layer shares it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .base import CoreClawError, reattach_advice


class APIError(CoreClawError):
    """The platform answered with a non-zero business ``code``.

    Attributes:
        code: The platform's business code (for example 4000), or None if the body had none.
        api_message: The platform's ``message`` text.
        endpoint: The endpoint called, such as ``POST /api/v1/run/detail``.
        http_status: The HTTP status of the reply.
        data: The reply's ``data`` (often None for errors).
        request_id: The v2 ``request_id``, when the platform sent one.
        run_slug, scraper_slug, task_slug: The identifiers involved, when known.
    """

    hint = "Check the request and try again."

    def __init__(
        self,
        api_message: str = "",
        *,
        code: int | None = None,
        endpoint: str = "",
        http_status: int | None = None,
        data: Any = None,
        request_id: str | None = None,
        run_slug: str | None = None,
        scraper_slug: str | None = None,
        task_slug: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.code = code
        self.api_message = api_message
        self.endpoint = endpoint
        self.http_status = http_status
        self.data = data
        self.request_id = request_id
        self.run_slug = run_slug
        self.scraper_slug = scraper_slug
        self.task_slug = task_slug
        if hint is not None:
            self.hint = hint
        super().__init__(self._compose())

    def with_hint(self, text: str) -> APIError:
        """Replace what the message tells the reader to do; returns the error itself.

        Lets a caller that knows more than the transport (which fields a Worker
        requires, say) sharpen the advice before re-raising.

        Example:
            >>> raise exc.with_hint("Worker 'a/b' requires url; sent fields: none.")
        """
        self.hint = text
        self.args = (self._compose(),)
        return self

    def as_uncertain_start(self, text: str) -> APIError:
        """Mark a failed start as one that may have created a run; returns the error itself.

        The platform's own text is left out of the message (it stays in
        :attr:`api_message`): for a 5000 it says "try again", which here would pay twice.

        Args:
            text: What the reader should do instead (check the run history).
        """
        self.run_may_exist = True
        return self.with_hint(text)

    def note_started_run(self, run_slug: str) -> APIError:
        """Say that run ``run_slug`` was started before this error; returns the error itself."""
        self.run_slug = self.run_slug or run_slug
        # The class's advice ("try again in a minute") would read as "start it again".
        return self.with_hint(reattach_advice(run_slug))

    def _compose(self) -> str:
        parts = [f"CoreClaw error {self.code}" if self.code is not None else "CoreClaw error"]
        if self.endpoint:
            parts.append(f" from {self.endpoint}")
        if self.run_may_exist:
            parts.append(f": {self.outcome}")
        else:
            parts.append(f": {self.api_message or 'no message'}")
        ids = [
            f"{name}={value}"
            for name, value in (
                ("run_slug", self.run_slug),
                ("scraper_slug", self.scraper_slug),
                ("task_slug", self.task_slug),
                ("request_id", self.request_id),
            )
            if value
        ]
        if ids:
            parts.append(f" ({', '.join(ids)})")
        parts.append(f". {self.hint}")
        return "".join(parts)

    @property
    def outcome(self) -> str:
        """What came back, in a few words, without the platform's advice."""
        if self.code is not None:
            return f"the platform answered code {self.code} (HTTP {self.http_status})"
        return f"HTTP {self.http_status} from a proxy (not a CoreClaw reply)"


class InvalidRequestError(APIError):
    """The platform rejected the request's parameters (code 4000)."""

    hint = (
        "A parameter is missing or has the wrong shape (the message names it when the platform "
        "does); check the slug kinds and the values passed."
    )


class AuthenticationError(APIError):
    """The API key is missing, invalid, expired, or the account is unavailable."""

    hint = (
        "Check CORECLAW_API_KEY (or cc.configure(api_key=...)); a key is created in the "
        "CoreClaw Console under API keys."
    )


class QuotaError(APIError):
    """The account's balance, traffic or plan limits do not allow this run."""

    hint = "Top up the balance or traffic in the CoreClaw Console, or wait for running runs to end."


class NotFoundError(APIError):
    """The thing asked for does not exist (or is not yours)."""

    hint = (
        "Check the slug; the three kinds (scraper_slug, task_slug, run_slug) are not "
        "interchangeable."
    )


class WorkerNotFoundError(NotFoundError):
    """No such Worker, or no such version of it (codes 50001, 50003)."""

    hint = (
        "Check the scraper_slug (a 26-character id or owner/name; cc.search_workers finds it) "
        "and leave `version` unset to use the Worker's current version."
    )


class TaskNotFoundError(NotFoundError):
    """No such saved Task (code 60001)."""

    hint = "Check the task_slug in the CoreClaw Console; Tasks saved long ago may have expired."


class RunNotFoundError(NotFoundError):
    """No such run (code 70001)."""

    hint = "Check the run_slug; cc.runs_df() lists your recent runs."


class RunStateError(APIError):
    """The run is not in a state that allows this (code 70002, abort of a finished run)."""

    hint = "The run has probably finished already; cc.wait(run) shows its final status."


class RateLimitError(APIError):
    """Too many requests (code 4290, HTTP 429); retries were used up."""

    hint = "Slow down, or raise max_retries; the client already backed off and retried."


class ServerError(APIError):
    """The platform failed internally (code 5000, 50002, HTTP 5xx); retries were used up."""

    hint = "This is on CoreClaw's side; try again in a minute."


# Codes of v1 and v2 (docs/platform.md §2.4); version-neutral so every wire layer shares it.
_CODE_CLASSES: Mapping[int, type[APIError]] = {
    4000: InvalidRequestError,
    11000: InvalidRequestError,
    4010: AuthenticationError,
    10001: AuthenticationError,
    10002: AuthenticationError,
    12001: AuthenticationError,
    12002: AuthenticationError,
    20001: AuthenticationError,
    20002: AuthenticationError,
    30001: QuotaError,
    30002: QuotaError,
    30003: QuotaError,
    4040: NotFoundError,
    11004: NotFoundError,
    50001: WorkerNotFoundError,
    50003: WorkerNotFoundError,
    60001: TaskNotFoundError,
    70001: RunNotFoundError,
    70002: RunStateError,
    4290: RateLimitError,
    13000: RateLimitError,
    5000: ServerError,
    10000: ServerError,
    14000: ServerError,
    50002: ServerError,
}

_HTTP_CLASSES: Mapping[int, type[APIError]] = {
    400: InvalidRequestError,
    401: AuthenticationError,
    403: AuthenticationError,
    404: NotFoundError,
    422: InvalidRequestError,
    429: RateLimitError,
}


def error_class_for_code(code: int | None, http_status: int | None = None) -> type[APIError]:
    """Return the exception class for a platform code, falling back to the HTTP status.

    Args:
        code: The business code from the reply body, if any.
        http_status: The HTTP status, used only when the code is unknown.

    Returns:
        The most specific :class:`APIError` subclass, or :class:`APIError` itself.
    """
    if code is not None and code in _CODE_CLASSES:
        return _CODE_CLASSES[code]
    if http_status is not None:
        if http_status in _HTTP_CLASSES:
            return _HTTP_CLASSES[http_status]
        if http_status >= 500:
            return ServerError
    return APIError
