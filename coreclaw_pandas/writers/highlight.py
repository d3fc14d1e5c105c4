"""Highlight cells of a sheet the safe writer made: the changed cells of a diff, say.

The sheet's values are written by :func:`~.export.to_excel` with every safety rule;
this only adds a fill to chosen cells, through openpyxl, and saves the workbook
atomically (the old file stays whole until the new one is complete). openpyxl is
imported inside the function: ``import coreclaw_pandas`` never loads it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from .._atomic import atomic_path

__all__ = ["MAX_HIGHLIGHTS", "highlight_cells"]

#: Cells filled at most: openpyxl styles cell by cell, and a sheet of millions of
#: highlights would take minutes for little use.
MAX_HIGHLIGHTS = 200_000
#: A pale yellow, legible under black text and in print.
_FILL = "FFF2CC"


def highlight_cells(
    path: str | os.PathLike[str],
    sheet: str,
    cells: Iterable[tuple[int, int]],
    *,
    color: str = _FILL,
) -> int:
    """Fill the given data cells of one sheet, saving the workbook atomically.

    Args:
        path: A workbook written by :func:`~.export.to_excel`.
        sheet: The sheet's name.
        cells: ``(row, column)`` of data cells, both 0-based, the header not counted
            (row 0 is the first row under the header).
        color: The fill, as RRGGBB hex.

    Returns:
        How many cells were filled (at most :data:`MAX_HIGHLIGHTS`).

    Raises:
        KeyError: The workbook has no such sheet.
    """
    from openpyxl import load_workbook
    from openpyxl.styles import PatternFill

    target = Path(os.fspath(path)).expanduser()
    book = load_workbook(target)
    try:
        ws = book[sheet]
        fill = PatternFill(fill_type="solid", start_color=color, end_color=color)
        done = 0
        for row, column in cells:
            if done >= MAX_HIGHLIGHTS:
                break
            ws.cell(row=row + 2, column=column + 1).fill = fill
            done += 1
        with atomic_path(target) as tmp:
            book.save(tmp)
    finally:
        book.close()
    return done
