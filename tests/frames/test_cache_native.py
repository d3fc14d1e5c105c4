"""The cache stores lists of text, integers and booleans as Arrow lists, not JSON per cell."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow.parquet as pq

from coreclaw_pandas.frames import cache


def test_lists_of_text_and_integers_are_stored_as_arrow_lists_and_come_back_exactly():
    df = pd.DataFrame(
        {
            "tags": pd.Series([["a", None], pd.NA, [], ["🔥"]], dtype=object),
            "nested": pd.Series([[[1, None], [2]], [[]], pd.NA, [[3]]], dtype=object),
            "floats": pd.Series([[1, 2.5], [1.0], pd.NA, []], dtype=object),
        }
    )
    path = cache.store(df, "https://api.example", "run1", account="ab" * 8)
    record = json.loads(pq.read_schema(path).metadata[b"coreclaw_pandas.cache"])
    assert record["native_columns"] == ["tags", "nested"]
    back = cache.load("https://api.example", "run1", account="ab" * 8)
    assert back is not None and list(back.columns) == list(df.columns)
    for name in df.columns:
        assert [repr(v) for v in back[name]] == [repr(v) for v in df[name]], name
