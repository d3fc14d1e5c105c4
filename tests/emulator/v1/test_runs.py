"""Runs are real: lifecycle, logs, charging, abort, timeouts, caps, sync mode, validation."""

from __future__ import annotations

import re
import time
from decimal import Decimal

import pytest
import requests

from coreclaw_pandas.emulator import Emulator
from coreclaw_pandas.emulator.workers.base import WorkerSpec

from ..helpers import COUNTER, SYSTEM, Api, race


def _statuses_until_done(api, slug: str) -> tuple[list[int], list[int]]:
    statuses, counts = [], []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        detail = api.detail(slug)
        if not statuses or statuses[-1] != detail["status"]:
            statuses.append(detail["status"])
        counts.append(detail["results"])
        if detail["status"] in (3, 4):
            return statuses, counts
        time.sleep(0.01)
    raise AssertionError(statuses)


def test_lifecycle_ready_running_succeeded_with_growing_rows(api):
    before = Decimal(api.ok("/api/v1/account/info")["balance"])
    slug = api.start(custom={"rows": 30, "interval": 0.02})
    statuses, counts = _statuses_until_done(api, slug)
    assert statuses[0] in (1, 2) and statuses[-1] == 3
    assert statuses == sorted(statuses) and set(statuses) <= {1, 2, 3}
    assert counts == sorted(counts) and len(set(counts)) > 2  # rows appeared while running
    detail = api.detail(slug)
    assert detail["results"] == 30 and detail["err_msg"] == ""
    assert Decimal(detail["usage"]) == Decimal("0.030")  # 30 rows at $0.001
    assert detail["traffic"] == 3000
    assert detail["finished_at"] >= detail["started_at"] > 0
    after = Decimal(api.ok("/api/v1/account/info")["balance"])
    assert before - after == Decimal("0.030")


def test_logs_have_system_lines_levels_and_millisecond_times(api):
    slug = api.start(custom={"rows": 3})
    api.wait(slug)
    data = api.ok("/api/v1/run/last/log", {"run_slug": slug})
    entries = data["list"]
    assert data["result_count"] == 3
    contents = [e["content"] for e in entries]
    assert re.match(r"SYSTEM: Subtask-\[\d+\] - Preparing the execution environment\.", contents[0])
    assert "Counting to 3." in contents
    assert contents[-1].startswith(
        "All subtasks have completed execution! Total 1 subtasks: 1 succeeded, 0 failed."
    )
    assert {e["type"] for e in entries} <= {1, 2, 3, 4}
    assert len({e["group"] for e in entries}) == 1 and entries[0]["group"].isdigit()
    now_ms = time.time() * 1000
    assert all(now_ms - 60_000 < e["timestamp"] <= now_ms + 1000 for e in entries)
    full = api.session.get(data["all_logs_url"], headers={"api-key": ""}).text
    assert "Counting to 3." in full and full.count("\n") == len(entries)


def test_failing_worker_keeps_rows_and_reports_the_error(api):
    slug = api.start(
        "coreclaw/failing-worker",
        {"fail_after": 4, "message": "layout changed", "row_interval_seconds": 0},
    )
    detail = api.wait(slug)
    assert detail["status"] == 4 and detail["err_msg"] == "layout changed"
    assert detail["results"] == 4 and len(api.rows(slug)) == 4
    log = api.ok("/api/v1/run/last/log", {"run_slug": slug})["list"]
    assert log[-1]["type"] == 4 and "0 succeeded, 1 failed" in log[-1]["content"]


