"""Cell sanitising shared by the Excel and CSV writers.

Scraped text is untrusted. This module turns any cell value into one of a few
plain Python types the writers know (None, bool, int, float, str, naive
datetime, date), and makes text safe:

* nested values (dicts, lists, arrays, sets) become compact JSON, not ``repr``;
* characters XML 1.0 forbids (C0 controls except tab/LF/CR, lone surrogates,
  U+FFFE/U+FFFF) become U+FFFD; openpyxl rejects them and a workbook holding
  them is corrupt;
* text longer than Excel's cell limit is cut, with a visible marker;
* text Excel would run as a formula is recognised (OWASP "CSV injection").

Nothing here raises on odd content: a value that cannot even be turned into
text becomes a short placeholder naming its type.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

__all__ = [
    "EXCEL_MAX_CELL_CHARS",
    "EXCEL_MAX_COLS",
    "EXCEL_MAX_ROWS",
    "FORMULA_TRIGGERS",
    "REPLACEMENT_CHAR",
    "TRUNCATION_MARKER",
    "XML_ILLEGAL",
    "Tally",
    "cap_excel_text",
    "clean_csv_text",
    "clean_excel_text",
    "looks_like_formula",
    "to_cell_value",
    "to_json_text",
]

#: Excel's sheet size, header row included.
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLS = 16_384
#: Excel counts a cell's characters in UTF-16 code units (an emoji counts twice).
EXCEL_MAX_CELL_CHARS = 32_767
#: Appended to a cut cell so a reader sees the text is incomplete.
TRUNCATION_MARKER = "…[truncated]"
#: OWASP's list of first characters that make Excel (or LibreOffice) evaluate a cell.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
#: What a forbidden character becomes: visible, and keeps the text's length and shape.
REPLACEMENT_CHAR = "\ufffd"

#: Characters XML 1.0 forbids; openpyxl's ILLEGAL_CHARACTERS_RE covers the C0 part.
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# A trigger right after a character some spreadsheet may split a CSV line on: `;` (the list
# separator of DE/FR/NL/ES/IT Excel), `,`, TAB, or a line end when a quoted field is misread.
# A lookahead, so that in ";\t=" both the TAB and the "=" get their quote.
_INNER_TRIGGER = re.compile("(?<=[;,\t\r\n])(?=[=+\\-@\t\r])")
# UTF-8 cannot encode lone surrogates at all: the only characters a CSV must lose.
_UNENCODABLE = re.compile("[\ud800-\udfff]")
_NESTED = (dict, list, tuple, set, frozenset, np.ndarray)
# Below this length a string cannot pass the UTF-16 limit, so no need to measure it.
_SAFE_LEN = EXCEL_MAX_CELL_CHARS // 2


@dataclass
class Tally:
    """What the sanitiser changed, for the export's warning and About sheet.

    Attributes:
        truncated_cells: Cells cut to Excel's 32,767-character limit.
        replaced_chars: Forbidden characters replaced with U+FFFD.
        replaced_cells: Cells holding at least one such character.
        escaped_formulas: Formula-like cells written as text.
        text_numbers: Integers too long for Excel's 15 digits, written as text.
        plain_links: Links left as plain text because a sheet's link limit was reached.
        extra_sheets: Names of the sheets added past the row limit.
    """

    truncated_cells: int = 0
    replaced_chars: int = 0
    replaced_cells: int = 0
    escaped_formulas: int = 0
    text_numbers: int = 0
    plain_links: int = 0
    extra_sheets: list[str] = field(default_factory=list)


def looks_like_formula(text: str) -> bool:
    """Whether Excel would treat ``text`` as a formula (or DDE payload) when typed or imported."""
    return text.startswith(FORMULA_TRIGGERS)


def _replace_forbidden(text: str, pattern: re.Pattern[str], tally: Tally) -> str:
    """Replace every match of ``pattern`` with U+FFFD, counting what changed."""
    if pattern.search(text) is None:
        return text
    fixed, n = pattern.subn(REPLACEMENT_CHAR, text)
    tally.replaced_chars += n
    tally.replaced_cells += 1
    return fixed


def cap_excel_text(text: str, tally: Tally) -> str:
    """Cut ``text`` to Excel's cell limit, ending with :data:`TRUNCATION_MARKER`.

    The limit is in UTF-16 code units, as Excel counts, so text full of emoji
    is cut where Excel would reject it, never in the middle of a character.
    """
    if len(text) <= _SAFE_LEN:
        return text
    units = text.encode("utf-16-le", "surrogatepass")
    if len(units) // 2 <= EXCEL_MAX_CELL_CHARS:
        return text
    keep = EXCEL_MAX_CELL_CHARS - len(TRUNCATION_MARKER.encode("utf-16-le")) // 2
    # "ignore" drops half a surrogate pair left dangling at the cut.
    head = units[: 2 * keep].decode("utf-16-le", "ignore")
    tally.truncated_cells += 1
    return head + TRUNCATION_MARKER


def clean_excel_text(text: str, tally: Tally) -> str:
    """Text as an Excel cell can hold it: forbidden characters replaced, length capped."""
    return cap_excel_text(_replace_forbidden(text, XML_ILLEGAL, tally), tally)


def clean_csv_text(text: str, tally: Tally, *, escape_formulas: bool) -> str:
    """Text as a CSV cell: encodable, and inert wherever a spreadsheet splits the line.

    Control characters are legal in a quoted CSV field and are kept; only lone
    surrogates, which no UTF encoding can write, are replaced. With
    ``escape_formulas``, a single quote goes before a formula trigger at the start
    and before one that follows ``;``, ``,``, TAB or a line end inside the text:
    Excel in a locale whose list separator is ``;`` does not honour the quotes of a
    comma-separated file, so ``x;=cmd|...`` would otherwise start a live cell.
    """
    text = _replace_forbidden(text, _UNENCODABLE, tally)
    if not escape_formulas:
        return text
    escaped = _INNER_TRIGGER.sub("'", text)
    if looks_like_formula(escaped):
        escaped = "'" + escaped
    if escaped != text:
        tally.escaped_formulas += 1
    return escaped


def safe_str(value: object) -> str:
    """``str(value)``, or a placeholder naming the type when even that fails."""
    try:
        return str(value)
    except Exception:  # a broken __str__ in scraped objects must not stop an export
        return f"<unprintable {type(value).__name__}>"


def _jsonable(value: Any) -> Any:
    """``value`` with every part a JSON type; NaN and missing values become null."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {safe_str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (set, frozenset)):
        items = [_jsonable(v) for v in value]
        try:
            return sorted(items)  # a stable order makes exports comparable
        except TypeError:
            return items
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.generic):
        return _jsonable(value.item())
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value) if value.is_finite() else None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return safe_str(value)


