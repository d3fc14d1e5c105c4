"""cc.results_df, runs_df and export end to end against the emulator (cache included)."""

from __future__ import annotations

import time

import pandas as pd
import pytest

import coreclaw_pandas as cc

from .helpers import CATALOGUE, FAILING, SLOW


def test_ragged_nested_unicode_rows(configured):
    df = cc.results_df(cc.run_worker(CATALOGUE, {"rows": 3000}, progress=False))
    assert len(df) == 3000 and df["__coreclaw_data_id__"].is_unique
    assert "seller.name" in df.columns  # nested dicts flattened
    assert df["tags"].dropna().map(type).eq(list).all()  # lists stay lists
    assert df.isna().any().any()  # ragged rows become NA, nothing dropped
    assert str(df["review_count"].dtype) == "Int64"
    assert str(df["price_text"].dtype) in ("string", "str")  # numbers as strings stay strings
    assert df["title"].str.contains(r"[^\x00-\x7f]", regex=True).any()
    raw = cc.results_df(df.coreclaw.run_slug, flatten=False, columns=["seller"])
    assert list(raw.columns) == ["seller", "__coreclaw_data_id__"]
    assert isinstance(raw["seller"].dropna().iloc[0], dict)


@pytest.mark.slow
def test_a_hundred_thousand_rows_arrive_exactly_once(configured):
    run = cc.run_worker(CATALOGUE, {"rows": 100_000, "max_reviews": 0}, progress=False)
    df = cc.results_df(run, progress=False, cache=False)
    assert len(df) == 100_000
    assert df["__coreclaw_data_id__"].nunique() == 100_000
    assert df["index"].tolist() == list(range(100_000))


def test_partial_results_warn_and_are_not_cached(configured, emu):
    run = cc.run_worker(SLOW, {"duration_seconds": 30, "interval_seconds": 0.05}, wait=False)
    time.sleep(0.5)
    with pytest.warns(cc.PartialResultsWarning):
        partial = cc.results_df(run, progress=False)
    assert 0 < len(partial) < 600
    emu.clear_requests()
    with pytest.warns(cc.PartialResultsWarning):
        cc.results_df(run, progress=False)
    assert emu.requests  # asked again: unfinished runs are never cached
    cc.abort(run)


def test_finished_runs_are_cached_on_disk(configured, emu):
    run = cc.run_worker(CATALOGUE, {"rows": 500}, progress=False)
    first = cc.results_df(run)
    emu.clear_requests()
    second = cc.results_df(run)
    # One call, the run's detail: it authorises the hit for this key (issue 14).
    assert len(emu.requests) == 1 and "result" not in emu.requests[0].path
    pd.testing.assert_frame_equal(first, second)
    assert second.attrs["coreclaw"]["run_slug"] == run.slug
    assert cc.clear_cache() >= 1
    cc.results_df(run)
    assert any("result" in r.path for r in emu.requests)


def test_runs_df_has_real_dtypes_and_filters(configured):
    ok = cc.run_worker(CATALOGUE, {"rows": 2}, progress=False)
    with pytest.raises(cc.RunFailedError):
        cc.run_worker(FAILING, {"fail_after": 1}, progress=False)
    runs = cc.runs_df()
    assert len(runs) == 2
    assert pd.api.types.is_datetime64_any_dtype(runs["started_at"])
    assert pd.api.types.is_float_dtype(runs["usage"])
    only_ok = cc.runs_df(status="succeeded")
    assert only_ok["run_slug"].tolist() == [ok.slug]
    assert len(cc.runs_df(limit=1)) == 1
    with pytest.raises(cc.InputError, match="succeeded"):
        cc.runs_df(status="finished")


def test_server_side_export_is_atomic(configured, emu, tmp_path):
    run = cc.run_worker(CATALOGUE, {"rows": 50}, progress=False)
    path = cc.export(run, tmp_path / "out.csv", progress=False)
    assert len(pd.read_csv(path)) == 50
    emu.inject_fault("/_emulator/*", "reset", count=50)
    target = tmp_path / "never.json"
    with pytest.raises(cc.CoreClawError):
        cc.export(run, target, format="json", progress=False)
    assert not target.exists() and list(tmp_path.iterdir()) == [path]
