"""Shared helpers for the emulator's API v2 tests (this module holds no tests).

``V2`` is a small caller over plain ``requests`` that checks the v2 envelope on
every reply: a ``request_id`` of the documented shape, the same value in the
``X-Request-Id`` header, ``{code, message, data, request_id}`` on success and the
ErrorEnvelope ``{code, message, request_id, details?}`` on errors.
"""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

from coreclaw_pandas.emulator import Emulator

from .helpers import COUNTER

REQUEST_ID = re.compile(r"^req-[0-9a-f]{16}$")
ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
#: The test Worker's id in v2 path form.
COUNTER_ID = COUNTER.path.replace("/", "~")
GHOST = "01ZZZZZZZZZZZZZZZZZZZZZZZZ"
CALLBACK = "http://127.0.0.1:9/hook"


def check_envelope(reply: requests.Response) -> dict[str, Any]:
    """Return the decoded body after checking the v2 envelope and request id."""
    body = reply.json()
    assert REQUEST_ID.match(body["request_id"]), body
    assert reply.headers["X-Request-Id"] == body["request_id"]
    assert isinstance(body["code"], int) and isinstance(body["message"], str)
    if body["code"] == 0:
        # Data-less successes leave "data" out, as the spec's examples do.
        assert reply.status_code == 200 and set(body) >= {"code", "message", "request_id"}
        assert set(body) <= {"code", "message", "data", "request_id"}
        assert "data" not in body or body["data"] is not None, body
    else:
        assert reply.status_code >= 400, (reply.status_code, body)
        assert set(body) <= {"code", "message", "request_id", "details"}, body
        assert all(isinstance(d, str) for d in body.get("details", []))
    return body


class V2:
    """A v2 caller for tests: Bearer auth by default, envelope checked on every reply."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.base = emu.url + "/api/v2"
        self.session = requests.Session()

    def call(
        self, method: str, path: str, *, auth: str | None = "bearer", key: str | None = None, **kw
    ) -> requests.Response:
        key = self.emu.api_key if key is None else key
        headers = dict(kw.pop("headers", {}))
        params = dict(kw.pop("params", {}) or {})
        if auth == "bearer":
            headers["Authorization"] = f"Bearer {key}"
        elif auth == "api-key":
            headers["api-key"] = key
        elif auth == "token":
            params["token"] = key
        return self.session.request(
            method, self.base + path, headers=headers, params=params, timeout=30, **kw
        )

    def ok(self, method: str, path: str, **kw: Any) -> Any:
        reply = self.call(method, path, **kw)
        body = check_envelope(reply)
        assert body["code"] == 0 and body["message"] == "success", body
        return body.get("data")

    def fail(self, method: str, path: str, code: int, http: int, **kw: Any) -> list[str]:
        reply = self.call(method, path, **kw)
        body = check_envelope(reply)
        assert (reply.status_code, body["code"]) == (http, code), (reply.status_code, body)
        return body.get("details", [])

    def run_body(self, custom: dict | None = None, **extra: Any) -> dict:
        return {"input": {"parameters": {"custom": custom or {"rows": 3}}}, **extra}

    def start(self, custom: dict | None = None, worker: str = COUNTER_ID, **extra: Any) -> str:
        data = self.ok("POST", f"/workers/{worker}/runs", json=self.run_body(custom, **extra))
        return data["run_slug"]

    def run(self, slug: str) -> dict:
        return self.ok("GET", f"/worker-runs/{slug}")

    def wait(self, slug: str, timeout: float = 20.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            detail = self.run(slug)
            if detail["status"] in ("succeeded", "failed"):
                return detail
            time.sleep(0.02)
        raise AssertionError(f"run {slug} did not finish: {detail}")


class Receiver:
    """A callback receiver on 127.0.0.1: keeps each JSON body POSTed to it, answers 200."""

    def __init__(self) -> None:
        self.bodies: list[dict] = []
        self.got = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (stdlib name)
                receiver.bodies.append(
                    json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                )
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
                receiver.got.set()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def next_body(self, timeout: float = 10.0) -> dict:
        assert self.got.wait(timeout), "no callback arrived"
        self.got.clear()
        return self.bodies[-1]

    def until(self, count: int, timeout: float = 10.0) -> list[dict]:
        """Wait until ``count`` bodies have arrived (callbacks come on each status change)."""
        deadline = time.monotonic() + timeout
        while len(self.bodies) < count:
            assert time.monotonic() < deadline, f"{len(self.bodies)} of {count} callbacks came"
            self.got.wait(0.05)
            self.got.clear()
        return self.bodies[:count]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