def to_json_text(value: Any) -> str:
    r"""Compact JSON for a nested value (``{"a":1}``, ``[1,2]``), never Python's ``repr``.

    Non-ASCII text stays readable (no ``\u00e9`` escapes). A structure too deep
    to encode falls back to its ``str``.
    """
    try:
        return json.dumps(
            _jsonable(value), ensure_ascii=False, separators=(",", ":"), allow_nan=False
        )
    except (RecursionError, ValueError, TypeError):
        return safe_str(value)


def _naive(value: dt.datetime, zone: ZoneInfo | None) -> dt.datetime:
    """A datetime without tzinfo: moved to ``zone`` first, or kept at its own wall time."""
    if value.tzinfo is None:
        return value
    if zone is not None:
        value = value.astimezone(zone)
    return value.replace(tzinfo=None)


def to_cell_value(value: Any, zone: ZoneInfo | None) -> Any:
    """Map any cell value onto None, bool, int, float, str, naive datetime or date.

    Args:
        value: One cell, of any type pandas can hold in an object column.
        zone: Timezone-aware datetimes are converted to it and made naive;
            None keeps each value's own wall-clock time.

    Returns:
        A plain value; nested values come back as JSON text, timedeltas and
        other objects as their ``str``. Missing values (None, NaN, NA, NaT) are None.
    """
    kind = type(value)
    if kind is str:
        return value
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if kind is float:
        return None if value != value else value
    if kind is int or kind is bool:
        return value
    if isinstance(value, np.generic):
        if isinstance(value, np.datetime64):
            return None if np.isnat(value) else to_cell_value(pd.Timestamp(value), zone)
        if isinstance(value, np.timedelta64):
            return None if np.isnat(value) else safe_str(pd.Timedelta(value))
        return to_cell_value(value.item(), zone)
    if isinstance(value, _NESTED):
        return to_json_text(value)
    if isinstance(value, dt.datetime):
        try:
            return _naive(value, zone)
        except (OverflowError, ValueError):  # out of range once converted
            return value.isoformat()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, float):  # float subclasses
        return None if math.isnan(value) else float(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, Decimal):
        return float(value) if value.is_finite() else (None if value.is_nan() else str(value))
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, str):
        return str(value)
    return safe_str(value)