def test_a_crashing_worker_fails_its_run_not_the_emulator(api):
    def crash(ctx, custom):
        ctx.push([{"a": 1}])
        raise ZeroDivisionError("boom")

    spec = WorkerSpec(
        slug="01TESTCRASH000000000000000",
        path="tests/crash",
        title="Crash",
        description="crashes",
        version="v1.0.0",
        readme="",
        input_schema={},
        run=crash,
    )
    with Emulator(workers=[spec], builtin=False) as emu:
        local = Api(emu)
        detail = local.wait(local.start("tests/crash"))
        assert detail["status"] == 4 and "ZeroDivisionError: boom" in detail["err_msg"]
        assert local.rows(detail["slug"]) == [
            {"__coreclaw_data_id__": local.rows(detail["slug"])[0]["__coreclaw_data_id__"], "a": 1}
        ]


def test_abort_goes_through_aborting_then_failed(api):
    slug = api.start("coreclaw/slow-worker", {"interval_seconds": 0.05, "duration_seconds": 600})
    while api.detail(slug)["results"] < 2:
        time.sleep(0.02)
    assert api.ok("/api/v1/scraper/abort", {"run_slug": slug}) is None
    assert api.detail(slug)["status"] == 5
    assert api.ok("/api/v1/scraper/abort", {"run_slug": slug}) is None  # still aborting: fine
    detail = api.wait(slug)
    assert detail["status"] == 4 and "aborted" in detail["err_msg"]
    frozen = detail["results"]
    time.sleep(0.15)
    assert api.detail(slug)["results"] == frozen  # the Worker really stopped
    api.fail("/api/v1/scraper/abort", {"run_slug": slug}, 70002, 500)


def test_abort_delay_zero_ends_at_once(api):
    api.emu.configure(abort_delay=0)
    slug = api.start("coreclaw/slow-worker", {"interval_seconds": 1, "duration_seconds": 600})
    api.ok("/api/v1/scraper/abort", {"run_slug": slug})
    assert api.detail(slug)["status"] == 4


def test_execute_limit_time_seconds_times_out(api):
    body = api.run_body("coreclaw/slow-worker", {"interval_seconds": 0.05, "duration_seconds": 600})
    body["input"]["parameters"]["system"]["execute_limit_time_seconds"] = 1
    slug = api.ok("/api/v1/scraper/run", body)["run_slug"]
    detail = api.wait(slug, timeout=10)
    assert detail["status"] == 4 and "timed out" in detail["err_msg"]
    assert detail["results"] > 0


def test_max_total_charge_stops_the_run_at_the_cap(api):
    body = api.run_body(custom={"rows": 50, "chunk": 3})
    body["input"]["parameters"]["system"]["max_total_charge"] = 0.005
    detail = api.wait(api.ok("/api/v1/scraper/run", body)["run_slug"])
    assert detail["status"] == 3 and detail["results"] == 5
    assert Decimal(detail["usage"]) == Decimal("0.005")
    log = [
        e["content"] for e in api.ok("/api/v1/run/last/log", {"run_slug": detail["slug"]})["list"]
    ]
    assert any("maximum total charge" in line for line in log)


def test_running_out_of_balance_fails_the_run(api):
    api.emu.set_balance("0.0035")
    detail = api.wait(api.start(custom={"rows": 50}))
    assert detail["status"] == 4 and "balance" in detail["err_msg"]
    assert detail["results"] == 3
    assert Decimal(api.ok("/api/v1/account/info")["balance"]) < Decimal("0.001")
    api.fail("/api/v1/scraper/run", api.run_body(custom={"rows": 1}), 30001)


def test_run_speed_scales_worker_sleeps(api):
    api.emu.configure(run_speed=200)
    slug = api.start("coreclaw/slow-worker", {"interval_seconds": 1, "duration_seconds": 20})
    detail = api.wait(slug, timeout=15)
    assert detail["status"] == 3 and detail["results"] == 20


def test_sync_start_waits_and_returns_a_result_window(api):
    body = api.run_body(custom={"rows": 25}, is_async=False, page_index=2, page_size=10)
    data = api.ok("/api/v1/scraper/run", body)
    assert data["run_status"] == 3 and data["error_message"] == ""
    assert data["results"]["count"] == 25 and data["results"]["page_index"] == 2
    assert [row["n"] for row in data["results"]["list"]] == list(range(10, 20))
    assert data["execution_end_timestamp"] >= data["execution_start_timestamp"]
    assert "25" in data["result_message"]


