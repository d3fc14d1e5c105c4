"""Every endpoint's replies, success and error, validate against openapi-v1.json.

For each documented (path, method, HTTP status) the test provokes a real reply
and validates its JSON body with ``jsonschema`` against the schema the spec gives
for that status, resolving ``$ref``s within the spec.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import jsonschema
import pytest
import requests

from ..helpers import COUNTER

GHOST = "01ZZZZZZZZZZZZZZZZZZZZZZZZ"
CALLBACK = "http://127.0.0.1:9/hook"


@pytest.fixture
def spec(shared_reference: Path) -> dict:
    return _load(shared_reference / "openapi-v1.json")


@functools.cache
def _load(path: Path) -> dict:
    # Parsed once per session: every test reads the same spec.
    return json.loads(path.read_text())


def _schema_for(spec: dict, path: str, method: str, status: int) -> dict:
    responses = spec["paths"][path][method]["responses"]
    assert str(status) in responses, f"{method.upper()} {path} answered undocumented {status}"
    response = responses[str(status)]
    if "$ref" in response:
        response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    schema = response["content"]["application/json"]["schema"]
    # Embedding the components lets "#/components/..." refs resolve against this root.
    return {**schema, "components": spec["components"]}


def _check(spec: dict, path: str, method: str, reply: requests.Response, status: int) -> dict:
    assert reply.status_code == status, (reply.status_code, reply.text[:300])
    body = reply.json()
    jsonschema.Draft202012Validator(_schema_for(spec, path, method, status)).validate(body)
    return body


@pytest.fixture
def world(api):
    """A finished run with rows, a running run, and a saved task."""
    done = api.start(custom={"rows": 12})
    api.wait(done)
    running = api.start("coreclaw/slow-worker", {"interval_seconds": 5, "duration_seconds": 600})
    return {"done": done, "running": running, "task": api.emu.tasks[0]["task_slug"]}


def _happy(api, world) -> dict[str, tuple[str, dict | None]]:
    return {
        "/api/store": ("get", {"search": "counter", "limit": 5}),
        "/api/scraper": ("get", {"slug": COUNTER.path}),
        "/api/proxy/region": ("get", None),
        "/api/v1/scraper/run": ("post", api.run_body(custom={"rows": 3})),
        "/api/v1/task/run": ("post", {"task_slug": world["task"], "callback_url": CALLBACK}),
        "/api/v1/rerun": ("post", {"run_slug": world["done"], "callback_url": CALLBACK}),
        "/api/v1/run/detail": ("post", {"run_slug": world["done"]}),
        "/api/v1/run/list": (
            "post",
            {"page_index": 1, "page_size": 10, "status": 0, "scraper_slug": ""},
        ),
        "/api/v1/run/result/list": (
            "post",
            {"run_slug": world["done"], "page_index": 1, "page_size": 5},
        ),
        "/api/v1/run/result/export": (
            "post",
            {"run_slug": world["done"], "format": "csv", "filter_keys": []},
        ),
        "/api/v1/run/last/log": ("post", {"run_slug": world["done"]}),
        "/api/v1/scraper/abort": ("post", {"run_slug": world["running"]}),
        "/api/v1/account/info": ("post", {}),
    }


def _send(api, method: str, path: str, payload, *, key: bool = True) -> requests.Response:
    headers = {"api-key": api.emu.api_key} if key else {}
    if method == "get":
        return requests.get(api.base + path, params=payload, headers=headers, timeout=30)
    return requests.post(api.base + path, json=payload, headers=headers, timeout=30)


def test_every_path_of_the_spec_is_served(api, world, spec):
    assert set(_happy(api, world)) == set(spec["paths"])


def test_success_replies_match_the_spec(api, world, spec):
    for path, (method, payload) in _happy(api, world).items():
        body = _check(spec, path, method, _send(api, method, path, payload), 200)
        assert body["code"] == 0 and body["message"] == "success"


def test_sync_start_reply_matches_the_spec_and_carries_results(api, spec):
    body = api.run_body(custom={"rows": 7}, is_async=False, page_index=1, page_size=5)
    data = _check(spec, "/api/v1/scraper/run", "post", api.post("/api/v1/scraper/run", body), 200)[
        "data"
    ]
    results_schema = {
        "$ref": "#/components/schemas/RunResultListData",
        "components": spec["components"],
    }
    jsonschema.Draft202012Validator(results_schema).validate(data["results"])
    assert data["run_status"] == 3 and data["results"]["count"] == 7
    assert len(data["results"]["list"]) == 5


def test_bad_request_replies_match_the_spec(api, world, spec):
    for path, (method, _payload) in _happy(api, world).items():
        if "400" not in spec["paths"][path][method]["responses"]:
            continue
        bad = (
            {"search": ""}
            if path == "/api/store"
            else {"slug": ""}
            if method == "get"
            else ["not", "an", "object"]
        )
        body = _check(spec, path, method, _send(api, method, path, bad), 400)
        assert body["code"] == 4000


def test_unauthorised_replies_match_the_spec(api, world, spec):
    for path, (method, payload) in _happy(api, world).items():
        if "401" in spec["paths"][path][method]["responses"]:
            body = _check(spec, path, method, _send(api, method, path, payload, key=False), 401)
            assert body["code"] == 20001


def test_not_found_replies_match_the_spec(api, world, spec):
    cases = {
        "/api/scraper": ("get", {"slug": "nobody/nothing"}, 50001),
        "/api/v1/scraper/run": ("post", {**api.run_body(), "scraper_slug": "nobody/x"}, 50001),
        "/api/v1/task/run": ("post", {"task_slug": GHOST, "callback_url": CALLBACK}, 60001),
        "/api/v1/rerun": ("post", {"run_slug": GHOST, "callback_url": CALLBACK}, 70001),
        "/api/v1/run/detail": ("post", {"run_slug": GHOST}, 70001),
        "/api/v1/run/result/list": ("post", {"run_slug": GHOST}, 70001),
        "/api/v1/run/result/export": (
            "post",
            {"run_slug": GHOST, "format": "json", "filter_keys": []},
            70001,
        ),
        "/api/v1/run/last/log": ("post", {"run_slug": GHOST}, 70001),
        "/api/v1/scraper/abort": ("post", {"run_slug": GHOST}, 70001),
    }
    documented = {
        p for p, ops in spec["paths"].items() for op in ops.values() if "404" in op["responses"]
    }
    assert documented == set(cases)
    for path, (method, payload, code) in cases.items():
        assert _check(spec, path, method, _send(api, method, path, payload), 404)["code"] == code


def test_rate_limit_and_server_error_replies_match_the_spec(api, world, spec):
    for path, (method, payload) in _happy(api, world).items():
        responses = spec["paths"][path][method]["responses"]
        for status, kind, code in ((429, "rate_limit", 4290), (500, "server_error", 5000)):
            if str(status) not in responses:
                continue
            api.emu.inject_fault(path, kind)
            assert (
                _check(spec, path, method, _send(api, method, path, payload), status)["code"]
                == code
            )


def test_abort_failure_matches_the_spec(api, world, spec):
    reply = api.post("/api/v1/scraper/abort", {"run_slug": world["done"]})
    assert _check(spec, "/api/v1/scraper/abort", "post", reply, 500)["code"] == 70002


def test_balance_and_version_errors_match_the_spec(api, spec):
    reply = api.post("/api/v1/scraper/run", api.run_body(custom={"rows": 1}, version="v9.9.9"))
    assert _check(spec, "/api/v1/scraper/run", "post", reply, 400)["code"] == 50003
    api.emu.set_balance(0)
    reply = api.post("/api/v1/scraper/run", api.run_body(custom={"rows": 1}))
    assert _check(spec, "/api/v1/scraper/run", "post", reply, 400)["code"] == 30001
