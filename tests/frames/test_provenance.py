"""Provenance in df.attrs: JSON-safe, kept through filtering, selection and Parquet. No server."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from coreclaw_pandas.frames import (
    ATTRS_KEY,
    ID_COLUMN,
    PROVENANCE_KEYS,
    provenance_of,
    rows_to_frame,
    set_provenance,
)

from .helpers import row_id

UTC = dt.UTC


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
    df = rows_to_frame([{ID_COLUMN: row_id(n), "n": n, "s": str(n)} for n in range(3)])
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


def test_provenance_of_a_frame_made_elsewhere_is_empty() -> None:
    assert provenance_of(pd.DataFrame({"a": [1]})) == {}
    df = set_provenance(pd.DataFrame({"a": [1]}), {"run_slug": "R"})
    copy = provenance_of(df)
    copy["run_slug"] = "changed"
    assert df.attrs[ATTRS_KEY] == {"run_slug": "R"}
