"""tqdm adapters: a bar for a waiting run and a bar for rows or bytes coming in.

``tqdm.auto`` picks the notebook widget or the terminal bar by itself. With
``progress=None`` a terminal bar hides when output is not a terminal (CI logs
stay clean), a notebook shows it; ``False`` never shows one. A bar never breaks
the call it decorates: any display error is swallowed.

A bar whose call failed, was interrupted, or whose run ended other than
succeeded ends red, as tqdm's notebook bar does for an error; only a clean end is
green.
"""

from __future__ import annotations

import contextlib
from typing import Any, Self

from .models import Run, RunStatus

__all__ = ["SMALL_ROW_COUNT", "CountBar", "RunBar"]

#: Row counts up to this arrive in one page of the default size (100 rows), in well
#: under a second: a bar would only flash by. ``progress=True`` still shows one.
SMALL_ROW_COUNT = 100


def _disable(progress: bool | None) -> bool | None:
    if progress is None:
        return None
    return not progress


class _SafeBar:
    """A tqdm bar whose failures never reach the caller."""

    def __init__(self, progress: bool | None, **kwargs: Any) -> None:
        self._bar = None
        self.failed = False
        if progress is False:
            return
        try:
            from tqdm.auto import tqdm

            self._bar = tqdm(disable=_disable(progress), **kwargs)
        except Exception:  # a broken display must not stop a download
            self._bar = None

    def _do(self, action: str, *args: Any, **kwargs: Any) -> None:
        if self._bar is None:
            return
        with contextlib.suppress(Exception):
            getattr(self._bar, action)(*args, **kwargs)

    def close(self) -> None:
        """Close the bar (idempotent); a bar marked failed ends in the error colour."""
        bar = self._bar
        self._do("close")
        # tqdm's notebook bar paints itself green on close when it has no total; repaint it
        # in the colour tqdm uses for an error (the terminal bar has no `disp`, no colours).
        disp = getattr(bar, "disp", None)
        if disp is not None and self.failed:
            with contextlib.suppress(Exception):
                disp(bar_style="danger", check_delay=False)
        self._bar = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is not None:  # an error or Ctrl-C inside the block
            self.failed = True
        self.close()


class RunBar(_SafeBar):
    """Shows a run being waited for: status, rows so far, elapsed time and usage."""

    def __init__(self, run_slug: str, *, progress: bool | None = None) -> None:
        super().__init__(
            progress,
            desc=f"run {run_slug}",
            unit=" rows",
            total=None,
            bar_format="{desc}: {n_fmt}{unit} [{elapsed}{postfix}]",
        )

    def update(self, run: Run) -> None:
        """Show the latest state of the run (a failed or aborted run marks the bar failed)."""
        self.failed = run.status in (RunStatus.FAILED, RunStatus.ABORTING)
        if self._bar is None:
            return
        self._do("set_postfix_str", f"{run.status.label}, ${run.usage:.4f}", refresh=False)
        self._do("update", max(0, run.results - self._bar.n))


class CountBar(_SafeBar):
    """Counts rows or bytes towards a total that may be unknown or grow.

    With ``progress=None``, rows known to number :data:`SMALL_ROW_COUNT` or fewer get
    no bar.
    """

    def __init__(
        self,
        desc: str,
        *,
        total: int | None,
        unit: str = " rows",
        progress: bool | None = None,
        unit_scale: bool = False,
    ) -> None:
        if progress is None and unit == " rows" and total is not None:
            progress = None if total > SMALL_ROW_COUNT else False
        super().__init__(progress, desc=desc, total=total, unit=unit, unit_scale=unit_scale)

    def advance(self, n: int) -> None:
        """Add ``n`` to the count."""
        self._do("update", n)

    def set_total(self, total: int | None) -> None:
        """Change the total (a running run's row count grows)."""
        if self._bar is not None and total is not None:
            self._bar.total = total
            self._do("refresh")

    def set_to(self, n: int, total: int | None = None) -> None:
        """Set the absolute count (for byte downloads reporting totals)."""
        if self._bar is None:
            return
        if total is not None and self._bar.total != total:
            self._bar.total = total
        self._do("update", n - self._bar.n)

    def note(self, text: str) -> None:
        """Show ``text`` after the count (a batch's running, failed, spend...)."""
        self._do("set_postfix_str", text)
