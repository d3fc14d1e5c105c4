"""API v2 basics over real HTTP: auth, request ids, paths, catalogue, faults, recording."""

from __future__ import annotations

import json

import pytest
import requests

from coreclaw_pandas.emulator import Emulator

from ..helpers import COUNTER, send_raw
from ..v2_helpers import COUNTER_ID, GHOST, REQUEST_ID, V2, check_envelope


@pytest.fixture
def v2(emu: Emulator) -> V2:
    return V2(emu)


@pytest.mark.parametrize("auth", ["bearer", "api-key", "token"])
def test_each_credential_form_is_accepted(v2, auth):
    data = v2.ok("GET", "/users/account", auth=auth)
    assert set(data) == {"balance", "balance_expiration_at"}


def test_missing_key_is_12001_and_wrong_key_is_12002(v2):
    for path in ("/users/account", "/worker-runs", f"/workers/{COUNTER_ID}", "/worker-tasks"):
        details = v2.fail("GET", path, 12001, 401, auth=None)
        assert any("Bearer" in d for d in details)
        for auth in ("bearer", "api-key", "token"):
            reply = v2.call("GET", path, auth=auth, key="wrong-key")
            body = check_envelope(reply)
            assert (reply.status_code, body["code"]) == (401, 12002)
            assert "wrong-key" not in reply.text


def test_bearer_wins_over_other_credentials(v2):
    reply = v2.call(
        "GET", "/users/account", headers={"api-key": "wrong-key"}, params={"token": "wrong-key"}
    )
    assert check_envelope(reply)["code"] == 0
    reply = v2.call("GET", "/users/account", key="wrong-key", headers={"api-key": v2.emu.api_key})
    assert check_envelope(reply)["code"] == 12002


def test_public_endpoints_need_no_key(v2):
    assert v2.ok("GET", "/store", auth=None)["scraper"]
    assert v2.ok("GET", f"/workers/{COUNTER_ID}/input-schema", auth=None) == {
        "input_schema": COUNTER.input_schema
    }
    assert v2.ok("GET", "/proxy/region", auth=None)["list"]


def test_every_reply_has_a_fresh_request_id(v2):
    v2.emu.inject_fault("/api/v2/users/account", "server_error")
    v2.emu.inject_fault("/api/v2/worker-runs", "rate_limit")
    replies = [
        v2.call("GET", "/users/account"),  # 500 from the fault
        v2.call("GET", "/worker-runs"),  # 429 from the fault
        v2.call("GET", "/users/account"),
        v2.call("GET", "/users/account", auth=None),
        v2.call("GET", "/no/such/endpoint"),
        v2.call("DELETE", "/users/account"),
        v2.call("POST", f"/workers/{COUNTER_ID}/runs", data=b"{bad json"),
        v2.call("POST", f"/workers/{COUNTER_ID}/runs", json={"nope": 1}),
        v2.call("GET", "/run-queue/items", params={"status": "x"}),
        v2.call("GET", "/store", params={"limit": "x"}),
    ]
    statuses = [r.status_code for r in replies]
    assert statuses == [500, 429, 200, 401, 404, 405, 400, 422, 400, 400]
    ids = [check_envelope(r)["request_id"] for r in replies]
    assert len(set(ids)) == len(ids)


def test_status_and_code_pairs_of_the_fixed_errors(v2):
    v2.fail("GET", f"/worker-runs/{GHOST}", 11004, 404)
    v2.fail("GET", "/worker-tasks/NO-SUCH-TASK", 11004, 404)
    v2.fail("GET", "/workers/nobody~nothing", 11004, 404)
    v2.fail("POST", "/workers/nobody~nothing/queued-runs", 11004, 404, json={})
    details = v2.fail("GET", "/no/such/endpoint", 11004, 404)
    assert "/api/v2/no/such/endpoint" in details[0]
    reply = v2.call("PUT", "/worker-runs")
    assert check_envelope(reply)["code"] == 11000 and reply.headers["Allow"] == "GET"


