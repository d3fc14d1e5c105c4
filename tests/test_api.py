"""The notebook API end to end against the emulator."""

from __future__ import annotations

import os
import signal
import threading
import time

import pandas as pd
import pytest

import coreclaw_pandas as cc
from coreclaw_pandas.models import RunStatus

CATALOGUE = "coreclaw/catalogue-generator"
FAILING = "coreclaw/failing-worker"
SLOW = "coreclaw/slow-worker"
WEB = "coreclaw/web-page-scraper"


@pytest.fixture(params=["v1", "v2"])
def configured(request, emu):
    """The default client of the cc.* helpers, on the emulator, in each API version."""
    return cc.configure(
        api_key=emu.api_key,
        base_url=emu.url,
        api_version=request.param,
        poll=cc.PollPolicy(initial=0.05, factor=1.5, maximum=0.25),
        backoff_factor=0.01,
    )


def test_the_short_path(configured, tmp_path):
    run = cc.run_worker(
        WEB,
        {"startURLs": [{"url": f"{configured.base_url}/demo-site/index.html"}], "max_pages": 8},
        progress=False,
    )
    assert run.status is RunStatus.SUCCEEDED
    df = cc.results_df(run, progress=False)
    assert len(df) == 8 and df["__coreclaw_data_id__"].is_unique
    assert df["title"].notna().all()
    info = df.coreclaw.info
    assert info["run_slug"] == run.slug and info["row_count"] == 8
    assert info["worker_title"] and info["version"] and info["base_url"] == configured.base_url
    path = df.coreclaw.to_excel(tmp_path / "results.xlsx")
    assert pd.read_excel(path, sheet_name="Results").shape[0] == 8


def test_run_slug_strings_are_accepted_everywhere(configured):
    run = cc.run_worker(CATALOGUE, {"rows": 12}, progress=False)
    assert cc.wait(run.slug).slug == run.slug
    assert len(cc.results_df(run.slug)) == 12
    assert not cc.log(run.slug).empty


def test_wait_false_then_wait(configured):
    run = cc.run_worker(CATALOGUE, {"rows": 30}, wait=False)
    assert run.status is RunStatus.READY
    assert cc.wait(run, progress=False).results == 30


def test_sync_mode(configured):
    run = cc.run_worker(CATALOGUE, {"rows": 25}, sync=True, progress=False)
    assert run.status is RunStatus.SUCCEEDED and run.results == 25


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
    assert list(raw.columns) == ["__coreclaw_data_id__", "seller"]
    assert isinstance(raw["seller"].dropna().iloc[0], dict)


@pytest.mark.slow
def test_a_hundred_thousand_rows_arrive_exactly_once(configured):
    run = cc.run_worker(CATALOGUE, {"rows": 100_000, "max_reviews": 0}, progress=False)
    df = cc.results_df(run, progress=False, cache=False)
    assert len(df) == 100_000
    assert df["__coreclaw_data_id__"].nunique() == 100_000
    assert df["index"].tolist() == list(range(100_000))


def test_failure_raises_with_err_msg_and_log_tail(configured):
    with pytest.raises(cc.RunFailedError) as info:
        cc.run_worker(FAILING, {"fail_after": 3}, progress=False)
    err = info.value
    assert err.run.status is RunStatus.FAILED and err.err_msg
    assert err.log_tail and any(e.level == cc.LogLevel.ERROR for e in err.log_tail)
    assert len(cc.results_df(err.run)) == 3  # rows made before the failure are still there


def test_timeout_carries_the_running_run(configured):
    with pytest.raises(cc.RunTimeoutError) as info:
        cc.run_worker(
            SLOW, {"duration_seconds": 30, "interval_seconds": 0.1}, timeout=0.5, progress=False
        )
    run = info.value.run
    assert run.status in (RunStatus.READY, RunStatus.RUNNING)
    assert cc.abort(run).status in (RunStatus.ABORTING, RunStatus.FAILED)


def test_abort(configured):
    run = cc.run_worker(SLOW, {"duration_seconds": 30, "interval_seconds": 0.1}, wait=False)
    cc.abort(run)
    final = cc.wait(run, raise_on_failure=False, progress=False)
    assert final.status in (RunStatus.ABORTING, RunStatus.FAILED)


def _interrupt_soon(delay=0.4):
    timer = threading.Timer(delay, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    return timer


def test_ctrl_c_leaves_the_run_going_and_says_how_to_reattach(configured, capsys):
    run = cc.run_worker(SLOW, {"duration_seconds": 30, "interval_seconds": 0.1}, wait=False)
    _interrupt_soon()
    with pytest.raises(KeyboardInterrupt):
        cc.wait(run, progress=False)
    err = capsys.readouterr().err
    assert run.slug in err and "cc.wait(" in err and "cc.abort(" in err
    assert configured.run(run.slug).status is RunStatus.RUNNING
    cc.abort(run)


def test_ctrl_c_with_abort_on_interrupt_aborts(configured, capsys):
    _interrupt_soon()
    with pytest.raises(KeyboardInterrupt):
        cc.run_worker(
            SLOW,
            {"duration_seconds": 30, "interval_seconds": 0.1},
            abort_on_interrupt=True,
            progress=False,
        )
    assert "aborted" in capsys.readouterr().err
    runs = cc.runs_df()
    assert runs.iloc[0]["status"] in ("aborting", "failed")


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
    assert emu.requests == []  # no API call at all
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


def test_search_worker_account(configured):
    found = cc.search_workers("catalogue")
    assert list(found.columns) == ["slug", "title", "description"] and len(found) >= 1
    assert cc.worker(found["slug"].iloc[0]).input_schema.names
    assert cc.account().balance > 0


def test_rerun_and_task(configured, emu):
    first = cc.run_worker(CATALOGUE, {"rows": 9}, progress=False)
    again = cc.rerun(first, callback_url="http://127.0.0.1:9/x", progress=False)
    assert again.slug != first.slug and again.results == 9
    task = emu.add_task(CATALOGUE, {"rows": 4})
    assert cc.run_task(task, callback_url="http://127.0.0.1:9/x", progress=False).results == 4


def test_server_side_export_is_atomic(configured, emu, tmp_path):
    run = cc.run_worker(CATALOGUE, {"rows": 50}, progress=False)
    path = cc.export(run, tmp_path / "out.csv", progress=False)
    assert len(pd.read_csv(path)) == 50
    emu.inject_fault("/_emulator/*", "reset", count=50)
    target = tmp_path / "never.json"
    with pytest.raises(cc.CoreClawError):
        cc.export(run, target, format="json", progress=False)
    assert not target.exists() and list(tmp_path.iterdir()) == [path]


def test_progress_bars_show_status_and_rows(configured, capsys):
    run = cc.run_worker(CATALOGUE, {"rows": 300}, progress=True)
    cc.results_df(run, progress=True)
    err = capsys.readouterr().err
    assert f"run {run.slug}" in err and "succeeded" in err
    assert f"rows of {run.slug}" in err and "300/300" in err


def test_progress_false_prints_nothing(configured, capsys):
    cc.results_df(cc.run_worker(CATALOGUE, {"rows": 30}, progress=False), progress=False)
    assert capsys.readouterr().err == ""
