"""Rows to DataFrame: every rule of the results layer, on data built here (no server)."""

from __future__ import annotations

import datetime as dt
import math
import sys

import numpy as np
import pandas as pd
import pytest

from coreclaw_pandas.frames import (
    ATTRS_KEY,
    ID_COLUMN,
    PROVENANCE_KEYS,
    FrameBuilder,
    buffers,
    explode_nested,
    flatten_columns,
    log_to_frame,
    rows_to_frame,
    runs_to_frame,
    set_provenance,
)
from coreclaw_pandas.models import LogEntry, LogLevel, ResultHeader, Run, RunStatus

UTC = dt.UTC


def _id(n: int) -> str:
    return f"{n:064x}"


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> int:
    """Pack every 3 values, so a handful of rows spans several chunks."""
    monkeypatch.setattr(buffers, "BUFFER_CHUNK_ROWS", 3)
    return 3


def _catalogue() -> tuple[list[dict], list[ResultHeader]]:
    headers = [
        ResultHeader("title", "Title", "text"),
        ResultHeader("price", "Price", "text"),
        ResultHeader("never_sent", "Never sent", "text"),
    ]
    rows = [
        {
            ID_COLUMN: _id(1),
            "title": "Mug ☕",
            "price": 12,
            "seller": {"name": "Ana", "geo": {"cc": "PT"}},
        },
        {ID_COLUMN: _id(2), "price": 3.5, "tags": ["a", "b"], "title": None},
        {ID_COLUMN: _id(3), "brand": "Zeiss", "seller": None},
        {"title": "東京タワー", ID_COLUMN: _id(4), "seller": {"name": "Bo", "rating": 4}},
    ]
    return rows, headers


# -- shape: rows, columns, ids -------------------------------------------------------------------


def test_every_row_once_with_header_order_then_extras_in_first_appearance_order() -> None:
    rows, headers = _catalogue()
    df = rows_to_frame(rows, headers)
    assert len(df) == 4
    assert list(df.columns) == [
        ID_COLUMN,
        "title",
        "price",
        "never_sent",
        "seller.name",
        "seller.geo.cc",
        "seller.rating",
        "tags",
        "brand",
    ]
    assert df[ID_COLUMN].tolist() == [_id(1), _id(2), _id(3), _id(4)]
    assert df["title"].tolist() == ["Mug ☕", pd.NA, pd.NA, "東京タワー"]
    assert df["brand"].isna().tolist() == [True, True, False, True]
    assert df["never_sent"].isna().all()
    assert df["seller.geo.cc"].tolist() == ["PT", pd.NA, pd.NA, pd.NA]


def test_pages_in_order_and_headers_known_after_the_first_page(small_chunks: int) -> None:
    builder = FrameBuilder()
    builder.add_rows([{ID_COLUMN: _id(n), "b": n, "a": str(n)} for n in range(5)])
    builder.set_headers([ResultHeader("a"), ResultHeader("b")])
    builder.add_rows([{ID_COLUMN: _id(n), "c": True, "a": str(n)} for n in range(5, 8)])
    assert builder.row_count == 8
    df = builder.build()
    assert list(df.columns) == [ID_COLUMN, "a", "b", "c"]
    assert df[ID_COLUMN].tolist() == [_id(n) for n in range(8)]
    assert df["b"].tolist() == [0, 1, 2, 3, 4, pd.NA, pd.NA, pd.NA]
    assert df["c"].tolist() == [pd.NA] * 5 + [True] * 3


def test_ids_are_kept_unique_and_first_even_when_columns_selects_others() -> None:
    rows = [{"x": n, ID_COLUMN: _id(n)} for n in range(50)]
    df = rows_to_frame(rows, columns=["x"])
    assert list(df.columns) == [ID_COLUMN, "x"]
    assert df[ID_COLUMN].is_unique
    assert df[ID_COLUMN].tolist() == [_id(n) for n in range(50)]
    assert df[ID_COLUMN].dtype == "string"


def test_zero_rows_with_headers_keeps_header_columns_and_the_id() -> None:
    df = rows_to_frame([], [ResultHeader("title"), ResultHeader("price")])
    assert list(df.columns) == [ID_COLUMN, "title", "price"]
    assert len(df) == 0


def test_zero_rows_without_headers_is_an_empty_frame_with_the_id_column() -> None:
    df = rows_to_frame([])
    assert list(df.columns) == [ID_COLUMN]
    assert len(df) == 0


