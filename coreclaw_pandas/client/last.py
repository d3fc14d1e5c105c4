"""The ``/last`` shortcuts as client methods: the newest run of the account or of a Worker.

Split from :mod:`.client`; :class:`LastCalls` holds only methods and is mixed into
:class:`~coreclaw_pandas.client.Client`. ``scraper_slug=None`` means the account's
newest run, a slug that Worker's. These are v2 calls (docs/platform.md §3.5); on v1
each raises a ``ConfigurationError`` saying how to switch. Where the target must be
exact, read the run's slug once and use the ordinary methods with it: another start
can become "the last run" between two calls.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..exceptions import InputError, NotFoundError
from ..models import ResultPage, Run, RunLog, RunStatus
from . import replies, starts
from .tasks import require_v2
from .transport import Transport
from .v2_last import V2Last

if TYPE_CHECKING:
    from .wire import Wire

__all__ = ["LastCalls"]


class LastCalls:
    """The ``/last`` endpoints of :class:`~coreclaw_pandas.client.Client`."""

    _http: Transport
    _wire: Wire
    api_version: str
    page_size: int

    def _last_wire(self, what: str) -> V2Last:
        require_v2(self.api_version, what)
        return V2Last(self._http)

    def last_results_page(
        self, scraper_slug: str | None = None, *, page_index: int = 1, page_size: int | None = None
    ) -> ResultPage:
        """One result page of the newest run (of the account, or of ``scraper_slug``)."""
        return self._last_wire("Reading the last run's results").results_page(
            scraper_slug, page_index=page_index, page_size=page_size or self.page_size
        )

    def last_log(self, scraper_slug: str | None = None) -> RunLog:
        """The newest run's recent log entries."""
        return self._last_wire("Reading the last run's log").log(scraper_slug)

    def last_export_url(
        self,
        scraper_slug: str | None = None,
        *,
        format: str = "csv",
        columns: list[str] | None = None,
    ) -> str:
        """Export the newest run's rows; returns a temporary download URL."""
        wire = self._last_wire("Exporting the last run")
        if format not in self._wire.export_formats:
            formats = ", ".join(self._wire.export_formats)
            raise InputError([f"`format` must be one of {formats}, got {format!r}"])
        return wire.export(scraper_slug, format=format, filter_keys=columns or [])

    def abort_last(self, scraper_slug: str | None = None) -> None:
        """Ask the platform to stop the newest run."""
        self._last_wire("Aborting the last run").abort(scraper_slug)

    def rerun_last(
        self, scraper_slug: str | None = None, *, callback_url: str | None = None
    ) -> Run:
        """Start the newest run again with the same input. Sent once, never repeated."""
        wire = self._last_wire("Rerunning the last run")
        which = f"Worker {scraper_slug!r}'s" if scraper_slug else "the account's"
        slug = starts.once(
            lambda: wire.rerun(scraper_slug, callback_url),
            what=f"a rerun of {which} last run",
            scraper_slug=scraper_slug,
        )
        return Run(slug=slug, status=RunStatus.READY)

    def _account_last_run(self) -> Run | None:
        """GET /worker-runs/last; None when the account has no run (11004).

        v1 has no shortcut: its run history, newest first, serves the same.
        """
        if self.api_version == "v1":
            _, runs = self._wire.runs_page(
                page_index=1, page_size=1, status=None, scraper_slug=None
            )
            return runs[0] if runs else None
        wire = self._last_wire("The account's last run")
        try:
            data = wire.run(None)
        except NotFoundError:
            return None  # with no Worker named, 11004 can only mean "no runs yet"
        return replies.run(data) if data else None
