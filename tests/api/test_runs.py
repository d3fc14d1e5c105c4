"""cc.run_worker, wait, abort, rerun and friends, end to end against the emulator."""

from __future__ import annotations

import os
import signal
import threading

import pandas as pd
import pytest

import coreclaw_pandas as cc
from coreclaw_pandas.models import RunStatus

from .helpers import CATALOGUE, FAILING, SLOW, WEB


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
    with pytest.raises(KeyboardInterrupt) as info:
        cc.wait(run, progress=False)
    err = str(info.value)
    assert run.slug in err and "cc.wait(" in err and "cc.abort(" in err
    assert configured.run(run.slug).status is RunStatus.RUNNING
    cc.abort(run)


def test_ctrl_c_with_abort_on_interrupt_aborts(configured, capsys):
    _interrupt_soon()
    with pytest.raises(KeyboardInterrupt) as info:
        cc.run_worker(
            SLOW,
            {"duration_seconds": 30, "interval_seconds": 0.1},
            abort_on_interrupt=True,
            progress=False,
        )
    assert "aborted" in str(info.value)
    runs = cc.runs_df()
    assert runs.iloc[0]["status"] in ("aborting", "failed")


def test_search_worker_account(configured):
    found = cc.search_workers("catalogue")
    assert list(found.columns) == ["slug", "path", "title", "description"] and len(found) >= 1
    assert cc.worker(found["slug"].iloc[0]).input_schema.names
    assert cc.account().balance > 0


def test_rerun_and_task(configured, emu):
    first = cc.run_worker(CATALOGUE, {"rows": 9}, progress=False)
    again = cc.rerun(first, callback_url="http://127.0.0.1:9/x", progress=False)
    assert again.slug != first.slug and again.results == 9
    task = emu.add_task(CATALOGUE, {"rows": 4})
    assert cc.run_task(task, callback_url="http://127.0.0.1:9/x", progress=False).results == 4


def test_progress_bars_show_status_and_rows(configured, capsys):
    run = cc.run_worker(CATALOGUE, {"rows": 300}, progress=True)
    cc.results_df(run, progress=True)
    err = capsys.readouterr().err
    assert f"run {run.slug}" in err and "succeeded" in err
    assert f"rows of {run.slug}" in err and "300/300" in err


def test_progress_false_prints_nothing(configured, capsys):
    cc.results_df(cc.run_worker(CATALOGUE, {"rows": 30}, progress=False), progress=False)
    assert capsys.readouterr().err == ""