def test_rows_without_ids_get_no_invented_id_column() -> None:
    assert list(rows_to_frame([{"a": 1}]).columns) == ["a"]


def test_page_dicts_are_not_kept_by_the_builder() -> None:
    row = {ID_COLUMN: _id(1), "title": "x", "tags": ["a"]}
    before = sys.getrefcount(row)
    builder = FrameBuilder()
    builder.add_rows([row])
    assert sys.getrefcount(row) == before


def test_a_row_that_is_not_a_mapping_is_refused_clearly() -> None:
    builder = FrameBuilder()
    with pytest.raises(TypeError, match="Row 1 is a list"):
        builder.add_rows([{"a": 1}, ["a", 1]])


def test_a_builder_builds_once() -> None:
    builder = FrameBuilder()
    builder.add_rows([{"a": 1}])
    builder.build()
    with pytest.raises(RuntimeError):
        builder.build()
    with pytest.raises(RuntimeError):
        builder.add_rows([{"a": 2}])


# -- flattening ----------------------------------------------------------------------------------


def test_nested_dicts_flatten_recursively_and_lists_stay_python_lists() -> None:
    rows = [
        {
            "seller": {"name": "Ana", "geo": {"lat": 1.5, "tz": {"name": "UTC"}}},
            "links": [{"u": 1}],
        },
        {"seller": {"name": "Bo"}, "links": []},
    ]
    df = rows_to_frame(rows)
    assert list(df.columns) == ["seller.name", "seller.geo.lat", "seller.geo.tz.name", "links"]
    assert df["seller.geo.tz.name"].tolist() == ["UTC", pd.NA]
    assert df["links"].dtype == object
    assert type(df["links"][0]) is list and df["links"][0] == [{"u": 1}]
    assert df["links"][1] == []


def test_flatten_false_keeps_dicts_whole() -> None:
    rows = [{"seller": {"name": "Ana"}}, {"seller": None}]
    df = rows_to_frame(rows, flatten=False)
    assert list(df.columns) == ["seller"]
    assert df["seller"].tolist() == [{"name": "Ana"}, None]


def test_a_key_that_is_a_dict_in_some_rows_and_scalar_in_others_stays_whole(
    small_chunks: int,
) -> None:
    values = [{"amount": 5, "cur": "EUR"}, "5 EUR", None, 7, {"amount": 1}]
    df = rows_to_frame([{"price": v} for v in values])
    assert list(df.columns) == ["price"]
    assert df["price"].dtype == object
    assert df["price"].tolist() == values


def test_flattening_never_overwrites_a_literal_dotted_key() -> None:
    rows = [{"a": {"b": 1}, "a.b": "literal"}]
    df = rows_to_frame(rows)
    assert df["a.b"].tolist() == ["literal"]
    assert df["a"].tolist() == [{"b": 1}]


def test_flatten_columns_max_level_and_separator() -> None:
    raw = rows_to_frame([{"s": {"a": {"b": {"c": 1}}, "x": 2}}, {"s": None}], flatten=False)
    raw.attrs[ATTRS_KEY] = {"run_slug": "r1"}
    assert list(flatten_columns(raw, max_level=0).columns) == ["s"]
    one = flatten_columns(raw, max_level=1)
    assert list(one.columns) == ["s.a", "s.x"]
    assert one["s.a"].tolist() == [{"b": {"c": 1}}, None]
    assert one["s.x"].dtype == "Int64"
    full = flatten_columns(raw, sep="__")
    assert list(full.columns) == ["s__a__b__c", "s__x"]
    assert full.attrs == raw.attrs


def test_flatten_columns_keeps_the_index_and_treats_nan_as_a_missing_dict() -> None:
    df = pd.DataFrame({"d": [{"k": "v"}, np.nan, None], "n": [1, 2, 3]}, index=[10, 20, 30])
    out = flatten_columns(df)
    assert list(out.columns) == ["d.k", "n"]
    assert out.index.tolist() == [10, 20, 30]
    assert out["d.k"].tolist() == ["v", pd.NA, pd.NA]
    assert out["n"].tolist() == [1, 2, 3]


def test_flatten_columns_leaves_an_object_column_of_text_as_object() -> None:
    df = pd.DataFrame({"s": pd.Series(["a", None], dtype=object), "d": [{"k": 1}, None]})
    out = flatten_columns(df)
    assert out["s"].dtype == object
    assert out["s"].tolist() == ["a", None]


# -- dtype inference -----------------------------------------------------------------------------