def test_worker_ids_are_ulids_or_tilde_paths(v2):
    by_ulid = v2.ok("GET", f"/workers/{COUNTER.slug}")
    by_path = v2.ok("GET", f"/workers/{COUNTER_ID}")
    assert by_ulid == by_path
    assert by_path == {
        "name": "counter",
        "parameters": {
            "custom": COUNTER.input_schema,
            "system": {"proxy_region": "US", **COUNTER.system},
        },
        "readme": COUNTER.readme,
        "username": "tests",
        "version": COUNTER.version,
    }
    assert v2.ok("GET", f"/workers/{COUNTER_ID.upper()}")["name"] == "counter"


def test_a_slash_path_is_refused_with_a_hint(v2):
    details = v2.fail("GET", "/workers/tests/counter", 11004, 404)
    assert any("owner~name" in d for d in details)
    details = v2.fail("GET", "/workers/tests%2Fcounter", 11004, 404)
    assert any("owner~name" in d for d in details)
    details = v2.fail("POST", "/workers/tests/counter/runs", 11004, 404, json=v2.run_body())
    assert any("owner~name" in d for d in details)
    assert v2.emu.requests[-1].status == 404


def test_a_run_id_used_as_a_worker_id_says_so(v2):
    slug = v2.start()
    details = v2.fail("GET", f"/workers/{slug}", 11004, 404)
    assert "run id" in details[0] and "Worker id" in details[0]


def test_store_keyword_and_paging(v2):
    everything = v2.ok("GET", "/store", auth=None, params={"limit": 100})["scraper"]
    assert {item["path"] for item in everything} >= {COUNTER_ID, "coreclaw~slow-worker"}
    counter = next(item for item in everything if item["slug"] == COUNTER.slug)
    assert counter == {
        "description": COUNTER.description,
        "name": "counter",
        "path": COUNTER_ID,
        "slug": COUNTER.slug,
        "title": COUNTER.title,
        "username": "tests",
    }
    for keyword in ("counter", "TESTS~COUNTER", COUNTER.slug.lower(), "tests/counter"):
        found = v2.ok("GET", "/store", params={"keyword": keyword})["scraper"]
        assert [item["slug"] for item in found] == [COUNTER.slug]
    assert v2.ok("GET", "/store", params={"keyword": "no-such-words"}) == {"scraper": []}
    first = v2.ok("GET", "/store", params={"limit": 2, "offset": 1})["scraper"]
    second = v2.ok("GET", "/store", params={"limit": 2, "offset": 2})["scraper"]
    assert first + second == everything[:4] and len(first) == 2
    assert v2.ok("GET", "/store", params={"limit": 2, "offset": 0})["scraper"] == first


def test_worker_list_needs_a_key_and_lists_every_worker(v2):
    v2.fail("GET", "/workers", 12001, 401, auth=None)
    listed = v2.ok("GET", "/workers", params={"limit": 100})["scraper"]
    assert {item["slug"] for item in listed} == {w.slug for w in v2.emu.workers}
    assert len(v2.ok("GET", "/workers", params={"keyword": "slow"})["scraper"]) == 1


