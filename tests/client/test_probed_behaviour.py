"""The client against the emulator's probed production behaviour (issue 13): the run queue's raw
endpoints through the client's transport, the probed v2 statuses, and plan concurrency."""

from __future__ import annotations

import pytest

import coreclaw_pandas as cc
from coreclaw_pandas.client.wire import Policy

CATALOGUE = "coreclaw/catalogue-generator"
SLOW = "coreclaw/slow-worker"
#: Never retried: a 5xx here would show as one recorded request with that status.
ONCE = Policy(idempotent=False, retry_codes=frozenset(), refused_codes=frozenset())


@pytest.fixture
def v2(emu):
    client = cc.Client(emu.api_key, base_url=emu.url, api_version="v2", backoff_factor=0.01)
    yield client
    client.close()


def test_the_run_queue_answers_through_the_transport_without_5xx(v2, emu):
    http = v2._http
    emu.set_balance(0)
    body = {"input": {"parameters": {"custom": {"rows": 2}}}}
    queued = http.call(
        "POST", "/api/v2/workers/coreclaw~catalogue-generator/queued-runs", policy=ONCE, body=body
    )
    ref = queued["queue_ref"]
    assert queued["queue_status"] == "waiting"
    listed = http.call("GET", "/api/v2/run-queue/items", policy=ONCE, params={"status": "waiting"})
    assert [item["queue_ref"] for item in listed["list"]] == [ref]
    refs = {"queue_refs": [ref]}
    held = http.call("POST", "/api/v2/run-queue/items/activate", policy=ONCE, body=refs)
    assert held["results"] == [{"queue_ref": ref, "success": False}]
    emu.set_balance(5)
    started = http.call("POST", "/api/v2/run-queue/items/activate", policy=ONCE, body=refs)
    assert started["results"] == [{"queue_ref": ref, "success": True}]
    [item] = http.call(
        "GET", "/api/v2/run-queue/items", policy=ONCE, params={"status": "inactive"}
    )["list"]
    assert v2.wait(item["run_slug"]).results == 2
    second = http.call(
        "POST", "/api/v2/workers/coreclaw~catalogue-generator/queued-runs", policy=ONCE, body=body
    )["queue_ref"]
    released = http.call("POST", f"/api/v2/run-queue/items/{second}/release", policy=ONCE, body={})
    assert released["results"] == [{"queue_ref": second, "success": True}]
    again = http.call(
        "POST", "/api/v2/run-queue/items/release", policy=ONCE, body={"queue_refs": [second]}
    )
    assert again["results"] == [{"queue_ref": second, "success": False}]
    queue_calls = [r for r in emu.requests if "queue" in r.path]
    assert len(queue_calls) == 8 and all(r.status == 200 for r in queue_calls)


def test_an_unknown_queue_item_is_a_not_found_error_not_a_retry(v2, emu):
    with pytest.raises(cc.NotFoundError) as info:
        v2._http.call("POST", "/api/v2/run-queue/items/404404/release", policy=ONCE, body={})
    assert info.value.code == 11004
    assert [r.status for r in emu.calls("/api/v2/run-queue/items/404404/release")] == [404]


def test_abort_of_a_finished_run_is_a_run_state_error_sent_once(v2, emu):
    run = v2.wait(v2.start_run(CATALOGUE, {"rows": 1}).slug)
    emu.clear_requests()
    with pytest.raises(cc.RunStateError) as info:
        v2.abort(run.slug)
    assert info.value.code == 70002
    assert [r.status for r in emu.requests] == [400]


def test_flat_input_sent_by_hand_is_an_invalid_request(v2):
    with pytest.raises(cc.InvalidRequestError) as info:
        v2._http.call(
            "POST",
            "/api/v2/workers/coreclaw~catalogue-generator/runs",
            policy=ONCE,
            body={"input": {"rows": 1}},
        )
    assert info.value.code == 11000 and "input.parameters.custom" in str(info.value)


def test_an_aborting_run_does_not_hold_a_plan_slot(v2, emu):
    emu.configure(max_concurrent_runs=1, abort_delay=600)
    try:
        slow = v2.start_run(SLOW, {"interval_seconds": 0.05, "duration_seconds": 600})
        with pytest.raises(cc.QuotaError):
            v2.start_run(CATALOGUE, {"rows": 1})
        v2.abort(slow.slug)
        assert v2.run(slow.slug).status is cc.RunStatus.ABORTING
        assert v2.wait(v2.start_run(CATALOGUE, {"rows": 1}).slug).results == 1
    finally:
        emu.configure(abort_delay=0.5)
