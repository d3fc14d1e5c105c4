"""Every v1 endpoint's happy path and its documented error codes, over real HTTP."""

from __future__ import annotations

import http.client
import json
import re
from urllib.parse import urlsplit

import pytest
import requests

from ..helpers import COUNTER

ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


def test_store_search_finds_builtin_workers_by_their_words(api):
    for words, path in [
        ("web page", "coreclaw/web-page-scraper"),
        ("catalogue", "coreclaw/catalogue-generator"),
        ("fail", "coreclaw/failing-worker"),
        ("slow", "coreclaw/slow-worker"),
    ]:
        reply = requests.get(f"{api.base}/api/store", params={"search": words, "limit": 10})
        assert reply.status_code == 200
        found = reply.json()["data"]["scraper"]
        expected = next(w for w in api.emu.workers if w.path == path)
        assert {
            "slug": expected.slug,
            "title": expected.title,
            "description": expected.description,
        } in found


def test_store_limit_and_empty_search(api):
    everything = api.get("/api/store", search="e", limit=50).json()["data"]["scraper"]
    assert len(everything) >= 3
    assert len(api.get("/api/store", search="e", limit=2).json()["data"]["scraper"]) == 2
    assert api.get("/api/store", search="no-such-words-anywhere").json()["data"] == {"scraper": []}
    for params in (
        {"search": ""},
        {},
        {"search": "a", "limit": "0"},
        {"search": "a", "limit": "x"},
    ):
        reply = requests.get(f"{api.base}/api/store", params=params)
        assert reply.status_code == 400 and reply.json()["code"] == 4000


def test_scraper_detail_by_ulid_and_by_path(api):
    by_path = api.get("/api/scraper", slug=COUNTER.path).json()
    by_slug = requests.get(f"{api.base}/api/scraper", params={"slug": COUNTER.slug}).json()
    assert by_path == by_slug
    data = by_path["data"]
    assert data["version"] == COUNTER.version
    assert data["readme"] == COUNTER.readme
    assert data["parameters"]["custom"] == COUNTER.input_schema
    assert set(data["parameters"]["system"]) == {
        "cpus",
        "memory",
        "max_total_charge",
        "max_total_traffic",
        "execute_limit_time_seconds",
    }


def test_scraper_detail_errors(api):
    reply = api.get("/api/scraper", slug="nobody/nothing")
    assert (reply.status_code, reply.json()["code"]) == (404, 50001)
    reply = api.get("/api/scraper")
    assert (reply.status_code, reply.json()["code"]) == (400, 4000)
    run_slug = api.start(custom={"rows": 1})
    reply = api.get("/api/scraper", slug=run_slug)
    assert reply.json()["code"] == 4000 and "run_slug" in reply.json()["message"]


def test_proxy_regions_are_public_iso_codes(api):
    reply = requests.get(f"{api.base}/api/proxy/region")
    regions = reply.json()["data"]["list"]
    codes = [r["code"] for r in regions]
    assert {"US": "United States", "DE": "Germany"}.items() <= {
        r["code"]: r["name"] for r in regions
    }.items()
    assert all(re.fullmatch(r"[A-Z]{2}", c) for c in codes) and len(set(codes)) == len(codes)


def test_proxy_regions_cover_the_codes_the_platform_lists(api, shared_reference):
    listed = set((shared_reference / "proxy-region-codes-v1.txt").read_text().split())
    served = {r["code"] for r in api.get("/api/proxy/region").json()["data"]["list"]}
    assert listed <= served


def test_start_async_returns_ulid_and_run_is_listed(api):
    slugs = {api.start(custom={"rows": 2}) for _ in range(5)}
    assert len(slugs) == 5 and all(ULID.match(s) for s in slugs)
    listed = api.ok(
        "/api/v1/run/list", {"page_index": 1, "page_size": 10, "status": 0, "scraper_slug": ""}
    )
    assert listed["count"] == 5
    assert {item["slug"] for item in listed["list"]} == slugs


def test_run_list_filters_and_orders_newest_first(api):
    first = api.start(custom={"rows": 1})
    api.wait(first)
    second = api.start(custom={"rows": 1, "fail": "nope"})
    api.wait(second)
    third = api.start("coreclaw/slow-worker", {"interval_seconds": 1, "duration_seconds": 60})
    page = api.ok("/api/v1/run/list", {"page_index": 1, "page_size": 10})
    assert [item["slug"] for item in page["list"]] == [third, second, first]
    failed = api.ok("/api/v1/run/list", {"page_index": 1, "page_size": 10, "status": 4})
    assert [item["slug"] for item in failed["list"]] == [second]
    by_path = api.ok(
        "/api/v1/run/list", {"page_index": 1, "page_size": 10, "scraper_slug": COUNTER.path}
    )
    by_slug = api.ok(
        "/api/v1/run/list", {"page_index": 1, "page_size": 10, "scraper_slug": COUNTER.slug}
    )
    assert by_path["count"] == by_slug["count"] == 2
    second_page = api.ok("/api/v1/run/list", {"page_index": 2, "page_size": 2})
    assert [item["slug"] for item in second_page["list"]] == [first]
    api.ok("/api/v1/scraper/abort", {"run_slug": third})


def test_run_list_requires_paging_fields(api):
    message = api.fail("/api/v1/run/list", {"page_size": 10}, 4000, 400)
    assert "page_index" in message
    message = api.fail("/api/v1/run/list", {"page_index": 1, "page_size": 10, "status": 9}, 4000)
    assert "status" in message


