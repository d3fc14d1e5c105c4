"""API v2 runs over real HTTP: start, statuses, sync replies, results, logs, abort, rerun,
exports, the /last shortcuts, callbacks, and runs shared with v1."""

from __future__ import annotations

import csv
import io
import json
import time

import openpyxl
import pytest
import requests

from coreclaw_pandas.emulator import Emulator

from ..helpers import COUNTER, SYSTEM
from ..v2_helpers import COUNTER_ID, GHOST, ULID, V2, Receiver

SLOW = "coreclaw~slow-worker"
FOREVER = {"interval_seconds": 0.05, "duration_seconds": 600}


@pytest.fixture
def v2(emu: Emulator) -> V2:
    return V2(emu)


@pytest.fixture
def done(v2: V2) -> str:
    """A finished run of 25 counter rows."""
    slug = v2.start({"rows": 25})
    assert v2.wait(slug)["status"] == "succeeded"
    return slug


def test_start_returns_a_ulid_and_the_run_reads_back_with_string_status(v2):
    slug = v2.start({"rows": 4, "interval": 0.02})
    assert ULID.match(slug)
    statuses = []
    while not statuses or statuses[-1] not in ("succeeded", "failed"):
        status = v2.run(slug)["status"]
        if not statuses or statuses[-1] != status:
            statuses.append(status)
        time.sleep(0.01)
    assert statuses[-1] == "succeeded" and set(statuses) <= {"ready", "running", "succeeded"}
    detail = v2.run(slug)
    assert detail == {
        "duration": detail["duration"],
        "finished_at": detail["finished_at"],
        "origin": "openapi",
        "results": 4,
        "scraper_slug": COUNTER.slug,
        "scraper_title": COUNTER.title,
        "slug": slug,
        "started_at": detail["started_at"],
        "status": "succeeded",
        "traffic": 400,
        "usage": "0.0040",
        "version": COUNTER.version,
    }
    assert detail["finished_at"] >= detail["started_at"] > 0


def test_failed_and_aborting_statuses(v2):
    failed = v2.wait(v2.start({"rows": 2, "fail": "no luck"}))
    assert (failed["status"], failed["results"]) == ("failed", 2)
    # Detail has no err_msg in production; the run list has it.
    errors = {r["slug"]: r["err_msg"] for r in v2.ok("GET", "/worker-runs")["list"]}
    assert errors[failed["slug"]] == "no luck"
    slug = v2.start(FOREVER, worker=SLOW)
    assert v2.ok("POST", f"/worker-runs/{slug}/abort") is None
    assert v2.run(slug)["status"] == "aborting"
    assert v2.ok("POST", f"/worker-runs/{slug}/abort") is None  # still aborting: fine
    detail = v2.wait(slug)
    errors = {r["slug"]: r["err_msg"] for r in v2.ok("GET", "/worker-runs")["list"]}
    assert detail["status"] == "failed" and "aborted" in errors[slug]
    details = v2.fail("POST", f"/worker-runs/{slug}/abort", 70002, 400)
    assert "finished" in details[0]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda b: b.update(bogus=1), ["bogus"]),
        (lambda b: b.update(is_async="yes"), ["is_async", "boolean"]),
        (lambda b: b.update(limit=101), ["limit", "100"]),
        (lambda b: b.update(limit=0), ["limit"]),
        (lambda b: b.update(offset=-1), ["offset"]),
        (lambda b: b.update(callback_url="ftp://x"), ["callback_url"]),
        (lambda b: b.update(version=3), ["version", "string"]),
        (lambda b: b.update(input="rows=3"), ["input", "object"]),
        (lambda b: b["input"].update(parameters=[]), ["input.parameters must be an object"]),
        (lambda b: b["input"]["parameters"].update(custom="x"), ["custom", "object"]),
        (lambda b: b["input"]["parameters"].update(custom={}), ["missing", "rows"]),
        (lambda b: b["input"]["parameters"]["custom"].update(rows="3"), ["rows", "integer"]),
        (lambda b: b["input"]["parameters"]["custom"].update(rows=-1), ["rows", ">= 0"]),
        (lambda b: b["input"]["parameters"]["custom"].update(switch=1), ["switch", "boolean"]),
        (lambda b: b["input"]["parameters"].update(system={"memory": 1000}), ["memory", "512"]),
        (lambda b: b["input"]["parameters"].update(system={"proxy_region": "ZZ"}), ["region"]),
        (lambda b: b["input"]["parameters"].update(system=[]), ["system", "object"]),
        (lambda b: b["input"]["parameters"].update(other=1), ["other"]),
    ],
)
def test_start_validation_is_422_with_details_naming_the_field(v2, change, words):
    body = v2.run_body({"rows": 3})
    change(body)
    details = v2.fail("POST", f"/workers/{COUNTER_ID}/runs", 11000, 422, json=body)
    text = " ".join(details)
    for word in words:
        assert word in text, details
    assert v2.ok("GET", "/worker-runs")["count"] == 0


