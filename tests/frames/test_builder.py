"""Building frames from result pages: rows, columns, ids, dtypes=, columns=, labels=. No server."""

from __future__ import annotations

import datetime as dt
import sys

import pandas as pd
import pytest

from coreclaw_pandas.frames import (
    ID_COLUMN,
    FrameBuilder,
    rows_to_frame,
)
from coreclaw_pandas.models import ResultHeader

from .helpers import catalogue, row_id

UTC = dt.UTC


# -- shape: rows, columns, ids -------------------------------------------------------------------


def test_every_row_once_with_header_order_then_extras_in_first_appearance_order() -> None:
    rows, headers = catalogue()
    df = rows_to_frame(rows, headers)
    assert len(df) == 4
    assert list(df.columns) == [
        "title",
        "price",
        "never_sent",
        "seller.name",
        "seller.geo.cc",
        "seller.rating",
        "tags",
        "brand",
        ID_COLUMN,
    ]
    assert df[ID_COLUMN].tolist() == [row_id(1), row_id(2), row_id(3), row_id(4)]
    assert df["title"].tolist() == ["Mug ☕", pd.NA, pd.NA, "東京タワー"]
    assert df["brand"].isna().tolist() == [True, True, False, True]
    assert df["never_sent"].isna().all()
    assert df["seller.geo.cc"].tolist() == ["PT", pd.NA, pd.NA, pd.NA]


def test_pages_in_order_and_headers_known_after_the_first_page(small_chunks: int) -> None:
    builder = FrameBuilder()
    builder.add_rows([{ID_COLUMN: row_id(n), "b": n, "a": str(n)} for n in range(5)])
    builder.set_headers([ResultHeader("a"), ResultHeader("b")])
    builder.add_rows([{ID_COLUMN: row_id(n), "c": True, "a": str(n)} for n in range(5, 8)])
    assert builder.row_count == 8
    df = builder.build()
    assert list(df.columns) == ["a", "b", "c", ID_COLUMN]
    assert df[ID_COLUMN].tolist() == [row_id(n) for n in range(8)]
    assert df["b"].tolist() == [0, 1, 2, 3, 4, pd.NA, pd.NA, pd.NA]
    assert df["c"].tolist() == [pd.NA] * 5 + [True] * 3


def test_ids_are_kept_unique_and_first_even_when_columns_selects_others() -> None:
    rows = [{"x": n, ID_COLUMN: row_id(n)} for n in range(50)]
    df = rows_to_frame(rows, columns=["x"])
    assert list(df.columns) == ["x", ID_COLUMN]
    assert df[ID_COLUMN].is_unique
    assert df[ID_COLUMN].tolist() == [row_id(n) for n in range(50)]
    assert df[ID_COLUMN].dtype == "string"


def test_zero_rows_with_headers_keeps_header_columns_and_the_id() -> None:
    df = rows_to_frame([], [ResultHeader("title"), ResultHeader("price")])
    assert list(df.columns) == ["title", "price", ID_COLUMN]
    assert len(df) == 0


def test_zero_rows_without_headers_is_an_empty_frame_with_the_id_column() -> None:
    df = rows_to_frame([])
    assert list(df.columns) == [ID_COLUMN]
    assert len(df) == 0


def test_rows_without_ids_get_no_invented_id_column() -> None:
    assert list(rows_to_frame([{"a": 1}]).columns) == ["a"]


def test_page_dicts_are_not_kept_by_the_builder() -> None:
    row = {ID_COLUMN: row_id(1), "title": "x", "tags": ["a"]}
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
    rows, headers = catalogue()
    df = rows_to_frame(rows, headers, columns=["seller.name", "title"])
    assert list(df.columns) == ["seller.name", "title", ID_COLUMN]
    assert df["seller.name"].tolist() == ["Ana", pd.NA, pd.NA, "Bo"]
    assert list(rows_to_frame(rows, headers, columns="brand").columns) == ["brand", ID_COLUMN]


def test_unknown_columns_raise_listing_the_available_ones() -> None:
    rows, headers = catalogue()
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
    rows = [
        {ID_COLUMN: row_id(1), "a": 1, "b": 2, "c": 3, "seller": {"name": "Ana"}, "Price (2)": 0}
    ]
    df = rows_to_frame(rows, headers, labels=True)
    assert list(df.columns) == ["Price", "Price (3)", "c", "Seller.name", "Price (2)", ID_COLUMN]
    assert df["Price (3)"].tolist() == [2]


def test_labels_combine_with_columns_and_dtypes_given_by_key() -> None:
    headers = [ResultHeader("p", "Price"), ResultHeader("t", "Title")]
    df = rows_to_frame(
        [{"p": "1.5", "t": "x"}], headers, columns=["p"], dtypes={"p": "Float64"}, labels=True
    )
    assert list(df.columns) == ["Price"]
    assert df["Price"].dtype == "Float64"


# -- volume --------------------------------------------------------------------------------------


@pytest.mark.slow
def test_many_pages_keep_every_row_and_infer_over_all_of_them() -> None:
    total, page = 150_000, 1_000
    builder = FrameBuilder([ResultHeader("n"), ResultHeader("when")])
    for start in range(0, total, page):
        builder.add_rows(
            [
                {
                    ID_COLUMN: row_id(n),
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
