"""Garbage at every API v2 route gets an ErrorEnvelope: never a 500, a traceback or a hang."""

from __future__ import annotations

import http.client
import json
import logging
from urllib.parse import quote, urlsplit

import pytest

from coreclaw_pandas.emulator.v2.routes import ROUTES

from ..v2_helpers import COUNTER_ID, REQUEST_ID

#: Concrete paths for every route: ids that exist, that do not, and odd ones.
IDS = {
    "run": ["01ZZZZZZZZZZZZZZZZZZZZZZZZ", "last%2F..", "%00", "%C3%A9", "%FF", "x" * 300],
    "worker": [COUNTER_ID, "nobody~x", "%2F", "~", "~~~", "%ZZ"],
    "task": ["nope", "%20", "0"],
    "queue": ["1"],
}
BODIES = [
    b"{bad json",
    b"[]",
    b"null",
    b"123",
    b"\xff\xfe\x00",
    b"{}",
    b'{"limit": 1e999, "offset": -1e999}',
    b'{"input": NaN}',
    b"[" * 50_000 + b"]" * 50_000,
    json.dumps({"é🙂": "\ud800"}).encode(),
]
WRONG_VALUES = [None, True, 0, -1, 10**300, 1.5, "", "é漢字🙂", [], [1, "a"], {}, "x" * 5000]
FIELDS = [
    "input",
    "is_async",
    "callback_url",
    "offset",
    "limit",
    "version",
    "worker_id",
    "title",
    "description",
    "schedule_type",
    "schedule_time",
    "schedule_once_date",
    "queue_refs",
]
QUERIES = [
    "offset=%ff&limit=1",
    "limit=99999999999999999999",
    "offset=-3",
    "status=%00",
    "start_time=1e9",
    "end_time=99999999999999999",
    "format=" + "x" * 3000,
    "filter_keys=,,,%00",
    "keyword=" + quote("é漢字🙂") * 200,
    "worker_id=a/b",
    "language=" + "x" * 500,
    "&&&==",
]


def _paths() -> list[tuple[str, str]]:
    found = []
    for pattern, operations in ROUTES:
        for method in operations:
            variants = ["/".join(pattern)]
            for name, values in IDS.items():
                placeholder = "{" + name + "}"
                if placeholder in variants[0]:
                    variants = [v.replace(placeholder, value) for v in variants for value in values]
            found += [(method, path) for path in variants]
    return found


@pytest.fixture
def conn(emu):
    parts = urlsplit(emu.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    yield connection
    connection.close()


@pytest.fixture(autouse=True)
def no_server_errors_logged(caplog):
    with caplog.at_level(logging.ERROR, logger="coreclaw_pandas.emulator"):
        yield
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def _exchange(conn, method: str, path: str, body: bytes | None, headers: dict) -> int:
    conn.request(method, path, body=body, headers=headers)
    reply = conn.getresponse()
    raw = reply.read()
    if reply.getheader("Connection", "").lower() == "close":
        conn.close()
    assert reply.status < 500 or reply.status == 501, (method, path, raw[:200])
    payload = json.loads(raw)
    assert REQUEST_ID.match(payload["request_id"])
    assert reply.getheader("X-Request-Id") == payload["request_id"]
    if reply.status != 200:
        assert set(payload) <= {"code", "message", "request_id", "details"}, payload
        assert payload["code"] != 0
    return reply.status


def test_bad_bodies_and_ids_on_every_route(emu, conn):
    headers = {"Authorization": f"Bearer {emu.api_key}", "Content-Type": "application/json"}
    for method, path in _paths():
        if path.endswith("/runs") and COUNTER_ID in path:
            continue  # valid starts are covered elsewhere; garbage here may start runs
        for body in BODIES if method in ("POST", "PUT") else [None]:
            status = _exchange(conn, method, path, body, headers)
            assert status in (200, 400, 404, 405, 409, 422, 501)


def test_wrong_types_for_every_body_field(emu, conn):
    headers = {"Authorization": f"Bearer {emu.api_key}", "Content-Type": "application/json"}
    targets = [
        ("POST", f"/api/v2/workers/{COUNTER_ID}/runs"),
        ("POST", "/api/v2/worker-tasks"),
        ("POST", "/api/v2/worker-runs/last/rerun"),
    ]
    valid = {"input": {"parameters": {"custom": {"rows": 1}}}}
    for method, path in targets:
        for field in FIELDS:
            for value in WRONG_VALUES:
                body = json.dumps({**valid, field: value}).encode()
                assert _exchange(conn, method, path, body, headers) in (200, 400, 404, 422)


def test_query_garbage_on_every_get_route(emu, conn):
    headers = {"api-key": emu.api_key}
    for method, path in _paths():
        if method != "GET":
            continue
        for query in QUERIES:
            assert _exchange(conn, "GET", f"{path}?{query}", None, headers) in (200, 400, 404, 501)


def test_wrong_methods_everywhere(emu, conn):
    headers = {"token": "ignored", "api-key": emu.api_key}
    for _method, path in _paths()[::7]:
        for method in ("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
            status = _exchange(conn, method, path, b"{}", headers)
            assert status in (200, 400, 404, 405, 409, 422, 501)