def test_one_422_lists_every_problem(v2):
    body = v2.run_body({"rows": "x", "switch": 1}, bogus=True, limit=500)
    details = v2.fail("POST", f"/workers/{COUNTER_ID}/runs", 11000, 422, json=body)
    assert len(details) == 4 and any("rows" in d for d in details)


def test_bad_bodies_are_400_or_422(v2):
    path = f"/workers/{COUNTER_ID}/runs"
    v2.fail("POST", path, 11000, 400, data=b"{not json")
    v2.fail("POST", path, 11000, 422, json=[1, 2])
    details = v2.fail("POST", path, 11000, 422, data=b"")
    assert any("rows" in d for d in details)  # an empty body is {}: custom misses rows


def test_system_overrides_are_merged_over_the_worker_defaults(v2):
    body = v2.run_body({"rows": 1})
    body["input"]["parameters"]["system"] = {"memory": 2048, "proxy_region": "DE"}
    assert v2.ok("POST", f"/workers/{COUNTER_ID}/runs", json=body)["run_slug"]
    body["input"]["parameters"]["system"] = dict(SYSTEM)
    assert v2.ok("POST", f"/workers/{COUNTER_ID}/runs", json=body)["run_slug"]


def test_version_is_optional_and_others_are_50003(v2):
    assert v2.start({"rows": 1}, version=COUNTER.version)
    for version in ("latest", "v9.9.9"):
        body = v2.run_body({"rows": 1}, version=version)
        details = v2.fail("POST", f"/workers/{COUNTER_ID}/runs", 50003, 400, json=body)
        assert COUNTER.version in details[0]


def test_balance_is_30001_with_http_402_and_creates_no_run(v2):
    v2.emu.set_balance(0)
    v2.fail("POST", f"/workers/{COUNTER_ID}/runs", 30001, 402, json=v2.run_body())
    assert v2.ok("GET", "/worker-runs")["count"] == 0


def test_plan_concurrency_limit_is_30003_with_http_429(v2):
    v2.emu.configure(max_concurrent_runs=1)
    running = v2.start(FOREVER, worker=SLOW)
    details = v2.fail("POST", f"/workers/{COUNTER_ID}/runs", 30003, 429, json=v2.run_body())
    assert "1" in details[0]
    v2.fail("POST", f"/worker-runs/{running}/rerun", 30003, 429, json={})
    v2.emu.configure(abort_delay=0)
    v2.ok("POST", f"/worker-runs/{running}/abort")
    assert v2.start()  # the slot is free again
    assert v2.ok("GET", "/worker-runs")["count"] == 2


def test_sync_start_returns_the_run_and_a_result_page(v2):
    body = v2.run_body({"rows": 25}, is_async=False, offset=2, limit=10)
    data = v2.ok("POST", f"/workers/{COUNTER_ID}/runs", json=body)
    assert set(data) == {
        "run_slug",
        "run_status",
        "error_message",
        "execution_start_timestamp",
        "execution_end_timestamp",
        "running_duration",
        "result_message",
        "results",
    }
    assert data["run_status"] == "succeeded" and data["error_message"] == ""
    assert "25" in data["result_message"]
    results = data["results"]
    assert (results["count"], results["page_index"], results["page_size"]) == (25, 2, 10)
    assert [row["n"] for row in results["list"]] == list(range(10, 20))
    assert [h["key"] for h in results["headers"]] == ["n", "label", "nested"]


def test_sync_start_window_in_row_mode(v2):
    v2.emu.configure(v2_offset_mode="row")
    body = v2.run_body({"rows": 25}, is_async=False, offset=7, limit=5)
    results = v2.ok("POST", f"/workers/{COUNTER_ID}/runs", json=body)["results"]
    assert [row["n"] for row in results["list"]] == [7, 8, 9, 10, 11]
    assert (results["page_index"], results["page_size"]) == (2, 5)


def test_sync_start_of_a_failing_run_and_past_the_cap(v2):
    body = v2.run_body({"rows": 2, "fail": "bad luck"}, is_async=False)
    data = v2.ok("POST", f"/workers/{COUNTER_ID}/runs", json=body)
    assert (data["run_status"], data["error_message"]) == ("failed", "bad luck")
    assert data["results"]["count"] == 2 and data["results"]["page_size"] == 20
    v2.emu.configure(sync_wait_cap=0.2)
    body = {"input": {"parameters": {"custom": FOREVER}}, "is_async": False}
    data = v2.ok("POST", f"/workers/{SLOW}/runs", json=body)
    assert set(data) == {"run_slug", "run_status"} and data["run_status"] in ("ready", "running")


