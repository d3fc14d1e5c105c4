"""Safe Excel / CSV export: every pitfall reproduced, the written files read back."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import stat
import warnings
import zipfile
from decimal import Decimal
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pytest

from coreclaw_pandas.writers import (
    ExportError,
    ExportWarning,
    atomic_path,
    to_csv,
    to_excel,
)
from coreclaw_pandas.writers import xlsx_writer as _excel
from coreclaw_pandas.writers.columns import plan_columns

MARKER = "…[truncated]"
INJECTIONS = ["=1+1", "=HYPERLINK(\"http://x.invalid\",\"y\")", "+1", "-2+3", "@SUM(A1)",
              "\t=1", "\r=1", "=cmd|' /C calc'!A0"]


def _unescape(value):
    """Undo OOXML's ``_xHHHH_`` escaping, as Excel does on reading (openpyxl does not)."""
    if not isinstance(value, str):
        return value
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), value)


@pytest.fixture
def out_dir(tmp_path) -> Path:
    """An empty folder of its own (tmp_path also holds the session's cache folder)."""
    folder = tmp_path / "exports"
    folder.mkdir()
    return folder


def _sheet(path: Path, name: str = "Results"):
    return openpyxl.load_workbook(path)[name]


def _rows(path: Path, name: str = "Results") -> list[list]:
    return [list(r) for r in _sheet(path, name).iter_rows(values_only=True)]


def _csv_rows(path: Path, encoding: str = "utf-8") -> list[list[str]]:
    with open(path, encoding=encoding, newline="") as f:
        return list(csv.reader(f))


def _export(df: pd.DataFrame, path: Path, **options) -> list[ExportWarning]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        writer = to_csv if path.suffix == ".csv" else to_excel
        assert writer(df, path, **options) == path
    return [w.message for w in caught if isinstance(w.message, ExportWarning)]


def _about(path: Path) -> dict:
    return {k: v for k, v in _rows(path, "About")}


# --- formula injection -----------------------------------------------------------------------


