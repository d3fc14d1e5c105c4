"""Typed, version-neutral objects returned by the client.

These know nothing of the wire format: the wire layer
(:mod:`coreclaw_pandas.client.v1` / ``v2``) builds them from replies. Every
object keeps fields it does not know in ``extra`` so nothing the platform sends
is lost when the API drifts. The docs say "Worker" where the wire says
"scraper", so ``Run.scraper_slug`` names the run's Worker.

Two names shared by frames, writers and the accessor live here too:
:data:`ID_COLUMN` and :data:`ATTRS_KEY`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .schema import InputSchema

__all__ = [
    "ATTRS_KEY",
    "ID_COLUMN",
    "Account",
    "LogEntry",
    "LogLevel",
    "ProxyRegion",
    "ResultHeader",
    "ResultPage",
    "Run",
    "RunLog",
    "RunStatus",
    "Worker",
    "WorkerSummary",
]

#: The platform's per-row id (CONTRACT.md §2.7); not listed in ``headers``.
ID_COLUMN = "__coreclaw_data_id__"
#: ``df.attrs`` key holding where a frame came from.
ATTRS_KEY = "coreclaw"


class RunStatus(enum.IntEnum):
    """A run's status. The integer values are the platform's v1 codes."""

    READY = 1
    RUNNING = 2
    SUCCEEDED = 3
    FAILED = 4
    ABORTING = 5

    @property
    def label(self) -> str:
        """Lower-case name, as v2 spells it (``"running"``)."""
        return self.name.lower()

    @property
    def is_terminal(self) -> bool:
        """True for Succeeded and Failed.

        Aborting is not terminal: the platform may still move the run on (often to
        Failed), so waiters poll it a bounded number of times more.
        """
        return self in (RunStatus.SUCCEEDED, RunStatus.FAILED)

    @classmethod
    def from_label(cls, label: str) -> RunStatus:
        """Parse a v2-style label such as ``"succeeded"`` (``"aborted"`` maps to ABORTING)."""
        key = label.strip().upper()
        if key == "ABORTED":
            return cls.ABORTING
        return cls[key]


class LogLevel(enum.IntEnum):
    """Severity of a log entry; the values are the platform's codes."""

    DEBUG = 1
    INFO = 2
    WARN = 3
    ERROR = 4


@dataclass(frozen=True)
class Run:
    """One run of a Worker.

    Attributes:
        slug: The run_slug.
        status: The run's status.
        scraper_slug: The Worker run.
        scraper_title: The Worker's title.
        version: The Worker version used.
        results: Rows produced so far.
        usage: Charge so far, in USD.
        traffic: Traffic used, in bytes.
        started_at: When it started (UTC), or None if not yet.
        finished_at: When it ended (UTC), or None while it runs.
        duration: Run time in seconds.
        origin: Where it was started (``api``, ``web``).
        err_msg: The platform's error text, empty when none.
        extra: Fields the platform sent that this class does not model.
    """

    slug: str
    status: RunStatus
    scraper_slug: str = ""
    scraper_title: str = ""
    version: str = ""
    results: int = 0
    usage: float = 0.0
    traffic: int = 0
    started_at: datetime | None = None
    finished_at: datetime | None = None
    duration: float = 0.0
    origin: str = ""
    err_msg: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_terminal(self) -> bool:
        """True once the run has Succeeded or Failed."""
        return self.status.is_terminal

    @property
    def succeeded(self) -> bool:
        """True if the run Succeeded."""
        return self.status is RunStatus.SUCCEEDED


@dataclass(frozen=True)
class WorkerSummary:
    """A Worker as listed by a store search."""

    slug: str
    title: str = ""
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Worker:
    """A Worker's detail: its current version, README, run defaults and input schema.

    Attributes:
        slug: The scraper_slug it was fetched by.
        version: The current version, sent with every run start.
        readme: The Worker's README (Markdown).
        system: Default system parameters (cpus, memory in MB, time limit, caps).
        input_schema: The parsed input schema (see :mod:`coreclaw_pandas.schema`).
        raw_schema: The schema exactly as the platform sent it.
        extra: Fields the platform sent that this class does not model.
    """

    slug: str
    version: str
    readme: str
    system: dict[str, Any]
    input_schema: InputSchema
    raw_schema: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class ResultHeader:
    """A result column: ``key`` in each row, ``label`` for display, ``format`` a hint."""

    key: str
    label: str = ""
    format: str = ""


@dataclass(frozen=True)
class ResultPage:
    """One page of a run's result rows.

    Attributes:
        count: Total rows in the run (not on this page).
        headers: Column definitions, in the Worker's order.
        rows: The rows on this page, as sent.
        page_index: 1-based page number asked for.
        page_size: Rows per page asked for.
        non_objects: List items that were not JSON objects (left out of ``rows``, counted
            so that a read can say it is incomplete).
    """

    count: int
    headers: list[ResultHeader]
    rows: list[dict[str, Any]]
    page_index: int
    page_size: int
    non_objects: int = 0


@dataclass(frozen=True)
class LogEntry:
    """One log line of a run."""

    level: LogLevel
    content: str
    group: str = ""
    timestamp: datetime | None = None


@dataclass(frozen=True)
class RunLog:
    """A run's recent log entries and the address of the full log."""

    entries: list[LogEntry]
    all_logs_url: str = ""
    result_count: int = 0


@dataclass(frozen=True)
class Account:
    """The account's balance (USD) and traffic (bytes)."""

    balance: float
    traffic: int = 0
    traffic_expiration_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class ProxyRegion:
    """A proxy region: ISO 3166-1 alpha-2 code and name."""

    code: str
    name: str = ""