@pytest.mark.parametrize(
    ("params", "word"),
    [
        ({"limit": 101}, "limit"),
        ({"limit": 0}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": "1.5"}, "offset"),
    ],
)
def test_paging_parameters_are_checked(v2, params, word):
    for path in ("/store", "/workers", "/worker-runs", "/worker-tasks"):
        details = v2.fail("GET", path, 11000, 400, params=params)
        assert word in details[0]


def test_account_and_regions(v2):
    account = v2.ok("GET", "/users/account")
    assert account["balance"] == "100.0000"
    assert isinstance(account["balance_expiration_at"], int)
    v2.emu.set_balance("2.5")
    assert v2.ok("GET", "/users/account")["balance"] == "2.5000"
    regions = v2.ok("GET", "/proxy/region", params={"language": "zh-CN"})["list"]
    assert {"code": "US", "name": "United States"} in regions
    assert v2.ok("GET", "/proxy/region") == {"list": regions}
    v2.fail("GET", "/proxy/region", 11000, 400, params={"language": "<script>"})


def test_faults_apply_to_v2_paths(v2):
    v2.emu.inject_fault("/api/v2/workers/*", "server_error_after")
    v2.fail("POST", f"/workers/{COUNTER_ID}/runs", 10000, 500, json=v2.run_body())
    assert len(v2.ok("GET", "/worker-runs")["list"]) == 1  # the start took effect
    v2.emu.inject_fault("/api/v2/worker-runs", "reset")
    with pytest.raises(requests.ConnectionError):
        requests.get(v2.base + "/worker-runs", headers={"api-key": v2.emu.api_key}, timeout=10)
    v2.emu.inject_fault("/api/v2/worker-runs", "truncated")
    with pytest.raises(requests.exceptions.RequestException):
        requests.get(v2.base + "/worker-runs", headers={"api-key": v2.emu.api_key}, timeout=10)
    assert [r.fault for r in v2.emu.calls("/api/v2/worker-runs")][-2:] == ["reset", "truncated"]


def test_rate_limit_is_13000_with_retry_after_and_counts_query_tokens(v2):
    v2.emu.configure(rate_limit=2, api_keys=("key-a", "key-b"))
    replies = [v2.call("GET", "/users/account", auth="token", key="key-a") for _ in range(6)]
    limited = [r for r in replies if r.status_code == 429]
    assert limited and replies[0].status_code == 200
    assert all(check_envelope(r)["code"] == 13000 for r in limited)
    assert all(int(r.headers["Retry-After"]) >= 1 for r in limited)
    assert v2.call("GET", "/users/account", auth="token", key="key-b").status_code == 200


def test_recording_keeps_no_key_from_query_or_headers(v2):
    v2.call("GET", "/users/account", auth="token")
    v2.call("GET", "/users/account", auth="bearer")
    v2.call("GET", "/store", auth=None, params={"keyword": "a"})
    token_call, bearer_call, public_call = v2.emu.requests[-3:]
    assert token_call.query == {"token": ["<redacted>"]} and token_call.has_auth
    assert bearer_call.has_auth and not public_call.has_auth
    assert v2.emu.api_key not in repr(v2.emu.requests)


def test_malformed_http_on_a_v2_path_gets_an_error_envelope(v2):
    headers = b"".join(b"X-H%d: x\r\n" % i for i in range(120))
    for raw, status in (
        (b"GET /api/v2/users/account HTTP/1.1\r\n" + headers + b"\r\n", b"431"),
        (b"GET /api/v2/users/account HTTP/7.x\r\n\r\n", b"400"),
    ):
        answer = send_raw(v2.emu.url, raw)
        head, _, body = answer.partition(b"\r\n\r\n")
        payload = json.loads(body)
        assert head.split(b"\r\n")[0].split()[1] == status
        assert payload["code"] == 11000 and REQUEST_ID.match(payload["request_id"])
        assert set(payload) == {"code", "message", "request_id", "details"}


def test_knob_values_are_checked():
    with pytest.raises(ValueError):
        Emulator(v2_offset_mode="rows")
    with Emulator(builtin=False) as emu:
        for knob, value in (
            ("v2_log_format", "text"),
            ("max_concurrent_runs", 0),
            ("max_concurrent_runs", 1.5),
        ):
            with pytest.raises(ValueError):
                emu.configure(**{knob: value})
        emu.configure(v2_offset_mode="row", max_concurrent_runs=None, v2_log_format="strings")
        assert emu.settings.v2_offset_mode == "row"
        emu.reset()
        assert emu.settings.v2_offset_mode == "page"
