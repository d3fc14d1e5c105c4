"""A streaming .xlsx writer that keeps scraped text inert and every row.

Built on XlsxWriter in ``constant_memory`` mode: each row goes to disk as soon
as the next one starts, so memory does not grow with the frame. Cells are
written with the typed methods only (``write_string``, ``write_number``, ...),
never ``write()``, so XlsxWriter's own guessing (strings to formulas, URLs or
numbers) never runs; the Workbook options turning it off are set as well.

Two XlsxWriter behaviours would undo the safety rules and are handled here:

* a string that starts with ``<r>`` and ends with ``</r>`` is taken as
  pre-built rich-text XML and written unescaped, so scraped text could inject
  cells or formulas into the sheet. Such text is written through
  ``write_rich_string`` in plain fragments, which escapes it.
* ``nan_inf_to_errors`` would write NaN/inf as formulas; NaN is written as a
  blank cell instead and infinities as the text ``inf`` / ``-inf``.

Text matching the OOXML escape pattern ``_xHHHH_`` is escaped by XlsxWriter as
the format requires; Excel and LibreOffice show it as written, openpyxl shows
the escaped form ``_x005F_xHHHH_``.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import xlsxwriter

from .cells import EXCEL_MAX_ROWS, XML_ILLEGAL, Tally, clean_excel_text, looks_like_formula
from .columns import Column, chunk

__all__ = ["write_xlsx"]

#: Rows prepared at once: large enough to amortise NumPy calls, small enough to stay cheap.
XLSX_CHUNK_ROWS = 8_192
#: Excel's limits on hyperlinks: count per sheet and URL length.
MAX_LINKS_PER_SHEET = 65_530
MAX_URL_CHARS = 2_079
#: Excel shows 15 significant digits; longer integers (IDs) would lose digits as numbers.
MAX_EXACT_INT = 10**15
#: Column widths in characters: wide enough to read, never a whole screen.
MIN_WIDTH, MAX_WIDTH = 8, 60
_WIDTH_SAMPLE = 500
# Excel's day 0 is 1899-12-30 for every date from 1 March 1900 (the 1900 leap-year bug
# makes earlier serials ambiguous), up to 9999-12-31.
_EPOCH = np.datetime64("1899-12-30", "D")
_FIRST_SERIAL, _END_SERIAL = 61.0, 2_958_466.0
_DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
_DATE_FORMAT = "yyyy-mm-dd"
_INVALID_SHEET_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\"})
MAX_SHEET_NAME = 31


class _Quoted(str):
    """Formula-like text, written as a string cell with Excel's quote prefix."""


class _Formula(str):
    """Formula-like text written as a formula (only with ``escape_formulas=False``)."""


class _Rich(str):
    """Text XlsxWriter would mistake for rich-text XML."""


class _Link(str):
    """An http(s) URL to write as a hyperlink (only with ``hyperlinks=True``)."""


class _DateTime(float):
    """An Excel serial date-time from an object column."""


class _Date(float):
    """An Excel serial date from an object column."""


def _serial(value: dt.datetime | dt.date) -> float | None:
    """The Excel serial for a naive datetime or date, None when Excel cannot show it."""
    if isinstance(value, dt.datetime):
        days = (value - dt.datetime(1899, 12, 30)).total_seconds() / 86_400
    else:
        days = float((value - dt.date(1899, 12, 30)).days)
    return days if _FIRST_SERIAL <= days < _END_SERIAL else None


def _iso(value: np.datetime64) -> str:
    """``YYYY-MM-DD HH:MM:SS``, with a fraction only when there is one (as pandas prints)."""
    try:
        return str(pd.Timestamp(value))
    except (ValueError, OverflowError):  # beyond what a Timestamp holds
        return str(value).replace("T", " ")


