"""The .xlsx writer: XlsxWriter's own guessing kept off, layout, the About sheet, row spill."""

from __future__ import annotations

import re

import numpy as np
import openpyxl
import pandas as pd
import pytest

from coreclaw_pandas.writers import (
    ExportError,
    to_excel,
    xlsx_writer,
)
from coreclaw_pandas.writers.columns import plan_columns

from .helpers import (
    export_warnings,
    read_about,
    read_sheet,
    unescape,
)

# --- XlsxWriter's own cell handling must not undo the rules ---------------------------------


def test_text_shaped_like_rich_text_xml_is_written_verbatim(tmp_path):
    # XlsxWriter writes strings like these as raw XML: a cell could inject a formula cell.
    attack = '<r></r></is></c><c r="C2"><f>1+1</f></c><c r="D2" t="inlineStr"><is><r></r>'
    values = ["<r><t>hi</t></r>", "<r>x</r>", attack, "<b>bold</b> & <r>"]
    path = tmp_path / "out.xlsx"
    export_warnings(pd.DataFrame({"html": values}), path)
    ws = read_sheet(path)
    assert [c.value for c in ws["A"][1:]] == values
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    assert pd.read_excel(path)["html"].tolist() == values


def test_xml_escape_lookalikes_follow_the_ooxml_escaping(tmp_path):
    # Excel reads _xHHHH_ as an escaped character, so literal text must escape its "_".
    # openpyxl does not unescape, so undo the spec's escaping here to compare.
    values = ["_x0041_", "a_x005F_b", "_x00"]
    path = tmp_path / "out.xlsx"
    export_warnings(pd.DataFrame({"v": values}), path)
    read = [c.value for c in read_sheet(path)["A"][1:]]
    assert read[0] == "_x005F_x0041_"
    assert [unescape(v) for v in read] == values


def test_urls_are_plain_text_unless_hyperlinks_are_asked_for(tmp_path):
    df = pd.DataFrame({"url": ["https://example.invalid/a?b=1&c=2", "ftp://x.invalid/f",
                               "javascript:alert(1)", "https://x.invalid/" + "a" * 3000]})
    path = tmp_path / "plain.xlsx"
    export_warnings(df, path)
    ws = read_sheet(path)
    assert all(c.hyperlink is None for c in ws["A"])
    assert [c.value for c in ws["A"][1:]] == df["url"].tolist()

    path = tmp_path / "links.xlsx"
    export_warnings(df, path, hyperlinks=True)
    ws = read_sheet(path)
    assert ws["A2"].hyperlink.target == df["url"][0] and ws["A2"].value == df["url"][0]
    # Only http(s), and only within Excel's 2,079-character URL limit.
    assert [ws[f"A{r}"].hyperlink for r in (3, 4, 5)] == [None, None, None]
    assert ws["A5"].value == df["url"][3]


# --- layout and About -------------------------------------------------------------------------


def test_header_is_bold_frozen_filtered_with_bounded_widths(tmp_path):
    df = pd.DataFrame({"id": [1, 2, 3], "description": ["x" * 500] * 3, "a": ["", "b", None]})
    path = tmp_path / "out.xlsx"
    export_warnings(df, path)
    ws = read_sheet(path)
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:C4"
    assert all(c.font.b for c in ws[1])
    widths = [ws.column_dimensions[col].width for col in "ABC"]
    assert all(xlsx_writer.MIN_WIDTH <= w <= xlsx_writer.MAX_WIDTH + 1 for w in widths)
    assert widths[1] > widths[0]  # the long column is wider, but capped