def test_formula_like_text_is_never_a_formula_in_excel(tmp_path):
    df = pd.DataFrame({"text": INJECTIONS, "=header": range(len(INJECTIONS))})
    path = tmp_path / "out.xlsx"
    _export(df, path)
    ws = _sheet(path)
    cells = [c for row in ws.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    # A CR cannot stand raw in XML: it is stored as _x000D_, which Excel reads as CR.
    assert [_unescape(c.value) for c in ws["A"][1:]] == INJECTIONS
    # Quote prefix: editing the cell in Excel keeps it text too.
    assert all(c.quotePrefix for c in ws["A"][1:])
    assert ws["B1"].value == "=header" and ws["B1"].data_type == "s"
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            assert not re.search(rb"<f[ >]", z.read(name)), name


def test_escape_formulas_off_writes_formulas_for_trusted_data(tmp_path):
    df = pd.DataFrame({"x": ["=1+1", "+1", "plain"]})
    path = tmp_path / "out.xlsx"
    _export(df, path, escape_formulas=False)
    ws = _sheet(path)
    assert ws["A2"].data_type == "f" and ws["A2"].value == "=1+1"
    assert ws["A3"].data_type == "s" and not ws["A3"].quotePrefix
    assert _about(path)["Formula-like text"].startswith("not escaped")


def test_csv_formula_like_text_gets_a_quote_prefix(tmp_path):
    df = pd.DataFrame({"text": INJECTIONS, "n": [-1] * len(INJECTIONS)})
    path = tmp_path / "out.csv"
    _export(df, path)
    rows = _csv_rows(path)
    assert [r[0] for r in rows[1:]] == ["'" + s for s in INJECTIONS]
    assert {r[1] for r in rows[1:]} == {"-1"}  # a number is not text: nothing to escape

    _export(df, path, escape_formulas=False)
    assert [r[0] for r in _csv_rows(path)[1:]] == INJECTIONS


# --- XlsxWriter's own cell handling must not undo the rules ---------------------------------


def test_text_shaped_like_rich_text_xml_is_written_verbatim(tmp_path):
    # XlsxWriter writes strings like these as raw XML: a cell could inject a formula cell.
    attack = '<r></r></is></c><c r="C2"><f>1+1</f></c><c r="D2" t="inlineStr"><is><r></r>'
    values = ["<r><t>hi</t></r>", "<r>x</r>", attack, "<b>bold</b> & <r>"]
    path = tmp_path / "out.xlsx"
    _export(pd.DataFrame({"html": values}), path)
    ws = _sheet(path)
    assert [c.value for c in ws["A"][1:]] == values
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    assert pd.read_excel(path)["html"].tolist() == values


def test_xml_escape_lookalikes_follow_the_ooxml_escaping(tmp_path):
    # Excel reads _xHHHH_ as an escaped character, so literal text must escape its "_".
    # openpyxl does not unescape, so undo the spec's escaping here to compare.
    values = ["_x0041_", "a_x005F_b", "_x00"]
    path = tmp_path / "out.xlsx"
    _export(pd.DataFrame({"v": values}), path)
    read = [c.value for c in _sheet(path)["A"][1:]]
    assert read[0] == "_x005F_x0041_"
    assert [_unescape(v) for v in read] == values


def test_urls_are_plain_text_unless_hyperlinks_are_asked_for(tmp_path):
    df = pd.DataFrame({"url": ["https://example.invalid/a?b=1&c=2", "ftp://x.invalid/f",
                               "javascript:alert(1)", "https://x.invalid/" + "a" * 3000]})
    path = tmp_path / "plain.xlsx"
    _export(df, path)
    ws = _sheet(path)
    assert all(c.hyperlink is None for c in ws["A"])
    assert [c.value for c in ws["A"][1:]] == df["url"].tolist()

    path = tmp_path / "links.xlsx"
    _export(df, path, hyperlinks=True)
    ws = _sheet(path)
    assert ws["A2"].hyperlink.target == df["url"][0] and ws["A2"].value == df["url"][0]
    # Only http(s), and only within Excel's 2,079-character URL limit.
    assert [ws[f"A{r}"].hyperlink for r in (3, 4, 5)] == [None, None, None]
    assert ws["A5"].value == df["url"][3]


# --- characters and lengths -----------------------------------------------------------------


def test_control_characters_are_replaced_and_counted(tmp_path):
    bad = [chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)]]
    values = ["a" + "".join(bad) + "b", "tab\tnew\nline\rok", "\ud800lone", "x\ufffey", "clean"]
    path = tmp_path / "out.xlsx"
    # object dtype: pandas' Arrow-backed str dtype cannot even hold a lone surrogate.
    (warning,) = _export(pd.DataFrame({"t": pd.Series(values, dtype=object)}), path)
    read = [_unescape(c.value) for c in _sheet(path)["A"][1:]]
    assert read[0] == "a" + "\ufffd" * len(bad) + "b"
    assert read[1] == values[1]  # tab, LF and CR are legal and kept
    assert read[2:] == ["\ufffdlone", "x\ufffdy", "clean"]
    assert warning.replaced_chars == len(bad) + 2 and warning.replaced_cells == 3
    assert f"{len(bad) + 2} character(s)" in str(warning)


def test_csv_keeps_control_characters_and_replaces_lone_surrogates(tmp_path):
    path = tmp_path / "out.csv"
    (warning,) = _export(pd.DataFrame({"t": pd.Series(["a\x00b\x1fc", "\udfffz"], dtype=object)}),
                         path)
    assert _csv_rows(path)[1:] == [["a\x00b\x1fc"], ["\ufffdz"]]
    assert warning.replaced_chars == 1