def test_sync_start_of_a_failing_run_reports_the_error(api):
    body = api.run_body(custom={"rows": 2, "fail": "no luck"}, is_async=False)
    data = api.ok("/api/v1/scraper/run", body)
    assert data["run_status"] == 4 and data["error_message"] == "no luck"
    assert data["results"]["count"] == 2


def test_sync_start_past_the_cap_returns_only_slug_and_status(api):
    api.emu.configure(sync_wait_cap=0.2)
    body = api.run_body(
        "coreclaw/slow-worker", {"interval_seconds": 1, "duration_seconds": 600}, is_async=False
    )
    data = api.ok("/api/v1/scraper/run", body)
    assert set(data) == {"run_slug", "run_status"} and data["run_status"] in (1, 2)
    assert api.detail(data["run_slug"])["status"] in (1, 2)  # the run carries on


def test_rerun_repeats_the_input_and_requires_a_callback(api):
    first = api.start(custom={"rows": 4})
    api.wait(first)
    api.fail("/api/v1/rerun", {"run_slug": first}, 4000, 400)
    api.fail("/api/v1/rerun", {"run_slug": first, "callback_url": "not a url"}, 4000, 400)
    again = api.ok("/api/v1/rerun", {"run_slug": first, "callback_url": "http://127.0.0.1:9/"})
    second = again["run_slug"]
    assert second != first
    assert api.wait(second)["results"] == 4
    assert [r["n"] for r in api.rows(second)] == [r["n"] for r in api.rows(first)]
    assert {r["__coreclaw_data_id__"] for r in api.rows(second)}.isdisjoint(
        r["__coreclaw_data_id__"] for r in api.rows(first)
    )


def test_seeded_and_added_tasks_run(api):
    seeded = {t["scraper_slug"]: t["task_slug"] for t in api.emu.tasks}
    assert COUNTER.slug in seeded and len(seeded) == len(api.emu.workers)
    hook = "http://127.0.0.1:9/hook"
    api.fail("/api/v1/task/run", {"task_slug": seeded[COUNTER.slug]}, 4000, 400)
    slug = api.ok("/api/v1/task/run", {"task_slug": seeded[COUNTER.slug], "callback_url": hook})
    assert api.wait(slug["run_slug"])["results"] == 10  # the schema default
    task = api.emu.add_task(COUNTER.path, {"rows": 3}, title="three rows")
    slug = api.ok("/api/v1/task/run", {"task_slug": task, "callback_url": hook})["run_slug"]
    assert api.wait(slug)["results"] == 3
    with pytest.raises(KeyError):
        api.emu.add_task("nobody/nothing", {})