def test_about_sheet_holds_the_provenance(tmp_path):
    df = pd.DataFrame({"a": [1, 2]})
    df.attrs["coreclaw"] = {
        "run_slug": "run-123", "scraper_slug": "coreclaw/shop", "worker_title": "Shop Scraper",
        "version": "1.2.0", "status": "Succeeded", "row_count": 2, "usage": 0.0123,
        "fetched_at": "2024-05-01T10:00:00Z", "api_version": "v1", "extra": {"k": [1]},
    }
    path = tmp_path / "out.xlsx"
    export_warnings(df, path)
    about = read_about(path)
    assert about["Worker"] == "Shop Scraper" and about["Run"] == "run-123"
    assert about["Worker version"] == "1.2.0" and about["Fetched at"] == "2024-05-01T10:00:00Z"
    assert about["Rows in run"] == 2 and about["Rows exported"] == 2
    assert about["extra"] == '{"k":[1]}'
    assert openpyxl.load_workbook(path).sheetnames == ["Results", "About"]


def test_about_sheet_without_provenance_or_turned_off(tmp_path):
    path = tmp_path / "out.xlsx"
    export_warnings(pd.DataFrame({"a": [1, 2, 3]}), path)
    about = read_about(path)
    assert "no CoreClaw provenance" in about["Source"]
    assert about["Rows exported"] == 3 and about["Columns"] == 1
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", about["Exported at"])
    export_warnings(pd.DataFrame({"a": [1]}), path, about=False)
    assert openpyxl.load_workbook(path).sheetnames == ["Results"]


def test_untrusted_provenance_is_escaped_too(tmp_path):
    df = pd.DataFrame({"a": [1]})
    df.attrs["coreclaw"] = {"worker_title": "=HYPERLINK(\"http://x.invalid\")", "=key": "v\x00"}
    path = tmp_path / "out.xlsx"
    export_warnings(df, path)
    ws = read_sheet(path, "About")
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    assert read_about(path)["=key"] == "v\ufffd"


def test_sheet_names_are_made_valid():
    names = xlsx_writer.sheet_names("a/b:c*" + "x" * 40, 12)
    assert len(set(names)) == 12 and all(len(n) <= 31 for n in names)
    assert names[0].startswith("a_b_c_") and names[11].endswith(" (12)")
    assert xlsx_writer.sheet_names("'History'", 1) == ["History_"]
    assert xlsx_writer.sheet_names("bad\x00name", 1) == ["bad_name"]
    emoji = xlsx_writer.sheet_names("\U0001f600" * 20, 2)  # Excel counts UTF-16 units
    assert [len(n.encode("utf-16-le")) // 2 for n in emoji] == [30, 30]  # 15 and 13 emoji


def test_user_sheet_name_and_about_clash(tmp_path):
    path = tmp_path / "out.xlsx"
    export_warnings(pd.DataFrame({"a": [1]}), path, sheet_name="About")
    assert openpyxl.load_workbook(path).sheetnames == ["About", "About (2)"]


# --- row limit (small limit through the writer; the real one is in test_large) ------


def test_rows_continue_on_further_sheets_with_the_header_repeated(tmp_path):
    df = pd.DataFrame({"n": range(25), "s": [f"r{i}" for i in range(25)]})
    path = tmp_path / "out.xlsx"
    tally = xlsx_writer.write_xlsx(
        path, plan_columns(df, index=False, tz="UTC"), len(df), zone=None, sheet_name="Results",
        escape_formulas=True, hyperlinks=False, about=None, rows_per_sheet=10,
    )
    assert tally.extra_sheets == ["Results (2)", "Results (3)"]
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Results", "Results (2)", "Results (3)"]
    rows = []
    for ws in book:
        data = list(ws.iter_rows(values_only=True))
        assert data[0] == ("n", "s")
        assert ws.auto_filter.ref == f"A1:B{len(data)}"
        rows += data[1:]
    assert rows == [(i, f"r{i}") for i in range(25)]


def test_too_many_columns_for_excel(out_dir):
    df = pd.DataFrame(np.zeros((1, 16_385), dtype=np.int8))
    with pytest.raises(ExportError, match="16,384"):
        to_excel(df, out_dir / "wide.xlsx")
    assert list(out_dir.iterdir()) == []