def test_scalar_dtypes_are_inferred_over_all_rows_with_na_for_missing(small_chunks: int) -> None:
    rows = [
        {"i": 1, "f": 1, "b": True, "s": "x", "none": None},
        {"i": None, "f": 2.5, "b": None, "s": None},
        {"i": -3, "f": None, "b": False, "s": "y"},
        {"f": 4, "s": "z"},
        {"i": 2**62},
    ]
    df = rows_to_frame(rows)
    assert df.dtypes.astype(str).to_dict() == {
        "i": "Int64",
        "f": "Float64",
        "b": "boolean",
        "s": "string",
        "none": "object",
    }
    assert df["i"].tolist() == [1, pd.NA, -3, pd.NA, 2**62]
    assert df["f"].tolist() == [1.0, 2.5, pd.NA, 4.0, pd.NA]
    assert df["b"].tolist() == [True, pd.NA, False, pd.NA, pd.NA]
    assert df["none"].isna().all()


def test_a_late_odd_value_changes_the_dtype_no_sampling(small_chunks: int) -> None:
    rows = [{"n": k} for k in range(10)] + [{"n": "eleven"}]
    df = rows_to_frame(rows)
    assert df["n"].dtype == object
    values = df["n"].tolist()
    assert values[:10] == list(range(10)) and all(type(v) is int for v in values[:10])
    assert values[10] == "eleven"


def test_bool_and_int_do_not_merge_and_mixed_values_come_back_exactly() -> None:
    mixed = [1, True, "1", 1.5, [1], {"a": 1}, None]
    df = rows_to_frame([{"m": v} for v in mixed] + [{"bi": True}, {"bi": 0}])
    assert df["m"].dtype == object
    assert df["m"].tolist()[: len(mixed)] == mixed
    assert [type(v) for v in df["m"].tolist()[:4]] == [int, bool, str, float]
    assert df["bi"].dtype == object


def test_ints_beyond_int64_stay_exact_python_ints(small_chunks: int) -> None:
    big = 2**70
    df = rows_to_frame([{"n": 1}, {"n": 2}, {"n": 3}, {"n": big}])
    assert df["n"].dtype == object
    assert df["n"].tolist() == [1, 2, 3, big]


def test_text_arrow_cannot_hold_stays_exact_in_an_object_column() -> None:
    values = ["\ud800 lone surrogate", "ok"]
    df = rows_to_frame([{"s": v} for v in values])
    assert df["s"].dtype == object
    assert df["s"].tolist() == values


def test_numbers_sent_as_text_stay_text() -> None:
    df = rows_to_frame([{"price_text": "12.99"}, {"price_text": "17"}, {"price_text": None}])
    assert df["price_text"].dtype == "string"
    assert df["price_text"].tolist() == ["12.99", "17", pd.NA]


def test_iso_dates_without_time_become_naive_datetimes() -> None:
    df = rows_to_frame([{"d": "2026-01-19"}, {"d": None}, {"d": "1999-12-31"}])
    assert str(df["d"].dtype).startswith("datetime64[")
    assert df["d"].dt.tz is None
    assert df["d"].tolist()[0] == pd.Timestamp("2026-01-19")
    assert df["d"].isna().tolist() == [False, True, False]


def test_naive_iso_datetimes_stay_naive() -> None:
    df = rows_to_frame([{"t": "2024-03-01T10:20:30"}, {"t": "2024-03-02T00:00:00.250"}])
    assert df["t"].dt.tz is None
    assert df["t"].tolist() == [
        pd.Timestamp("2024-03-01 10:20:30"),
        pd.Timestamp("2024-03-02 00:00:00.25"),
    ]


def test_mixed_utc_offsets_are_converted_to_utc(small_chunks: int) -> None:
    values = [
        "2024-06-01T12:00:00+02:00",
        "2024-06-01T12:00:00Z",
        "2024-06-01T12:00:00-05:30",
        None,
        "2024-06-01T12:00:00.123456+00:00",
    ]
    df = rows_to_frame([{"t": v} for v in values])
    assert str(df["t"].dt.tz) == "UTC"
    assert df["t"].tolist()[:3] == [
        pd.Timestamp("2024-06-01 10:00:00", tz="UTC"),
        pd.Timestamp("2024-06-01 12:00:00", tz="UTC"),
        pd.Timestamp("2024-06-01 17:30:00", tz="UTC"),
    ]
    assert df["t"].isna().tolist() == [False, False, False, True, False]


