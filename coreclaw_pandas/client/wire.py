"""The seam between :class:`~coreclaw_pandas.client.Client` and an API version.

:class:`Wire` is what :mod:`.v1` and :mod:`.v2` each provide and all that the
client and :mod:`.paging` call: typed objects in, typed objects out, with paths,
field names and auth headers kept inside the version's module. :class:`Policy`
is how a wire tells the transport whether one call may be repeated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ..models import (
        Account,
        ProxyRegion,
        ResultPage,
        Run,
        RunLog,
        RunStatus,
        Worker,
        WorkerSummary,
    )
    from .replies import SyncReply

__all__ = ["PageRequest", "Policy", "Wire"]


@dataclass(frozen=True)
class Policy:
    """How one call may be retried.

    Attributes:
        idempotent: Safe to send twice (reads, pages, export, abort of a run).
        retry_codes: Business codes meaning "try again later" for any call.
        refused_codes: Business codes meaning "not accepted", safe to retry even for run starts.
    """

    idempotent: bool
    retry_codes: frozenset[int]
    refused_codes: frozenset[int]

    def allows_retry(self, *, status: int, code: int | None, transient: bool) -> bool:
        """Whether a failed attempt may be sent again under this policy.

        A definite business code decides; the HTTP status only speaks when there is
        none (a proxy's 502 page), so a 70002 sent as HTTP 500 is not retried. A bare
        429 page is no refusal: a proxy may send it after forwarding, so a start that
        got one may have created a run (docs/platform.md §2.5); only reads repeat it.

        Args:
            status: The HTTP status of the reply.
            code: The reply's business code, if it had one.
            transient: The reply could not be read at all (a broken body).
        """
        if code is None:
            return self.idempotent and (transient or status in RETRY_STATUSES)
        refused = code in self.refused_codes
        return refused or (self.idempotent and code in self.retry_codes)


@dataclass(frozen=True)
class PageRequest:
    """One result page's HTTP call, described for the bulk reader (:mod:`.bulk`).

    Attributes:
        method: ``GET`` or ``POST``.
        path: Below the base URL.
        params: Query parameters.
        body: JSON body, or None.
        policy: The read policy (what may be repeated).
        page_index: The page asked for.
        page_size: Rows asked for.
        run_slug: The run, for error messages.
    """

    method: str
    path: str
    params: Mapping[str, Any] | None
    body: Mapping[str, Any] | None
    policy: Policy
    page_index: int
    page_size: int
    run_slug: str


#: HTTP statuses worth a retry when a reply has no business code (a proxy's page).
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class Wire(Protocol):
    """One API version on the wire, as the client and the pagers use it.

    Calls that start something (``start_run``, ``rerun``, ``run_task``) are sent
    with a policy that never repeats them unless the server refused them.
    """

    @property
    def name(self) -> str:
        """The version's name (``"v1"``, ``"v2"``)."""
        ...

    @property
    def export_formats(self) -> tuple[str, ...]:
        """Formats :meth:`export` accepts, in the order the docs list them."""
        ...

    @property
    def month_window(self) -> bool:
        """True if the run list serves one calendar month per request."""
        ...

    @property
    def max_page_size(self) -> int | None:
        """The largest page the server serves, or None when it documents no cap."""
        ...

    def search_workers(self, search: str, limit: int) -> list[WorkerSummary]:
        """The Worker store's hits for ``search``."""
        ...

    def worker(self, scraper_slug: str) -> Worker:
        """A Worker's detail, input schema included."""
        ...

    def proxy_regions(self) -> list[ProxyRegion]:
        """Proxy regions accepted as ``system["proxy_region"]``."""
        ...

    def start_run(
        self,
        *,
        scraper_slug: str,
        version: str,
        system: Mapping[str, Any],
        custom: Mapping[str, Any],
        is_async: bool,
        callback_url: str | None,
        page_size: int = ...,
    ) -> SyncReply:
        """Start a run; with ``is_async`` false the server waits and may send rows."""
        ...

    def rerun(self, run_slug: str, callback_url: str | None) -> str:
        """Start a run with an earlier run's input; the new run's slug."""
        ...

    def run_task(self, task_slug: str, callback_url: str | None) -> str:
        """Start a saved Task; the new run's slug."""
        ...

    def abort(self, run_slug: str) -> None:
        """Ask the platform to stop a run."""
        ...

    def run(self, run_slug: str) -> Run:
        """A run's current state."""
        ...

    def last_run(self, scraper_slug: str) -> Run | None:
        """The Worker's newest run, or None when it has none."""
        ...

    def runs_page(
        self,
        *,
        page_index: int,
        page_size: int,
        status: RunStatus | None,
        scraper_slug: str | None,
        start_time: int | None = None,
        end_time: int | None = None,
    ) -> tuple[int, list[Run]]:
        """One page of run history: ``(total count, runs on this page)``."""
        ...

    def results_page(self, run_slug: str, *, page_index: int, page_size: int) -> ResultPage:
        """One page of a run's result rows."""
        ...

    def page_request(self, run_slug: str, *, page_index: int, page_size: int) -> PageRequest:
        """The call :meth:`results_page` makes, for the bulk reader to send itself."""
        ...

    def export(self, run_slug: str, *, format: str, filter_keys: Sequence[str]) -> str:
        """Ask for an export of a run's rows; the temporary download URL."""
        ...

    def log(self, run_slug: str) -> RunLog:
        """The run's recent log entries."""
        ...

    def account(self) -> Account:
        """The account's balance and traffic."""
        ...
