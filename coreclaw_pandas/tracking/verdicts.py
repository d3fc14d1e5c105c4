"""Is a run's data real? A verdict with its evidence.

A run's status says whether the Worker finished, not whether its rows are data:
a scraper stopped by a CAPTCHA on every page usually *succeeds*, with one row
per block page. ``verify(run)`` reads the run, its rows and its log, and says
which of five things happened:

* ``PASS``: succeeded, with rows that are data;
* ``NO_DATA``: succeeded with zero rows;
* ``ERROR_RECORDS``: succeeded, but more of its rows than allowed are error
  records (CAPTCHA, 403, 429 pages; see :mod:`coreclaw_pandas.frames.error_rows`);
* ``FAILED``: failed, aborted or timed out, with the platform's reason;
* ``RUNNING``: not finished yet; nothing can be said about its rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import pandas as pd

from .. import api, frames
from ..client import Client
from ..models import RunStatus, html_table

__all__ = ["Verdict", "VerdictStatus", "verify"]

# A log line worth showing beside a verdict: a warning or error, or one naming a block.
_TELLING = re.compile(
    r"captcha|blocked|denied|forbidden|\b(?:403|429|503)\b|too many requests|rate.?limit|"
    r"error|fail|timed? ?out", re.IGNORECASE
)


class VerdictStatus(StrEnum):
    """The five verdicts."""

    PASS = "PASS"
    NO_DATA = "NO_DATA"
    ERROR_RECORDS = "ERROR_RECORDS"
    FAILED = "FAILED"
    RUNNING = "RUNNING"


@dataclass
class Verdict:
    """What :func:`verify` concluded about a run, and why.

    Attributes:
        status: The verdict.
        run_slug: The run.
        reason: One sentence saying why.
        counts: ``rows``, ``error_rows``, ``data_rows`` (and the run's ``results``).
        sample: Up to ``sample`` error rows (or, for FAILED, the last rows written).
        log_lines: The run's log lines that bear on the verdict (warnings, errors, blocks).
    """

    status: VerdictStatus
    run_slug: str
    reason: str
    counts: dict[str, int] = field(default_factory=dict)
    sample: pd.DataFrame = field(default_factory=pd.DataFrame)
    log_lines: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True for PASS only."""
        return self.status is VerdictStatus.PASS

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        return f"{self.status.value}: {self.reason}"

    def _repr_html_(self) -> str:
        rows: list[tuple[str, Any]] = [("verdict", self.status.value), ("reason", self.reason)]
        rows += [(name, f"{n:,}") for name, n in self.counts.items()]
        rows += [("log", line) for line in self.log_lines[:5]]
        return html_table(rows, caption=f"Run {self.run_slug}")


def verify(
    run: Any, *, max_error_share: float = 0.0, sample: int = 5, client: Client | None = None
) -> Verdict:
    """Judge whether a run's rows are real data, with the evidence.

    Args:
        run: A Run or run_slug.
        max_error_share: The share of error records (0..1) a run may have and
            still PASS; by default any error record makes it ERROR_RECORDS.
        sample: How many example rows to keep as evidence.
        client: The client to use instead of the default.

    Returns:
        A :class:`Verdict`; ``bool(verdict)`` is True for PASS only.

    Example:
        >>> v = cc.verify(run)
        >>> v.status, v.counts, v.log_lines
    """
    c = api.resolve_client(client)
    slug = api.run_slug_of(run)
    current = c.run(slug)
    counts = {"results": current.results}
    if not current.is_terminal:
        return Verdict(VerdictStatus.RUNNING, slug,
                       f"the run is still {current.status.label}; verify again once it ends",
                       counts, log_lines=_log_lines(c, slug))
    lines = _log_lines(c, slug)
    if current.status is not RunStatus.SUCCEEDED:
        reason = current.err_msg or f"the run ended {current.status.label} without a reason"
        rows = api.results_df(slug, client=c, progress=False, max_rows=None)
        return Verdict(VerdictStatus.FAILED, slug, f"the run {current.status.label}: {reason}",
                       {**counts, "rows": len(rows)}, rows.tail(sample), lines)
    rows = api.results_df(slug, client=c, progress=False)
    if rows.empty:
        return Verdict(VerdictStatus.NO_DATA, slug, "the run succeeded with zero rows",
                       {**counts, "rows": 0, "error_rows": 0, "data_rows": 0}, log_lines=lines)
    mask = frames.error_row_mask(rows)
    errors = int(mask.sum())
    counts.update(rows=len(rows), error_rows=errors, data_rows=len(rows) - errors)
    share = errors / len(rows)
    if errors and share > max_error_share:
        return Verdict(
            VerdictStatus.ERROR_RECORDS, slug,
            f"{errors:,} of {len(rows):,} rows ({share:.0%}) are error records (CAPTCHA, "
            "blocked or HTTP 4xx/5xx pages), not data",
            counts, rows.loc[mask.to_numpy()].head(sample), lines,
        )
    return Verdict(VerdictStatus.PASS, slug, f"{len(rows) - errors:,} rows of data",
                   counts, rows.loc[mask.to_numpy()].head(sample), lines)


def _log_lines(c: Client, slug: str) -> list[str]:
    entries = c.log(slug).entries
    return [
        entry.content for entry in entries
        if getattr(entry, "level", 0) >= 3 or _TELLING.search(entry.content or "")
    ]