@pytest.mark.parametrize(
    "values",
    [
        ["2024-01-05", "01/05/2024"],  # a non-ISO value among ISO ones
        ["Jan 5, 2024", "Feb 6, 2024"],  # not ISO at all
        ["2024-01-05", "2024-01-05T10:00:00"],  # two ISO styles
        ["2024-01-05T10:00:00", "2024-01-05T10:00:00Z"],  # naive next to an offset
        ["2024-13-45", "2024-01-01"],  # the right shape, no real date
        ["20240105", "20240106"],  # basic format is too ambiguous with plain numbers
    ],
)
def test_text_that_is_not_all_iso_in_one_style_stays_text(values: list[str]) -> None:
    df = rows_to_frame([{"d": v} for v in values])
    assert df["d"].dtype == "string"
    assert df["d"].tolist() == values


def test_injection_prone_and_unicode_strings_are_kept_verbatim() -> None:
    values = [
        '=HYPERLINK("http://x","y")',
        "+1+1",
        "-2",
        "@SUM(A1)",
        "'; DROP TABLE runs; --",
        "<script>alert(1)</script>",
        "tab\tnew\nline\r",
        "🧪 émoji — עברית — 東京",
        "e\u0301",
        "",
    ]
    df = rows_to_frame([{"s": v} for v in values])
    assert df["s"].dtype == "string"
    assert df["s"].tolist() == values


# -- dtypes=, columns=, labels= -----------------------------------------------------------------


def test_dtypes_override_converts_numbers_sent_as_text() -> None:
    rows = [{"price_text": "12.99", "qty": "17"}, {"price_text": None, "qty": "3"}]
    df = rows_to_frame(rows, dtypes={"price_text": "Float64", "qty": "Int64"})
    assert df["price_text"].dtype == "Float64"
    assert df["price_text"].tolist() == [12.99, pd.NA]
    assert df["qty"].tolist() == [17, 3]


def test_a_failing_dtypes_override_names_the_column_and_a_bad_value() -> None:
    rows = [{"price_text": "12.99"}, {"price_text": "n/a"}, {"price_text": "3"}]
    with pytest.raises(ValueError, match=r"'price_text'.*'n/a'"):
        rows_to_frame(rows, dtypes={"price_text": "Float64"})


def test_dtypes_override_to_int_refuses_to_truncate_fractions() -> None:
    rows = [{"n": 2.0}, {"n": 1.5}, {"n": None}]
    with pytest.raises(ValueError, match=r"'n'.*1\.5"):
        rows_to_frame(rows, dtypes={"n": "Int64"})
    assert rows_to_frame(rows[::2], dtypes={"n": "Int64"})["n"].tolist() == [2, pd.NA]


def test_dtypes_override_to_object_keeps_object() -> None:
    df = rows_to_frame([{"s": "a"}, {"s": "b"}], dtypes={"s": object})
    assert df["s"].dtype == object
    assert df["s"].tolist() == ["a", "b"]


def test_dtypes_override_of_an_unknown_column_or_dtype_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown column 'nope'"):
        rows_to_frame([{"a": "1"}], dtypes={"nope": "Int64"})
    with pytest.raises(ValueError, match="unknown dtype"):
        rows_to_frame([{"a": "1"}], dtypes={"a": "Integer64"})


def test_columns_selects_and_orders_including_flattened_names() -> None:
    rows, headers = _catalogue()
    df = rows_to_frame(rows, headers, columns=["seller.name", "title"])
    assert list(df.columns) == [ID_COLUMN, "seller.name", "title"]
    assert df["seller.name"].tolist() == ["Ana", pd.NA, pd.NA, "Bo"]
    assert list(rows_to_frame(rows, headers, columns="brand").columns) == [ID_COLUMN, "brand"]


def test_unknown_columns_raise_listing_the_available_ones() -> None:
    rows, headers = _catalogue()
    with pytest.raises(ValueError) as info:
        rows_to_frame(rows, headers, columns=["title", "ttile"])
    message = str(info.value)
    assert "'ttile'" in message
    for available in ("title", "price", "brand", "tags"):
        assert repr(available) in message


def test_labels_rename_by_header_label_with_fallback_and_unique_names() -> None:
    headers = [
        ResultHeader("a", "Price"),
        ResultHeader("b", "Price"),
        ResultHeader("c", ""),
        ResultHeader("seller", "Seller"),
    ]
    rows = [{ID_COLUMN: _id(1), "a": 1, "b": 2, "c": 3, "seller": {"name": "Ana"}, "Price (2)": 0}]
    df = rows_to_frame(rows, headers, labels=True)
    assert list(df.columns) == [ID_COLUMN, "Price", "Price (3)", "c", "Seller.name", "Price (2)"]
    assert df["Price (3)"].tolist() == [2]


