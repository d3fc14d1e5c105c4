"""Errors about a run that exists.

It failed, it is still going, it is still aborting, or the reader interrupted the wait.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .base import CoreClawError

if TYPE_CHECKING:
    from ..models import LogEntry, Run


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
            f"{(run.err_msg or 'the platform sent no reason; see the log').rstrip('.')}."
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


class RunAbortingError(RunTimeoutError):
    """The run still shows Aborting after the polls allowed for it; the abort goes on.

    Attributes:
        run: The run as last seen (status Aborting).
        timeout: Seconds spent waiting on it.
    """

    def __init__(self, run: Run, waited: float) -> None:
        self.run = run
        self.timeout = waited
        # Production may hold a run in Aborting for a while (docs/platform.md §3.3).
        CoreClawError.__init__(
            self,
            f"Run {run.slug} is still aborting after {waited:.0f} s: the platform accepted the "
            "abort and is still stopping it, which can take a while. An aborting run no longer "
            "counts against the plan's concurrency limit, and billing is per result, so it is "
            f"charged only for the {run.results:,} rows it stored (usage ${run.usage:.4f}). "
            f"Check later with cc.wait({run.slug!r}) or cc.runs_df(); it ends as failed.",
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
        stopping = (
            "is being aborted; it shows aborting until the platform has stopped it. "
            f"Check with cc.wait({run_slug!r}) or cc.runs_df()."
        )
        state = stopping if aborting else going
        super().__init__(f"Interrupted: run {run_slug} {state}")

    def _render_traceback_(self) -> list[str]:
        """The message alone, whatever ``%xmode`` says: the interrupt was the reader's doing."""
        return [str(self)]