class _CellMaker:
    """Turns plain values into the tagged values the sheet writer dispatches on."""

    def __init__(self, tally: Tally, *, escape_formulas: bool, hyperlinks: bool) -> None:
        self.tally = tally
        self.escape_formulas = escape_formulas
        self.hyperlinks = hyperlinks

    def text(self, value: str) -> str:
        """Sanitised text, tagged by how it must be written."""
        text = clean_excel_text(value, self.tally)
        if looks_like_formula(text):
            if self.escape_formulas:
                self.tally.escaped_formulas += 1
                return _Quoted(text)
            return _Formula(text) if text.startswith("=") else text
        if text.startswith("<r>") and text.endswith("</r>"):
            return _Rich(text)
        if (
            self.hyperlinks
            and text.startswith(("http://", "https://"))
            and len(text) <= MAX_URL_CHARS
            and not any(c.isspace() for c in text)
        ):
            return _Link(text)
        return text

    def value(self, value: Any) -> Any:
        """One normalised object-column value as a cell value (None: leave blank)."""
        kind = type(value)
        if kind is str:
            return self.text(value)
        if value is None or kind is bool:
            return value
        if kind is float:
            return str(value) if math.isinf(value) else value
        if kind is int:
            if -MAX_EXACT_INT < value < MAX_EXACT_INT:
                return value
            self.tally.text_numbers += 1
            return str(value)
        if isinstance(value, dt.datetime):
            serial = _serial(value)
            return self.text(value.isoformat(sep=" ")) if serial is None else _DateTime(serial)
        if isinstance(value, dt.date):
            serial = _serial(value)
            return self.text(value.isoformat()) if serial is None else _Date(serial)
        return self.text(str(value))

    def column(self, col: Column, start: int, stop: int, zone: ZoneInfo | None) -> list[Any]:
        """Rows ``start:stop`` of a column as cell values, using NumPy where the dtype allows."""
        data = chunk(col, start, stop, zone)
        if col.kind == "object":
            return [self.value(v) for v in data]
        if col.kind == "bool":
            return data.tolist()
        if col.kind == "int":
            values = data.tolist()
            for i in np.flatnonzero((data >= MAX_EXACT_INT) | (data <= -MAX_EXACT_INT)):
                values[i] = str(values[i])
                self.tally.text_numbers += 1
            return values
        if col.kind == "float":
            values = data.tolist()
            for i in np.flatnonzero(~np.isfinite(data)):
                values[i] = None if values[i] != values[i] else str(values[i])
            return values
        # datetime: serials in one NumPy pass; out-of-range dates become ISO text.
        serials = (data - _EPOCH) / np.timedelta64(1, "D")
        values = serials.tolist()
        bad = ~((serials >= _FIRST_SERIAL) & (serials < _END_SERIAL))
        for i in np.flatnonzero(bad):
            values[i] = None if np.isnat(data[i]) else self.text(_iso(data[i]))
        return values


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def sheet_names(base: str, count: int) -> list[str]:
    r"""``count`` valid, distinct sheet names: ``Results``, ``Results (2)``, ...

    Characters Excel forbids (``[]:*?/\`` and those XML cannot hold) become
    ``_``; the base is shortened so every name, suffix included, fits Excel's
    31 characters (UTF-16 units, as Excel counts).
    """
    base = XML_ILLEGAL.sub("_", base.translate(_INVALID_SHEET_CHARS)).strip().strip("'")
    base = base or "Results"
    if base.lower() == "history":  # reserved by Excel
        base += "_"
    names = []
    for number in range(1, count + 1):
        suffix = "" if number == 1 else f" ({number})"
        head = base
        while _utf16_len(head + suffix) > MAX_SHEET_NAME:
            head = head[:-1]
        names.append(head.rstrip().rstrip("'") + suffix)
    return names