def test_long_cells_are_cut_with_a_marker_and_a_warning(tmp_path):
    long_text = "".join(chr(ord("a") + i % 26) for i in range(40_000))
    emoji = "\U0001f600" * 20_000  # 40,000 UTF-16 units: Excel counts an emoji twice
    exact = "y" * 32_767
    path = tmp_path / "out.xlsx"
    (warning,) = _export(pd.DataFrame({"t": [long_text, emoji, exact, "short"]}), path)
    read = [c.value for c in _sheet(path)["A"][1:]]
    assert len(read[0]) == 32_767 and read[0].endswith(MARKER)
    assert read[0] == long_text[: 32_767 - len(MARKER)] + MARKER
    assert len(read[1].encode("utf-16-le")) // 2 <= 32_767
    assert read[1].endswith(MARKER) and set(read[1][: -len(MARKER)]) == {"\U0001f600"}
    assert read[2:] == [exact, "short"]
    assert warning.truncated_cells == 2 and "2 cell(s)" in str(warning)
    assert _about(path)["Cells cut"].startswith("2 ")


def test_csv_keeps_long_text_whole(tmp_path):
    text = "z" * 50_000
    path = tmp_path / "out.csv"
    assert _export(pd.DataFrame({"t": [text]}), path) == []
    assert _csv_rows(path)[1] == [text]


# --- values: nested, numbers, dates ---------------------------------------------------------


NESTED = [
    {"a": [1, 2], "é": {"b": None}},
    [1, "two", 3.5],
    ("t", 1),
    {3, 1, 2},
    np.array([1, 2, 3]),
    {"nan": float("nan"), "when": dt.datetime(2024, 5, 1, 12, 0)},
    [],
]
NESTED_JSON = ['{"a":[1,2],"é":{"b":null}}', '[1,"two",3.5]', '["t",1]', "[1,2,3]", "[1,2,3]",
               '{"nan":null,"when":"2024-05-01T12:00:00"}', "[]"]


def test_nested_values_become_compact_json(tmp_path):
    df = pd.DataFrame({"n": pd.Series(NESTED, dtype=object)})
    xlsx, csv_path = tmp_path / "out.xlsx", tmp_path / "out.csv"
    _export(df, xlsx)
    _export(df, csv_path)
    assert [c.value for c in _sheet(xlsx)["A"][1:]] == NESTED_JSON
    assert [r[0] for r in _csv_rows(csv_path)[1:]] == NESTED_JSON
    assert all(json.loads(v) is not None for v in NESTED_JSON)


def test_arrow_list_and_struct_columns_become_json(tmp_path):
    df = pd.DataFrame({
        "l": pd.Series([[1, 2], None], dtype=pd.ArrowDtype(pa.list_(pa.int64()))),
        "s": pd.Series([{"k": "v"}, None], dtype=pd.ArrowDtype(pa.struct([("k", pa.string())]))),
    })
    path = tmp_path / "out.xlsx"
    _export(df, path)
    assert _rows(path) == [["l", "s"], ["[1,2]", '{"k":"v"}']]  # blank rows are not stored
    assert _sheet(path).auto_filter.ref == "A1:B3"


def test_numbers_stay_numbers_and_long_ids_stay_exact(tmp_path):
    df = pd.DataFrame({
        "int": [1, -2, 3],
        "id": [123456789012345678, 5, -(10**15)],
        "float": [1.5, float("nan"), float("inf")],
        "bool": [True, False, True],
        "nullable": pd.array([1, None, 3], dtype="Int64"),
        "mixed": pd.Series([Decimal("2.5"), np.int64(7), np.float32(0.5)], dtype=object),
    })
    path = tmp_path / "out.xlsx"
    _export(df, path)
    ws = _sheet(path)
    assert [c.value for c in ws[2]] == [1, "123456789012345678", 1.5, True, 1, 2.5]
    assert [c.data_type for c in ws[2]] == ["n", "s", "n", "b", "n", "n"]
    assert [c.value for c in ws[3]] == [-2, 5, None, False, None, 7]
    assert ws["B4"].value == "-1000000000000000" and ws["C4"].value == "inf"
    back = pd.read_excel(path)
    assert back["int"].tolist() == [1, -2, 3] and back["bool"].tolist() == [True, False, True]