def test_account_info_with_and_without_body(api):
    for body in (None, {}):
        data = api.ok("/api/v1/account/info", body)
        assert re.fullmatch(r"\d+\.\d{4,}", data["balance"])
        assert isinstance(data["traffic"], int) and isinstance(data["traffic_expiration_at"], int)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/scraper/run",
        "/api/v1/scraper/abort",
        "/api/v1/run/list",
        "/api/v1/run/detail",
        "/api/v1/run/result/list",
        "/api/v1/run/result/export",
        "/api/v1/run/last/log",
        "/api/v1/rerun",
        "/api/v1/task/run",
        "/api/v1/account/info",
    ],
)
def test_private_endpoints_need_a_valid_key(api, path):
    missing = requests.post(api.base + path, json={})
    assert (missing.status_code, missing.json()["code"]) == (401, 20001)
    wrong = requests.post(api.base + path, json={}, headers={"api-key": "wrong-key"})
    assert (wrong.status_code, wrong.json()["code"]) == (401, 20001)
    assert "wrong-key" not in wrong.text


def test_bearer_token_is_accepted_on_v1(api):
    reply = requests.post(
        api.base + "/api/v1/account/info",
        json={},
        headers={"Authorization": f"Bearer {api.emu.api_key}"},
    )
    assert reply.json()["code"] == 0


def test_unknown_run_task_and_worker_codes(api):
    ghost = "01ZZZZZZZZZZZZZZZZZZZZZZZZ"
    for path in (
        "/api/v1/run/detail",
        "/api/v1/run/result/list",
        "/api/v1/run/last/log",
        "/api/v1/scraper/abort",
    ):
        api.fail(path, {"run_slug": ghost}, 70001, 404)
    api.fail(
        "/api/v1/run/result/export",
        {"run_slug": ghost, "format": "csv", "filter_keys": []},
        70001,
        404,
    )
    api.fail(
        "/api/v1/rerun", {"run_slug": ghost, "callback_url": "http://127.0.0.1:9/x"}, 70001, 404
    )
    api.fail(
        "/api/v1/task/run", {"task_slug": ghost, "callback_url": "http://127.0.0.1:9/x"}, 60001, 404
    )
    body = api.run_body()
    body["scraper_slug"] = "nobody/nothing"
    api.fail("/api/v1/scraper/run", body, 50001, 404)


def test_slug_kinds_must_not_be_mixed(api):
    run_slug = api.start(custom={"rows": 1})
    task_slug = api.emu.tasks[0]["task_slug"]
    message = api.fail("/api/v1/scraper/run", api.run_body(run_slug), 4000, 400)
    assert "run_slug" in message and "scraper_slug" in message
    message = api.fail("/api/v1/scraper/run", api.run_body(task_slug), 4000, 400)
    assert "task_slug" in message
    message = api.fail("/api/v1/run/detail", {"run_slug": task_slug}, 4000, 400)
    assert "task_slug" in message
    message = api.fail(
        "/api/v1/task/run", {"task_slug": run_slug, "callback_url": "http://127.0.0.1:9/"}, 4000
    )
    assert "run_slug" in message


def test_abort_of_a_finished_run_is_70002(api):
    slug = api.start(custom={"rows": 1})
    api.wait(slug)
    message = api.fail("/api/v1/scraper/abort", {"run_slug": slug}, 70002, 500)
    assert "finished" in message


def test_balance_exhausted_is_30001(api):
    api.emu.set_balance(0)
    message = api.fail("/api/v1/scraper/run", api.run_body(custom={"rows": 1}), 30001)
    assert "Balance" in message
    assert api.ok("/api/v1/run/list", {"page_index": 1, "page_size": 10})["count"] == 0


def test_wrong_method_and_unknown_path(api):
    reply = api.session.get(api.base + "/api/v1/run/detail")
    assert reply.status_code == 405 and reply.json()["code"] == 4000
    assert reply.headers["Allow"] == "POST"
    reply = api.post("/api/v1/no/such/thing", {})
    assert reply.status_code == 404 and reply.json()["code"] == 4040


def test_proxy_region_must_be_a_known_code(api):
    body = api.run_body(custom={"rows": 1})
    body["input"]["parameters"]["system"]["proxy_region"] = "ZZ"
    assert "proxy_region" in api.fail("/api/v1/scraper/run", body, 4000, 400)
    body["input"]["parameters"]["system"]["proxy_region"] = "DE"
    assert api.ok("/api/v1/scraper/run", body)["run_slug"]


def test_demo_site_is_served_without_a_key(api):
    home = requests.get(api.base + "/demo-site/index.html", timeout=10)
    assert home.status_code == 200 and home.headers["Content-Type"].startswith("text/html")
    assert "<title>" in home.text
    assert requests.get(api.base + "/demo-site/no-such-page.html", timeout=10).status_code == 404


def test_connections_are_kept_alive(api):
    parts = urlsplit(api.base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    conn.request("GET", "/api/proxy/region")
    conn.getresponse().read()
    first = conn.sock
    for _ in range(3):
        conn.request(
            "POST", "/api/v1/account/info", body=b"{}", headers={"api-key": api.emu.api_key}
        )
        reply = conn.getresponse()
        assert json.loads(reply.read())["code"] == 0 and reply.version == 11
    assert conn.sock is first
    conn.close()
