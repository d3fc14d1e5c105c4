"""``to_excel(mode="a")``: a sheet added to or replaced in an existing workbook (issue 16).

The other sheets are read back unchanged; the new sheet follows every safety rule.
"""

from __future__ import annotations

import warnings

import openpyxl
import pandas as pd
import pytest

from coreclaw_pandas.writers import ExportError, ExportWarning, to_excel

from .helpers import MARKER, read_rows


@pytest.fixture
def report(out_dir):
    """A report workbook an analyst made by hand: a formula, a format, a second sheet."""
    path = out_dir / "report.xlsx"
    book = openpyxl.Workbook()
    summary = book.active
    summary.title = "Summary"
    summary.append(["total", 3])
    summary["C1"] = "=B1*2"
    summary["B1"].number_format = "0.00"
    notes = book.create_sheet("Notes")
    notes.append(["keep me"])
    book.save(path)
    return path


@pytest.fixture(autouse=True)
def _cut_cells_warn():
    """frame() has a cell over Excel's limit on purpose: its warning is expected."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExportWarning)
        yield


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {"title": ["=1+1", "x" * 40_000, "ok"], "price": [1.5, None, 3.0]}
    )


def test_a_sheet_is_added_and_the_others_stay(report) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert to_excel(frame(), report, sheet_name="Run 1", mode="a") == report
    book = openpyxl.load_workbook(report)
    assert book.sheetnames == ["Summary", "Notes", "Run 1", "About Run 1"]
    assert book["Summary"]["C1"].value == "=B1*2"  # their formula stays a formula
    assert book["Summary"]["B1"].number_format == "0.00"
    assert [c.value for c in book["Notes"]["A"]] == ["keep me"]
    rows = read_rows(report, "Run 1")
    assert rows[0] == ["title", "price"]
    cell = book["Run 1"]["A2"]
    assert cell.value == "=1+1" and cell.data_type == "s" and cell.quotePrefix  # text, inert
    assert rows[2][0].endswith(MARKER) and len(rows[2][0]) == 32_767
    assert any(isinstance(w.message, ExportWarning) for w in caught)
    assert book["Run 1"].freeze_panes == "A2"


def test_replace_keeps_the_sheet_in_place(report) -> None:
    to_excel(frame(), report, sheet_name="Notes", mode="a", if_sheet_exists="replace")
    book = openpyxl.load_workbook(report)
    assert book.sheetnames[:2] == ["Summary", "Notes"]
    assert book["Notes"]["A1"].value == "title"
    assert book["Summary"]["C1"].value == "=B1*2"


def test_new_adds_a_numbered_sheet(report) -> None:
    to_excel(frame(), report, sheet_name="notes", mode="a", if_sheet_exists="new", about=False)
    assert openpyxl.load_workbook(report).sheetnames == ["Summary", "Notes", "notes (2)"]


def test_error_is_the_default_and_writes_nothing(report) -> None:
    before = report.read_bytes()
    with pytest.raises(ExportError, match="already has a sheet 'Notes'.*if_sheet_exists"):
        to_excel(frame(), report, sheet_name="Notes", mode="a")
    assert report.read_bytes() == before
    with pytest.raises(ExportError, match="if_sheet_exists must be one of"):
        to_excel(frame(), report, mode="a", if_sheet_exists="overlay")
    with pytest.raises(ExportError, match="mode must be"):
        to_excel(frame(), report, mode="x")
    assert sorted(p.name for p in report.parent.iterdir()) == ["report.xlsx"]  # no leftovers


def test_a_missing_workbook_is_created(out_dir) -> None:
    path = to_excel(frame(), out_dir / "new.xlsx", mode="a")
    assert openpyxl.load_workbook(path).sheetnames == ["Results", "About"]


def test_date_only_columns_have_a_date_format(out_dir) -> None:
    df = pd.DataFrame(
        {
            "listed_on": pd.to_datetime(["2026-12-01", None, "2027-01-31"]),
            "updated_at": pd.to_datetime(["2026-12-01 10:30", "2026-12-01 00:00", None]),
            "empty": pd.Series([None, None, None], dtype="datetime64[ns]"),
        }
    )
    path = to_excel(df, out_dir / "dates.xlsx")
    sheet = openpyxl.load_workbook(path)["Results"]
    assert sheet["A2"].number_format == "yyyy-mm-dd"
    assert sheet["A4"].number_format == "yyyy-mm-dd"
    assert sheet["B2"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert sheet["B3"].number_format == "yyyy-mm-dd hh:mm:ss"
