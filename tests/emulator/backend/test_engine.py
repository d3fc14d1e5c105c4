"""Engine.create_run is the one way runs are made: every start path shares its checks."""

from __future__ import annotations

import requests

from coreclaw_pandas.emulator import Emulator

from ..helpers import COUNTER, SYSTEM, race

#: Input that pushes one row and then sleeps, so the run holds its slot until the end.
HOLD = {"rows": 1, "interval": 600}
CALLBACK = "http://127.0.0.1:9/hook"
V1_START = {
    "scraper_slug": COUNTER.path,
    "version": COUNTER.version,
    "is_async": True,
    "input": {"parameters": {"system": SYSTEM, "custom": HOLD}},
}


def _post(emu: Emulator, path: str, body: dict) -> tuple[int, dict]:
    reply = requests.post(emu.url + path, json=body, headers={"api-key": emu.api_key}, timeout=30)
    return reply.status_code, reply.json()


def _start_calls(emu: Emulator) -> list[tuple[str, dict]]:
    """One request for each way to start a run: start, rerun and task run, in v1 and v2."""
    task = emu.add_task(COUNTER.path, HOLD)
    _, started = _post(emu, "/api/v1/scraper/run", V1_START)
    finished = started["data"]["run_slug"]
    _post(emu, "/api/v1/scraper/abort", {"run_slug": finished})
    assert emu.wait_for_run(finished)
    worker = COUNTER.path.replace("/", "~")
    return [
        ("/api/v1/scraper/run", V1_START),
        ("/api/v1/rerun", {"run_slug": finished, "callback_url": CALLBACK}),
        ("/api/v1/task/run", {"task_slug": task, "callback_url": CALLBACK}),
        (f"/api/v2/workers/{worker}/runs", {"input": {"parameters": {"custom": HOLD}}}),
        (f"/api/v2/worker-runs/{finished}/rerun", {}),
        (f"/api/v2/worker-tasks/{task}/runs", {}),
    ]


def _run_count(emu: Emulator) -> int:
    _, listed = _post(emu, "/api/v1/run/list", {"page_index": 1, "page_size": 100})
    return listed["data"]["count"]


def test_every_start_path_competes_for_the_same_last_slot():
    with Emulator(workers=[COUNTER], builtin=False, max_concurrent_runs=1, abort_delay=0) as emu:
        calls = _start_calls(emu)
        replies = race(emu, calls * 2)
        started = [payload for _, payload in replies if payload["code"] == 0]
        refused = {(status, payload["code"]) for status, payload in replies if payload["code"]}
        assert len(started) == 1, replies
        assert refused == {(429, 30003)}
        assert _run_count(emu) == 2  # the aborted run and the one winner


def test_every_start_path_refuses_an_empty_balance_and_creates_no_run():
    with Emulator(workers=[COUNTER], builtin=False, abort_delay=0) as emu:
        calls = _start_calls(emu)
        emu.set_balance(0)
        for path, body in calls:
            status, payload = _post(emu, path, body)
            expected = (400, 30001) if path.startswith("/api/v1/") else (402, 30001)
            assert (status, payload["code"]) == expected, (path, payload)
        assert _run_count(emu) == 1  # only the aborted run
