"""Add or replace sheets in an existing workbook, the one job XlsxWriter cannot do.

XlsxWriter only writes new files. To keep one report workbook, the new sheets are
first written by :mod:`.xlsx_writer` into a fresh workbook, with every safety rule
(formulas stay text, long cells cut, illegal characters replaced), and then copied
cell by cell, with their formats, into the existing workbook with openpyxl. The
other sheets are loaded and saved back as they were: values, formulas and formats
stay; what openpyxl cannot keep (charts, images, macros) is lost, which
``docs/export.md`` says.

openpyxl is imported inside the functions: ``import coreclaw_pandas`` never loads it.
"""

from __future__ import annotations

import os
from copy import copy
from pathlib import Path
from typing import Any

from .xlsx_writer import sheet_names

__all__ = ["IF_SHEET_EXISTS", "append_sheets", "existing_sheets", "free_sheet_name", "fresh_path"]

#: What ``to_excel(mode="a")`` does when a sheet of that name is already there.
IF_SHEET_EXISTS = ("error", "replace", "new")


def existing_sheets(path: str | os.PathLike[str]) -> list[str]:
    """The sheet names of the workbook at ``path`` (read-only, so cheap for big files)."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return list(book.sheetnames)
    finally:
        book.close()


def free_sheet_name(base: str, taken: list[str]) -> str:
    """``base``, or ``base (2)``, ``base (3)``... : the first name not in ``taken``.

    Excel compares sheet names without case, so this does too.
    """
    used = {name.lower() for name in taken}
    return next(n for n in sheet_names(base, len(taken) + 1) if n.lower() not in used)


def append_sheets(
    target: str | os.PathLike[str], fresh: str | os.PathLike[str], out: str | os.PathLike[str]
) -> list[str]:
    """Save ``target``'s workbook to ``out`` with every sheet of ``fresh`` copied in.

    A sheet of ``fresh`` whose name ``target`` already has replaces it, at the
    same position; the others are added at the end.

    Args:
        target: The existing workbook (only read).
        fresh: A workbook written by :func:`~.xlsx_writer.write_xlsx`.
        out: Where to save the result (the temporary path of an atomic write).

    Returns:
        The names of the sheets copied in.
    """
    import openpyxl

    book = openpyxl.load_workbook(target)
    new = openpyxl.load_workbook(fresh)
    copied = []
    for source in new.worksheets:
        position = None
        for name in book.sheetnames:
            if name.lower() == source.title.lower():
                position = book.sheetnames.index(name)
                book.remove(book[name])
        sheet = book.create_sheet(source.title, position)
        _copy_sheet(source, sheet)
        copied.append(source.title)
    book.active = book.sheetnames.index(copied[0])
    for sheet in book.worksheets:
        # Only the active sheet may be selected, or Excel opens several as a group.
        sheet.sheet_view.tabSelected = sheet.title == copied[0]
    book.save(out)
    new.close()
    return copied


def _copy_sheet(source: Any, sheet: Any) -> None:
    """Values, number formats, fonts, quote prefixes, links, widths, freeze and filter."""
    for row in source.iter_rows():
        for cell in row:
            if cell.value is None:
                continue
            into = sheet.cell(row=cell.row, column=cell.column, value=cell.value)
            if cell.data_type == "s":
                # openpyxl takes any text starting with "=" for a formula: text stays text.
                into.data_type = "s"
            if cell.has_style:
                into.number_format = cell.number_format
                into.font = copy(cell.font)
                # The quote prefix keeps formula-like text inert when a user edits the cell.
                into.quotePrefix = cell.quotePrefix
            if cell.hyperlink is not None and cell.hyperlink.target:
                into.hyperlink = cell.hyperlink.target
    for key, dimension in source.column_dimensions.items():
        if dimension.width:
            sheet.column_dimensions[key].width = dimension.width
    sheet.freeze_panes = source.freeze_panes
    if source.auto_filter.ref:
        sheet.auto_filter.ref = source.auto_filter.ref


def fresh_path(tmp: Path) -> Path:
    """A sibling of the atomic write's temporary file for the freshly written sheets."""
    return tmp.with_name(tmp.name + ".new.xlsx")
