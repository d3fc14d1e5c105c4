"""cc.* against production's behaviour (issue 13 items 3, 9, 11), in v1 and v2.

The emulator's defaults follow production: v2 run detail has no ``err_msg`` and,
with ``abort_hold``, an aborted run stays ``aborting``. Failure reasons must still
reach the user, and no wait on an aborting run may go on for ever.
"""

from __future__ import annotations

import os
import signal
import threading

import pytest

import coreclaw_pandas as cc
from coreclaw_pandas.models import RunStatus

from .helpers import FAILING, SLOW

FOREVER = {"duration_seconds": 600, "interval_seconds": 0.05}
QUICK = cc.PollPolicy(initial=0.02, factor=1.5, maximum=0.1, aborting_polls=4)


@pytest.fixture
def quick(configured):
    """The default client, with few polls allowed while a run shows aborting."""
    configured.poll = QUICK
    return configured


def test_run_failed_error_gives_the_reason(configured):
    with pytest.raises(cc.RunFailedError) as info:
        cc.run_worker(FAILING, {"fail_after": 1, "row_interval_seconds": 0}, progress=False)
    text = str(info.value)
    assert info.value.err_msg.startswith("Simulated failure") and "Simulated failure" in text
    assert "no reason" not in text


def test_runs_df_shows_the_reason(configured):
    failed = cc.run_worker(FAILING, {"fail_after": 1}, progress=False, wait=False)
    cc.wait(failed, raise_on_failure=False, progress=False)
    runs = cc.runs_df()
    row = runs[runs["run_slug"] == failed.slug].iloc[0]
    assert row["status"] == "failed" and row["err_msg"].startswith("Simulated failure")


def test_abort_and_wait_returns_the_stopped_run(quick, emu):
    emu.configure(abort_delay=0)
    run = cc.run_worker(SLOW, FOREVER, wait=False)
    stopped = cc.abort(run, wait=True)
    assert stopped.status is RunStatus.FAILED and "aborted" in stopped.err_msg


def test_abort_and_wait_on_a_run_held_aborting_is_bounded(quick, emu):
    emu.configure(abort_hold=True)
    run = cc.run_worker(SLOW, FOREVER, wait=False)
    with pytest.raises(cc.RunAbortingError) as info:
        cc.abort(run, wait=True)
    assert info.value.run.status is RunStatus.ABORTING
    assert "still aborting" in str(info.value) and f"cc.wait({run.slug!r})" in str(info.value)
    # A later wait is bounded the same way; the run is still there, aborting.
    with pytest.raises(cc.RunAbortingError):
        cc.wait(run, progress=False)
    assert cc.abort(run).status is RunStatus.ABORTING


def test_ctrl_c_with_abort_returns_at_once_on_a_run_held_aborting(quick, emu):
    emu.configure(abort_hold=True)
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    with pytest.raises(KeyboardInterrupt) as info:
        cc.run_worker(SLOW, FOREVER, abort_on_interrupt=True, progress=False)
    timer.join()
    # The message travels in the interrupt (cc.RunInterrupted), shown once by IPython.
    assert "being aborted" in str(info.value) and "cc.wait(" in str(info.value)
    runs = cc.runs_df()
    assert runs.iloc[0]["status"] == "aborting"


def test_search_without_a_query_lists_the_store_with_paths(configured, emu):
    found = cc.search_workers()
    assert list(found.columns) == ["slug", "path", "title", "description"]
    assert set(found["path"]) == {w.path for w in emu.workers}
    assert cc.search_workers("").equals(found)
