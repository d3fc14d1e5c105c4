"""Every error coreclaw-pandas raises, under one root.

The tree is flat on purpose; catch the family you can act on::

    CoreClawError
    ├── ConfigurationError        no API key, bad base URL or setting
    ├── InputError                Worker input rejected before anything was sent
    ├── APIError                  the platform answered with a non-zero ``code``
    │   ├── InvalidRequestError   4000 (and v2 11000 / HTTP 422)
    │   ├── AuthenticationError   20001, 20002, 10001, 10002, 4010
    │   ├── QuotaError            30001, 30002, 30003
    │   ├── NotFoundError         4040
    │   │   ├── WorkerNotFoundError   50001, 50003
    │   │   ├── TaskNotFoundError     60001
    │   │   └── RunNotFoundError      70001
    │   ├── RunStateError         70002 (the run cannot be aborted now)
    │   ├── RateLimitError        4290
    │   └── ServerError           5000, 50002
    ├── TransportError            no usable HTTP answer (connection, timeout, broken body)
    ├── RunFailedError            the run ended as Failed
    └── RunTimeoutError           waiting for the run took longer than asked

    KeyboardInterrupt
    └── RunInterrupted            Ctrl-C while waiting; the run goes on (or is being aborted)

Every message says what happened and what to do next; IPython shows it alone, without
the trace (``%xmode Verbose`` and ``%tb`` show that). No message, ``repr`` or
attribute ever holds the API key: the HTTP layer never passes headers in here.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import LogEntry, Run

__all__ = [
    "APIError",
    "AuthenticationError",
    "ConfigurationError",
    "CoreClawError",
    "InputError",
    "InvalidRequestError",
    "NotFoundError",
    "QuotaError",
    "RateLimitError",
    "RunFailedError",
    "RunInterrupted",
    "RunNotFoundError",
    "RunStateError",
    "RunTimeoutError",
    "ServerError",
    "TaskNotFoundError",
    "TransportError",
    "WorkerNotFoundError",
    "error_class_for_code",
]


#: IPython exception modes (``%xmode``) in which a reader asked for the whole trace.
_FULL_TRACE_MODES = frozenset({"Plain", "Verbose", "Docs"})
_FULL_TRACE_TIP = "(%xmode Verbose, then %tb, shows the full traceback)"


class CoreClawError(Exception):
    """Root of every error raised by coreclaw-pandas."""

    def _render_traceback_(self) -> list[str]:
        """What IPython shows: the message and hint alone (``%xmode Verbose``: the trace)."""
        # IPython is the caller, so it is loaded; importing it would tie this module to it.
        ipython = sys.modules.get("IPython")
        shell = ipython.get_ipython() if ipython is not None else None
        formatter = getattr(shell, "InteractiveTB", None)
        if formatter is not None and getattr(formatter, "mode", "") in _FULL_TRACE_MODES:
            return formatter.structured_traceback(type(self), self, self.__traceback__, 1)
        text, hint, lines = str(self), getattr(self, "hint", ""), []
        if hint and text.endswith(f" {hint}"):
            # The hint is the line to act on: give it a line of its own.
            text, lines = text[: -len(hint)].rstrip(), [hint]
        first, *rest = text.splitlines() or [""]
        return [f"{type(self).__name__}: {first}", *rest, *lines, _FULL_TRACE_TIP]


class ConfigurationError(CoreClawError):
    """The client is not set up to make this call (for example no API key)."""


class InputError(CoreClawError, ValueError):
    """A Worker's input was rejected on this side, before any request was sent.

    Attributes:
        problems: One human-readable line per problem, each naming its field.
        scraper_slug: The Worker the input was meant for, when known.
    """

    def __init__(self, problems: Sequence[str], *, scraper_slug: str | None = None) -> None:
        self.problems = list(problems)
        self.scraper_slug = scraper_slug
        where = f" for Worker {scraper_slug!r}" if scraper_slug else ""
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(
            f"The input{where} has {len(self.problems)} problem(s); nothing was sent:\n{lines}\n"
            "Fix these fields (cc.worker(slug).input_schema lists every field) and try again."
        )


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

    def _compose(self) -> str:
        parts = [f"CoreClaw error {self.code}" if self.code is not None else "CoreClaw error"]
        if self.endpoint:
            parts.append(f" from {self.endpoint}")
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


class TransportError(CoreClawError):
    """No usable HTTP answer: connection refused or reset, timeout, or an unreadable body.

    Attributes:
        endpoint: The endpoint called.
        sent_may_have_arrived: True when the request may have reached the server
            (a timeout or a reset after sending), which matters for calls that start runs.
    """

    def __init__(self, message: str, *, endpoint: str = "", sent_may_have_arrived: bool = False):
        self.endpoint = endpoint
        self.sent_may_have_arrived = sent_may_have_arrived
        super().__init__(message)


class RunFailedError(CoreClawError):
    """The run ended with status Failed.

    Attributes:
        run: The final :class:`~coreclaw_pandas.models.Run`.
        err_msg: The platform's error text for the run.
        log_tail: The last log entries, oldest first.
    """

    def __init__(self, run: Run, log_tail: Sequence[LogEntry] = ()) -> None:
        self.run = run
        self.err_msg = run.err_msg
        self.log_tail = list(log_tail)
        lines = "".join(f"\n    {entry.content}" for entry in self.log_tail)
        tail = f"\n  Last log lines:{lines}" if lines else ""
        super().__init__(
            f"Run {run.slug} of Worker {run.scraper_title or run.scraper_slug!r} failed: "
            f"{(run.err_msg or 'no reason given').rstrip('.')}."
            f"{tail}\n  cc.log({run.slug!r}) shows the whole log; cc.results_df({run.slug!r}) "
            "gives any rows it produced."
        )


class RunTimeoutError(CoreClawError):
    """Waiting for a run took longer than ``timeout``; the run itself goes on.

    Attributes:
        run: The run as last seen (still Ready or Running).
        timeout: The timeout in seconds that ran out.
    """

    def __init__(self, run: Run, timeout: float) -> None:
        self.run = run
        self.timeout = timeout
        super().__init__(
            f"Run {run.slug} is still {run.status.label} after {timeout:g} s; it keeps running. "
            f"Wait again with cc.wait({run.slug!r}) or stop it with cc.abort({run.slug!r})."
        )


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C while waiting; a ``KeyboardInterrupt``, shown by IPython as its message alone.

    Attributes:
        run_slug: The run that was being waited for.
        aborting: True when the run was asked to abort (``abort_on_interrupt=True``).
    """

    def __init__(self, run_slug: str, *, aborting: bool = False) -> None:
        self.run_slug = run_slug
        self.aborting = aborting
        going = (
            f"keeps running on CoreClaw. Reattach with cc.wait({run_slug!r}) or stop it "
            f"with cc.abort({run_slug!r})."
        )
        state = "is being aborted." if aborting else going
        super().__init__(f"Interrupted: run {run_slug} {state}")

    def _render_traceback_(self) -> list[str]:
        """The message alone, whatever ``%xmode`` says: the interrupt was the reader's doing."""
        return [str(self)]


# Codes of v1 (CONTRACT.md §1.7) and v2 (§6); version-neutral so every wire layer shares it.
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
