"""Task and queue writes are sent once: after an unclear failure nothing is repeated.

A repeated create would save a second task, a repeated activation could start (and
charge) a run twice, and a repeated delete or release would answer "not found" or
``false`` for a call that worked. Faults come from the emulator (processed, then a 502).
"""

from __future__ import annotations

import pytest

import coreclaw_pandas as cc

WORKER = "coreclaw/catalogue-generator"


@pytest.fixture
def v2(emu):
    client = cc.Client(emu.api_key, base_url=emu.url, api_version="v2", backoff_factor=0.01)
    yield client
    client.close()


def test_a_create_that_got_a_proxy_error_is_not_repeated(v2, emu):
    before = len(emu.tasks)
    emu.inject_fault("/api/v2/worker-tasks", "gateway_after")
    with pytest.raises(cc.CoreClawError):
        v2.create_task(WORKER, {"rows": 2}, title="once")
    assert len(emu.calls("/api/v2/worker-tasks", "POST")) == 1
    assert len(emu.tasks) == before + 1  # it arrived: exactly one task was saved


def test_an_activation_is_sent_once_and_says_a_run_may_exist(v2, emu):
    item = v2.queue_run(WORKER, {"rows": 2})
    emu.inject_fault("/api/v2/run-queue/items/activate", "server_error_after")
    with pytest.raises(cc.CoreClawError) as caught:
        v2.activate([item.ref])
    assert len(emu.calls("/api/v2/run-queue/items/activate", "POST")) == 1
    assert getattr(caught.value, "run_may_exist", False)
    assert "NOT retried" in str(caught.value)


@pytest.mark.parametrize("kind", ["server_error_after", "reset"])
def test_delete_and_release_are_not_repeated(v2, emu, kind):
    task = v2.create_task(WORKER, {"rows": 2}, title="gone")
    emu.inject_fault(f"/api/v2/worker-tasks/{task.slug}", kind)
    with pytest.raises(cc.CoreClawError):
        v2.delete_task(task.slug)
    assert len(emu.calls(f"/api/v2/worker-tasks/{task.slug}", "DELETE")) == 1
    item = v2.queue_run(WORKER, {"rows": 2})
    emu.inject_fault("/api/v2/run-queue/items/release", kind)
    with pytest.raises(cc.CoreClawError):
        v2.release([item.ref])
    assert len(emu.calls("/api/v2/run-queue/items/release", "POST")) == 1


def test_a_refusal_is_retried_even_for_a_create(v2, emu):
    emu.inject_fault("/api/v2/worker-tasks", "rate_limit")
    assert v2.create_task(WORKER, {"rows": 2}, title="after 429").title == "after 429"
    assert len(emu.calls("/api/v2/worker-tasks", "POST")) == 2
