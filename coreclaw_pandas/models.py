"""Typed, version-neutral objects returned by the client.

These know nothing of the wire format: the wire layer
(:mod:`coreclaw_pandas.client.v1` / ``v2``) builds them from replies. Every
object keeps fields it does not know in ``extra`` so nothing the platform sends
is lost when the API drifts. The docs say "Worker" where the wire says
"scraper", so ``Run.scraper_slug`` names the run's Worker.

Two names shared by frames, writers and the accessor live here too:
:data:`ID_COLUMN` and :data:`ATTRS_KEY`, and :func:`html_table`, the compact
table every notebook view (``_repr_html_``) is drawn with.
"""

from __future__ import annotations

import enum
import html
from collections.abc import Iterable, Sequence
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
    "TablePage",
    "Worker",
    "WorkerSummary",
    "html_table",
]

#: The platform's per-row id (docs/platform.md §4.4); not listed in ``headers``.
ID_COLUMN = "__coreclaw_data_id__"
#: ``df.attrs`` key holding where a frame came from.
ATTRS_KEY = "coreclaw"

#: Characters of free text (a README's first line, a log line) a notebook view shows.
VIEW_TEXT_CHARS = 160
#: Log entries a RunLog's notebook view shows (the newest).
VIEW_LOG_ENTRIES = 20


def short_text(value: Any, limit: int = VIEW_TEXT_CHARS) -> str:
    """``value`` as one line of at most ``limit`` characters (cut with an ellipsis)."""
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def html_table(
    rows: Iterable[Sequence[Any]], *, header: Sequence[str] = (), caption: str = ""
) -> str:
    """A compact, escaped HTML table: what the notebook views are drawn with.

    Every value is escaped (scraped text and READMEs may hold markup), and cells stay
    on one line so a view is as short as its rows.

    Example:
        >>> html_table([["rows", 25]], caption="Run <b>")
        '<table ...><caption ...>Run &lt;b&gt;</caption>...'
    """
    cell = 'style="text-align:left;padding:1px 8px;white-space:nowrap"'
    parts = ['<table style="border-collapse:collapse;font-size:90%">']
    if caption:
        parts.append(
            f'<caption style="text-align:left;font-weight:bold">{html.escape(caption)}</caption>'
        )
    if header:
        parts.append("<tr>" + "".join(f"<th {cell}>{html.escape(str(h))}</th>" for h in header))
    for row in rows:
        parts.append("<tr>" + "".join(f"<td {cell}>{html.escape(str(v))}</td>" for v in row))
    return "\n".join(parts) + "</table>"


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


@dataclass(frozen=True, repr=False)
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

    def __repr__(self) -> str:
        worker = self.scraper_title or self.scraper_slug
        return (
            f"Run({self.slug!r}, {self.status.label}, worker={worker!r}, "
            f"results={self.results}, usage={self.usage:g})"
        )

    def _repr_html_(self) -> str:
        facts = [
            ("status", self.status.label),
            ("worker", " · ".join(p for p in (self.scraper_title, self.scraper_slug) if p)),
            ("version", self.version),
            ("results", f"{self.results:,} rows"),
            ("usage", f"{self.usage:g} USD"),
            ("started", self.started_at.isoformat(sep=" ") if self.started_at else ""),
            ("finished", self.finished_at.isoformat(sep=" ") if self.finished_at else ""),
            ("duration", f"{self.duration:g} s" if self.duration else ""),
            ("error", short_text(self.err_msg)),
        ]
        return html_table([f for f in facts if f[1]], caption=f"Run {self.slug}")


@dataclass(frozen=True)
class WorkerSummary:
    """A Worker as listed by a store search."""

    slug: str
    title: str = ""
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, repr=False)
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

    def __repr__(self) -> str:
        # The README is left out: it can be pages long (worker.readme has it).
        fields = ", ".join(self.input_schema.names[:8])
        more = ", ..." if len(self.input_schema) > 8 else ""
        return f"Worker({self.slug!r}, version={self.version!r}, fields=[{fields}{more}])"

    def _repr_html_(self) -> str:
        summary = next((line for line in self.readme.splitlines() if line.strip("# ")), "")
        facts = [("version", self.version), ("about", short_text(summary.strip("# ")))]
        facts += [(name, value) for name, value in self.system.items()]
        overview = html_table([f for f in facts if f[1] != ""], caption=f"Worker {self.slug}")
        return overview + self.input_schema._repr_html_()


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


@dataclass
class TablePage:
    """One page of result rows decoded into columns (a ``pyarrow.Table``), not dicts.

    The bulk reader's counterpart of :class:`ResultPage`; ``models`` stays stdlib-only,
    so the table is typed ``Any``.

    Attributes:
        count: Total rows in the run.
        headers: Column definitions, in the Worker's order.
        table: The rows, one column per key (nested objects as structs).
        ids: Each row's ``__coreclaw_data_id__`` (None where a row has none).
        page_index: 1-based page number asked for.
        page_size: Rows per page asked for.
        batch: The table of the whole decoded batch ``table`` is a slice of, if any.
        offset: Where ``table`` starts in ``batch``.
    """

    count: int
    headers: list[ResultHeader]
    table: Any
    ids: list[Any]
    page_index: int
    page_size: int
    batch: Any = None
    offset: int = 0

    @property
    def row_count(self) -> int:
        """Rows on the page."""
        return len(self.ids)


@dataclass(frozen=True)
class LogEntry:
    """One log line of a run."""

    level: LogLevel
    content: str
    group: str = ""
    timestamp: datetime | None = None


@dataclass(frozen=True, repr=False)
class RunLog:
    """A run's recent log entries and the address of the full log."""

    entries: list[LogEntry]
    all_logs_url: str = ""
    result_count: int = 0

    def __repr__(self) -> str:
        last = f", last={short_text(self.entries[-1].content, 60)!r}" if self.entries else ""
        return f"RunLog({len(self.entries)} entries{last})"

    def _repr_html_(self) -> str:
        shown = self.entries[-VIEW_LOG_ENTRIES:]
        rows = [
            (
                e.timestamp.isoformat(sep=" ", timespec="seconds") if e.timestamp else "",
                e.level.name,
                short_text(e.content),
            )
            for e in shown
        ]
        caption = f"Log: last {len(shown)} of {len(self.entries)} entries"
        return html_table(rows, header=("time", "level", "message"), caption=caption)


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