def test_result_pages_with_offset_as_page_number(v2, done):
    def numbers(**params) -> list[int]:
        data = v2.ok("GET", f"/worker-runs/{done}/result", params=params)
        assert data["count"] == 25
        return [row["n"] for row in data["list"]]

    assert numbers() == list(range(20))  # default: page 1 of 20
    assert numbers(offset=0, limit=10) == numbers(offset=1, limit=10) == list(range(10))
    assert numbers(offset=3, limit=10) == list(range(20, 25))
    assert numbers(offset=4, limit=10) == []
    page = v2.ok("GET", f"/worker-runs/{done}/result", params={"offset": 2, "limit": 7})
    assert (page["page_index"], page["page_size"]) == (2, 7)
    details = v2.fail("GET", f"/worker-runs/{done}/result", 11000, 400, params={"limit": 101})
    assert "limit" in details[0]
    assert len(v2.ok("GET", f"/worker-runs/{done}/result", params={"limit": 100})["list"]) == 25


def test_result_pages_with_offset_as_row_offset(v2, done):
    v2.emu.configure(v2_offset_mode="row")
    data = v2.ok("GET", f"/worker-runs/{done}/result", params={"offset": 3, "limit": 4})
    assert [row["n"] for row in data["list"]] == [3, 4, 5, 6]
    assert (data["page_index"], data["page_size"]) == (1, 4)
    data = v2.ok("GET", f"/worker-runs/{done}/result")
    assert [row["n"] for row in data["list"]] == list(range(20))  # default offset 0
    rows, offset = [], 0
    while True:
        page = v2.ok("GET", f"/worker-runs/{done}/result", params={"offset": offset, "limit": 6})
        rows += page["list"]
        if len(page["list"]) < 6:
            break
        offset += 6
    assert [row["n"] for row in rows] == list(range(25))


@pytest.mark.parametrize("fmt", ["objects", "strings"])
def test_log_in_both_entry_formats(v2, done, fmt):
    v2.emu.configure(v2_log_format=fmt)
    data = v2.ok("GET", f"/worker-runs/{done}/log")
    assert data["result_count"] == 25
    entries = data["list"]
    texts = entries if fmt == "strings" else [e["content"] for e in entries]
    assert "Counting to 25." in texts and texts[-1].startswith("All subtasks have completed")
    if fmt == "objects":
        assert {e["type"] for e in entries} <= {1, 2, 3, 4}
        assert all(isinstance(e["timestamp"], int) and e["group"].isdigit() for e in entries)
    else:
        assert all(isinstance(e, str) for e in entries)
    full = requests.get(data["all_logs_url"], timeout=10).text
    assert "Counting to 25." in full


def test_rerun_async_and_sync(v2, done):
    again = v2.ok("POST", f"/worker-runs/{done}/rerun", json={})["run_slug"]
    assert again != done and v2.wait(again)["results"] == 25
    data = v2.ok("POST", f"/worker-runs/{done}/rerun", json={"is_async": False, "limit": 5})
    assert data["is_finished"] is True and data["run_status"] == "succeeded"
    assert "error_message" not in data and "result_message" not in data
    assert [row["n"] for row in data["results"]["list"]] == [0, 1, 2, 3, 4]
    details = v2.fail("POST", f"/worker-runs/{done}/rerun", 11000, 422, json={"input": {}})
    assert "input" in details[0]
    v2.fail("POST", f"/worker-runs/{GHOST}/rerun", 11004, 404, json={})


def test_exports_in_four_formats_with_filter_keys(v2, done):
    def download(**params) -> requests.Response:
        data = v2.ok("GET", f"/worker-runs/{done}/result/export", params=params)
        reply = requests.get(data["download_url"], timeout=10)
        assert reply.status_code == 200
        return reply

    table = list(csv.reader(io.StringIO(download().text)))  # csv is the default
    assert table[0] == ["n", "label", "nested"] and len(table) == 26
    rows = json.loads(download(format="json", filter_keys="n, label").text)
    assert rows[3] == {"n": 3, "label": "row 3 é"}
    lines = download(format="jsonl").text.splitlines()
    assert len(lines) == 25 and json.loads(lines[24])["n"] == 24
    assert "__coreclaw_data_id__" not in lines[0]
    reply = download(format="xlsx", filter_keys="n,nested,switch")
    assert reply.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(reply.content), read_only=True).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == ["n", "nested", "switch"] and len(values) == 26
    assert values[2] == [1, '{"even":false,"tags":["a",1]}', None]


def test_unknown_export_formats(v2, done):
    details = v2.fail(
        "GET", f"/worker-runs/{done}/result/export", 11000, 400, params={"format": "pdf"}
    )
    assert "rss" in details[0]