def test_datetimes_are_excel_dates_and_aware_ones_are_converted(tmp_path):
    aware = pd.Series(pd.to_datetime(["2024-03-01 12:00", None]).tz_localize("Europe/Paris"))
    df = pd.DataFrame({
        "naive": pd.to_datetime(["2024-01-02 03:04:05", "1850-06-01"], format="ISO8601"),
        "aware": aware,
        "day": [dt.date(2024, 2, 29), dt.date(1066, 10, 14)],
        "mixed": pd.Series([dt.datetime(2024, 1, 1, 9, tzinfo=dt.timezone(dt.timedelta(hours=2))),
                            pd.NaT], dtype=object),
    })
    path = tmp_path / "out.xlsx"
    _export(df, path)
    ws = _sheet(path)
    assert [c.value for c in ws[1]] == ["naive", "aware (UTC)", "day", "mixed"]
    assert ws["A2"].is_date and ws["A2"].value == dt.datetime(2024, 1, 2, 3, 4, 5)
    assert ws["B2"].is_date and ws["B2"].value == dt.datetime(2024, 3, 1, 11, 0)
    assert ws["C2"].is_date and ws["C2"].value == dt.datetime(2024, 2, 29)
    assert ws["C2"].number_format == "yyyy-mm-dd"
    assert ws["D2"].value == dt.datetime(2024, 1, 1, 7, 0)
    # Before 1 March 1900 Excel's calendar cannot hold the date: ISO text instead.
    assert ws["A3"].value == "1850-06-01 00:00:00" and ws["C3"].value == "1066-10-14"
    assert ws["B3"].value is None and ws["D3"].value is None
    assert "converted to UTC" in _about(path)["Datetimes"]


def test_tz_option_picks_the_zone_or_keeps_each_columns_own(tmp_path):
    df = pd.DataFrame({"t": pd.Series(pd.to_datetime(["2024-07-01 12:00"])).dt.tz_localize("UTC")})
    path = tmp_path / "out.xlsx"
    _export(df, path, tz="America/New_York")
    assert _rows(path) == [["t (America/New_York)"], [dt.datetime(2024, 7, 1, 8, 0)]]
    _export(df.assign(t=df["t"].dt.tz_convert("Asia/Tokyo")), path, tz=None)
    assert _rows(path) == [["t (Asia/Tokyo)"], [dt.datetime(2024, 7, 1, 21, 0)]]
    assert "their own zone" in _about(path)["Datetimes"]


def test_bad_tz_raises_before_writing(out_dir):
    path = out_dir / "out.xlsx"
    with pytest.raises(ExportError, match="Europe/Paris"):
        to_excel(pd.DataFrame({"a": [1]}), path, tz="Mars/Olympus")
    assert list(out_dir.iterdir()) == []


# --- layout and About -------------------------------------------------------------------------


def test_header_is_bold_frozen_filtered_with_bounded_widths(tmp_path):
    df = pd.DataFrame({"id": [1, 2, 3], "description": ["x" * 500] * 3, "a": ["", "b", None]})
    path = tmp_path / "out.xlsx"
    _export(df, path)
    ws = _sheet(path)
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:C4"
    assert all(c.font.b for c in ws[1])
    widths = [ws.column_dimensions[col].width for col in "ABC"]
    assert all(_excel.MIN_WIDTH <= w <= _excel.MAX_WIDTH + 1 for w in widths)
    assert widths[1] > widths[0]  # the long column is wider, but capped


