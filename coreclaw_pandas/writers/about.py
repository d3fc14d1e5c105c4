"""The About sheet: where the rows came from and how they were written.

Provenance comes from ``df.attrs["coreclaw"]`` when the frame was made by
:func:`coreclaw_pandas.results_df`; any frame gets the export facts (rows,
columns, sheets, timezone, what was escaped or cut, export time), so a
workbook passed around still says what it holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from .. import _clock
from .cells import EXCEL_MAX_CELL_CHARS, TRUNCATION_MARKER, Tally, to_json_text

__all__ = ["about_rows"]

#: Provenance keys shown first, with the label an analyst reads.
PROVENANCE_LABELS = {
    "worker_title": "Worker",
    "scraper_slug": "Worker slug",
    "run_slug": "Run",
    "version": "Worker version",
    "status": "Run status",
    "fetched_at": "Fetched at",
    "row_count": "Rows in run",
    "usage": "Usage",
    "base_url": "API base URL",
    "api_version": "API version",
}


def _provenance(info: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """Known keys under their labels, then any other keys as they are named."""
    if isinstance(info.get("base_url"), str):
        info = {**info, "base_url": _without_userinfo(info["base_url"])}
    rows = [(label, info[key]) for key, label in PROVENANCE_LABELS.items() if key in info]
    rows += [(str(key), value) for key, value in info.items() if key not in PROVENANCE_LABELS]
    # attrs are JSON-safe but may nest (usage breakdowns): show nested parts as JSON.
    return [(k, to_json_text(v) if isinstance(v, (dict, list)) else v) for k, v in rows]


def _without_userinfo(url: str) -> str:
    # A workbook travels: a user:password@ kept in a frame's attrs must not travel with it.
    scheme, sep, rest = url.partition("://")
    host, slash, path = rest.partition("/")
    return f"{scheme}{sep}{host.rpartition('@')[2]}{slash}{path}" if sep else url


def _timezone_note(tz: str | None, tz_columns: list[str]) -> str:
    """How timezone-aware datetimes were written."""
    where = (
        f"; columns: {', '.join(tz_columns)} (zone named in the header)" if tz_columns else ""
    )
    if tz is None:
        return "timezone-aware datetimes written in their own zone, without offset" + where
    return f"timezone-aware datetimes converted to {tz} and written without offset" + where


def about_rows(
    info: Mapping[str, Any] | None,
    *,
    tally: Tally,
    n_rows: int,
    n_columns: int,
    sheets: list[str],
    tz: str | None,
    tz_columns: list[str],
    escape_formulas: bool,
    now: dt.datetime | None = None,
) -> list[tuple[str, Any]]:
    """Key/value rows for the About sheet.

    Args:
        info: ``df.attrs["coreclaw"]`` or None for a frame without provenance.
        tally: What the export changed.
        n_rows: Data rows written.
        n_columns: Columns written (index levels included).
        sheets: The data sheets' names.
        tz: The export's timezone (None: each column's own).
        tz_columns: Headers of the columns that were timezone-aware.
        escape_formulas: Whether formula-like text was escaped.
        now: The export time (UTC); defaults to the current time.
    """
    rows: list[tuple[str, Any]] = []
    if info:
        rows += _provenance(info)
    else:
        rows.append(("Source", "no CoreClaw provenance on this DataFrame (df.attrs['coreclaw'])"))
    exported = (now or _clock.utc_now()).strftime("%Y-%m-%d %H:%M:%S UTC")
    rows += [
        ("Rows exported", n_rows),
        ("Columns", n_columns),
        ("Data sheets", ", ".join(sheets)),
        ("Datetimes", _timezone_note(tz, tz_columns)),
        (
            "Formula-like text",
            f"written as text, not formulas ({tally.escaped_formulas} cells)"
            if escape_formulas
            else "not escaped (escape_formulas=False): text starting with = is a formula",
        ),
        (
            "Cells cut",
            f"{tally.truncated_cells} (longer than {EXCEL_MAX_CELL_CHARS:,} characters; "
            f"end marked {TRUNCATION_MARKER})",
        ),
        ("Characters replaced", f"{tally.replaced_chars} (not allowed in .xlsx; now U+FFFD)"),
        ("Exported at", exported),
        ("Exported by", "coreclaw-pandas"),
    ]
    if tally.text_numbers:
        rows.append(("Long integers", f"{tally.text_numbers} written as text (over 15 digits)"))
    if tally.plain_links:
        rows.append(("Links", f"{tally.plain_links} left as text (Excel's per-sheet link limit)"))
    return rows