def test_xlsx_cells_keep_types_and_survive_awkward_text():
    from coreclaw_pandas.emulator.backend.exports import _render_xlsx

    rows = [[True, 2**60, 1.5, "a\x00b<&>", None, "x" * 40_000, {"k": [1]}]]
    data = b"".join(_render_xlsx(list("abcdefg"), rows, len(rows)))
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[1][:5] == [True, str(2**60), 1.5, "ab<&>", None]
    assert len(values[1][5]) == 32_767 and values[1][6] == '{"k":[1]}'


def test_last_shortcuts_account_and_worker_scoped(v2, done):
    v2.fail("GET", "/workers/coreclaw~slow-worker/runs/last", 11004, 404)
    slow = v2.start(FOREVER, worker=SLOW)
    assert v2.ok("GET", "/worker-runs/last")["slug"] == slow
    assert v2.ok("GET", f"/workers/{COUNTER_ID}/runs/last")["slug"] == done
    assert v2.ok("GET", f"/workers/{COUNTER.slug}/runs/last")["slug"] == done
    page = v2.ok("GET", f"/workers/{COUNTER_ID}/runs/last/result", params={"limit": 3})
    assert [row["n"] for row in page["list"]] == [0, 1, 2]
    assert v2.ok("GET", f"/workers/{COUNTER_ID}/runs/last/log")["result_count"] == 25
    assert v2.ok("GET", f"/workers/{COUNTER_ID}/runs/last/export")["download_url"]
    assert v2.ok("GET", "/worker-runs/last/export", params={"format": "json"})["download_url"]
    assert v2.ok("GET", "/worker-runs/last/result")["count"] >= 0
    assert v2.ok("GET", "/worker-runs/last/log")["all_logs_url"].endswith(f"{slow}.log")
    assert v2.ok("POST", "/worker-runs/last/abort") is None
    assert v2.run(slow)["status"] in ("aborting", "failed")
    v2.fail("POST", f"/workers/{COUNTER_ID}/runs/last/abort", 70002, 400)
    again = v2.ok("POST", f"/workers/{COUNTER_ID}/runs/last/rerun", json={})["run_slug"]
    assert v2.ok("GET", "/worker-runs/last")["slug"] == again
    newest = v2.ok("POST", "/worker-runs/last/rerun", json={"is_async": True})["run_slug"]
    assert v2.wait(newest)["results"] == 25
    v2.fail("GET", "/workers/nobody~nothing/runs/last", 11004, 404)


def test_the_same_run_is_visible_through_both_versions(v2, api):
    from_v1 = api.start(custom={"rows": 6})
    api.wait(from_v1)
    detail = v2.run(from_v1)
    assert detail["status"] == "succeeded" and detail["origin"] == "api"
    assert [r["n"] for r in v2.ok("GET", f"/worker-runs/{from_v1}/result")["list"]] == list(
        range(6)
    )
    from_v2 = v2.start({"rows": 3})
    v2.wait(from_v2)
    v1_detail = api.detail(from_v2)
    assert (v1_detail["status"], v1_detail["results"], v1_detail["origin"]) == (3, 3, "openapi")
    assert [row["n"] for row in api.rows(from_v2)] == [0, 1, 2]
    listed = api.ok("/api/v1/run/list", {"page_index": 1, "page_size": 10})
    assert {item["slug"] for item in listed["list"]} == {from_v1, from_v2}
    assert {item["slug"] for item in v2.ok("GET", "/worker-runs")["list"]} == {from_v1, from_v2}
    v2_usage = v2.run(from_v2)["usage"]
    assert v2_usage == v1_detail["usage"]


def test_callbacks_use_the_body_of_the_version_that_started_the_run(v2, api):
    receiver = Receiver()
    try:
        slug = v2.start({"rows": 2}, callback_url=receiver.url)
        running, body = receiver.until(2)
        assert running["run_slug"] == slug and running["run_status"] == "running"
        detail = v2.run(slug)
        assert body == {
            "run_slug": slug,
            "run_status": "succeeded",
            "error_message": "",
            "execution_start_timestamp": detail["started_at"],
            "execution_end_timestamp": detail["finished_at"],
            "running_duration": detail["duration"],
            "result_count": 2,
            "result_message": "The run succeeded with 2 results.",
        }
        from_v1 = api.start(custom={"rows": 1}, callback_url=receiver.url)
        running, body = receiver.until(4)[2:]
        assert running["run_slug"] == from_v1 and running["status"] == 2
        assert body == {"run_slug": from_v1, "status": 3, "results": 1, "usage": "0.0010"}
        rerun = v2.ok("POST", f"/worker-runs/{from_v1}/rerun", json={"callback_url": receiver.url})[
            "run_slug"
        ]
        running, body = receiver.until(6)[4:]
        assert running["run_status"] == "running"
        assert body["run_slug"] == rerun and body["run_status"] == "succeeded"
    finally:
        receiver.close()