def test_about_sheet_holds_the_provenance(tmp_path):
    df = pd.DataFrame({"a": [1, 2]})
    df.attrs["coreclaw"] = {
        "run_slug": "run-123", "scraper_slug": "coreclaw/shop", "worker_title": "Shop Scraper",
        "version": "1.2.0", "status": "Succeeded", "row_count": 2, "usage": 0.0123,
        "fetched_at": "2024-05-01T10:00:00Z", "api_version": "v1", "extra": {"k": [1]},
    }
    path = tmp_path / "out.xlsx"
    _export(df, path)
    about = _about(path)
    assert about["Worker"] == "Shop Scraper" and about["Run"] == "run-123"
    assert about["Worker version"] == "1.2.0" and about["Fetched at"] == "2024-05-01T10:00:00Z"
    assert about["Rows in run"] == 2 and about["Rows exported"] == 2
    assert about["extra"] == '{"k":[1]}'
    assert openpyxl.load_workbook(path).sheetnames == ["Results", "About"]


def test_about_sheet_without_provenance_or_turned_off(tmp_path):
    path = tmp_path / "out.xlsx"
    _export(pd.DataFrame({"a": [1, 2, 3]}), path)
    about = _about(path)
    assert "no CoreClaw provenance" in about["Source"]
    assert about["Rows exported"] == 3 and about["Columns"] == 1
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", about["Exported at"])
    _export(pd.DataFrame({"a": [1]}), path, about=False)
    assert openpyxl.load_workbook(path).sheetnames == ["Results"]


def test_untrusted_provenance_is_escaped_too(tmp_path):
    df = pd.DataFrame({"a": [1]})
    df.attrs["coreclaw"] = {"worker_title": "=HYPERLINK(\"http://x.invalid\")", "=key": "v\x00"}
    path = tmp_path / "out.xlsx"
    _export(df, path)
    ws = _sheet(path, "About")
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    assert _about(path)["=key"] == "v\ufffd"


