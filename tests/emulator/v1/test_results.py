"""Result pages, row ids, exports and concurrent readers."""

from __future__ import annotations

import csv
import io
import json
import re
import threading
import time
from datetime import UTC, datetime

import pytest
import requests
import time_machine


@pytest.fixture
def done(api) -> str:
    slug = api.start(custom={"rows": 23})
    api.wait(slug)
    return slug


def _page(api, slug, index, size):
    return api.ok(
        "/api/v1/run/result/list", {"run_slug": slug, "page_index": index, "page_size": size}
    )


def test_pages_cover_all_rows_once_in_order(api, done):
    pages = [_page(api, done, i, 10) for i in (1, 2, 3)]
    assert [len(p["list"]) for p in pages] == [10, 10, 3]
    assert all(p["count"] == 23 for p in pages)
    assert [(p["page_index"], p["page_size"]) for p in pages] == [(1, 10), (2, 10), (3, 10)]
    numbers = [row["n"] for p in pages for row in p["list"]]
    assert numbers == list(range(23))
    assert [h["key"] for h in pages[0]["headers"]] == ["n", "label", "nested"]
    assert pages[0]["list"][1]["label"] == "row 1 é"
    assert pages[0]["list"][1]["nested"] == {"even": False, "tags": ["a", 1]}


def test_page_past_the_end_is_empty(api, done):
    for index in (4, 10**12):
        page = _page(api, done, index, 10)
        assert page["list"] == [] and page["count"] == 23


def test_default_window_is_page_one_of_ten(api, done):
    page = api.ok("/api/v1/run/result/list", {"run_slug": done})
    assert (page["page_index"], page["page_size"], len(page["list"])) == (1, 10, 10)


def test_row_ids_are_stable_unique_hex_and_not_headers(api, done):
    first = [r["__coreclaw_data_id__"] for r in api.rows(done, page_size=7)]
    again = [r["__coreclaw_data_id__"] for r in api.rows(done, page_size=100)]
    assert first == again and len(set(first)) == 23
    assert all(re.fullmatch(r"[0-9a-f]{64}", i) for i in first)
    assert "__coreclaw_data_id__" not in {h["key"] for h in _page(api, done, 1, 1)["headers"]}


def test_max_page_size_is_enforced_and_adjustable(api, done):
    assert len(_page(api, done, 1, 100)["list"]) == 23
    message = api.fail(
        "/api/v1/run/result/list", {"run_slug": done, "page_index": 1, "page_size": 101}, 4000, 400
    )
    assert "page_size" in message and "100" in message
    api.fail("/api/v1/run/list", {"page_index": 1, "page_size": 101}, 4000, 400)
    api.emu.configure(max_page_size=1000)
    assert len(_page(api, done, 1, 1000)["list"]) == 23
    for bad in (
        {"page_index": 0},
        {"page_size": 0},
        {"page_index": "2"},
        {"page_size": 1.5},
        {"page_index": True},
        {"page": 2},
    ):
        body = {"run_slug": done, "page_index": 1, "page_size": 10, **bad}
        api.fail("/api/v1/run/result/list", body, 4000, 400)


def _export(api, slug, fmt, keys=()):
    url = api.ok(
        "/api/v1/run/result/export", {"run_slug": slug, "format": fmt, "filter_keys": list(keys)}
    )["download_url"]
    assert url.startswith(api.base + "/_emulator/exports/") and url.endswith("." + fmt)
    return url


