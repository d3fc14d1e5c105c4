"""A streaming CSV writer with the same cell rules as the Excel one.

Rows are prepared a chunk at a time from column arrays and handed to the
:mod:`csv` module (every text field quoted, CRLF line ends), so memory stays bounded.
Nested values become compact JSON; formula-like text gets a leading single
quote (OWASP's advice for CSV opened in a spreadsheet), and so does a formula
trigger after ``;``, ``,`` or TAB inside a field; datetimes are written
as ``YYYY-MM-DD HH:MM:SS[.ffffff]`` with aware ones converted first; missing
values are empty fields.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import os
from collections.abc import Callable
from typing import Any, Literal, cast
from zoneinfo import ZoneInfo

import numpy as np

from .cells import Tally, clean_csv_text
from .columns import Column, chunk

__all__ = ["check_encoding", "write_csv"]

#: Rows prepared at once: bounded memory, few Python-level calls per row.
CSV_CHUNK_ROWS = 16_384
# Any character scraped text may hold, once lone surrogates are replaced.
_PROBE = "aé€\U0001f600\U0010ffff"
# The resolutions pandas keeps datetimes in.
_Unit = Literal["s", "ms", "us", "ns"]


def check_encoding(encoding: str) -> str:
    """Return ``encoding`` if it can write every Unicode character, else raise.

    Raises:
        ValueError: The codec is unknown or cannot encode all of Unicode
            (``latin-1``, ``cp1252``, ...): scraped text would fail half-way.
    """
    try:
        codecs.lookup(encoding)
        _PROBE.encode(encoding)
    except (LookupError, UnicodeError) as exc:
        raise ValueError(
            f"encoding={encoding!r} cannot hold every character scraped text may contain; "
            "use 'utf-8', or 'utf-8-sig' for Excel on Windows"
        ) from exc
    return encoding


class _CsvCells:
    """Turns plain values into CSV field text."""

    def __init__(self, tally: Tally, *, escape_formulas: bool) -> None:
        self.tally = tally
        self.escape_formulas = escape_formulas
        self._units: dict[int, _Unit] = {}

    def _unit(self, col: Column) -> _Unit:
        """Print unit for a datetime column: seconds when it has no fractions, like pandas.

        Decided once per column (one vectorised pass over its integer view), so
        every row of the file has the same precision.
        """
        if id(col) not in self._units:
            if col.tz_label is not None:  # a tz-aware DatetimeArray: UTC ticks
                unit, ticks = col.data.unit, col.data.asi8
            else:
                unit, ticks = np.datetime_data(col.data.dtype)[0], col.data.view("i8")
            per_second = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}.get(unit, 1)
            nat = np.iinfo(np.int64).min
            whole = bool(np.all((ticks % per_second == 0) | (ticks == nat)))
            self._units[id(col)] = "s" if whole else cast(_Unit, unit)
        return self._units[id(col)]

    def text(self, value: str) -> str:
        return clean_csv_text(value, self.tally, escape_formulas=self.escape_formulas)

    def value(self, value: Any) -> Any:
        """One normalised object-column value as a field (None: empty)."""
        kind = type(value)
        if kind is str:
            return self.text(value)
        if value is None or kind in (bool, int, float):
            return value  # the csv module writes numbers with repr: exact round trip
        if isinstance(value, dt.datetime):
            return value.isoformat(sep=" ")
        if isinstance(value, dt.date):
            return value.isoformat()
        return self.text(str(value))

    def column(self, col: Column, start: int, stop: int, zone: ZoneInfo | None) -> list[Any]:
        """Rows ``start:stop`` of a column as fields, using NumPy where the dtype allows."""
        data = chunk(col, start, stop, zone)
        if col.kind == "object":
            return [self.value(v) for v in data]
        if col.kind == "datetime":
            text = np.datetime_as_string(data, unit=self._unit(col))
            return [None if s == "NaT" else s.replace("T", " ") for s in text.tolist()]
        values = data.tolist()
        if col.kind == "float":
            for i in np.flatnonzero(np.isnan(data)):
                values[i] = None
        return values


def write_csv(
    path: str | os.PathLike[str],
    columns: list[Column],
    n_rows: int,
    *,
    zone: ZoneInfo | None,
    encoding: str,
    escape_formulas: bool,
    on_rows: Callable[[int], None] | None = None,
) -> Tally:
    """Write ``columns`` as CSV to ``path``.

    Args:
        path: Where to write (normally the temporary path of an atomic write).
        columns: From :func:`~coreclaw_pandas.writers.columns.plan_columns`.
        n_rows: Number of data rows.
        zone: Target zone for aware datetimes in object columns.
        encoding: A codec accepted by :func:`check_encoding`.
        escape_formulas: Prefix formula-like text with a single quote.
        on_rows: Called with the number of rows written after each chunk.

    Returns:
        What was changed on the way.
    """
    tally = Tally()
    cells = _CsvCells(tally, escape_formulas=escape_formulas)
    with open(path, "w", encoding=encoding, newline="") as handle:
        # Every text field quoted (numbers and missing values are not text): a
        # spreadsheet then never splits a field whatever its list separator.
        writer = csv.writer(handle, quoting=csv.QUOTE_NONNUMERIC)
        writer.writerow([cells.text(c.header) for c in columns])
        for first in range(0, n_rows, CSV_CHUNK_ROWS):
            last = min(n_rows, first + CSV_CHUNK_ROWS)
            prepared = [cells.column(c, first, last, zone) for c in columns]
            writer.writerows(zip(*prepared, strict=True))
            if on_rows is not None:
                on_rows(last - first)
    return tally
