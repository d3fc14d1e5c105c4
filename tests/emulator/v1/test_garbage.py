"""Garbage at every route gets a proper envelope error: never a 500, a traceback or a hang."""

from __future__ import annotations

import http.client
import json
import logging
from urllib.parse import urlsplit

import pytest

from coreclaw_pandas.emulator.v1.routes import ROUTES

from ..helpers import send_raw

PATHS = [*ROUTES, "/api/v1/nothing", "/", "/api/v1/run/detail/extra", "/api/store/"]
FIELDS = [
    "run_slug",
    "task_slug",
    "scraper_slug",
    "version",
    "is_async",
    "input",
    "callback_url",
    "page_index",
    "page_size",
    "status",
    "format",
    "filter_keys",
    "page",
]
WRONG_VALUES = [
    None,
    True,
    0,
    -1,
    10**300,
    1.5,
    "",
    " ",
    "é漢字🙂",
    "\u0000",
    [],
    [1, "a"],
    {},
    {"$ne": None},
    "x" * 5000,
]
BODIES = [
    b"{bad json",
    b"[]",
    b"null",
    b"123",
    b'"text"',
    b"\xff\xfe\x00",
    b"{}",
    b"   ",
    b'{"page_index": 1e999, "page_size": -1e999}',
    b'{"run_slug": NaN}',
    b"[" * 50_000 + b"]" * 50_000,
    b'{"a":' * 3000 + b"1" + b"}" * 3000,
    json.dumps({"é🙂": "\ud800"}).encode(),
    b"1" * 6000,
]


@pytest.fixture
def conn(api):
    parts = urlsplit(api.base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    yield connection
    connection.close()


@pytest.fixture(autouse=True)
def no_server_errors_logged(caplog):
    with caplog.at_level(logging.ERROR, logger="coreclaw_pandas.emulator"):
        yield
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def _exchange(conn, method: str, path: str, body: bytes | None, headers: dict) -> tuple[int, dict]:
    conn.request(method, path, body=body, headers=headers)
    reply = conn.getresponse()
    raw = reply.read()
    if reply.getheader("Connection", "").lower() == "close":
        conn.close()
    assert reply.status != 500, (method, path, body[:80] if body else body, raw[:200])
    if path.startswith("/api") or path == "/":
        payload = json.loads(raw)
        assert isinstance(payload["code"], int) and isinstance(payload["message"], str)
        assert set(payload) == {"code", "message", "data"}
        if reply.status != 200:
            assert payload["code"] != 0 and payload["data"] is None
    return reply.status, {}


def test_bad_bodies_on_every_route(api, conn):
    headers = {"api-key": api.emu.api_key, "Content-Type": "application/json"}
    for path in PATHS:
        method = ROUTES.get(path, ("POST",))[0]
        for body in BODIES:
            status, _ = _exchange(conn, method, path, body, headers)
            assert status in (200, 400, 404, 405)


def test_wrong_types_for_every_field_on_every_route(api, conn):
    headers = {"api-key": api.emu.api_key, "Content-Type": "application/json"}
    for path, (method, _, _) in ROUTES.items():
        if method != "POST" or path == "/api/v1/scraper/run":
            continue  # scraper/run has its own test: garbage there may start runs
        for field in FIELDS:
            for value in WRONG_VALUES:
                body = json.dumps({field: value}).encode()
                status, _ = _exchange(conn, method, path, body, headers)
                assert status in (200, 400, 404)


def test_wrong_types_for_start_fields(api, conn):
    headers = {"api-key": api.emu.api_key, "Content-Type": "application/json"}
    valid = api.run_body(custom={"rows": 1})
    for field in [
        "scraper_slug",
        "version",
        "is_async",
        "input",
        "callback_url",
        "page_index",
        "page_size",
    ]:
        for value in WRONG_VALUES:
            body = json.dumps({**valid, field: value}).encode()
            status, _ = _exchange(conn, "POST", "/api/v1/scraper/run", body, headers)
            assert status in (200, 400, 404)
    for key in ["cpus", "memory", "execute_limit_time_seconds", "proxy_region", "rows", "labels"]:
        for value in WRONG_VALUES:
            body = json.loads(json.dumps(valid))
            params = body["input"]["parameters"]
            (
                params["system"]
                if key in params["system"] or key == "proxy_region"
                else params["custom"]
            )[key] = value
            status, _ = _exchange(
                conn, "POST", "/api/v1/scraper/run", json.dumps(body).encode(), headers
            )
            assert status in (200, 400)


def test_wrong_methods_and_query_garbage(api, conn):
    headers = {"api-key": api.emu.api_key}
    for path in PATHS:
        for method in ("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
            status, _ = _exchange(conn, method, path, b"{}", headers)
            assert status in (200, 400, 404, 405)
    for query in (
        "search=%ff%fe",
        "search=a&limit=99999999999999999999",
        "search=a&limit=-3",
        "slug=%00",
        "search=" + "x" * 8000,
        "limit=1&limit=2&search=b",
        "&&&==",
    ):
        for path in ("/api/store", "/api/scraper"):
            status, _ = _exchange(conn, "GET", f"{path}?{query}", None, headers)
            assert status in (200, 400, 404)


def test_oversized_body_is_a_clear_4000(api, conn):
    body = b'{"run_slug": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    conn.request(
        "POST",
        "/api/v1/run/detail",
        body=body,
        headers={"api-key": api.emu.api_key, "Content-Type": "application/json"},
    )
    reply = conn.getresponse()
    payload = json.loads(reply.read())
    assert reply.status == 400 and payload["code"] == 4000 and "too large" in payload["message"]


def test_malformed_http_gets_a_json_error_and_the_server_lives_on(api):
    for raw in (
        b"HELLO\r\n\r\n",
        b"GET /api/store HTTP/1.1\r\nBad Header\r\n\r\n",
        b"POST /api/v1/run/detail HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        b"api-key: " + api.emu.api_key.encode() + b"\r\n\r\nzz\r\n",
        b"POST /api/v1/run/detail HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n"
        b"api-key: " + api.emu.api_key.encode() + b"\r\n\r\n",
        b"\x00\x01\x02\xff" * 100 + b"\r\n\r\n",
    ):
        answer = send_raw(api.base, raw)
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1."), answer[:100]
        assert b" 500 " not in head.split(b"\r\n")[0]
        assert json.loads(body)["code"] == 4000
    assert api.ok("/api/v1/account/info")["balance"]


def test_chunked_bodies_are_read(api, conn):
    body = json.dumps({"page_index": 1, "page_size": 5}).encode()
    conn.putrequest("POST", "/api/v1/run/list")
    conn.putheader("api-key", api.emu.api_key)
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    conn.send(b"%x\r\n%b\r\n0\r\n\r\n" % (len(body), body))
    reply = conn.getresponse()
    assert json.loads(reply.read())["code"] == 0
