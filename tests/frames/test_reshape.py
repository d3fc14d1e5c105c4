"""Reshaping: flattening dict columns and exploding list columns into child frames. No server."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from coreclaw_pandas.frames import (
    ATTRS_KEY,
    ID_COLUMN,
    explode_nested,
    flatten_columns,
    rows_to_frame,
)

UTC = dt.UTC


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
    assert df["seller"].tolist() == [{"name": "Ana"}, pd.NA]


def test_a_key_that_is_a_dict_in_some_rows_and_scalar_in_others_stays_whole(
    small_chunks: int,
) -> None:
    values = [{"amount": 5, "cur": "EUR"}, "5 EUR", None, 7, {"amount": 1}]
    df = rows_to_frame([{"price": v} for v in values])
    assert list(df.columns) == ["price"]
    assert df["price"].dtype == object
    assert df["price"].tolist() == [pd.NA if v is None else v for v in values]


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
        "position",
        "stars",
        "by.name",
        "text",
        "reviews.position",
        ID_COLUMN,
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
    assert list(child.columns) == ["position", ID_COLUMN] and len(child) == 0
    with pytest.raises(ValueError, match="No column 'nope'"):
        explode_nested(parent, "nope")
    with pytest.raises(ValueError, match="No column 'row_id'"):
        explode_nested(parent, "links", id_column="row_id")
