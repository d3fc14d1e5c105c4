"""Excel export at Excel's own limits: a full sheet of rows, a full sheet of links."""

from __future__ import annotations

import re
import warnings
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest

from coreclaw_pandas.writers import ExportWarning, to_excel, xlsx_writer
from coreclaw_pandas.writers.cells import EXCEL_MAX_ROWS


def _export(df, path, **options) -> list[ExportWarning]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        to_excel(df, path, progress=False, **options)
    return [w.message for w in caught if isinstance(w.message, ExportWarning)]


@pytest.mark.slow
def test_exactly_a_sheet_of_data_rows_loses_none(tmp_path):
    # 1,048,576 data rows + the header is one row more than a sheet holds. pandas' own check
    # forgets the header; here the last row must land on a second sheet under a new header.
    n = EXCEL_MAX_ROWS
    df = pd.DataFrame({"n": np.arange(n, dtype=np.int64)})
    path = tmp_path / "full.xlsx"
    (warning,) = _export(df, path, about=False)
    assert warning.extra_sheets == ["Results (2)"]
    assert "1 more sheet(s): Results (2)" in str(warning)

    book = openpyxl.load_workbook(path, read_only=True)
    assert book.sheetnames == ["Results", "Results (2)"]
    first = book["Results"]
    assert first.max_row == EXCEL_MAX_ROWS  # header + 1,048,575 rows: the sheet is full
    rows = first.iter_rows(values_only=True)
    assert next(rows) == ("n",)
    values = np.fromiter((r[0] for r in rows), dtype=np.int64, count=n - 1)
    assert np.array_equal(values, np.arange(n - 1))
    assert list(book["Results (2)"].iter_rows(values_only=True)) == [("n",), (n - 1,)]
    book.close()


@pytest.mark.slow
def test_links_past_excels_per_sheet_limit_stay_text(tmp_path):
    n = xlsx_writer.MAX_LINKS_PER_SHEET + 2
    urls = [f"https://example.invalid/{i}" for i in range(n)]
    path = tmp_path / "links.xlsx"
    (warning,) = _export(pd.DataFrame({"url": urls}), path, hyperlinks=True)
    assert warning.plain_links == 2 and "2 URL(s)" in str(warning)
    # openpyxl reads hyperlinks in quadratic time, so count them in the sheet's XML instead.
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    refs = re.findall(r'<hyperlink ref="([A-Z]+[0-9]+)"', xml)
    assert len(refs) == xlsx_writer.MAX_LINKS_PER_SHEET
    assert refs[0] == "A2" and refs[-1] == f"A{xlsx_writer.MAX_LINKS_PER_SHEET + 1}"
    book = openpyxl.load_workbook(path, read_only=True)
    values = [r[0] for r in book["Results"].iter_rows(values_only=True)]
    book.close()
    assert values == ["url", *urls]
