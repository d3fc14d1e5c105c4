"""The root of the tree and the errors that are not the platform's answer.

See :mod:`coreclaw_pandas.exceptions` for the whole tree.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

#: IPython exception modes (``%xmode``) in which a reader asked for the whole trace.
_FULL_TRACE_MODES = frozenset({"Plain", "Verbose", "Docs"})
_FULL_TRACE_TIP = "(%xmode Verbose, then %tb, shows the full traceback)"


class CoreClawError(Exception):
    """Root of every error raised by coreclaw-pandas.

    Attributes:
        run_may_exist: True when a run start failed after the request may have reached
            the platform, so a run may exist (and be charged) although none was returned.
    """

    run_may_exist = False

    def note_started_run(self, run_slug: str) -> CoreClawError:
        """Say that run ``run_slug`` was started before this error; returns the error itself.

        Used when waiting for a run fails after its start succeeded: the run goes on,
        and the reader needs its slug to find it again.
        """
        self.args = (f"{self.args[0] if self.args else ''} {reattach_advice(run_slug)}",)
        return self

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


def reattach_advice(run_slug: str) -> str:
    """What to do about a run that was started and goes on: reattach, or stop it."""
    return (
        f"Run {run_slug} was started and goes on without this session: reattach with "
        f"cc.wait({run_slug!r}), or stop it with cc.abort({run_slug!r}). Do not start it again."
    )


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
