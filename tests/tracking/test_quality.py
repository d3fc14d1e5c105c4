"""quality(): per-column health and the frame's flags."""

from __future__ import annotations

import pandas as pd

import coreclaw_pandas as cc

from .helpers import CAPTCHA, CATALOGUE


def test_columns_flags_and_counts():
    df = pd.DataFrame({"id": [1, 1, 2, None], "tags": [["a"], ["a"], None, ["b"]],
                       "empty": [None] * 4, "status_code": [200, 200, 403, 200]})
    q = df.coreclaw.quality(key="id")
    assert q.loc["id", "filled_pct"] == 75.0 and q.loc["tags", "distinct"] == 2
    assert "repeated keys" in q.loc["id", "flags"] and "key missing" in q.loc["id", "flags"]
    assert q.loc["empty", "flags"] == "empty"
    assert q.attrs["quality"]["duplicate_keys"] == 2
    assert q.attrs["quality"]["error_rows"] == 0
    assert q.attrs["quality"]["empty_declared_columns"] == []


def test_a_results_frame_flags_error_rows_and_declared_columns_left_empty(configured):
    df = cc.results_df(cc.run_worker(CAPTCHA, {"pages": 4}, progress=False))
    q = df.coreclaw.quality(key="url")
    assert q.attrs["quality"]["error_rows"] == 4
    assert q.attrs["quality"]["empty_declared_columns"] == ["price"]
    assert "declared but empty" in q.loc["price", "flags"]
    assert "__coreclaw_data_id__" not in q.index


def test_a_clean_catalogue(configured):
    df = cc.results_df(cc.run_worker(CATALOGUE, {"rows": 500}, progress=False))
    q = df.coreclaw.quality(key="product_id")
    assert q.loc["product_id", "filled_pct"] == 100.0 and q.loc["product_id", "distinct"] == 500
    assert q.attrs["quality"]["duplicate_keys"] == q.attrs["quality"]["error_rows"] == 0
