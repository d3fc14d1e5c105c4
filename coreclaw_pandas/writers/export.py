"""Safe Excel and CSV export of any DataFrame, scraped text included.

Scraped text is untrusted input. These writers keep every row (continuing on
further sheets past Excel's row limit), never write a formula the data did
not ask for (OWASP CSV injection), never fail on odd characters, and say in a
warning what they had to change. Both write atomically: the target is either
the previous file or the complete new one.

Example:
    >>> from coreclaw_pandas.writers import to_excel, to_csv
    >>> to_excel(df, "results.xlsx")          # or df.coreclaw.to_excel("results.xlsx")
    PosixPath('results.xlsx')
    >>> to_csv(df, "results.csv", encoding="utf-8-sig")   # Excel on Windows
    PosixPath('results.csv')

The rules, their defaults and options are described in ``docs/export.md``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from .._atomic import atomic_path
from .._warnings import warn
from ..exceptions import CoreClawError
from ..models import ATTRS_KEY
from ..progress import CountBar
from .about import about_rows
from .cells import EXCEL_MAX_CELL_CHARS, EXCEL_MAX_COLS, TRUNCATION_MARKER, Tally
from .columns import Column, plan_columns, resolve_zone
from .csv_writer import check_encoding, write_csv

__all__ = ["ExportError", "ExportWarning", "to_csv", "to_excel"]

#: Frames longer than this get a progress bar by default (shorter ones finish in seconds).
PROGRESS_MIN_ROWS = 50_000


class ExportError(CoreClawError, ValueError):
    """The export cannot be done as asked (bad option, or too many columns for Excel).

    Raised before anything is written; odd cell content never raises.
    """


class ExportWarning(UserWarning):
    """An export had to change data to write it; the message says what and how much.

    Attributes:
        path: The file written.
        truncated_cells: Cells cut to Excel's 32,767-character limit.
        replaced_chars: Characters replaced with U+FFFD (not allowed in the format).
        replaced_cells: Cells holding such characters.
        extra_sheets: Sheets added past Excel's row limit.
        plain_links: URLs left as text past Excel's hyperlink limit.
    """

    def __init__(self, message: str, *, path: Path, tally: Tally) -> None:
        super().__init__(message)
        self.path = path
        self.truncated_cells = tally.truncated_cells
        self.replaced_chars = tally.replaced_chars
        self.replaced_cells = tally.replaced_cells
        self.extra_sheets = list(tally.extra_sheets)
        self.plain_links = tally.plain_links


def _summary(tally: Tally) -> list[str]:
    """One phrase per kind of change, empty when nothing was changed."""
    parts = []
    if tally.truncated_cells:
        parts.append(
            f"{tally.truncated_cells} cell(s) longer than {EXCEL_MAX_CELL_CHARS:,} characters "
            f"were cut (the kept text ends with {TRUNCATION_MARKER!r})"
        )
    if tally.replaced_chars:
        parts.append(
            f"{tally.replaced_chars} character(s) the format cannot hold were replaced with "
            f"U+FFFD in {tally.replaced_cells} cell(s)"
        )
    if tally.extra_sheets:
        parts.append(
            f"rows past Excel's limit of 1,048,576 per sheet continue on "
            f"{len(tally.extra_sheets)} more sheet(s): {', '.join(tally.extra_sheets)}"
        )
    if tally.plain_links:
        parts.append(
            f"{tally.plain_links} URL(s) were left as plain text (Excel allows 65,530 "
            "hyperlinks per sheet)"
        )
    return parts


def _warn(tally: Tally, path: Path) -> None:
    parts = _summary(tally)
    if parts:
        message = f"Exported {path.name}, but " + "; ".join(parts) + "."
        warn(ExportWarning(message, path=path, tally=tally))


def _zone(tz: str | None) -> Any:
    try:
        return resolve_zone(tz)
    except ValueError as exc:
        raise ExportError(str(exc)) from exc


def _progress(progress: bool | None, n_rows: int) -> bool | None:
    """``None`` shows a bar only for large frames, and then only where tqdm can draw one."""
    if progress is None and n_rows <= PROGRESS_MIN_ROWS:
        return False
    return progress


def _tz_columns(columns: list[Column]) -> list[str]:
    return [c.header for c in columns if c.tz_label is not None]


def to_excel(
    df: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    sheet_name: str = "Results",
    escape_formulas: bool = True,
    hyperlinks: bool = False,
    tz: str | None = "UTC",
    about: bool = True,
    progress: bool | None = None,
    index: bool = False,
    mode: str = "w",
    if_sheet_exists: str = "error",
) -> Path:
    """Write a DataFrame to a safe .xlsx file, streaming, and atomically.

    Rows past Excel's 1,048,576 (header included) continue on ``Results (2)``,
    ``Results (3)``, ... with the header repeated. Text over 32,767 characters
    is cut with a visible marker; characters .xlsx cannot hold become U+FFFD;
    dicts and lists become compact JSON; integers over 15 digits become text;
    numbers stay numbers and datetimes become Excel dates. The header is bold,
    frozen and filterable. An ``ExportWarning`` says what was changed.

    Args:
        df: Any DataFrame; it is only read.
        path: The .xlsx file to write (replaced atomically if it exists).
        sheet_name: Name of the data sheet (invalid characters become ``_``).
        escape_formulas: Write text starting with ``= + - @``, tab or CR as
            text cells (quote-prefixed, so editing it does not run it either).
            False writes text starting with ``=`` as a live formula: only for
            data you trust.
        hyperlinks: Make http(s) URLs clickable links (default: plain text).
        tz: Timezone-aware datetimes are converted to this zone and written
            without offset, the zone named in their header; None keeps each
            column's own zone.
        about: Add an ``About`` sheet with the provenance in
            ``df.attrs["coreclaw"]`` (Worker, run, version, fetched at, rows)
            when present, and the export's own facts (rows, timezone, changes)
            in any case.
        progress: True always shows a bar, False never; None shows one for
            more than 50,000 rows when output is a terminal or notebook.
        index: Also write the index as the first column(s).
        mode: ``"w"`` writes a new workbook; ``"a"`` adds the sheet to the
            workbook at ``path`` (created if missing), keeping its other sheets.
            The same rules apply to the new sheet; its About sheet is
            ``About <sheet_name>``.
        if_sheet_exists: With ``mode="a"``, when ``sheet_name`` is taken:
            ``"error"`` (default) raises, ``"replace"`` replaces that sheet in
            place, ``"new"`` adds ``<sheet_name> (2)`` (or the next free number).

    Returns:
        The path written.

    Raises:
        ExportError: ``tz`` is not a timezone, the frame has more than
            16,384 columns (Excel's limit): select columns or use :func:`to_csv`;
            a bad ``mode`` / ``if_sheet_exists``, or ``sheet_name`` exists
            with ``if_sheet_exists="error"``.
        OSError: The file cannot be written (folder missing, permission, disk full);
            any previous file at ``path`` is untouched.

    Example:
        >>> to_excel(df, "results.xlsx", tz="Europe/Paris", hyperlinks=True)
        PosixPath('results.xlsx')
    """
    zone = _zone(tz)
    target = Path(os.fspath(path)).expanduser()
    appending = _append_mode(target, mode, if_sheet_exists)
    about_name = "About"
    if appending:
        from .xlsx_append import existing_sheets

        taken = existing_sheets(target)
        sheet_name = _sheet_for_append(sheet_name, taken, if_sheet_exists, target)
        about_name = f"About {sheet_name}"
    columns = plan_columns(df, index=index, tz=tz)
    if len(columns) > EXCEL_MAX_COLS:
        raise ExportError(
            f"The frame has {len(columns):,} columns; an Excel sheet holds at most "
            f"{EXCEL_MAX_COLS:,}. Select the columns you need, or use to_csv()."
        )
    n_rows = len(df)
    info = df.attrs.get(ATTRS_KEY) if isinstance(df.attrs.get(ATTRS_KEY), dict) else None

    def about_sheet(tally: Tally, sheets: list[str]) -> list[tuple[str, Any]]:
        return about_rows(
            info,
            tally=tally,
            n_rows=n_rows,
            n_columns=len(columns),
            sheets=sheets,
            tz=tz,
            tz_columns=_tz_columns(columns),
            escape_formulas=escape_formulas,
        )

    def write(tmp: Path, on_rows: Callable[[int], None]) -> Tally:
        # XlsxWriter loads only when a workbook is written: it is not import-time cost.
        from .xlsx_writer import write_xlsx

        options = dict(
            zone=zone,
            sheet_name=sheet_name,
            escape_formulas=escape_formulas,
            hyperlinks=hyperlinks,
            about=about_sheet if about else None,
            about_name=about_name,
            on_rows=on_rows,
        )
        if not appending:
            return write_xlsx(tmp, columns, n_rows, **options)
        from .xlsx_append import append_sheets, fresh_path

        fresh = fresh_path(tmp)
        try:
            tally = write_xlsx(fresh, columns, n_rows, **options)
            append_sheets(target, fresh, tmp)
        finally:
            fresh.unlink(missing_ok=True)
        return tally

    return _write(target, n_rows, progress, write)


def _append_mode(target: Path, mode: str, if_sheet_exists: str) -> bool:
    """True when the sheet goes into an existing workbook; checks both options."""
    from .xlsx_append import IF_SHEET_EXISTS

    if mode not in ("w", "a"):
        raise ExportError(f"mode must be 'w' (a new workbook) or 'a' (add a sheet), got {mode!r}")
    if if_sheet_exists not in IF_SHEET_EXISTS:
        raise ExportError(
            f"if_sheet_exists must be one of {', '.join(map(repr, IF_SHEET_EXISTS))}, "
            f"got {if_sheet_exists!r}"
        )
    return mode == "a" and target.exists()


def _sheet_for_append(sheet_name: str, taken: list[str], if_exists: str, target: Path) -> str:
    """The data sheet's name in the existing workbook, by the ``if_sheet_exists`` rule."""
    from .xlsx_append import free_sheet_name
    from .xlsx_writer import sheet_names

    name = sheet_names(sheet_name, 1)[0]
    if name.lower() not in {t.lower() for t in taken}:
        return name
    if if_exists == "error":
        raise ExportError(
            f"{target.name} already has a sheet {name!r}; nothing was written. Pass "
            "if_sheet_exists='replace' to replace it, 'new' to add another, or another "
            "sheet_name."
        )
    return name if if_exists == "replace" else free_sheet_name(name, taken)


def to_csv(
    df: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    encoding: str = "utf-8",
    escape_formulas: bool = True,
    tz: str | None = "UTC",
    progress: bool | None = None,
    index: bool = False,
) -> Path:
    """Write a DataFrame to a safe CSV file, streaming, and atomically.

    Nested values become compact JSON, missing values empty fields, datetimes
    ``YYYY-MM-DD HH:MM:SS`` (aware ones converted to ``tz``, the zone named in
    the header). Text that a spreadsheet would run as a formula gets a leading
    single quote. Lone surrogates (unencodable) become U+FFFD; other text is
    kept as is, whatever its length.

    Args:
        df: Any DataFrame; it is only read.
        path: The .csv file to write (replaced atomically if it exists).
        encoding: ``"utf-8"`` (default), or ``"utf-8-sig"`` so Excel on Windows
            detects UTF-8; any codec that can hold all of Unicode is accepted.
        escape_formulas: Prefix text starting with ``= + - @``, tab or CR with
            ``'``; False writes it unchanged.
        tz: Zone for timezone-aware datetimes; None keeps each column's own.
        progress: True always shows a bar, False never; None shows one for
            more than 50,000 rows when output is a terminal or notebook.
        index: Also write the index as the first column(s).

    Returns:
        The path written.

    Raises:
        ExportError: ``tz`` is not a timezone, or ``encoding`` cannot hold
            every character (``latin-1``, ``cp1252``, ...).
        OSError: The file cannot be written; any previous file is untouched.

    Example:
        >>> to_csv(df, "results.csv", encoding="utf-8-sig")
        PosixPath('results.csv')
    """
    zone = _zone(tz)
    try:
        check_encoding(encoding)
    except ValueError as exc:
        raise ExportError(str(exc)) from exc
    columns = plan_columns(df, index=index, tz=tz)
    n_rows = len(df)

    def write(tmp: Path, on_rows: Callable[[int], None]) -> Tally:
        return write_csv(
            tmp,
            columns,
            n_rows,
            zone=zone,
            encoding=encoding,
            escape_formulas=escape_formulas,
            on_rows=on_rows,
        )

    return _write(path, n_rows, progress, write)


def _write(
    path: str | os.PathLike[str],
    n_rows: int,
    progress: bool | None,
    write: Callable[[Path, Callable[[int], None]], Tally],
) -> Path:
    """Run one format's ``write(tmp, on_rows)`` under a progress bar and an atomic path.

    The target is replaced only when ``write`` returns; the warning about what
    the export changed is raised after the file is in place.
    """
    target = Path(os.fspath(path)).expanduser()
    bar = CountBar(f"Writing {target.name}", total=n_rows, progress=_progress(progress, n_rows))
    with bar, atomic_path(target) as tmp:
        tally = write(tmp, bar.advance)
    _warn(tally, target)
    return target
