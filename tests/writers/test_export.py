"""Safe Excel / CSV export: every pitfall reproduced, the written files read back."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import stat
import zipfile
from decimal import Decimal

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pytest

from coreclaw_pandas.writers import (
    ExportError,
    atomic_path,
    to_csv,
    to_excel,
)

from .helpers import (
    INJECTIONS,
    MARKER,
    export_warnings,
    read_about,
    read_csv_rows,
    read_rows,
    read_sheet,
    unescape,
)

# --- formula injection -----------------------------------------------------------------------


def test_formula_like_text_is_never_a_formula_in_excel(tmp_path):
    df = pd.DataFrame({"text": INJECTIONS, "=header": range(len(INJECTIONS))})
    path = tmp_path / "out.xlsx"
    export_warnings(df, path)
    ws = read_sheet(path)
    cells = [c for row in ws.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    # A CR cannot stand raw in XML: it is stored as _x000D_, which Excel reads as CR.
    assert [unescape(c.value) for c in ws["A"][1:]] == INJECTIONS
    # Quote prefix: editing the cell in Excel keeps it text too.
    assert all(c.quotePrefix for c in ws["A"][1:])
    assert ws["B1"].value == "=header" and ws["B1"].data_type == "s"
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            assert not re.search(rb"<f[ >]", z.read(name)), name


def test_escape_formulas_off_writes_formulas_for_trusted_data(tmp_path):
    df = pd.DataFrame({"x": ["=1+1", "+1", "plain"]})
    path = tmp_path / "out.xlsx"
    export_warnings(df, path, escape_formulas=False)
    ws = read_sheet(path)
    assert ws["A2"].data_type == "f" and ws["A2"].value == "=1+1"
    assert ws["A3"].data_type == "s" and not ws["A3"].quotePrefix
    assert read_about(path)["Formula-like text"].startswith("not escaped")


def test_csv_formula_like_text_gets_a_quote_prefix(tmp_path):
    df = pd.DataFrame({"text": INJECTIONS, "n": [-1] * len(INJECTIONS)})
    path = tmp_path / "out.csv"
    export_warnings(df, path)
    rows = read_csv_rows(path)
    # A trigger after the leading TAB or CR is escaped too: a split there would expose it.
    inner = {"\t=1": "'\t'=1", "\r=1": "'\r'=1"}
    assert [r[0] for r in rows[1:]] == [inner.get(s, "'" + s) for s in INJECTIONS]
    assert {r[1] for r in rows[1:]} == {"-1"}  # a number is not text: nothing to escape

    export_warnings(df, path, escape_formulas=False)
    assert [r[0] for r in read_csv_rows(path)[1:]] == INJECTIONS


# --- characters and lengths -----------------------------------------------------------------


def test_control_characters_are_replaced_and_counted(tmp_path):
    bad = [chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)]]
    values = ["a" + "".join(bad) + "b", "tab\tnew\nline\rok", "\ud800lone", "x\ufffey", "clean"]
    path = tmp_path / "out.xlsx"
    # object dtype: pandas' Arrow-backed str dtype cannot even hold a lone surrogate.
    (warning,) = export_warnings(pd.DataFrame({"t": pd.Series(values, dtype=object)}), path)
    read = [unescape(c.value) for c in read_sheet(path)["A"][1:]]
    assert read[0] == "a" + "\ufffd" * len(bad) + "b"
    assert read[1] == values[1]  # tab, LF and CR are legal and kept
    assert read[2:] == ["\ufffdlone", "x\ufffdy", "clean"]
    assert warning.replaced_chars == len(bad) + 2 and warning.replaced_cells == 3
    assert f"{len(bad) + 2} character(s)" in str(warning)


def test_csv_keeps_control_characters_and_replaces_lone_surrogates(tmp_path):
    path = tmp_path / "out.csv"
    df = pd.DataFrame({"t": pd.Series(["a\x00b\x1fc", "\udfffz"], dtype=object)})
    (warning,) = export_warnings(df, path)
    assert read_csv_rows(path)[1:] == [["a\x00b\x1fc"], ["\ufffdz"]]
    assert warning.replaced_chars == 1


def test_long_cells_are_cut_with_a_marker_and_a_warning(tmp_path):
    long_text = "".join(chr(ord("a") + i % 26) for i in range(40_000))
    emoji = "\U0001f600" * 20_000  # 40,000 UTF-16 units: Excel counts an emoji twice
    exact = "y" * 32_767
    path = tmp_path / "out.xlsx"
    (warning,) = export_warnings(pd.DataFrame({"t": [long_text, emoji, exact, "short"]}), path)
    read = [c.value for c in read_sheet(path)["A"][1:]]
    assert len(read[0]) == 32_767 and read[0].endswith(MARKER)
    assert read[0] == long_text[: 32_767 - len(MARKER)] + MARKER
    assert len(read[1].encode("utf-16-le")) // 2 <= 32_767
    assert read[1].endswith(MARKER) and set(read[1][: -len(MARKER)]) == {"\U0001f600"}
    assert read[2:] == [exact, "short"]
    assert warning.truncated_cells == 2 and "2 cell(s)" in str(warning)
    assert read_about(path)["Cells cut"].startswith("2 ")


def test_csv_keeps_long_text_whole(tmp_path):
    text = "z" * 50_000
    path = tmp_path / "out.csv"
    assert export_warnings(pd.DataFrame({"t": [text]}), path) == []
    assert read_csv_rows(path)[1] == [text]


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
    export_warnings(df, xlsx)
    export_warnings(df, csv_path)
    assert [c.value for c in read_sheet(xlsx)["A"][1:]] == NESTED_JSON
    assert [r[0] for r in read_csv_rows(csv_path)[1:]] == NESTED_JSON
    assert all(json.loads(v) is not None for v in NESTED_JSON)


def test_arrow_list_and_struct_columns_become_json(tmp_path):
    df = pd.DataFrame({
        "l": pd.Series([[1, 2], None], dtype=pd.ArrowDtype(pa.list_(pa.int64()))),
        "s": pd.Series([{"k": "v"}, None], dtype=pd.ArrowDtype(pa.struct([("k", pa.string())]))),
    })
    path = tmp_path / "out.xlsx"
    export_warnings(df, path)
    assert read_rows(path) == [["l", "s"], ["[1,2]", '{"k":"v"}']]  # blank rows are not stored
    assert read_sheet(path).auto_filter.ref == "A1:B3"


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
    export_warnings(df, path)
    ws = read_sheet(path)
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
    export_warnings(df, path)
    ws = read_sheet(path)
    assert [c.value for c in ws[1]] == ["naive", "aware (UTC)", "day", "mixed"]
    assert ws["A2"].is_date and ws["A2"].value == dt.datetime(2024, 1, 2, 3, 4, 5)
    assert ws["B2"].is_date and ws["B2"].value == dt.datetime(2024, 3, 1, 11, 0)
    assert ws["C2"].is_date and ws["C2"].value == dt.datetime(2024, 2, 29)
    assert ws["C2"].number_format == "yyyy-mm-dd"
    assert ws["D2"].value == dt.datetime(2024, 1, 1, 7, 0)
    # Before 1 March 1900 Excel's calendar cannot hold the date: ISO text instead.
    assert ws["A3"].value == "1850-06-01 00:00:00" and ws["C3"].value == "1066-10-14"
    assert ws["B3"].value is None and ws["D3"].value is None
    assert "converted to UTC" in read_about(path)["Datetimes"]


def test_tz_option_picks_the_zone_or_keeps_each_columns_own(tmp_path):
    df = pd.DataFrame({"t": pd.Series(pd.to_datetime(["2024-07-01 12:00"])).dt.tz_localize("UTC")})
    path = tmp_path / "out.xlsx"
    export_warnings(df, path, tz="America/New_York")
    assert read_rows(path) == [["t (America/New_York)"], [dt.datetime(2024, 7, 1, 8, 0)]]
    export_warnings(df.assign(t=df["t"].dt.tz_convert("Asia/Tokyo")), path, tz=None)
    assert read_rows(path) == [["t (Asia/Tokyo)"], [dt.datetime(2024, 7, 1, 21, 0)]]
    assert "their own zone" in read_about(path)["Datetimes"]


def test_bad_tz_raises_before_writing(out_dir):
    path = out_dir / "out.xlsx"
    with pytest.raises(ExportError, match="Europe/Paris"):
        to_excel(pd.DataFrame({"a": [1]}), path, tz="Mars/Olympus")
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
    export_warnings(df, xlsx)
    export_warnings(df, csv_path)
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
    export_warnings(df, path, index=True)
    assert read_rows(path) == [["key", "a.x", "a.y", "a.x"], ["k", 1, 2, 3]]
    path = tmp_path / "out.csv"
    export_warnings(df.reset_index(drop=True), path, index=True)
    assert read_csv_rows(path) == [["index", "a.x", "a.y", "a.x"], ["0", "1", "2", "3"]]


def test_empty_frames(tmp_path):
    path = tmp_path / "out.xlsx"
    export_warnings(pd.DataFrame({"a": [], "b": []}), path)
    assert read_rows(path) == [["a", "b"]]
    export_warnings(pd.DataFrame(), path)
    assert openpyxl.load_workbook(path).sheetnames == ["Results", "About"]
    csv_path = tmp_path / "out.csv"
    export_warnings(pd.DataFrame({"a": []}), csv_path)
    assert read_csv_rows(csv_path) == [["a"]]


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
        export_warnings(df, tmp_path / name)
    read = [c.value for c in read_sheet(tmp_path / "out.xlsx")["A"][1:]]
    assert read[0] == "<unprintable Broken>"
    assert read[2:7] == ["bytes\ufffd", "0 days 01:00:00", "2024-01", "(1+2j)", "12:30:00"]
    assert len(read) == 7  # the last two are blank, so openpyxl sees no such rows
    assert read_sheet(tmp_path / "out.xlsx").auto_filter.ref == "A1:A10"
    assert [r[0] for r in read_csv_rows(tmp_path / "out.csv")[8:]] == ["", ""]


def test_caller_frame_is_not_modified(tmp_path):
    df = pd.DataFrame({
        "t": pd.Series(pd.to_datetime(["2024-01-01"])).dt.tz_localize("Europe/Paris"),
        "n": pd.Series([{"a": 1}], dtype=object),
        "s": ["=1+1"],
    })
    df.attrs["coreclaw"] = {"run_slug": "r"}
    before, attrs = df.copy(deep=True), json.dumps(df.attrs)
    export_warnings(df, tmp_path / "out.xlsx", index=True)
    export_warnings(df, tmp_path / "out.csv", index=True)
    pd.testing.assert_frame_equal(df, before)
    assert json.dumps(df.attrs) == attrs


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
    assert export_warnings(df, tmp_path / "out.xlsx") == []
    assert export_warnings(df, tmp_path / "out.csv") == []


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
    assert read_about(tmp_path / "a.xlsx")["Run"] == "run-9"
    assert df.coreclaw.to_csv(tmp_path / "a.csv", encoding="utf-8-sig") == tmp_path / "a.csv"
    assert read_csv_rows(tmp_path / "a.csv", "utf-8-sig") == [["a"], ["'=1+1"]]