def test_labels_combine_with_columns_and_dtypes_given_by_key() -> None:
    headers = [ResultHeader("p", "Price"), ResultHeader("t", "Title")]
    df = rows_to_frame(
        [{"p": "1.5", "t": "x"}], headers, columns=["p"], dtypes={"p": "Float64"}, labels=True
    )
    assert list(df.columns) == ["Price"]
    assert df["Price"].dtype == "Float64"


# -- provenance ----------------------------------------------------------------------------------


def _provenance() -> dict:
    return {
        "run_slug": "01KSFDS8XWTJME33C08XMCR6B9",
        "scraper_slug": "01KJ0000000000000000000000",
        "worker_title": "Shop — 東京",
        "version": "v1.0.1",
        "status": "succeeded",
        "row_count": 3,
        "usage": 0.0217,
        "fetched_at": "2026-01-19T10:00:00+00:00",
        "base_url": "https://openapi.example",
        "api_version": "v1",
    }


def test_provenance_survives_filtering_selection_and_parquet(tmp_path) -> None:
    df = rows_to_frame([{ID_COLUMN: _id(n), "n": n, "s": str(n)} for n in range(3)])
    info = _provenance()
    assert set(info) == set(PROVENANCE_KEYS)
    assert set_provenance(df, info) is df
    info["row_count"] = 99  # the frame holds a copy
    assert df.attrs[ATTRS_KEY]["row_count"] == 3
    assert df[df["n"] > 0].attrs[ATTRS_KEY] == _provenance()
    assert df[["n"]].attrs[ATTRS_KEY] == _provenance()
    path = tmp_path / "f.parquet"
    df.to_parquet(path)
    assert pd.read_parquet(path).attrs[ATTRS_KEY] == _provenance()


@pytest.mark.parametrize(
    "bad",
    [
        {"fetched_at": dt.datetime(2026, 1, 1, tzinfo=UTC)},
        {"usage": math.nan},
        {"nested": {1: "int key"}},
        {"tags": ("a", "b")},
        {"deep": [{"x": object()}]},
    ],
)
def test_provenance_must_be_json_safe(bad: dict) -> None:
    df = pd.DataFrame({"a": [1]})
    with pytest.raises(ValueError):
        set_provenance(df, bad)
    assert ATTRS_KEY not in df.attrs


# -- run history and logs ------------------------------------------------------------------------


def test_runs_to_frame_has_real_dtypes() -> None:
    runs = [
        Run(
            slug="r1",
            status=RunStatus.SUCCEEDED,
            scraper_slug="w",
            scraper_title="Shop",
            version="v1",
            results=4,
            usage=0.0217,
            traffic=2048,
            started_at=dt.datetime(2026, 1, 19, 10, 0, tzinfo=UTC),
            finished_at=dt.datetime(2026, 1, 19, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=2))),
            duration=62.5,
            origin="api",
        ),
        Run(slug="r2", status=RunStatus.RUNNING, started_at=dt.datetime(2026, 1, 20, 8, 0)),
    ]
    df = runs_to_frame(runs)
    assert df["run_slug"].tolist() == ["r1", "r2"]
    assert df.dtypes.astype(str).to_dict() == {
        "run_slug": "string",
        "status": "category",
        "status_code": "int64",
        "scraper_slug": "string",
        "scraper_title": "string",
        "version": "string",
        "results": "int64",
        "usage": "float64",
        "traffic": "int64",
        "started_at": "datetime64[us, UTC]",
        "finished_at": "datetime64[us, UTC]",
        "duration": "timedelta64[ns]",
        "origin": "string",
        "err_msg": "string",
    }
    assert list(df["status"].cat.categories) == [
        "ready",
        "running",
        "succeeded",
        "failed",
        "aborting",
    ]
    assert df["status"].tolist() == ["succeeded", "running"]
    assert df["status_code"].tolist() == [3, 2]
    # +02:00 is converted; a naive time is taken as UTC already.
    assert df["finished_at"][0] == pd.Timestamp("2026-01-19 10:00", tz="UTC")
    assert pd.isna(df["finished_at"][1])
    assert df["started_at"][1] == pd.Timestamp("2026-01-20 08:00", tz="UTC")
    assert df["duration"][0] == pd.Timedelta(seconds=62.5)


