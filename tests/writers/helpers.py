"""Helpers for the writers tests: read the written files back, collect export warnings."""

from __future__ import annotations

import csv
import re
import warnings
from pathlib import Path

import openpyxl
import pandas as pd

from coreclaw_pandas.writers import ExportWarning, to_csv, to_excel

MARKER = "…[truncated]"
INJECTIONS = ["=1+1", "=HYPERLINK(\"http://x.invalid\",\"y\")", "+1", "-2+3", "@SUM(A1)",
              "\t=1", "\r=1", "=cmd|' /C calc'!A0"]


def unescape(value):
    """Undo OOXML's ``_xHHHH_`` escaping, as Excel does on reading (openpyxl does not)."""
    if not isinstance(value, str):
        return value
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), value)


def read_sheet(path: Path, name: str = "Results"):
    return openpyxl.load_workbook(path)[name]


def read_rows(path: Path, name: str = "Results") -> list[list]:
    return [list(r) for r in read_sheet(path, name).iter_rows(values_only=True)]


def read_csv_rows(path: Path, encoding: str = "utf-8") -> list[list[str]]:
    with open(path, encoding=encoding, newline="") as f:
        return list(csv.reader(f))


def export_warnings(df: pd.DataFrame, path: Path, **options) -> list[ExportWarning]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        writer = to_csv if path.suffix == ".csv" else to_excel
        assert writer(df, path, **options) == path
    return [w.message for w in caught if isinstance(w.message, ExportWarning)]


def read_about(path: Path) -> dict:
    return {k: v for k, v in read_rows(path, "About")}