class _Sheet:
    """One worksheet being written row by row, with per-type write handlers."""

    def __init__(self, workbook: Any, name: str, formats: dict[str, Any], tally: Tally) -> None:
        self.ws = workbook.add_worksheet(name)
        self.links = 0
        self.formats = formats
        self.tally = tally
        ws = self.ws
        self.handlers: dict[type, Callable[..., Any]] = {
            str: ws.write_string,
            float: ws.write_number,
            int: ws.write_number,
            bool: ws.write_boolean,
            _Quoted: partial(ws.write_string, cell_format=formats["quoted"]),
            _Formula: ws.write_formula,
            _Rich: self._rich,
            _Link: self._link,
            _DateTime: partial(ws.write_number, cell_format=formats["datetime"]),
            _Date: partial(ws.write_number, cell_format=formats["date"]),
        }
        # Datetime and date columns hold plain floats: the same table with their formats.
        self.datetime_handlers = {**self.handlers, float: self.handlers[_DateTime]}
        self.date_handlers = {**self.handlers, float: self.handlers[_Date]}

    def _rich(self, row: int, col: int, text: str, cell_format: Any = None) -> None:
        # Three plain fragments: XlsxWriter escapes each and wraps them in real runs.
        args = [text[0], text[1], text[2:]]
        if cell_format is not None:
            args.append(cell_format)
        self.ws.write_rich_string(row, col, *args)

    def _link(self, row: int, col: int, url: str) -> None:
        if self.links < MAX_LINKS_PER_SHEET:
            try:
                if self.ws.write_url(row, col, url, self.formats["link"], string=url) == 0:
                    self.links += 1
                    return
            except Exception:  # a URL XlsxWriter cannot parse stays plain text
                pass
        self.handlers[str](row, col, url)
        self.tally.plain_links += 1

    def label(self, row: int, col: int, text: str) -> None:
        """A bold text cell (header or About key), never a formula, link or raw XML."""
        if isinstance(text, _Rich):
            self._rich(row, col, text, self.formats["header"])
        elif isinstance(text, _Quoted):
            self.ws.write_string(row, col, text, self.formats["header_quoted"])
        else:  # formula-like text with escaping off is still only a label here
            self.ws.write_string(row, col, text, self.formats["header"])

    def header(self, headers: list[str], widths: list[int], last_row: int) -> None:
        """Bold frozen header row with an autofilter, and the column widths."""
        ws = self.ws
        for col, width in enumerate(widths):
            ws.set_column(col, col, width)
        for col, text in enumerate(headers):
            self.label(0, col, text)
        ws.freeze_panes(1, 0)
        if headers:
            ws.autofilter(0, 0, last_row, len(headers) - 1)

    def rows(self, first_row: int, columns: list[list[Any]], kinds: list[str]) -> None:
        """Write prepared columns as consecutive rows starting at ``first_row``."""
        by_kind = {"datetime": self.datetime_handlers, "date": self.date_handlers}
        tables = [by_kind.get(k, self.handlers) for k in kinds]
        for offset, values in enumerate(zip(*columns, strict=True)):
            row = first_row + offset
            for col, value in enumerate(values):
                if value is not None:
                    tables[col][type(value)](row, col, value)