def test_csv_export_downloads_without_a_key(api, done):
    reply = requests.get(_export(api, done, "csv"), timeout=30)
    assert reply.status_code == 200 and reply.headers["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(reply.content.decode("utf-8"))))
    assert table[0] == ["n", "label", "nested"]
    assert len(table) == 24
    assert table[2] == ["1", "row 1 é", '{"even":false,"tags":["a",1]}']


def test_json_export_is_an_array_of_rows(api, done):
    rows = requests.get(_export(api, done, "json"), timeout=30).json()
    assert [r["n"] for r in rows] == list(range(23))
    assert rows[0] == {"n": 0, "label": "row 0 é", "nested": {"even": True, "tags": ["a", 0]}}


def test_filter_keys_choose_columns(api, done):
    table = list(
        csv.reader(
            io.StringIO(requests.get(_export(api, done, "csv", ["label", "n"]), timeout=30).text)
        )
    )
    assert table[0] == ["label", "n"] and table[1] == ["row 0 é", "0"]
    rows = requests.get(_export(api, done, "json", ["n"]), timeout=30).json()
    assert rows[:2] == [{"n": 0}, {"n": 1}]


def test_export_validation(api, done):
    api.fail(
        "/api/v1/run/result/export",
        {"run_slug": done, "format": "xlsx", "filter_keys": []},
        4000,
        400,
    )
    api.fail("/api/v1/run/result/export", {"run_slug": done, "format": "csv"}, 4000, 400)
    api.fail(
        "/api/v1/run/result/export",
        {"run_slug": done, "format": "csv", "filter_keys": "n"},
        4000,
        400,
    )


def test_export_links_expire_on_the_clock(api, done):
    """The default 30-minute link, across a Beijing and a UTC year end, with the clock moved."""
    with time_machine.travel(datetime(2026, 12, 31, 15, 45, tzinfo=UTC), tick=False) as clock:
        url = _export(api, done, "csv")
        assert requests.get(url, timeout=30).status_code == 200
        clock.shift(1800)  # 2027-01-01 00:15 in Beijing: the last valid instant
        assert requests.get(url, timeout=30).status_code == 200
        clock.shift(1)
        expired = requests.get(url, timeout=30)
        assert expired.status_code == 403 and "expired" in expired.text
    assert requests.get(api.base + "/_emulator/exports/nope.csv").status_code == 404
    assert requests.get(url[:-4] + ".json").status_code == 404


def test_a_short_export_ttl_is_a_knob(api, done):
    api.emu.configure(export_ttl=5)
    with time_machine.travel(datetime(2026, 12, 31, 23, 59, 58, tzinfo=UTC), tick=False) as clock:
        url = _export(api, done, "csv")
        clock.shift(6)
        assert requests.get(url, timeout=30).status_code == 403


def test_export_of_a_running_run_is_a_snapshot(api):
    slug = api.start("coreclaw/slow-worker", {"interval_seconds": 0.02, "duration_seconds": 600})
    while api.detail(slug)["results"] < 3:
        time.sleep(0.02)
    url = _export(api, slug, "json")
    frozen = len(requests.get(url, timeout=30).json())
    while api.detail(slug)["results"] <= frozen:
        time.sleep(0.02)
    assert len(requests.get(url, timeout=30).json()) == frozen


def test_concurrent_readers_while_a_run_writes(api):
    slug = api.start(custom={"rows": 400, "interval": 0.002, "chunk": 4})
    errors: list[str] = []

    def reader() -> None:
        session = requests.Session()
        session.headers["api-key"] = api.emu.api_key
        last_count = 0
        while True:
            body = {"run_slug": slug, "page_index": 1, "page_size": 100}
            reply = session.post(api.base + "/api/v1/run/result/list", json=body, timeout=30)
            data = reply.json()["data"]
            numbers = [row["n"] for row in data["list"]]
            if data["count"] < last_count or numbers != list(range(len(numbers))):
                errors.append(f"inconsistent page: {data['count']} {numbers[:5]}")
            last_count = data["count"]
            detail = session.post(
                api.base + "/api/v1/run/detail", json={"run_slug": slug}, timeout=30
            ).json()["data"]
            if detail["status"] in (3, 4):
                return

    threads = [threading.Thread(target=reader) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert api.wait(slug)["results"] == 400


@pytest.mark.slow
def test_a_large_catalogue_run_is_stored_and_paged(api):
    slug = api.start("coreclaw/catalogue-generator", {"rows": 100_000})
    detail = api.wait(slug, timeout=120)
    assert detail["status"] == 3 and detail["results"] == 100_000
    last = _page(api, slug, 1000, 100)
    assert last["count"] == 100_000 and len(last["list"]) == 100
    assert len({row["__coreclaw_data_id__"] for row in last["list"]}) == 100
    assert json.loads(json.dumps(last["list"])) == last["list"]
