"""verify(): every verdict on an emulator fixture, and results_df(on_error_rows=...)."""

from __future__ import annotations

import warnings

import pytest

import coreclaw_pandas as cc

from .helpers import CAPTCHA, CATALOGUE, FAILING, SLOW


def test_pass(configured):
    v = cc.verify(cc.run_worker(CATALOGUE, {"rows": 50}, progress=False))
    assert v.status is cc.VerdictStatus.PASS and v and v.ok
    assert v.counts["rows"] == v.counts["data_rows"] == 50 and v.counts["error_rows"] == 0


def test_no_data(configured):
    v = cc.verify(cc.run_worker(CATALOGUE, {"rows": 0}, progress=False))
    assert v.status is cc.VerdictStatus.NO_DATA and not v
    assert v.counts["rows"] == 0 and "zero rows" in v.reason


def test_error_records_with_the_evidence(configured):
    run = cc.run_worker(CAPTCHA, {"pages": 12, "real_pages": 3}, progress=False)
    v = cc.verify(run)
    assert v.status is cc.VerdictStatus.ERROR_RECORDS
    assert v.counts == {"results": 15, "rows": 15, "error_rows": 12, "data_rows": 3}
    assert len(v.sample) == 5 and (v.sample["status_code"] >= 400).all()
    assert any("HTTP 403" in line for line in v.log_lines)
    assert "12 of 15" in str(v)
    lenient = cc.verify(run, max_error_share=0.9)
    assert lenient.status is cc.VerdictStatus.PASS and lenient.counts["error_rows"] == 12


def test_failed_with_its_reason(configured):
    run = cc.run_worker(FAILING, {"fail_after": 2, "row_interval_seconds": 0,
                                  "message": "layout changed"}, wait=False)
    cc.wait(run, raise_on_failure=False, progress=False)
    v = cc.verify(run)
    assert v.status is cc.VerdictStatus.FAILED and "layout changed" in v.reason
    assert v.counts["rows"] == 2 and any("layout changed" in line for line in v.log_lines)


def test_running(configured):
    run = cc.run_worker(SLOW, {"duration_seconds": 30}, wait=False)
    try:
        v = cc.verify(run)
        assert v.status is cc.VerdictStatus.RUNNING and "verify again" in v.reason
    finally:
        cc.abort(run)


def test_results_df_on_error_rows_uses_the_same_classifier(configured):
    run = cc.run_worker(CAPTCHA, {"pages": 6, "real_pages": 4}, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(cc.results_df(run)) == 10  # keep, silently, by default
    with pytest.warns(cc.ErrorRowsWarning, match="6 of 10"):
        assert len(cc.results_df(run, on_error_rows="warn")) == 10
    kept = cc.results_df(run, on_error_rows="drop")
    assert len(kept) == 4 and (kept["status_code"] == 200).all()
    assert kept.coreclaw.run_slug == run.slug
    with pytest.raises(cc.ErrorRowsError, match="on_error_rows='drop'") as caught:
        cc.results_df(run, on_error_rows="raise")
    assert (caught.value.count, caught.value.total) == (6, 10)
    with pytest.raises(ValueError, match="keep, warn, drop, raise"):
        cc.results_df(run, on_error_rows="ignore")
