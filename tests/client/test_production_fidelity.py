"""The client against production's behaviour (issue 13 items 2, 3, 9, 11), v1 and v2.

The emulator's defaults follow production: v2 run detail has no ``err_msg``,
aborted runs may stay ``aborting`` (``abort_hold``), and v1 refuses an empty
store search. Every test here runs over real HTTP in both API versions.
"""

from __future__ import annotations

import pytest

import coreclaw_pandas as cc
from coreclaw_pandas.client.polling import failure_reason
from coreclaw_pandas.models import RunStatus

CATALOGUE = "coreclaw/catalogue-generator"
FAILING = "coreclaw/failing-worker"
SLOW = "coreclaw/slow-worker"
FOREVER = {"duration_seconds": 600, "interval_seconds": 0.05}
QUICK = cc.PollPolicy(initial=0.01, factor=1.0, maximum=0.01, aborting_polls=5)


@pytest.fixture(params=["v1", "v2"])
def any_client(request, emu):
    c = cc.Client(
        emu.api_key, base_url=emu.url, api_version=request.param, backoff_factor=0.01, poll=QUICK
    )
    yield c
    c.close()


# Item 2: the version sent with a v1 start --------------------------------------------


def test_a_start_without_a_version_runs_the_current_one(any_client, emu):
    version, system, custom = any_client.prepare_input(CATALOGUE, {"rows": 2})
    reply = any_client._wire.start_run(
        scraper_slug=CATALOGUE,
        version="",
        system=system,
        custom=custom,
        is_async=True,
        callback_url=None,
    )
    run = any_client.wait(reply.run.slug)
    assert (run.status, run.version) == (RunStatus.SUCCEEDED, version)
    starts = [r for r in emu.requests if r.method == "POST" and r.path.endswith(("/run", "/runs"))]
    assert "version" not in starts[-1].json


# Item 3: a failed run's reason -------------------------------------------------------


def test_a_failed_run_carries_its_reason_although_v2_detail_has_none(any_client, emu):
    run = any_client.wait(any_client.start_run(FAILING, {"fail_after": 1}).slug)
    assert run.status is RunStatus.FAILED
    assert run.err_msg.startswith("Simulated failure")
    assert any_client.run(run.slug).err_msg == run.err_msg
    assert any_client.last_run(FAILING).err_msg == run.err_msg


def test_the_reason_falls_back_to_the_log_when_the_list_has_none(any_client, emu):
    run = any_client.wait(any_client.start_run(FAILING, {"fail_after": 1}).slug)
    # The run list fails; the log still has the error line.
    emu.inject_fault("/api/v1/run/list", "server_error", count=50)
    emu.inject_fault("/api/v2/worker-runs", "server_error", count=50)
    with cc.Client(
        emu.api_key, base_url=emu.url, api_version=any_client.api_version, max_retries=0
    ) as fresh:
        reason = fresh.run(run.slug).err_msg
    assert "Simulated failure" in reason


# Item 9: a run that stays aborting -------------------------------------------------------


def test_wait_on_a_run_held_aborting_ends_with_a_clear_error(any_client, emu):
    emu.configure(abort_hold=True)
    run = any_client.start_run(SLOW, FOREVER)
    any_client.abort(run.slug)
    emu.clear_requests()
    with pytest.raises(cc.RunAbortingError) as info:
        any_client.wait(run.slug)
    # One read, then one per allowed aborting poll: bounded by the count, not by the run.
    assert len(emu.requests) == 1 + QUICK.aborting_polls
    err = info.value
    assert isinstance(err, cc.RunTimeoutError) and err.run.status is RunStatus.ABORTING
    text = str(err)
    assert run.slug in text and "still aborting" in text
    assert "concurrency" in text and f"cc.wait({run.slug!r})" in text


# Item 11: the whole store ------------------------------------------------------------


def test_search_without_words_lists_the_whole_store(any_client, emu):
    found = any_client.search_workers("")
    assert {w.slug for w in found} == {w.slug for w in emu.workers}
    assert {w.extra.get("path") for w in found} == {w.path.replace("/", "~") for w in emu.workers}
    assert any_client.search_workers() == found


def test_failure_reason_prefers_the_list_then_the_workers_error_line():
    failed = cc.Run(slug="R1", status=RunStatus.FAILED)
    listed = [cc.Run(slug="R0", status=RunStatus.FAILED, err_msg="other"), failed]
    entries = [
        cc.LogEntry(level=cc.LogLevel.ERROR, content="SYSTEM: Subtask-[7] - Subtask failed: boom"),
        cc.LogEntry(level=cc.LogLevel.ERROR, content="All subtasks have completed execution!"),
        cc.LogEntry(level=cc.LogLevel.INFO, content="bye"),
    ]

    def log():
        return cc.RunLog(entries=entries)

    def broken():
        raise cc.TransportError("the run list is down")
        yield

    with_reason = [*listed, cc.Run(slug="R1", status=RunStatus.FAILED, err_msg="listed")]
    assert failure_reason(failed, listed=with_reason, log=log) == "listed"
    assert failure_reason(failed, listed=listed, log=log) == "Subtask failed: boom"
    assert failure_reason(failed, listed=broken(), log=log) == "Subtask failed: boom"
    assert failure_reason(failed, listed=(), log=lambda: cc.RunLog(entries=entries[1:])) == ""