def test_runs_to_frame_of_no_runs_keeps_columns_and_dtypes() -> None:
    empty = runs_to_frame([])
    one = runs_to_frame([Run(slug="r", status=RunStatus.READY)])
    assert len(empty) == 0
    assert empty.dtypes.astype(str).to_dict() == one.dtypes.astype(str).to_dict()


def test_log_to_frame_dtypes_and_values() -> None:
    entries = [
        LogEntry(LogLevel.INFO, "SYSTEM: Preparing", "1", dt.datetime(2026, 1, 19, tzinfo=UTC)),
        LogEntry(LogLevel.ERROR, "boom ✗", "", None),
    ]
    df = log_to_frame(entries)
    assert list(df.columns) == ["timestamp", "level", "group", "content"]
    assert str(df["timestamp"].dt.tz) == "UTC"
    assert list(df["level"].cat.categories) == ["debug", "info", "warn", "error"]
    assert df["level"].tolist() == ["info", "error"]
    assert df["content"].dtype == "string"
    assert df["content"].tolist() == ["SYSTEM: Preparing", "boom ✗"]
    assert pd.isna(df["timestamp"][1])
    assert list(log_to_frame([]).columns) == ["timestamp", "level", "group", "content"]


# -- explode_nested ------------------------------------------------------------------------------


def test_explode_nested_dict_items_become_rows_keyed_by_parent_and_position() -> None:
    rows = [
        {
            ID_COLUMN: "p1",
            "reviews": [{"stars": 5, "by": {"name": "Ana"}}, {"stars": 3, "text": "ok"}],
        },
        {ID_COLUMN: "p2", "reviews": []},
        {ID_COLUMN: "p3", "reviews": None},
        {ID_COLUMN: "p4", "reviews": [{"stars": 1, "position": "top"}]},
    ]
    child = explode_nested(rows_to_frame(rows), "reviews")
    assert list(child.columns) == [
        ID_COLUMN,
        "position",
        "stars",
        "by.name",
        "text",
        "reviews.position",
    ]
    assert child[ID_COLUMN].tolist() == ["p1", "p1", "p4"]
    assert child["position"].tolist() == [0, 1, 0]
    assert child["stars"].dtype == "Int64"
    assert child["by.name"].tolist() == ["Ana", pd.NA, pd.NA]
    assert child["reviews.position"].tolist() == [pd.NA, pd.NA, "top"]


def test_explode_nested_scalar_items_go_to_a_value_column() -> None:
    parent = rows_to_frame(
        [{ID_COLUMN: "a", "links": ["u1", "u2", "u3"]}, {ID_COLUMN: "b", "links": ["u4"]}]
    )
    child = explode_nested(parent, "links")
    assert child.shape == (4, 3)
    assert child["value"].tolist() == ["u1", "u2", "u3", "u4"]
    assert child["position"].tolist() == [0, 1, 2, 0]


def test_explode_nested_with_nothing_to_explode_and_bad_names() -> None:
    parent = rows_to_frame([{ID_COLUMN: "a", "links": None}])
    child = explode_nested(parent, "links")
    assert list(child.columns) == [ID_COLUMN, "position"] and len(child) == 0
    with pytest.raises(ValueError, match="No column 'nope'"):
        explode_nested(parent, "nope")
    with pytest.raises(ValueError, match="No column 'row_id'"):
        explode_nested(parent, "links", id_column="row_id")


# -- volume --------------------------------------------------------------------------------------


@pytest.mark.slow
def test_many_pages_keep_every_row_and_infer_over_all_of_them() -> None:
    total, page = 150_000, 1_000
    builder = FrameBuilder([ResultHeader("n"), ResultHeader("when")])
    for start in range(0, total, page):
        builder.add_rows(
            [
                {
                    ID_COLUMN: _id(n),
                    "n": n,
                    "when": f"2025-01-01T00:00:{n % 60:02d}Z",
                    "seller": {"id": n % 7} if n % 5 else None,
                    "tags": ["t"] * (n % 3),
                    **({"late": 0.5} if n == total - 1 else {}),
                }
                for n in range(start, start + page)
            ]
        )
    df = builder.build()
    assert len(df) == total
    assert df[ID_COLUMN].is_unique
    assert df["n"].tolist() == list(range(total))
    assert str(df["when"].dtype) == "datetime64[us, UTC]"
    assert df["seller.id"].isna().sum() == total // 5
    assert df["late"].notna().sum() == 1 and df["late"].dtype == "Float64"
    assert df["tags"][4] == ["t"]
