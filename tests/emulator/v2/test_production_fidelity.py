"""API v2 where production differs from the spec (issue 13): the run queue, the probed
statuses, and plan concurrency that ignores aborting runs. Sources: docs/platform.md and
the choices table of docs/emulator.md."""

from __future__ import annotations

import pytest

from coreclaw_pandas.emulator import Emulator

from ..helpers import Api
from ..v2_helpers import COUNTER_ID, V2

SLOW = "coreclaw~slow-worker"
FOREVER = {"interval_seconds": 0.05, "duration_seconds": 600}


@pytest.fixture
def v2(emu: Emulator) -> V2:
    return V2(emu)


def _queue(v2: V2, custom: dict | None = None) -> dict:
    return v2.ok("POST", f"/workers/{COUNTER_ID}/queued-runs", json=v2.run_body(custom))


# The run queue ----------------------------------------------------------------------


def test_a_run_short_of_balance_is_held_waiting_not_refused(v2):
    v2.emu.set_balance(0)
    queued = _queue(v2)
    assert queued == {"queue_ref": queued["queue_ref"], "queue_status": "waiting", "queued": True}
    assert queued["queue_ref"].isdigit()
    listed = v2.ok("GET", "/run-queue/items", params={"status": "waiting"})
    assert listed == {
        "count": 1,
        "list": [{"queue_ref": queued["queue_ref"], "queue_status": "waiting"}],
    }
    assert v2.ok("GET", "/worker-runs")["count"] == 0  # held: no run exists yet


def test_activation_waits_for_the_balance_then_starts_the_run(v2):
    v2.emu.set_balance(0)
    ref = _queue(v2, {"rows": 2})["queue_ref"]
    still = v2.ok("POST", "/run-queue/items/activate", json={"queue_refs": [ref]})
    assert still == {"results": [{"queue_ref": ref, "success": False}]}
    assert v2.ok("GET", "/run-queue/items", params={"status": "waiting"})["count"] == 1
    v2.emu.set_balance(10)
    started = v2.ok("POST", "/run-queue/items/activate", json={"queue_refs": [ref, "999"]})
    assert started == {
        "results": [{"queue_ref": ref, "success": True}, {"queue_ref": "999", "success": False}]
    }
    [item] = v2.ok("GET", "/run-queue/items", params={"status": "inactive"})["list"]
    assert item["queue_status"] == "inactive"
    assert v2.wait(item["run_slug"])["results"] == 2
    # Activated once: a second activation finds nothing waiting.
    again = v2.ok("POST", "/run-queue/items/activate", json={"queue_refs": [ref]})
    assert again["results"][0]["success"] is False


def test_release_in_a_batch_and_one_by_one(v2):
    first, second, third = (_queue(v2)["queue_ref"] for _ in range(3))
    batch = v2.ok("POST", "/run-queue/items/release", json={"queue_refs": [first, second]})
    assert [r["success"] for r in batch["results"]] == [True, True]
    one = v2.ok("POST", f"/run-queue/items/{third}/release", json={"reason": "no longer needed"})
    assert one == {"results": [{"queue_ref": third, "success": True}]}
    twice = v2.ok("POST", f"/run-queue/items/{third}/release", json={})
    assert twice == {"results": [{"queue_ref": third, "success": False}]}
    assert v2.ok("GET", "/run-queue/items", params={"status": "waiting"})["count"] == 0
    everything = v2.ok("GET", "/run-queue/items", params={"limit": 2, "offset": 2})
    assert everything["count"] == 3 and len(everything["list"]) == 1
    assert v2.ok("GET", "/worker-runs")["count"] == 0  # released items never run


def test_queue_requests_that_are_wrong(v2):
    v2.fail("POST", "/run-queue/items/404404/release", 11004, 404, json={})
    details = v2.fail("POST", "/run-queue/items/activate", 11000, 422, json={"queue_refs": []})
    assert "queue_refs" in details[0]
    v2.fail("POST", "/run-queue/items/release", 11000, 422, json={"refs": ["1"]})
    v2.fail("GET", "/run-queue/items", 11000, 400, params={"status": "running"})
    v2.fail("POST", f"/workers/{COUNTER_ID}/queued-runs", 11000, 400, json={"input": {"rows": 1}})
    v2.fail("POST", "/workers/nobody~nothing/queued-runs", 11004, 404, json=v2.run_body())


# Statuses from the vendor's probes ------------------------------------------------------


def test_abort_of_a_finished_run_is_400_with_70002(v2):
    slug = v2.start({"rows": 1})
    v2.wait(slug)
    details = v2.fail("POST", f"/worker-runs/{slug}/abort", 70002, 400)
    assert "finished" in details[0]


def test_flat_run_input_is_400_with_11000(v2):
    details = v2.fail(
        "POST", f"/workers/{COUNTER_ID}/runs", 11000, 400, json={"input": {"rows": 1}}
    )
    assert "input.parameters.custom" in details[0] and "'rows'" in details[0]
    assert v2.emu.requests[-1].status == 400


def test_an_encoded_slash_worker_path_is_404_with_11004(v2):
    details = v2.fail("GET", "/workers/tests%2Fcounter", 11004, 404)
    assert "owner~name" in details[0]
    v2.fail("POST", "/workers/tests%2Fcounter/runs", 11004, 404, json=v2.run_body())


# Plan concurrency ------------------------------------------------------------------------


def test_an_aborting_run_frees_its_slot_for_v1_and_v2_starts(emu, v2):
    # A long abort keeps the first run in "aborting" for the whole test.
    emu.configure(max_concurrent_runs=1, abort_delay=600)
    slow = v2.start(FOREVER, worker=SLOW)
    details = v2.fail("POST", f"/workers/{COUNTER_ID}/runs", 30003, 429, json=v2.run_body())
    assert "1 runs are executing" in details[0]
    v1 = Api(emu)
    v1.fail("/api/v1/scraper/run", v1.run_body(custom={"rows": 1}), 30003, 429)  # v1 too
    v2.ok("POST", f"/worker-runs/{slow}/abort")
    assert v2.run(slow)["status"] == "aborting"
    second = v2.start({"rows": 1})
    assert v2.run(second)["status"] in ("ready", "running", "succeeded")
    emu.configure(abort_delay=0.5)
