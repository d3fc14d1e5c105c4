"""A missing value in a list, dict or mixed column shows ``<NA>`` like the typed columns (#12)."""

from __future__ import annotations

import pandas as pd

from coreclaw_pandas.frames import cache, rows_to_frame

ROWS = [
    {"title": "a", "reviews": [{"stars": 5}], "seller": {"name": "Ana"}},
    {"title": None, "reviews": None, "seller": None},
]

#: An account tag as the client makes them (a hash, never a key).
ACCOUNT = "0123456789abcdef0123456789abcdef"


def test_missing_nested_values_show_na() -> None:
    df = rows_to_frame(ROWS)
    assert df["reviews"].dtype == object
    assert df["reviews"].iloc[1] is pd.NA
    assert df["seller.name"].iloc[1] is pd.NA
    text = df.to_string()
    assert "None" not in text and text.count("<NA>") == 3
    raw = rows_to_frame(ROWS, flatten=False)
    assert raw["seller"].iloc[1] is pd.NA and "None" not in raw.to_string()


def test_the_cache_gives_the_same_na_back() -> None:
    df = rows_to_frame(ROWS)
    cache.store(df, "https://api.invalid", "RUN1", account=ACCOUNT)
    loaded = cache.load("https://api.invalid", "RUN1", account=ACCOUNT)
    assert loaded is not None and loaded["reviews"].iloc[1] is pd.NA
    pd.testing.assert_frame_equal(loaded, df)
