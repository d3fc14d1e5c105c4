"""Dtype inference over all rows: scalars, big ints, ISO dates, text kept verbatim. No server."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from coreclaw_pandas.frames import (
    rows_to_frame,
)

UTC = dt.UTC


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
    # A missing value shows as <NA>, as in the typed columns (issue 16).
    assert df["m"].tolist()[: len(mixed)] == mixed[:-1] + [pd.NA]
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