def test_web_page_worker_crawls_the_demo_site(api):
    task = next(t for t in api.emu.tasks if "startURLs" in t["custom"])
    slug = api.ok(
        "/api/v1/task/run", {"task_slug": task["task_slug"], "callback_url": "http://127.0.0.1:9/"}
    )["run_slug"]
    detail = api.wait(slug, timeout=30)
    assert detail["status"] == 3 and detail["results"] > 1 and detail["traffic"] > 0
    rows = api.rows(slug)
    assert any("/demo-site/" in row["url"] and row["title"] for row in rows)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda b: b.pop("is_async"), ["is_async"]),
        (lambda b: b.update(is_async="yes"), ["is_async", "boolean"]),
        (lambda b: b.update(version=5), ["version", "string"]),  # omitted is fine (item 2)
        (lambda b: b.pop("scraper_slug"), ["scraper_slug"]),
        (lambda b: b.pop("input"), ["input"]),
        (lambda b: b["input"].update(parameters="x"), ["parameters"]),
        (lambda b: b["input"]["parameters"].update(custom="rows=3"), ["custom", "object"]),
        (lambda b: b["input"]["parameters"].update(custom={}), ["missing", "rows"]),
        (lambda b: b["input"]["parameters"]["custom"].update(rows="3"), ["rows", "integer"]),
        (lambda b: b["input"]["parameters"]["custom"].update(rows=3.0), ["rows", "integer"]),
        (lambda b: b["input"]["parameters"]["custom"].update(rows=-1), ["rows", ">= 0"]),
        (lambda b: b["input"]["parameters"]["custom"].update(labels="a"), ["labels", "array"]),
        (lambda b: b["input"]["parameters"]["custom"].update(switch=1), ["switch", "boolean"]),
        (lambda b: b["input"]["parameters"]["custom"].update(extra=[]), ["extra", "object"]),
        (lambda b: b["input"]["parameters"]["custom"].update(interval=True), ["interval"]),
        (lambda b: b["input"]["parameters"]["system"].update(memory=1000), ["memory", "512"]),
        (lambda b: b["input"]["parameters"]["system"].pop("cpus"), ["cpus"]),
        (lambda b: b["input"]["parameters"]["system"].update(cpus="1"), ["cpus", "number"]),
        (lambda b: b["input"]["parameters"].pop("system"), ["system"]),
        (lambda b: b.update(page=2), ["page_index"]),
        (lambda b: b.update(page_size=5000), ["page_size", "1000"]),
        (lambda b: b.update(callback_url="ftp://x"), ["callback_url"]),
    ],
)
def test_start_validation_names_the_field(api, change, words):
    body = api.run_body(custom={"rows": 3})
    change(body)
    message = api.fail("/api/v1/scraper/run", body, 4000, 400)
    for word in words:
        assert word in message, message
    assert api.ok("/api/v1/run/list", {"page_index": 1, "page_size": 10})["count"] == 0


def test_both_stringlist_shapes_are_accepted(api):
    for labels in ([{"string": "a"}], ["a", "b"]):
        assert api.start(custom={"rows": 1, "labels": labels})


def test_unknown_version_is_50003(api):
    message = api.fail(
        "/api/v1/scraper/run", api.run_body(custom={"rows": 1}, version="latest"), 50003, 400
    )
    assert COUNTER.version in message


def test_system_only_needs_the_documented_fields(api):
    body = api.run_body(custom={"rows": 1})
    body["input"]["parameters"]["system"] = dict(SYSTEM, proxy_region="GB", memory=16384)
    assert api.ok("/api/v1/scraper/run", body)["run_slug"]


RACERS = 12


def test_racing_v1_starts_cannot_both_take_the_last_slot():
    # Each start checks the plan's limit and creates its run under one lock; when v1
    # checked outside it, several racing starts could all take the one free slot.
    with Emulator(workers=[COUNTER], max_concurrent_runs=1) as emu:
        body = {
            "scraper_slug": COUNTER.path,
            "version": COUNTER.version,
            "is_async": True,
            # One row, then a long sleep: the run keeps its slot until the emulator stops.
            "input": {"parameters": {"system": SYSTEM, "custom": {"rows": 1, "interval": 600}}},
        }
        replies = race(emu, [("/api/v1/scraper/run", body)] * RACERS)
        started = [payload for status, payload in replies if payload["code"] == 0]
        refused = [(status, payload) for status, payload in replies if payload["code"] != 0]
        assert len(started) == 1, replies
        assert len(refused) == RACERS - 1
        assert all(status == 429 and payload["code"] == 30003 for status, payload in refused)
        assert all(payload["data"] is None for _, payload in refused)
        assert "plan allows 1" in refused[0][1]["message"]
        listed = requests.post(
            emu.url + "/api/v1/run/list",
            json={"page_index": 1, "page_size": 100},
            headers={"api-key": emu.api_key},
            timeout=30,
        ).json()["data"]
        assert listed["count"] == 1
        assert listed["list"][0]["slug"] == started[0]["data"]["run_slug"]
