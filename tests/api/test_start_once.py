"""cc.run_worker, cc.rerun and cc.run_task: a start is paid once, and a run is never lost.

An error after a start says the run may exist; an error while waiting for a run that
did start carries its slug and how to reattach.
"""

from __future__ import annotations

import pytest

import coreclaw_pandas as cc

CATALOGUE = "coreclaw/catalogue-generator"
SLOW = "coreclaw/slow-worker"
CALLBACK = "http://127.0.0.1:9/callback"


def _start_path(version: str) -> str:
    return "/api/v1/scraper/run" if version == "v1" else "/api/v2/workers/*"


def _detail_path(version: str) -> str:
    return "/api/v1/run/detail" if version == "v1" else "/api/v2/worker-runs/*"


@pytest.mark.parametrize("how", ["run_worker", "run_worker_sync", "rerun", "run_task"])
def test_a_gateway_error_after_a_start_leaves_one_run_and_says_so(configured, emu, how):
    cc.worker(CATALOGUE)
    version = configured.api_version
    if how == "rerun":
        first = cc.run_worker(CATALOGUE, {"rows": 1}, progress=False)
        path = "/api/v1/rerun" if version == "v1" else "/api/v2/worker-runs/*"
        call = lambda: cc.rerun(first, callback_url=CALLBACK, progress=False)  # noqa: E731
    elif how == "run_task":
        task = emu.add_task(CATALOGUE, {"rows": 1})
        path = "/api/v1/task/run" if version == "v1" else "/api/v2/worker-tasks/*"
        call = lambda: cc.run_task(task, callback_url=CALLBACK, progress=False)  # noqa: E731
    else:
        path = _start_path(version)
        sync = how == "run_worker_sync"
        call = lambda: cc.run_worker(CATALOGUE, {"rows": 1}, sync=sync, progress=False)  # noqa: E731
    before = configured.runs_page()[0]
    emu.inject_fault(path, "gateway_after", count=5)
    with pytest.raises(cc.CoreClawError) as info:
        call()
    emu.clear_faults()
    assert configured.runs_page()[0] == before + 1
    text = str(info.value)
    assert info.value.run_may_exist
    assert "may have started" in text and "cc.runs_df(" in text
    assert "HTTP 502 from a proxy" in text and "<html" not in text.lower()
    assert "try again" not in text.lower()


def test_a_failed_poll_after_a_start_names_the_run_and_how_to_reattach(configured, emu):
    emu.inject_fault(_detail_path(configured.api_version), "server_error", fraction=1.0)
    with pytest.raises(cc.CoreClawError) as info:
        cc.run_worker(SLOW, {"duration_seconds": 600}, progress=False)
    emu.clear_faults()
    count, runs = configured.runs_page()
    assert count == 1
    slug = runs[0].slug
    assert slug in str(info.value) and f"cc.wait({slug!r})" in str(info.value)
    assert info.value.run_slug == slug
    cc.abort(slug)


def test_a_failed_poll_after_a_sync_start_names_the_run(configured, emu):
    emu.inject_fault(_detail_path(configured.api_version), "reset", fraction=1.0)
    with pytest.raises(cc.CoreClawError) as info:
        cc.run_worker(CATALOGUE, {"rows": 1}, sync=True, progress=False)
    emu.clear_faults()
    slug = configured.runs_page()[1][0].slug
    assert f"cc.wait({slug!r})" in str(info.value)
