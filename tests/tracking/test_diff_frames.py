"""diff on frames built in the test: duplicates, missing keys, NaN, tolerance, types."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import coreclaw_pandas as cc
from coreclaw_pandas.tracking import TrackingError


def test_duplicates_and_missing_keys_are_reported_not_merged():
    old = pd.DataFrame({"id": [1, 2, 2, 3, None], "v": [1, 2, 3, 4, 5]})
    new = pd.DataFrame({"id": [1, 2, 3, 3, 4, None], "v": [1, 2, 4, 4, 9, 0]})
    d = cc.diff(old, new, key="id")
    assert d.counts() == {"added": 1, "removed": 0, "changed": 0, "unchanged": 1,
                          "duplicate_key": 6, "no_key": 2}
    # A key repeated on one side is left out on both: there is no one row to compare.
    assert sorted(d.duplicates["side"]) == ["new"] * 3 + ["old"] * 3
    assert set(d.duplicates["id"]) == {2, 3}


def test_nan_equals_nan_tolerance_and_a_change_of_type():
    old = pd.DataFrame({"id": ["a", "b", "c"], "price": [1.0, np.nan, 3.0],
                        "stock": [5, 6, 7], "note": [None, "x", "y"]})
    new = pd.DataFrame({"id": ["a", "b", "c"], "price": [1.004, np.nan, 3.5],
                        "stock": ["5", "6", "8"], "note": [None, "x", "z"]})
    d = cc.diff(old, new, key="id", tolerance={"price": 0.01})
    cells = d.changed.set_index(["id", "field"])
    assert sorted(cells.index) == [("a", "stock"), ("b", "stock"), ("c", "note"),
                                   ("c", "price"), ("c", "stock")]
    assert cells.loc[("a", "stock"), "old"] == 5 and cells.loc[("a", "stock"), "new"] == "5"
    assert d.type_changes["field"].tolist() == ["stock"]
    assert "type" in set(d.summary()["what"])


def test_several_key_columns_compare_and_ignore():
    old = pd.DataFrame({"shop": ["x", "x", "y"], "sku": [1, 2, 1], "p": [1, 2, 3],
                        "at": ["t0"] * 3})
    new = pd.DataFrame({"shop": ["x", "y", "y"], "sku": [1, 1, 2], "p": [1, 30, 4],
                        "at": ["t1"] * 3, "extra": [0, 0, 0]})
    d = cc.diff(old, new, key=["shop", "sku"], ignore=["at"])
    assert d.counts()["changed"] == 1 and d.counts()["added"] == 1
    assert d.removed[["shop", "sku"]].values.tolist() == [["x", 2]]
    assert d.columns_added == ["extra"] and d.compared == ["p"]
    only_at = cc.diff(old, new, key=["shop", "sku"], compare=["at"])
    assert only_at.counts()["changed"] == 2
    with pytest.raises(TrackingError, match="extra"):
        cc.diff(old, new, key=["shop", "sku"], compare=["extra"])


def test_a_collection_is_a_side_and_a_key_is_needed(tmp_path):
    store = cc.Collection(tmp_path / "c", key="id")
    store.update(pd.DataFrame({"id": [1, 2], "v": [1, 2]}))
    d = cc.diff(store, pd.DataFrame({"id": [1, 2], "v": [1, 3]}), key="id")
    assert d.counts()["changed"] == 1 and d.compared == ["v"]  # first/last_seen never compared
    assert cc.diff(store, pd.DataFrame({"id": [2], "v": [2]})).key == ["id"]  # the store's key
    with pytest.raises(TrackingError, match="key="):
        cc.diff(pd.DataFrame({"a": [1]}), pd.DataFrame({"a": [1]}))
    with pytest.raises(TrackingError, match="DataFrame"):
        cc.diff(42, pd.DataFrame({"a": [1]}), key="a")