def test_sheet_names_are_made_valid():
    names = _excel.sheet_names("a/b:c*" + "x" * 40, 12)
    assert len(set(names)) == 12 and all(len(n) <= 31 for n in names)
    assert names[0].startswith("a_b_c_") and names[11].endswith(" (12)")
    assert _excel.sheet_names("'History'", 1) == ["History_"]
    assert _excel.sheet_names("bad\x00name", 1) == ["bad_name"]
    emoji = _excel.sheet_names("\U0001f600" * 20, 2)  # Excel counts UTF-16 units
    assert [len(n.encode("utf-16-le")) // 2 for n in emoji] == [30, 30]  # 15 and 13 emoji


def test_user_sheet_name_and_about_clash(tmp_path):
    path = tmp_path / "out.xlsx"
    _export(pd.DataFrame({"a": [1]}), path, sheet_name="About")
    assert openpyxl.load_workbook(path).sheetnames == ["About", "About (2)"]


# --- row limit (small limit through the writer; the real one is in test_export_large) ------


def test_rows_continue_on_further_sheets_with_the_header_repeated(tmp_path):
    df = pd.DataFrame({"n": range(25), "s": [f"r{i}" for i in range(25)]})
    path = tmp_path / "out.xlsx"
    tally = _excel.write_xlsx(path, plan_columns(df, index=False, tz="UTC"), len(df), zone=None,
                              sheet_name="Results", escape_formulas=True, hyperlinks=False,
                              about=None, rows_per_sheet=10)
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


# --- frames of every shape -----------------------------------------------------------------


def test_round_trip_through_pandas(tmp_path):
    df = pd.DataFrame({
        "name": ["Café ☕", "naïve", None],
        "qty": [1, 2, 3],
        "price": [1.25, None, 3.0],
        "when": pd.to_datetime(["2024-01-01 10:00", None, "2024-01-03"], format="ISO8601"),
    })
    xlsx, csv_path = tmp_path / "out.xlsx", tmp_path / "out.csv"
    _export(df, xlsx)
    _export(df, csv_path)
    for back in (pd.read_excel(xlsx), pd.read_csv(csv_path, parse_dates=["when"])):
        assert back["name"].tolist()[:2] == ["Café ☕", "naïve"] and pd.isna(back["name"][2])
        assert back["qty"].tolist() == [1, 2, 3]
        assert back["price"].tolist()[::2] == [1.25, 3.0] and pd.isna(back["price"][1])
        assert back["when"].tolist()[::2] == df["when"].tolist()[::2]


def test_index_duplicate_and_multiindex_columns(tmp_path):
    df = pd.DataFrame([[1, 2, 3]], columns=pd.MultiIndex.from_tuples([("a", "x"), ("a", "y"),
                                                                      ("a", "x")]))
    df.index = pd.Index(["k"], name="key")
    path = tmp_path / "out.xlsx"
    _export(df, path, index=True)
    assert _rows(path) == [["key", "a.x", "a.y", "a.x"], ["k", 1, 2, 3]]
    path = tmp_path / "out.csv"
    _export(df.reset_index(drop=True), path, index=True)
    assert _csv_rows(path) == [["index", "a.x", "a.y", "a.x"], ["0", "1", "2", "3"]]


def test_empty_frames(tmp_path):
    path = tmp_path / "out.xlsx"
    _export(pd.DataFrame({"a": [], "b": []}), path)
    assert _rows(path) == [["a", "b"]]
    _export(pd.DataFrame(), path)
    assert openpyxl.load_workbook(path).sheetnames == ["Results", "About"]
    csv_path = tmp_path / "out.csv"
    _export(pd.DataFrame({"a": []}), csv_path)
    assert _csv_rows(csv_path) == [["a"]]


def test_odd_objects_never_raise(tmp_path):
    class Broken:
        def __str__(self):
            raise RuntimeError("boom")

    deep: list = []
    node = deep
    for _ in range(5_000):
        node.append([])
        node = node[0]
    values = [Broken(), deep, b"bytes\xff", pd.Timedelta("1h"), pd.Period("2024-01", "M"),
              complex(1, 2), dt.time(12, 30), float("nan"), pd.NA]
    df = pd.DataFrame({"o": pd.Series(values, dtype=object)})
    for name in ("out.xlsx", "out.csv"):
        _export(df, tmp_path / name)
    read = [c.value for c in _sheet(tmp_path / "out.xlsx")["A"][1:]]
    assert read[0] == "<unprintable Broken>"
    assert read[2:7] == ["bytes\ufffd", "0 days 01:00:00", "2024-01", "(1+2j)", "12:30:00"]
    assert len(read) == 7  # the last two are blank, so openpyxl sees no such rows
    assert _sheet(tmp_path / "out.xlsx").auto_filter.ref == "A1:A10"
    assert [r[0] for r in _csv_rows(tmp_path / "out.csv")[8:]] == ["", ""]


def test_caller_frame_is_not_modified(tmp_path):
    df = pd.DataFrame({
        "t": pd.Series(pd.to_datetime(["2024-01-01"])).dt.tz_localize("Europe/Paris"),
        "n": pd.Series([{"a": 1}], dtype=object),
        "s": ["=1+1"],
    })
    df.attrs["coreclaw"] = {"run_slug": "r"}
    before, attrs = df.copy(deep=True), json.dumps(df.attrs)
    _export(df, tmp_path / "out.xlsx", index=True)
    _export(df, tmp_path / "out.csv", index=True)
    pd.testing.assert_frame_equal(df, before)
    assert json.dumps(df.attrs) == attrs


# --- CSV specifics ---------------------------------------------------------------------------


def test_csv_encodings(out_dir):
    df = pd.DataFrame({"t": ["é€😀"]})
    path = out_dir / "out.csv"
    _export(df, path)
    assert not path.read_bytes().startswith(b"\xef\xbb\xbf")
    _export(df, path, encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert _csv_rows(path, "utf-8-sig") == [["t"], ["é€😀"]]
    with pytest.raises(ExportError, match="utf-8-sig"):
        to_csv(df, out_dir / "latin.csv", encoding="latin-1")
    assert not (out_dir / "latin.csv").exists()


def test_csv_datetimes_and_missing_values(tmp_path):
    df = pd.DataFrame({
        "aware": pd.Series(pd.to_datetime(["2024-03-01 12:00", None])).dt.tz_localize("UTC"),
        "fine": pd.to_datetime(["2024-01-01 00:00:00.250", "2024-01-02"], format="ISO8601"),
        "f": [0.1, float("nan")],
        "b": [True, False],
    })
    path = tmp_path / "out.csv"
    _export(df, path, tz="Asia/Kolkata")
    assert _csv_rows(path) == [
        ["aware (Asia/Kolkata)", "fine", "f", "b"],
        ["2024-03-01 17:30:00", "2024-01-01 00:00:00.250000", "0.1", "True"],
        ["", "2024-01-02 00:00:00.000000", "", "False"],
    ]


# --- atomic writes, warnings, progress ---------------------------------------------------------


def test_atomic_path_replaces_only_on_success(out_dir):
    target = out_dir / "out.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("disk full")
    assert target.read_text() == "old" and list(out_dir.iterdir()) == [target]
    with pytest.raises(KeyboardInterrupt), atomic_path(target) as tmp:
        raise KeyboardInterrupt
    assert list(out_dir.iterdir()) == [target]
    with atomic_path(target) as tmp:
        assert tmp.parent == out_dir and tmp.exists() and tmp.suffix == ".csv"
        tmp.write_text("new")
    assert target.read_text() == "new" and list(out_dir.iterdir()) == [target]


def test_export_keeps_the_old_file_when_it_fails(out_dir):
    target = out_dir / "out.xlsx"
    target.write_bytes(b"previous")
    with pytest.raises(ExportError):
        to_excel(pd.DataFrame(np.zeros((1, 16_385))), target)
    with pytest.raises(FileNotFoundError):
        to_excel(pd.DataFrame({"a": [1]}), out_dir / "missing" / "out.xlsx")
    assert target.read_bytes() == b"previous" and list(out_dir.iterdir()) == [target]


def test_written_file_has_normal_permissions(tmp_path):
    umask = os.umask(0o022)
    try:
        paths = [to_csv(pd.DataFrame({"a": [1]}), tmp_path / "out.csv"),
                 to_excel(pd.DataFrame({"a": [1]}), tmp_path / "out.xlsx")]
    finally:
        os.umask(umask)
    assert [stat.S_IMODE(p.stat().st_mode) for p in paths] == [0o644, 0o644]


def test_clean_data_gives_no_warning(tmp_path):
    df = pd.DataFrame({"a": ["x", "=y"], "b": [1, 2]})
    assert _export(df, tmp_path / "out.xlsx") == []
    assert _export(df, tmp_path / "out.csv") == []


def test_progress_bar_only_when_asked_or_large(tmp_path, capsys):
    df = pd.DataFrame({"a": range(10)})
    to_excel(df, tmp_path / "a.xlsx")
    to_csv(df, tmp_path / "a.csv", progress=False)
    assert "Writing" not in capsys.readouterr().err
    to_csv(df, tmp_path / "b.csv", progress=True)
    assert "Writing b.csv" in capsys.readouterr().err


def test_the_accessor_writes_through_these_functions(tmp_path):
    import coreclaw_pandas  # noqa: F401  (registers df.coreclaw)

    df = pd.DataFrame({"a": ["=1+1"]})
    df.attrs["coreclaw"] = {"run_slug": "run-9"}
    assert df.coreclaw.to_excel(tmp_path / "a.xlsx") == tmp_path / "a.xlsx"
    assert _about(tmp_path / "a.xlsx")["Run"] == "run-9"
    assert df.coreclaw.to_csv(tmp_path / "a.csv", encoding="utf-8-sig") == tmp_path / "a.csv"
    assert _csv_rows(tmp_path / "a.csv", "utf-8-sig") == [["a"], ["'=1+1"]]