def _width(value: Any) -> int:
    """Display width of one prepared cell, for sizing its column."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, _Date):
        return len(_DATE_FORMAT)
    if isinstance(value, float) and not float(value).is_integer():
        return min(len(repr(value)), 16)
    return len(str(value))


def _widths(headers: list[str], first: list[list[Any]], kinds: list[str]) -> list[int]:
    """Column widths from the header and a sample of the first rows, within bounds."""
    widths = []
    for header, values, kind in zip(headers, first, kinds, strict=True):
        sample = [_width(v) for v in values[:_WIDTH_SAMPLE] if v is not None]
        if kind in ("datetime", "date"):
            sample.append(len(_DATETIME_FORMAT if kind == "datetime" else _DATE_FORMAT))
        # +3 leaves room for the autofilter button beside the header.
        widest = max([len(header) + 3, *sample])
        widths.append(max(MIN_WIDTH, min(MAX_WIDTH, widest + 1)))
    return widths


def write_xlsx(
    path: str | os.PathLike[str],
    columns: list[Column],
    n_rows: int,
    *,
    zone: ZoneInfo | None,
    sheet_name: str,
    escape_formulas: bool,
    hyperlinks: bool,
    about: Callable[[Tally, list[str]], Iterable[tuple[str, Any]]] | None,
    about_name: str = "About",
    on_rows: Callable[[int], None] | None = None,
    rows_per_sheet: int = EXCEL_MAX_ROWS - 1,
) -> Tally:
    """Write ``columns`` to an .xlsx at ``path``; rows past a sheet's limit go to further sheets.

    Args:
        path: Where to write (normally the temporary path of an atomic write).
        columns: From :func:`~coreclaw_pandas.writers.columns.plan_columns`.
        n_rows: Number of data rows.
        zone: Target zone for aware datetimes in object columns.
        sheet_name: Base name of the data sheets.
        escape_formulas: Write formula-like text as quote-prefixed strings.
        hyperlinks: Write http(s) URLs as hyperlinks.
        about: Called with the final tally and the data sheet names, returns the
            About sheet's key/value rows; None writes no About sheet.
        about_name: Base name of the About sheet.
        on_rows: Called with the number of rows written after each chunk.
        rows_per_sheet: Data rows per sheet (the header takes one more row).

    Returns:
        What was changed on the way, with the names of any extra sheets.
    """
    tally = Tally()
    maker = _CellMaker(tally, escape_formulas=escape_formulas, hyperlinks=hyperlinks)
    n_sheets = max(1, -(-n_rows // rows_per_sheet))
    names = sheet_names(sheet_name, n_sheets)
    tally.extra_sheets = names[1:]
    options = {
        "constant_memory": True,
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
        # A zip member past 4 GB needs ZIP64; only very large frames get near it.
        "use_zip64": n_rows * max(1, len(columns)) > 20_000_000,
    }
    workbook = xlsxwriter.Workbook(os.fspath(path), options)
    formats = {
        "header": workbook.add_format({"bold": True}),
        "header_quoted": workbook.add_format({"bold": True, "quote_prefix": True}),
        "quoted": workbook.add_format({"quote_prefix": True}),
        "datetime": workbook.add_format({"num_format": _DATETIME_FORMAT}),
        "date": workbook.add_format({"num_format": _DATE_FORMAT}),
        "link": workbook.add_format({"font_color": "blue", "underline": 1}),
    }
    headers = [maker.text(c.header) for c in columns]
    kinds = ["date" if c.date_only else c.kind for c in columns]
    widths: list[int] | None = None
    for number, name in enumerate(names):
        sheet = _Sheet(workbook, name, formats, tally)
        start = number * rows_per_sheet
        stop = min(n_rows, start + rows_per_sheet)
        for first in range(start, max(stop, start + 1), XLSX_CHUNK_ROWS):
            last = min(stop, first + XLSX_CHUNK_ROWS)
            prepared = [maker.column(c, first, last, zone) for c in columns]
            if first == start:
                widths = widths or _widths(headers, prepared, kinds)
                sheet.header(headers, widths, max(0, stop - start))
            sheet.rows(1 + first - start, prepared, kinds)
            if on_rows is not None and last > first:
                on_rows(last - first)
    if about is not None:
        _write_about(workbook, _about_sheet_name(about_name, names), about(tally, names), formats)
    workbook.close()
    return tally


def _about_sheet_name(base: str, taken: list[str]) -> str:
    """``About``, or ``About (2)`` ... when a data sheet already has that name."""
    used = {n.lower() for n in taken}
    # n + 1 distinct candidates for n taken names: one is always free.
    return next(c for c in sheet_names(base, len(taken) + 1) if c.lower() not in used)


def _write_about(workbook: Any, name: str, rows: Iterable[tuple[str, Any]], formats: dict) -> None:
    """Key/value rows, keys bold; values are sanitised like any cell (provenance is data too)."""
    maker = _CellMaker(Tally(), escape_formulas=True, hyperlinks=False)
    sheet = _Sheet(workbook, name, formats, Tally())
    sheet.ws.set_column(0, 0, 24)
    sheet.ws.set_column(1, 1, 80)
    for row, (key, value) in enumerate(rows):
        sheet.label(row, 0, maker.text(key))
        cell = maker.value(value)
        if cell is not None:
            sheet.handlers[type(cell)](row, 1, cell)
